package writer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// stepText writes the action and the check of one planned step of a secret,
// from its catalogue entry, its store and its consumers' runtimes. Rules that
// hold for every step (how values travel, what to record) are said once in
// the pre-rotation checklist, not here.
func stepText(c sc, p runbook.Phase) (action, verify string) {
	switch p {
	case runbook.PhaseContain:
		return containText(c)
	case runbook.PhaseInvestigate:
		return investigateText(c)
	case runbook.PhaseCreate:
		return createText(c)
	case runbook.PhaseStore:
		return storeText(c)
	case runbook.PhaseDeploy:
		return deployText(c)
	case runbook.PhaseSwitch:
		return switchText(c)
	case runbook.PhaseVerify:
		return verifyText(c)
	case runbook.PhaseRevoke:
		return revokeText(c)
	case runbook.PhaseCleanup:
		return cleanupText(c)
	}
	return "", ""
}

func containText(c sc) (string, string) {
	s, a := c.s, c.actions()
	if c.f.Trigger == runbook.TriggerOffboarding && s.Personal {
		return fmt.Sprintf("The departing person's own credential: %s", lowerFirst(sentence(c.fill(a.Contain)))), c.fill(a.ContainCheck)
	}
	if s.KillsAfterReplace() && !c.prod() {
		// Replaced in production first: here nobody waits for it.
		action := fmt.Sprintf("Kill the exposed %s in %s now (production keeps it only until its replacement is verified there, a few steps on): %s", s.Name, c.env, lowerFirst(sentence(c.fill(a.Contain))))
		if len(s.Consumers) > 0 && !strings.Contains(action, "fail") {
			action += fmt.Sprintf(" Its consumers in %s fail until its replacement is deployed there: accepted, the credential is exposed.", c.env)
		}
		check := c.fill(a.ContainCheck)
		if s.Entry != nil && s.Entry.ContainIssues && s.Stored {
			// The kill issued a new value, shown once (a Stripe roll):
			// it goes into the store now, or it is lost and the consumers
			// here have nothing to come back to (hook3 h2: the contain
			// step said nothing about it).
			write, storeCheck := c.captureText()
			action += " The same action shows the new value: before leaving the page, put it straight into the store: " + write
			check += "; " + storeCheck
		}
		return action + c.derived(), check
	}
	if s.Strategy != runbook.StrategyRevokeFirst {
		// Restrict what must keep working (a key that still decrypts, a
		// credential that keeps its overlap).
		how := a.Restrict
		if how == "" || s.Strategy == runbook.StrategyRekey {
			how = a.Contain
		}
		return "Restrict the exposed " + s.Name + " without breaking its consumers: " + lowerFirst(sentence(c.fill(how))), "only the consumers can use it from now on, and any other use raises an alert"
	}
	action := sentence(c.fill(a.Contain))
	if len(s.Consumers) > 0 && !strings.Contains(action, "fail") {
		action += " Consumers fail until the replacement is deployed: accepted, the credential is exposed."
	}
	check := c.fill(a.ContainCheck)
	if s.IssuedAtContainment() {
		// The kill issued the replacement, shown now (Stripe shows a live
		// key once): it goes into the store before anything else, and the
		// consumers are redeployed in the first restoration steps.
		write, storeCheck := c.captureText()
		action += " The same action shows the new value: before leaving the page, put it straight into the store: " + write
		check += "; " + storeCheck
	}
	if s.Exposure == runbook.ExposurePublic {
		// The same leak may hold other secrets, and the copy stays
		// readable until removed: both are containment, not the
		// investigation after the watch. A sentence with a command: the
		// card keeps it.
		removes := "removes the leaked copy (makes the repository private, or deletes the file, paste or notebook)"
		if s.KeepCopy != "" {
			// "Nobody force-pushes or deletes that fork until Security has
			// exported it": private now, removed only after that.
			removes = fmt.Sprintf("makes the leaked copy private (never deletes, force-pushes or unpublishes it yet: the request says %q)", s.KeepCopy)
		}
		action += " At the same time, a second person " + removes + " and scans the same commit and repository for other secrets (`gitleaks git .` in a clone of it): each one found is public too and is revoked first."
	}
	return action + c.derived(), check
}

