// Package writer writes runbook sections. The offline writer here needs nothing
// but the planner's facts: it is the default when no LLM is configured and the
// fallback when one fails, so every section it writes must pass the linter.
package writer

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// OfflineModel names the offline writer's rules in a runbook's generator field.
const OfflineModel = "rotor-rules-v2"

// channel is the coordination channel the comms and steps refer to.
func channel(f *planner.Facts) string {
	// The request's own channels (review17-cold4 P6: an invented one was
	// used even when the request named #inc-2291-env-leak).
	if len(f.Told().Channels) > 0 {
		var names []string
		for _, c := range f.Told().Channels {
			names = append(names, c.Name)
		}
		return andList(names)
	}
	return "#secret-rotation-" + f.SystemSlug
}

// windowLabel names a secret's window ("w1: daily from 22:00 UTC"), or "".
func windowLabel(f *planner.Facts, id string) string {
	if l := f.Schedule.Label(id); l != "" {
		return id + " (" + l + ")"
	}
	return ""
}

// action is the one-line plan of a secret, for the inventory.
func action(f *planner.Facts, s *planner.Secret) string {
	when := ""
	if w := windowLabel(f, s.Window); w != "" {
		when = " in window " + w
	}
	switch s.Strategy {
	case runbook.StrategyRevokeFirst:
		if s.RetireOnly && (s.NotReplaced != "" || len(s.CutOff) > 0) {
			return "Revoke now; no replacement (nothing replaces it)"
		}
		if s.RetireOnly {
			return "Revoke now; no replacement (the departing person's own credential)"
		}
		return "Revoke now, then issue and deploy a replacement"
	case runbook.StrategyHardCutover:
		if s.Exposed {
			return "Replace now and kill the old value at once (no overlap)"
		}
		return "Hard cutover" + when + ": rotate, store and redeploy back to back, then confirm the old value is dead"
	case runbook.StrategyDualAccept:
		if s.Entry != nil && s.Entry.PartnerSigns {
			return "Receivers accept old and new, the partners get the new secret over the agreed secure channel and switch" + when + ", then drop the old secret"
		}
		return "Receivers accept old and new, switch the sender" + when + ", then drop the old secret"
	case runbook.StrategyAlternatingUsers:
		return "Move consumers to the idle user " + s.Users.Idle + when + ", then kill the old user's password"
	case runbook.StrategyRekey:
		return "New key for encryption" + when + ", re-encrypt, then disable the old key"
	}
	if s.Exposed {
		return "Replace now with a second credential, then kill the exposed one at once"
	}
	return "Second credential" + when + "; kill the old one once it goes quiet"
}

// Inventory writes section 1, the secret inventory and dependency map, from the facts.
func Inventory(f *planner.Facts) *runbook.Inventory {
	inv := &runbook.Inventory{Secrets: []runbook.InventorySecret{}, Dependencies: []runbook.Dependency{}}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		systems := consumerNames(s)
		storage := "not stored: the credential stays in " + s.ProviderName
		store := "none"
		if s.RetireOnly && (s.NotReplaced != "" || len(s.CutOff) > 0) {
			storage = "retired, not replaced: nothing replaces it"
		} else if s.RetireOnly {
			storage = "held by the departing person; retired, not replaced"
		} else if s.Stored {
			var paths []string
			given := false
			for _, e := range s.Environments {
				paths = append(paths, e+": "+s.StorePaths[e])
				given = given || !strings.HasPrefix(s.StorePaths[e], "<")
			}
			storage = planner.StoreName(s.Store) + " (" + strings.Join(paths, "; ") + ")"
			if !given {
				storage = planner.StoreName(s.Store) + " (path not given)"
			}
			for _, cp := range s.Copies {
				storage += "; copy in " + cp
			}
			for _, cp := range s.PersonalCopies {
				storage += "; a person's own copy " + cp + " (never updated: it dies with the old value)"
			}
			store = string(s.Store)
		}
		inv.Secrets = append(inv.Secrets, runbook.InventorySecret{
			ID: s.ID, Name: s.Name, Kind: s.Kind, Provider: providerLabel(s), Owner: s.Owner,
			Systems: systems, Storage: storage, Environments: s.Environments, RotationRisk: s.RotationRisk.Level,
			Strategy: s.Strategy, Action: action(f, s), Entry: s.Rule, Store: store,
		})
		for _, e := range s.Environments {
			for _, c := range s.Consumers {
				inv.Dependencies = append(inv.Dependencies, runbook.Dependency{SecretID: s.ID, Consumer: c.Name, Environment: e, HowLoaded: c.HowLoaded})
			}
		}
	}
	return inv
}

func providerLabel(s *planner.Secret) string {
	if s.Provider == "unknown" {
		return "not given"
	}
	return s.ProviderName
}

