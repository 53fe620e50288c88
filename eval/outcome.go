package eval

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// Outcome assertions: what running the runbook as written achieves. They are
// written here, apart from the linter, so a mistake shared by the planner
// and the linter still shows.

var (
	clockRE = regexp.MustCompile(`(?i)(\b(?:not|outside|avoid|except|never|no|after|until|before)\b[^.;]{0,24})?\b([01]?\d|2[0-3]):([0-5]\d)(?:\s*(?:-|–|to|and)\s*([01]?\d|2[0-3]):([0-5]\d))?`)
)

var outcomeTypes = map[string]bool{
	"all_killed": true, "killed_before_investigation": true, "blackout": true, "window": true, "no_window": true,
	"no_step": true, "first_step": true, "all_considered": true,
	"killed_first": true, "kill_within": true, "not_revoked_first": true, "in_inventory": true, "open_item": true,
	"production_restored": true, "exists_once": true, "placeholders_raised": true, "reach_within": true,
}

// placeholderRE finds a <placeholder> an operator must fill in.
var placeholderRE = regexp.MustCompile(`<[a-z][^<>]*>`)

// replaceSteps is how many steps of its own production replacement may come
// before an exposed credential's kill ("replace, then kill at once").
const replaceSteps = exposure.ReplaceSteps

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
	case "production_restored":
		if a.Value < 0 {
			return fmt.Errorf("value (steps) must be >= 0")
		}
	case "kill_within", "reach_within":
		if a.Value <= 0 {
			return fmt.Errorf("value (minutes) must be > 0")
		}
	case "not_revoked_first", "exists_once":
		if a.Secret == "" {
			return fmt.Errorf("secret is required")
		}
	case "no_step", "first_step", "in_inventory", "open_item":
		if a.Pattern == "" {
			return fmt.Errorf("pattern is required")
		}
		if _, err := regexp.Compile(a.Pattern); err != nil {
			return fmt.Errorf("pattern: %w", err)
		}
		for _, p := range append(append([]runbook.Phase(nil), a.Holds...), a.Frees...) {
			if p.Rank() < 0 {
				return fmt.Errorf("holds/frees: %q is not a phase", p)
			}
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
	steps := rb.Sections.RotationSequence.ReadSteps()
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
			if a.Secret == "" || (st.SecretID != "" && matchesSecret(rb, a.Secret, st.SecretID)) {
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
	case "killed_first":
		bad := killedFirst(rb, a.Secret, steps)
		return set(len(bad) == 0, "each publicly or third-party exposed credential dead before any non-production step and any other secret's work (other kills, and a production replacement of at most "+fmt.Sprint(replaceSteps)+" steps, aside)", orNone(strings.Join(bad, "; ")))
	case "kill_within":
		var bad, found []string
		for _, s := range exposedOutside(rb) {
			if a.Secret != "" && !matchesSecret(rb, a.Secret, s.ID) {
				continue
			}
			for _, env := range s.Environments {
				k := killStep(s, steps, env)
				if k == nil {
					bad = append(bad, s.ID+" is never killed in "+env)
					continue
				}
				var planned *runbook.KillTime
				for i, kt := range rb.TimeToKill {
					if kt.SecretID == s.ID && kt.Step == k.Order {
						planned = &rb.TimeToKill[i]
					}
				}
				switch {
				case planned == nil:
					bad = append(bad, fmt.Sprintf("%s: kill step %d in %s has no planned time", s.ID, k.Order, env))
				case float64(planned.Minutes) > a.Value:
					bad = append(bad, fmt.Sprintf("%s dead at %s (step %d)", s.ID, planned.Label, k.Order))
				default:
					found = append(found, fmt.Sprintf("%s dead at %s (step %d)", s.ID, planned.Label, k.Order))
				}
			}
		}
		if len(bad) > 0 {
			return set(false, fmt.Sprintf("every exposed credential planned dead within %g minutes, at a step that kills it", a.Value), strings.Join(bad, "; "))
		}
		return set(len(found) > 0, fmt.Sprintf("every exposed credential planned dead within %g minutes, at a step that kills it", a.Value), orNone(strings.Join(found, "; ")))
	case "reach_within":
		// What an exposed credential could read (or everything a breached
		// place held) is listed by name and killed at a containment step
		// of its own within the bound (review18 round 4, X1: it had no
		// kill time).
		var bad, found []string
		for _, kt := range rb.TimeToKill {
			if !kt.Reach || (a.Secret != "" && !matchesSecret(rb, a.Secret, kt.SecretID)) {
				continue
			}
			what := kt.SecretID
			if what == "" {
				what = "everything the breached place held"
			}
			st := stepOf(steps, kt.Step)
			switch {
			case st == nil || st.Phase != runbook.PhaseContain || st.SecretID != kt.SecretID:
				bad = append(bad, fmt.Sprintf("what %s could read: step %d is not its containment", what, kt.Step))
			case float64(kt.Minutes) > a.Value:
				bad = append(bad, fmt.Sprintf("what %s could read dead at %s (step %d)", what, kt.Label, kt.Step))
			default:
				found = append(found, fmt.Sprintf("what %s could read dead at %s (step %d)", what, kt.Label, kt.Step))
			}
		}
		expected := fmt.Sprintf("what the exposed credentials could read listed and killed within %g minutes", a.Value)
		if len(bad) > 0 {
			return set(false, expected, strings.Join(bad, "; "))
		}
		return set(len(found) > 0, expected, orNone(strings.Join(found, "; ")))
	case "not_revoked_first":
		s, ok := findSecret(rb, a.Secret)
		if !ok {
			return set(false, "the old "+a.Secret+" killed only after production runs on the new one", "no such secret")
		}
		first := 0
		for _, env := range s.Environments {
			if k := killStep(s, steps, env); k != nil && (first == 0 || k.Order < first) {
				first = k.Order
			}
		}
		verified := 0
		for _, st := range steps {
			if st.SecretID == s.ID && st.Phase == runbook.PhaseVerify && runbook.IsProduction(st.Environment) && (verified == 0 || st.Order < verified) {
				verified = st.Order
			}
		}
		expected := "the old " + s.ID + " killed only after production is verified on the new one"
		switch {
		case first == 0:
			return set(false, expected, "never killed")
		case verified == 0:
			return set(false, expected, fmt.Sprintf("killed at step %d, production never verified", first))
		}
		return set(first > verified, expected, fmt.Sprintf("killed at step %d, production verified at step %d", first, verified))
	case "production_restored":
		bad := productionRestored(rb, a.Secret, int(a.Value), steps)
		expected := "after a kill that takes production down, production is restored first: no lower-environment work, investigation or open item in between"
		if a.Value > 0 {
			expected += fmt.Sprintf(", its consumers redeployed within %g steps", a.Value)
		}
		return set(len(bad) == 0, expected, orNone(strings.Join(bad, "; ")))
	case "exists_once":
		s, ok := findSecret(rb, a.Secret)
		if !ok {
			return set(false, "one kill and at most one create for "+a.Secret, "no such secret")
		}
		var killed, created []string
		for i := range steps {
			st := &steps[i]
			if st.SecretID != s.ID || reachStep(rb, st.Order) {
				// The kill of what it could read is not its own.
				continue
			}
			if kills(s, st) {
				killed = append(killed, fmt.Sprintf("%d (%s)", st.Order, st.Environment))
			}
			if st.Phase == runbook.PhaseCreate {
				created = append(created, fmt.Sprintf("%d (%s)", st.Order, st.Environment))
			}
		}
		return set(len(killed) == 1 && len(created) <= 1, "the one credential killed once and created at most once",
			fmt.Sprintf("killed at steps %s; created at steps %s", orNone(strings.Join(killed, ", ")), orNone(strings.Join(created, ", "))))
	case "in_inventory":
		re := regexp.MustCompile(a.Pattern)
		var names []string
		for _, s := range inventory(rb) {
			if re.MatchString(s.Name) || re.MatchString(s.Entry) {
				return set(true, "an inventory secret matching /"+a.Pattern+"/", s.ID+" ("+s.Entry+")")
			}
			names = append(names, s.ID)
		}
		return set(false, "an inventory secret matching /"+a.Pattern+"/", orNone(strings.Join(names, ", ")))
	case "open_item":
		re := regexp.MustCompile(a.Pattern)
		expected := "an open item matching /" + a.Pattern + "/"
		if len(a.Holds) > 0 {
			expected += fmt.Sprintf(" holding the %v steps", a.Holds)
		}
		if len(a.Frees) > 0 {
			expected += fmt.Sprintf(" and none of the %v steps", a.Frees)
		}
		if a.Secret != "" {
			expected += " of " + a.Secret
		}
		var misses []string
		for _, it := range rb.OpenItems {
			if !re.MatchString(it.Text + "\n" + it.Question) {
				continue
			}
			bad := itemHolds(rb, it, a, steps)
			if len(bad) == 0 {
				return set(true, expected, it.ID+": "+quote(it.Text))
			}
			misses = append(misses, it.ID+": "+strings.Join(bad, ", "))
		}
		if len(misses) > 0 {
			return set(false, expected, strings.Join(misses, "; "))
		}
		return set(false, expected, fmt.Sprintf("%d open items, none matching", len(rb.OpenItems)))
	case "placeholders_raised":
		// Every step that shows a <placeholder> waits for an open item: the
		// operator learns what to find out before the step, not during it.
		// An item asked before step 1 (T0) comes before every step: it
		// backs the steps that may not wait (an exposed credential's kill
		// and production restoration).
		held, beforeT0 := map[string]bool{}, ""
		for _, it := range rb.OpenItems {
			for _, b := range it.Blocks {
				held[b] = true
			}
			if strings.HasPrefix(it.Question, planner.BeforeT0) {
				beforeT0 += strings.ToLower(it.Question) + "\n"
			}
		}
		var bad []string
		for _, st := range steps {
			if st.SecretID == "" || (a.Secret != "" && !matchesSecret(rb, a.Secret, st.SecretID)) {
				continue
			}
			if m := placeholderRE.FindString(st.Action + "\n" + st.Verify); m != "" && !held[fmt.Sprintf("s%d", st.Order)] &&
				!strings.Contains(beforeT0, placeholderKey(m)) {
				bad = append(bad, fmt.Sprintf("step %d shows %s", st.Order, m))
			}
		}
		return set(len(bad) == 0, "every step showing a <placeholder> held by an open item", orNone(strings.Join(bad, "; ")))
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

// placeholderKey is what a placeholder asks for, without its environment
// and variable ("<production KV path of X>" asks for a "kv path").
func placeholderKey(p string) string {
	k := strings.ToLower(strings.Trim(p, "<>"))
	if i := strings.Index(k, " of "); i >= 0 {
		k = k[:i]
	}
	for _, env := range []string{"production ", "staging ", "env ", "environment "} {
		k = strings.TrimPrefix(k, env)
	}
	return k
}

// itemHolds lists how an open item fails an assertion's holds and frees:
// steps of the phases it must hold that it does not, and steps it must not
// hold that it does.
func itemHolds(rb *runbook.Runbook, it runbook.OpenItem, a Assertion, steps []runbook.Step) []string {
	var bad []string
	for _, st := range steps {
		if st.SecretID == "" || (a.Secret != "" && !matchesSecret(rb, a.Secret, st.SecretID)) ||
			(a.Environment != "" && st.Environment != a.Environment) {
			continue
		}
		blocked := runbook.OneOf(it.Blocks, fmt.Sprintf("s%d", st.Order))
		switch {
		case runbook.OneOf(a.Holds, st.Phase) && !blocked:
			bad = append(bad, fmt.Sprintf("does not hold step %d (%s)", st.Order, st.Phase))
		case runbook.OneOf(a.Frees, st.Phase) && blocked:
			bad = append(bad, fmt.Sprintf("holds step %d (%s)", st.Order, st.Phase))
		}
	}
	return bad
}

func inventory(rb *runbook.Runbook) []runbook.InventorySecret {
	if rb.Sections.Inventory == nil {
		return nil
	}
	return rb.Sections.Inventory.Secrets
}

// killStep is the step that kills a secret's old credential in env: a
// revoke step, or a contain step that does not merely restrict it, saying
// it kills it.
func killStep(s runbook.InventorySecret, steps []runbook.Step, env string) *runbook.Step {
	for i := range steps {
		st := &steps[i]
		if st.SecretID != s.ID || (st.Environment != env && st.Environment != "all") {
			continue
		}
		if kills(s, st) {
			return st
		}
	}
	return nil
}

// kills reports whether a step of secret s kills its old credential.
func kills(s runbook.InventorySecret, st *runbook.Step) bool {
	switch st.Phase {
	case runbook.PhaseRevoke:
	case runbook.PhaseContain:
		if s.Strategy != runbook.StrategyRevokeFirst && exposure.RestrictRE.MatchString(st.Action) {
			return false
		}
	default:
		return false
	}
	return exposure.KillRE.MatchString(st.Action)
}

// exposedOutside lists the credentials a runbook says left the company: a
// public exposure, or a third-party (or unknown) one on a leak or a vendor
// incident. Their kill is due within minutes (ROTATION_RULES.md §2 rule 6).
func exposedOutside(rb *runbook.Runbook) []runbook.InventorySecret {
	exposure := map[string]runbook.Exposure{}
	if rb.Sections.RiskTriage != nil {
		for _, t := range rb.Sections.RiskTriage.Items {
			exposure[t.SecretID] = t.Exposure
		}
	}
	incident := rb.Trigger == runbook.TriggerConfirmedLeak || rb.Trigger == runbook.TriggerSuspectedLeak || rb.Trigger == runbook.TriggerVendorChange
	var out []runbook.InventorySecret
	for _, s := range inventory(rb) {
		switch exposure[s.ID] {
		case runbook.ExposurePublic:
			out = append(out, s)
		case runbook.ExposureThirdParty, runbook.ExposureUnknown:
			if incident {
				out = append(out, s)
			}
		}
	}
	return out
}

// killedFirst lists how each exposed credential (of ref, or all) is left
// alive too long: a non-production step, another secret's work (another
// exposed credential's replacement too: its kill is never behind another
// secret's track) or its own investigation comes before it is dead
// everywhere, or its own replacement waits for an open item or a watch.
// Before its kill may come other kills, the person's access and provider
// checks (contain steps of no secret), its own containment, and its own
// production replacement of at most replaceSteps steps.
func killedFirst(rb *runbook.Runbook, ref string, steps []runbook.Step) []string {
	exposed := exposedOutside(rb)
	byID := map[string]runbook.InventorySecret{}
	for _, s := range inventory(rb) {
		byID[s.ID] = s
	}
	isExposed := map[string]bool{}
	for _, s := range exposed {
		isExposed[s.ID] = true
	}
	replacing := func(st runbook.Step) bool {
		switch st.Phase {
		case runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify:
			return runbook.IsProduction(st.Environment)
		}
		return false
	}
	var bad []string
	for _, s := range exposed {
		if ref != "" && !matchesSecret(rb, ref, s.ID) {
			continue
		}
		dead := 0
		for _, env := range s.Environments {
			k := killStep(s, steps, env)
			if k == nil {
				bad = append(bad, s.ID+" is never killed in "+env)
				dead = -1
				break
			}
			dead = max(dead, k.Order)
		}
		if dead < 0 {
			continue
		}
		own := 0
		for i := range steps {
			st := &steps[i]
			if st.Order >= dead {
				continue
			}
			other, known := byID[st.SecretID]
			switch {
			case st.SecretID == "" && st.Phase == runbook.PhaseContain:
				continue
			case known && kills(other, st):
				continue
			case st.SecretID == s.ID && st.Phase == runbook.PhaseContain:
				continue
			case st.SecretID == s.ID && replacing(*st):
				own++
				if ids := heldBy(rb, st); len(ids) > 0 {
					bad = append(bad, fmt.Sprintf("%s dead at step %d, after step %d which waits for %s", s.ID, dead, st.Order, strings.Join(ids, ", ")))
				}
				if st.Phase == runbook.PhaseVerify && watchRE.MatchString(st.Verify) && !noWaitRE.MatchString(st.Verify) {
					bad = append(bad, fmt.Sprintf("%s dead at step %d, after step %d watches %q", s.ID, dead, st.Order, watchRE.FindString(st.Verify)))
				}
				continue
			}
			bad = append(bad, fmt.Sprintf("%s dead at step %d, after step %d (%s %s %s)", s.ID, dead, st.Order, orNone(st.SecretID), st.Phase, st.Environment))
			break
		}
		if own > replaceSteps {
			bad = append(bad, fmt.Sprintf("%s: %d steps of its replacement before it is dead at step %d", s.ID, own, dead))
		}
	}
	return bad
}

// beforeStartRE is how an open item says it is answered before T0, so the
// steps it concerns never wait for it.
var beforeStartRE = regexp.MustCompile(`(?i)before (T0|step 1\b|the first step|starting|the start)`)

// watchRE is a check that watches for a while; a kill that follows it waits
// that long unless the check says the kill goes ahead.
var (
	watchRE     = regexp.MustCompile(`(?i)\bfor \d+ (minutes|hours)\b`)
	noWaitRE    = regexp.MustCompile(`(?i)(kill|revoke|next steps?)[^.;]*(does not|doesn't|do not|need not) wait|while the (next|other) steps`)
	unknownKind = regexp.MustCompile(`<(workload-kind|runtime)>`)
)

// heldBy lists the open items a step waits for (by its step reference or
// its secret), leaving out those answered before T0.
func heldBy(rb *runbook.Runbook, st *runbook.Step) []string {
	var out []string
	for _, it := range rb.OpenItems {
		if beforeStartRE.MatchString(it.Question) || factFinding(it) {
			continue
		}
		if runbook.OneOf(it.Blocks, fmt.Sprintf("s%d", st.Order)) || (st.SecretID != "" && runbook.OneOf(it.Blocks, st.SecretID)) {
			out = append(out, it.ID)
		}
	}
	return out
}

// factFinding reports whether an open item asks for facts a restoration
// step cannot run without (store paths, namespaces, workload kinds): the
// step marked as waiting for it is honest, not a delay (review19 round 2).
func factFinding(it runbook.OpenItem) bool {
	return it.Source == "secret_store" || it.Source == "deployment"
}

// heldByFacts reports whether a fact-finding open item holds the step.
func heldByFacts(rb *runbook.Runbook, st *runbook.Step) bool {
	for _, it := range rb.OpenItems {
		if factFinding(it) && runbook.OneOf(it.Blocks, fmt.Sprintf("s%d", st.Order)) {
			return true
		}
	}
	return false
}

// answeredBeforeStart reports whether some open item says it is answered
// before T0.
func answeredBeforeStart(rb *runbook.Runbook) bool {
	for _, it := range rb.OpenItems {
		if beforeStartRE.MatchString(it.Question) {
			return true
		}
	}
	return false
}

// productionRestored lists how a secret (of ref, or each) whose production
// credential is killed before its replacement runs there (an outage from
// the kill on) is restored late: a lower-environment step or an
// investigation before production runs on the replacement, its own lower
// environments replaced first, a restoration step waiting for an open item
// or for a workload kind nobody said before T0, or (limit > 0) more than
// limit steps of work between the kill and the redeploy.
func productionRestored(rb *runbook.Runbook, ref string, limit int, steps []runbook.Step) []string {
	var bad []string
	for _, s := range inventory(rb) {
		if ref != "" && !matchesSecret(rb, ref, s.ID) {
			continue
		}
		prod := ""
		for _, e := range s.Environments {
			if runbook.IsProduction(e) {
				prod = e
			}
		}
		if prod == "" {
			continue
		}
		k := killStep(s, steps, prod)
		if k == nil {
			continue
		}
		verified, deployed := 0, 0
		for _, st := range steps {
			if st.SecretID != s.ID || st.Environment != prod {
				continue
			}
			if st.Phase == runbook.PhaseVerify && verified == 0 {
				verified = st.Order
			}
			if st.Phase == runbook.PhaseDeploy && deployed == 0 {
				deployed = st.Order
			}
		}
		if verified == 0 || verified < k.Order {
			continue // replaced before it is killed: no outage
		}
		work := 0
		for i := range steps {
			st := &steps[i]
			if st.Order <= k.Order || st.Order > verified {
				continue
			}
			lower := !runbook.IsProduction(st.Environment) && st.Environment != "all"
			switch {
			case st.Phase == runbook.PhaseInvestigate:
				bad = append(bad, fmt.Sprintf("%s: production is down from step %d, but step %d investigates before it is restored at step %d", s.ID, k.Order, st.Order, verified))
			case lower && st.Phase != runbook.PhaseContain:
				bad = append(bad, fmt.Sprintf("%s: production is down from step %d, but step %d (%s %s in %s) comes before it is restored at step %d", s.ID, k.Order, st.Order, orNone(st.SecretID), st.Phase, st.Environment, verified))
			}
			if st.SecretID == s.ID {
				if ids := heldBy(rb, st); len(ids) > 0 {
					bad = append(bad, fmt.Sprintf("%s: step %d restores production after the kill but waits for %s", s.ID, st.Order, strings.Join(ids, ", ")))
				}
				if unknownKind.MatchString(st.Action) && !answeredBeforeStart(rb) && !heldByFacts(rb, st) {
					bad = append(bad, fmt.Sprintf("%s: step %d restores production with %q unknown, and no open item asks for it before T0", s.ID, st.Order, unknownKind.FindString(st.Action)))
				}
			}
			if st.Phase != runbook.PhaseContain && !kills(s, st) && (deployed == 0 || st.Order < deployed) {
				work++
			}
		}
		if limit > 0 && deployed > 0 && work > limit {
			bad = append(bad, fmt.Sprintf("%s: killed in production at step %d, its consumers redeployed at step %d, after %d steps of other work (at most %d)", s.ID, k.Order, deployed, work, limit))
		}
	}
	return bad
}

// stepOf is the step of that order, or nil.
func stepOf(steps []runbook.Step, order int) *runbook.Step {
	for i := range steps {
		if steps[i].Order == order {
			return &steps[i]
		}
	}
	return nil
}

// reachStep reports whether the step of that order kills what an exposed
// credential could read (time_to_kill says so), not the credential itself.
func reachStep(rb *runbook.Runbook, order int) bool {
	for _, kt := range rb.TimeToKill {
		if kt.Reach && kt.Step == order {
			return true
		}
	}
	return false
}
