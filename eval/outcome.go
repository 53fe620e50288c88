package eval

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// Outcome assertions: what running the runbook as written achieves. They are
// written here, apart from the linter, so a mistake shared by the planner
// and the linter still shows.

var (
	// killWords is what a step that kills a credential says.
	killWords = regexp.MustCompile(`(?i)revok|delet|expir|destroy|disabl|deactivat|discard|remov|regenerat|retir|\bunset\b|\block|nologin|password null|min_decryption_version|invalidat|\bdead\b|promot|rotate-role`)
	clockRE   = regexp.MustCompile(`(?i)(\b(?:not|outside|avoid|except|never|no|after|until|before)\b[^.;]{0,24})?\b([01]?\d|2[0-3]):([0-5]\d)(?:\s*(?:-|–|to|and)\s*([01]?\d|2[0-3]):([0-5]\d))?`)
)

var outcomeTypes = map[string]bool{
	"all_killed": true, "killed_before_investigation": true, "blackout": true, "window": true, "no_window": true,
	"no_step": true, "first_step": true, "all_considered": true,
}

// checkOutcome checks an outcome assertion's parameters.
func (a Assertion) checkOutcome() error {
	switch a.Type {
	case "blackout", "window":
		if _, ok := runbook.ParseClock(a.Start); !ok {
			return fmt.Errorf("start %q must be HH:MM", a.Start)
		}
		if _, ok := runbook.ParseClock(a.End); !ok && (a.Type == "blackout" || a.End != "") {
			return fmt.Errorf("end %q must be HH:MM", a.End)
		}
		for _, d := range []string{a.From, a.Until} {
			if d != "" && !runbook.ValidDate(d) {
				return fmt.Errorf("date %q must be YYYY-MM-DD", d)
			}
		}
	case "no_step", "first_step":
		if a.Pattern == "" {
			return fmt.Errorf("pattern is required")
		}
		if _, err := regexp.Compile(a.Pattern); err != nil {
			return fmt.Errorf("pattern: %w", err)
		}
	}
	return nil
}

func (a Assertion) span() runbook.TimeWindow {
	tz := a.TZ
	if tz == "" {
		tz = "UTC"
	}
	return runbook.TimeWindow{Days: runbook.NormalizeDays(a.Days), Start: a.Start, End: a.End, TZ: tz, From: a.From, Until: a.Until}
}

