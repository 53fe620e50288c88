package lint_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
)

var (
	scanOnce sync.Once
	scanner  *secretscan.Scanner
)

func linter(t *testing.T) *lint.Linter {
	t.Helper()
	scanOnce.Do(func() {
		var err error
		if scanner, err = secretscan.New(); err != nil {
			t.Fatal(err)
		}
	})
	return lint.New(scanner)
}

// written is the runbook the offline writer makes from the facts.
func written(t *testing.T, f *planner.Facts) *runbook.Runbook {
	t.Helper()
	rb := &runbook.Runbook{ID: "rb_test", System: f.System, Trigger: f.Trigger, Schedule: f.Schedule, Considered: f.Considered, TimeToKill: f.TimeToKill, OpenItems: f.OpenItems}
	rb.Sections = *section.Offline(f)
	return rb
}

// offline builds the offline runbook of a shipped request: the clean baseline
// every rule's violation is made from.
func offline(t *testing.T, name string) *runbook.Runbook {
	t.Helper()
	data, err := os.ReadFile("../../eval/requests/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	req, err := decode.Request(data)
	if err != nil {
		t.Fatal(err)
	}
	f, err := planner.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	rb := written(t, f)
	// Work on a deep copy so mutations never leak between tests.
	b, _ := json.Marshal(rb)
	var out runbook.Runbook
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func ruleFindings(fs []runbook.Finding, rule string) []runbook.Finding {
	var out []runbook.Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// step returns a pointer to the first step of a secret in a phase (and env).
func step(rb *runbook.Runbook, id string, p runbook.Phase, env string) *runbook.Step {
	for ti := range rb.Sections.RotationSequence.Tracks {
		tr := &rb.Sections.RotationSequence.Tracks[ti]
		for si := range tr.Steps {
			s := &tr.Steps[si]
			if s.SecretID == id && s.Phase == p && (env == "" || s.Environment == env) {
				return s
			}
		}
	}
	return nil
}

// swapOrders exchanges the numbers of two steps, moving them in time while
// keeping their place in the document (so numbering errors also show).
func moveBefore(t *testing.T, rb *runbook.Runbook, moved, anchor *runbook.Step) {
	t.Helper()
	if moved == nil || anchor == nil {
		t.Fatal("step not found")
	}
	// Rebuild the sequence: one track holding every step in the new order.
	var all []runbook.Step
	for _, s := range rb.Sections.RotationSequence.AllSteps() {
		if s.Order == moved.Order {
			continue
		}
		if s.Order == anchor.Order {
			all = append(all, *moved)
		}
		all = append(all, s)
	}
	for i := range all {
		all[i].Order = i + 1
	}
	rb.Sections.RotationSequence.Tracks = []runbook.Track{{Name: "all", Reason: "test", Steps: all}}
}

// removeSteps drops the steps drop selects and renumbers the rest.
func removeSteps(rb *runbook.Runbook, drop func(runbook.Step) bool) {
	n := 0
	for ti := range rb.Sections.RotationSequence.Tracks {
		tr := &rb.Sections.RotationSequence.Tracks[ti]
		var keep []runbook.Step
		for _, s := range tr.Steps {
			if !drop(s) {
				n++
				s.Order = n
				keep = append(keep, s)
			}
		}
		tr.Steps = keep
	}
}

func TestScenarioRunbooksAreClean(t *testing.T) {
	l := linter(t)
	for _, name := range []string{"acme-payments", "public-leak-github-aws", "offboarding-postgres-vault", "pci-mtls-kms", "vendor-breach-ci", "minimal"} {
		t.Run(name, func(t *testing.T) {
			fs := l.Lint(offline(t, name))
			for _, f := range fs {
				t.Errorf("%s %s %s %s: %s", f.Severity, f.Rule, f.Section, f.SecretID, f.Message)
			}
		})
	}
}

// TestEveryRuleCatchesItsViolation breaks each invariant in a clean runbook and
// checks the rule (and only a finding of that rule's severity) reports it.
func TestEveryRuleCatchesItsViolation(t *testing.T) {
	tests := []struct {
		rule     string
		scenario string
		break_   func(t *testing.T, rb *runbook.Runbook)
	}{
		{"sections-complete", "acme-payments", func(t *testing.T, rb *runbook.Runbook) { rb.Sections.Automation = nil }},
		{"sentence-answered", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Considered[1].Reading, rb.Considered[1].Effect = "no rule of the planner matched", "kept with the facts every section is written from; it did not change the plan"
		}},
		{"sentence-answered", "contractor-suspected-leak", func(t *testing.T, rb *runbook.Runbook) {
			rb.Considered[0].Reading = ""
		}},
		{"valid-vocabulary", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.Inventory.Secrets[0].Strategy = "yolo"
		}},
		{"known-secret-ids", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.RiskTriage.Items = append(rb.Sections.RiskTriage.Items, runbook.TriageItem{SecretID: "ghost-key", Exposure: "internal", Priority: "P3"})
		}},
		{"secret-has-steps", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			var keep []runbook.Step
			for _, s := range rb.Sections.RotationSequence.Tracks[0].Steps {
				if s.Phase != runbook.PhaseVerify {
					keep = append(keep, s)
				}
			}
			rb.Sections.RotationSequence.Tracks[0].Steps = keep
		}},
		{"secret-triaged", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.RiskTriage.Items = rb.Sections.RiskTriage.Items[1:]
		}},
		{"step-order-numbering", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.RotationSequence.Tracks[1].Steps[0].Order = 3
		}},
		{"phase-order", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// Store before create, in staging.
			moveBefore(t, rb, step(rb, "sendgrid-api-key", runbook.PhaseStore, "staging"), step(rb, "sendgrid-api-key", runbook.PhaseCreate, "staging"))
		}},
		{"lower-env-first", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			moveBefore(t, rb, step(rb, "postgres-app-password", runbook.PhaseDeploy, "production"), step(rb, "postgres-app-password", runbook.PhaseVerify, "staging"))
		}},
		{"revoke-after-verify", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			moveBefore(t, rb, step(rb, "sendgrid-api-key", runbook.PhaseRevoke, "staging"), step(rb, "sendgrid-api-key", runbook.PhaseVerify, "production"))
		}},
		{"leak-contained-first", "public-leak-github-aws", func(t *testing.T, rb *runbook.Runbook) {
			moveBefore(t, rb, step(rb, "github-token-for-release-bot", runbook.PhaseInvestigate, ""), step(rb, "github-token-for-release-bot", runbook.PhaseContain, ""))
		}},
		{"exposure-investigated", "vendor-breach-ci", func(t *testing.T, rb *runbook.Runbook) {
			s := step(rb, "sendgrid-api-key", runbook.PhaseInvestigate, "")
			s.Phase = runbook.PhaseCleanup
		}},
		{"derived-credentials-revoked", "public-leak-github-aws", func(t *testing.T, rb *runbook.Runbook) {
			for ti := range rb.Sections.RotationSequence.Tracks {
				for si := range rb.Sections.RotationSequence.Tracks[ti].Steps {
					s := &rb.Sections.RotationSequence.Tracks[ti].Steps[si]
					if s.SecretID == "aws-access-key-for-artifact-uploads" && (s.Phase == runbook.PhaseContain || s.Phase == runbook.PhaseInvestigate) {
						s.Action = "Deactivate the key."
					}
				}
			}
		}},
		{"consumers-reload", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			step(rb, "sendgrid-api-key", runbook.PhaseDeploy, "staging").Action = "Update the value in the store."
		}},
		{"consumer-coverage", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			s := step(rb, "postgres-app-password", runbook.PhaseDeploy, "production")
			s.Consumers = []string{"api", "jobs"} // analytics-export forgotten
		}},
		{"environment-validated", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.Validation.Environments = rb.Sections.Validation.Environments[1:]
		}},
		{"rollback-for-high-risk", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			for i := range rb.Sections.Rollback.Steps {
				if rb.Sections.Rollback.Steps[i].SecretID == "postgres-app-password" {
					rb.Sections.Rollback.Steps[i].PossibleUntil = ""
				}
			}
		}},
		{"approvals-for-high-risk", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			var keep []runbook.Approval
			for _, a := range rb.Sections.Preflight.Approvals {
				if !runbook.OneOf(a.Secrets, "postgres-app-password") {
					keep = append(keep, a)
				}
			}
			rb.Sections.Preflight.Approvals = keep
		}},
		{"say-it-once", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// A validation check that says the verify step again.
			st := rb.Sections.RotationSequence.Tracks[1].Steps[3]
			ch := &rb.Sections.Validation.Environments[0].Checks[0]
			ch.How = st.Action + " " + ch.How
			// The same deploy procedure written out in two secrets' steps.
			const lambda = "Make new invocations cold start with the new value, then wait until the function is updated."
			rb.Sections.RotationSequence.Tracks[0].Steps[3].Action += " " + lambda
			rb.Sections.RotationSequence.Tracks[2].Steps[2].Action += " " + lambda
		}},
		{"external-comms-consistent", "pci-mtls-kms", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.ExternalComms.Messages = nil
		}},
		{"no-secret-values", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.Rollback.Containment = append(rb.Sections.Rollback.Containment, "old key was sk_live_51HxQkLJtY8aB3cD4eF5gH6iJ7kL8mN9oP0qR")
		}},
		{"disable-before-delete", "public-leak-github-aws", func(t *testing.T, rb *runbook.Runbook) {
			// AWS keys can be deactivated first; deleting at once throws
			// away the way back.
			rb.Sections.Inventory.Secrets[1].Strategy = runbook.StrategyDualCredential
			s := step(rb, "aws-access-key-for-artifact-uploads", runbook.PhaseCreate, "production")
			s.Phase, s.Action = runbook.PhaseRevoke, "Delete the old key with `aws iam delete-access-key`."
		}},
		{"propagation-wait", "minimal", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.Inventory.Secrets[0].Provider = "Auth0"
			rb.Sections.Inventory.Secrets[0].Entry = "auth0-client-secret"
		}},
		{"alternating-users-grants", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			var keep []string
			for _, c := range rb.Sections.Preflight.Checklist {
				if !strings.Contains(c, "grant") {
					keep = append(keep, c)
				}
			}
			rb.Sections.Preflight.Checklist = keep
		}},
		{"comms-audiences", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.InternalComms.Messages = rb.Sections.InternalComms.Messages[:1]
		}},
		{"comms-essentials", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.InternalComms.Messages[0].Body = "We are rotating some secrets."
			rb.Sections.InternalComms.Messages[0].Subject = "Rotation"
		}},
		{"audit-coverage", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// Evidence for one secret only: the others have none.
			rb.Sections.AuditEvidence.Items = []runbook.EvidenceItem{{Evidence: "rotation log", Control: "SOC 2 CC6.1", SecretID: "sendgrid-api-key"}}
		}},
		// Outcome rules.
		{"old-credential-killed", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// The complaint: deleting every revoke step gave no finding.
			removeSteps(rb, func(s runbook.Step) bool { return s.Phase == runbook.PhaseRevoke })
		}},
		{"exposed-killed-first", "vendor-breach-ci", func(t *testing.T, rb *runbook.Runbook) {
			// The investigation of an exposed key comes while it is alive.
			moveBefore(t, rb, step(rb, "stripe-secret-key", runbook.PhaseInvestigate, ""), step(rb, "stripe-secret-key", runbook.PhaseContain, "production"))
		}},
		{"killed-before-other-work", "vendor-breach-ci", func(t *testing.T, rb *runbook.Runbook) {
			// The key a service uses is replaced in staging too before it
			// dies: a ladder, as before the exposure decided the kill.
			moveBefore(t, rb, step(rb, "stripe-secret-key", runbook.PhaseContain, "production"), step(rb, "stripe-secret-key", runbook.PhaseInvestigate, ""))
		}},
		{"killed-before-other-work", "vendor-breach-ci", func(t *testing.T, rb *runbook.Runbook) {
			// Stripe's kill waits behind SendGrid's production replacement,
			// as the plan of two replace-then-kill waves had it (review18:
			// an exposed credential's kill never waits for another
			// secret's track).
			moveBefore(t, rb, step(rb, "stripe-secret-key", runbook.PhaseContain, "production"), step(rb, "sendgrid-api-key", runbook.PhaseVerify, "production"))
		}},
		{"killed-before-other-work", "public-leak-openai-notebook", func(t *testing.T, rb *runbook.Runbook) {
			// The public key is replaced in production before it is revoked
			// there, after the other secrets' (here: its staging) work.
			id := "openai-project-api-key-for-the-support-summarize"
			moveBefore(t, rb, step(rb, id, runbook.PhaseContain, "all"), step(rb, id, runbook.PhaseVerify, "staging"))
		}},
		{"no-step-on-killed-credential", "ci-vendor-breach-multikey", func(t *testing.T, rb *runbook.Runbook) {
			// The mailer's redeploy re-runs the pipeline before the deploy
			// pipeline's AWS key, killed at containment, is stored again
			// (review18 round 3).
			moveBefore(t, rb, step(rb, "mailgun-api-key", runbook.PhaseDeploy, "production"), step(rb, "aws-deploy-access-key", runbook.PhaseStore, "production"))
		}},
		{"production-restored-first", "public-leak-openai-notebook", func(t *testing.T, rb *runbook.Runbook) {
			// The runbook review18 read: the key dead in production, then
			// staging's whole replacement before production's.
			id := "openai-project-api-key-for-the-support-summarize"
			for _, p := range []runbook.Phase{runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseVerify} {
				moveBefore(t, rb, step(rb, id, p, "staging"), step(rb, id, runbook.PhaseStore, "production"))
			}
		}},
		{"production-restored-first", "leak-aws-assume-role", func(t *testing.T, rb *runbook.Runbook) {
			// The investigation (30 minutes of log reading) while the
			// export job is down.
			id := "aws-access-key-for-the-export-job"
			moveBefore(t, rb, step(rb, id, runbook.PhaseInvestigate, ""), step(rb, id, runbook.PhaseCreate, "production"))
		}},
		{"containment-waits-for-no-approval", "public-leak-openai-notebook", func(t *testing.T, rb *runbook.Runbook) {
			// review18 C1: Security approves "the production steps of
			// revoke-first secrets, before the first step", so the kill
			// waits for a sign-off.
			rb.Sections.Preflight.Approvals[0].Before = "the first step"
		}},
		{"containment-waits-for-no-approval", "ci-breach-doppler-token", func(t *testing.T, rb *runbook.Runbook) {
			// An owner's sign-off before their secret's first step, which
			// is its kill.
			a := &rb.Sections.Preflight.Approvals[len(rb.Sections.Preflight.Approvals)-1]
			a.Before = "their first step"
		}},
		{"planned-keeps-overlap", "offboarding-deploy-key", func(t *testing.T, rb *runbook.Runbook) {
			// GitOps' deploy key removed right after the person's access,
			// days before the deadline: ArgoCD cannot pull until step N.
			id := "github-deploy-key-for-the-gitops-repository"
			moveBefore(t, rb, step(rb, id, runbook.PhaseRevoke, "production"), step(rb, id, runbook.PhaseCreate, "staging"))
		}},
		{"checks-without-side-effects", "pagerduty-integration-check", func(t *testing.T, rb *runbook.Runbook) {
			// The check the runbook used to make: a trigger event to the
			// production service, which pages the on-call.
			step(rb, "pagerduty-integration-key-for-alertmanager", runbook.PhaseVerify, "production").Action = "Verify: send a test event with the new key and resolve it (`curl -sS https://events.pagerduty.com/v2/enqueue -H 'Content-Type: application/json' -d @-` with a trigger event); the incident opens on the right service."
		}},
		{"checks-without-side-effects", "release-freeze-ci-tokens", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.Validation.Environments[0].Checks[0].How = "re-run the ci-publish pipeline and watch it publish"
		}},
		{"checks-without-side-effects", "unknown-providers", func(t *testing.T, rb *runbook.Runbook) {
			// Review 19, M2: proving Alertmanager's new receiver URL by
			// firing an alert through production pages people and posts to
			// the live alerts stream.
			step(rb, "zulip-incoming-webhook-url-for-alerts", runbook.PhaseVerify, "production").Action = "Verify: fire a test alert (`amtool alert add rotation-test severity=info`) and see it arrive through the new URL."
		}},
		{"checks-without-side-effects", "release-freeze-ci-tokens", func(t *testing.T, rb *runbook.Runbook) {
			// The deploy step the runbook used to write during the freeze.
			step(rb, "aws-deploy-access-key", runbook.PhaseDeploy, "production").Action = "Roll out ci-deploy so it reads the new value: re-run the ci-deploy pipeline for production so it reads the new value."
		}},
		{"planned-keeps-overlap", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// A scheduled rotation that revokes SendGrid's key first,
			// although SendGrid allows a second key.
			moveBefore(t, rb, step(rb, "sendgrid-api-key", runbook.PhaseRevoke, "production"), step(rb, "sendgrid-api-key", runbook.PhaseCreate, "staging"))
		}},
		{"planned-keeps-overlap", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// hook3 h1: a scheduled rotation cut over (the old credential
			// revoked in the create step, then reinstalled) although the
			// provider allows a second key: consumers are down until their
			// redeploy.
			for i := range rb.Sections.Inventory.Secrets {
				if rb.Sections.Inventory.Secrets[i].ID == "sendgrid-api-key" {
					rb.Sections.Inventory.Secrets[i].Strategy = runbook.StrategyHardCutover
				}
			}
		}},
		{"time-to-kill-shown", "public-leak-github-aws", func(t *testing.T, rb *runbook.Runbook) {
			rb.TimeToKill = nil
		}},
		{"person-access-first", "offboarding-postgres-vault", func(t *testing.T, rb *runbook.Runbook) {
			// Removing the person's sign-in moved after the rotation began.
			var sso runbook.Step
			removeSteps(rb, func(s runbook.Step) bool {
				if s.SecretID == "" && s.Phase == runbook.PhaseContain && strings.Contains(s.Action, "single sign-on") {
					sso = s
					return true
				}
				return false
			})
			tr := &rb.Sections.RotationSequence.Tracks[len(rb.Sections.RotationSequence.Tracks)-1]
			sso.Order = tr.Steps[len(tr.Steps)-1].Order + 1
			tr.Steps = append(tr.Steps, sso)
		}},
		{"own-product-commands", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// MySQL's procedure given to a PostgreSQL password.
			step(rb, "postgres-app-password", runbook.PhaseRevoke, "production").Action = "Run `ALTER USER 'app'@'%' DISCARD OLD PASSWORD;`."
		}},
		// The rules that read a section besides the ones they need, each
		// broken there (Linter.Reading judges a section by the rules that
		// read it).
		{"own-product-commands", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// MySQL's procedure in a PostgreSQL password's validation check.
			for _, e := range rb.Sections.Validation.Environments {
				for i := range e.Checks {
					if e.Checks[i].SecretID == "postgres-app-password" {
						e.Checks[i].How = "Run `ALTER USER 'app'@'%' DISCARD OLD PASSWORD;` and check it succeeds."
						return
					}
				}
			}
			t.Fatal("no validation check of postgres-app-password")
		}},
		{"own-product-commands", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// And in its rollback.
			for i, r := range rb.Sections.Rollback.Steps {
				if r.SecretID == "postgres-app-password" {
					rb.Sections.Rollback.Steps[i].Step = "Run `ALTER USER 'app'@'%' DISCARD OLD PASSWORD;` to go back."
					return
				}
			}
			t.Fatal("no rollback step of postgres-app-password")
		}},
		{"known-secret-ids", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			opp := &rb.Sections.Automation.Opportunities[0]
			opp.SecretIDs = append(opp.SecretIDs, "ghost-key")
		}},
		{"known-secret-ids", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.Preflight.Approvals[0].Secrets = append(rb.Sections.Preflight.Approvals[0].Secrets, "ghost-key")
		}},
		{"valid-vocabulary", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			rb.Sections.InternalComms.Messages[0].Audience = "everyone"
		}},
		{"no-step-in-blackout", "acme-payments", func(t *testing.T, rb *runbook.Runbook) {
			// A batch that must not be interrupted from 21:30 to 23:00 UTC,
			// and the production switch booked at 22:00.
			rb.Schedule.Blackouts = append(rb.Schedule.Blackouts, runbook.TimeWindow{ID: "b1", Start: "21:30", End: "23:00", TZ: "UTC", Note: "settlement batch"})
		}},
		{"no-step-in-blackout", "compliance-dated-freeze", func(t *testing.T, rb *runbook.Runbook) {
			// The database's production revoke written for a day inside the
			// dated change freeze.
			st := step(rb, "mongodb-atlas-database-user-password", runbook.PhaseRevoke, "production")
			st.Action += " Do it on Tuesday 2026-12-22 at 02:00 UTC."
		}},
		{"no-rollback-to-exposed", "vendor-breach-ci", func(t *testing.T, rb *runbook.Runbook) {
			// The breached CI's AWS key is kept as a _PREVIOUS copy and
			// restored from it on rollback.
			for i := range rb.Sections.Rollback.Steps {
				if rb.Sections.Rollback.Steps[i].SecretID == "aws-deploy-access-key" {
					rb.Sections.Rollback.Steps[i].Step = "Set AWS_DEPLOY_ACCESS_KEY back from AWS_DEPLOY_ACCESS_KEY_PREVIOUS and redeploy."
				}
			}
		}},
		{"no-rollback-to-exposed", "vendor-breach-ci", func(t *testing.T, rb *runbook.Runbook) {
			st := step(rb, "aws-deploy-access-key", runbook.PhaseStore, "production")
			st.Action = "Copy the current value of AWS_DEPLOY_ACCESS_KEY to a masked variable AWS_DEPLOY_ACCESS_KEY_PREVIOUS, then set the new one."
		}},
		{"next-name-read", "github-webhook-secret", func(t *testing.T, rb *runbook.Runbook) {
			// The receivers are restarted but never told to read _NEXT.
			for ti := range rb.Sections.RotationSequence.Tracks {
				for si := range rb.Sections.RotationSequence.Tracks[ti].Steps {
					s := &rb.Sections.RotationSequence.Tracks[ti].Steps[si]
					if s.Phase == runbook.PhaseDeploy {
						s.Action = "Restart the receivers: `kubectl rollout restart deployment/webhooks`."
					}
				}
			}
		}},
	}
	l := linter(t)
	// One memoized linter across every case (the clean runbooks and the
	// broken ones share most of their texts): it finds exactly what the
	// plain linter finds.
	memo := l.WithTextMemo()
	// A linter that also remembers each sequence's steps (one generation's:
	// its sections are never changed once linted) finds what the plain
	// linter finds on every runbook it is shown, each twice.
	seqMemo := l.WithTextMemo().WithSectionMemo().ErrorsOnly()
	sameTwice := func(t *testing.T, rb *runbook.Runbook, what string) {
		t.Helper()
		want := lint.Errors(l.Lint(rb))
		for range 2 {
			if got := seqMemo.Lint(rb); !reflect.DeepEqual(want, got) && (len(want) > 0 || len(got) > 0) {
				t.Errorf("the linter remembering sequences finds otherwise on the %s runbook:\n got %+v\nwant %+v", what, got, want)
			}
		}
	}
	// The error rules alone find exactly the errors of every rule (an
	// answer is judged by them).
	errs := memo.ErrorsOnly()
	sameErrors := func(t *testing.T, rb *runbook.Runbook, what string) {
		t.Helper()
		want, got := lint.Errors(l.Lint(rb)), errs.Lint(rb)
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("the error rules alone find otherwise on the %s runbook:\n got %+v\nwant %+v", what, got, want)
		}
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			covered[tt.rule] = true
			rb := offline(t, tt.scenario)
			if got := ruleFindings(l.Lint(rb), tt.rule); len(got) != 0 {
				t.Fatalf("clean runbook already fails %s: %+v", tt.rule, got)
			}
			if !reflect.DeepEqual(l.Lint(rb), memo.Lint(rb)) {
				t.Errorf("the memoized linter finds otherwise on the clean runbook")
			}
			sameErrors(t, rb, "clean")
			tt.break_(t, rb)
			got := ruleFindings(l.Lint(rb), tt.rule)
			if len(got) == 0 {
				t.Fatalf("%s did not report the violation", tt.rule)
			}
			if want := l.Lint(rb); !reflect.DeepEqual(want, memo.Lint(rb)) {
				t.Errorf("the memoized linter finds otherwise on the broken runbook")
			}
			sameErrors(t, rb, "broken")
			// rb's sections were changed in place: the remembering linter
			// sees it once broken, and a clean copy.
			sameTwice(t, rb, "broken")
			sameTwice(t, offline(t, tt.scenario), "clean")
			readingFindsTheSame(t, l, tt.scenario, rb)
			for _, f := range got {
				if f.Message == "" || f.Section == "" {
					t.Errorf("finding lacks a message or section: %+v", f)
				}
			}
		})
	}
	errorRules := 0
	for _, r := range l.Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no violation test", r.ID)
		}
		if r.Severity == runbook.SeverityError {
			errorRules++
		}
	}
	if errorRules < 12 {
		t.Errorf("%d error rules, the linter promises at least 12", errorRules)
	}
}

