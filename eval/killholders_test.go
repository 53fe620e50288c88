package eval

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestKillsWaitOnlyForWhatBindsThem is the property of review18 round 4's
// majors (offboarding-datadog-keys: both revokes and every access removal
// waited for "does today mean today?"; offboarding-sso: the leaver's PAT
// waited for "does anything still use it?"): over every shipped eval request
// and the rows of testdata/kill_holders.yaml, each replayed as of its as_of,
// an exposed credential's kill waits only for items that bind the kill
// itself.
//   - A kill that dies first (no deadline in time_to_kill), and a step that
//     removes a departing person's access, waits for no open item.
//   - A kill planned after the replacement, by a deadline, waits only for
//     an item that holds nothing but that secret's kill (its revoke), or one
//     that holds its replacement too (the kill follows the replacement).
func TestKillsWaitOnlyForWhatBindsThem(t *testing.T) {
	s := scan(t)
	gen := generate.New(generate.Config{Screener: s, Linter: lint.New(s)})
	reqs := map[string]*runbook.Request{}
	paths, _ := filepath.Glob("requests/*.json")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		r, err := decode.Request(data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		reqs[strings.TrimSuffix(filepath.Base(p), ".json")] = r
	}
	data, err := os.ReadFile("testdata/kill_holders.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name    string         `yaml:"name"`
		Request map[string]any `yaml:"request"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		body, err := yaml.Marshal(row.Request)
		if err != nil {
			t.Fatal(err)
		}
		js, err := yaml.YAMLToJSON(body)
		if err != nil {
			t.Fatal(err)
		}
		r, err := decode.Request(js)
		if err != nil {
			t.Fatalf("%s: %v", row.Name, err)
		}
		reqs["row: "+row.Name] = r
	}
	names := make([]string, 0, len(reqs))
	for n := range reqs {
		names = append(names, n)
	}
	slices.Sort(names)
	kills := 0
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			rb, err := gen.Generate(generate.Replay(context.Background()), reqs[name], generate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			steps := rb.Sections.RotationSequence.AllSteps()
			byOrder := map[int]runbook.Step{}
			for _, st := range steps {
				byOrder[st.Order] = st
			}
			item := map[string]runbook.OpenItem{}
			for _, o := range rb.OpenItems {
				item[o.ID] = o
			}
			for _, st := range steps {
				if st.Phase == runbook.PhaseContain && st.SecretID == "" && rb.Trigger == runbook.TriggerOffboarding {
					if w := runbook.WaitingFor(rb.OpenItems, st); len(w) > 0 {
						t.Errorf("step %d removes the person's access but waits for %s", st.Order, describe(item, w))
					}
				}
			}
			for _, k := range rb.TimeToKill {
				if k.Reach {
					continue
				}
				st, ok := byOrder[k.Step]
				if !ok {
					t.Errorf("%s: kill step %d missing", k.SecretID, k.Step)
					continue
				}
				kills++
				for _, id := range runbook.WaitingFor(rb.OpenItems, st) {
					o := item[id]
					if k.Deadline == "" {
						t.Errorf("%s dies first at step %d, but waits for %s", k.SecretID, k.Step, describe(item, []string{id}))
						continue
					}
					if !bindsKill(o, rb, k.SecretID) {
						t.Errorf("%s's planned kill at step %d waits for %s, which neither holds only its kill nor its replacement", k.SecretID, k.Step, describe(item, []string{id}))
					}
				}
			}
		})
	}
	if kills < 50 {
		t.Errorf("only %d kills checked", kills)
	}
}

// bindsKill reports whether an open item binds a secret's kill itself: it
// holds nothing of the secret but its kill and revoke steps, or it holds
// the secret's replacement too.
func bindsKill(o runbook.OpenItem, rb *runbook.Runbook, id string) bool {
	onlyKill, replacement := true, false
	for _, st := range rb.Sections.RotationSequence.AllSteps() {
		if !o.Holds(st) {
			continue
		}
		if st.SecretID != id {
			continue
		}
		switch st.Phase {
		case runbook.PhaseRevoke, runbook.PhaseContain:
		case runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseSwitch:
			replacement, onlyKill = true, false
		default:
			onlyKill = false
		}
	}
	return onlyKill || replacement
}

func describe(items map[string]runbook.OpenItem, ids []string) string {
	var out []string
	for _, id := range ids {
		q := items[id].Question
		if len(q) > 90 {
			q = q[:90] + "…"
		}
		out = append(out, fmt.Sprintf("%s (%s)", id, q))
	}
	return strings.Join(out, ", ")
}
