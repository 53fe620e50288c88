package planner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// catalogGaps raises, at the top of the runbook, every secret whose
// provider rotor's catalogue does not know (ROTATION_RULES §1, "unknown /
// other": an open question, not a silent cutover). For an entry whose
// overlap is unknown the question is whether the provider allows a second
// live credential; its create steps wait for the answer. A credential
// revoked first (a public leak) is killed regardless, so nothing waits.
func catalogGaps(f *Facts, req *runbook.Request) {
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if s.Drafted {
			continue // draftedItems asks about it
		}
		source := fmt.Sprintf("secrets[%d].provider", i)
		if i < len(req.Secrets) && req.Secrets[i].Provider == "" {
			source = fmt.Sprintf("secrets[%d].name", i)
		}
		kind := kindPhrase(s.Kind)
		switch {
		case s.Entry.OverlapUnknown:
			who := s.ProviderName
			if s.Provider == "unknown" {
				who = "its provider"
			}
			// What the card shows: a question a person can answer, in
			// the product's words, not rotor's (review19 round 3 S7).
			generic := fmt.Sprintf("its steps are generic %s steps, not %s's own", categoryOf(s.Entry), providerLabel(s))
			second := fmt.Sprintf("does %s allow a second live %s beside the current one", who, kind)
			switch {
			case s.Kind == runbook.KindWebhookURL:
				second = fmt.Sprintf("can %s add a second incoming webhook for the same target", who)
			case s.Entry.ID == "generic-unknown-kafka":
				second = fmt.Sprintf("can %s hold a second SASL user with the same ACLs", who)
			}
			text := fmt.Sprintf("%s: %s: %s?", s.Name, generic, second)
			switch {
			case s.Entry.Provider() != nil && s.Entry.Provider().ID != "generic":
				text = fmt.Sprintf("%s: %s?", s.Name, second)
			case catalog.Default().Provider(s.Provider) != nil:
				text = fmt.Sprintf("%s: its steps are generic %s steps: %s?", s.Name, categoryOf(s.Entry), second)
			}
			known := s.Entry.Provider() != nil && s.Entry.Provider().ID != "generic"
			if s.Strategy == runbook.StrategyRevokeFirst {
				if known {
					// Its own commands revoke it first: nothing to ask.
					continue
				}
				// The kill never waits; its replacement does, for what
				// rotor does not know about the product.
				text = fmt.Sprintf("%s: %s: can %s delete %s or only regenerate it, and hold two at once?", s.Name, generic, who, article(kind))
				f.Raise(runbook.OpenItem{Source: source, Text: text,
					Question: fmt.Sprintf("For the replacement of %s (%s): does %s delete (revoke) %s or only regenerate it, can one project or account hold two keys at once, and do staging and production share one key (then one revoke kills both, and one replacement serves both)? It is revoked first (it leaked) at %s whatever the answer: the kill does not wait; find the answer in parallel, then add %s to the catalogue directory.",
						s.Name, stepList(phaseSteps(f, s.ID, runbook.PhaseCreate)), who, article(kind), stepList(phaseSteps(f, s.ID, runbook.PhaseContain)), who),
					Blocks: phaseSteps(f, s.ID, runbook.PhaseCreate)})
				continue
			}
			how := `a "create key" action while one exists, a list of keys, or a second service account (or user) with the same role`
			yes := "the steps keep the old one until every consumer has moved"
			switch {
			case s.Entry.ID == "generic-unknown-kafka":
				f.Raise(runbook.OpenItem{Source: source, Text: text,
					Question: fmt.Sprintf("A SASL/SCRAM user has one password: can you create a second SCRAM user (same mechanism) with identical ACLs (topics, consumer groups, transactional ids) in %s? If yes, the steps create it beside the old one and switch username and password together; the old user stays until every client has moved. If not, changing the one password kills the old one at once: it becomes a hard cutover inside a maintenance window.", who),
					Blocks:   phaseSteps(f, s.ID, runbook.PhaseCreate)})
				continue
			case s.Entry.Failures != "":
				how = "several passwords or keys per user, or a second user with the same permissions"
			case s.Kind == runbook.KindWebhookURL:
				how = "a second incoming webhook for the same target"
			default:
				yes += " (a second service account changes the username stored with the secret too)"
			}
			q := fmt.Sprintf("Does %s allow a second live %s (%s)? If yes, %s. If it allows only one, the create step would kill the old one at once: it becomes a hard cutover inside a maintenance window.", who, kind, how, yes)
			if len(s.Environments) > 1 {
				// One account or project often serves every environment:
				// then a lower environment's steps act on production's.
				q += fmt.Sprintf(" Do %s use separate credentials? If they share one, it is rotated once, with production's steps.", andJoin(s.Environments))
			}
			blocks := phaseSteps(f, s.ID, runbook.PhaseCreate)
			if s.Kind == runbook.KindWebhookURL {
				// The revoke check must tell a dead URL from a live one: a
				// live webhook refuses a malformed post too.
				q += fmt.Sprintf(" Which status and error body does %s answer for a deleted or invalid webhook key (the revoke check needs that authentication error, not a payload error), and what payload does its endpoint accept (the verify's test post)?", who)
				blocks = append(blocks, phaseSteps(f, s.ID, runbook.PhaseRevoke)...)
			}
			f.Raise(runbook.OpenItem{Source: source, Text: text, Question: q, Blocks: blocks})
		case s.Provider != "unknown" && catalog.Default().Provider(s.Provider) == nil:
			// A provider named in the request that the catalogue lacks, for
			// a kind it has a generic entry for (an SSH key, a database password).
			// Its steps are generic: they wait until someone who knows
			// the product confirms them (a kill of an exposed one never
			// waits).
			q := fmt.Sprintf("The steps of %s are generic (\"the database's admin tool\"): confirm them with %s's own commands before they run, and add %s to the catalogue directory.", s.Name, s.ProviderName, s.ProviderName)
			if strings.HasPrefix(s.Users.Active, "<") || strings.HasPrefix(s.Users.Idle, "<") {
				q = fmt.Sprintf("Which user do the consumers of %s connect as now (%s), and which second user with identical grants takes over (%s)? If that second user does not exist, creating it is a change to production: its owner signs it off first. ", s.Name, s.Users.Active, s.Users.Idle) + q
			}
			f.Raise(runbook.OpenItem{Source: source,
				Text:     fmt.Sprintf("%s: its steps are generic %s steps: what are %s's own commands for them?", s.Name, kind, s.ProviderName),
				Question: q,
				Blocks:   rotationSteps(f, s.ID)})
		}
	}
}