// readingFindsTheSame: for each section, the runbook whose section is the
// broken one's and whose others are the clean offline ones gets, from the
// rules reading that section alone (Linter.Reading), every finding the
// clean runbook lacks that all the rules find: how a model's section is
// judged in the offline runbook.
func readingFindsTheSame(t *testing.T, l *lint.Linter, scenario string, broken *runbook.Runbook) {
	t.Helper()
	clean := offline(t, scenario)
	base := map[runbook.Finding]bool{}
	for _, f := range l.Lint(clean) {
		base[f] = true
	}
	added := func(fs []runbook.Finding) []runbook.Finding {
		var out []runbook.Finding
		for _, f := range fs {
			if !base[f] {
				out = append(out, f)
			}
		}
		return out
	}
	for _, sec := range section.All {
		one := offline(t, scenario)
		if !sec.Present(&broken.Sections) {
			continue
		}
		sec.Copy(&one.Sections, &broken.Sections)
		want, got := added(l.Lint(one)), added(l.Reading(sec.ID()).Lint(one))
		if !reflect.DeepEqual(want, got) {
			t.Errorf("with the broken %s, the rules reading it find otherwise than all the rules:\n got %+v\nwant %+v", sec.ID(), got, want)
		}
	}
}

func TestLintSectionsKeepsOnlyThoseSections(t *testing.T) {
	l := linter(t)
	rb := offline(t, "acme-payments")
	step(rb, "sendgrid-api-key", runbook.PhaseDeploy, "staging").Action = "Update the value."
	rb.Sections.InternalComms.Messages = rb.Sections.InternalComms.Messages[:1]
	got := l.LintSections(rb, runbook.SectionInternalComms)
	if len(got) != 2 {
		t.Errorf("internal comms only: %+v", got)
	}
	for _, f := range got {
		if f.Rule != "comms-audiences" {
			t.Errorf("internal comms only: %+v", f)
		}
	}
	got = l.LintSections(rb, runbook.SectionRotationSequence)
	if len(got) != 1 || got[0].Rule != "consumers-reload" {
		t.Errorf("rotation sequence only: %+v", got)
	}
}

