package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// Outcome rules: what the runbook achieves when run as written, not its shape.

var (
	// identityRE is what removing a person's sign-in says.
	identityRE = regexp.MustCompile(`(?i)single sign-on|\bsso\b|identity provider|sign-in|okta|entra|google workspace|directory account`)
	nextNameRE = regexp.MustCompile(`\b[A-Z][A-Z0-9_]*_NEXT\b`)
	// textTimeRE finds a time or time range written in a step.
	textTimeRE = regexp.MustCompile(`(?i)(\b(?:not|outside|avoid|except|never|no|after|until)\b[^.;]{0,24})?\b([01]?\d|2[0-3]):([0-5]\d)(?:\s*(?:-|–|to|and)\s*([01]?\d|2[0-3]):([0-5]\d))?\s*(UTC|GMT|Z)?\b`)
)

// killSteps returns the steps that kill the old credential of a secret, in
// order: revoke steps, and contain steps that do not merely restrict it,
// saying they kill it.
// Many rules ask, for every secret, once per lint run: the answer is
// computed once per run.
func (c *context) killSteps(id string) []runbook.Step {
	if out, ok := c.killed[id]; ok {
		return out
	}
	var out []runbook.Step
	for _, st := range c.bySecret[id] {
		if c.kills(st) {
			out = append(out, st)
		}
	}
	if c.killed == nil {
		c.killed = map[string][]runbook.Step{}
	}
	out = slices.Clip(out)
	c.killed[id] = out
	return out
}

// kills reports whether a step kills its secret's old credential.
func (c *context) kills(st runbook.Step) bool {
	switch st.Phase {
	case runbook.PhaseRevoke:
	case runbook.PhaseContain:
		if c.secrets[st.SecretID].Strategy != runbook.StrategyRevokeFirst && c.actionSays(st.Action).restricts {
			return false
		}
	default:
		return false
	}
	return st.SecretID != "" && c.actionSays(st.Action).kills
}

// actionWords is what a step's action says of its credential.
type actionWords struct {
	// kills: it says it kills it (exposure.KillRE); restricts: it merely
	// restricts it (exposure.RestrictRE).
	kills, restricts bool
}

// actionSays reads an action's words once per text: per run, and for the
// linter's life when it has a text memo (rules ask of the same step many
// times, and a generation lints the same steps many times).
func (c *context) actionSays(text string) actionWords {
	if w, ok := c.actions[text]; ok {
		return w
	}
	var w actionWords
	if v, ok := c.memo.action(text); ok {
		w = v
	} else {
		w = actionWords{kills: exposure.KillRE.MatchString(text), restricts: exposure.RestrictRE.MatchString(text)}
		c.memo.storeAction(text, w)
	}
	if c.actions == nil {
		c.actions = map[string]actionWords{}
	}
	c.actions[text] = w
	return w
}

// oldCredentialKilled: every old credential ends dead (revoked, deleted,
// expired, destroyed, disabled; for a key, disabled after re-encryption is
// verified), in every environment it lives in.
func oldCredentialKilled(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		s := c.secrets[id]
		kills := c.killSteps(id)
		if len(kills) == 0 {
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("nothing kills the old %s: it needs a revoke step (or, revoked first, a contain step) that revokes, deletes, expires, destroys or disables it", id)})
			continue
		}
		covered := map[string]bool{}
		for _, k := range kills {
			covered[k.Environment] = true
		}
		if !covered[AllEnvironments] {
			for _, e := range s.Environments {
				if !covered[e] {
					out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("the old %s stays alive in %s: no step there revokes, deletes, expires or disables it", id, e)})
				}
			}
		}
		if s.Strategy == runbook.StrategyRekey {
			for _, k := range kills {
				if k.Phase != runbook.PhaseRevoke {
					continue
				}
				if !c.hasStepBefore(id, runbook.PhaseSwitch, k.Environment, k.Order) || !c.hasStepBefore(id, runbook.PhaseVerify, k.Environment, k.Order) {
					out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d disables the old %s before data is re-encrypted (switch) and that is verified", k.Order, id)})
				}
			}
		}
	}
	return out
}

// exposedNow is a credential that must be dead before anyone investigates:
// a public or third-party exposure during a leak or a vendor incident, any
// confirmed leak, or one a departing person knew.
func (c *context) exposedNow(id string) bool { return c.class(id).Exposed() }