// captureText is the store write (and its check) of a value issued at
// containment, for the step's environment or, for a credential every
// environment shares, for each of them.
func (c sc) captureText() (string, string) {
	st := c.store()
	envs := []string{c.env}
	if c.env == planner.AllEnvironments {
		envs = c.s.Environments
	}
	var writes, checks []string
	for _, env := range envs {
		e := sc{f: c.f, s: c.s, env: env}
		writes = append(writes, strings.TrimSuffix(e.fill(st.Write), "."))
		checks = append(checks, e.fill(st.Check))
	}
	return sentence(strings.Join(writes, "; ")), strings.Join(checks, "; ")
}

// derived is what the step that kills an exposed credential also kills:
// what was derived from it (sessions, child tokens, grants) and what it
// minted (role sessions), as a tail of sentences.
func (c sc) derived() string {
	var out string
	if d := c.actions().Derived; d != "" {
		out += " " + sentence(c.fill(d))
	}
	for _, k := range c.s.DerivedKills {
		out += " " + sentence(k)
	}
	return out
}

func investigateText(c sc) (string, string) {
	s, a := c.s, c.actions()
	for _, r := range s.DerivedReviews {
		a.Investigate = strings.TrimSuffix(a.Investigate, ".") + "; also " + r
	}
	if c.f.Trigger == runbook.TriggerOffboarding {
		return fmt.Sprintf("Review %s's use of %s over the last 90 days: %s.", c.f.Person, s.Name, strings.TrimSuffix(c.fill(a.Investigate), ".")),
			"findings recorded in the offboarding ticket; anything unexplained escalated to Security"
	}
	text := fmt.Sprintf("Review every use of %s: %s. Find where it leaked and remove that copy (removing it does not end the incident; killing the credential did).",
		s.Name, strings.TrimSuffix(c.fill(a.Investigate), "."))
	if s.Exposure == runbook.ExposurePublic {
		// The window opens when the value became readable, and the same
		// leak may hold other secrets.
		rewrite := "rewrite the history (or remove the repository) with the repository owner's sign-off"
		removed := "the leaked copy was removed"
		if s.KeepCopy != "" {
			rewrite = fmt.Sprintf("rewrite the history (or remove the repository) with the repository owner's sign-off, and only once the request's condition is met (%q)", s.KeepCopy)
			removed = "the leaked copy was made private"
		}
		text += " If it leaked in a repository, the exposure window starts at the commit that put it there (which may predate the push): " + rewrite + ", and check forks and caches; " + removed + " and the same commit and repository scanned for other secrets at containment."
	}
	if !s.Exposed && s.Strategy != runbook.StrategyRevokeFirst {
		// Still live while it is reviewed: evidence ends the overlap.
		text += " If the review finds misuse, or finds it public, it becomes revoke-first: contain it at once, ahead of all remaining work."
	}
	return text, "exposure window, findings and where it leaked recorded in the incident ticket"
}

func createText(c sc) (string, string) {
	s, a := c.s, c.actions()
	action, check := a.Create, a.CreateCheck
	if s.Strategy == runbook.StrategyRevokeFirst && a.Replace != "" {
		action = a.Replace
		if a.ReplaceCheck != "" {
			// The old credential is dead: a check that lists it beside
			// the new one cannot pass.
			check = a.ReplaceCheck
		}
	}
	text := sentence(c.fill(action))
	if c.f.PCI() && s.OperatorKey() {
		// PCI DSS 3.6.1.2 / 3.7.6: no one person generates or sees key
		// material in cleartext.
		text = "Generate it under split knowledge and dual control, never by one operator with a random generator: inside the HSM or KMS, or by two key custodians who each enter one component and neither sees the whole key; it goes straight into the store step, and both custodians' names go on the change ticket."
	}
	if c.f.Trigger == runbook.TriggerOffboarding && s.Personal {
		text = "Issue the replacement to a service account or workload identity, not a person. " + text
	}
	if s.AlertPath && s.Strategy != runbook.StrategyRevokeFirst {
		// The alerts every other step watches travel through it.
		// The card shows the first sentence: it says to create.
		text = "Create the replacement only once a backup alert path works (another receiver, a pager or email, gets a test notification routed to it alone; tell on-call before it arrives) and no other track is mid-flight: the alerts the other tracks watch travel through this secret. " + text
	}
	switch {
	case s.Scope != "" && s.Kind == runbook.KindCloudAccessKey:
		// An access key carries its user's permissions: scope lives there.
		text += fmt.Sprintf(" It acts with its user's permissions: check the user's policies allow no more than %q.", s.Scope)
	case s.Scope != "":
		text += fmt.Sprintf(" Give it no more than %q.", s.Scope)
	}
	return text, c.fill(check)
}