// rotationSteps lists the step references of a secret's rotation: every
// phase but containment and the investigation, which never wait.
func rotationSteps(f *Facts, id string) []string {
	var out []string
	for _, st := range f.Steps {
		if st.SecretID == id && st.Phase != runbook.PhaseContain && st.Phase != runbook.PhaseInvestigate {
			out = append(out, fmt.Sprintf("s%d", st.Order))
		}
	}
	return out
}

// stepList names step references for a sentence ("steps 1 and 2").
func stepList(refs []string) string {
	// In the order the operator meets them.
	orders := make([]int, 0, len(refs))
	for _, r := range refs {
		var n int
		if _, err := fmt.Sscanf(r, "s%d", &n); err == nil {
			orders = append(orders, n)
		}
	}
	slices.Sort(orders)
	nums := make([]string, len(orders))
	for i, n := range orders {
		nums[i] = strconv.Itoa(n)
	}
	switch len(nums) {
	case 0:
		return "its containment step"
	case 1:
		return "step " + nums[0]
	}
	return "steps " + andJoin(nums)
}

// providerLabel names a secret's provider for a sentence.
func providerLabel(s *Secret) string {
	if s.Provider == "unknown" {
		return "its provider (not named)"
	}
	return s.ProviderName
}

// categoryOf says which kind of product a generic entry's checks speak to.
func categoryOf(e *catalog.Credential) string {
	switch {
	case e.Failures != "":
		return "message broker (SASL)"
	case runbook.OneOf(e.Kinds, runbook.KindWebhookURL) && len(e.Kinds) == 1:
		return "incoming webhook"
	}
	return "HTTP API"
}