// leaked is a credential exposed outside the company by a leak or breach
// (not only known to a departing person): it dies within minutes, is never
// restored and waits for no blackout. A departing person's knowledge alone
// allows a rollback until the deadline, and their deadline, not an
// exception, bounds the work.
func (c *context) leaked(id string) bool { return c.class(id) == exposure.KillNow }

// exposedKilledFirst: on a leak, breach or offboarding an exposed credential
// is killed as containment: before its investigation, and without waiting
// for a maintenance window.
func exposedKilledFirst(c *context) []finding {
	var out []finding
	windows := map[string]bool{}
	for _, w := range c.rb.Schedule.Windows {
		windows[w.ID] = true
	}
	for _, id := range c.ids {
		if !c.exposedNow(id) {
			continue
		}
		kills := c.killSteps(id)
		if len(kills) == 0 {
			continue // old-credential-killed reports it
		}
		last := kills[len(kills)-1]
		for _, st := range c.bySecret[id] {
			if st.Phase == runbook.PhaseInvestigate && st.Order < last.Order {
				out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s is exposed but investigated (step %d) while still alive: kill it first (step %d)", id, st.Order, last.Order)})
				break
			}
		}
		for _, st := range c.bySecret[id] {
			if st.Order > last.Order {
				break
			}
			if windows[st.Window] {
				out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s is exposed but step %d waits for maintenance window %s: an exposed credential is killed now", id, st.Order, st.Window)})
				break
			}
		}
	}
	return out
}

// personAccessFirst: an offboarding removes the person's own access before
// anything else, starting with their sign-in.
func personAccessFirst(c *context) []finding {
	if c.rb.Trigger != runbook.TriggerOffboarding || len(c.steps) == 0 {
		return nil
	}
	first := c.steps[0]
	if first.Phase != runbook.PhaseContain || first.SecretID != "" || !identityRE.MatchString(first.Action) {
		return []finding{{section: seq, message: fmt.Sprintf("an offboarding starts by removing the person's sign-in (single sign-on, sessions); step %d is %s", first.Order, first.Phase)}}
	}
	var out []finding
	seenOther := false
	contained, moved := map[string]bool{}, map[string]bool{}
	for _, st := range c.steps {
		person := st.SecretID == "" && st.Phase == runbook.PhaseContain
		revokeFirst := c.secrets[st.SecretID].Strategy == runbook.StrategyRevokeFirst
		// A retired credential's check that it is dead, after its revoke
		// and before anything else of it, is part of removing access.
		personal := revokeFirst && (st.Phase == runbook.PhaseContain || (st.Phase == runbook.PhaseVerify && contained[st.SecretID] && !moved[st.SecretID]))
		if st.Phase == runbook.PhaseContain {
			contained[st.SecretID] = true
		} else if st.Phase != runbook.PhaseVerify {
			moved[st.SecretID] = true
		}
		if !person && !personal {
			seenOther = true
			continue
		}
		if seenOther {
			out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d removes the person's access after other work began: it comes first", st.Order)})
		}
	}
	return out
}

// entryOf is the catalogue entry of an inventory secret: the one it names,
// else the one its kind and provider select.
func entryOf(s runbook.InventorySecret) *catalog.Credential {
	cat := catalog.Default()
	if e := cat.Credential(s.Entry); e != nil {
		return e
	}
	prov := intake.DefaultNames().Provider(s.Provider)
	return cat.Match(prov, s.Kind, runbook.SecretStore(s.Store), strings.ToLower(s.Name))
}

// mirrorClause is the store step's naming of a second store the value lives
// in (writer: Secret.Mirrors): a place, not a command.
var mirrorClause = regexp.MustCompile(`(?:also lives in|the mirror in) [^:;]*?(?:copied there by a job|where a consumer reads it)`)

// dropMirrorClauses removes text's mirror clauses. The expression has no
// literal prefix, so Go's regexp walks every byte of every text it is given
// (in LLM mode 13 % of the CPU of a 100-secret generation went there, per
// step and check of every answer); a text without either opening phrase
// cannot hold a clause and is returned as it is.
func dropMirrorClauses(text string) string {
	if !strings.Contains(text, "also lives in") && !strings.Contains(text, "the mirror in") {
		return text
	}
	return mirrorClause.ReplaceAllString(text, "")
}

