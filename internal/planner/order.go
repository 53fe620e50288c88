package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// order groups the secrets into tracks and numbers every step.
//
// An incident (a leak, a vendor breach, an offboarding) opens with
// containment: the departing person's access, then every credential revoked
// first. Exposed credentials are then replaced and their old value killed,
// most urgent first, before anyone investigates: a leaked key must not stay
// alive while logs are read. The investigation follows, then the secrets that
// were only assessed (an internal exposure) are rotated.
//
// Scheduled work opens with a deploy freeze, rotates low-risk secrets first as
// the canary and each high-risk secret on a track of its own, and lifts the
// freeze at the end.
//
// Inside a secret, lower environments are created, deployed and verified
// before production, and the old credential is killed only after production
// is verified.
func order(f *Facts) {
	secrets := make([]*Secret, len(f.Secrets))
	for i := range f.Secrets {
		secrets[i] = &f.Secrets[i]
	}
	incident := f.Trigger.IsLeak() || f.Trigger == runbook.TriggerOffboarding
	for _, s := range secrets {
		if s.Exposed || s.Strategy == runbook.StrategyRevokeFirst {
			incident = true
		}
	}
	n := 0
	names := map[string]int{}
	addTrack := func(t Track, steps []Step) {
		if len(steps) == 0 {
			return
		}
		// Track names are unique: steps refer to their track by name.
		if names[t.Name]++; names[t.Name] > 1 {
			t.Name = fmt.Sprintf("%s (part %d)", t.Name, names[t.Name])
		}
		for i := range steps {
			n++
			steps[i].Order = n
			steps[i].Track = t.Name
		}
		f.Tracks = append(f.Tracks, t)
		f.Steps = append(f.Steps, steps...)
	}
	rotate := func(p runbook.Phase) bool { return p != runbook.PhaseContain && p != runbook.PhaseInvestigate }
	// track adds a track: the steps given first, then the phases keep
	// accepts of each secret, in order.
	track := func(t Track, first []Step, secrets []*Secret, keep func(*Secret, runbook.Phase, string) bool) {
		steps := first
		for _, s := range secrets {
			if ss := secretSteps(f, s, func(p runbook.Phase, env string) bool { return keep(s, p, env) }); len(ss) > 0 {
				t.SecretIDs = append(t.SecretIDs, s.ID)
				steps = append(steps, ss...)
			}
		}
		addTrack(t, steps)
	}
	rotation := func(_ *Secret, p runbook.Phase, _ string) bool { return rotate(p) && p != runbook.PhaseCleanup }
	// inProduction: a step in production, or the one create of a credential
	// every environment shares (made before production is restored).
	inProduction := func(s *Secret, env string) bool {
		return runbook.IsProduction(env) || (env == AllEnvironments && s.Shared)
	}
	// wave is the production replacement and kill of a credential killed
	// after its replacement: it comes before any other secret's work.
	wave := func(s *Secret, p runbook.Phase, env string) bool {
		return s.KillsAfterReplace() && rotate(p) && p != runbook.PhaseCleanup && inProduction(s, env)
	}
	// restore is the production replacement of a credential whose kill at
	// containment took production down, and of the token pipelines fetch
	// secrets with: production before any lower environment.
	restore := func(s *Secret, p runbook.Phase, env string) bool {
		return !s.KillsAfterReplace() && s.productionFirst() && rotate(p) && p != runbook.PhaseCleanup && inProduction(s, env)
	}

	if incident {
		sort.SliceStable(secrets, func(i, j int) bool {
			a, b := secrets[i], secrets[j]
			if a.Urgency.Score != b.Urgency.Score {
				return a.Urgency.Score > b.Urgency.Score
			}
			return a.ID < b.ID
		})
		var exposed, assessed, replaced []*Secret
		for _, s := range secrets {
			switch {
			case !s.Exposed && s.Strategy != runbook.StrategyRevokeFirst:
				assessed = append(assessed, s)
			case !s.RetireOnly:
				replaced = append(replaced, s)
			}
			if s.Exposed || s.Strategy == runbook.StrategyRevokeFirst {
				exposed = append(exposed, s)
			}
		}
		t := Track{Name: "Containment", Reason: "exposed credentials are revoked or restricted before anything else"}
		var access []Step
		if f.Trigger == runbook.TriggerOffboarding {
			t.Name = "Remove the departing person's access"
			t.Reason = "the person's own access and credentials go first"
			if len(f.Schedule.Deadlines) > 0 {
				t.Reason += ", " + f.Schedule.Deadlines[0].Label()
			}
			for _, a := range f.Access {
				access = append(access, Step{Environment: AllEnvironments, Phase: runbook.PhaseContain, Access: a.ID, Window: a.Deadline})
			}
		}
		if ids := remediated(f); len(ids) > 0 {
			// What the providers already did on their own decides what the
			// operators find: it is checked before anything is killed.
			access = append(access, Step{Environment: AllEnvironments, Phase: runbook.PhaseContain, Remediation: ids})
		}
		// A retired credential is checked dead once every exposed
		// credential is revoked: a check is other work, and nothing exposed
		// outside the company outlives it (review17-cold6 q2: a retired
		// login token's check in dev ran before the other kills).
		steps := access
		var deadChecks []Step
		for _, s := range exposed {
			if ss := secretSteps(f, s, func(p runbook.Phase, _ string) bool { return p == runbook.PhaseContain }); len(ss) > 0 {
				t.SecretIDs = append(t.SecretIDs, s.ID)
				steps = append(steps, ss...)
			}
			if s.RetireOnly {
				// Production's check only, when a lower environment's would
				// come before production is restored after another kill:
				// each contain step already checks its own environment.
				ss := secretSteps(f, s, func(p runbook.Phase, env string) bool {
					return p == runbook.PhaseVerify && (len(exposed) == 1 || runbook.IsProduction(env) || env == AllEnvironments)
				})
				if len(ss) > 0 && !slices.Contains(t.SecretIDs, s.ID) {
					t.SecretIDs = append(t.SecretIDs, s.ID)
				}
				deadChecks = append(deadChecks, ss...)
			}
		}
		steps = append(steps, deadChecks...)
		if f.RotateAll != "" && (f.Trigger.IsLeak() || f.Trigger == runbook.TriggerVendorChange) {
			// Everything the breached place held is as exposed as what the
			// request names: listed by name at T0 and killed in a lane of
			// its own (review18 round 4, X1).
			steps = append(steps, Step{Environment: AllEnvironments, Phase: runbook.PhaseContain, Reach: 1})
		}
		addTrack(t, steps)
		// A credential exposed outside the company that keeps working until
		// its replacement is replaced in production and killed there before
		// any other secret's work (planKills leaves at most one such, and
		// none while production is down from another kill).
		track(Track{Name: "Replace in production, then kill the exposed credential", Reason: "exposed outside the company: replaced in production and killed a few steps later, before any other work (its lower environments were killed at containment)"},
			nil, replaced, wave)
		// Production is down from the kills at containment: it is restored
		// first, the consumers customers reach before pipelines.
		first := append([]*Secret(nil), replaced...)
		sort.SliceStable(first, func(i, j int) bool { return restoreRank(first[i]) > restoreRank(first[j]) })
		// A service redeployed through the deploy pipeline needs that
		// pipeline's credentials back first: no step relies on a killed
		// credential (review18 round 3: the mailer's redeploy ran through
		// the pipeline whose AWS key died at step 1).
		sort.SliceStable(first, func(i, j int) bool {
			return onDeployPath(f, first[i]) && !onDeployPath(f, first[j])
		})
		track(Track{Name: "Restore production", Reason: "the kills at containment took production down: production is restored first and lower environments after (a lower environment first protects a working production; there is none left to protect); the deploy pipeline's credentials first when a service redeploys through it, then customer-facing consumers, then the token pipelines fetch secrets with, then other pipelines"},
			nil, first, restore)
		// Secrets still to be killed (after their replacement, by a
		// deadline) go before the investigation; the lower environments of
		// those production went first for follow it.
		var killLater, lower []*Secret
		for _, s := range replaced {
			if s.productionFirst() {
				lower = append(lower, s)
			} else {
				killLater = append(killLater, s)
			}
		}
		rest := func(s *Secret, p runbook.Phase, env string) bool {
			return rotation(s, p, env) && !wave(s, p, env) && !restore(s, p, env)
		}
		for _, g := range incidentGroups(killLater, "replace and kill the old credential now, before the investigation; owners of different secrets work in parallel") {
			track(Track{Name: g.name, Reason: g.reason}, nil, g.secrets, rest)
		}
		t = Track{Name: "Investigation", Reason: "review what was done with each credential during the exposure, once it is dead"}
		if f.Trigger == runbook.TriggerOffboarding {
			t.Reason = "review what the departing person did with each credential, once their access is gone"
		}
		track(t, nil, secrets, func(_ *Secret, p runbook.Phase, _ string) bool { return p == runbook.PhaseInvestigate })
		// The deploy pipeline's credentials first there too: a redeploy
		// through it needs them.
		sort.SliceStable(lower, func(i, j int) bool { return onDeployPath(f, lower[i]) && !onDeployPath(f, lower[j]) })
		for _, g := range incidentGroups(lower, "lower environments, once production runs on the replacement; owners of different secrets work in parallel") {
			track(Track{Name: "Lower environments: " + g.name, Reason: g.reason}, nil, g.secrets, rest)
		}
		assessed, alerts := alertPathLast(assessed)
		for _, g := range incidentGroups(assessed, "assessed first (internal exposure), then rotated") {
			g.name = "After the assessment: " + g.name
			track(Track{Name: g.name, Reason: g.reason}, nil, g.secrets, rotation)
		}
		for _, s := range alerts {
			track(Track{Name: "After the assessment: the alert path, " + s.Name, Reason: alertPathReason}, nil, []*Secret{s}, rotation)
		}
		track(Track{Name: "Close out", Reason: "remove what is left of the old credentials once they are dead"}, nil, secrets,
			func(_ *Secret, p runbook.Phase, _ string) bool { return p == runbook.PhaseCleanup })
	} else {
		// A routine rotation needs no freeze: ceremony follows risk.
		f.Freeze = !f.Routine
		sort.SliceStable(secrets, func(i, j int) bool {
			a, b := secrets[i], secrets[j]
			if a.RotationRisk.Score != b.RotationRisk.Score {
				return a.RotationRisk.Score < b.RotationRisk.Score
			}
			if a.Urgency.Score != b.Urgency.Score {
				return a.Urgency.Score > b.Urgency.Score
			}
			return a.ID < b.ID
		})
		rest, alerts := alertPathLast(secrets)
		groups := scheduledGroups(rest)
		for _, s := range alerts {
			groups = append(groups, group{name: "The alert path: " + s.Name, reason: alertPathReason, secrets: []*Secret{s}})
		}
		for i, g := range groups {
			t := Track{Name: g.name, Reason: g.reason}
			var steps []Step
			if i == 0 && f.Freeze {
				steps = append(steps, Step{Environment: AllEnvironments, Phase: runbook.PhaseFreeze})
			}
			for _, s := range g.secrets {
				t.SecretIDs = append(t.SecretIDs, s.ID)
				steps = append(steps, secretSteps(f, s, func(runbook.Phase, string) bool { return true })...)
			}
			if i == len(groups)-1 && f.Freeze {
				steps = append(steps, Step{Environment: AllEnvironments, Phase: runbook.PhaseUnfreeze})
			}
			addTrack(t, steps)
		}
	}
	for _, st := range f.Steps {
		if st.SecretID != "" && rotate(st.Phase) {
			f.SecretByID(st.SecretID).Track = st.Track
		}
	}
}

