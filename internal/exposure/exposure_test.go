package exposure

import (
	"os"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestClassify reads the table of triggers and exposures in
// testdata/classes.yaml: public is a kill now whatever the trigger; a third
// party holding it on a leak or a vendor incident too; a departing person's
// knowledge is killed by the deadline; internal exposure on a leak is
// assessed; the rest is planned work.
func TestClassify(t *testing.T) {
	data, err := os.ReadFile("testdata/classes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Trigger  runbook.Trigger  `yaml:"trigger"`
		Exposure runbook.Exposure `yaml:"exposure"`
		Class    Class            `yaml:"class"`
	}
	if err := yaml.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 15 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, r := range rows {
		if got := Classify(r.Trigger, r.Exposure); got != r.Class {
			t.Errorf("Classify(%s, %s) = %s, want %s", r.Trigger, r.Exposure, got, r.Class)
		}
	}
}

func TestLabelAndMinutes(t *testing.T) {
	for m, want := range map[int]string{5: "T0+5 min", 60: "T0+1 h", 95: "T0+1 h 35 min"} {
		if got := Label(m); got != want {
			t.Errorf("Label(%d) = %q, want %q", m, got, want)
		}
	}
	if got := StepMinutes(runbook.PhaseVerify, 61); got != 7 {
		t.Errorf("a verify waiting 61 s of propagation = %d min, want 7", got)
	}
}

// TestKillWords: what a step that kills a credential says, and what a
// restriction that keeps it alive says.
func TestKillWords(t *testing.T) {
	for _, text := range []string{"Revoke the exposed token now", "Deactivate the exposed key now", "Roll out receivers that no longer accept the exposed secret now",
		"then the SET modification, which removes the exposed token", "Delete the exposed integration now", "expire the old key now"} {
		if !KillRE.MatchString(text) {
			t.Errorf("%q does not read as a kill", text)
		}
	}
	for _, text := range []string{"Create a new key", "Store the new value", "Verify: `aws sts get-caller-identity`"} {
		if KillRE.MatchString(text) {
			t.Errorf("%q reads as a kill", text)
		}
	}
	if !RestrictRE.MatchString("Restrict the exposed key without breaking its consumers: deactivate ...") {
		t.Error("a restriction does not read as one")
	}
}

// TestLeavesTime: a departure deadline leaves time for a replacement first
// only when it is far enough ahead of now; one without a date is planned
// against; one that passed leaves none.
func TestLeavesTime(t *testing.T) {
	need := ReplaceMinutes(2)
	if need != 60 {
		t.Fatalf("two environments need %d min, want 60", need)
	}
	now := "2026-07-13T09:00:00Z"
	for _, tt := range []struct {
		d    runbook.Deadline
		want bool
	}{
		{runbook.Deadline{At: "17:00", Due: "2026-07-17T17:00:00Z"}, true},
		{runbook.Deadline{At: "09:30", Due: "2026-07-13T09:30:00Z"}, false},
		{runbook.Deadline{At: "17:00", Due: "2026-07-10T17:00:00Z"}, false},
		{runbook.Deadline{At: "17:00"}, true},
		{runbook.Deadline{}, false},
	} {
		if got := LeavesTime(tt.d, now, need); got != tt.want {
			t.Errorf("LeavesTime(%+v) = %v, want %v", tt.d, got, tt.want)
		}
	}
}
