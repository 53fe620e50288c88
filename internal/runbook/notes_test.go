package runbook

import (
	"slices"
	"testing"
)

// TestTrackNotesRoundTrip: a note's lead reads back as the steps it names,
// and each step reads the notes that name it.
func TestTrackNotesRoundTrip(t *testing.T) {
	a := Note{Steps: []int{4, 8, 14}, Text: "Force a cold start: `aws lambda update-function-configuration`."}
	c := Note{Steps: []int{5}, Check: true, Text: "no 401s for 30 minutes"}
	tr := Track{Reason: "replace now. " + a.Lead() + " " + a.Text + " " + c.Lead() + " " + c.Text,
		Steps: []Step{{Order: 4, Action: "Deploy."}, {Order: 5, Verify: "works"}, {Order: 6, Action: "Revoke; for steps like these see above."}}}
	reason, notes := tr.Notes()
	if reason != "replace now." || len(notes) != 2 || !slices.Equal(notes[0].Steps, a.Steps) || notes[0].Text != a.Text || !notes[1].Check || notes[1].Text != c.Text {
		t.Fatalf("reason %q notes %+v", reason, notes)
	}
	rs := &RotationSequence{Tracks: []Track{tr, {Steps: []Step{{Order: 8, Action: "Deploy again."}}}}}
	got := rs.ReadSteps()
	if got[0].Action != "Deploy. "+a.Text || got[1].Verify != "works; "+c.Text || got[2].Action != "Revoke; for steps like these see above." || got[3].Action != "Deploy again. "+a.Text {
		t.Errorf("read steps: %+v", got)
	}
	// A step named by two notes reads both, in their order; a note that
	// names a step twice is read into it once.
	b := Note{Steps: []int{4, 4}, Text: "Then reload it."}
	two := &RotationSequence{Tracks: []Track{{Reason: "x. " + a.Lead() + " " + a.Text + " " + b.Lead() + " " + b.Text, Steps: []Step{{Order: 4, Action: "Deploy."}}}}}
	if got := two.ReadSteps(); got[0].Action != "Deploy. "+a.Text+" "+b.Text {
		t.Errorf("read steps: %+v", got)
	}
}