// TestLintSectionsRunsEveryRuleThatReportsThere: known-secret-ids needs the
// inventory but reports on the section naming the unknown id, so checking
// automation alone must run it.
func TestLintSectionsRunsEveryRuleThatReportsThere(t *testing.T) {
	l := linter(t)
	rb := offline(t, "acme-payments")
	opp := &rb.Sections.Automation.Opportunities[0]
	opp.SecretIDs = append(opp.SecretIDs, "stripe-api-key-legacy")
	got := lint.Errors(l.LintSections(rb, runbook.SectionAutomation))
	if len(got) != 1 || got[0].Rule != "known-secret-ids" || got[0].Section != runbook.SectionAutomation {
		t.Errorf("automation only: %+v", got)
	}
}

func TestRulesSkipAbsentSections(t *testing.T) {
	rb := offline(t, "acme-payments")
	rb.Sections = runbook.Sections{RotationSequence: rb.Sections.RotationSequence}
	for _, f := range linter(t).Lint(rb) {
		if f.Severity == runbook.SeverityError {
			t.Errorf("a lone clean section gives an error: %+v", f)
		}
	}
}

func BenchmarkLintAcme(b *testing.B) {
	t := &testing.T{}
	rb := offline(t, "acme-payments")
	l := linter(t)
	b.ResetTimer()
	for b.Loop() {
		l.Lint(rb)
	}
}