// article puts "a" or "an" before a phrase.
func article(phrase string) string {
	if phrase != "" && strings.ContainsRune("AEIOUaeiou", rune(phrase[0])) {
		return "an " + phrase
	}
	return "a " + phrase
}

// kindPhrase is a kind as a reader says it ("API key", "database password").
func kindPhrase(k runbook.Kind) string {
	switch k {
	case runbook.KindAPIKey:
		return "API key"
	case runbook.KindOAuthClientSecret:
		return "OAuth client secret"
	case runbook.KindWebhookSecret:
		return "webhook signing secret"
	case runbook.KindWebhookURL:
		return "webhook URL"
	case runbook.KindCloudAccessKey:
		return "access key"
	case runbook.KindSSHKey:
		return "SSH key"
	case runbook.KindTLSPrivateKey:
		return "TLS key"
	case runbook.KindOther:
		return "credential"
	}
	return strings.ReplaceAll(string(k), "_", " ")
}

// phaseSteps lists the step references ("s12") of a secret's phase.
func phaseSteps(f *Facts, id string, p runbook.Phase) []string {
	var out []string
	for _, st := range f.Steps {
		if st.SecretID == id && st.Phase == p {
			out = append(out, fmt.Sprintf("s%d", st.Order))
		}
	}
	return out
}

