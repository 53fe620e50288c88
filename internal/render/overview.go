package render

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// OverviewItem is one line of the one-screen sequence: a run of steps that
// belong together (a freeze, one secret's rotation, a containment).
type OverviewItem struct {
	// First and Last are the step numbers it covers.
	First, Last int
	// Title names what the steps act on ("Stripe webhook signing secret").
	Title string
	// Text says what happens, in a sentence.
	Text string
	// Wait says which of its steps wait for an open item's answer ("Waits
	// for o1.", "Steps 22, 26 wait for o2."), or "".
	Wait string
}

// Steps writes the step range: "step 3" or "steps 3-11".
func (o OverviewItem) Steps() string {
	if o.First == o.Last {
		return fmt.Sprintf("Step %d", o.First)
	}
	return fmt.Sprintf("Steps %d-%d", o.First, o.Last)
}

var phaseWords = map[runbook.Phase]string{
	runbook.PhaseContain: "contain", runbook.PhaseInvestigate: "investigate", runbook.PhaseCreate: "create",
	runbook.PhaseStore: "store", runbook.PhaseDeploy: "deploy", runbook.PhaseSwitch: "switch", runbook.PhaseVerify: "verify",
	runbook.PhaseRevoke: "kill the old credential", runbook.PhaseCleanup: "clean up",
}

// Overview condenses the rotation sequence to one screen: consecutive steps
// of the same secret (or of the same kind, for steps that concern no single
// secret) become one line saying what happens, where, when, and at which step
// the old credential dies. It reads only the runbook, so it works for any
// writer's sequence.
func Overview(rb *runbook.Runbook) []OverviewItem {
	rs := rb.Sections.RotationSequence
	if rs == nil {
		return nil
	}
	names := map[string]string{}
	if inv := rb.Sections.Inventory; inv != nil {
		for _, s := range inv.Secrets {
			names[s.ID] = s.Name
		}
	}
	var out []OverviewItem
	for _, t := range rs.Tracks {
		var run []runbook.Step
		flush := func() {
			if len(run) > 0 {
				out = append(out, overviewItem(rb, t, run, names))
				run = nil
			}
		}
		for _, st := range t.Steps {
			if len(run) > 0 && (st.SecretID != run[0].SecretID || st.SecretID == "" && st.Phase != run[0].Phase) {
				flush()
			}
			run = append(run, st)
		}
		flush()
	}
	return out
}