// TestEveryCatalogEntryRotatesCleanly plans, writes and lints a runbook for
// every catalogue entry's example, on a schedule, after a public leak and on
// an offboarding: each is free of error findings, uses its own entry, and
// kills its old credential.
func TestEveryCatalogEntryRotatesCleanly(t *testing.T) {
	l := linter(t)
	cat := catalog.Default()
	for _, p := range cat.Providers {
		for i := range p.Credentials {
			cr := &p.Credentials[i]
			for _, trig := range []struct {
				trigger  runbook.Trigger
				exposure runbook.Exposure
			}{{runbook.TriggerScheduled, ""}, {runbook.TriggerConfirmedLeak, runbook.ExposurePublic}, {runbook.TriggerOffboarding, ""}} {
				t.Run(cr.ID+"/"+string(trig.trigger), func(t *testing.T) {
					ex := cr.Example
					req := &runbook.Request{System: "Catalogue check", Trigger: trig.trigger, Environments: []string{"staging", "production"},
						Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: ex.Store,
						Secrets: []runbook.Secret{{Name: ex.Name, Kind: ex.Kind, Provider: ex.Provider, Notes: ex.Notes, Exposure: trig.exposure,
							Owner: "Platform", Consumers: []string{"api", "worker"}}}}
					f, err := planner.Plan(req)
					if err != nil {
						t.Fatal(err)
					}
					switch {
					case len(cr.Parts) > 0:
						// A compound secret is planned as its parts.
						if len(f.Secrets) != len(cr.Parts) || f.Secrets[0].Rule != cr.Parts[0].Credential {
							t.Fatalf("compound example planned as %d secrets, first %s", len(f.Secrets), f.Secrets[0].Rule)
						}
					case f.Secrets[0].Rule != cr.ID:
						t.Fatalf("example selects %s", f.Secrets[0].Rule)
					}
					rb := written(t, f)
					for _, e := range l.Lint(rb) {
						t.Errorf("%s %s: %s", e.Rule, e.Section, e.Message)
					}
				})
			}
		}
	}
}

