package lint

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// AllEnvironments is the environment of a step that covers every environment.
const AllEnvironments = "all"

const (
	inv  = runbook.SectionInventory
	tri  = runbook.SectionRiskTriage
	pre  = runbook.SectionPreflight
	seq  = runbook.SectionRotationSequence
	val  = runbook.SectionValidation
	rbk  = runbook.SectionRollback
	icom = runbook.SectionInternalComms
	xcom = runbook.SectionExternalComms
	aud  = runbook.SectionAuditEvidence
	auto = runbook.SectionAutomation
)

var (
	reloadRE    = regexp.MustCompile(`(?i)restart|redeploy|re-deploy|reload|roll ?out|rebuild|re-?read|publish|re-run|rerun|cold start|refresh`)
	disableRE   = regexp.MustCompile(`(?i)deactivat|disabl|inactive|expir|quiet|promote|discard|nologin|password null|after`)
	waitRE      = regexp.MustCompile(`(?i)wait|propagat|seconds|minute`)
	derivedRE   = regexp.MustCompile(`(?i)tokenissuetime|session|child|lease|grant|refresh token|access tokens?|already issued|minted|\bcreated\b|\badded\b|subaccount|oauth app|installation|deploy key|\bsas\b`)
	grantsRE    = regexp.MustCompile(`(?i)grant|(identical|same) (roles|privileges|permissions)`)
	impactRE    = regexp.MustCompile(`(?i)impact`)
	contactRE   = regexp.MustCompile(`(?i)contact|escalate|owner`)
	startTimeRE = regexp.MustCompile(`(?i)start|\d{1,2}:\d{2}|now`)
)

// everySection lists the ten sections: what a rule that reads every
// section (Rule.Reads) reads.
func everySection() []runbook.SectionID {
	out := make([]runbook.SectionID, 0, len(section.All))
	for _, s := range section.All {
		out = append(out, s.ID())
	}
	return out
}

