package planner

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// containPhase reports whether a phase belongs to the containment track.
func containPhase(p runbook.Phase) bool {
	return p == runbook.PhaseContain || p == runbook.PhaseInvestigate
}

// order groups the secrets into tracks and numbers every step:
//   - a leak or an offboarding opens with a containment track (contain and
//     investigate for every exposed secret, most urgent first);
//   - incidents then rotate the most urgent secrets first;
//   - scheduled work rotates low-risk secrets first as the canary, and each
//     high-risk secret on a track of its own;
//   - inside a secret, lower environments are created, deployed and verified
//     before production, and the old credential is revoked only after
//     production is verified.
func order(f *Facts) {
	secrets := make([]*Secret, len(f.Secrets))
	for i := range f.Secrets {
		secrets[i] = &f.Secrets[i]
	}
	incident := f.Trigger.IsLeak() || f.Trigger == runbook.TriggerOffboarding
	for _, s := range secrets {
		if s.Compromise != CompromiseNone || s.Strategy == runbook.StrategyRevokeFirst {
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

	if incident {
		sort.SliceStable(secrets, func(i, j int) bool {
			a, b := secrets[i], secrets[j]
			if a.Urgency.Score != b.Urgency.Score {
				return a.Urgency.Score > b.Urgency.Score
			}
			return a.ID < b.ID
		})
		name := "Containment"
		reason := "exposed credentials are revoked or restricted and their use reviewed before anything is rebuilt"
		if f.Trigger == runbook.TriggerOffboarding {
			name = "Remove the departing person's access"
			reason = "the person's own credentials and access go first; shared secrets they knew are rotated next"
		}
		t := Track{Name: name, Reason: reason}
		var steps []Step
		for _, s := range secrets {
			if cs := secretSteps(s, containPhase); len(cs) > 0 {
				t.SecretIDs = append(t.SecretIDs, s.ID)
				steps = append(steps, cs...)
			}
		}
		addTrack(t, steps)
		for _, group := range incidentGroups(secrets) {
			t := Track{Name: group.name, Reason: group.reason}
			var steps []Step
			for _, s := range group.secrets {
				t.SecretIDs = append(t.SecretIDs, s.ID)
				steps = append(steps, secretSteps(s, func(p runbook.Phase) bool { return !containPhase(p) })...)
			}
			addTrack(t, steps)
		}
	} else {
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
		for _, group := range scheduledGroups(secrets) {
			t := Track{Name: group.name, Reason: group.reason}
			var steps []Step
			for _, s := range group.secrets {
				t.SecretIDs = append(t.SecretIDs, s.ID)
				steps = append(steps, secretSteps(s, func(runbook.Phase) bool { return true })...)
			}
			addTrack(t, steps)
		}
	}
	for _, st := range f.Steps {
		if !containPhase(st.Phase) {
			f.SecretByID(st.SecretID).Track = st.Track
		}
	}
}

type group struct {
	name, reason string
	secrets      []*Secret
}

func scheduledGroups(sorted []*Secret) []group {
	var out []group
	var low, medium []*Secret
	var high []*Secret
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
		out = append(out, group{name: "Canary: low-risk secrets", reason: "lowest rotation risk first: proves the procedure, the store and the deploy path before riskier secrets", secrets: low})
	}
	if len(medium) > 0 {
		reason := "medium rotation risk, after the canary is verified"
		if len(low) == 0 {
			reason = "lowest rotation risk in this job, so it goes first as the canary"
		}
		out = append(out, group{name: "Medium-risk secrets", reason: reason, secrets: medium})
	}
	for _, s := range high {
		out = append(out, group{name: "High risk: " + s.Name, reason: "high rotation risk: on its own track so a problem cannot mix with other changes (" + strings.Join(s.RotationRisk.Factors, "; ") + ")", secrets: []*Secret{s}})
	}
	return out
}

func incidentGroups(sorted []*Secret) []group {
	var out []group
	for _, s := range sorted {
		if s.RotationRisk.Level == runbook.LevelHigh {
			out = append(out, group{name: fmt.Sprintf("%s: %s (high risk)", s.Urgency.Priority, s.Name),
				reason: "most urgent first; high rotation risk, so on its own track", secrets: []*Secret{s}})
			continue
		}
		name := fmt.Sprintf("%s secrets", s.Urgency.Priority)
		if k := len(out) - 1; k >= 0 && out[k].name == name {
			out[k].secrets = append(out[k].secrets, s)
			continue
		}
		out = append(out, group{name: name, reason: "most urgent first (" + string(s.Urgency.Priority) + ")", secrets: []*Secret{s}})
	}
	return out
}

// secretSteps expands a secret's phases over its environments, keeping those
// keep accepts.
func secretSteps(s *Secret, keep func(runbook.Phase) bool) []Step {
	var steps []Step
	add := func(p runbook.Phase, env string) {
		if keep(p) {
			steps = append(steps, Step{SecretID: s.ID, Environment: env, Phase: p})
		}
	}
	has := func(p runbook.Phase) bool { return runbook.OneOf(s.Phases, p) }
	perEnv := []runbook.Phase{runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify}
	if has(runbook.PhaseFreeze) {
		add(runbook.PhaseFreeze, AllEnvironments)
	}
	if has(runbook.PhaseContain) {
		// Production first: it is where an exposed credential does most harm.
		for i := len(s.Environments) - 1; i >= 0; i-- {
			add(runbook.PhaseContain, s.Environments[i])
		}
	}
	if has(runbook.PhaseInvestigate) {
		add(runbook.PhaseInvestigate, AllEnvironments)
	}
	for _, env := range s.Environments {
		for _, p := range perEnv {
			if has(p) {
				add(p, env)
			}
		}
	}
	if has(runbook.PhaseRevoke) {
		for _, env := range s.Environments {
			add(runbook.PhaseRevoke, env)
		}
	}
	for _, p := range []runbook.Phase{runbook.PhaseCleanup, runbook.PhaseUnfreeze} {
		if has(p) {
			add(p, AllEnvironments)
		}
	}
	return steps
}

var ciConsumerRE = regexp.MustCompile(`(?i)pipeline|\bbuild|\brelease|runner|workflow|\bci\b|github.actions|jenkins`)

// consumerRuntime is how a consumer runs: a CI pipeline when the request
// deploys with CI/CD and the consumer's name says it is one, otherwise the
// first runtime deployment method (Kubernetes, serverless, VM, manual), or CI/CD.
func consumerRuntime(f *Facts, name string) runbook.Deployment {
	if runbook.OneOf(f.Deployment, runbook.DeployCICD) && ciConsumerRE.MatchString(name) {
		return runbook.DeployCICD
	}
	for _, d := range f.Deployment {
		if d != runbook.DeployCICD {
			return d
		}
	}
	return runbook.DeployCICD
}

// howLoaded says how a consumer gets the value, so deploy steps can say how it
// re-reads it.
func howLoaded(f *Facts, s *Secret, c Consumer) string {
	if c.Legacy {
		return "read once at process start-up (legacy): needs an explicit restart"
	}
	store := StoreName(s.Store)
	switch c.Runtime {
	case runbook.DeployKubernetes:
		switch s.Store {
		case runbook.StoreKubernetesSecrets:
			return "Kubernetes Secret exposed as an environment variable: re-read on pod restart"
		case runbook.StoreVault:
			return "Vault Agent injector file rendered into the pod: re-read on pod restart unless the app watches the file"
		case runbook.StoreEnvVars:
			return "environment variable in the Deployment spec: re-read on rollout"
		}
		return "Kubernetes Secret synced from " + store + " (External Secrets Operator), exposed as an environment variable: re-read on pod restart"
	case runbook.DeployServerless:
		return "function configuration / fetched from " + store + " at cold start: re-read on a new function version"
	case runbook.DeployVM:
		return "environment file on the host, filled from " + store + " at deploy: re-read on service restart"
	case runbook.DeployManual:
		return "set by hand on the host from " + store + ": re-read on a manual restart"
	}
	if f.BuildTime {
		return "injected by the CI/CD pipeline at build time: needs a rebuild and redeploy"
	}
	return "CI/CD variable filled from " + store + ": read by the pipeline's next run"
}

// StoreName is the human name of a secret store.
func StoreName(s runbook.SecretStore) string {
	switch s {
	case runbook.StoreVault:
		return "Vault"
	case runbook.StoreAWSSecretsManager:
		return "AWS Secrets Manager"
	case runbook.StoreGCPSecretManager:
		return "GCP Secret Manager"
	case runbook.StoreAzureKeyVault:
		return "Azure Key Vault"
	case runbook.StoreDoppler:
		return "Doppler"
	case runbook.StoreInfisical:
		return "Infisical"
	case runbook.StoreKubernetesSecrets:
		return "Kubernetes Secrets"
	case runbook.StoreEnvVars:
		return "environment variables"
	}
	return "the secret store"
}
