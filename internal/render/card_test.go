package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestKillTimesOnTheCard: every exposed credential's kill is on the card,
// on the line of the step that kills it: an absolute time with its zone
// when the runbook has a clock, else the time from the start (T0 said
// once).
func TestKillTimesOnTheCard(t *testing.T) {
	rb := &runbook.Runbook{ID: "rb_k", System: "CI",
		Sections: runbook.Sections{
			Inventory: &runbook.Inventory{Secrets: []runbook.InventorySecret{{ID: "aws", Name: "AWS key"}, {ID: "gh", Name: "GitHub token"}}},
			RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: "Containment", Steps: []runbook.Step{
				{Order: 1, SecretID: "aws", Environment: "production", Phase: runbook.PhaseContain, Action: "`aws iam update-access-key --status Inactive`.", Verify: "calls fail"},
				{Order: 2, SecretID: "aws", Environment: "staging", Phase: runbook.PhaseContain, Action: "`aws iam update-access-key --status Inactive`.", Verify: "calls fail"},
				{Order: 3, SecretID: "gh", Environment: "production", Phase: runbook.PhaseContain, Action: "Delete the token (Settings > Tokens > Delete).", Verify: "401"},
			}}}},
		},
		TimeToKill: []runbook.KillTime{
			{SecretID: "aws", Environment: "production", Step: 1, Minutes: 10, Label: "T0+10 min", At: "2026-11-25T22:10:00Z"},
			{SecretID: "aws", Environment: "staging", Step: 2, Minutes: 15, Label: "T0+15 min", At: "2026-11-25T22:15:00Z"},
			{SecretID: "gh", Environment: "production", Step: 3, Minutes: 20, Label: "T0+20 min", At: "2026-11-25T23:20:00+01:00"},
		}}
	card := func() string {
		var buf bytes.Buffer
		if err := MarkdownView(&buf, rb, ViewCard); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	out := card()
	for _, want := range []string{"**1/2** contain, **dead by Wed 2026-11-25 22:15 UTC**:", "**3** contain, **dead by Wed 2026-11-25 23:20 UTC+01:00**:"} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
	if c := BuildCard(rb); len(c.Kills) != 2 || c.Kills[0].At != "Wed 2026-11-25 22:15 UTC" || c.Kills[0].Steps != "steps 1-2" {
		t.Errorf("kills %+v", c.Kills)
	}
	for i := range rb.TimeToKill {
		rb.TimeToKill[i].At = ""
	}
	out = card()
	for _, want := range []string{"T0: all kills start at once, one operator per credential.", "**1/2** contain, **dead by T0+15 min**:"} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
}

// TestCardKeepsRevokesWhole (newcomer4): a secret with more steps than the
// card shows folds the rest into one line, but never a revoke: it keeps its
// own label and its check ("10/12/13 switch: The remaining steps" hid two
// revokes and their kill check).
func TestCardKeepsRevokesWhole(t *testing.T) {
	var steps []runbook.Step
	for i, p := range []runbook.Phase{runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify, runbook.PhaseSwitch, runbook.PhaseCleanup, runbook.PhaseRevoke} {
		steps = append(steps, runbook.Step{Order: i + 1, SecretID: "hmac", Environment: "production", Phase: p,
			Action: "`ledgerctl " + string(p) + " " + string(rune('a'+i)) + "`.", Verify: "`ledgerctl check " + string(p) + "` passes"})
	}
	rb := &runbook.Runbook{ID: "rb_r", System: "Ledger", Sections: runbook.Sections{
		Inventory:        &runbook.Inventory{Secrets: []runbook.InventorySecret{{ID: "hmac", Name: "HMAC key", Strategy: runbook.StrategyDualAccept}}},
		RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: "Ledger", Steps: steps}}},
	}}
	var buf bytes.Buffer
	if err := MarkdownView(&buf, rb, ViewCard); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"**8** revoke: ", "Check: `ledgerctl check revoke` passes", "**6-7** switch: The remaining steps"} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
}