func rules() []Rule {
	return []Rule{
		{ID: "sections-complete", Reads: everySection(), Severity: runbook.SeverityWarning, Doc: "all ten sections are present", check: sectionsComplete},
		{ID: "sentence-answered", Severity: runbook.SeverityError, Doc: "every constraint and note changed the plan or is raised as an open item", check: sentenceAnswered},
		{ID: "valid-vocabulary", Reads: everySection(), Severity: runbook.SeverityError, Doc: "kinds, strategies, risks, priorities, phases and audiences use the contract's values", check: validVocabulary},
		{ID: "known-secret-ids", Reads: everySection(), Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv},
			Doc: "every secret id a section refers to is in the inventory", check: knownSecretIDs},
		{ID: "secret-has-steps", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq},
			Doc: "every secret is replaced (create) or retired (contain), and verified, in the rotation sequence", check: secretHasSteps},
		{ID: "secret-triaged", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, tri},
			Doc: "every secret has a risk-triage item", check: secretTriaged},
		{ID: "step-order-numbering", Severity: runbook.SeverityError, Sections: []runbook.SectionID{seq},
			Doc: "steps are numbered 1..n, strictly increasing through the tracks", check: stepNumbering},
		{ID: "phase-order", Severity: runbook.SeverityError, Sections: []runbook.SectionID{seq},
			Doc: "per secret and environment, phases follow freeze, contain, investigate, create, store, deploy, switch, verify, revoke, cleanup, unfreeze (rule 1: never edit a live credential in place)", check: phaseOrder},
		{ID: "lower-env-first", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq},
			Doc: "lower environments are verified before production is deployed or switched (rule 5)", check: lowerEnvFirst},
		{ID: "revoke-after-verify", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq},
			Doc: "the old credential is revoked only after production verification (rule 4)", check: revokeAfterVerify},
		{ID: "leak-contained-first", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq},
			Doc: "a revoke-first secret starts with containment (rule 6)", check: leakContainedFirst},
		{ID: "old-credential-killed", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq},
			Doc: "every old credential ends dead in every environment: a revoke step (or, revoked first, a contain step) revokes, deletes, expires, destroys or disables it; a key only after re-encryption is verified (rules 4, 7, 16)", check: oldCredentialKilled},
		{ID: "exposed-killed-first", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, tri, seq},
			Doc: "on a leak, breach or offboarding an exposed credential is killed before it is investigated and without waiting for a maintenance window (rule 6)", check: exposedKilledFirst},
		{ID: "killed-before-other-work", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, tri, seq},
			Doc: "a credential exposed publicly or to a third party is dead in every environment before any lower-environment step and any other secret's work (another exposed credential's replacement too); only other kills and its own production replacement (at most 5 steps) may come first (rule 6)", check: killedBeforeOtherWork},
		{ID: "no-step-on-killed-credential", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq},
			Doc: "no step relies on a credential killed before it: a redeploy through the pipeline that renders a workload's spec comes after the deploy pipeline's credentials killed in that environment are stored again (rules 6, 12)", check: noStepOnKilled},
		{ID: "production-restored-first", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq},
			Doc: "a credential killed in production before its replacement runs there (revoked first) is restored in production before any lower-environment work and before the investigation: the kill already took production down, and rule 5's lower environment first protects a working production only (rules 5, 6)", check: productionRestoredFirst},
		{ID: "planned-keeps-overlap", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, tri, seq},
			Doc: "planned work (scheduled, compliance, an offboarding whose deadline leaves time) never kills a credential before production runs on its replacement when the provider allows an overlap and services use it (rule 6)", check: plannedKeepsOverlap},
		{ID: "time-to-kill-shown", Severity: runbook.SeverityWarning, Sections: []runbook.SectionID{inv, tri, seq},
			Doc: "every step that kills an exposed credential has its planned time in time_to_kill, and every entry there names such a step", check: timeToKillShown},
		{ID: "checks-without-side-effects", Reads: []runbook.SectionID{val}, Severity: runbook.SeverityError, Sections: []runbook.SectionID{seq},
			Doc: "no production check pages the on-call, publishes, deploys or reaches a customer when an effect-free check exists (npm whoami, docker login, aws sts get-caller-identity, sentry-cli info, dbt debug, a change event, a synthetic event), and under a release freeze no step re-runs a publish or deploy pipeline (rules 19, 20)", check: checksWithoutSideEffects},
		{ID: "no-rollback-to-exposed", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, tri, seq, rbk},
			Doc: "an exposed credential is never restored: its rollback fixes forward, and no step keeps a copy of it for rollback (_PREVIOUS, an exported old value)", check: noRollbackToExposed},
		{ID: "exposure-investigated", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, tri, seq},
			Doc: "usage during the exposure window is reviewed (rule 9)", check: exposureInvestigated},
		{ID: "person-access-first", Severity: runbook.SeverityError, Sections: []runbook.SectionID{seq},
			Doc: "an offboarding first removes the person's sign-in and own access, before any other step (rule 16)", check: personAccessFirst},
		{ID: "own-product-commands", Reads: []runbook.SectionID{val, rbk}, Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv},
			Doc: "a secret's steps, checks and rollback use only commands of its own product and store", check: ownProductCommands},
		{ID: "no-step-in-blackout", Severity: runbook.SeverityError, Sections: []runbook.SectionID{seq},
			Doc: "no production step is scheduled or written for a time inside a blackout; deadlines are not windows", check: noStepInBlackout},
		{ID: "next-name-read", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq},
			Doc: "a value stored under a new name (_NEXT) is read by every consumer through a deploy step that says so", check: nextNameRead},
		{ID: "derived-credentials-revoked", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, tri, seq},
			Doc: "sessions, child tokens, leases and grants derived from an exposed cloud, Vault, GitHub or OAuth credential are killed (rule 8)", check: derivedRevoked},
		{ID: "consumers-reload", Severity: runbook.SeverityError, Sections: []runbook.SectionID{seq},
			Doc: "every deploy step makes consumers re-read the secret: restart, redeploy, reload or rebuild (rule 12)", check: consumersReload},
		{ID: "consumer-coverage", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, seq, val},
			Doc: "every consumer of every secret in every environment is deployed and validated", check: consumerCoverage},
		{ID: "environment-validated", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, val},
			Doc: "every environment has validation checks for every secret it holds", check: environmentValidated},
		{ID: "rollback-for-high-risk", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, rbk},
			Doc: "every high-risk or no-overlap secret has a rollback step saying until when rollback is possible", check: rollbackForHighRisk},
		{ID: "containment-waits-for-no-approval", Severity: runbook.SeverityError, Sections: []runbook.SectionID{pre, seq},
			Doc: "no approval is needed before the first step of a runbook that contains an exposed credential, nor before the first step of a secret killed at containment: containment never waits for a sign-off; approvers are told at T0 and approve what follows the restoration of production (rule 6)", check: containmentWaitsForNoApproval},
		{ID: "approvals-for-high-risk", Severity: runbook.SeverityError, Sections: []runbook.SectionID{inv, pre},
			Doc: "high-risk, P0/P1 and revoke-first secrets are covered by a named approval", check: approvalsForHighRisk},
		{ID: "external-comms-consistent", Severity: runbook.SeverityError, Sections: []runbook.SectionID{xcom},
			Doc: "customer/vendor communication marked applicable has at least one message", check: externalConsistent},
		{ID: "no-secret-values", Reads: everySection(), Severity: runbook.SeverityError,
			Doc: "no section contains a secret-looking value (rule 15: audit every step, never the value)", check: noSecretValues},
		{ID: "disable-before-delete", Severity: runbook.SeverityWarning, Sections: []runbook.SectionID{seq},
			Doc: "old credentials are disabled before they are deleted, where the vendor allows it (rule 3)", check: disableBeforeDelete},
		{ID: "propagation-wait", Severity: runbook.SeverityWarning, Sections: []runbook.SectionID{inv, seq},
			Doc: "credentials whose catalogue entry has a propagation delay (Twilio auth token, Auth0) wait before verifying (rule 13)", check: propagationWait},
		{ID: "alternating-users-grants", Severity: runbook.SeverityWarning, Sections: []runbook.SectionID{inv, pre},
			Doc: "alternating-users pairs are checked for identical grants before rotating (rule 10)", check: alternatingGrants},
		{ID: "say-it-once", Severity: runbook.SeverityWarning, Sections: []runbook.SectionID{seq, pre, val, rbk, icom, xcom, aud, auto},
			Doc: "no sentence of 12 words or more is said twice (a step's twin in another environment aside): a repeated procedure is printed once and referred to", check: sayItOnce},
		{ID: "comms-audiences", Severity: runbook.SeverityWarning, Sections: []runbook.SectionID{icom},
			Doc: "internal communication covers engineering, support and (unless the rotation is routine) leadership", check: commsAudiences},
		{ID: "comms-essentials", Severity: runbook.SeverityWarning, Sections: []runbook.SectionID{icom},
			Doc: "the engineering message carries the start time, expected impact, a channel to watch and a contact", check: commsEssentials},
		{ID: "audit-coverage", Severity: runbook.SeverityWarning, Sections: []runbook.SectionID{inv, aud},
			Doc: "every secret has audit evidence", check: auditCoverage},
	}
}