// workloadGaps asks what the request did not say about how its consumers
// run, instead of inventing it: the runtime of a consumer when several are
// listed, the kind of a Kubernetes workload, and whether a scheduled job may
// run once before the old credential is revoked. Each question blocks the
// steps that depend on it.
func workloadGaps(f *Facts) {
	var runtimes, kinds, scheduled, platforms []string
	var runtimeIDs, kindIDs, scheduledIDs, platformIDs []string
	// restoring: a consumer of a credential killed before its replacement
	// runs: the answer is needed before T0, never after the kill.
	restoring := false
	for _, s := range f.Secrets {
		for _, c := range s.Consumers {
			switch {
			case c.Runtime == "":
				runtimes = appendOnce(runtimes, c.Name)
				if !s.Exposed {
					runtimeIDs = appendOnce(runtimeIDs, s.ID)
				}
			case c.Runtime == runbook.DeployServerless && c.Platform == "":
				// Nothing says which cloud: asked, never AWS by default.
				platforms = appendOnce(platforms, c.Name)
				if !s.Exposed {
					platformIDs = appendOnce(platformIDs, s.ID)
				}
			case c.Runtime == runbook.DeployKubernetes && c.Workload == "" && len(c.Targets) == 0 && c.ManagedBy == "" && !c.Legacy &&
				!(s.Stored && s.Store == runbook.StoreEnvVars):
				// (A CI variable rendered into the spec is rolled out by its
				// pipeline, whatever the workload's kind.) An exposed
				// credential's replacement waits too: its kill does not.
				kinds = appendOnce(kinds, c.Name)
				kindIDs = appendOnce(kindIDs, s.ID)
			}
			if c.Scheduled {
				scheduled = appendOnce(scheduled, c.Name)
				scheduledIDs = appendOnce(scheduledIDs, s.ID)
			}
		}
	}
	if len(runtimes) > 0 {
		var listed []string
		for _, d := range f.Deployment {
			if d != runbook.DeployCICD {
				listed = append(listed, string(d))
			}
		}
		f.Raise(runbook.OpenItem{Source: "deployment", Text: fmt.Sprintf("How does each of %s run (%s)?", andJoin(runtimes), strings.Join(listed, ", ")),
			Question: fmt.Sprintf("How does each of %s run (%s)? Their deploy steps say <runtime> until then; nothing is assumed to be serverless.", andJoin(runtimes), strings.Join(listed, " or ")),
			Blocks:   stepsOf(f, runtimeIDs, runbook.PhaseDeploy)})
	}
	if len(platforms) > 0 {
		f.Raise(runbook.OpenItem{Source: "deployment", Text: fmt.Sprintf("On which serverless platform does each of %s run?", andJoin(platforms)),
			Question: fmt.Sprintf("On which serverless platform does each of %s run: AWS Lambda, Google Cloud Run or Cloud Functions, or Azure Functions? Nothing in the request says it (no function name, store or cloud provider that names one), so their deploy steps say <serverless platform> until then; rotor never assumes AWS.", andJoin(platforms)),
			Blocks:   stepsOf(f, platformIDs, runbook.PhaseDeploy)})
	}
	// Only a deploy step that restores production after a kill makes the
	// question urgent: an offboarding's or an internal exposure's deploys
	// wait for it like any other (the gate statements test).
	for _, ref := range stepsOf(f, kindIDs, runbook.PhaseDeploy) {
		if st := stepByRef(f, ref); st != nil && f.Restores(st) {
			restoring = true
		}
	}
	if len(kinds) > 0 {
		q := fmt.Sprintf("What kind of workload is each of %s: Deployment, StatefulSet, DaemonSet, CronJob or Job? Their deploy steps show <workload-kind>/<name> (%s).", andJoin(kinds), stepList(stepsOf(f, kindIDs, runbook.PhaseDeploy)))
		if restoring {
			// The kill does not wait for it, and the restoration after the
			// kill must not: it is answered while the incident opens.
			q = fmt.Sprintf("What kind of workload is each of %s: Deployment, StatefulSet, DaemonSet, CronJob or Job? Restoring production after the kill needs it, and it takes a minute: `kubectl -n <namespace> get deployment,statefulset,daemonset,cronjob,job` lists them. Containment does not wait for the answer. The deploy steps show <workload-kind>/<name> until then.", andJoin(kinds))
		}
		// A CronJob or a Job has no rollout to restart.
		q += " A Deployment, StatefulSet or DaemonSet is restarted with `kubectl rollout restart`; a CronJob or Job is not: its next run reads the new value, or `kubectl create job <name>-rotation-check --from=cronjob/<name>` runs a CronJob once now if its owner says one run is harmless."
		if runbook.OneOf(f.Deployment, runbook.DeployCICD) {
			// ci_cd beside kubernetes was dropped without a word
			// (review17 acme): who rolls the workloads out is asked.
			q += " Does ci_cd deploy them?"
		}
		f.Raise(runbook.OpenItem{Source: "deployment", Text: fmt.Sprintf("What kind of workload is each of %s (Deployment, StatefulSet, DaemonSet, CronJob or Job)?", andJoin(kinds)),
			Question: q,
			Blocks:   stepsOf(f, kindIDs, runbook.PhaseDeploy)})
	}
	if len(scheduled) > 0 {
		f.Raise(runbook.OpenItem{Source: "deployment", Text: fmt.Sprintf("%s %s on a schedule and %s the new value only at the next run: is one run now harmless?", andJoin(scheduled), verb(len(scheduled), "runs", "run"), verb(len(scheduled), "reads", "read")),
			Question: fmt.Sprintf("Is one run of %s now harmless (or is there a dry run)? If yes, it proves the new value before the revoke; if not, the revoke waits until after its next scheduled run.", andJoin(scheduled)),
			Blocks:   stepsOf(f, scheduledIDs, runbook.PhaseRevoke)})
	}
}

// verb picks the singular or plural form for n subjects.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// stepsOf lists the step references of a phase of several secrets.
func stepsOf(f *Facts, ids []string, p runbook.Phase) []string {
	var out []string
	for _, id := range ids {
		out = append(out, phaseSteps(f, id, p)...)
	}
	return out
}

