package render

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// cardMarkdown writes the operator card.
func cardMarkdown(m *md, c Card) {
	m.blank()
	m.line("## Operator card")
	if len(c.OpenItems) > 0 {
		m.blank()
		m.line("### Open items")
		m.blank()
		for _, o := range c.OpenItems {
			held := "Holds no step by itself."
			if o.Holds != "" {
				held = "**Holds " + text(o.Holds) + ".**"
			}
			quote := ""
			if o.Text != "" {
				quote = " \"" + text(o.Text) + "\""
			}
			m.line("- [ ] **%s** %s:%s %s %s", text(o.ID), codeSpan(o.Source), quote, text(o.Question), held)
		}
	}
	if len(c.Before) > 0 {
		m.blank()
		m.line("**Before step 1:** %s.", text(strings.Join(c.Before, "; ")))
	}
	for _, b := range c.Blackouts {
		m.blank()
		m.line("**Blackout:** %s.", text(b))
	}
	m.blank()
	order := "Stop and roll back at the first failed check."
	if len(c.Kills) > 0 {
		// A killed credential has nothing to roll back to (review18 C2).
		order = StopKilled
		// Each kill's time is on its line; T0 is said once.
		if c.Kills[0].At == "" && c.Kills[0].After != "" {
			order = "Exposed credentials die first, by the time on their line (T0: when step 1 starts). " + order
		} else {
			order = "Exposed credentials die first, by the time on their line. " + order
		}
	}
	if c.Order != "" {
		order = "Steps a/b: " + OrderLabel(c.Order) + ". " + order
	}
	m.line("%s", text(order))
	for _, p := range c.Procedures {
		m.blank()
		m.line("**Every %s:** %s", text(string(p.Phase)), text(p.Text))
	}
	for _, g := range c.Groups {
		m.blank()
		m.line("### %s", text(g.Title))
		for _, l := range g.Lines {
			m.blank()
			cardLine(m, l)
		}
		for _, s := range g.Secrets {
			m.blank()
			head := "**" + text(s.Name) + "**"
			var facts []string
			if s.Owner != "" {
				facts = append(facts, s.Owner)
			}
			if s.Risk != "" {
				facts = append(facts, s.Risk+" risk")
			}
			if s.Strategy != "" {
				facts = append(facts, strings.ReplaceAll(s.Strategy, "_", " "))
			}
			switch {
			case s.Window != "" && !strings.Contains(s.Where, ", then "):
				facts = append(facts, "production "+s.Window)
			case s.Window != "":
				facts = append(facts, s.Where, "production "+s.Window)
			case s.Where != "":
				facts = append(facts, s.Where)
			}
			if len(facts) == 0 && len(s.Lines) == 1 && strings.Contains(s.Lines[0].Text, s.Name) {
				// A line that names its secret needs no heading.
				cardLine(m, s.Lines[0])
				continue
			}
			if len(facts) > 0 {
				head += " · " + text(strings.Join(facts, " · "))
			}
			m.line("%s", head)
			m.blank()
			for _, l := range s.Lines {
				cardLine(m, l)
			}
		}
		for _, l := range g.After {
			m.blank()
			cardLine(m, l)
		}
	}
	if len(c.Duties) > 0 {
		m.blank()
		m.line("### Tell")
		m.blank()
		for _, d := range c.Duties {
			what := ""
			if d.What != "" {
				what = ": " + text(d.What)
			}
			m.line("- [ ] **%s** (%s), %s%s", text(d.Who), text(d.Where), text(d.When), what)
		}
	}
	if len(c.Evidence) > 0 {
		m.blank()
		m.line("### Keep")
		m.blank()
		for _, e := range c.Evidence {
			m.line("- [ ] %s", text(e))
		}
	}
}

func cardLine(m *md, l Line) {
	wait := ""
	if len(l.Waits) > 0 {
		wait = " **Waits for " + text(strings.Join(l.Waits, ", ")) + ".**"
	}
	check := ""
	if l.Check != "" && ShowsCheck(l.Phase) {
		check = " Check: " + text(l.Check)
	}
	what := text(l.Text)
	if l.Value != "" {
		what = "VAR = " + codeSpan(l.Value)
	}
	dead := ""
	if l.Dead != "" {
		dead = ", **dead " + text(l.Dead) + "**"
	}
	m.line("- [ ] **%s** %s%s:%s %s%s", StepNumbers(l.Steps), text(string(l.Phase)), dead, wait, what, check)
}

// StepNumbers writes a card line's step numbers as one word: "2/6" (its
// step in each environment), "10-11" for a run.
func StepNumbers(orders []int) string {
	consecutive := len(orders) > 1
	for i := 1; i < len(orders); i++ {
		consecutive = consecutive && orders[i] == orders[i-1]+1
	}
	if consecutive {
		return fmt.Sprintf("%d-%d", orders[0], orders[len(orders)-1])
	}
	parts := make([]string, len(orders))
	for i, o := range orders {
		parts[i] = fmt.Sprint(o)
	}
	return strings.Join(parts, "/")
}

// ShowsCheck reports whether a card line of the phase says its check: the
// proof that the old credential is dead (a verify step is its own check).
func ShowsCheck(p runbook.Phase) bool { return p == runbook.PhaseRevoke || p == runbook.PhaseContain }

// OrderLabel writes the environments of a card's order as a/b:
// "staging/production".
func OrderLabel(order string) string { return strings.ReplaceAll(order, ", then ", "/") }