func sectionsComplete(c *context) []finding {
	var out []finding
	for _, s := range section.All {
		if !s.Present(&c.rb.Sections) {
			out = append(out, finding{section: s.ID(), message: fmt.Sprintf("section %s is absent", s.ID())})
		}
	}
	return out
}

func validVocabulary(c *context) []finding {
	var out []finding
	bad := func(sec runbook.SectionID, what, got string) {
		out = append(out, finding{section: sec, message: fmt.Sprintf("%s %q is not a known value", what, got)})
	}
	s := c.rb.Sections
	if s.Inventory != nil {
		for _, x := range s.Inventory.Secrets {
			if !runbook.OneOf(runbook.Kinds, x.Kind) {
				bad(inv, "kind", string(x.Kind))
			}
			if !runbook.OneOf(runbook.Strategies, x.Strategy) {
				bad(inv, "strategy", string(x.Strategy))
			}
			if !runbook.OneOf(runbook.Levels, x.RotationRisk) {
				bad(inv, "rotation_risk", string(x.RotationRisk))
			}
		}
	}
	if s.RiskTriage != nil {
		for _, x := range s.RiskTriage.Items {
			if !runbook.OneOf(runbook.Priorities, x.Priority) {
				bad(tri, "priority", string(x.Priority))
			}
			if !runbook.OneOf(runbook.Exposures, x.Exposure) {
				bad(tri, "exposure", string(x.Exposure))
			}
			if x.Score < 0 || x.Score > 100 {
				bad(tri, "score", fmt.Sprint(x.Score))
			}
		}
	}
	for _, st := range c.steps {
		if !runbook.OneOf(runbook.Phases, st.Phase) {
			bad(seq, "phase", string(st.Phase))
		}
	}
	if s.InternalComms != nil {
		for _, m := range s.InternalComms.Messages {
			if !runbook.OneOf([]runbook.Audience{runbook.AudienceEngineering, runbook.AudienceSupport, runbook.AudienceLeadership}, m.Audience) {
				bad(icom, "internal audience", string(m.Audience))
			}
		}
	}
	if s.ExternalComms != nil {
		for _, m := range s.ExternalComms.Messages {
			if m.Audience != runbook.AudienceCustomer && m.Audience != runbook.AudienceVendor {
				bad(xcom, "external audience", string(m.Audience))
			}
		}
	}
	return out
}