// redeploysThroughPipeline reports whether the secret's consumers are
// redeployed by re-running the pipeline that renders their spec (a CI/CD
// variable written into a Kubernetes workload): that run needs the deploy
// pipeline's own credentials.
func redeploysThroughPipeline(f *Facts, s *Secret) bool {
	if !s.Stored || s.Store != runbook.StoreEnvVars || !runbook.OneOf(f.Deployment, runbook.DeployCICD) {
		return false
	}
	for _, c := range s.Consumers {
		if c.Runtime == runbook.DeployKubernetes {
			return true
		}
	}
	return false
}

// deployPipelineCredential reports whether a pipeline that deploys (its
// name says so) holds the secret.
func deployPipelineCredential(s *Secret) bool {
	for _, c := range s.Consumers {
		if c.Runtime == runbook.DeployCICD && strings.Contains(strings.ToLower(c.Name), "deploy") {
			return true
		}
	}
	return false
}

// onDeployPath reports whether the secret is a deploy pipeline's
// credential that another secret's redeploy needs.
func onDeployPath(f *Facts, s *Secret) bool {
	if !deployPipelineCredential(s) {
		return false
	}
	for i := range f.Secrets {
		if o := &f.Secrets[i]; o.ID != s.ID && redeploysThroughPipeline(f, o) {
			return true
		}
	}
	return false
}

