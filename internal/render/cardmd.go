package render

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// cardMarkdown writes the operator card.
func cardMarkdown(m *md, c Card) {
	if len(c.OpenItems)+len(c.Later) > 0 {
		m.blank()
		m.line("### Open items")
		m.blank()
		// One to ask for every item that holds steps is said once, after
		// them; an item that asks someone else says whom itself.
		var gating []OpenItem
		for _, o := range c.OpenItems {
			if o.Holds != "" {
				gating = append(gating, o)
			}
		}
		askOnce := len(gating) > 1
		for _, o := range gating {
			askOnce = askOnce && o.Ask != "" && o.Ask == gating[0].Ask
		}
		for _, o := range c.OpenItems {
			// The lines it holds say "Waits for"; the item says by when
			// it must be answered.
			held := "**Holds " + text(o.Holds) + ".**"
			switch {
			case o.Before > 0:
				held = fmt.Sprintf("**Answer before step %d.**", o.Before)
			case o.Holds == "":
				held = "**Holds no step.**"
			}
			quote := ""
			if o.Text != "" {
				quote = " \"" + text(o.Text) + "\""
			}
			source := " " + codeSpan(o.Source) + ":"
			if !quotesRequester(o.Source) {
				// Where rotor raised it is in the appendix.
				source = ""
			}
			ask := ""
			if o.Ask != "" && !(askOnce && o.Ask == gating[0].Ask) {
				ask = " Ask: " + text(o.Ask) + "."
			}
			m.line("- [ ] **%s**%s%s %s%s %s", text(o.ID), source, quote, text(o.Question), ask, held)
		}
		if askOnce {
			m.blank()
			m.line("Ask: %s.", text(gating[0].Ask))
		}
	}
	if len(c.Later) > 0 {
		// Each with its question (tabletop round 5: "o1 has no question:
		// answer before closing what?"); the appendix asks it whole.
		m.blank()
		m.line("Before closing:")
		m.blank()
		for _, o := range c.Later {
			quote := ""
			if o.Text != "" {
				quote = " \"" + text(o.Text) + "\""
			}
			m.line("- [ ] **%s**%s %s", text(o.ID), quote, text(o.Question))
		}
	}
	if len(c.Before) > 0 {
		m.blank()
		m.line("**Before step 1:** %s.", text(strings.Join(c.Before, "; ")))
	}
	if len(c.Deadlines) > 0 {
		m.blank()
		m.line("**Deadline:** %s.", text(strings.Join(c.Deadlines, "; ")))
	}
	if len(c.Blackouts) > 0 {
		// One line: "no production step runs" said once; a blackout of
		// some secrets names them on its own line.
		var when, scoped []string
		for _, b := range c.Blackouts {
			if rest, ok := strings.CutPrefix(b, blackoutLead); ok {
				when = append(when, text(rest))
				continue
			}
			scoped = append(scoped, text(upper(b)))
		}
		if len(when) > 0 {
			m.blank()
			m.line("**Blackout, no production step:** %s.", strings.Join(when, "; "))
		}
		for _, b := range scoped {
			m.blank()
			m.line("**Blackout:** %s.", b)
		}
	}
	for _, z := range c.Freezes {
		m.blank()
		m.line("**Freeze:** %s.", text(upper(z)))
	}
	m.blank()
	m.line("%s", text(c.Rules))
	for _, g := range c.Groups {
		m.blank()
		m.line("### %s", text(g.Title))
		for _, l := range g.Lines {
			m.blank()
			cardLine(m, l)
		}
		if len(g.Each) > 0 {
			m.blank()
			m.line("Each secret: %s.", text(strings.Join(g.Each, " · ")))
		}
		for _, s := range g.Secrets {
			m.blank()
			head := "**" + text(s.Name) + "**"
			var facts []string
			if s.Owner != "" {
				facts = append(facts, s.Owner)
			}
			if s.Risk != "" && !strings.Contains(strings.ToLower(g.Title), s.Risk+" risk") && !strings.Contains(strings.ToLower(g.Title), s.Risk+"-risk") {
				// Unless the phase's title says it.
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
			if len(g.Secrets) == 1 && strings.Contains(g.Title, s.Name) {
				// The phase's title names it.
				head = ""
			}
			if len(facts) == 0 && len(s.Lines) == 1 && strings.Contains(s.Lines[0].Text, s.Name) {
				// A line that names its secret needs no heading.
				cardLine(m, s.Lines[0])
				continue
			}
			if len(facts) > 0 {
				head = strings.TrimPrefix(head+" · "+text(strings.Join(facts, " · ")), " · ")
			}
			if head != "" {
				m.line("%s", head)
				m.blank()
			}
			for _, l := range s.Lines {
				cardLine(m, l)
			}
		}
		if g.Rollback != "" {
			m.blank()
			m.line("Rollback: %s.", text(g.Rollback))
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
			what, where := "", " ("+text(d.Where)+")"
			if d.What != "" {
				what = ": " + text(d.What)
			}
			if d.Where == "" || strings.Contains(d.What, d.Where) {
				// The message names its channel.
				where = ""
			}
			m.line("- [ ] **%s**%s, %s%s", text(d.Who), where, text(d.When), what)
		}
	}
	if len(c.Evidence) > 0 {
		m.blank()
		// The framework every control belongs to is said once ("SOC 2").
		framework := sharedFramework(c.Evidence)
		if framework != "" {
			m.line("### Keep (%s)", text(framework))
		} else {
			m.line("### Keep")
		}
		m.blank()
		for _, e := range c.Evidence {
			if framework != "" {
				e = strings.Replace(e, "("+framework+" ", "(", 1)
			}
			m.line("- [ ] %s", text(e))
		}
	}
}

// proceduresMarkdown writes the block said right after the card: the
// procedures its lines call by name, and the rollbacks R1..Rn as steps.
func proceduresMarkdown(m *md, c Card) {
	if len(c.Procedures)+len(c.Rollbacks) == 0 {
		return
	}
	m.blank()
	m.line("---")
	m.blank()
	m.line("%s", ProceduresTitle)
	m.blank()
	m.line("The card's lines call these by name; VAR, WORKLOAD and ENV are what the line gives.")
	for _, p := range c.Procedures {
		m.blank()
		m.line("**%s:** %s", text(p.Name), text(p.Text))
	}
	for _, r := range c.Rollbacks {
		m.blank()
		m.line("**%s · %s**, possible until %s:", text(r.Label), text(r.Name), text(r.Until))
		m.blank()
		for i, st := range r.Steps {
			m.line("%d. %s", i+1, text(st))
		}
	}
}

func cardLine(m *md, l Line) {
	wait := ""
	if len(l.SaysWaits) > 0 {
		wait = " **Waits for " + text(strings.Join(l.SaysWaits, ", ")) + ".**"
	}
	check := ""
	if l.Check != "" && ShowsCheck(l.Phase) {
		check = " Check: " + text(l.Check)
	}
	what := text(l.Text)
	call := l.Call()
	if len(l.Values) > 0 {
		var vs []string
		for _, v := range l.Values {
			vs = append(vs, call+"("+codeSpan(v)+")")
		}
		what = strings.Join(vs, ", then ")
	}
	if l.Value != "" {
		// The procedure after the card says where the value goes (VAR).
		what = call + "(" + codeSpan(l.Value) + ")"
		if l.Text != "" {
			what = text(strings.TrimSuffix(l.Text, ":")) + ", by " + what
		}
	}
	if l.Never != "" {
		if !strings.HasSuffix(what, ".") {
			what += "."
		}
		what += " " + text(l.Never)
	}
	dead := ""
	if l.Dead != "" {
		dead = ", **dead " + text(l.Dead) + "**"
		if l.Overdue != "" {
			dead = ", **overdue since " + text(l.Overdue) + ", dead " + text(l.Dead) + "**"
		}
	}
	phase := text(string(l.Phase))
	if first, _, _ := strings.Cut(what, " "); (strings.EqualFold(first, phase) || call != "" && strings.HasPrefix(what, call+"(")) && dead == "" && wait == "" {
		// "Freeze deploys ...", "Create a new key ...": the text says
		// the phase.
		m.line("- [ ] **%s** %s%s", l.Numbers(), what, check)
		return
	}
	m.line("- [ ] **%s** %s%s:%s %s%s", l.Numbers(), phase, dead, wait, what, check)
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

// sharedFramework is the framework every evidence item's control names
// ("SOC 2" in "(SOC 2 CC6.1)"), when they all name one and more than one
// does, else "".
func sharedFramework(evidence []string) string {
	framework, n := "", 0
	for _, e := range evidence {
		i := strings.LastIndex(e, " (")
		if i < 0 || !strings.HasSuffix(e, ")") {
			continue
		}
		control := e[i+2 : len(e)-1]
		j := strings.LastIndex(control, " ")
		if j < 0 || framework != "" && control[:j] != framework {
			return ""
		}
		framework = control[:j]
		n++
	}
	if n < 2 {
		return ""
	}
	return framework
}
