package writer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// readingOutcomes is testdata/reading_outcomes.yaml.
type readingOutcomes struct {
	Base map[string]any `yaml:"base"`
	Rows []struct {
		Name    string         `yaml:"name"`
		Request map[string]any `yaml:"request"`
		Want    struct {
			Blackouts    *[]map[string]any `yaml:"blackouts"`
			Windows      *[]map[string]any `yaml:"windows"`
			Deadlines    []map[string]any  `yaml:"deadlines"`
			OpenItems    int               `yaml:"open_items"`
			OpenItemText []string          `yaml:"open_item_text"`
			Text         []string          `yaml:"text"`
			// Sections: strings a section must hold (rotation_sequence,
			// preflight, internal_comms, external_comms, audit_evidence).
			Sections map[string][]string `yaml:"sections"`
			// NotSections: strings a section must not hold.
			NotSections map[string][]string `yaml:"not_sections"`
			NotText     []string            `yaml:"not_text"`
			// Windowed: phases whose every production step waits for a
			// window (a maintenance window binds every change).
			Windowed []runbook.Phase `yaml:"windowed"`
			// OpenItemSources: the request paths an open item must come from.
			OpenItemSources []string `yaml:"open_item_sources"`
			// Held: phases whose every production step waits for an open
			// item; NotHeld: phases none of whose steps does.
			Held    []runbook.Phase `yaml:"held"`
			NotHeld []runbook.Phase `yaml:"not_held"`
			// HeldFrom: only open items from request paths starting with
			// it count for held and not_held ("constraints": the store
			// path and workload questions of the base request do not).
			HeldFrom string `yaml:"held_from"`
			// Watched: phases whose every step that changes production
			// (a production step, or one of every environment in a
			// request with production) names the second engineer.
			Watched []runbook.Phase `yaml:"watched"`
		} `yaml:"want"`
	} `yaml:"rows"`
}

// TestReadingOutcomes plans and writes every request of the outcome table and
// checks what the runbook made of its constraints: prohibitions are
// blackouts, spans keep their days and dates, deadlines carry a date, binding
// rules change the steps, and no sentence is left without a reading or an
// open item.
func TestReadingOutcomes(t *testing.T) {
	files, err := filepath.Glob("testdata/reading_outcomes*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no outcome tables: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var table readingOutcomes
		if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) { readingOutcomeRows(t, table) })
	}
}

// readingOutcomeRows runs the rows of one outcome table.
func readingOutcomeRows(t *testing.T, table readingOutcomes) {
	for _, row := range table.Rows {
		t.Run(row.Name, func(t *testing.T) {
			merged := map[string]any{}
			for k, v := range table.Base {
				merged[k] = v
			}
			for k, v := range row.Request {
				merged[k] = v
			}
			body, err := json.Marshal(merged)
			if err != nil {
				t.Fatal(err)
			}
			req, err := decode.ParseRequest(body)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			f, err := planner.Plan(req)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			sched := asMaps(t, f.Schedule)
			w := row.Want
			if w.Blackouts != nil {
				matchList(t, "blackouts", *w.Blackouts, sched["blackouts"])
			}
			if w.Windows != nil {
				matchList(t, "windows", *w.Windows, sched["windows"])
			}
			for _, want := range w.Deadlines {
				if !anyMatches(want, sched["deadlines"]) {
					t.Errorf("no deadline matches %v: %v", want, sched["deadlines"])
				}
			}
			if len(f.OpenItems) < w.OpenItems {
				t.Errorf("%d open items, want at least %d: %+v", len(f.OpenItems), w.OpenItems, f.OpenItems)
			}
			items, _ := json.Marshal(f.OpenItems)
			for _, s := range w.OpenItemText {
				if !strings.Contains(string(items), s) {
					t.Errorf("no open item holds %q: %s", s, items)
				}
			}
			all := runbookText(t, f)
			for _, s := range w.Text {
				if !strings.Contains(all, s) {
					t.Errorf("the runbook never says %q", s)
				}
			}
			for id, wants := range w.Sections {
				text := sectionText(t, f, id)
				for _, s := range wants {
					if !strings.Contains(text, s) {
						t.Errorf("section %s never says %q", id, s)
					}
				}
			}
			for id, wants := range w.NotSections {
				text := sectionText(t, f, id)
				for _, s := range wants {
					if strings.Contains(text, s) {
						t.Errorf("section %s says %q", id, s)
					}
				}
			}
			for _, p := range w.Windowed {
				for _, st := range f.Steps {
					if st.Phase == p && runbook.IsProduction(st.Environment) && st.Window == "" {
						t.Errorf("production step %d (%s %s) waits for no window", st.Order, st.SecretID, st.Phase)
					}
				}
			}
			for _, src := range w.OpenItemSources {
				found := false
				for _, o := range f.OpenItems {
					found = found || o.Source == src
				}
				if !found {
					t.Errorf("no open item from %s: %s", src, items)
				}
			}
			heldBy := map[string]bool{}
			for _, o := range f.OpenItems {
				if !strings.HasPrefix(o.Source, w.HeldFrom) {
					continue
				}
				for _, b := range o.Blocks {
					heldBy[b] = true
				}
			}
			for _, p := range w.Held {
				n := 0
				for _, st := range f.Steps {
					if st.Phase == p && (runbook.IsProduction(st.Environment) || st.Environment == planner.AllEnvironments) {
						n++
						if !heldBy[fmt.Sprintf("s%d", st.Order)] {
							t.Errorf("production step %d (%s %s) waits for no open item: %s", st.Order, st.SecretID, st.Phase, items)
						}
					}
				}
				if n == 0 {
					t.Errorf("no production %s step", p)
				}
			}
			for _, p := range w.NotHeld {
				for _, st := range f.Steps {
					if st.Phase == p && heldBy[fmt.Sprintf("s%d", st.Order)] {
						t.Errorf("step %d (%s %s) waits for an open item: %s", st.Order, st.SecretID, st.Phase, items)
					}
				}
			}
			for _, p := range w.Watched {
				n := 0
				for _, tr := range RotationSequence(f).Tracks {
					for _, st := range tr.Steps {
						if st.Phase != p || !(runbook.IsProduction(st.Environment) || st.Environment == "all") {
							continue
						}
						n++
						if !strings.Contains(st.Owner, "watching (dual control)") {
							t.Errorf("step %d (%s %s %s) names no second engineer: owner %q", st.Order, st.Environment, st.SecretID, st.Phase, st.Owner)
						}
					}
				}
				if n == 0 {
					t.Errorf("no production %s step", p)
				}
			}
			for _, s := range w.NotText {
				if strings.Contains(all, s) {
					t.Errorf("the runbook says %q", s)
				}
			}
			everySentenceAnswered(t, f)
			noStepInABlackout(t, f)
		})
	}
}