func storeText(c sc) (string, string) {
	a, st := c.actions(), c.store()
	if a.Store != "" {
		return sentence(c.fill(a.Store)), c.fill(st.Check)
	}
	write := c.fill(st.Write)
	text := "Store the new value: "
	if st.Backup != "" && !c.s.NeverRestored() {
		// One && chain: the write runs only when the encrypted copy of
		// the current value is whole (review20 round 3: a failed sops
		// left an empty backup, and the write ran anyway).
		backup := c.fill(st.Backup)
		cmd, rest, ok := strings.Cut(strings.TrimPrefix(write, "`"), "`")
		if whole := strings.Trim(backup, "`"); ok && strings.HasPrefix(write, "`") && code(whole) == backup && !strings.Contains(whole, "`") {
			write = "`" + whole + " && " + cmd + "`" + rest
			text = "Store the new value after an encrypted copy of the current one, for rollback: "
		} else {
			write = backup + ", then " + write
		}
	}
	text += sentence(write)
	switch {
	case c.s.Store == runbook.StoreVault && len(c.s.StoreFields) > 0 && c.s.Strategy != runbook.StrategyAlternatingUsers && !c.s.NewUser:
		// The notes name the fields at the path (holdout3 h3: a key and
		// its passphrase): they are written together, in one version,
		// never a field literally named value.
		text = "Store the new value in the fields its notes name, in one version: " + sentence(vaultFields(c.fill("{path}"), c.s.StoreFields))
	case c.s.Strategy == runbook.StrategyAlternatingUsers && st.WriteUser != "":
		// Consumers move to the other user: its name travels with its
		// password, in one version, and the other fields stay.
		text = "Store user and password as one version: " + sentence(c.fillUser(st.WriteUser, c.s.Users.Idle))
	case c.s.Strategy == runbook.StrategyAlternatingUsers:
		text = fmt.Sprintf("Store user and password as one version (%s, %s): %s",
			code(`"username": "`+c.s.Users.Idle+`"`), code(`"password"`), sentence(write))
	case c.s.NewUser && st.WriteUser != "":
		// The replacement is a second user with its own name: consumers
		// need both, in one version, or they present the new secret under
		// the old name.
		text = "Store user and password together (the second user has its own username): " + sentence(c.fillUser(st.WriteUser, "<new-user>"))
	case c.s.Entry.OverlapUnknown && c.s.Strategy.HasOverlap() && c.s.Kind != runbook.KindWebhookURL && c.s.Kind != runbook.KindAPIKey && st.WriteUser != "":
		// The overlap may be a second identity: then the user name
		// changes with the secret, and both are written together.
		text += " If the overlap is a second user or service account, its username changes too: write both in one version, " + c.fillUser(st.WriteUser, "<new-user>") + "."
	}
	check := c.fill(st.Check)
	if c.s.Strategy == runbook.StrategyDualAccept {
		// The new value sits beside the current one until the old is dropped.
		next := c.vars(planner.Consumer{})
		next["path"] += "-next"
		next["var"] += "_NEXT"
		text = fmt.Sprintf("Store the new value beside the current one, as %s: %s", code(c.s.EnvVar+"_NEXT"), sentence(c.s.Known(catalog.Fill(st.WriteNext, c.vars(planner.Consumer{})))))
		check = c.s.Known(catalog.Fill(st.Check, next))
	}
	for _, cp := range c.s.Copies {
		text += " Update the copy in " + cp + " too."
	}
	for _, m := range c.s.Mirrors {
		// A second store the value reaches (review17-cold5 r3 crit 30):
		// consumers that read it there would start on the old value.
		text += " The value also lives in " + m + ": before any consumer reloads, make it hold the new value (trigger the job that copies it, or write it there too where nothing copies it)."
		check += "; the mirror in " + m + ", holds a version written after this step"
	}
	if len(c.s.PersonalCopies) > 0 {
		// A person's own copy is the exposure (review17-cold3 r4): the new
		// value never joins it.
		who := "its holder"
		if c.f.Trigger == runbook.TriggerOffboarding && c.f.Person != "" && !strings.HasPrefix(c.f.Person, "<") {
			who = c.f.Person
		} else if c.f.Trigger == runbook.TriggerOffboarding {
			who = "the departing person"
		}
		text += fmt.Sprintf(" Never put the new value %s, and never send it to %s: that copy is what they hold, and it dies with the old value.", orList(c.s.PersonalCopies), who)
	}
	text += cutOffText(c.s)
	return text, check
}

