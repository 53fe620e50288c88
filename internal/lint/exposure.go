package lint

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Exposure rules (ROTATION_RULES.md §2 rule 6): the exposure decides the time
// to kill, in both directions.

// killedBeforeOtherWork: a credential exposed publicly or to a third party
// is dead, in every environment, before any lower-environment step and
// before any other secret's work, another exposed credential's replacement
// too (its kill never waits behind another secret's track). Before its kill
// may come only other kills, steps of no secret (the person's access, the
// providers' own remediation), its own containment, and its own production
// replacement of at most exposure.ReplaceSteps steps.
func killedBeforeOtherWork(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		if !c.leaked(id) || c.secrets[id].Strategy == runbook.StrategyRekey {
			// A key that must keep decrypting is restricted, not killed,
			// until its data is re-encrypted.
			continue
		}
		kills := c.killSteps(id)
		dead := 0
		for _, env := range c.secrets[id].Environments {
			for _, k := range kills {
				if k.Environment == env || k.Environment == AllEnvironments {
					dead = max(dead, k.Order)
					break
				}
			}
		}
		if dead == 0 {
			continue // old-credential-killed reports it
		}
		own := 0
		for _, st := range c.steps {
			if st.Order >= dead {
				break
			}
			switch {
			case st.Phase == runbook.PhaseContain, c.kills(st):
				// Containment: kills, restrictions, the person's access,
				// the providers' own remediation.
				continue
			case exposure.Replacing(st.Phase) && (runbook.IsProduction(st.Environment) || st.Environment == AllEnvironments) && st.SecretID == id:
				own++
				continue
			}
			what := "another secret's work"
			switch {
			case st.SecretID == id:
				what = "its own " + string(st.Phase) + " in " + st.Environment
			case !runbook.IsProduction(st.Environment) && st.Environment != AllEnvironments:
				what = "a step in " + st.Environment
			}
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s was exposed %s: it must be dead before %s (step %d, %s), but it dies at step %d",
				id, exposureWords(c.triage[id].Exposure), what, st.Order, st.Phase, dead)})
			break
		}
		if m := c.replaceMinutesBefore(dead); own > 0 && m > exposure.ReplaceWithin {
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s was exposed %s: %d minutes of replacements come before it dies at step %d (at most %d): revoke it first",
				id, exposureWords(c.triage[id].Exposure), m, dead, exposure.ReplaceWithin)})
		}
		if own > exposure.ReplaceSteps {
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s was exposed %s: %d steps of its replacement come before it dies at step %d; replace-then-kill allows at most %d, straight in production",
				id, exposureWords(c.triage[id].Exposure), own, dead, exposure.ReplaceSteps)})
		}
	}
	return out
}

// replaceMinutesBefore is the planned time of the steps before the step of
// that order that neither contain nor kill.
func (c *context) replaceMinutesBefore(order int) int {
	m := 0
	for _, st := range c.steps {
		if st.Order >= order {
			break
		}
		if st.Phase == runbook.PhaseContain || c.kills(st) {
			continue
		}
		prop := 0
		if s, ok := c.secrets[st.SecretID]; ok {
			if e := entryOf(s); e != nil {
				prop = e.PropagationSeconds
			}
		}
		m += exposure.StepMinutes(st.Phase, prop)
	}
	return m
}

// frozenFor is the freeze that forbids an effect (publish, deploy) for a
// secret, or nil.
func frozenFor(freezes []runbook.Freeze, effect, id string) *runbook.Freeze {
	for i, z := range freezes {
		if z.Stops(effect, id) {
			return &freezes[i]
		}
	}
	return nil
}

func exposureWords(e runbook.Exposure) string {
	switch e {
	case runbook.ExposurePublic:
		return "publicly"
	case runbook.ExposureThirdParty:
		return "to a third party"
	}
	return "outside the company"
}

// plannedKeepsOverlap: planned work (scheduled, compliance, an offboarding
// whose deadline leaves time) never kills a credential before production
// runs on its replacement when the provider allows an overlap and services
// use it: revoking first only causes an outage.
func plannedKeepsOverlap(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		cl := c.class(id)
		if cl != exposure.Planned && cl != exposure.Deadline {
			continue
		}
		s := c.secrets[id]
		e := entryOf(s)
		if e == nil || !e.Strategy.HasOverlap() || !c.hasConsumers(id) {
			continue
		}
		if cl == exposure.Deadline && !c.deadlineLeavesTime(id) {
			continue
		}
		if !s.Strategy.HasOverlap() {
			// A cutover kills the old credential in its create step
			// (auth.revoke, then reinstall): consumers are down from
			// there to their redeploy (hook3 h1).
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s is planned work but is rotated by %s, which kills the old credential before its consumers run on the new one, although %s allows an overlap (%s): keep the old one working until production runs on its replacement",
				id, s.Strategy, s.Provider, e.ID)})
			continue
		}
		kills := c.killSteps(id)
		if len(kills) == 0 {
			continue // old-credential-killed reports it
		}
		first := kills[0]
		if !c.hasStepBefore(id, runbook.PhaseVerify, productionOf(s), first.Order) {
			why := "planned work"
			if cl == exposure.Deadline {
				why = "the departure deadline leaves time"
			}
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d kills the old %s before production runs on its replacement, although %s allows an overlap (%s) and %s: revoking first only takes its consumers down",
				first.Order, id, s.Provider, e.ID, why)})
		}
	}
	return out
}

