package planner

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestHoldoutThreeSchedule plans the six spent holdout3 requests
// (testdata/holdout3, answer key in review17-cold4) and compares the time
// rules that reach the schedule with testdata/holdout3_schedule.yaml: how
// many windows, blackouts and freezes, each one's span (its label) and the
// secrets it binds. A report's timestamp, a job's schedule, a state, a
// deadline, a target, a duty or an approval is no window and no blackout.
func TestHoldoutThreeSchedule(t *testing.T) {
	data, err := os.ReadFile("testdata/holdout3_schedule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type rule struct {
		Label    string   `yaml:"label"`
		Secrets  []string `yaml:"secrets"`
		Activity string   `yaml:"activity"`
	}
	var table []struct {
		Request   string `yaml:"request"`
		Windows   []rule `yaml:"windows"`
		Blackouts []rule `yaml:"blackouts"`
		Freezes   int    `yaml:"freezes"`
		// Pending names the checks (windows, blackouts, freezes) still
		// known wrong, with why: logged, not failed; one that passes
		// fails until its entry goes.
		Pending map[string]string `yaml:"pending"`
		// Holds says what the open item raised from a source holds:
		// "production" (a production step that is not a kill: an unread
		// prohibition never holds only lower-environment steps), or "none"
		// (no open item from it: it was read).
		Holds map[string]string `yaml:"holds"`
	}
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	right, total := 0, 0
	for _, row := range table {
		raw, err := os.ReadFile("testdata/holdout3/" + row.Request)
		if err != nil {
			t.Fatal(err)
		}
		req, err := decode.Request(raw)
		if err != nil {
			t.Fatal(err)
		}
		f := plan(t, req)
		name := func(id string) string {
			if s := f.SecretByID(id); s != nil {
				return s.Name
			}
			return id
		}
		describe := func(list []rule, got int) string {
			return fmt.Sprintf("%d, want %d", got, len(list))
		}
		check := func(what string, want []rule, labels []string, secrets [][]string, acts []string) {
			total++
			var b strings.Builder
			for i := range labels {
				fmt.Fprintf(&b, "\n      got  %q secrets=%q activity=%q", labels[i], secrets[i], acts[i])
			}
			ok := len(labels) == len(want)
			for _, w := range want {
				found := false
				for i, l := range labels {
					if l != w.Label || (w.Activity != "" && acts[i] != w.Activity) {
						continue
					}
					match := len(w.Secrets) == len(secrets[i])
					for _, ws := range w.Secrets {
						match = match && slices.ContainsFunc(secrets[i], func(s string) bool { return strings.Contains(s, ws) })
					}
					found = found || match
				}
				ok = ok && found
			}
			if why, pending := row.Pending[what]; pending {
				if ok {
					t.Errorf("%s %s: passes now; drop its pending entry (%s)", row.Request, what, why)
				} else {
					t.Logf("pending %s %s (%s): %s%s", row.Request, what, why, describe(want, len(labels)), b.String())
				}
				return
			}
			if ok {
				right++
				return
			}
			t.Errorf("%s %s: %s%s\n      want %+v", row.Request, what, describe(want, len(labels)), b.String(), want)
		}
		var labels, acts []string
		var secrets [][]string
		for _, w := range f.Schedule.Windows {
			labels, acts = append(labels, w.Label()), append(acts, w.Activity)
			var ns []string
			for _, id := range w.SecretIDs {
				ns = append(ns, name(id))
			}
			secrets = append(secrets, ns)
		}
		for src, want := range row.Holds {
			total++
			var item *runbook.OpenItem
			for i := range f.OpenItems {
				if f.OpenItems[i].Source == src {
					item = &f.OpenItems[i]
				}
			}
			switch {
			case want == "none" && item == nil:
				right++
			case want == "production" && item != nil && slices.ContainsFunc(item.Blocks, func(b string) bool {
				st := stepByRef(f, b)
				return st != nil && !st.Kill && runbook.IsProduction(st.Environment)
			}):
				right++
			case item == nil:
				t.Errorf("%s %s: no open item, want one holding %s steps", row.Request, src, want)
			default:
				t.Errorf("%s %s: open item %s holds %v, want %s", row.Request, src, item.ID, item.Blocks, want)
			}
		}
		check("windows", row.Windows, labels, secrets, acts)
		labels, acts, secrets = nil, nil, nil
		for _, w := range f.Schedule.Blackouts {
			labels, acts = append(labels, w.Label()), append(acts, w.Activity)
			var ns []string
			for _, id := range w.SecretIDs {
				ns = append(ns, name(id))
			}
			secrets = append(secrets, ns)
		}
		check("blackouts", row.Blackouts, labels, secrets, acts)
		total++
		if len(f.Freezes) == row.Freezes {
			right++
		} else {
			var fs []string
			for _, fr := range f.Freezes {
				fs = append(fs, fmt.Sprintf("%s %v (%s)", fr.ID, fr.Forbids, fr.Source))
			}
			t.Errorf("%s freezes: %d, want %d: %s", row.Request, len(f.Freezes), row.Freezes, strings.Join(fs, "; "))
		}
	}
	t.Logf("holdout3 schedule: %d of %d checks right (the rest pending, logged above)", right, total)
}
