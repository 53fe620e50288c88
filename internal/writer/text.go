package writer

import (
	"strconv"
	"strings"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// sc is the context every piece of step text is written in: one secret, one
// environment.
type sc struct {
	f   *planner.Facts
	s   *planner.Secret
	env string
	// only, when set, limits the consumers a deploy reaches (a signing key's
	// verifiers, then its signers).
	only []planner.Consumer
}

func (c sc) prod() bool { return runbook.IsProduction(c.env) }

func (c sc) path() string {
	if p, ok := c.s.StorePaths[c.env]; ok {
		return p
	}
	// Every environment: their common path, or the store's placeholder.
	var common string
	for _, p := range c.s.StorePaths {
		if common != "" && p != common {
			common = ""
			break
		}
		common = p
	}
	if common != "" && !strings.HasPrefix(common, "<") {
		return common
	}
	p := catalog.Fill(c.store().Path, map[string]string{"env": "ENV", "var": c.s.EnvVar, "name": c.s.Name})
	p = strings.Replace(p, "<ENV ", "<", 1)
	return strings.ReplaceAll(p, "ENV", "<environment>")
}

// failures names what a consumer logs when the secret is wrong.
func (c sc) failures() string {
	if c.s.Entry.Failures != "" {
		return c.s.Entry.Failures
	}
	switch c.s.Kind {
	case runbook.KindWebhookSecret:
		return "signature failures"
	case runbook.KindWebhookURL:
		return "rejected posts (error statuses)"
	case runbook.KindDatabasePassword:
		return "login failures"
	case runbook.KindSigningKey:
		return "token verification failures (401, invalid signature or unknown kid)"
	}
	return "authentication failures (401/403)"
}

// signals lists the failures to watch for in a rotation: authentication
// errors, and signature failures when a signing secret is rotated.
func signals(f *planner.Facts) string {
	var own []string
	http := false
	for _, s := range f.Secrets {
		switch {
		case s.Entry.Failures != "":
			if !runbook.OneOf(own, s.Entry.Failures) {
				own = append(own, s.Entry.Failures)
			}
		default:
			http = true
		}
	}
	if len(own) > 0 {
		// Products that do not speak HTTP fail in their own words.
		if http {
			// Named by protocol, so the list still reads when a view
			// drops the parentheses.
			g := generalSignals(f)
			if g == "authentication errors (401/403)" {
				g = "HTTP authentication errors (401/403)"
			}
			own = append(own, g)
		}
		return strings.Join(own, ", ")
	}
	return generalSignals(f)
}

func generalSignals(f *planner.Facts) string {
	for _, s := range f.Secrets {
		if s.Kind == runbook.KindWebhookSecret || s.Kind == runbook.KindSigningKey {
			return "authentication errors, signature failures"
		}
	}
	return "authentication errors (401/403)"
}

// rollbackText is the entry's rollback with the store's own command where it
// says to restore the previous store version.
func (c sc) rollbackText() string {
	text := c.fill(c.actions().Rollback)
	if c.s.Stored {
		text = strings.Replace(text, "restore the previous store version", c.fill(c.store().Rollback), 1)
	}
	return text
}

// vars are the template values of the context; consumer is set per consumer.
func (c sc) vars(consumer planner.Consumer) map[string]string {
	names := c.consumers()
	all := andList(names)
	if all == "" {
		all = "every consumer found in the pre-rotation checklist"
	}
	workload := consumer.Workload
	if workload == "" {
		// Not said, not known: never an invented Deployment.
		workload = "<workload-kind>"
	}
	namespace := c.s.Namespace
	if consumer.Namespace != "" {
		namespace = consumer.Namespace
	} else if namespace == "" {
		namespace = "<namespace>"
	}
	env := c.env
	if env == planner.AllEnvironments {
		env = "<environment>"
	}
	signer, verifier := planner.RoleNames(c.s)
	return map[string]string{
		"env": env, "name": c.s.Name, "var": c.s.EnvVar, "path": c.path(), "consumer": consumer.Name, "consumers": all,
		"namespace": namespace, "workload": workload, "wait": strconv.Itoa(c.s.PropagationSeconds),
		"active": c.s.Users.Active, "idle": c.s.Users.Idle, "provider": c.s.ProviderName, "signer": signer, "verifier": verifier,
		"valid_until": planner.ValidUntil(c.f), "playbook": playbook(consumer), "file": file(consumer),
	}
}

// file is the file on its hosts a consumer reads the value from, or a
// placeholder.
func file(k planner.Consumer) string {
	if k.File != "" {
		return k.File
	}
	return "<file>"
}

// playbook is the Ansible play the request names for a consumer, or a
// placeholder.
func playbook(k planner.Consumer) string {
	if k.Playbook != "" {
		return k.Playbook
	}
	return "<playbook>"
}

// fill fills a catalogue template in this context.
func (c sc) fill(tmpl string) string {
	return c.s.Known(catalog.Fill(tmpl, c.vars(planner.Consumer{})))
}

// fillUser fills a store template that writes a user name with its
// password ({user}).
func (c sc) fillUser(tmpl, user string) string {
	v := c.vars(planner.Consumer{})
	v["user"] = user
	return c.s.Known(catalog.Fill(tmpl, v))
}

func (c sc) actions() catalog.Actions { return c.s.Entry.Actions }

func (c sc) consumers() []string {
	out := make([]string, len(c.s.Consumers))
	for i, k := range c.s.Consumers {
		out[i] = k.Name
	}
	return out
}

// they is "it reads" for one consumer, "they read" for several.
func (c sc) they(one, many string) string {
	if len(c.s.Consumers) == 1 {
		return "it " + one
	}
	return "they " + many
}

// consumerList is "billing-api and worker-billing", or a note that none is known.
func (c sc) consumerList() string {
	if len(c.s.Consumers) == 0 {
		return "every consumer found in the pre-rotation checklist"
	}
	return andList(c.consumers())
}

func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	case 2:
		return items[0] + " and " + items[1]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// orList is "publish, release or deploy".
func orList(items []string) string {
	if len(items) < 2 {
		return andList(items)
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

func code(s string) string { return "`" + s + "`" }

// sentence ends a text with one full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "!") {
		return s
	}
	return s + "."
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" || (len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z') {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// runtime is the first deployment method that actually runs the consumers.
func runtime(f *planner.Facts) runbook.Deployment {
	for _, d := range f.Deployment {
		if d != runbook.DeployCICD {
			return d
		}
	}
	return runbook.DeployCICD
}

// store is the catalogue entry of the secret's store.
func (c sc) store() *catalog.Store {
	cat := catalog.Default()
	if st := cat.Store(c.s.Store); st != nil {
		return st
	}
	return cat.Store(runbook.StoreOther)
}

// reloadAll says how every consumer re-reads the secret: Kubernetes
// workloads of one kind share a command, the others get one each.
func reloadAll(c sc) (hows, checks []string) {
	d := catalog.Default().Deployment(runbook.DeployKubernetes)
	// Consumers in one namespace share a command; each keeps its workload kind.
	groups := map[string][]planner.Consumer{}
	var namespaces []string
	consumers := c.s.Consumers
	if c.only != nil {
		consumers = c.only
	}
	for _, k := range consumers {
		if k.Runtime == runbook.DeployKubernetes && !k.Legacy && !specEnv(c) && !special(c, d, k) && k.Sync == "" {
			if _, ok := groups[k.Namespace]; !ok {
				namespaces = append(namespaces, k.Namespace)
			}
			groups[k.Namespace] = append(groups[k.Namespace], k)
			continue
		}
		how, check := reload(c, k)
		hows, checks = append(hows, how), append(checks, check)
	}
	for _, ns := range namespaces {
		members := groups[ns]
		if len(members) == 1 {
			how, check := reload(c, members[0])
			hows, checks = append(hows, how), append(checks, check)
			continue
		}
		var targets []string
		for _, k := range members {
			targets = append(targets, workloadTargets(c, k)...)
		}
		v := c.vars(members[0])
		v["targets"] = strings.Join(targets, " ")
		hows = append(hows, c.s.Known(catalog.Fill(d.ReloadMany, v)))
		checks = append(checks, c.s.Known(catalog.Fill(d.CheckMany, v)))
	}
	return hows, checks
}

// frozen is the freeze that stops publishing or deploying the secret in a
// production environment, or nil.
func (c sc) frozen() *planner.Freeze {
	if !c.prod() && c.env != planner.AllEnvironments {
		return nil
	}
	for _, act := range []string{"publish", "deploy", "release"} {
		if z := c.f.Frozen(act, c.s.ID); z != nil {
			return z
		}
	}
	return nil
}

// reload says how one consumer re-reads the secret in the environment.
func reload(c sc, k planner.Consumer) (how, check string) {
	switch {
	case k.Legacy && !(k.Said && k.Runtime != ""):
		// A consumer the request says runs on a known runtime restarts
		// the way that runtime does (an ECS deployment, a new Lambda
		// configuration), not by a generic "restart".
		return "restart " + k.Name + " explicitly (it reads the value only at start-up)", k.Name + " reports healthy after the restart"
	case k.Runtime == runbook.DeployCICD && (k.Workload == "build" || k.Workload == "static_build"):
		// The request says this consumer bakes the value in: only a new
		// build carries it, whatever the pipeline rules below say (a
		// static bundle also invalidates its CDN).
		if w, ok := catalog.Default().Deployment(runbook.DeployCICD).Workloads[k.Workload]; ok {
			v := c.vars(k)
			return c.s.Known(catalog.Fill(w.Reload, v)), c.s.Known(catalog.Fill(w.Check, v))
		}
	case c.f.BuildTime && k.Runtime == runbook.DeployCICD:
		return "rebuild and redeploy " + k.Name + " (the value is baked in at build time)", "the rebuilt " + k.Name + " is deployed and healthy"
	case k.Runtime == runbook.DeployCICD && c.frozen() != nil:
		// A release freeze: the pipeline is not re-run, it re-reads the
		// variable at its first run after the freeze; the verify step's dry
		// run proves the value meanwhile.
		z := c.frozen()
		until := ""
		if z.Until != "" {
			until = " (until " + z.Until + ")"
		}
		return "do not re-run the " + k.Name + " pipeline while freeze " + z.ID + until + " holds; its first run after the freeze re-reads the new value",
			"the variable shows your change in its audit log (never print the value); the verify step's dry run proves the value"
	case k.Runtime == runbook.DeployCICD && (c.prod() || c.env == planner.AllEnvironments || c.s.Exposed):
		// A production pipeline run deploys or releases (a side effect, not
		// a check), and in an incident it may need credentials that are
		// still dead: the pipeline re-reads the variable at its next
		// regular run, and the verify step's read-only check proves the
		// value now (ROTATION_RULES.md §2 rule 19).
		return "nothing to start by hand: the " + k.Name + " pipeline re-reads the new value at its next regular run; do not trigger a run to test it (a run deploys or releases, and may need credentials not yet restored)",
			"the variable shows your change in its audit log (never print the value); the verify step's read-only check proves the value, and the next regular " + k.Name + " run succeeds"
	case specEnv(c) && k.Runtime == runbook.DeployKubernetes:
		return "re-run the pipeline that renders " + k.Name + "'s spec with the new value and applies it (a `rollout restart` would reuse the old spec and the old value)",
			"new " + k.Name + " pods carry the new value: a hash of the variable in a new pod matches a hash of the stored value (never print the value)"
	}
	if k.Runtime == "" {
		return "redeploy " + k.Name + " on its runtime (<runtime>, asked at the top)",
			k.Name + " runs on the new value with no authentication errors"
	}
	d := catalog.Default().Deployment(k.Runtime)
	if d == nil {
		d = catalog.Default().Deployment(runbook.DeployCICD)
	}
	v := c.vars(k)
	how, check = d.Reload, d.Check
	env, hasEnv := d.Workloads["env_vars"]
	if k.Runtime == runbook.DeployServerless && len(d.Platforms) > 0 {
		// Its own cloud's commands: the Deployment's are AWS Lambda's, and
		// a platform nothing says gets none (deployments.yaml platforms).
		p := d.Platform(k.Platform)
		if p == nil {
			p = d.NoPlatform
		}
		if p != nil && p.Reload != "" {
			how, check = p.Reload, p.Check
		}
		if p != nil && p.EnvReload != "" {
			env, hasEnv = catalog.Workload{Reload: p.EnvReload, Check: p.EnvCheck}, true
		}
	}
	if hasEnv && k.Runtime == runbook.DeployServerless && specEnv(c) {
		// The value lives in the function's own variables: written there.
		how, check = env.Reload, env.Check
	}
	switch w, ok := workloadOverride(c, d, k); {
	case ok:
		how, check = w.Reload, w.Check
	case len(k.Targets) > 0 && d.ReloadMany != "":
		v["targets"] = strings.Join(workloadTargets(c, k), " ")
		how, check = d.ReloadMany, d.CheckMany
	}
	// A Secret an ExternalSecret or the CSI driver fills: the sync is
	// forced first, whatever the consumer's own reload is.
	if w, ok := d.Workloads[k.Sync]; ok && k.Sync != "" && k.Runtime == runbook.DeployKubernetes {
		how, check = w.Reload+"; then "+how, w.Check+"; "+check
	}
	// A file on its hosts that the request names: the value is written
	// there first, by hand only where no tool owns the hosts (an Ansible
	// run writes it, and a hand edit is reverted).
	if w, ok := catalog.Default().Deployment(runbook.DeployVM).Workloads["file"]; ok && k.File != "" && k.ManagedBy == "" && k.Workload != "ui" {
		how, check = w.Reload+", then "+how, w.Check+"; "+check
	}
	return c.s.Known(catalog.Fill(how, v)), c.s.Known(catalog.Fill(check, v))
}

// workloadOverride is how a consumer reloads when its runtime's default
// does not apply: a secret it picks up without a restart, the change path
// that owns it (GitOps, Ansible), or its workload kind (a CronJob, a timer).
func workloadOverride(c sc, d *catalog.Deployment, k planner.Consumer) (catalog.Workload, bool) {
	if known := d.KnownByID(k.Known); known != nil {
		if nr := known.NoRestartFor(strings.ToLower(c.s.Name + " " + c.s.Notes)); nr != nil {
			return catalog.Workload{Reload: nr.Reload, Check: nr.Check}, true
		}
	}
	if w, ok := d.Workloads[k.ManagedBy]; ok && k.ManagedBy != "" {
		return w, true
	}
	w, ok := d.Workloads[k.Workload]
	return w, ok
}

// special reports whether a consumer reloads by its own text rather than
// in a shared rollout command.
func special(c sc, d *catalog.Deployment, k planner.Consumer) bool {
	_, ok := workloadOverride(c, d, k)
	return ok
}

// workloadTargets are the kind/name workloads a consumer rolls out: those
// the catalogue knows for it (Argo CD's repo-server and controller), or its
// own, with a placeholder kind when none is known.
func workloadTargets(c sc, k planner.Consumer) []string {
	if len(k.Targets) > 0 {
		return k.Targets
	}
	return []string{c.vars(k)["workload"] + "/" + k.Name}
}

// specEnv reports whether the secret is a CI/CD variable written into the
// Kubernetes workload's spec by the pipeline: only re-rendering the spec
// changes it.
func specEnv(c sc) bool {
	return c.s.Stored && c.s.Store == runbook.StoreEnvVars
}