// outcome scores an outcome assertion; ok is false for other types.
func (r *Runner) outcome(c *Case, a Assertion, rb *runbook.Runbook, res Result) (Result, bool) {
	set := func(ok bool, expected, found string) (Result, bool) {
		res.Passed, res.Expected, res.Found = ok, expected, found
		return res, true
	}
	steps := rb.Sections.RotationSequence.AllSteps()
	switch a.Type {
	case "all_killed":
		var alive []string
		for _, s := range inventory(rb) {
			if a.Secret != "" && !matchesSecret(rb, a.Secret, s.ID) {
				continue
			}
			for _, env := range s.Environments {
				if killStep(s, steps, env) == nil {
					alive = append(alive, s.ID+" in "+env)
				}
			}
		}
		return set(len(alive) == 0, "every old credential killed (revoked, deleted, expired, disabled) in every environment", orNone("still alive: "+strings.Join(alive, ", ")))
	case "killed_before_investigation":
		windows := map[string]bool{}
		for _, w := range rb.Schedule.Windows {
			windows[w.ID] = true
		}
		var bad []string
		for _, s := range inventory(rb) {
			if a.Secret != "" && !matchesSecret(rb, a.Secret, s.ID) {
				continue
			}
			var investigate *runbook.Step
			for i := range steps {
				if steps[i].SecretID == s.ID && steps[i].Phase == runbook.PhaseInvestigate {
					investigate = &steps[i]
					break
				}
			}
			if investigate == nil {
				continue
			}
			last := 0
			for _, env := range s.Environments {
				k := killStep(s, steps, env)
				if k == nil {
					bad = append(bad, s.ID+" is never killed")
					last = -1
					break
				}
				last = max(last, k.Order)
			}
			if last < 0 {
				continue
			}
			if last > investigate.Order {
				bad = append(bad, fmt.Sprintf("%s investigated at step %d, killed at step %d", s.ID, investigate.Order, last))
			}
			for _, st := range steps {
				if st.SecretID == s.ID && st.Order <= last && windows[st.Window] {
					bad = append(bad, fmt.Sprintf("%s waits for window %s (step %d)", s.ID, st.Window, st.Order))
					break
				}
			}
		}
		return set(len(bad) == 0, "each investigated (exposed) credential killed first, without waiting for a window", orNone(strings.Join(bad, "; ")))
	case "blackout":
		span := a.span()
		var found []string
		understood := false
		for _, b := range rb.Schedule.Blackouts {
			if schedule.Overlaps(b, span) {
				understood = true
			}
		}
		if !understood {
			found = append(found, "the runbook has no blackout at that time")
		}
		byID := map[string]runbook.TimeWindow{}
		for _, w := range rb.Schedule.Windows {
			byID[w.ID] = w
		}
		for _, st := range steps {
			if !runbook.IsProduction(st.Environment) && st.Environment != "all" {
				continue
			}
			if w, ok := byID[st.Window]; ok && schedule.Overlaps(w, span) {
				found = append(found, fmt.Sprintf("step %d is booked in %s (%s)", st.Order, w.ID, w.Label()))
			}
			if st.Phase == runbook.PhaseContain || st.Phase == runbook.PhaseInvestigate {
				continue
			}
			for _, m := range clockRE.FindAllStringSubmatch(st.Action, -1) {
				if m[1] != "" {
					continue
				}
				t := runbook.TimeWindow{Start: m[2] + ":" + m[3], TZ: span.TZ}
				if m[4] != "" {
					t.End = m[4] + ":" + m[5]
				}
				if schedule.Overlaps(t, span) {
					found = append(found, fmt.Sprintf("step %d is written for %s", st.Order, strings.TrimSpace(m[0])))
				}
			}
			if span.Dated() {
				for _, d := range schedule.DatesIn(span, st.Action) {
					found = append(found, fmt.Sprintf("step %d is written for %s", st.Order, d))
				}
			}
		}
		return set(len(found) == 0, "blackout "+span.Label()+" understood and no production step in it", orNone(strings.Join(found, "; ")))
	case "window":
		span := a.span()
		var win *runbook.TimeWindow
		for i, w := range rb.Schedule.Windows {
			if strings.Join(w.Days, ",") == strings.Join(span.Days, ",") && w.Start == span.Start && w.End == span.End {
				win = &rb.Schedule.Windows[i]
			}
		}
		if win == nil {
			var got []string
			for _, w := range rb.Schedule.Windows {
				got = append(got, w.Label())
			}
			return set(false, "maintenance window "+span.Label(), orNone("windows: "+strings.Join(got, ", ")))
		}
		var missing []string
		for _, st := range steps {
			if runbook.IsProduction(st.Environment) && (st.Phase == runbook.PhaseDeploy || st.Phase == runbook.PhaseSwitch) &&
				(a.Secret == "" || matchesSecret(rb, a.Secret, st.SecretID)) && st.Window != win.ID {
				missing = append(missing, fmt.Sprintf("step %d", st.Order))
			}
		}
		return set(len(missing) == 0, "production deploys and switches booked in "+span.Label(), orNone("not booked: "+strings.Join(missing, ", ")))
	case "no_window":
		if a.Secret != "" {
			// This secret's steps wait for no window (it is some other
			// secret's window).
			var booked []string
			for _, st := range steps {
				if st.SecretID != "" && matchesSecret(rb, a.Secret, st.SecretID) && rb.Schedule.Window(st.Window) != "" {
					booked = append(booked, fmt.Sprintf("step %d in %s", st.Order, st.Window))
				}
			}
			return set(len(booked) == 0, "no step of "+a.Secret+" waits for a window", orNone(strings.Join(booked, ", ")))
		}
		var got []string
		for _, w := range rb.Schedule.Windows {
			got = append(got, w.Label())
		}
		return set(len(got) == 0, "no maintenance window (a deadline is not one)", orNone(strings.Join(got, ", ")))
	case "no_step":
		re := regexp.MustCompile(a.Pattern)
		var found []string
		for _, st := range steps {
			if matchesSecret(rb, a.Secret, st.SecretID) && st.SecretID != "" {
				if m := re.FindString(st.Action + "\n" + st.Verify); m != "" {
					found = append(found, fmt.Sprintf("step %d: %q", st.Order, m))
				}
			}
		}
		if v := rb.Sections.Validation; v != nil {
			for _, e := range v.Environments {
				for _, ch := range e.Checks {
					if ch.SecretID != "" && matchesSecret(rb, a.Secret, ch.SecretID) {
						if m := re.FindString(ch.Check + "\n" + ch.How); m != "" {
							found = append(found, fmt.Sprintf("check in %s: %q", e.Environment, m))
						}
					}
				}
			}
		}
		if rbk := rb.Sections.Rollback; rbk != nil {
			for _, st := range rbk.Steps {
				if matchesSecret(rb, a.Secret, st.SecretID) {
					if m := re.FindString(st.Step); m != "" {
						found = append(found, fmt.Sprintf("rollback: %q", m))
					}
				}
			}
		}
		return set(len(found) == 0, "no step, check or rollback matching /"+a.Pattern+"/", orNone(strings.Join(found, "; ")))
	case "first_step":
		if len(steps) == 0 {
			return set(false, "a first step matching /"+a.Pattern+"/", "no steps")
		}
		first := steps[0]
		for _, st := range steps {
			if st.Order < first.Order {
				first = st
			}
		}
		return set(regexp.MustCompile(a.Pattern).MatchString(first.Action), "the first step matches /"+a.Pattern+"/", quote(first.Action))
	case "all_considered":
		var missing []string
		seen := func(text string) bool {
			for _, c := range rb.Considered {
				if strings.TrimSpace(c.Text) == strings.TrimSpace(text) && c.Effect != "" {
					return true
				}
			}
			return false
		}
		for _, t := range c.Request.Constraints {
			if !seen(t) {
				missing = append(missing, quote(t))
			}
		}
		for _, s := range c.Request.Secrets {
			if strings.TrimSpace(s.Notes) != "" && !seen(s.Notes) {
				missing = append(missing, quote(s.Notes))
			}
		}
		return set(len(missing) == 0, "every constraint and note listed under considered with its effect", orNone("dropped: "+strings.Join(missing, ", ")))
	}
	return res, false
}

func inventory(rb *runbook.Runbook) []runbook.InventorySecret {
	if rb.Sections.Inventory == nil {
		return nil
	}
	return rb.Sections.Inventory.Secrets
}

// killStep is the step that kills a secret's old credential in env: a
// revoke step, or a contain step of a credential revoked first, saying it
// kills it.
func killStep(s runbook.InventorySecret, steps []runbook.Step, env string) *runbook.Step {
	for i := range steps {
		st := &steps[i]
		if st.SecretID != s.ID || (st.Environment != env && st.Environment != "all") {
			continue
		}
		kills := st.Phase == runbook.PhaseRevoke || (st.Phase == runbook.PhaseContain && s.Strategy == runbook.StrategyRevokeFirst)
		if kills && killWords.MatchString(st.Action) {
			return st
		}
	}
	return nil
}