func overviewItem(rb *runbook.Runbook, t runbook.Track, run []runbook.Step, names map[string]string) OverviewItem {
	item := OverviewItem{First: run[0].Order, Last: run[len(run)-1].Order}
	item.Wait = waitSentence(rb.OpenItems, run)
	if run[0].SecretID == "" {
		switch run[0].Phase {
		case runbook.PhaseFreeze:
			item.Title, item.Text = "Freeze", firstClause(run[0].Action)
		case runbook.PhaseUnfreeze:
			item.Title, item.Text = "Finish", firstClause(run[0].Action)
		default:
			item.Title = t.Name
			var parts []string
			for _, st := range run {
				parts = append(parts, headline(st.Action))
			}
			item.Text = strings.Join(parts, " ")
		}
		return item
	}
	item.Title = names[run[0].SecretID]
	if item.Title == "" {
		item.Title = run[0].SecretID
	}
	var before, during, after, envs, kills []string
	var windowIDs []string
	windowPhases := map[string][]string{}
	for _, st := range run {
		w := phaseWords[st.Phase]
		switch st.Phase {
		case runbook.PhaseContain, runbook.PhaseInvestigate:
			if st.Phase == runbook.PhaseContain {
				w = "contain (revoke or restrict now)"
				if inv := rb.Sections.Inventory; inv != nil {
					for _, s := range inv.Secrets {
						if s.ID == st.SecretID && s.Strategy == runbook.StrategyRevokeFirst {
							w = "revoke now"
						}
					}
				}
			}
			if !contains(before, w) {
				before = append(before, w)
			}
		case runbook.PhaseRevoke:
			// Said below, with its step numbers.
		case runbook.PhaseCleanup:
			if !contains(after, w) {
				after = append(after, w)
			}
		default:
			if w != "" && !contains(during, w) {
				during = append(during, w)
			}
			if st.Environment != "" && st.Environment != "all" && !contains(envs, st.Environment) {
				envs = append(envs, st.Environment)
			}
		}
		if st.Phase == runbook.PhaseRevoke || st.Phase == runbook.PhaseContain {
			kills = append(kills, fmt.Sprint(st.Order))
		}
		if l := rb.Schedule.Window(st.Window); l != "" {
			key := st.Window + " (" + l + ")"
			if _, ok := windowPhases[key]; !ok {
				windowIDs = append(windowIDs, key)
			}
			if p := st.Environment + " " + string(st.Phase); !contains(windowPhases[key], p) {
				windowPhases[key] = append(windowPhases[key], p)
			}
		}
	}
	var parts []string
	if len(before) > 0 {
		parts = append(parts, strings.Join(before, ", "))
	}
	if len(during) > 0 {
		p := strings.Join(during, ", ")
		if len(envs) > 0 {
			p += " in " + strings.Join(envs, ", then ")
		}
		parts = append(parts, p)
	}
	if len(after) > 0 {
		w := strings.Join(after, ", ")
		if len(parts) > 0 {
			w = "then " + w
		}
		parts = append(parts, w)
	}
	var b strings.Builder
	b.WriteString(strings.Join(parts, "; ") + ".")
	var windows []string
	for _, w := range windowIDs {
		windows = append(windows, joinEnvPhases(windowPhases[w])+" in "+w)
	}
	if len(windows) > 0 {
		b.WriteString(" Scheduled: " + strings.Join(windows, "; ") + ".")
	}
	if len(kills) > 0 {
		word := "step"
		if len(kills) > 1 {
			word = "steps"
		}
		b.WriteString(" Old credential dead at " + word + " " + strings.Join(kills, ", ") + ".")
	}
	item.Text = upper(b.String())
	return item
}

// waitSentence says which steps of a run wait for which open items: "Waits
// for o1." when an item holds the whole run, "Steps 22, 26 wait for o2."
// when it holds some of it.
func waitSentence(items []runbook.OpenItem, run []runbook.Step) string {
	var all []string
	var some []string
	for _, o := range items {
		var held []int
		for _, st := range run {
			if o.Holds(st) {
				held = append(held, st.Order)
			}
		}
		switch {
		case len(held) == 0:
		case len(held) == len(run):
			all = append(all, o.ID)
		default:
			r := StepRanges(held)
			verb := " waits for "
			if len(held) > 1 {
				verb = " wait for "
			}
			some = append(some, upper(r)+verb+o.ID+".")
		}
	}
	var out []string
	if len(all) > 0 {
		out = append(out, "Waits for "+strings.Join(all, ", ")+".")
	}
	return strings.Join(append(out, some...), " ")
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	// Skip sentence ends inside code spans and abbreviations such as "e.g.".
	inCode := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '`':
			inCode = !inCode
		case '.':
			if !inCode && (i+1 == len(s) || s[i+1] == ' ') {
				return s[:i+1]
			}
		}
	}
	return s
}

// headline is a step's first sentence up to its first ":" or " (" outside
// code: what is done, without how.
func headline(s string) string {
	s = firstSentence(s)
	inCode := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '`':
			inCode = !inCode
		case !inCode && ((s[i] == ':' && i+1 < len(s) && s[i+1] == ' ') || (s[i] == '(' && i > 0 && s[i-1] == ' ')):
			return strings.TrimRight(s[:i], " ") + "."
		}
	}
	return s
}

// firstClause is a text up to its first ";" (outside code), as a sentence.
func firstClause(s string) string {
	s = firstSentence(s)
	inCode := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '`':
			inCode = !inCode
		case ';':
			if !inCode {
				return s[:i] + "."
			}
		}
	}
	return s
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// joinEnvPhases writes "production create", "production deploy" as
// "production create, deploy".
func joinEnvPhases(items []string) string {
	var out []string
	last := ""
	for _, it := range items {
		env, phase, _ := strings.Cut(it, " ")
		if env == last {
			out[len(out)-1] += ", " + phase
			continue
		}
		out = append(out, it)
		last = env
	}
	return strings.Join(out, "; ")
}