// restoreRank orders the restoration of production: a credential whose
// production consumers serve customers first (the most critical first),
// then the token pipelines fetch secrets with, then other pipelines.
func restoreRank(s *Secret) int {
	rank := 0
	for _, c := range s.Consumers {
		if c.Runtime != runbook.DeployCICD {
			rank = max(rank, 10+criticalityRank(c.Criticality))
		}
	}
	if rank == 0 && s.FetchToken {
		rank = 5
	}
	return rank
}

func criticalityRank(c runbook.Criticality) int {
	switch c {
	case runbook.CriticalityHigh:
		return 3
	case runbook.CriticalityMedium:
		return 2
	case runbook.CriticalityLow:
		return 1
	}
	return 2
}

// alertPathReason says why a secret the alerts travel through rotates alone.
const alertPathReason = "it delivers the alerts every other track watches: it rotates alone, after every other track has finished, with a backup alert path confirmed first"

// alertPathLast moves the secrets the alerts travel through (a receiver of
// Alertmanager) to the end: while they rotate, the alerts the other tracks
// watch may not arrive.
func alertPathLast(sorted []*Secret) (rest, alerts []*Secret) {
	for _, s := range sorted {
		if s.AlertPath {
			alerts = append(alerts, s)
		} else {
			rest = append(rest, s)
		}
	}
	return rest, alerts
}