// DraftedLabel starts the open item of a secret whose steps come from a
// model's draft of a catalogue entry.
const DraftedLabel = "model-drafted: confirm"

// draftedItems raises, for each secret planned with a model's draft, that
// its steps are the model's and must be confirmed: its create steps wait
// for the answer, while an exposed credential is still killed at once.
func draftedItems(f *Facts) {
	for _, s := range f.Secrets {
		if !s.Drafted {
			continue
		}
		e := s.Entry
		claim := fmt.Sprintf("strategy %s, %s", e.Strategy, e.Overlap)
		if e.OverlapUnknown {
			claim = fmt.Sprintf("whether %s allows a second live credential is not confirmed, so the create step checks first", s.ProviderName)
		}
		blocks := phaseSteps(f, s.ID, runbook.PhaseCreate)
		if s.Exposed {
			blocks = []string{}
		}
		f.Raise(runbook.OpenItem{Source: "model",
			Text: fmt.Sprintf("%s: %s. rotor's catalogue has no entry for %s; the steps come from an entry a model drafted (%s)", s.Name, DraftedLabel, s.ProviderName, e.ID),
			Question: fmt.Sprintf("Confirm the drafted entry for %s against the vendor's own documentation before its steps run (%s; sources it named: %s). Its YAML is in catalog_drafts (GET /runbooks/{id}/catalog-drafts): once confirmed, commit it to the catalogue directory (ROTOR_CATALOG_DIR).",
				s.ProviderName, claim, strings.Join(e.Sources, "; ")),
			Blocks: blocks})
	}
}

