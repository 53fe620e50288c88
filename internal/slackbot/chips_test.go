package slackbot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestNoEmptyChips: a step without a secret (an announcement, a freeze) or
// without an environment shows no empty "· ·" chip in Slack.
func TestNoEmptyChips(t *testing.T) {
	rb := &runbook.Runbook{ID: "rb_x", System: "S", Trigger: runbook.TriggerScheduled, Sections: runbook.Sections{
		RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: "main", Steps: []runbook.Step{
			{Order: 1, Phase: runbook.PhaseFreeze, Action: "Announce the change freeze"},
			{Order: 2, SecretID: "stripe", Phase: runbook.PhaseCreate, Action: "Create the key"},
			{Order: 3, SecretID: "stripe", Environment: "production", Phase: runbook.PhaseDeploy, Action: "Deploy"},
		}}}}}}
	data, err := json.Marshal(Message(rb, ""))
	if err != nil {
		t.Fatal(err)
	}
	msg := string(data)
	for _, bad := range []string{"·  ·", "· ·", "· *", "*freeze · ", "create · stripe · *"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message has an empty chip %q:\n%s", bad, msg)
		}
	}
	for _, want := range []string{"1. *freeze*", "2. *create · stripe*", "3. *deploy · stripe · production*"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q", want)
		}
	}
}