// TestExposedCredentialsDoNotWaitForBlackouts: on a leak, the exposed
// credential is replaced and killed even inside a blackout (the incident's
// exception); a credential that was not exposed still keeps out of it.
func TestExposedCredentialsDoNotWaitForBlackouts(t *testing.T) {
	req := &runbook.Request{System: "Notify", Trigger: runbook.TriggerSuspectedLeak, Environments: []string{"staging", "production"},
		Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreVault,
		Secrets: []runbook.Secret{
			{Name: "Twilio auth token", Provider: "twilio", Owner: "Messaging", Consumers: []string{"sms-sender"}, Exposure: runbook.ExposureThirdParty},
			{Name: "Okta client secret", Provider: "okta", Owner: "Identity", Consumers: []string{"notify-admin"}, Exposure: runbook.ExposureInternal},
		},
		Constraints: []string{"settlement-batch runs 00:00-01:30 UTC and must not be interrupted"}}
	f, err := planner.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	rb := written(t, f)
	l := linter(t)
	if fs := ruleFindings(l.Lint(rb), "no-step-in-blackout"); len(fs) != 0 {
		t.Fatalf("clean runbook: %+v", fs)
	}
	twilio := f.Secrets[0].ID
	step(rb, twilio, runbook.PhaseDeploy, "production").Action += " Deploy at 00:30 UTC."
	if fs := ruleFindings(l.Lint(rb), "no-step-in-blackout"); len(fs) != 0 {
		t.Errorf("the exposed credential's replacement is held back by the blackout: %+v", fs)
	}
	okta := f.Secrets[1].ID
	step(rb, okta, runbook.PhaseDeploy, "production").Action += " Deploy at 00:30 UTC."
	if fs := ruleFindings(l.Lint(rb), "no-step-in-blackout"); len(fs) != 1 || fs[0].SecretID != okta {
		t.Errorf("a credential that was not exposed, written for the blackout: %+v", fs)
	}
	pre := strings.Join(rb.Sections.Preflight.Checklist, "\n")
	if !strings.Contains(pre, "Exception: the exposed "+twilio) {
		t.Errorf("the checklist does not say the exposed credential is killed inside the blackout:\n%s", pre)
	}
}