type group struct {
	name, reason string
	secrets      []*Secret
}

func scheduledGroups(sorted []*Secret) []group {
	var out []group
	var low, medium, high []*Secret
	for _, s := range sorted {
		switch s.RotationRisk.Level {
		case runbook.LevelLow:
			low = append(low, s)
		case runbook.LevelMedium:
			medium = append(medium, s)
		default:
			high = append(high, s)
		}
	}
	if len(low) > 0 {
		out = append(out, group{name: "Canary: low-risk secrets", reason: "lowest rotation risk first: proves the store and the deploy path", secrets: low})
	}
	if len(medium) > 0 {
		reason := "medium rotation risk, after the canary is verified"
		if len(low) == 0 {
			reason = "lowest rotation risk in this job, so it goes first as the canary"
		}
		out = append(out, group{name: "Medium-risk secrets", reason: reason, secrets: medium})
	}
	for _, s := range high {
		out = append(out, group{name: "High risk: " + s.Name, reason: "high rotation risk: alone, so a problem cannot mix with other changes", secrets: []*Secret{s}})
	}
	return out
}

func incidentGroups(sorted []*Secret, why string) []group {
	var out []group
	for _, s := range sorted {
		if s.RotationRisk.Level == runbook.LevelHigh {
			out = append(out, group{name: fmt.Sprintf("%s: %s (high risk)", s.Urgency.Priority, s.Name),
				reason: why + "; high rotation risk, so on its own track", secrets: []*Secret{s}})
			continue
		}
		// One track per priority: secrets on their own tracks in between do
		// not split it (the tracks run in parallel, by different owners).
		name := fmt.Sprintf("%s secrets", s.Urgency.Priority)
		merged := false
		for k := range out {
			if out[k].name == name {
				out[k].secrets = append(out[k].secrets, s)
				merged = true
				break
			}
		}
		if merged {
			continue
		}
		out = append(out, group{name: name, reason: why + " (" + string(s.Urgency.Priority) + ")", secrets: []*Secret{s}})
	}
	return out
}

