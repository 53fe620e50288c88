// Package writer writes runbook sections. The offline writer here needs nothing
// but the planner's facts: it is the default when no LLM is configured and the
// fallback when one fails, so every section it writes must pass the linter.
package writer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// OfflineModel names the offline writer's rules in a runbook's generator field.
const OfflineModel = "rotor-rules-v1"

// Offline writes sections from the facts alone. Its output depends only on the
// facts: same facts, same sections.
type Offline struct{}

// Section writes one section; the result is the section's pointer type.
func (Offline) Section(f *planner.Facts, id runbook.SectionID) (any, error) {
	switch id {
	case runbook.SectionInventory:
		return inventory(f), nil
	case runbook.SectionRiskTriage:
		return riskTriage(f), nil
	case runbook.SectionPreflight:
		return preflight(f), nil
	case runbook.SectionRotationSequence:
		return rotationSequence(f), nil
	case runbook.SectionValidation:
		return validation(f), nil
	case runbook.SectionRollback:
		return rollback(f), nil
	case runbook.SectionInternalComms:
		return internalComms(f), nil
	case runbook.SectionExternalComms:
		return externalComms(f), nil
	case runbook.SectionAuditEvidence:
		return auditEvidence(f), nil
	case runbook.SectionAutomation:
		return automation(f), nil
	}
	return nil, fmt.Errorf("writer: unknown section %q", id)
}

// channel is the coordination channel the comms and steps refer to.
func channel(f *planner.Facts) string { return "#secret-rotation-" + f.SystemSlug }

func action(f *planner.Facts, s *planner.Secret) string {
	when := ""
	if s.Window != "" {
		when = " in the " + s.Window
	}
	switch s.Strategy {
	case runbook.StrategyRevokeFirst:
		if s.RetireOnly {
			return "Revoke now; no replacement (the departing person's own credential)"
		}
		return "Revoke now, then issue and deploy a replacement"
	case runbook.StrategyHardCutover:
		if when == "" {
			when = " in a maintenance window"
		}
		return "Hard cutover" + when + ": rotate, store and redeploy back to back"
	case runbook.StrategyDualAccept:
		return "Deploy dual-secret verification, then switch the sender" + when + "; remove the old secret after 24 h"
	case runbook.StrategyAlternatingUsers:
		_, b := roleNames(s)
		return "Use dual credentials first: move consumers to the idle user " + b + " (alternating users)" + when + ", then retire the old password"
	case runbook.StrategyRekey:
		return "New key version for encryption; keep old versions to decrypt; re-encrypt before retiring"
	}
	if s.Compromise != planner.CompromiseNone {
		return "Contain, then rotate now with a second credential" + when
	}
	return "Rotate with a second credential" + when + "; revoke the old one after " + shortProof(s)
}

func shortProof(s *planner.Secret) string {
	switch {
	case s.Provider == "sendgrid":
		return "a test send"
	case s.Provider == "aws":
		return "key-last-used goes quiet"
	}
	return "verification"
}