// TestFixingForwardIsNotRestoring: a rollback that says the exposed
// credential is never brought back passes the no-rollback-to-exposed rule.
func TestFixingForwardIsNotRestoring(t *testing.T) {
	rb := offline(t, "vendor-breach-ci")
	for i := range rb.Sections.Rollback.Steps {
		if rb.Sections.Rollback.Steps[i].SecretID == "aws-deploy-access-key" {
			rb.Sections.Rollback.Steps[i].Step = "Never roll back to the exposed key: create another one and redeploy; take a consumer out of service rather than back to the old key."
		}
	}
	if fs := ruleFindings(linter(t).Lint(rb), "no-rollback-to-exposed"); len(fs) != 0 {
		t.Errorf("%+v", fs)
	}
}

// TestKnownIsNotLeaked: on an offboarding, a credential the departing person
// merely knew keeps out of blackouts (its deadline bounds the work) and may
// be rolled back until then; the checklist grants it no exception.
func TestKnownIsNotLeaked(t *testing.T) {
	f, err := planner.Plan(&runbook.Request{System: "Atlas Analytics", Trigger: runbook.TriggerOffboarding, Environments: []string{"production"},
		Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreVault,
		Secrets: []runbook.Secret{{Name: "GitLab project access token for dbt deploys", Provider: "gitlab", Owner: "Data",
			Consumers: []string{"dbt-deployer"}, Exposure: runbook.ExposureInternal}},
		Constraints: []string{"Priya Nair leaves on Friday; access ends Friday 18:00 Europe/London", "ETL runs 02:00-04:00 Europe/London and must not be interrupted"}})
	if err != nil {
		t.Fatal(err)
	}
	rb := written(t, f)
	if pre := strings.Join(rb.Sections.Preflight.Checklist, "\n"); strings.Contains(pre, "Exception:") {
		t.Errorf("an exception to the blackout for a credential that did not leak:\n%s", pre)
	}
	id := f.Secrets[0].ID
	step(rb, id, runbook.PhaseDeploy, "production").Action += " Deploy at 03:00 Europe/London."
	if fs := ruleFindings(linter(t).Lint(rb), "no-step-in-blackout"); len(fs) == 0 {
		t.Error("a step written inside the ETL blackout passes because the departing person knew the token")
	}
}