// cutOffText is the store step's prohibition for consumers and parties the
// request cuts off (review17-cold4 critical 5, major 16): the new value is
// never given to them nor written where they can read it.
func cutOffText(s *planner.Secret) string {
	if len(s.CutOff) == 0 && len(s.CutOffPlaces) == 0 && len(s.CutOffParties) == 0 {
		return ""
	}
	// The parties, then the cut-off consumers no party's name covers.
	who := append([]string{}, s.CutOffParties...)
	for _, c := range s.CutOff {
		if !slices.ContainsFunc(s.CutOffParties, func(p string) bool { return strings.Contains(strings.ToLower(c), strings.ToLower(p)) }) {
			who = append(who, c)
		}
	}
	text := " Never give the new value to " + orList(who)
	if len(s.CutOffPlaces) > 0 {
		text += ", and never write it into " + orList(s.CutOffPlaces)
		if len(s.CutOffParties) > 0 {
			text += " (" + andList(s.CutOffParties) + " can read it)"
		}
	}
	text += ": the request cuts them off"
	if len(s.CutOff) > 0 {
		text += ", so " + andList(s.CutOff) + " stops working when the old value dies"
	}
	return text + "."
}

// vaultFields writes a Vault KV patch of the named fields: a passphrase or
// password field (else the first) from stdin, the others from files.
func vaultFields(path string, fields []string) string {
	in := 0
	for i, f := range fields {
		if l := strings.ToLower(f); strings.Contains(l, "pass") {
			in = i
			break
		}
	}
	args := make([]string, len(fields))
	for i, f := range fields {
		args[i] = f + "=@<" + f + " file>"
		if i == in {
			args[i] = f + "=-"
		}
	}
	out := "`vault kv patch " + path + " " + strings.Join(args, " ") + "` with " + fields[in] + " on stdin"
	if len(fields) > 1 {
		out += " and each other field from its file on a tmpfs, shredded after"
	}
	return out + " (the other fields at the path stay; KV v2 keeps the previous version)"
}

func deployText(c sc) (string, string) {
	s := c.s
	if len(s.Consumers) == 0 {
		return "Redeploy or restart every consumer found in the pre-rotation checklist so it re-reads the new value.",
			"each consumer's deploy finished and its logs show no authentication errors"
	}
	if s.Entry.JWKS && s.Strategy == runbook.StrategyDualAccept && c.actions().Publish != "" {
		// The verifiers fetch the JWKS: only the issuer (or whatever
		// serves the JWKS) is rolled out.
		if hasRoles(s) {
			c.only = roleConsumers(s, s.Signers)
		}
		hows, checks := reloadAll(c)
		return strings.TrimSuffix(sentence(c.fill(c.actions().Publish)), ".") + ": " + sentence(strings.Join(hows, "; ")), strings.Join(checks, "; ")
	}
	if hasRoles(s) {
		c.only = roleConsumers(s, s.Verifiers)
	}
	hows, checks := reloadAll(c)
	var lead string
	switch {
	case hasRoles(s):
		signer, _ := planner.RoleNames(s)
		lead = fmt.Sprintf("Change %s (verifier) to read %s beside %s and accept a signature that matches either (reject only if neither matches), then roll out; %s (signer) keeps signing with the current key until the switch step",
			andList(stepConsumers(s, runbook.PhaseDeploy)), code(s.EnvVar+"_NEXT"), code(s.EnvVar), signer)
	case s.Strategy == runbook.StrategyDualAccept:
		lead = fmt.Sprintf("Change %s to read %s beside %s and accept a signature that matches either (reject only if neither matches), then roll out", c.consumerList(), code(s.EnvVar+"_NEXT"), code(s.EnvVar))
	case s.Strategy == runbook.StrategyRekey:
		lead = fmt.Sprintf("Make sure %s encrypt through the key alias (not a pinned key or version) and may decrypt with the old and the new key, then roll out", c.consumerList())
	case s.Strategy == runbook.StrategyAlternatingUsers:
		lead = fmt.Sprintf("Roll out %s so %s as %s (change the user name too wherever a consumer sets it outside the secret)",
			c.consumerList(), c.they("connects", "connect"), code(s.Users.Idle))
	default:
		if !s.Stored {
			lead = fmt.Sprintf("Roll out %s so %s the new credential", c.consumerList(), c.they("uses", "use"))
		} else {
			lead = fmt.Sprintf("Roll out %s so %s the new value", c.consumerList(), c.they("reads", "read"))
		}
	}
	if s.Kind == runbook.KindWebhookSecret && !s.Strategy.HasOverlap() {
		lead = fmt.Sprintf("Roll out %s reading only the new secret", c.consumerList())
	}
	var note string
	if rs := receiverConsumers(s); len(rs) > 0 && !s.Exposed {
		// Receivers of what the provider signs keep the old value beside
		// the new one until the provider switches (review17-cold3 r3), in
		// the lead, which the card keeps.
		lead += ", " + receiverText(c, s.Entry.Receivers.Deploy, rs)
		if n := s.Entry.Receivers.DeployNote; n != "" {
			note = " " + sentence(receiverText(c, n, rs))
		}
	}
	return lead + ": " + sentence(strings.Join(hows, "; ")) + note, strings.Join(checks, "; ")
}