// productionOf is the environment whose verification proves a secret's
// replacement: its production environment, else its last one.
func productionOf(s runbook.InventorySecret) string {
	for _, e := range s.Environments {
		if runbook.IsProduction(e) {
			return e
		}
	}
	if n := len(s.Environments); n > 0 {
		return s.Environments[n-1]
	}
	return ""
}

// hasConsumers reports whether the inventory lists a consumer of the secret.
func (c *context) hasConsumers(id string) bool {
	for _, d := range c.rb.Sections.Inventory.Dependencies {
		if d.SecretID == id {
			return true
		}
	}
	return false
}

// deadlineLeavesTime reports whether a deadline bounds the secret's work
// and leaves time for a replacement first. Without a deadline a departing
// person may already be gone, and revoking first is the safe reading.
func (c *context) deadlineLeavesTime(id string) bool {
	for _, d := range c.rb.Schedule.Deadlines {
		if len(d.SecretIDs) == 0 || runbook.OneOf(d.SecretIDs, id) {
			return exposure.LeavesTime(d, c.rb.Schedule.AsOf, exposure.ReplaceMinutes(len(c.secrets[id].Environments)))
		}
	}
	return false
}

// timeToKillShown: every step that kills an exposed credential carries its
// planned time in the runbook's time_to_kill (the card shows "dead at T0+10
// min" on it), and every entry there names a step that kills.
func timeToKillShown(c *context) []finding {
	var out []finding
	planned := map[string]map[int]bool{}
	for _, k := range c.rb.TimeToKill {
		if planned[k.SecretID] == nil {
			planned[k.SecretID] = map[int]bool{}
		}
		planned[k.SecretID][k.Step] = true
		found := false
		for _, st := range c.killSteps(k.SecretID) {
			found = found || st.Order == k.Step
		}
		if k.Reach {
			// What it could read dies at the containment step that lists
			// it (review18 round 4, X1).
			found = false
			for _, st := range c.steps {
				found = found || (st.Order == k.Step && st.SecretID == k.SecretID && st.Phase == runbook.PhaseContain)
			}
		}
		if !found {
			out = append(out, finding{section: seq, secretID: k.SecretID, message: fmt.Sprintf("time_to_kill says %s dies at step %d (%s), which is not a step that kills it", k.SecretID, k.Step, k.Label)})
		}
	}
	for _, id := range c.ids {
		if !c.exposedNow(id) {
			continue
		}
		for _, k := range c.killSteps(id) {
			if !planned[id][k.Order] {
				out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d kills exposed %s but time_to_kill does not say when", k.Order, id)})
			}
		}
	}
	return out
}

// checksWithoutSideEffects: a production check does not page the on-call,
// publish, deploy or reach a customer when an effect-free check exists
// (ROTATION_RULES.md §2 rule 19); the catalogue's effects.yaml lists such
// checks with what to use instead.
func checksWithoutSideEffects(c *context) []finding {
	var out []finding
	cat := catalog.Default()
	report := func(sec runbook.SectionID, id, where, text string) {
		// The secret's own name ("npm publish token") is not a check.
		if s, ok := c.secrets[id]; ok && s.Name != "" {
			text = strings.ReplaceAll(text, s.Name, "")
		}
		for _, u := range c.effectsIn(cat, text) {
			out = append(out, finding{section: sec, secretID: id, message: fmt.Sprintf("%s checks with %q, which has a side effect (%s): check with %s",
				where, u.Match, u.Effect.Effect, u.Effect.Instead)})
		}
	}
	prod := func(env string) bool { return runbook.IsProduction(env) || env == AllEnvironments }
	for _, st := range c.steps {
		if !prod(st.Environment) || (c.only != nil && !runbook.OneOf(c.only, seq)) {
			continue
		}
		if st.Phase == runbook.PhaseVerify {
			report(seq, st.SecretID, fmt.Sprintf("step %d", st.Order), st.Action+" "+st.Verify)
			continue
		}
		// A freeze forbids publishing and deploying by any step, not only
		// by a check (ROTATION_RULES.md §2 rule 20). Without a freeze,
		// no step's effect is forbidden.
		if len(c.rb.Schedule.Freezes) == 0 {
			continue
		}
		text := st.Action
		if s, ok := c.secrets[st.SecretID]; ok && s.Name != "" {
			text = strings.ReplaceAll(text, s.Name, "")
		}
		for _, u := range c.effectsIn(cat, text) {
			if z := frozenFor(c.rb.Schedule.Freezes, string(u.Effect.Effect), st.SecretID); z != nil {
				out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d does %q (%s) while freeze %s (%s) forbids it: leave the pipeline for its first run after the freeze and prove the value with %s",
					st.Order, u.Match, u.Effect.Effect, z.ID, z.Note, u.Effect.Instead)})
			}
		}
	}
	if v := c.rb.Sections.Validation; v != nil && (c.only == nil || runbook.OneOf(c.only, val)) {
		for _, e := range v.Environments {
			if !prod(e.Environment) {
				continue
			}
			for _, ch := range e.Checks {
				report(val, ch.SecretID, "a validation check in "+e.Environment, ch.Check+" "+ch.How)
			}
		}
	}
	return out
}

