package generate_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestClockStaysOutOfTheSections: a request without as_of is planned
// without a clock, so the same request a day later has the same section
// cache keys (caching across minutes and replicas, eval replays); each
// runbook is still dated from its own clock when it is assembled. With
// as_of, the dates are facts, in the keys.
func TestClockStaysOutOfTheSections(t *testing.T) {
	day1 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	day2 := day1.Add(24*time.Hour + 7*time.Minute)
	for _, name := range []string{"acme-payments", "offboarding-sso", "public-leak-github-aws"} {
		t.Run(name, func(t *testing.T) {
			req := request(t, name)
			req.AsOf = ""
			srv, _ := fakeLLM(t, req)
			at := func(now time.Time) *generate.Service {
				return llmService(t, srv, llmOpts{now: func() time.Time { return now }})
			}
			k1, k2 := sectionKeys(t, at(day1), req), sectionKeys(t, at(day2), req)
			if !slices.Equal(k1, k2) {
				t.Errorf("section keys change with the clock:\n%v\n%v", k1, k2)
			}
			// Each runbook is dated from its own clock.
			offline := func(now time.Time) *runbook.Runbook {
				s := generate.New(generate.Config{Screener: scanner, Linter: lint.New(scanner), Now: func() time.Time { return now }})
				rb, err := s.Generate(context.Background(), req, generate.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return rb
			}
			rb1, rb2 := offline(day1), offline(day2)
			for _, c := range []struct {
				rb  *runbook.Runbook
				day string
				// next is the day of a window's first usable opening: after
				// the runbook's 24 h engineering notice (review17-cold).
				next string
			}{{rb1, "2026-11-25", "2026-11-26"}, {rb2, "2026-11-26", "2026-11-27"}} {
				sch := c.rb.Schedule
				dated := len(sch.Windows)+len(sch.Blackouts)+len(sch.Deadlines) > 0
				if dated != strings.HasPrefix(sch.AsOf, c.day) {
					t.Errorf("schedule as of %q, want %s", c.rb.Schedule.AsOf, c.day)
				}
				for _, d := range c.rb.Schedule.Deadlines {
					if d.Day != c.day || !strings.HasPrefix(d.Due, c.day) {
						t.Errorf("deadline %s: day %q due %q, want %s", d.ID, d.Day, d.Due, c.day)
					}
				}
				for _, w := range c.rb.Schedule.Windows {
					if w.Next == nil || !strings.Contains(w.Next.Label, c.next) {
						t.Errorf("window %s: next %+v, want an opening on %s", w.ID, w.Next, c.next)
					}
				}
				// A kill is timed from the start (step 1), not from the
				// runbook's making: no date without as_of.
				for _, k := range c.rb.TimeToKill {
					if k.At != "" || !strings.HasPrefix(k.Label, "T0+") {
						t.Errorf("kill of %s at %q label %q, want T0+… and no date", k.SecretID, k.At, k.Label)
					}
				}
			}
			// With as_of the dates are facts: another as_of, other keys
			// (when the plan has anything to date).
			req.AsOf = day1.Format(time.RFC3339)
			a := sectionKeys(t, at(day1), req)
			req.AsOf = day2.Format(time.RFC3339)
			b := sectionKeys(t, at(day1), req)
			if name != "public-leak-github-aws" && slices.Equal(a, b) {
				t.Error("two as_of a day apart give the same keys: the dates are not in the facts")
			}
		})
	}
}