func verifyText(c sc) (string, string) {
	s, a := c.s, c.actions()
	if s.RetireOnly {
		return fmt.Sprintf("Confirm %s is dead and nothing depended on it: %s; watch 401/403 rates across services for 24 hours.", s.Name, strings.TrimSuffix(c.fill(a.ContainCheck), ".")),
			"the revoked credential is rejected and no service reports authentication errors"
	}
	var b strings.Builder
	if s.PropagationSeconds > 0 {
		fmt.Fprintf(&b, "Wait %d seconds for propagation, then check again. ", s.PropagationSeconds)
	}
	b.WriteString("Verify: " + sentence(c.fill(a.Verify)))
	// The check names what it proves (which consumers, which secret) and,
	// in production, for how long: the validation section refers here
	// instead of saying it again.
	verb := "work"
	if len(c.s.Consumers) == 1 {
		verb = "works"
	}
	who := c.consumerList()
	rs := receiverConsumers(s)
	if s.Exposed {
		rs = nil
	}
	if len(rs) > 0 {
		b.WriteString(" " + sentence(receiverText(c, s.Entry.Receivers.Verify, rs)))
		callers := callers(s, rs)
		who, verb = andList(callers), "work"
		if len(callers) == 1 {
			verb = "works"
		}
	}
	check := fmt.Sprintf("%s %s on the new %s, with no %s on the dashboards", who, verb, s.Name, c.failures())
	if len(rs) > 0 && who == "" {
		check = strings.TrimSuffix(receiverText(c, s.Entry.Receivers.Verify, rs), ".")
	}
	switch {
	case c.prod() && s.Exposed && s.KillsAfterReplace():
		// The exposed credential dies a step later: the watch runs on
		// while the next steps go ahead, it never holds the kill.
		check += " (keep watching for 30 minutes while the next steps go ahead: the kill does not wait for the watch)"
	case c.prod():
		check += " for 30 minutes"
	}
	if z, _ := c.frozenRun(); z != nil {
		// "One call the consumer really makes" may be an upload or a
		// deploy: not while the freeze holds.
		fmt.Fprintf(&b, " While freeze %s holds, every call of this check is read-only: nothing is published, uploaded, released, invalidated or deployed.", z.ID)
	}
	return b.String(), check
}

func revokeText(c sc) (string, string) {
	s, a := c.s, c.actions()
	var text string
	switch {
	case s.Entry.Strategy == runbook.StrategyDualAccept && s.Strategy != runbook.StrategyDualAccept:
		// A leaked signing secret was cut over: receivers never accepted it
		// beside the new one.
		text = "Confirm the exposed secret is dead: the receivers and the sender hold only the new one, and a test event signed with the old secret is rejected." + c.derived()
	case s.Exposed:
		text = "Kill the old credential now that production works on the new one: " + lowerFirst(sentence(c.fill(a.Invalidate))) + c.derived()
	case c.s.Entry.SelfInvalidates:
		text = sentence(c.fill(a.Invalidate))
	case a.Quiet != "" && s.Strategy.HasOverlap():
		text = "When " + strings.TrimSuffix(c.fill(a.Quiet), ".") + ": " + lowerFirst(sentence(c.fill(a.Invalidate)))
	default:
		text = sentence(c.fill(a.Invalidate))
	}
	if z, run := c.frozenRun(); z != nil && !s.Exposed {
		// Under a release freeze the deploy is a no-op: a gate keyed to it
		// would be empty, and the old credential would die before any
		// pipeline ran on the new one (review17). The first run after the
		// freeze is the deploy.
		for _, d := range []string{"since the deploy", "after the deploy", "before the deploy"} {
			text = strings.ReplaceAll(text, d, strings.TrimSuffix(d, "the deploy")+"that run")
		}
		text = fmt.Sprintf("Not while freeze %s holds: wait for %s, and go on only once it has succeeded with the new value (until then the old credential is the way back). Then: %s", z.ID, run, lowerFirst(text))
	}
	check := c.fill(a.InvalidateCheck)
	if rs := receiverConsumers(s); len(rs) > 0 && !s.Exposed {
		text += " " + sentence(receiverText(c, s.Entry.Receivers.Invalidate, rs))
		check += "; " + receiverText(c, s.Entry.Receivers.InvalidateCheck, rs)
	}
	return text, check
}