// killedBeforeProduction is the step that kills a secret in production
// before its replacement is verified there (a revoke-first kill takes
// production down), or nil. Its second result is that verify step's order
// (0: none).
func (c *context) killedBeforeProduction(id string) *runbook.Step {
	k, _ := c.productionOutage(id)
	return k
}

func (c *context) productionOutage(id string) (*runbook.Step, int) {
	s, ok := c.secrets[id]
	if !ok {
		return nil, 0
	}
	prod := ""
	for _, e := range s.Environments {
		if runbook.IsProduction(e) {
			prod = e
		}
	}
	if prod == "" {
		return nil, 0
	}
	var kill *runbook.Step
	for _, st := range c.killSteps(id) {
		if st.Environment == prod || st.Environment == AllEnvironments {
			kill = &st
			break
		}
	}
	if kill == nil || kill.Phase != runbook.PhaseContain {
		return nil, 0
	}
	verified := 0
	for _, st := range c.bySecret[id] {
		if st.Phase == runbook.PhaseVerify && st.Environment == prod {
			verified = st.Order
			break
		}
	}
	if verified != 0 && verified < kill.Order {
		return nil, 0
	}
	return kill, verified
}

// productionRestoredFirst: a credential killed in production before its
// replacement runs there took production down at its kill: production is
// restored before any lower-environment work and before the investigation.
// Rule 5's lower environment first protects a production that still works;
// after the kill there is none left to protect, and every step in between
// makes the outage longer.
func productionRestoredFirst(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		kill, verified := c.productionOutage(id)
		if kill == nil || verified == 0 || !c.hasConsumers(id) {
			continue // no consumer: retired, nothing is down
		}
		for _, st := range c.steps {
			if st.Order <= kill.Order || st.Order >= verified {
				continue
			}
			lower := !runbook.IsProduction(st.Environment) && st.Environment != AllEnvironments
			switch {
			case st.Phase == runbook.PhaseInvestigate:
				out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d kills %s in production before its replacement runs there, but step %d investigates before production is restored at step %d: restore first, then read logs",
					kill.Order, id, st.Order, verified)})
			case lower && st.Phase != runbook.PhaseContain:
				out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d kills %s in production before its replacement runs there, but step %d (%s in %s) comes before production is restored at step %d: after a revoke-first kill production goes first",
					kill.Order, id, st.Order, st.Phase, st.Environment, verified)})
			default:
				continue
			}
			break
		}
	}
	return out
}

// reRunsSpecPipeline is the writer's words for a redeploy that re-runs the
// pipeline rendering a workload's spec: that run uses the deploy pipeline's
// own credentials.
const reRunsSpecPipeline = "re-run the pipeline that renders"

// noStepOnKilled: no step relies on a credential killed before it (review18
// round 3: the mailer's redeploy re-ran the pipeline whose AWS key died at
// step 1, restored only later). A redeploy through the pipeline that renders
// a workload's spec runs with the credentials a deploy pipeline holds: each
// one killed in that environment before it is stored again there first.
func noStepOnKilled(c *context) []finding {
	var held []string
	for _, id := range c.ids {
		for _, sys := range c.secrets[id].Systems {
			if strings.Contains(strings.ToLower(sys), "deploy") {
				held = append(held, id)
				break
			}
		}
	}
	if len(held) == 0 {
		return nil
	}
	in := func(st runbook.Step, env string) bool {
		return st.Environment == env || st.Environment == AllEnvironments
	}
	var out []finding
	for _, st := range c.steps {
		if !strings.Contains(strings.ToLower(st.Action), reRunsSpecPipeline) {
			continue
		}
		for _, id := range held {
			if id == st.SecretID {
				continue
			}
			killed := 0
			for _, k := range c.killSteps(id) {
				if k.Order < st.Order && in(k, st.Environment) {
					killed = max(killed, k.Order)
				}
			}
			if killed == 0 {
				continue
			}
			restored := false
			for _, s := range c.bySecret[id] {
				restored = restored || s.Phase == runbook.PhaseStore && s.Order > killed && s.Order < st.Order && in(s, st.Environment)
			}
			if !restored {
				out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d (%s of %s in %s) re-runs the deploy pipeline, which needs %s, killed at step %d and not stored again in %s before it: restore %s first, or name the manual path",
					st.Order, st.Phase, st.SecretID, st.Environment, id, killed, st.Environment, id)})
			}
		}
	}
	return out
}