func knownSecretIDs(c *context) []finding {
	var out []finding
	check := func(sec runbook.SectionID, id string, optional bool) {
		if id == "" && optional {
			return
		}
		if _, ok := c.secrets[id]; !ok {
			out = append(out, finding{section: sec, secretID: id, message: fmt.Sprintf("refers to secret id %q, which is not in the inventory", id)})
		}
	}
	s := c.rb.Sections
	for _, d := range s.Inventory.Dependencies {
		check(inv, d.SecretID, false)
	}
	if s.RiskTriage != nil {
		for _, t := range s.RiskTriage.Items {
			check(tri, t.SecretID, false)
		}
	}
	if s.Preflight != nil {
		for _, a := range s.Preflight.Approvals {
			for _, id := range a.Secrets {
				check(pre, id, false)
			}
		}
	}
	for _, st := range c.steps {
		// Freezes and a departing person's access concern no one secret.
		whole := st.Phase == runbook.PhaseFreeze || st.Phase == runbook.PhaseUnfreeze || st.Phase == runbook.PhaseContain
		check(seq, st.SecretID, whole)
	}
	if s.Validation != nil {
		for _, e := range s.Validation.Environments {
			for _, ch := range e.Checks {
				check(val, ch.SecretID, true)
			}
		}
	}
	if s.Rollback != nil {
		for _, r := range s.Rollback.Steps {
			check(rbk, r.SecretID, false)
		}
	}
	if s.AuditEvidence != nil {
		for _, a := range s.AuditEvidence.Items {
			check(aud, a.SecretID, true)
		}
	}
	if s.Automation != nil {
		for _, o := range s.Automation.Opportunities {
			for _, id := range o.SecretIDs {
				check(auto, id, false)
			}
		}
	}
	return out
}

func secretHasSteps(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		has := map[runbook.Phase]bool{}
		for _, st := range c.bySecret[id] {
			has[st.Phase] = true
		}
		if !has[runbook.PhaseCreate] && !has[runbook.PhaseContain] {
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("secret %s is neither replaced (no create step) nor retired (no contain step)", id)})
		}
		if !has[runbook.PhaseVerify] {
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("secret %s has no verify step", id)})
		}
	}
	return out
}

func secretTriaged(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		if _, ok := c.triage[id]; !ok {
			out = append(out, finding{section: tri, secretID: id, message: fmt.Sprintf("secret %s has no risk-triage item", id)})
		}
	}
	return out
}