// TestRoutineRotationNeedsNoLeadershipEmail: leadership is a required
// audience unless the rotation is routine (planned, low risk, not exposed).
func TestRoutineRotationNeedsNoLeadershipEmail(t *testing.T) {
	rb := &runbook.Runbook{Trigger: runbook.TriggerScheduled, Sections: runbook.Sections{
		Inventory:     &runbook.Inventory{Secrets: []runbook.InventorySecret{{ID: "k", RotationRisk: runbook.LevelLow}}},
		RiskTriage:    &runbook.RiskTriage{Items: []runbook.TriageItem{{SecretID: "k", Exposure: runbook.ExposureInternal}}},
		InternalComms: &runbook.InternalComms{Messages: []runbook.Message{{Audience: runbook.AudienceEngineering}, {Audience: runbook.AudienceSupport}}},
	}}
	audiences := func() []runbook.Finding {
		var out []runbook.Finding
		for _, f := range lint.New(nil).LintSections(rb, runbook.SectionInternalComms) {
			if f.Rule == "comms-audiences" {
				out = append(out, f)
			}
		}
		return out
	}
	if got := audiences(); len(got) != 0 {
		t.Errorf("routine: %+v", got)
	}
	rb.Sections.Inventory.Secrets[0].RotationRisk = runbook.LevelHigh
	if got := audiences(); len(got) != 1 || !strings.Contains(got[0].Message, "leadership") {
		t.Errorf("high risk: %+v", got)
	}
}