// frozenRun is the freeze that stops the secret's pipelines in this
// environment and the run that first uses the new value after it ("the
// first ci-deploy run after freeze f1"), or nil.
func (c sc) frozenRun() (*planner.Freeze, string) {
	z := c.frozen()
	if z == nil {
		return nil, ""
	}
	var pipelines []string
	for _, k := range c.s.Consumers {
		if k.Runtime == runbook.DeployCICD {
			pipelines = append(pipelines, k.Name)
		}
	}
	switch len(pipelines) {
	case 0:
		return nil, ""
	case 1:
		return z, "the first " + pipelines[0] + " run after freeze " + z.ID
	}
	return z, "the first run of each of " + andList(pipelines) + " after freeze " + z.ID
}

func cleanupText(c sc) (string, string) {
	s, a := c.s, c.actions()
	var parts []string
	if a.Cleanup != "" {
		parts = append(parts, sentence(c.fill(a.Cleanup)))
	}
	if a.ContainCleanup != "" && runbook.OneOf(s.Phases, runbook.PhaseContain) {
		parts = append(parts, sentence(c.fill(a.ContainCleanup)))
	}
	if s.Stored && s.Store == runbook.StoreEnvVars && !s.NeverRestored() {
		parts = append(parts, fmt.Sprintf("Delete the rollback copy %s once the old credential is dead.", code(s.EnvVar+"_PREVIOUS")))
	}
	return strings.Join(parts, " "), "nothing of the old credential remains outside the retained history"
}

// freezeText and unfreezeText open and close a scheduled rotation.
func freezeText(f *planner.Facts) (string, string) {
	return fmt.Sprintf("Freeze deploys touching %s (this rotation's own excepted); announce the start in %s.", andList(allConsumers(f)), channel(f)),
		"the owners acknowledged the freeze and no unrelated deploy is queued"
}

func unfreezeText(f *planner.Facts) (string, string) {
	return fmt.Sprintf("Lift the freeze; post completion in %s and record the next due date in the inventory%s.", channel(f), dueDate(f)),
		"the freeze is lifted and the inventory is current"
}

// dueDate says how far on the next due date may be, when the request gives
// a cadence ("PCI DSS 8.3.9 requires rotation every 90 days").
func dueDate(f *planner.Facts) string {
	c := f.Cadence
	if c == nil {
		return ""
	}
	why := ""
	if c.Requirement != "" {
		why = " (" + c.Requirement + ")"
	}
	return fmt.Sprintf(": at most %d days after the day this rotation finishes, as the request requires%s", c.Days, why)
}