func stepNumbering(c *context) []finding {
	var out []finding
	prev := 0
	for _, st := range c.rb.Sections.RotationSequence.AllSteps() {
		if st.Order <= prev {
			out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d follows step %d: numbers must increase through the tracks", st.Order, prev)})
		}
		prev = st.Order
	}
	if all := c.rb.Sections.RotationSequence.AllSteps(); len(all) > 0 && all[0].Order != 1 {
		out = append(out, finding{section: seq, message: fmt.Sprintf("the first step is numbered %d, not 1", all[0].Order)})
	}
	return out
}

func envOverlap(a, b string) bool { return a == b || a == AllEnvironments || b == AllEnvironments }

func phaseOrder(c *context) []finding {
	var out []finding
	for _, id := range c.stepSecretIDs() {
		steps := c.bySecret[id]
		for j, later := range steps {
			for _, earlier := range steps[:j] {
				if envOverlap(earlier.Environment, later.Environment) && later.Phase.Rank() < earlier.Phase.Rank() && later.Phase.Rank() >= 0 && !floats(earlier.Phase, later.Phase) {
					out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d (%s, %s) comes after step %d (%s, %s): %s must come before %s",
						later.Order, later.Phase, later.Environment, earlier.Order, earlier.Phase, earlier.Environment, later.Phase, earlier.Phase)})
					break
				}
			}
		}
	}
	return out
}

// floats reports whether two phases may come in either order: an
// investigation may follow the rotation of an exposed credential (it must
// be dead first), but never precede its containment.
func floats(earlier, later runbook.Phase) bool {
	return (earlier == runbook.PhaseInvestigate && later != runbook.PhaseContain) ||
		(later == runbook.PhaseInvestigate && earlier != runbook.PhaseContain)
}

// stepSecretIDs lists the secret ids of the steps: inventory order first, then
// ids the inventory does not know, sorted.
func (c *context) stepSecretIDs() []string {
	out := append([]string(nil), c.ids...)
	var extra []string
	for id := range c.bySecret {
		if _, ok := c.secrets[id]; !ok {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func lowerEnvFirst(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		if c.leaked(id) || c.killedBeforeProduction(id) != nil {
			// Exposed outside the company: production is replaced first and
			// nothing in a lower environment comes before the kill (rule 6
			// overrides rule 5; killed-before-other-work checks it). Killed
			// in production before its replacement: production is down and
			// is restored first (production-restored-first checks it).
			continue
		}
		envs := c.secrets[id].Environments
		var lower []string
		for _, e := range envs {
			if !runbook.IsProduction(e) {
				lower = append(lower, e)
			}
		}
		for _, st := range c.bySecret[id] {
			if !runbook.IsProduction(st.Environment) || (st.Phase != runbook.PhaseDeploy && st.Phase != runbook.PhaseSwitch) {
				continue
			}
			for _, e := range lower {
				if !c.hasStepBefore(id, runbook.PhaseVerify, e, st.Order) {
					out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d (%s in %s) comes before %s is verified in %s", st.Order, st.Phase, st.Environment, id, e)})
				}
			}
		}
	}
	return out
}

func (c *context) hasStepBefore(id string, p runbook.Phase, env string, order int) bool {
	for _, st := range c.bySecret[id] {
		if st.Phase == p && st.Order < order && (env == "" || envOverlap(st.Environment, env)) {
			return true
		}
	}
	return false
}

func revokeAfterVerify(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		var prodEnvs []string
		for _, e := range c.secrets[id].Environments {
			if runbook.IsProduction(e) {
				prodEnvs = append(prodEnvs, e)
			}
		}
		if len(prodEnvs) == 0 {
			prodEnvs = c.secrets[id].Environments
		}
		for _, st := range c.bySecret[id] {
			if st.Phase != runbook.PhaseRevoke {
				continue
			}
			for _, e := range prodEnvs {
				if !c.hasStepBefore(id, runbook.PhaseVerify, e, st.Order) {
					out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d revokes the old %s before it is verified in %s", st.Order, id, e)})
				}
			}
		}
	}
	return out
}

func leakContainedFirst(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		if c.secrets[id].Strategy != runbook.StrategyRevokeFirst {
			continue
		}
		steps := c.bySecret[id]
		if len(steps) == 0 {
			continue // secret-has-steps reports it
		}
		if steps[0].Phase != runbook.PhaseContain {
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s is revoked first, but its first step (%d) is %s, not contain", id, steps[0].Order, steps[0].Phase)})
		}
	}
	return out
}