// ownProductCommands: a secret's steps, checks and rollback use only commands
// of its own product and store (no Postgres catalog views for MySQL, no Vault
// rewrap for an AWS KMS key, no AWSPREVIOUS for a Vault secret).
func ownProductCommands(c *context) []finding {
	var out []finding
	cat := catalog.Default()
	allowed := map[string]map[string]bool{}
	for _, id := range c.ids {
		s := c.secrets[id]
		allowed[id] = cat.Allowed(entryOf(s), s.Store)
	}
	check := func(sec runbook.SectionID, id, where, text string) {
		ok, known := allowed[id]
		if !known {
			return
		}
		// The secret's own name ("npm publish token") is not a command,
		// nor is a second store the notes say holds the value ("also lives
		// in AWS Secrets Manager (prod/x), copied there by a job").
		text = strings.ReplaceAll(text, c.secrets[id].Name, "")
		text = dropMirrorClauses(text)
		// Only the products the secret may not use are looked for (in
		// the catalogue's order, as ProductsIn lists them).
		t := c.productText(cat, text)
		for _, i := range t.Possible() {
			p := cat.Products[i]
			if ok[p.ID] {
				continue
			}
			if m := t.Uses(i); m != "" {
				out = append(out, finding{section: sec, secretID: id, message: fmt.Sprintf("%s uses %s (%q), which is neither %s's product nor its store", where, p.Name, m, id)})
			}
		}
	}
	for _, st := range c.steps {
		if c.only == nil || runbook.OneOf(c.only, seq) {
			check(seq, st.SecretID, fmt.Sprintf("step %d", st.Order), st.Action+" "+st.Verify)
		}
	}
	if v := c.rb.Sections.Validation; v != nil && (c.only == nil || runbook.OneOf(c.only, val)) {
		for _, e := range v.Environments {
			for _, ch := range e.Checks {
				check(val, ch.SecretID, "a validation check in "+e.Environment, ch.Check+" "+ch.How+" "+ch.Expected)
			}
		}
	}
	if r := c.rb.Sections.Rollback; r != nil && (c.only == nil || runbook.OneOf(c.only, rbk)) {
		for _, st := range r.Steps {
			check(rbk, st.SecretID, "its rollback", st.Step+" "+st.PossibleUntil)
		}
	}
	return out
}

// noStepInBlackout: no production step is scheduled in, or written for, a
// time inside a blackout; a step's window exists; a deadline is not used as a
// window.
func noStepInBlackout(c *context) []finding {
	var out []finding
	sch := c.rb.Schedule
	windows := map[string]runbook.TimeWindow{}
	for _, w := range sch.Windows {
		windows[w.ID] = w
		for _, b := range sch.Blackouts {
			if runbook.ScopesMeet(b.SecretIDs, w.SecretIDs) && schedule.Overlaps(w, b) {
				out = append(out, finding{section: seq, message: fmt.Sprintf("window %s (%s) overlaps blackout %s (%s)", w.ID, w.Label(), b.ID, b.Label())})
			}
		}
	}
	deadlines := map[string]bool{}
	for _, d := range sch.Deadlines {
		deadlines[d.ID] = true
	}
	for _, st := range c.steps {
		if st.Window != "" {
			switch {
			case deadlines[st.Window]:
				if st.Phase != runbook.PhaseContain && st.Phase != runbook.PhaseInvestigate && st.Phase != runbook.PhaseRevoke {
					out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d (%s) is scheduled against deadline %s: a deadline is when access must be gone (contain or revoke by it), not a window to rotate in", st.Order, st.Phase, st.Window)})
				}
			case windows[st.Window].ID == "":
				out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d refers to window %q, which is not in the schedule", st.Order, st.Window)})
			}
		}
		if !runbook.IsProduction(st.Environment) && st.Environment != AllEnvironments {
			continue
		}
		if st.Phase == runbook.PhaseContain || st.Phase == runbook.PhaseInvestigate || (st.SecretID != "" && c.leaked(st.SecretID)) {
			continue // containment, and a leaked credential's replacement, do not wait
		}
		for _, b := range sch.Blackouts {
			if st.SecretID != "" && !b.Covers(st.SecretID) {
				continue
			}
			if b.Dated() {
				for _, d := range schedule.DatesIn(b, st.Action) {
					out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d is written for %s, inside blackout %s (%s)", st.Order, d, b.ID, b.Label())})
				}
			}
			if w, ok := windows[st.Window]; ok && schedule.Overlaps(w, b) {
				out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d runs in window %s, which overlaps blackout %s (%s)", st.Order, w.ID, b.ID, b.Label())})
			}
			for _, m := range textTimeRE.FindAllStringSubmatch(st.Action, -1) {
				if m[1] != "" {
					continue // "not between 00:00 and 01:30", "after 01:30"
				}
				t := runbook.TimeWindow{Start: m[2] + ":" + m[3], TZ: "UTC"}
				if m[4] != "" {
					t.End = m[4] + ":" + m[5]
				} else {
					t.End = runbook.FormatClock((atoi(m[2])*60 + atoi(m[3]) + 1) % 1440)
				}
				if schedule.Overlaps(t, b) {
					out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d is written for %s, inside blackout %s (%s)", st.Order, strings.TrimSpace(m[0]), b.ID, b.Label())})
				}
			}
		}
	}
	return out
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// nextNameRead: when a step stores the new value under a new name (X_NEXT),
// every consumer of the secret gets a deploy step that makes it read that
// name, in every environment.
func nextNameRead(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		var names []string
		for _, st := range c.bySecret[id] {
			// Every match holds "_NEXT": most actions need no regexp run.
			if (st.Phase == runbook.PhaseCreate || st.Phase == runbook.PhaseStore) && strings.Contains(st.Action, "_NEXT") {
				for _, n := range nextNameRE.FindAllString(st.Action, -1) {
					if !runbook.OneOf(names, n) {
						names = append(names, n)
					}
				}
			}
		}
		for _, n := range names {
			for _, d := range c.rb.Sections.Inventory.Dependencies {
				if d.SecretID != id {
					continue
				}
				found := false
				for _, st := range c.bySecret[id] {
					// A signer reads the new name when it switches.
					if (st.Phase == runbook.PhaseDeploy || st.Phase == runbook.PhaseSwitch) && envOverlap(st.Environment, d.Environment) && runbook.OneOf(st.Consumers, d.Consumer) && strings.Contains(st.Action, n) {
						found = true
					}
				}
				if !found {
					out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s is written for %s, but no deploy step in %s makes %s read it", n, id, d.Environment, d.Consumer)})
				}
			}
		}
	}
	return out
}