// TestCardLinesKeepTheirParentheses (hook5 k5): a lead-in is cut at its
// colon only outside an aside; the GCP verify "writing nothing (for a check
// by hand: `gcloud auth ...` in a throwaway config)" lost its "(" and kept
// a dangling ")".
func TestCardLinesKeepTheirParentheses(t *testing.T) {
	actions := []string{
		"Verify: from each consumer's runtime, authenticate with the new key and make one read call with the permissions it needs, writing nothing (for a check by hand: `gcloud auth activate-service-account --key-file=<new-key-file>` in a throwaway config).",
		"Verify: each consumer reads one object (for a check by hand: `aws sts get-caller-identity` with the new key).",
	}
	var steps []runbook.Step
	for i, a := range actions {
		steps = append(steps, runbook.Step{Order: i + 1, SecretID: "sa", Environment: "production", Phase: runbook.PhaseVerify, Action: a, Verify: "it works"})
	}
	rb := &runbook.Runbook{ID: "rb_p", System: "Data", Sections: runbook.Sections{
		Inventory:        &runbook.Inventory{Secrets: []runbook.InventorySecret{{ID: "sa", Name: "Service account key", Strategy: runbook.StrategyDualCredential}}},
		RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: "Data", Steps: steps}}},
	}}
	var buf bytes.Buffer
	if err := MarkdownView(&buf, rb, ViewCard); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		depth, code := 0, false
		for _, c := range line {
			switch {
			case c == '`':
				code = !code
			case code:
			case c == '(':
				depth++
			case c == ')':
				depth--
			}
			if depth < 0 {
				t.Errorf("a ')' closes nothing: %s", line)
				break
			}
		}
	}
}

// TestCardKeepsHowConsumersDiffer (review17-cold3 r3): a roll-out lead that
// says how one consumer differs (a webhook receiver holding both tokens)
// stays on the card; a lead that only restates the phase goes.
func TestCardKeepsHowConsumersDiffer(t *testing.T) {
	cmd := "`for w in deployment/reminder-worker deployment/sms-webhook; do kubectl -n clinic rollout restart $w && kubectl -n clinic rollout status $w || break; done`."
	rows := []struct{ action, want, not string }{
		{"Roll out reminder-worker and sms-webhook so they read the new value, sms-webhook holding both tokens, the old one as `T_PREVIOUS` beside the new `T`, and accepting an X-Twilio-Signature that matches either: " + cmd, "sms-webhook holding both tokens", ""},
		{"Roll out reminder-worker and sms-webhook so they read the new value: " + cmd, "", "Roll out"},
	}
	for _, r := range rows {
		rb := &runbook.Runbook{ID: "rb_t", System: "Clinic", Sections: runbook.Sections{
			Inventory: &runbook.Inventory{Secrets: []runbook.InventorySecret{{ID: "tw", Name: "Twilio auth token", Strategy: runbook.StrategyDualCredential}}},
			RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: "Clinic", Steps: []runbook.Step{
				{Order: 1, SecretID: "tw", Environment: "production", Phase: runbook.PhaseDeploy, Action: r.action, Verify: "rolled out"}}}}},
		}}
		var buf bytes.Buffer
		if err := MarkdownView(&buf, rb, ViewCard); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if r.want != "" && !strings.Contains(out, r.want) {
			t.Errorf("the card lacks %q:\n%s", r.want, out)
		}
		if r.not != "" && strings.Contains(out, r.not) {
			t.Errorf("the card says %q:\n%s", r.not, out)
		}
	}
}

// TestCardDeployKeepsEveryConsumer (hook8 s1, a leaked Mapbox token): a
// deploy step that redeploys two consumers whose runtimes are asked kept
// only the first ("redeploy tile-proxy on its runtime"; the action as the
// planner writes it, without code spans): an operator acting
// from the card leaves route-planner on the killed token.
func TestCardDeployKeepsEveryConsumer(t *testing.T) {
	for _, action := range []string{
		"Roll out tile-proxy and route-planner so they read the new value: redeploy tile-proxy on its runtime (<runtime>, asked at the top); redeploy route-planner on its runtime (<runtime>, asked at the top).",
		"Roll out api, jobs and worker so they read the new value: redeploy api on its runtime (<runtime>, asked at the top); redeploy jobs on its runtime (<runtime>, asked at the top); redeploy worker on its runtime (<runtime>, asked at the top).",
	} {
		rb := &runbook.Runbook{ID: "rb_d", System: "Maps", Sections: runbook.Sections{
			Inventory: &runbook.Inventory{Secrets: []runbook.InventorySecret{{ID: "tok", Name: "Maps token", Strategy: runbook.StrategyDualCredential}}},
			RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: "Maps", Steps: []runbook.Step{
				{Order: 1, SecretID: "tok", Environment: "production", Phase: runbook.PhaseDeploy, Action: action, Verify: "it runs"}}}}},
		}}
		var buf bytes.Buffer
		if err := MarkdownView(&buf, rb, ViewCard); err != nil {
			t.Fatal(err)
		}
		_, list, _ := strings.Cut(action, "Roll out ")
		list, _, _ = strings.Cut(list, " so ")
		for _, c := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
			if c == "and" {
				continue
			}
			if !strings.Contains(strings.ToLower(buf.String()), "redeploy "+c) {
				t.Errorf("the card drops %s's redeploy:\n%s", c, buf.String())
			}
		}
	}
}
