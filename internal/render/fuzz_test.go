package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// FuzzMarkdown renders runbooks whose every text comes from the fuzzer. The
// output never carries raw HTML outside code spans, and hostile text never
// makes a heading of its own.
func FuzzMarkdown(f *testing.F) {
	f.Add("Acme Payments", "Stripe webhook signing secret", "`kubectl rollout restart` <b>", "#secret-rotation")
	f.Add("<script>alert(1)</script>", "key | pipe", "a\n# heading\n", "`unclosed")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, system, name, action, channel string) {
		rb := &runbook.Runbook{ID: "rb_fuzz", System: system, CreatedAt: time.Unix(0, 0), Trigger: runbook.Trigger(name),
			Sections: runbook.Sections{
				Inventory: &runbook.Inventory{Secrets: []runbook.InventorySecret{{ID: name, Name: name, Owner: system, Systems: []string{action}, Action: action, Storage: channel}},
					Dependencies: []runbook.Dependency{{SecretID: name, Consumer: action, Environment: channel, HowLoaded: system}}},
				RiskTriage:       &runbook.RiskTriage{Items: []runbook.TriageItem{{SecretID: name, BusinessImpact: action, Rationale: system}}},
				Preflight:        &runbook.Preflight{Checklist: []string{action}, Approvals: []runbook.Approval{{Approver: name, Scope: action, Before: system}}, BackupPlan: []string{channel}},
				RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: system, Reason: action, Steps: []runbook.Step{{Order: 1, SecretID: name, Environment: channel, Phase: "verify", Action: action, Owner: system, Verify: name}}}}},
				Validation:       &runbook.Validation{Environments: []runbook.EnvValidation{{Environment: channel, Checks: []runbook.Check{{SecretID: name, Consumer: system, Check: action, Expected: name, How: channel}}}}},
				Rollback:         &runbook.Rollback{Triggers: []string{action}, Steps: []runbook.RollbackStep{{SecretID: name, Step: action, PossibleUntil: system}}, Containment: []string{channel}},
				InternalComms:    &runbook.InternalComms{Messages: []runbook.Message{{Audience: "engineering", Channel: channel, Subject: system, Body: action, SendWhen: name}}},
				ExternalComms:    &runbook.ExternalComms{Reason: action, Messages: []runbook.Message{{Audience: "customer", Channel: channel, Subject: name, Body: action}}},
				AuditEvidence:    &runbook.AuditEvidence{Items: []runbook.EvidenceItem{{Evidence: action, Control: name, SecretID: name, CollectedBy: system, When: channel}}},
				Automation:       &runbook.Automation{Opportunities: []runbook.Opportunity{{Title: name, SecretIDs: []string{name}, How: action}}},
			},
			OpenItems:   []runbook.OpenItem{{ID: name, Source: channel, Text: action, Question: system, Blocks: []string{name, "s1"}}},
			Assumptions: []string{action}, Findings: []runbook.Finding{{Rule: name, Message: action}}}
		var buf bytes.Buffer
		if err := Markdown(&buf, rb); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(buf.String(), "\n") {
			if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "# API Key and Secret Rotation Runbook - ") &&
				!strings.HasPrefix(line, "## ") && !strings.HasPrefix(line, "### ") {
				t.Fatalf("a line became a heading: %q", line)
			}
			if strings.HasPrefix(line, "## ") || strings.HasPrefix(line, "### ") {
				continue
			}
			if outsideCode(line, "<") {
				t.Fatalf("raw < outside code: %q", line)
			}
		}
	})
}

// outsideCode reports whether s occurs in line outside backtick spans.
func outsideCode(line, s string) bool {
	parts := strings.Split(line, "`")
	for i := 0; i < len(parts); i += 2 {
		if strings.Contains(parts[i], s) {
			return true
		}
	}
	return false
}