func exposureInvestigated(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		if !c.suspected(id) && !c.exposedNow(id) {
			continue
		}
		found := false
		for _, st := range c.bySecret[id] {
			found = found || st.Phase == runbook.PhaseInvestigate
		}
		if !found {
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s may have been exposed but nothing reviews its use during the exposure window", id)})
		}
	}
	return out
}

func derivedRevoked(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		s := c.secrets[id]
		if !c.exposed(id) {
			continue
		}
		// Relevant where the catalogue knows of derived credentials, and
		// for any OAuth client (its grants and refresh tokens).
		e := entryOf(s)
		if (e == nil || e.Actions.Derived == "") && s.Kind != runbook.KindOAuthClientSecret {
			continue
		}
		found := false
		for _, st := range c.bySecret[id] {
			if (st.Phase == runbook.PhaseContain || st.Phase == runbook.PhaseInvestigate || st.Phase == runbook.PhaseRevoke) && derivedRE.MatchString(st.Action) {
				found = true
			}
		}
		if !found {
			out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("%s is exposed: the steps that kill it must also kill what was derived from it (sessions, child tokens, leases, OAuth grants)", id)})
		}
	}
	return out
}

func consumersReload(c *context) []finding {
	var out []finding
	for _, st := range c.steps {
		if st.Phase == runbook.PhaseDeploy && !reloadRE.MatchString(st.Action) {
			out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("deploy step %d does not say how consumers re-read the secret (restart, redeploy, reload, rebuild)", st.Order)})
		}
	}
	return out
}

func consumerCoverage(c *context) []finding {
	var out []finding
	checks := map[string][]runbook.Check{}
	for _, e := range c.rb.Sections.Validation.Environments {
		checks[e.Environment] = append(checks[e.Environment], e.Checks...)
	}
	for _, d := range c.rb.Sections.Inventory.Dependencies {
		deployed := false
		for _, st := range c.bySecret[d.SecretID] {
			if !envOverlap(st.Environment, d.Environment) || !runbook.OneOf(st.Consumers, d.Consumer) {
				continue
			}
			// A signer is rolled out at the switch, after its verifiers.
			if st.Phase == runbook.PhaseDeploy || (st.Phase == runbook.PhaseSwitch && reloadRE.MatchString(st.Action)) {
				deployed = true
				break
			}
		}
		if !deployed {
			out = append(out, finding{section: seq, secretID: d.SecretID, message: fmt.Sprintf("no deploy step in %s lists consumer %s of %s", d.Environment, d.Consumer, d.SecretID)})
		}
		validated := false
		for _, ch := range checks[d.Environment] {
			if ch.SecretID == d.SecretID && runbook.OneOf(consumerList(ch.Consumer), d.Consumer) {
				validated = true
			}
		}
		if !validated {
			out = append(out, finding{section: val, secretID: d.SecretID, message: fmt.Sprintf("no validation check in %s for consumer %s of %s", d.Environment, d.Consumer, d.SecretID)})
		}
	}
	return out
}

// consumerList splits a check's consumer field: one name, or several
// separated by commas.
func consumerList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func environmentValidated(c *context) []finding {
	var out []finding
	checked := map[string]map[string]bool{}
	for _, e := range c.rb.Sections.Validation.Environments {
		if checked[e.Environment] == nil {
			checked[e.Environment] = map[string]bool{}
		}
		for _, ch := range e.Checks {
			checked[e.Environment][ch.SecretID] = true
		}
	}
	for _, id := range c.ids {
		for _, e := range c.secrets[id].Environments {
			if checked[e] == nil {
				out = append(out, finding{section: val, secretID: id, message: fmt.Sprintf("environment %s has no validation checks", e)})
				checked[e] = map[string]bool{"\x00reported": true}
				continue
			}
			if checked[e]["\x00reported"] {
				continue
			}
			if !checked[e][id] {
				out = append(out, finding{section: val, secretID: id, message: fmt.Sprintf("environment %s has no validation check for %s", e, id)})
			}
		}
	}
	return out
}