// remediationText checks what the providers of public credentials already
// did on their own (ROTATION_RULES.md §2 rule 18).
func remediationText(f *planner.Facts, ids []string) (string, string) {
	var parts, warns []string
	for _, id := range ids {
		s := f.SecretByID(id)
		r := s.Catalog.AutoRemediation // filled by the planner
		if r == nil {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: %s; check whether %s", s.Name, strings.TrimSuffix(r.Does, "."), strings.TrimSuffix(r.Check, ".")))
		if r.Warn != "" {
			warns = append(warns, sentence(r.Warn))
		}
	}
	action := "Before killing anything, check what the providers already did on their own (consumers may already be failing because of it): " + strings.Join(parts, ". ") + "."
	if len(warns) > 0 {
		action += " " + strings.Join(warns, " ")
	}
	return action, "the incident timeline records, per credential, whether the provider already acted and when"
}

// reachText lists by name and kills what an exposed credential could read
// (st.SecretID set), or everything the breached place held (the request
// asks to rotate it all): another operator does it from T0, in a lane of
// its own, since those secrets are as exposed as the credential (review18
// round 4, X1).
func reachText(f *planner.Facts, st planner.Step) (string, string) {
	who, what, list := "the breached place held", fmt.Sprintf("every variable, file, SSH key, deploy key and token the request asks to rotate (%q), in every project and environment", f.RotateAll), "its settings pages or API (names only)"
	if s := f.SecretByID(st.SecretID); s != nil && st.Reach <= len(s.ReadReach) {
		r := s.ReadReach[st.Reach-1]
		who, what, list = s.Name+" could read", r.What, r.List
	}
	// Replace then kill, per name, straight to production: revoking all
	// of them first with no replacement stops every service and pipeline
	// that uses them (review20 round 6 tabletop G1, critical).
	action := fmt.Sprintf("Another operator, from T0, replaces then revokes, each at its own provider, every secret %s except the ones this runbook rotates, listed by name (never by value) with %s: replacement first, then the old one revoked. Each replacement has the same or narrower scope and goes where the old one is kept (a CI/CD variable stays masked and protected). They are %s, as exposed as the credential. One whose replacement cannot be ready by T0+%d is revoked anyway, and the incident ticket names the consumers it breaks until its replacement is deployed. Record each name, its owner and consumers, and when it died in the incident ticket.",
		who, strings.TrimSuffix(list, "."), what, exposure.ReachKill)
	return action, "the incident ticket lists every name found, and a call with each one's old value is rejected"
}

// accessText removes one kind of a departing person's access.
func accessText(f *planner.Facts, a planner.Access, minutes int) (string, string) {
	by := accessBy(f, a.Deadline, minutes)
	if a.AtDeparture {
		// Planned: their last day, not now (review18 round 6 X9).
		by = fmt.Sprintf(" on their last day, %s, and not before (they keep it until then),", strings.TrimSpace(deadlineLabel(f, a.Deadline)))
	}
	switch a.ID {
	case "sso":
		return fmt.Sprintf("Disable %s's single sign-on account%s and end every active session (identity provider admin console: suspend the user, then clear sessions), so no new sign-in works anywhere.", f.Person, by),
			"a sign-in as them fails and the identity provider shows the account suspended with no active session"
	case "stores":
		where := storeAccess(f)
		if onKubernetes(f) && !strings.Contains(where, "Kubernetes") {
			// The new values are rendered into the consumers' Secrets.
			where += "; Kubernetes: delete their RoleBindings and ClusterRoleBindings (" + code("kubectl get rolebindings,clusterrolebindings -A -o wide | grep <person>") + ") so they cannot read the consumers' Secrets; a client certificate cannot be revoked, so their cluster access must come only through the identity provider"
		}
		if a.AtDeparture {
			until := ""
			if a.Item != "" {
				until = fmt.Sprintf(" Until then, %s says whether their policy excludes these secrets' paths.", a.Item)
			}
			return fmt.Sprintf("Remove %s's access to the places secrets live%s: %s.%s", f.Person, strings.TrimSuffix(by, ","), where, until),
				"their name is gone from every member, group and policy list named here"
		}
		if first := firstStore(f); first > 0 && a.Deadline == "" {
			until := ""
			if len(f.Schedule.Deadlines) > 0 {
				until = " until " + f.Schedule.Deadlines[0].Label()
			}
			return fmt.Sprintf("Before the first new value is written (step %d): remove %s's access to the places secrets live: %s. Whoever kept an old value must never read its replacement; if they need the store for other work%s, narrow their policy so it excludes these secrets' paths instead.", first, f.Person, where, until),
				"their name is gone from every member, group and policy list named here (or their policy excludes these paths), checked before step " + fmt.Sprint(first)
		}
		return fmt.Sprintf("Remove %s's access to the places secrets live%s: %s.", f.Person, strings.TrimSuffix(by, ","), where),
			"their name is gone from every member, group and policy list named here"
	case "consoles":
		var names []string
		for _, s := range f.Secrets {
			if s.Provider != "unknown" && !runbook.OneOf(names, s.ProviderName) {
				names = append(names, s.ProviderName)
			}
		}
		// An admin or owner role mints keys that outlive the person's
		// account (review17-cold6 extra X6: an agency's Firebase Owner and
		// Apple Admin roles; review18 round 6 #5: other keys the leaver
		// created): their roles go too, and every key they created there
		// that nobody accounts for.
		return fmt.Sprintf("Remove %s's own user accounts, roles, personal API tokens and any key they created that nobody accounts for, in %s%s (each console's team or users page).", f.Person, andList(names), strings.TrimSuffix(by, ",")),
			"each console's member list no longer shows them and their tokens are revoked"
	}
	return fmt.Sprintf("Remove %s%s.", a.What, by), "done"
}

// firstStore is the order of the first step that writes a new value to a
// store, or 0.
func firstStore(f *planner.Facts) int {
	for _, st := range f.Steps {
		if st.Phase == runbook.PhaseStore {
			return st.Order
		}
	}
	return 0
}

// storeAccess says how a person loses access to each store and copy.
func storeAccess(f *planner.Facts) string {
	var parts []string
	seen := map[runbook.SecretStore]bool{}
	for _, s := range f.Secrets {
		if s.Stored && !seen[s.Store] {
			seen[s.Store] = true
			parts = append(parts, personStoreAccess(s.Store))
		}
		for _, cp := range s.Copies {
			if p := "remove them from " + cp + "'s members"; !runbook.OneOf(parts, p) {
				parts = append(parts, p)
			}
		}
	}
	return strings.Join(parts, "; ")
}

func personStoreAccess(st runbook.SecretStore) string {
	switch st {
	case runbook.StoreVault:
		return "Vault: disable their entity (" + code("vault write identity/entity/name/<person> disabled=true") + ") and revoke their tokens (" + code("vault token revoke -accessor <accessor>") + ")"
	case runbook.StoreAWSSecretsManager:
		return "AWS: remove their IAM Identity Center assignments or IAM user from the account"
	case runbook.StoreGCPSecretManager:
		return "Google Cloud: remove their IAM bindings on the project"
	case runbook.StoreAzureKeyVault:
		return "Azure: remove their role assignments on the key vault"
	case runbook.StoreDoppler:
		return "Doppler: remove them from the workplace members"
	case runbook.StoreInfisical:
		return "Infisical: remove them from the project members"
	case runbook.StoreOnePassword:
		return "1Password: remove them from the vault's people and groups, and suspend their account (" + code("op user suspend <email>") + ")"
	case runbook.StoreKubernetesSecrets:
		return "Kubernetes: remove their RoleBindings and cluster credentials"
	case runbook.StoreEnvVars:
		return "the CI/CD settings: remove them from the project's maintainers"
	}
	return "the secret store: remove their account"
}

func deadlineLabel(f *planner.Facts, id string) string {
	for _, d := range f.Schedule.Deadlines {
		if d.ID == id {
			return d.Label()
		}
	}
	return ""
}

// accessBy is when a step removing a departing person's access is done:
// " by <deadline>", or, when the deadline had passed at as_of, " now,
// overdue since <deadline> and dead by <when the step ends>," (review18
// round 5 X5: the card said "by 17:00" two hours after it).
func accessBy(f *planner.Facts, id string, minutes int) string {
	for _, d := range f.Schedule.Deadlines {
		if d.ID != id || !f.Schedule.Overdue(d) {
			continue
		}
		by := exposure.Label(minutes)
		if start, err := time.Parse(time.RFC3339, f.Schedule.AsOf); err == nil {
			by = runbook.FormatMoment(start.Add(time.Duration(minutes)*time.Minute), d.TZ)
		}
		return fmt.Sprintf(" now, %s and dead by %s,", f.Schedule.DueLabel(d), by)
	}
	if d := deadlineLabel(f, id); d != "" {
		return " " + d
	}
	return ""
}

func allConsumers(f *planner.Facts) []string {
	var out []string
	for _, s := range f.Secrets {
		for _, c := range s.Consumers {
			if !runbook.OneOf(out, c.Name) {
				out = append(out, c.Name)
			}
		}
	}
	if len(out) == 0 {
		out = []string{"the consumers found in the pre-rotation checklist"}
	}
	return out
}

// stepOwner is who does a step.
func stepOwner(f *planner.Facts, s *planner.Secret, p runbook.Phase) string {
	switch p {
	case runbook.PhaseCreate, runbook.PhaseStore:
		if f.PCI() && s.OperatorKey() {
			return s.Owner + " and a second key custodian (dual control)"
		}
	case runbook.PhaseContain, runbook.PhaseInvestigate:
		// The owner with the approvers, each named once.
		var with []string
		for _, a := range f.Approvers {
			if a != s.Owner {
				with = append(with, a)
			}
		}
		if len(with) == 0 {
			return s.Owner
		}
		return s.Owner + " with " + andList(with)
	case runbook.PhaseDeploy:
		var owners []string
		for _, c := range s.Consumers {
			if c.Owner != "" && !runbook.OneOf(owners, c.Owner) {
				owners = append(owners, c.Owner)
			}
		}
		if len(owners) > 0 {
			return andList(owners)
		}
	}
	return s.Owner
}