// sectionText is one section of the offline runbook as JSON text.
func sectionText(t *testing.T, f *planner.Facts, id string) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(allSections(f).Interface()); err != nil {
		t.Fatal(err)
	}
	// The runbook's sections by their ids, each as the writer wrote it.
	var byID map[string]json.RawMessage
	if err := json.Unmarshal([]byte(b.String()), &byID); err != nil || byID[id] == nil {
		t.Fatalf("no section %q: %v", id, err)
	}
	var text strings.Builder
	enc = json.NewEncoder(&text)
	enc.SetEscapeHTML(false)
	var sec any
	_ = json.Unmarshal(byID[id], &sec)
	_ = enc.Encode(sec)
	return text.String()
}

// everySentenceAnswered: each constraint and note changed the plan (it has a
// reading) or is raised at the top; "no rule matched" is never an answer.
func everySentenceAnswered(t *testing.T, f *planner.Facts) {
	t.Helper()
	raised := map[string]bool{}
	for _, o := range f.OpenItems {
		raised[o.Source] = true
	}
	for _, c := range f.Considered {
		if strings.Contains(c.Reading, "no rule of the planner matched") || strings.Contains(c.Effect, "did not change the plan") {
			t.Errorf("%s %q was dropped: %s / %s", c.Source, c.Text, c.Reading, c.Effect)
		}
		if c.Reading == "" && !raised[c.Source] {
			t.Errorf("%s %q was neither read nor raised", c.Source, c.Text)
		}
	}
}

// noStepInABlackout: a production step booked in a window never runs in a
// blackout of its secret.
func noStepInABlackout(t *testing.T, f *planner.Facts) {
	t.Helper()
	windows := map[string]runbook.TimeWindow{}
	for _, w := range f.Schedule.Windows {
		windows[w.ID] = w
	}
	for _, st := range f.Steps {
		w, ok := windows[st.Window]
		if !ok || !runbook.IsProduction(st.Environment) {
			continue
		}
		for _, b := range f.Schedule.Blackouts {
			if b.Covers(st.SecretID) && schedule.Overlaps(w, b) {
				t.Errorf("step %d (%s %s) is booked in %s, inside blackout %s", st.Order, st.SecretID, st.Phase, w.Label(), b.Label())
			}
		}
	}
}

// runbookText is everything a reader of the runbook sees, as one string.
func runbookText(t *testing.T, f *planner.Facts) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, v := range []any{f.Schedule, f.Considered, f.OpenItems, f.Assumptions} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	all := allSections(f)
	for i := range all.NumField() {
		if err := enc.Encode(all.Field(i).Interface()); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func asMaps(t *testing.T, v any) map[string][]map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string][]map[string]any{}
	for k, v := range raw {
		var list []map[string]any
		if json.Unmarshal(v, &list) == nil {
			out[k] = list
		}
	}
	return out
}

// matchList checks got has exactly the entries of want, in order, each with
// the fields want gives.
func matchList(t *testing.T, what string, want []map[string]any, got []map[string]any) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%d %s, want %d: %v", len(got), what, len(want), got)
		return
	}
	for i := range want {
		if !matches(want[i], got[i]) {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

func anyMatches(want map[string]any, got []map[string]any) bool {
	for _, g := range got {
		if matches(want, g) {
			return true
		}
	}
	return false
}

// matches compares the fields want gives, as JSON values; an absent field
// with an empty wanted list matches.
func matches(want, got map[string]any) bool {
	for k, wv := range want {
		gv, ok := got[k]
		if !ok {
			if l, isList := wv.([]any); isList && len(l) == 0 {
				continue
			}
			return false
		}
		if !reflect.DeepEqual(norm(wv), norm(gv)) {
			return false
		}
	}
	return true
}

// norm puts YAML and JSON values in one form (numbers as strings).
func norm(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = norm(x[i])
		}
		return out
	case nil:
		return []any{}
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}
