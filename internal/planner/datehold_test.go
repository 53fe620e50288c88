package planner

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestADateItemHoldsNoStepItBounds is a property over the offboarding eval
// requests (eval/requests/offboarding-*.json): the open item that asks a
// deadline's date ("today" with no as_of) holds none of the steps that
// deadline bounds, nor the departing person's access removal: a deadline
// only bounds, so those steps done sooner meet it whatever the day. Before,
// one step ran "Now" while its siblings waited (offboarding-datadog-keys,
// the cold read), and then every access removal and both revokes waited
// for "does today mean today?" (review18 round 4, major: the kills wait on
// a question they do not need).
func TestADateItemHoldsNoStepItBounds(t *testing.T) {
	files, err := filepath.Glob("../../eval/requests/offboarding-*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no offboarding requests: %v", err)
	}
	dated := 0
	for _, file := range files {
		base := strings.TrimSuffix(filepath.Base(file), ".json")
		// Each request as given, and without its as_of: its relative days
		// ("today") are then asked.
		for _, undated := range []bool{false, true} {
			req := load(t, base)
			name := base
			if undated {
				if req.AsOf == "" {
					continue
				}
				req.AsOf, name = "", base+" (no as_of)"
			}
			checkDateHolds(t, name, req, &dated)
		}
	}
	t.Logf("%d offboarding requests, %d date items checked", len(files), dated)
	if dated == 0 {
		t.Errorf("no offboarding request asks its date: the property checked nothing")
	}
}

func checkDateHolds(t *testing.T, name string, req *runbook.Request, dated *int) {
	t.Helper()
	f, err := Plan(req)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, d := range f.Schedule.Deadlines {
		if d.Day == "" || runbook.ValidDate(d.Day) {
			continue
		}
		// The deadline's date is asked ("today" with no as_of): the
		// items raised from its words hold none of its track.
		ref := func(order int) string { return fmt.Sprintf("s%d", order) }
		asked := 0
		for _, o := range f.OpenItems {
			if o.Source != d.Source || o.Text != d.Note {
				continue
			}
			asked++
			held := map[string]bool{}
			for _, b := range o.Blocks {
				held[b] = true
			}
			for _, st := range f.Steps {
				if (st.Access != "" || st.Window == d.ID) && held[ref(st.Order)] {
					t.Errorf("%s: %s asks the date of deadline %s but holds step %d (%s %s%s), which done sooner meets the deadline",
						name, o.ID, d.ID, st.Order, st.Phase, st.Access, st.SecretID)
				}
			}
		}
		if asked == 0 {
			t.Errorf("%s: deadline %s (%q) has no date and no open item asks it", name, d.ID, d.Day)
		}
		*dated += asked
	}
}