// windowed lists the phases whose production step waits for the secret's
// maintenance window: the changes consumers feel. Without an overlap the
// rotation itself and the old credential's end are felt too.
func windowed(s *Secret, p runbook.Phase) bool {
	if s.WindowOnly {
		return p != runbook.PhaseContain && p != runbook.PhaseInvestigate
	}
	switch p {
	case runbook.PhaseDeploy, runbook.PhaseSwitch:
		return true
	case runbook.PhaseCreate:
		// Without an overlap the rotation is felt at once; with an expiry set
		// by the rotation (Stripe's roll), its clock starts at create.
		return !s.Strategy.HasOverlap() || s.Entry.SelfInvalidates
	case runbook.PhaseStore, runbook.PhaseVerify, runbook.PhaseRevoke:
		return !s.Strategy.HasOverlap()
	}
	return false
}

// secretSteps expands a secret's phases over its environments, keeping those
// keep accepts. A credential killed after its replacement (exposed outside
// the company, with an overlap) is replaced and killed in production first;
// its lower environments were killed at containment and follow.
func secretSteps(f *Facts, s *Secret, keep func(p runbook.Phase, env string) bool) []Step {
	var steps []Step
	add := func(p runbook.Phase, env string, kill bool) {
		if !keep(p, env) {
			return
		}
		st := Step{SecretID: s.ID, Environment: env, Phase: p, Kill: kill}
		if runbook.IsProduction(env) && s.Window != "" && windowed(s, p) {
			st.Window = s.Window
		}
		if s.Deadline != "" && (p == runbook.PhaseContain || (p == runbook.PhaseRevoke && s.Exposed)) {
			// The departing person's access ends by the deadline: so does
			// every credential they knew.
			st.Window = s.Deadline
		}
		steps = append(steps, st)
	}
	has := func(p runbook.Phase) bool { return runbook.OneOf(s.Phases, p) }
	perEnv := []runbook.Phase{runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify}
	afterReplace := s.KillsAfterReplace()
	prodFirst := s.productionFirst()
	// One credential for every environment is killed, created and revoked
	// once; it is stored and rolled out in each.
	shared := s.Shared && len(s.Environments) > 1
	if has(runbook.PhaseContain) && shared {
		add(runbook.PhaseContain, AllEnvironments, s.Strategy == runbook.StrategyRevokeFirst)
	} else if has(runbook.PhaseContain) {
		// Production first: it is where an exposed credential does most harm.
		for i := len(s.Environments) - 1; i >= 0; i-- {
			env := s.Environments[i]
			prod := runbook.IsProduction(env)
			if afterReplace && prod && !s.Restricted {
				continue // killed by its revoke step, right after its replacement
			}
			// A restricted credential keeps working in production only.
			add(runbook.PhaseContain, env, s.Strategy == runbook.StrategyRevokeFirst || (afterReplace && !prod))
		}
	}
	if keep(runbook.PhaseContain, AllEnvironments) && s.Class == exposure.KillNow {
		// What it could read is listed and killed from T0, in a lane of
		// its own.
		for i := range s.ReadReach {
			steps = append(steps, Step{SecretID: s.ID, Environment: AllEnvironments, Phase: runbook.PhaseContain, Reach: i + 1})
		}
	}
	if has(runbook.PhaseInvestigate) {
		add(runbook.PhaseInvestigate, AllEnvironments, false)
	}
	created := false
	ladder := func(envs []string) {
		for _, env := range envs {
			for _, p := range perEnv {
				switch {
				case !has(p):
				case p == runbook.PhaseCreate && shared:
					if !created {
						add(p, AllEnvironments, false)
					}
					created = true
				default:
					add(p, env, false)
				}
			}
		}
	}
	revoke := func(envs []string) {
		if has(runbook.PhaseRevoke) && shared {
			add(runbook.PhaseRevoke, AllEnvironments, true)
		} else if has(runbook.PhaseRevoke) {
			for _, env := range envs {
				add(runbook.PhaseRevoke, env, true)
			}
		}
	}
	if prodFirst {
		var prod []string
		for _, e := range s.Environments {
			if runbook.IsProduction(e) {
				prod = append(prod, e)
			}
		}
		ladder(prod)
		revoke(prod)
		ladder(lowerEnvs(s.Environments))
	} else {
		ladder(s.Environments)
		revoke(s.Environments)
	}
	if has(runbook.PhaseCleanup) {
		add(runbook.PhaseCleanup, AllEnvironments, false)
	}
	return steps
}