func rollbackForHighRisk(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		s := c.secrets[id]
		if s.RotationRisk != runbook.LevelHigh && s.Strategy.HasOverlap() {
			continue
		}
		ok := false
		for _, r := range c.rb.Sections.Rollback.Steps {
			if r.SecretID == id && strings.TrimSpace(r.Step) != "" && strings.TrimSpace(r.PossibleUntil) != "" {
				ok = true
			}
		}
		if !ok {
			out = append(out, finding{section: rbk, secretID: id, message: fmt.Sprintf("%s is high risk or has no overlap: it needs a rollback step saying until when rollback is possible", id)})
		}
	}
	return out
}

// containmentWaitsForNoApproval: an approval needed before the first step
// (of the work, or of a secret killed at containment) holds the kill of an
// exposed credential, while the checklist says containment waits for no
// change approval (review18 C1).
func containmentWaitsForNoApproval(c *context) []finding {
	if c.rb.Sections.Preflight == nil {
		return nil
	}
	contained := map[string]bool{}
	first := 0
	for _, st := range c.steps {
		if st.Phase == runbook.PhaseContain {
			contained[st.SecretID] = true
			if first == 0 {
				first = st.Order
			}
		}
	}
	if first == 0 {
		return nil
	}
	var out []finding
	for _, a := range c.rb.Sections.Preflight.Approvals {
		if !a.HoldsStart() || a.IsRequestedGo() {
			// A go the request itself demands before the kill is asked
			// at once and holds it (review17-cold5 P5).
			continue
		}
		var held []string
		for _, id := range a.Secrets {
			if contained[id] {
				held = append(held, id)
			}
		}
		if len(a.Secrets) == 0 || len(held) > 0 {
			what := "the whole runbook"
			if len(held) > 0 {
				what = strings.Join(held, ", ")
			}
			out = append(out, finding{section: pre, message: fmt.Sprintf("%s's approval is needed before %q of %s, but step %d contains an exposed credential: containment never waits for a sign-off (tell %s at T0; approve what follows the restoration of production)",
				a.Approver, a.Before, what, first, a.Approver)})
		}
	}
	return out
}

func approvalsForHighRisk(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		s := c.secrets[id]
		t := c.triage[id]
		if s.RotationRisk != runbook.LevelHigh && s.Strategy != runbook.StrategyRevokeFirst && t.Priority != runbook.P0 && t.Priority != runbook.P1 {
			continue
		}
		ok := false
		for _, a := range c.rb.Sections.Preflight.Approvals {
			if strings.TrimSpace(a.Approver) != "" && (len(a.Secrets) == 0 || runbook.OneOf(a.Secrets, id)) {
				ok = true
			}
		}
		if !ok {
			out = append(out, finding{section: pre, secretID: id, message: fmt.Sprintf("%s is high risk, P0/P1 or revoked first, but no named approval covers it", id)})
		}
	}
	return out
}

func externalConsistent(c *context) []finding {
	x := c.rb.Sections.ExternalComms
	if x.Applicable && len(x.Messages) == 0 {
		return []finding{{section: xcom, message: "marked applicable but has no message"}}
	}
	if strings.TrimSpace(x.Reason) == "" {
		return []finding{{section: xcom, message: "says nothing about why customer/vendor communication is or is not needed"}}
	}
	return nil
}

func noSecretValues(c *context) []finding {
	var out []finding
	for _, s := range section.All {
		id := s.ID()
		if c.scan == nil || (c.only != nil && !runbook.OneOf(c.only, id)) || (c.screens != "" && id != c.screens) {
			continue
		}
		for _, h := range s.Scan(&c.rb.Sections, c.scan.ScanRefusing) {
			if h.Refuse {
				out = append(out, finding{section: id, message: fmt.Sprintf("%s looks like a live secret (rule %s): runbooks carry ids and placeholders, never values", h.Path, h.Rule)})
			}
		}
	}
	return out
}

