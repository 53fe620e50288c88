package slackbot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestFirstStepsShowTheNoteTheyPointTo: a step whose text the writer said
// once in its track's note reads "As the note says."; Slack, which shows no
// track notes, lists the step with the note's text instead (the newcomer
// saw "4. deploy · stripe · staging As the note says." and no note).
func TestFirstStepsShowTheNoteTheyPointTo(t *testing.T) {
	rb := &runbook.Runbook{ID: "rb_x", System: "S", Trigger: runbook.TriggerScheduled, Sections: runbook.Sections{
		RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: "stripe",
			Reason: "Dual credential. For steps 2 and 3: Update STRIPE_WEBHOOK_SECRET in the secret store and roll out billing-api. Check of steps 2 and 3: the pods run the new revision.",
			Steps: []runbook.Step{
				{Order: 1, SecretID: "stripe", Phase: runbook.PhaseCreate, Action: "Roll the webhook secret in the Stripe dashboard"},
				{Order: 2, SecretID: "stripe", Environment: "staging", Phase: runbook.PhaseDeploy, Action: runbook.NoteRef},
				{Order: 3, SecretID: "stripe", Environment: "production", Phase: runbook.PhaseDeploy, Action: runbook.NoteRef},
			}}}}}}
	data, err := json.Marshal(Message(rb, ""))
	if err != nil {
		t.Fatal(err)
	}
	msg := string(data)
	if strings.Contains(msg, "note says") {
		t.Errorf("Slack points at a note it does not show:\n%s", msg)
	}
	for _, want := range []string{"2. *deploy · stripe · staging* Update STRIPE_WEBHOOK_SECRET", "3. *deploy · stripe · production* Update STRIPE_WEBHOOK_SECRET"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}