// consumerRuntime is how a consumer runs: a CI pipeline when the request
// deploys with CI/CD and the consumer's name says it is one, otherwise the
// one runtime deployment method (Kubernetes, serverless, VM, manual), or
// CI/CD. When the request lists several runtimes, a consumer the catalogue
// knows by name on exactly one of them runs there; any other is "" (not
// said: a question, never the first runtime listed).
func consumerRuntime(f *Facts, cat *catalog.Catalog, name string) runbook.Deployment {
	if runbook.OneOf(f.Deployment, runbook.DeployCICD) && intake.DefaultLexicon().IsPipeline(name) {
		return runbook.DeployCICD
	}
	var runtimes []runbook.Deployment
	for _, d := range f.Deployment {
		if d != runbook.DeployCICD {
			runtimes = append(runtimes, d)
		}
	}
	switch len(runtimes) {
	case 0:
		return runbook.DeployCICD
	case 1:
		return runtimes[0]
	}
	var named []runbook.Deployment
	for _, r := range runtimes {
		if d := cat.Deployment(r); d != nil {
			if k := d.KnownConsumer(name); k != nil && len(k.Names) > 0 && runbook.OneOf(k.Names, strings.ToLower(name)) {
				named = append(named, r)
			}
		}
	}
	if len(named) == 1 {
		return named[0]
	}
	return ""
}

// placeWorkload sets what the catalogue knows of a consumer on its runtime
// (deployments.yaml): its workload kind, the workloads that re-read a secret
// for it, whether it runs on a schedule. A kind the request already gave
// wins; one neither gives stays "" (a placeholder and a question).
func placeWorkload(cat *catalog.Catalog, c *Consumer) {
	if d := cat.Deployment(c.Runtime); d != nil {
		if k := d.KnownConsumer(c.Name); k != nil {
			c.Known, c.Targets, c.AlertPath = k.ID, k.Targets, k.AlertPath
			if c.Workload == "" {
				c.Workload = k.Workload
				c.Scheduled = k.Scheduled
			}
		}
	}
	if c.Workload == "cronjob" || c.Workload == "timer" {
		c.Scheduled = true
	}
}