// restoreRE finds text that brings an old credential back or keeps a copy
// of it to do so.
var restoreRE = regexp.MustCompile(`(?i)_PREVIOUS\b|AWSPREVIOUS|\bprevious (store )?(version|value|key|token|secret|password|credential)|\bback (to|from)\b|\bgo back\b|\b(re-?enable|re-?activate|reinstate|restore)\b|\b(activate|enable)\b[^.;]{0,40}\bagain\b`)

// keepCopyRE finds a step that keeps a copy of the old value to roll back
// to (a store's own version history is not such a copy).
var keepCopyRE = regexp.MustCompile(`(?i)_PREVIOUS\b|export the old|for rollback`)

// noRollbackToExposed: an exposed credential's rollback fixes forward, and no
// step keeps a copy of the exposed value for a rollback.
func noRollbackToExposed(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		if !c.leaked(id) {
			continue
		}
		if r := c.rb.Sections.Rollback; r != nil && (c.only == nil || runbook.OneOf(c.only, rbk)) {
			for _, st := range r.Steps {
				if st.SecretID == id {
					if m := restoring(st.Step); m != "" {
						out = append(out, finding{section: rbk, secretID: id, message: fmt.Sprintf("the rollback of exposed %s restores it (%q): an exposed credential is never restored; fix forward", id, m)})
					}
				}
			}
		}
		for _, st := range c.bySecret[id] {
			if st.Phase == runbook.PhaseStore || st.Phase == runbook.PhaseCreate || st.Phase == runbook.PhaseCleanup {
				if m := keepCopyRE.FindString(st.Action); m != "" {
					out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d keeps a copy of exposed %s for rollback (%q): an exposed value is never kept", st.Order, id, m)})
				}
			}
		}
	}
	return out
}

// negatedRE, just before a restore phrase, says it is not done ("never roll
// back to", "rather than back to").
var negatedRE = regexp.MustCompile(`(?i)\b(never|no|not|nor|rather than|instead of|without)\b[^.;]{0,30}$`)

// restoring returns the first restore phrase of text that is not negated.
func restoring(text string) string {
	for _, m := range restoreRE.FindAllStringIndex(text, -1) {
		if !negatedRE.MatchString(text[max(0, m[0]-40):m[0]]) {
			return text[m[0]:m[1]]
		}
	}
	return ""
}
