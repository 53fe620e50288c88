package generate_test

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestStaleAsOf plans the rows of testdata/stale_as_of.yaml with the clock
// injected: a request is planned as of its as_of however far the clock is
// from it; one more than a day behind the clock (or an hour ahead) says so
// in an item at the very top that holds every planned step and no kill of
// a credential killed first.
func TestStaleAsOf(t *testing.T) {
	data, err := os.ReadFile("testdata/stale_as_of.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name    string    `yaml:"name"`
		Request string    `yaml:"request"`
		AsOf    string    `yaml:"as_of"`
		Now     time.Time `yaml:"now"`
		Item    string    `yaml:"item"`
		// AnyItem: some open item matches (not the as_of one).
		AnyItem    string            `yaml:"any_item"`
		NoItem     bool              `yaml:"no_item"`
		Strategies map[string]string `yaml:"strategies"`
		// HoldsPlanned: the as_of item holds some step and no kill of a
		// credential killed first.
		HoldsPlanned bool `yaml:"holds_planned"`
		// FreesOverdue: the as_of item holds no step, up to its kill, of a
		// credential whose deadline has passed by now (review18 round 6
		// X3: an overdue leaver's rotation waited for the requester).
		FreesOverdue bool      `yaml:"frees_overdue"`
		PlannedFrom  time.Time `yaml:"planned_from"`
		// KillWithin bounds every kill planned first (no deadline), in
		// minutes from T0: overdue credentials die in parallel lanes, not
		// one after another.
		KillWithin int `yaml:"kill_within"`
		// Card and CardNever are regular expressions the operator card
		// (markdown) must match, and must not.
		Card      []string `yaml:"card"`
		CardNever []string `yaml:"card_never"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		t.Run(r.Name, func(t *testing.T) {
			req := request(t, r.Request)
			if r.AsOf != "" {
				req.AsOf = r.AsOf
			}
			svc := generate.New(generate.Config{Screener: scanner, Linter: lint.New(scanner),
				Now: func() time.Time { return r.Now }, NewID: func() string { return "rb_stale00000000000000000" }})
			rb, err := svc.Generate(context.Background(), req, generate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var items []string
			for _, o := range rb.OpenItems {
				items = append(items, o.Text+" "+o.Question)
			}
			if r.Item != "" {
				if len(rb.OpenItems) == 0 || rb.OpenItems[0].Source != "as_of" {
					t.Errorf("the first open item is not the as_of one: %q", items)
				} else if re := regexp.MustCompile(r.Item); !re.MatchString(items[0]) {
					t.Errorf("the as_of item does not match /%s/: %q", r.Item, items[0])
				}
			}
			if r.AnyItem != "" {
				re, found := regexp.MustCompile(r.AnyItem), false
				for _, it := range items {
					found = found || re.MatchString(it)
				}
				if !found {
					t.Errorf("no open item matches /%s/: %q", r.AnyItem, items)
				}
			}
			if r.NoItem {
				for _, o := range rb.OpenItems {
					if o.Source == "as_of" || regexp.MustCompile(`as_of`).MatchString(o.Text+o.Question) {
						t.Errorf("an open item says as_of: %q", o.Text+" "+o.Question)
					}
				}
			}
			if r.HoldsPlanned {
				i := slices.IndexFunc(rb.OpenItems, func(o runbook.OpenItem) bool { return o.Source == "as_of" })
				if i < 0 {
					t.Fatalf("no open item from as_of: %+v", rb.OpenItems)
				}
				o := rb.OpenItems[i]
				if len(o.HeldSteps(rb.Sections.RotationSequence)) == 0 {
					t.Errorf("the as_of item holds no step: %+v", o)
				}
				for _, k := range rb.TimeToKill {
					if k.Deadline != "" {
						continue
					}
					for _, st := range rb.Sections.RotationSequence.AllSteps() {
						if st.Order == k.Step && o.Holds(st) {
							t.Errorf("the as_of item holds step %d, the kill of %s", k.Step, k.SecretID)
						}
					}
				}
			}
			if r.FreesOverdue {
				i := slices.IndexFunc(rb.OpenItems, func(o runbook.OpenItem) bool { return o.Source == "as_of" })
				due := map[string]time.Time{}
				for _, dl := range rb.Schedule.Deadlines {
					if at, err := time.Parse(time.RFC3339, dl.Due); err == nil {
						due[dl.ID] = at
					}
				}
				n := 0
				for _, k := range rb.TimeToKill {
					id := k.Deadline
					if id == "" && !k.Reach {
						// A kill planned first (a hard cutover) is bound by
						// the deadline that covers its secret.
						for _, dl := range rb.Schedule.Deadlines {
							if len(dl.SecretIDs) == 0 || slices.Contains(dl.SecretIDs, k.SecretID) {
								id = dl.ID
								break
							}
						}
					}
					if at, ok := due[id]; id == "" || !ok || !at.Before(r.Now) {
						continue
					}
					k.Deadline = id
					n++
					for _, st := range rb.Sections.RotationSequence.AllSteps() {
						if i >= 0 && st.SecretID == k.SecretID && st.Order <= k.Step && rb.OpenItems[i].Holds(st) {
							t.Errorf("the as_of item holds step %d of %s, overdue since %s", st.Order, k.SecretID, due[k.Deadline].Format(time.RFC3339))
						}
					}
				}
				if n == 0 {
					t.Error("no kill bound by a passed deadline")
				}
			}
			for name, want := range r.Strategies {
				found := false
				for _, s := range rb.Sections.Inventory.Secrets {
					if s.Name == name {
						found = true
						if string(s.Strategy) != want {
							t.Errorf("%s: %s, want %s", name, s.Strategy, want)
						}
					}
				}
				if !found {
					t.Errorf("no secret %q", name)
				}
			}
			if !r.PlannedFrom.IsZero() {
				within := 7 * 24 * time.Hour
				if r.KillWithin > 0 {
					within = time.Duration(r.KillWithin) * time.Minute
				}
				n := 0
				for _, k := range rb.TimeToKill {
					if r.KillWithin > 0 && (k.Deadline != "" || k.Reach) {
						continue
					}
					n++
					at, err := time.Parse(time.RFC3339, k.At)
					if err != nil || at.Before(r.PlannedFrom) || at.After(r.PlannedFrom.Add(within)) {
						t.Errorf("%s dies at %q (step %d), not within %s of %s", k.SecretID, k.At, k.Step, within, r.PlannedFrom.Format(time.RFC3339))
					}
				}
				if n == 0 {
					t.Error("no kill planned")
				}
			}
			for _, k := range rb.TimeToKill {
				if r.KillWithin > 0 && k.Deadline == "" && !k.Reach && k.Minutes > r.KillWithin {
					t.Errorf("%s in %s dies at %s (step %d), past T0+%d min", k.SecretID, k.Environment, k.Label, k.Step, r.KillWithin)
				}
			}
			if len(r.Card)+len(r.CardNever) > 0 {
				var b strings.Builder
				if err := render.MarkdownView(&b, rb, render.ViewCard); err != nil {
					t.Fatal(err)
				}
				card := b.String()
				for _, re := range r.Card {
					if !regexp.MustCompile(re).MatchString(card) {
						t.Errorf("the card does not match /%s/:\n%s", re, card)
					}
				}
				for _, re := range r.CardNever {
					if m := regexp.MustCompile(re).FindString(card); m != "" {
						t.Errorf("the card says %q (/%s/)", m, re)
					}
				}
			}
			for _, f := range lint.Errors(rb.Findings) {
				t.Errorf("lint: %s %s: %s", f.Rule, f.SecretID, f.Message)
			}
		})
	}
}