// serverlessPlatform is the cloud a serverless consumer runs on
// (deployments.yaml platforms): the words of its name, then of its secret's
// notes and the request's constraints ("export-lambda", "runs on Cloud
// Run"), then the secret store, then the one cloud provider among the
// request's secrets; "" when none says it (asked: never AWS by default).
func serverlessPlatform(f *Facts, cat *catalog.Catalog, s *Secret, c *Consumer) string {
	d := cat.Deployment(runbook.DeployServerless)
	if c.Runtime != runbook.DeployServerless || d == nil || len(d.Platforms) == 0 {
		return ""
	}
	texts := []string{c.Name, s.Notes}
	for _, k := range f.Constraints {
		texts = append(texts, k.Text)
	}
	spaced := strings.NewReplacer("-", " ", "_", " ")
	for _, t := range texts {
		if p := d.PlatformIn(spaced.Replace(strings.ToLower(t))); p != nil {
			return p.ID
		}
	}
	for _, p := range d.Platforms {
		if runbook.OneOf(p.Stores, f.SecretStore) {
			return p.ID
		}
	}
	var clouds []string
	for _, x := range f.Secrets {
		for _, p := range d.Platforms {
			if slices.Contains(p.Providers, x.Provider) {
				clouds = appendOnce(clouds, p.ID)
			}
		}
	}
	if len(clouds) == 1 {
		return clouds[0]
	}
	return ""
}

// howLoaded says how a consumer gets the value, so deploy steps can say how it
// re-reads it.
func howLoaded(f *Facts, cat *catalog.Catalog, s *Secret, c Consumer) string {
	if c.Legacy {
		return "read once at process start-up (legacy): needs an explicit restart"
	}
	if !s.Entry.IsStored() {
		return "obtained from " + s.ProviderName + " at run time (the credential is not copied into a store)"
	}
	if f.BuildTime && c.Runtime == runbook.DeployCICD {
		return "injected by the CI/CD pipeline at build time: needs a rebuild and redeploy"
	}
	if c.Runtime == "" {
		return "how it runs is not said (an open item asks which of the request's runtimes)"
	}
	if c.Known != "" {
		if k := knownOf(cat, c); k != nil {
			if nr := k.NoRestartFor(strings.ToLower(s.Name + " " + s.Notes)); nr != nil {
				return "picked up without a restart (" + k.ID + ")"
			}
		}
	}
	// What the request says it reads: its own UI, a file on its hosts, a
	// standby that is not running (review17-cold5 P6: "fetched from Azure
	// Key Vault when the service starts" for a cron reading ~/.my.cnf).
	switch {
	case c.Workload == "ui":
		return "entered by hand in its own settings (its admin or config UI): a new value in the store does not reach it"
	case c.File != "" && c.ManagedBy != "":
		return "read from " + c.File + " on its hosts, written there by " + c.ManagedBy
	case c.File != "" && c.Scheduled:
		return "read from " + c.File + " on its host at each run: the new value is written there, and its next run reads it"
	case c.File != "":
		return "read from " + c.File + " on its hosts: the new value is written there, then it is restarted"
	case c.Workload == "standby":
		return "a cold standby, not running: the new value is put in place for when it starts"
	}
	st := cat.Store(s.Store)
	if st == nil {
		st = cat.Store(runbook.StoreOther)
	}
	how := st.Loaded[c.Runtime]
	switch {
	case c.Scheduled:
		how += " (runs on a schedule: reads it at its next run)"
	case c.Workload != "" && c.Workload != "deployment":
		how += " (" + c.Workload + ")"
	}
	return how
}

// knownOf is the catalogue's known consumer a consumer matched, or nil.
func knownOf(cat *catalog.Catalog, c Consumer) *catalog.Known {
	if d := cat.Deployment(c.Runtime); d != nil {
		return d.KnownByID(c.Known)
	}
	return nil
}

// StoreName is the human name of a secret store.
func StoreName(s runbook.SecretStore) string {
	if st := catalog.Default().Store(s); st != nil {
		return st.Name
	}
	return "the secret store"
}