// valueGaps asks where the values live and how they reach their consumers
// when the request does not say: the store steps show a <placeholder> path
// and write a field rotor cannot know, the deploy steps a <namespace>, and a
// restart re-reads the new value only if nothing syncs it on an interval.
// The steps that show them wait for the answer; containment never does.
func valueGaps(f *Facts) {
	var paths, namespaces, synced, managed []string
	var pathIDs, deployIDs, managedIDs []string
	for _, s := range f.Secrets {
		if s.Stored && s.Store != runbook.StoreEnvVars {
			for _, p := range s.StorePaths {
				if strings.Contains(p, "<") {
					paths = appendOnce(paths, s.Name)
					pathIDs = appendOnce(pathIDs, s.ID)
					break
				}
			}
		}
		k8s := false
		for _, c := range s.Consumers {
			k8s = k8s || c.Runtime == runbook.DeployKubernetes
		}
		if !k8s {
			continue
		}
		if s.Namespace == "<namespace>" {
			namespaces = appendOnce(namespaces, s.Name)
			deployIDs = appendOnce(deployIDs, s.ID)
		}
		// The request says how each Kubernetes consumer's Secret syncs
		// ("an ExternalSecret synced from Secrets Manager"): never asked back.
		said := true
		for _, c := range s.Consumers {
			said = said && (c.Runtime != runbook.DeployKubernetes || c.Sync != "")
		}
		if s.Stored && s.Store != runbook.StoreEnvVars && s.Store != runbook.StoreKubernetesSecrets && !said {
			synced = appendOnce(synced, s.Name)
			deployIDs = appendOnce(deployIDs, s.ID)
		}
		if s.Stored && s.Store == runbook.StoreKubernetesSecrets {
			// A Secret Helm, Argo CD or an operator owns reverts a
			// kubectl patch (review20 round 3): the store step writes
			// the source instead.
			managed = appendOnce(managed, s.Name)
			managedIDs = appendOnce(managedIDs, s.ID)
		}
	}
	if len(paths)+len(namespaces)+len(synced)+len(managed) == 0 {
		return
	}
	var asks, what []string
	// Secrets named once: a second list equal to the one before is
	// "those secrets" (Acme's three names were said three times).
	said := ""
	of := func(names []string) string {
		if j := andJoin(names); j != said {
			said = j
			return j
		}
		return "those secrets"
	}
	if len(paths) > 0 {
		what = append(what, "the store paths")
		// Asked of each secret's own store (holdout3 h3: the Vault KV path
		// was asked of two secrets kept in AWS Secrets Manager).
		var stores []runbook.SecretStore
		names, ids := map[runbook.SecretStore][]string{}, map[runbook.SecretStore][]string{}
		for _, id := range pathIDs {
			s := f.SecretByID(id)
			if _, ok := ids[s.Store]; !ok {
				stores = append(stores, s.Store)
			}
			names[s.Store], ids[s.Store] = appendOnce(names[s.Store], s.Name), append(ids[s.Store], id)
		}
		for _, st := range stores {
			where := strings.TrimPrefix(StoreName(st), "the ") + " path"
			if st == runbook.StoreVault {
				where = "Vault KV path"
			}
			// What the store steps write, as the store's write does it.
			writes := "write a field named after each secret's variable"
			if s := f.SecretByID(ids[st][0]); s != nil {
				writes += " (`" + s.EnvVar + "=-`)"
			}
			switch st {
			case runbook.StoreAWSSecretsManager:
				writes = "merge the field `<field>` into its JSON (a plain-string secret takes `$NEW` itself)"
			case runbook.StoreKubernetesSecrets:
				writes = "patch the key named after the variable, leaving the Secret's other keys"
			case runbook.StoreVault, "":
			default:
				writes = "write the whole value"
			}
			// A Secrets Manager store merges a field into a JSON object:
			// whether each secret is one is asked, never assumed (review20
			// round 6 A1: jq on a plain string printed the live value).
			fields := " and the fields its consumers read"
			if st == runbook.StoreAWSSecretsManager {
				fields = ", whether each is a JSON object, and the fields its consumers read"
			}
			asks = append(asks, fmt.Sprintf("the %s of %s%s (the store steps show a <placeholder> path and %s: %s)",
				where, of(names[st]), fields, writes, stepList(stepsOf(f, ids[st], runbook.PhaseStore))))
		}
	}
	if len(namespaces) > 0 {
		what = append(what, "the Kubernetes namespaces")
		asks = append(asks, fmt.Sprintf("the Kubernetes namespace of the consumers of %s (the deploy steps show <namespace>)", of(namespaces)))
	}
	if len(synced) > 0 {
		what = append(what, "the way each value reaches its pods")
		asks = append(asks, fmt.Sprintf("how each Kubernetes consumer of %s gets its value: External Secrets Operator, CSI driver, Vault Agent or a plain Secret (a restart before an interval sync reads the old value: force the sync first, for External Secrets Operator `kubectl -n <namespace> annotate externalsecret <name> force-sync=$(date +%%s) --overwrite`)", of(synced)))
	}
	if len(managed) > 0 {
		what = append(what, "who manages the Secrets")
		asks = append(asks, fmt.Sprintf("whether Helm, Argo CD or an operator manages the Kubernetes Secret of %s (a managed Secret reverts a kubectl patch: write the new value at its source instead)", of(managed)))
	}
	f.Raise(runbook.OpenItem{Source: "secret_store",
		Text:     "The request does not say: what are " + andJoin(what) + "?",
		Question: "What are " + strings.Join(asks, "; ") + "? Containment never waits for them.",
		// The create steps of a secret whose path is unknown wait too: many
		// providers show a new value once (SendGrid, GitHub), and a value
		// created with nowhere to store it is lost or kept in the clear
		// (review20 tabletop: the card's create said "copy it once into the
		// store" before the store path was due).
		Blocks: uniq(slices.Concat(stepsOf(f, pathIDs, runbook.PhaseCreate), stepsOf(f, pathIDs, runbook.PhaseStore), stepsOf(f, managedIDs, runbook.PhaseStore), stepsOf(f, deployIDs, runbook.PhaseDeploy)))})
}

// uniq keeps the first of each value, in order.
func uniq(in []string) []string {
	if len(in) == 0 {
		return in
	}
	out := []string{}
	for _, v := range in {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