// RiskTriage writes section 2, risk triage, from the facts.
func RiskTriage(f *planner.Facts) *runbook.RiskTriage {
	rt := &runbook.RiskTriage{Items: []runbook.TriageItem{}}
	for _, s := range bySeverity(f) {
		rt.Items = append(rt.Items, runbook.TriageItem{
			SecretID: s.ID, Exposure: s.Exposure, BusinessImpact: s.BusinessImpact,
			Score: s.Urgency.Score, Priority: s.Urgency.Priority, RotationRisk: s.RotationRisk.Level,
			Rationale: rationale(s),
		})
	}
	return rt
}

// rationale explains the scores, and the strategy when the situation changed
// it from the catalogue's.
func rationale(s *planner.Secret) string {
	r := fmt.Sprintf("Urgency %d: %s. Rotation risk %s: %s.", s.Urgency.Score, strings.Join(s.Urgency.Factors, ", "),
		s.RotationRisk.Level, strings.Join(s.RotationRisk.Factors, ", "))
	if s.Strategy != s.Entry.Strategy || s.Exposed {
		r += " " + upperFirst(sentence(s.StrategyReason))
	}
	return r
}

// bySeverity orders secrets most urgent first.
func bySeverity(f *planner.Facts) []*planner.Secret {
	out := make([]*planner.Secret, len(f.Secrets))
	for i := range f.Secrets {
		out[i] = &f.Secrets[i]
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Urgency.Score != out[j].Urgency.Score {
			return out[i].Urgency.Score > out[j].Urgency.Score
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// needsApproval reports whether a secret needs a named approver before its
// production steps: high rotation risk, P0/P1, or revoke first.
func needsApproval(s *planner.Secret) bool {
	return s.RotationRisk.Level == runbook.LevelHigh || s.Urgency.Priority == runbook.P0 || s.Urgency.Priority == runbook.P1 ||
		s.Strategy == runbook.StrategyRevokeFirst
}

// Preflight writes section 3, the pre-rotation checklist, approvals and backup plan, from the facts.
func Preflight(f *planner.Facts) *runbook.Preflight {
	p := &runbook.Preflight{Checklist: []string{}, Approvals: []runbook.Approval{}, BackupPlan: []string{}}
	add := func(format string, args ...any) { p.Checklist = append(p.Checklist, fmt.Sprintf(format, args...)) }
	incident := f.Compromised() || f.Trigger == runbook.TriggerOffboarding
	switch {
	case incident:
		add("Open an incident ticket, name an incident lead from %s, and keep a UTC timeline of every step; containment does not wait for change approval.", andList(f.Approvers))
	case f.ChangeTicket:
		add("Get the change ticket approved by %s (every secret, environment and the rollback plan below) before the first step.", andList(f.Approvers))
	default:
		add("Open a change ticket listing every secret, environment and the rollback plan below.")
	}
	add("Rules for every step: a value goes from the provider straight into the store (stdin or console), never into chat, tickets or shell history; record ids, never values; stop at the first failed check.")
	for _, it := range f.OpenItems {
		// An item the restoration after a kill needs is answered while the
		// incident opens, never after the kill.
		if strings.HasPrefix(it.Question, "Before step 1") {
			add("Before step 1 (T0): %s", itemGate(f, it))
		}
	}
	for _, line := range bindingChecklist(f) {
		add("%s", line)
	}
	for _, b := range f.Schedule.Blackouts {
		scope := "No " + b.Holds()
		if len(b.SecretIDs) > 0 && b.Activity == "" {
			scope += " of " + andList(b.SecretIDs)
		}
		line := fmt.Sprintf("%s runs during blackout %s (%s: %q); if a step would, wait for it to end.", scope, b.ID, b.Label(), b.Note)
		if b.Dated() {
			line = fmt.Sprintf("%s runs during blackout %s (%s: %q): finish before it starts, or wait until it ends.", scope, b.ID, b.Label(), b.Note)
		}
		var exposed []string
		for _, s := range f.LeakedIn(b.SecretIDs) {
			exposed = append(exposed, s.ID)
		}
		if len(exposed) > 0 {
			line += fmt.Sprintf(" Exception: the exposed %s %s replaced and killed now, even inside it; record the exception on the incident ticket and tell the owner of %s.", andList(exposed), isAre(len(exposed)), b.ID)
		}
		add("%s", line)
	}
	if f.RotateAll != "" && rotateAllStep(f) == 0 {
		add("The request says %q: list every variable, file, SSH key, deploy key and token that place holds (every project and environment); rotate each one this runbook does not name (add it to the request and generate again), and look for pipelines, runners, webhooks or keys an attacker may have added. Ask the vendor now whether the breach is closed: until they confirm, the new values live in the same place, so watch their use and be ready to rotate them again.", f.RotateAll)
	} else if f.RotateAll != "" {
		add("The request says %q: step %d lists by name every variable, file, SSH key, deploy key and token that place holds and kills each one this runbook does not name by T0+%d min; look for pipelines, runners, webhooks or keys an attacker may have added. Ask the vendor now whether the breach is closed: until they confirm, the new values live in the same place, so watch their use and be ready to rotate them again.", f.RotateAll, rotateAllStep(f), exposure.ReachKill)
	}
	for _, c := range f.Considered {
		if strings.Contains(c.Reading, planner.ReadingInstruction) {
			lead := "change ticket"
			if incident {
				lead = "incident ticket"
			}
			add("The request asks %q (%s): not followed, every safety step stays%s. Record the decision on the %s and tell whoever asked.",
				c.Text, c.Source, exposedClause(f), lead)
		}
	}
	for _, w := range f.Schedule.Windows {
		var not []string
		for _, b := range f.Schedule.Blackouts {
			if b.Dated() && !w.Dated() && runbook.ScopesMeet(b.SecretIDs, w.SecretIDs) {
				not = append(not, b.Label())
			}
		}
		when := w.Label()
		if len(not) > 0 {
			when += ", not " + strings.Join(not, " nor ")
		}
		add("Book window %s (%s) for the production changes marked with it, and have the owners on shift.", w.ID, when)
	}
	for _, d := range f.Schedule.Deadlines {
		add("Deadline %s: %s (%q).", d.ID, d.Label(), d.Note)
	}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		c := sc{f: f, s: s, env: planner.AllEnvironments}
		a := c.actions()
		if len(s.Consumers) == 0 {
			add("Find every consumer of %s before starting (%s): a missed dependency is the most common cause of a failed rotation.", s.Name, c.fill(a.Discover))
		} else {
			add("Confirm %s has no consumer beyond %s (%s).", s.Name, c.consumerList(), c.fill(a.Discover))
		}
		// A revoked-first credential of a provider whose overlap is unknown
		// needs no answer about the overlap: it is dead before its replacement.
		unknownRevoked := s.Entry.OverlapUnknown && s.Strategy == runbook.StrategyRevokeFirst
		if a.Preflight != "" && !unknownRevoked && !(s.Entry.Strategy == runbook.StrategyDualAccept && s.Strategy != runbook.StrategyDualAccept) {
			add("%s", c.fill(a.Preflight))
		}
		if s.Legacy {
			add("Book a restart slot for the legacy consumer(s) of %s (%q): they re-read the value only at start-up.", s.Name, s.LegacyNote)
		}
		if len(s.Environments) > 1 && s.Entry.AccountSlots > 0 && !s.RetireOnly {
			add("If %s share one %s account or app for %s (%d credential slots), create and revoke once, in %s, store the value in every environment, and skip the other create and revoke steps.",
				andList(s.Environments), s.ProviderName, s.Name, s.Entry.AccountSlots, s.Environments[0])
		}
	}
	var limited []string
	for _, s := range f.Secrets {
		if s.RateLimited {
			limited = append(limited, s.Name)
		}
	}
	if len(limited) > 0 {
		add("Keep the test calls of %s within the vendors' rate limits: a handful per environment, spaced out.", andList(limited))
	}
	if onKubernetes(f) {
		add("Find how each Kubernetes consumer gets its value (External Secrets Operator, CSI driver, Vault Agent or a plain Secret); force any interval sync before a restart.")
	}
	add("Check now that the operators can do every step (provider consoles, %s write access, deploy rights).", storeNames(f))
	add("Note the baselines of %s and 5xx of every consumer; post the engineering announcement in %s.", signals(f), channel(f))

	var urgent []string
	for i := range f.Secrets {
		if needsApproval(&f.Secrets[i]) {
			urgent = append(urgent, f.Secrets[i].ID)
		}
	}
	// Containment never waits for a sign-off (ROTATION_RULES.md §2 rule 6):
	// when a step contains an exposed credential, the approvers are told
	// at T0 and approve the emergency change after the fact, and what
	// follows the restoration of production before it starts.
	contained := map[string]bool{}
	for _, st := range f.Steps {
		if st.Phase == runbook.PhaseContain {
			contained[st.SecretID] = true
		}
	}
	gates := map[string]planner.Gate{}
	for _, g := range f.Gates {
		if len(g.Steps) > 0 && !g.Inform {
			// A party told first (the works council) approves nothing.
			gates[g.Who] = g
		}
	}
	for _, a := range f.Approvers {
		if g, ok := gates[a]; ok {
			// The go the request demands before named steps: asked at once,
			// before those steps, never after the fact.
			p.Approvals = append(p.Approvals, gateApproval(f, g))
			delete(gates, a)
			continue
		}
		scope := "this runbook and the change ticket"
		if len(urgent) > 0 {
			scope = "this runbook, the change ticket and the production steps of high-risk, P0/P1 or revoke-first secrets"
		}
		ap := runbook.Approval{Approver: a, Scope: scope, Before: "the first step", Secrets: allIDs(f)}
		if len(contained) > 0 {
			ap.Scope = fmt.Sprintf("the emergency change ticket (told at T0, approved after the fact: %s for it) and every step %s", neverWaiting(f), afterUrgent(f))
			ap.Before = gateWords(f, f.ApprovalGate(), "the first step")
		}
		p.Approvals = append(p.Approvals, ap)
	}
	for _, g := range f.Gates {
		if _, ok := gates[g.Who]; ok {
			p.Approvals = append(p.Approvals, gateApproval(f, g))
			delete(gates, g.Who)
		}
	}
	owners := map[string][]string{}
	var ownerNames []string
	killed := map[string]bool{}
	for _, s := range f.Secrets {
		if _, ok := owners[s.Owner]; !ok {
			ownerNames = append(ownerNames, s.Owner)
		}
		owners[s.Owner] = append(owners[s.Owner], s.ID)
		killed[s.Owner] = killed[s.Owner] || contained[s.ID]
	}
	for _, o := range ownerNames {
		ap := runbook.Approval{Approver: o, Scope: "consumers and rollout plan of their secrets", Before: "their first step", Secrets: owners[o]}
		if killed[o] {
			ap.Scope = fmt.Sprintf("consumers and rollout plan of their secrets (told at T0: %s for them)", neverWaiting(f))
			ap.Before = gateWords(f, f.FirstWaiting(owners[o]), "their first step")
		}
		p.Approvals = append(p.Approvals, ap)
	}

	p.BackupPlan = append(p.BackupPlan, "Record the current version id of every secret in the store before the first step (ids only).")
	var overlap, leaked []string
	for i := range f.Secrets {
		s := &f.Secrets[i]
		switch {
		case s.NeverRestored():
			leaked = append(leaked, s.Name)
			continue
		case s.Strategy.HasOverlap():
			overlap = append(overlap, s.Name)
			continue
		}
		p.BackupPlan = append(p.BackupPlan, fmt.Sprintf("%s: %s", s.Name, backupHow(f, s)))
	}
	if len(leaked) > 0 {
		p.BackupPlan = append(p.BackupPlan, fmt.Sprintf("%s: no backup and no rollback: the exposed value is never restored; a failed check is fixed forward.", andList(leaked)))
	}
	switch {
	case len(overlap) == len(f.Secrets):
		p.BackupPlan = append(p.BackupPlan, "Every secret keeps its old credential working until its revoke step: a failed check is undone as the rollback section says.")
	case len(overlap) > 0:
		p.BackupPlan = append(p.BackupPlan, fmt.Sprintf("%s keep their old credential working until the revoke step: a failed check is undone as the rollback section says.", andList(overlap)))
	}
	return p
}

// gateApproval is the go a person gives before the steps the request
// names: asked at once, at T0, and those steps wait for it.
func gateApproval(f *planner.Facts, g planner.Gate) runbook.Approval {
	return runbook.Approval{Approver: g.Who, Secrets: g.SecretIDs, Before: fmt.Sprintf("step %d", g.Steps[0]),
		Scope: fmt.Sprintf("%s%s (asked at once, at T0, in open item %s: %q); never after the fact", runbook.RequestedGo, gateSteps(g), g.Item, g.Quote)}
}

// gateActs marks, in a step's text, each sentence that says to do an act a
// gate names and no step does on its own ("Deprecate versions published
// with the exposed token ..." when the request says to ask Hannah Osei
// before anything is deprecated on npm; review17-cold6 row 1): that
// sentence waits for the go, the rest of the step does not.
func gateActs(f *planner.Facts, text string) string {
	for _, g := range f.Gates {
		if len(g.Acts) == 0 {
			continue
		}
		sents := splitSentences(text)
		for i, sent := range sents {
			low := strings.ToLower(sent)
			if !slices.ContainsFunc(g.Acts, func(a string) bool { return strings.Contains(low, planner.ActStem(a)) }) || strings.Contains(sent, "open item "+g.Item) {
				continue
			}
			sents[i] = fmt.Sprintf("Only after %s says go (open item %s, asked at T0: %q), never before: %s", g.Who, g.Item, g.Quote, lowerFirst(sent))
		}
		text = strings.Join(sents, " ")
	}
	return text
}

// splitSentences splits a step's text at ". " outside code spans.
func splitSentences(text string) []string {
	var out []string
	start, code := 0, false
	for i := 0; i < len(text); i++ {
		switch {
		case text[i] == '`':
			code = !code
		case !code && text[i] == '.' && i+1 < len(text) && text[i+1] == ' ':
			out = append(out, text[start:i+1])
			start = i + 2
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// actRules are the request's rules on the acts a step does ("Test
// incidents on the 'Care API - P1' PagerDuty service are forbidden ...
// Use 'Sandbox - Low'" on the PagerDuty check; "Arjun must not receive any
// of the new values" on the store step; review17-cold6 rows 32, 33, 60):
// written where the act happens, never an open item that holds the plan.
func actRules(f *planner.Facts, st planner.Step) string {
	var out string
	for _, r := range f.Rules {
		if runbook.OneOf(r.SecretIDs, st.SecretID) && slices.Contains(r.Phases, st.Phase) {
			out += fmt.Sprintf(" The request forbids it (%s): %q", r.Source, r.Quote)
		}
	}
	return out
}

// gateSteps names a gate's steps: "steps 1 and 2".
func gateSteps(g planner.Gate) string {
	return stepRefs(g.Steps)
}

// restoresProduction reports whether the plan restores production after a
// kill at containment.
func restoresProduction(f *planner.Facts) bool {
	for i := range f.Steps {
		if f.Restores(&f.Steps[i]) {
			return true
		}
	}
	return false
}

// neverWaiting says what never waits for a sign-off in a plan that
// contains.
func neverWaiting(f *planner.Facts) string {
	if restoresProduction(f) {
		return "containment and the restoration of production never wait"
	}
	return "containment never waits"
}

// afterUrgent says which steps an approval may hold in a plan that
// contains.
func afterUrgent(f *planner.Facts) string {
	if restoresProduction(f) {
		return "after production is restored"
	}
	return "after containment"
}

// gateWords names the step an approval holds in a plan that contains: its
// number and why that one, or that it holds none (ROTATION_RULES.md §2
// rule 6: containment and the restoration of production never wait).
func gateWords(f *planner.Facts, n int, which string) string {
	if n == 0 {
		return "no step: it is given after the fact"
	}
	return fmt.Sprintf("step %d, %s %s", n, which, afterUrgent(f))
}

// itemGate says, for an open item asked while the incident opens, what it
// holds and what does not wait for it: read from the steps it holds.
func itemGate(f *planner.Facts, it runbook.OpenItem) string {
	var held []int
	restore := false
	for i := range f.Steps {
		st := &f.Steps[i]
		if it.Holds(runbook.Step{Order: st.Order, SecretID: st.SecretID}) {
			held = append(held, st.Order)
			restore = restore || f.Restores(st)
		}
	}
	line := fmt.Sprintf("start on open item %s (%s) in parallel with containment; ", it.ID, it.Text)
	switch {
	case restore:
		line += "containment does not wait for it, but restoring production after the kill does"
	case restoresProduction(f):
		line += "neither the kill nor the restoration of production waits for it"
	default:
		line += "containment does not wait for it"
	}
	if len(held) > 0 {
		line += fmt.Sprintf("; it holds %s", stepRefs(held))
	}
	return line + "."
}

func onKubernetes(f *planner.Facts) bool {
	for _, s := range f.Secrets {
		for _, c := range s.Consumers {
			if c.Runtime == runbook.DeployKubernetes {
				return true
			}
		}
	}
	return false
}

func storeNames(f *planner.Facts) string {
	var names []string
	for _, s := range f.Secrets {
		if n := planner.StoreName(s.Store); s.Stored && !runbook.OneOf(names, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "provider"
	}
	return andList(names)
}

func backupHow(f *planner.Facts, s *planner.Secret) string {
	c := sc{f: f, s: s, env: planner.AllEnvironments}
	switch {
	case s.Strategy == runbook.StrategyRevokeFirst:
		return "no way back to the exposed value; if a consumer cannot take the replacement, take it out of service and fix forward."
	case !s.Strategy.HasOverlap():
		return "no overlap: have the store write and the redeploy ready before the rotation; after it, fix forward."
	}
	rb := c.rollbackText()
	if !strings.Contains(rb, "until") {
		rb += ", until " + strings.TrimSuffix(c.fill(c.actions().RollbackUntil), ".")
	}
	return sentence(rb)
}

// rotateAllStep is the order of the step that lists and kills everything
// the breached place held.
func rotateAllStep(f *planner.Facts) int {
	for _, st := range f.Steps {
		if st.Reach > 0 && st.SecretID == "" {
			return st.Order
		}
	}
	return 0
}

func consumerNames(s *planner.Secret) []string {
	out := make([]string, len(s.Consumers))
	for i, c := range s.Consumers {
		out[i] = c.Name
	}
	return out
}

func allIDs(f *planner.Facts) []string {
	out := make([]string, len(f.Secrets))
	for i, s := range f.Secrets {
		out[i] = s.ID
	}
	return out
}

// RotationSequence writes section 4, the rotation sequence, from the facts.
func RotationSequence(f *planner.Facts) *runbook.RotationSequence {
	rs := &runbook.RotationSequence{Tracks: []runbook.Track{}}
	byTrack := map[string]int{}
	for _, t := range f.Tracks {
		byTrack[t.Name] = len(rs.Tracks)
		rs.Tracks = append(rs.Tracks, runbook.Track{Name: t.Name, Reason: t.Reason, Steps: []runbook.Step{}})
	}
	accesses := map[string]planner.Access{}
	for _, a := range f.Access {
		accesses[a.ID] = a
	}
	for _, st := range f.Steps {
		t := &rs.Tracks[byTrack[st.Track]]
		step := runbook.Step{Order: st.Order, SecretID: st.SecretID, Environment: st.Environment, Phase: st.Phase,
			Consumers: []string{}, Window: st.Window}
		switch {
		case st.Access != "":
			step.Action, step.Verify = accessText(f, accesses[st.Access], st.Minutes)
			step.Owner = andList(f.Approvers)
		case st.Reach > 0:
			step.Action, step.Verify = reachText(f, st)
			step.Owner = andList(f.Approvers)
			if s := f.SecretByID(st.SecretID); s != nil {
				step.Owner = stepOwner(f, s, st.Phase)
			}
		case len(st.Remediation) > 0:
			step.Action, step.Verify = remediationText(f, st.Remediation)
			step.Owner = andList(f.Approvers)
		case st.Phase == runbook.PhaseFreeze:
			step.Action, step.Verify = freezeText(f)
			step.Owner, step.Consumers = andList(ownersOf(f)), allConsumers(f)
		case st.Phase == runbook.PhaseUnfreeze:
			step.Action, step.Verify = unfreezeText(f)
			step.Owner, step.Consumers = andList(ownersOf(f)), allConsumers(f)
		default:
			s := f.SecretByID(st.SecretID)
			step.Action, step.Verify = stepText(sc{f: f, s: s, env: st.Environment}, st.Phase)
			step.Owner = stepOwner(f, s, st.Phase)
			bindStep(f, s, &step)
			switch st.Phase {
			case runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify:
				step.Consumers = stepConsumers(s, st.Phase)
			}
		}
		watch(f, f.SecretByID(st.SecretID), &step)
		step.Action = gateActs(f, step.Action)
		if g, ok := f.GateOf(st.Order); ok {
			// A sign-off the request demands before this action is shown
			// on its line (review17-cold5 P5): the step waits for it.
			step.Action = fmt.Sprintf("%s (open item %s, asked at T0: %q). ", g.GoWords(), g.Item, g.Quote) + step.Action
		}
		step.Action += actRules(f, st)
		for _, sa := range f.SoleActors {
			if slices.Contains(sa.Steps, st.Order) {
				// "Only Jonas Richter can edit the dbt Cloud connection"
				// (review17-cold6 row 12).
				step.Action += fmt.Sprintf(" %s: only %s can %s (%s); open item %s says who does it meanwhile.", andList(sa.Consumers), sa.Who, sa.Act, sa.Away, sa.Item)
			}
		}
		t.Steps = append(t.Steps, step)
	}
	sayOnce(rs)
	return rs
}

func ownersOf(f *planner.Facts) []string {
	var out []string
	for _, s := range f.Secrets {
		if !runbook.OneOf(out, s.Owner) {
			out = append(out, s.Owner)
		}
	}
	return out
}

// Validation groups the checks per environment: one check per secret with
// all its consumers, and in production a check that the old credential is
// dead.
func Validation(f *planner.Facts) *runbook.Validation {
	v := &runbook.Validation{Environments: []runbook.EnvValidation{}}
	// Folded into the steps: each check names the steps that prove it
	// (their actions and checks say how and what), so nothing is said
	// twice.
	stepsOf := func(id, env string, phases ...runbook.Phase) string {
		var orders []int
		for _, st := range f.Steps {
			if st.SecretID == id && (st.Environment == env || st.Environment == planner.AllEnvironments) && runbook.OneOf(phases, st.Phase) {
				orders = append(orders, st.Order)
			}
		}
		return stepRefs(orders)
	}
	for _, env := range f.Environments {
		ev := runbook.EnvValidation{Environment: env, Checks: []runbook.Check{}}
		for i := range f.Secrets {
			s := &f.Secrets[i]
			if !runbook.OneOf(s.Environments, env) {
				continue
			}
			c := sc{f: f, s: s, env: env}
			if s.RetireOnly {
				ev.Checks = append(ev.Checks, runbook.Check{SecretID: s.ID, Check: s.Name + " is dead",
					Expected: "rejected", How: "the check of " + stepsOf(s.ID, env, runbook.PhaseContain, runbook.PhaseVerify)})
				continue
			}
			expected := "no " + c.failures()
			if runbook.IsProduction(env) {
				expected += " for 30 minutes"
			}
			ev.Checks = append(ev.Checks, runbook.Check{SecretID: s.ID, Consumer: strings.Join(consumerNames(s), ", "),
				Check: fmt.Sprintf("%s works for %s", s.Name, c.consumerList()), Expected: expected, How: stepsOf(s.ID, env, runbook.PhaseVerify)})
			if runbook.IsProduction(env) {
				kill := []runbook.Phase{runbook.PhaseRevoke}
				if s.Strategy == runbook.StrategyRevokeFirst {
					kill = []runbook.Phase{runbook.PhaseContain}
				}
				ev.Checks = append(ev.Checks, runbook.Check{SecretID: s.ID, Check: "The old " + s.Name + " is dead",
					Expected: "rejected", How: "the check of " + stepsOf(s.ID, env, kill...)})
			}
		}
		v.Environments = append(v.Environments, ev)
	}
	if n := len(v.Environments); n > 0 {
		last := &v.Environments[n-1]
		last.Checks = append(last.Checks, runbook.Check{Check: "Evidence saved",
			Expected: "every audit evidence item is in the evidence folder", How: "tick the audit evidence checklist"})
	}
	return v
}

// stepRefs writes step numbers: "step 4", "steps 4 and 9", "steps 1, 2 and
// 3"; "its steps" when there are none.
func stepRefs(orders []int) string {
	switch len(orders) {
	case 0:
		return "its steps"
	case 1:
		return fmt.Sprintf("step %d", orders[0])
	}
	parts := make([]string, len(orders))
	for i, o := range orders {
		parts[i] = fmt.Sprint(o)
	}
	return "steps " + andList(parts)
}

// Rollback writes section 6, rollback and emergency containment, from the facts.
func Rollback(f *planner.Facts) *runbook.Rollback {
	// A credential killed at containment has nothing to roll back to, and
	// its production is restored before its lower environments: a failed
	// check is fixed forward, and the errors between its kill and its
	// restoration are expected, not a trigger (review18 C2).
	var back, forward []string
	for i := range f.Secrets {
		if s := &f.Secrets[i]; noRollback(s) {
			forward = append(forward, s.ID)
		} else {
			back = append(back, s.ID)
		}
	}
	rb := &runbook.Rollback{Steps: []runbook.RollbackStep{}, Containment: []string{}}
	switch {
	case len(forward) == 0:
		rb.Triggers = []string{
			signals(f) + " above baseline for 5 minutes after a deploy or switch",
			"a health or error-rate alert within 30 minutes of a step",
			"any failed check (in a lower environment: stop before production)",
		}
	case len(back) == 0:
		expected := ""
		if killedAtContainment(f, forward) {
			expected = " (between a kill at containment and that secret's production verify they are expected)"
		}
		rb.Triggers = []string{
			"never: no credential here has an old value to go back to (" + whyForward(f, forward) + "); a failed check stops that secret's work, which is fixed forward with another replacement",
			signals(f) + " above baseline for 5 minutes after a secret's production verify" + expected + ": fix forward, or take the consumer out of service",
		}
	default:
		never := "never for " + andList(forward) + ": " + whyForward(f, forward) + ", so a failed check is fixed forward with another replacement"
		if killedAtContainment(f, forward) {
			never += ", and errors between a kill at containment and that secret's production verify are expected"
		}
		rb.Triggers = []string{
			"only for " + andList(back) + ": " + signals(f) + " above baseline for 5 minutes after its deploy or switch, a health or error-rate alert within 30 minutes of its step, or a failed check of it (in a lower environment: stop before its production)",
			never,
		}
	}
	for _, s := range bySeverity(f) {
		rb.Steps = append(rb.Steps, runbook.RollbackStep{SecretID: s.ID, Step: rollbackStep(f, s), PossibleUntil: possibleUntil(f, s)})
	}
	switch {
	case f.Compromised():
		rb.Containment = append(rb.Containment,
			"Never roll back to an exposed credential: keep it dead and fix forward with another replacement.",
			"If a consumer cannot take the replacement quickly, take that consumer out of service rather than re-enabling the exposed credential.")
	case f.Trigger == runbook.TriggerOffboarding:
		rb.Containment = append(rb.Containment,
			"Before the departure deadline a failed check may roll back to the old credential (the person still works here); after it, never: the credentials they knew stay dead and a failure is fixed forward.")
	}
	if assessedUnderLeak(f) {
		// An internal exposure keeps its overlap only while nothing says
		// someone outside used it.
		rb.Containment = append(rb.Containment,
			"If the investigation finds misuse of a secret that is still live, or finds it public (in the leaked repository or anywhere else), it becomes revoke-first: contain it at once, ahead of all remaining work, and replace it after.")
	}
	rb.Containment = append(rb.Containment,
		"A new credential exposed during the rotation (pasted in chat, logged) is killed, and that secret restarts at its create step.")
	if len(back) > 0 {
		who := ""
		if len(forward) > 0 {
			who = " of " + andList(back)
		}
		rb.Containment = append(rb.Containment,
			"A failed rotation"+who+" leaves the old credential working and raises an alert in "+channel(f)+"; never leave a secret half-rotated overnight; retry within 7 days.")
	}
	if len(forward) > 0 {
		rb.Containment = append(rb.Containment,
			"A failed restoration of "+andList(forward)+" is fixed forward at once (another replacement, redeploy) and raised in "+channel(f)+": the old credential stays dead, and production is never left without a working credential overnight.")
	}
	return rb
}

// whyForward says why the secrets have no old value to go back to, as the
// plan has it: killed at containment, retired, or exposed and killed once
// production runs on the replacement (never brought back).
func whyForward(f *planner.Facts, ids []string) string {
	var contained, retired, exposed bool
	for _, id := range ids {
		s := f.SecretByID(id)
		switch {
		case s == nil:
		case s.RetireOnly:
			retired = true
		case s.Strategy == runbook.StrategyRevokeFirst:
			contained = true
		default:
			exposed = true
		}
	}
	var why []string
	if contained {
		why = append(why, "killed at containment")
	}
	if retired {
		why = append(why, "retired")
	}
	if exposed {
		why = append(why, "exposed and killed once production runs on the replacement")
	}
	each := ""
	if len(ids) > 1 {
		each = "each is "
	}
	return each + strings.Join(why, ", or ")
}

// killedAtContainment reports whether one of the secrets is killed at
// containment: errors between its kill and its replacement's production
// verify are expected then, and no trigger.
func killedAtContainment(f *planner.Facts, ids []string) bool {
	for _, id := range ids {
		if s := f.SecretByID(id); s != nil && s.Strategy == runbook.StrategyRevokeFirst && !s.RetireOnly {
			return true
		}
	}
	return false
}

// assessedUnderLeak reports whether an incident keeps a secret live while
// it is investigated (an internal exposure with its overlap).
func assessedUnderLeak(f *planner.Facts) bool {
	for _, s := range f.Secrets {
		if s.Phases != nil && runbook.OneOf(s.Phases, runbook.PhaseInvestigate) && !s.Exposed && s.Strategy != runbook.StrategyRevokeFirst {
			return true
		}
	}
	return false
}

// noRollback reports whether a secret has no old credential to go back to:
// killed at containment, retired, or exposed and never restored.
func noRollback(s *planner.Secret) bool {
	return s.RetireOnly || s.Strategy == runbook.StrategyRevokeFirst || s.NeverRestored()
}

func rollbackStep(f *planner.Facts, s *planner.Secret) string {
	c := sc{f: f, s: s, env: planner.AllEnvironments}
	switch {
	case s.RetireOnly:
		return "No rollback: the credential is retired. If a service turns out to depend on it, issue that service its own credential."
	case s.Strategy == runbook.StrategyRevokeFirst:
		return "No rollback to the exposed credential: fix forward by issuing another replacement and redeploying."
	case s.NeverRestored():
		return "No rollback to the exposed credential, even before its revoke step: if the new one fails, fix forward (create another as in the create step, store and redeploy); a consumer that cannot take it goes out of service rather than back to the exposed one."
	case !s.Strategy.HasOverlap():
		return "No rollback once rotated: fix forward with a new rotation; before the create step, stop and keep the old value."
	}
	return upperFirst(sentence(c.rollbackText()))
}

// stepsOf lists the order numbers of a secret's steps in a phase.
func stepsOf(f *planner.Facts, id string, p runbook.Phase) string {
	var n []string
	for _, st := range f.Steps {
		if st.SecretID == id && st.Phase == p {
			n = append(n, fmt.Sprint(st.Order))
		}
	}
	if len(n) == 1 {
		return "step " + n[0]
	}
	return "steps " + andList(n)
}

// killSteps lists the steps that kill the secrets' old credentials.
func killSteps(f *planner.Facts, ids ...string) string {
	var n []int
	for _, st := range f.Steps {
		if runbook.OneOf(ids, st.SecretID) && (st.Kill || st.Phase == runbook.PhaseContain) {
			n = append(n, st.Order)
		}
	}
	return stepRefs(n)
}

func possibleUntil(f *planner.Facts, s *planner.Secret) string {
	c := sc{f: f, s: s, env: planner.AllEnvironments}
	switch {
	case s.Strategy == runbook.StrategyRevokeFirst && s.NeverRestored():
		return "not possible: the exposed credential is killed at containment (" + stepsOf(f, s.ID, runbook.PhaseContain) + ")"
	case s.Strategy == runbook.StrategyRevokeFirst:
		return "not possible: the old credential is killed at containment (" + stepsOf(f, s.ID, runbook.PhaseContain) + ")"
	case s.NeverRestored():
		// Every kill, in every environment: a lower environment's copy may
		// die at containment, production's after its replacement.
		return "not possible: the old credential is exposed and is killed at " + killSteps(f, s.ID)
	case !s.Strategy.HasOverlap():
		return "until the create step (" + stepsOf(f, s.ID, runbook.PhaseCreate) + "); after it, only fixing forward"
	}
	return c.fill(c.actions().RollbackUntil) + " (" + stepsOf(f, s.ID, runbook.PhaseRevoke) + ")"
}

// exposedClause names the exposed credentials that are killed regardless of
// what the request asks.
func exposedClause(f *planner.Facts) string {
	var ids []string
	for _, s := range f.LeakedIn(nil) {
		ids = append(ids, s.ID)
	}
	if len(ids) == 0 {
		return ""
	}
	return " (the exposed " + andList(ids) + " " + isAre(len(ids)) + " killed now)"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}