func disableBeforeDelete(c *context) []finding {
	var out []finding
	for _, st := range c.steps {
		if st.Phase != runbook.PhaseRevoke || !strings.Contains(strings.ToLower(st.Action), "delete") || disableRE.MatchString(st.Action) {
			continue
		}
		// Only where the vendor allows disabling: its catalogue entry says so.
		if s, ok := c.secrets[st.SecretID]; ok {
			if e := entryOf(s); e != nil && !disableRE.MatchString(e.Actions.Invalidate) {
				continue
			}
		}
		out = append(out, finding{section: seq, secretID: st.SecretID, message: fmt.Sprintf("step %d deletes the old credential without disabling it first or waiting for a quiet period", st.Order)})
	}
	return out
}

func propagationWait(c *context) []finding {
	var out []finding
	for _, id := range c.ids {
		// The catalogue entry says whether the provider propagates a new
		// credential with a delay (Twilio auth tokens ~1 min, Auth0 ~30 s).
		if e := entryOf(c.secrets[id]); e == nil || e.PropagationSeconds == 0 {
			continue
		}
		for _, st := range c.bySecret[id] {
			if st.Phase == runbook.PhaseVerify && !waitRE.MatchString(st.Action+" "+st.Verify) {
				out = append(out, finding{section: seq, secretID: id, message: fmt.Sprintf("step %d verifies %s without waiting out propagation", st.Order, id)})
			}
		}
	}
	return out
}

func alternatingGrants(c *context) []finding {
	var out []finding
	text := strings.Join(c.rb.Sections.Preflight.Checklist, "\n")
	for _, id := range c.ids {
		if c.secrets[id].Strategy == runbook.StrategyAlternatingUsers && !grantsRE.MatchString(text) {
			out = append(out, finding{section: pre, secretID: id, message: fmt.Sprintf("%s alternates users: the checklist should confirm both users have identical grants", id)})
		}
	}
	return out
}

func commsAudiences(c *context) []finding {
	var out []finding
	audiences := []runbook.Audience{runbook.AudienceEngineering, runbook.AudienceSupport, runbook.AudienceLeadership}
	if c.rb.Routine() {
		// A routine rotation needs no leadership email (ceremony follows risk).
		audiences = audiences[:2]
	}
	for _, a := range audiences {
		found := false
		for _, m := range c.rb.Sections.InternalComms.Messages {
			if m.Audience == a {
				found = true
			}
		}
		if !found {
			out = append(out, finding{section: icom, message: fmt.Sprintf("no message for %s", a)})
		}
	}
	return out
}

func commsEssentials(c *context) []finding {
	for _, m := range c.rb.Sections.InternalComms.Messages {
		if m.Audience != runbook.AudienceEngineering {
			continue
		}
		text := m.Subject + " " + m.Body
		var missing []string
		if !startTimeRE.MatchString(text) {
			missing = append(missing, "start time")
		}
		if !impactRE.MatchString(text) {
			missing = append(missing, "expected impact")
		}
		if strings.TrimSpace(m.Channel) == "" && !strings.Contains(text, "#") {
			missing = append(missing, "channel to watch")
		}
		if !contactRE.MatchString(text) {
			missing = append(missing, "who to contact")
		}
		if len(missing) > 0 {
			return []finding{{section: icom, message: "the engineering message lacks: " + strings.Join(missing, ", ")}}
		}
	}
	return nil
}

func auditCoverage(c *context) []finding {
	var out []finding
	has := map[string]bool{}
	for _, a := range c.rb.Sections.AuditEvidence.Items {
		has[a.SecretID] = true
	}
	for _, id := range c.ids {
		if !has[id] && !has[""] {
			out = append(out, finding{section: aud, secretID: id, message: fmt.Sprintf("no audit evidence item for %s", id)})
		}
	}
	return out
}