func inventory(f *planner.Facts) *runbook.Inventory {
	inv := &runbook.Inventory{Secrets: []runbook.InventorySecret{}, Dependencies: []runbook.Dependency{}}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		var systems, storage []string
		for _, c := range s.Consumers {
			systems = append(systems, c.Name)
		}
		for _, e := range s.Environments {
			storage = append(storage, s.StorePaths[e])
		}
		if systems == nil {
			systems = []string{}
		}
		inv.Secrets = append(inv.Secrets, runbook.InventorySecret{
			ID: s.ID, Name: s.Name, Kind: s.Kind, Provider: providerLabel(s), Owner: s.Owner,
			Systems: systems, Storage: planner.StoreName(s.Store) + ": " + strings.Join(storage, "; "),
			Environments: s.Environments, RotationRisk: s.RotationRisk.Level, Strategy: s.Strategy,
			Action: action(f, s),
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

func riskTriage(f *planner.Facts) *runbook.RiskTriage {
	secrets := bySeverity(f)
	rt := &runbook.RiskTriage{Items: []runbook.TriageItem{}}
	for _, s := range secrets {
		rt.Items = append(rt.Items, runbook.TriageItem{
			SecretID: s.ID, Exposure: s.Exposure, BusinessImpact: s.BusinessImpact,
			Score: s.Urgency.Score, Priority: s.Urgency.Priority, RotationRisk: s.RotationRisk.Level,
			Rationale: fmt.Sprintf("Urgency %d (%s). Rotation risk %s (%s). Strategy: %s.",
				s.Urgency.Score, strings.Join(s.Urgency.Factors, ", "), s.RotationRisk.Level,
				strings.Join(s.RotationRisk.Factors, ", "), s.StrategyReason),
		})
	}
	return rt
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

func preflight(f *planner.Facts) *runbook.Preflight {
	p := &runbook.Preflight{Checklist: []string{}, Approvals: []runbook.Approval{}, BackupPlan: []string{}}
	add := func(format string, args ...any) { p.Checklist = append(p.Checklist, fmt.Sprintf(format, args...)) }
	if f.Compromised() {
		add("Open an incident ticket, name an incident lead from %s, and start a timeline (UTC) of every action below.", andList(f.Approvers))
		add("Keep a record of where each secret was exposed (URL, commit, ticket) for the investigation before removing the copy; never copy the value itself.")
	}
	switch {
	case f.Compromised():
		add("Open an emergency change linked to the incident, listing every secret and environment; containment does not wait for its approval.")
	case f.ChangeTicket:
		add("Get the change ticket approved (it must name every secret, environment and the rollback plan below) before the first step.")
	default:
		add("Open a change ticket listing every secret, environment and the rollback plan below.")
	}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if len(s.Consumers) == 0 {
			add("Find every consumer of %s before starting: %s. A missed dependency is the most common cause of a failed rotation.", s.Name, discoverHow(s))
		} else {
			add("Confirm %s is used only by %s in %s (%s); add any consumer you find to the inventory before starting.", s.Name, andList(consumerNames(s)), strings.Join(s.Environments, ", "), discoverHow(s))
		}
	}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		switch s.Strategy {
		case runbook.StrategyAlternatingUsers:
			a, b := roleNames(s)
			add("Check that %s and %s both exist with identical grants (compare %s and %s for both); create the missing one with the same grants before rotating %s.", code(a), code(b), code(`\du+`), code(`\dp`), s.Name)
			if managedRotation(s) {
				add("Check that %s has an alternating-users rotation function attached (%s shows RotationLambdaARN) and that the admin secret it uses to set passwords exists; without it, set %s's password by hand in psql instead.", code(s.StorePaths[s.Environments[0]]), code("aws secretsmanager describe-secret"), code(b))
			}
		case runbook.StrategyDualAccept:
			add("Check the webhook receivers of %s can verify against a list of secrets (current and %s); ship that code change first if they cannot.", s.Name, code(s.EnvVar+"_NEXT"))
		case runbook.StrategyRekey:
			add("List the data encrypted under %s and confirm consumers reference the key by alias or id, not a pinned version.", s.Name)
		case runbook.StrategyHardCutover:
			add("Book a window for %s (%s): it has no overlap, so store and redeploy must follow the rotation at once.", s.Name, orDefault(s.Window, "maintenance window"))
		}
		if s.Rule == "mysql-dual-password" {
			add("Confirm the MySQL server of %s is 8.0.14 or later (%s); if not, switch this secret to alternating users.", s.Name, code("SELECT VERSION()"))
		}
		if s.Legacy {
			add("Book a restart slot for the legacy consumer(s) of %s (%s): they re-read the value only at start-up.", s.Name, s.LegacyNote)
		}
		if s.Window != "" && s.Strategy != runbook.StrategyHardCutover {
			add("Book the %s for the production switch of %s and make sure its owner (%s) is on shift.", s.Window, s.Name, s.Owner)
		}
		if s.RateLimited {
			add("Plan the test calls for %s within %s rate limits: a handful per environment, spaced out.", s.Name, s.ProviderName)
		}
	}
	add("Confirm the operators have the access each step needs (provider console or API, %s write access, deploy rights for every consumer) and test it before the start; request missing access now.", planner.StoreName(f.SecretStore))
	add("Open the dashboards for authentication errors, signature failures and 5xx rates of every consumer, and note their baselines.")
	add("Post the engineering announcement in %s and brief support (templates in Internal communication).", channel(f))

	for _, a := range f.Approvers {
		var ids []string
		for i := range f.Secrets {
			if needsApproval(&f.Secrets[i]) {
				ids = append(ids, f.Secrets[i].ID)
			}
		}
		if len(ids) > 0 {
			p.Approvals = append(p.Approvals, runbook.Approval{Approver: a, Scope: "production steps of high-risk and P0/P1 secrets, and any revoke-first outage",
				Before: "the first production step", Secrets: ids})
		}
		p.Approvals = append(p.Approvals, runbook.Approval{Approver: a, Scope: "the change ticket and this runbook", Before: "the first step", Secrets: allIDs(f)})
	}
	owners := map[string][]string{}
	var ownerNames []string
	for _, s := range f.Secrets {
		if _, ok := owners[s.Owner]; !ok {
			ownerNames = append(ownerNames, s.Owner)
		}
		owners[s.Owner] = append(owners[s.Owner], s.ID)
	}
	for _, o := range ownerNames {
		p.Approvals = append(p.Approvals, runbook.Approval{Approver: o, Scope: "consumer list and rollout plan of the secrets they own", Before: "the first step of those secrets", Secrets: owners[o]})
	}

	for i := range f.Secrets {
		s := &f.Secrets[i]
		p.BackupPlan = append(p.BackupPlan, fmt.Sprintf("%s: rollback while possible: %s. %s", s.Name, s.RollbackWindow, backupHow(s)))
	}
	p.BackupPlan = append(p.BackupPlan, "Record the current version id of every secret in the store before the first step (ids only, never values).")
	overlap, revokeFirst := false, false
	for _, s := range f.Secrets {
		overlap = overlap || s.Strategy.HasOverlap()
		revokeFirst = revokeFirst || s.Strategy == runbook.StrategyRevokeFirst
	}
	if overlap {
		p.BackupPlan = append(p.BackupPlan, "For secrets that keep an overlap: if a lower environment fails verification, stop; production has not been touched and the old credential still works.")
	}
	if revokeFirst {
		p.BackupPlan = append(p.BackupPlan, "For revoke-first secrets: prepare the replacement in parallel with containment, never by delaying the revocation.")
	}
	return p
}

func backupHow(s *planner.Secret) string {
	switch s.Strategy {
	case runbook.StrategyRevokeFirst:
		return "There is no way back to the exposed value; the fallback is to redeploy the replacement faster, not to restore the old one."
	case runbook.StrategyHardCutover:
		return "Once rotated there is no way back; have the store write and the redeploy ready before rotating."
	case runbook.StrategyAlternatingUsers:
		a, _ := roleNames(s)
		return fmt.Sprintf("The previous user %s keeps its grants, and its password works until the revoke step.", a)
	case runbook.StrategyRekey:
		return "Old key versions stay enabled for decryption throughout."
	}
	return "The old credential stays active until the revoke step, and disabled (not deleted) for a while after it."
}

func discoverHow(s *planner.Secret) string {
	switch s.Provider {
	case "aws":
		return "CloudTrail events and " + code("aws iam get-access-key-last-used")
	case "postgres":
		a, _ := roleNames(s)
		return code(fmt.Sprintf("SELECT DISTINCT application_name, client_addr FROM pg_stat_activity WHERE usename = '%s'", a))
	case "stripe":
		if s.Kind == runbook.KindWebhookSecret {
			return "the endpoints listed under Dashboard > Developers > Webhooks and the services whose code verifies Stripe signatures"
		}
		return "the key's request log in the Stripe Dashboard"
	case "github":
		return "the token's last-used date and the organisation audit log"
	case "vault":
		return "the Vault audit log for the token or role"
	}
	return "the store's access log for " + s.EnvVar + ", a search of infrastructure code and CI variables, and " + s.ProviderName + "'s usage logs"
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

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func rotationSequence(f *planner.Facts) *runbook.RotationSequence {
	rs := &runbook.RotationSequence{Tracks: []runbook.Track{}}
	byTrack := map[string]int{}
	for _, t := range f.Tracks {
		byTrack[t.Name] = len(rs.Tracks)
		rs.Tracks = append(rs.Tracks, runbook.Track{Name: t.Name, Reason: t.Reason, Steps: []runbook.Step{}})
	}
	for _, st := range f.Steps {
		s := f.SecretByID(st.SecretID)
		c := sc{f: f, s: s, env: st.Environment}
		act, ver := stepText(c, st.Phase)
		consumers := []string{}
		switch st.Phase {
		case runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify, runbook.PhaseFreeze, runbook.PhaseUnfreeze:
			consumers = consumerNames(s)
		}
		t := &rs.Tracks[byTrack[st.Track]]
		t.Steps = append(t.Steps, runbook.Step{Order: st.Order, SecretID: s.ID, Environment: st.Environment, Phase: st.Phase,
			Action: act, Owner: stepOwner(f, s, st.Phase), Verify: ver, Consumers: consumers})
	}
	return rs
}

func validation(f *planner.Facts) *runbook.Validation {
	v := &runbook.Validation{Environments: []runbook.EnvValidation{}}
	for _, env := range f.Environments {
		ev := runbook.EnvValidation{Environment: env, Checks: []runbook.Check{}}
		for i := range f.Secrets {
			s := &f.Secrets[i]
			if !runbook.OneOf(s.Environments, env) {
				continue
			}
			c := sc{f: f, s: s, env: env}
			for _, k := range s.Consumers {
				ev.Checks = append(ev.Checks, runbook.Check{SecretID: s.ID, Consumer: k.Name,
					Check:    fmt.Sprintf("%s works on the new %s", k.Name, s.Name),
					Expected: "health checks green; no authentication or signature errors in its logs after the rollout",
					How:      consumerCheck(c, k)})
			}
			ev.Checks = append(ev.Checks, runbook.Check{SecretID: s.ID, Consumer: "",
				Check: "The new credential proves itself", Expected: "success on the first try", How: proofHow(c)})
			if runbook.IsProduction(env) {
				ev.Checks = append(ev.Checks, runbook.Check{SecretID: s.ID, Consumer: "",
					Check:    "No failures after the switch",
					Expected: fmt.Sprintf("no %s alerts for 30 minutes", failureSignal(s)),
					How:      "watch the dashboards opened in the pre-rotation checklist and " + channel(f)})
				if s.Strategy.HasOverlap() && s.Strategy != runbook.StrategyRekey {
					ev.Checks = append(ev.Checks, runbook.Check{SecretID: s.ID, Consumer: "",
						Check: "The old credential is no longer used", Expected: "no use since the deploy", How: quietCheck(c)})
				}
			}
		}
		v.Environments = append(v.Environments, ev)
	}
	auditCheck := runbook.Check{SecretID: "", Consumer: "", Check: "Evidence saved",
		Expected: "every item of the audit evidence checklist is in the evidence folder",
		How:      "tick the audit evidence checklist against the change ticket"}
	if n := len(v.Environments); n > 0 {
		last := &v.Environments[n-1]
		last.Checks = append(last.Checks, auditCheck)
	}
	return v
}

func failureSignal(s *planner.Secret) string {
	if s.Kind == runbook.KindWebhookSecret {
		return "signature mismatch"
	}
	return "authentication failure"
}

func consumerCheck(c sc, k planner.Consumer) string {
	s := c.s
	switch {
	case s.Kind == runbook.KindWebhookSecret:
		return fmt.Sprintf("%s processes a test event end to end (for example a test invoice webhook) and its signature-failure counter stays at 0", k.Name)
	case s.Kind == runbook.KindDatabasePassword:
		_, b := roleNames(s)
		return fmt.Sprintf("the health endpoint of %s is green and %s shows its connections as %s", k.Name, code("pg_stat_activity"), code(b))
	case s.Provider == "sendgrid":
		return fmt.Sprintf("%s sends a test email to an internal address and it is delivered", k.Name)
	}
	return fmt.Sprintf("the health endpoint of %s is green and one real call that uses %s succeeds", k.Name, s.Name)
}

func rollback(f *planner.Facts) *runbook.Rollback {
	rb := &runbook.Rollback{
		Triggers: []string{
			"authentication or signature failures above baseline for 5 minutes on any consumer after a deploy or switch",
			"a health check or error-rate alert on a consumer within 30 minutes of a step",
			"a verification step fails in any environment (stop before production if it is a lower one)",
		},
		Steps:       []runbook.RollbackStep{},
		Containment: []string{},
	}
	for _, s := range bySeverity(f) {
		rb.Steps = append(rb.Steps, runbook.RollbackStep{SecretID: s.ID, Step: rollbackStep(s), PossibleUntil: possibleUntil(f, s)})
	}
	if f.Compromised() {
		rb.Containment = append(rb.Containment,
			"If rollback would restore an exposed credential, do not roll back: keep it revoked and fix forward with the replacement.",
			"If a consumer cannot take the replacement quickly, take that consumer out of service rather than re-enabling the exposed credential.")
	}
	rb.Containment = append(rb.Containment,
		"If a new credential is exposed during the rotation (pasted in chat, logged), revoke it and restart that secret from its create step.",
		"If a rollback is used, the old credential is still due: schedule the retry within 7 days and record why it failed in the change ticket.",
		"A failed rotation must leave the old credential working and raise an alert in "+channel(f)+"; never leave a secret half-rotated overnight.")
	return rb
}

func rollbackStep(s *planner.Secret) string {
	switch s.Strategy {
	case runbook.StrategyRevokeFirst:
		if s.RetireOnly {
			return "No rollback: the credential is retired. If a service turns out to depend on it, issue that service its own credential."
		}
		return "No rollback to the exposed credential: fix forward by issuing another replacement and redeploying."
	case runbook.StrategyHardCutover:
		return "No rollback once rotated: fix forward with a new rotation; before the rotation step, stop and keep the old value."
	case runbook.StrategyDualAccept:
		return fmt.Sprintf("Switch the sender back to the old secret (re-enable the old endpoint) while receivers still accept both; the old secret stays in %s until the revoke step.", code(s.EnvVar))
	case runbook.StrategyAlternatingUsers:
		a, _ := roleNames(s)
		return fmt.Sprintf("Point consumers back at %s (restore the previous store version, e.g. AWSPREVIOUS) and redeploy them.", code(a))
	case runbook.StrategyRekey:
		return "Switch encryption back to the previous key version; data written with the new version still decrypts as long as it stays enabled."
	}
	switch s.Provider {
	case "aws":
		return "Re-activate the old key (" + code("aws iam update-access-key --status Active") + ") and restore the previous store version, then redeploy consumers."
	}
	return "Restore the previous store version and redeploy the consumers; the old credential still works until it is revoked."
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

func possibleUntil(f *planner.Facts, s *planner.Secret) string {
	revoke := stepsOf(f, s.ID, runbook.PhaseRevoke)
	switch s.Strategy {
	case runbook.StrategyRevokeFirst:
		return "not possible: the exposed credential is revoked at containment (" + stepsOf(f, s.ID, runbook.PhaseContain) + ")"
	case runbook.StrategyHardCutover:
		return "until the rotation in " + stepsOf(f, s.ID, runbook.PhaseCreate) + "; after it, only fixing forward"
	case runbook.StrategyRekey:
		return "as long as the previous key version stays enabled (it is never disabled while data under it remains)"
	}
	switch s.Rule {
	case "azure-storage-key":
		return "until key1 is regenerated (" + revoke + ")"
	case "twilio-auth-token":
		return "until the secondary token is promoted (" + revoke + ")"
	case "github-pat":
		return "until the old token is deleted (" + revoke + ")"
	case "aws-iam-access-key":
		return "until the old key is deleted: it is only deactivated in " + revoke + ", so re-activation works for 7 more days"
	}
	return "until the old credential is revoked in " + revoke
}
