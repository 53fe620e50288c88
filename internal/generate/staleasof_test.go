package generate_test

import (
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
)

// TestStaleAsOf plans the rows of testdata/stale_as_of.yaml with the clock
// injected: a request whose as_of is more than a day before the clock is
// planned from now and says so at the top; replayed as of its as_of it is
// planned as then, with no item.
func TestStaleAsOf(t *testing.T) {
	data, err := os.ReadFile("testdata/stale_as_of.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name       string            `yaml:"name"`
		Request    string            `yaml:"request"`
		AsOf       string            `yaml:"as_of"`
		Now        time.Time         `yaml:"now"`
		Item       string            `yaml:"item"`
		NoItem     bool              `yaml:"no_item"`
		Strategies map[string]string `yaml:"strategies"`
		KilledFrom time.Time         `yaml:"killed_from"`
		// KillWithin bounds every kill planned first (no deadline), in
		// minutes from T0: overdue credentials die in parallel lanes, not
		// one after another.
		KillWithin int `yaml:"kill_within"`
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
				re, found := regexp.MustCompile(r.Item), false
				for _, it := range items {
					found = found || re.MatchString(it)
				}
				if !found {
					t.Errorf("no open item matches /%s/: %q", r.Item, items)
				}
			}
			if r.NoItem {
				for _, it := range items {
					if regexp.MustCompile(`as_of`).MatchString(it) {
						t.Errorf("an open item says as_of: %q", it)
					}
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
			if !r.KilledFrom.IsZero() {
				n := 0
				for _, k := range rb.TimeToKill {
					if k.Deadline != "" {
						continue
					}
					n++
					at, err := time.Parse(time.RFC3339, k.At)
					if err != nil || at.Before(r.KilledFrom) {
						t.Errorf("%s dies at %q (step %d), before %s", k.SecretID, k.At, k.Step, r.KilledFrom.Format(time.RFC3339))
					}
				}
				if n == 0 {
					t.Error("no kill planned first")
				}
			}
			for _, k := range rb.TimeToKill {
				if r.KillWithin > 0 && k.Deadline == "" && !k.Reach && k.Minutes > r.KillWithin {
					t.Errorf("%s in %s dies at %s (step %d), past T0+%d min", k.SecretID, k.Environment, k.Label, k.Step, r.KillWithin)
				}
			}
			for _, f := range lint.Errors(rb.Findings) {
				t.Errorf("lint: %s %s: %s", f.Rule, f.SecretID, f.Message)
			}
		})
	}
}
