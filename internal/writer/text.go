package writer

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// sc is the context every piece of step text is written in: one secret, one
// environment.
type sc struct {
	f   *planner.Facts
	s   *planner.Secret
	env string
}

func (c sc) prod() bool { return runbook.IsProduction(c.env) }

func (c sc) path() string {
	if p, ok := c.s.StorePaths[c.env]; ok {
		return p
	}
	return planner.StoreName(c.s.Store)
}

// in names the environment ("in staging", "in every environment").
func (c sc) in() string {
	if c.env == planner.AllEnvironments {
		return "in every environment (" + strings.Join(c.s.Environments, ", ") + ")"
	}
	return "in " + c.env
}

// when says when a production step happens: in the secret's window if it has
// one.
func (c sc) when() string {
	if c.prod() && c.s.Window != "" {
		return " during the " + c.s.Window
	}
	return ""
}

func (c sc) consumers() []string {
	out := make([]string, len(c.s.Consumers))
	for i, k := range c.s.Consumers {
		out[i] = k.Name
	}
	return out
}

// consumerList is "billing-api and worker-billing", or a note that none is known.
func (c sc) consumerList() string {
	if len(c.s.Consumers) == 0 {
		return "every consumer found in the pre-rotation inventory"
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

func code(s string) string { return "`" + s + "`" }

// runtime is the first deployment method that actually runs the consumers.
func runtime(f *planner.Facts) runbook.Deployment {
	for _, d := range f.Deployment {
		if d != runbook.DeployCICD {
			return d
		}
	}
	return runbook.DeployCICD
}

// refresh is what makes the runtime pick up a new store version before
// consumers restart (External Secrets syncs on an interval), or "".
func refresh(c sc) string {
	onK8s := false
	for _, k := range c.s.Consumers {
		onK8s = onK8s || k.Runtime == runbook.DeployKubernetes
	}
	if !onK8s {
		return ""
	}
	switch c.s.Store {
	case runbook.StoreKubernetesSecrets, runbook.StoreEnvVars, runbook.StoreVault:
		return ""
	}
	return "force the External Secrets refresh (" + code(fmt.Sprintf("kubectl -n %s annotate externalsecret %s force-sync=$(date +%%s) --overwrite", c.env, c.s.ID)) + ")"
}

// reload says how one consumer re-reads the secret in an environment.
func reload(c sc, k planner.Consumer) string {
	env := c.env
	switch {
	case k.Legacy:
		return fmt.Sprintf("restart %s explicitly (it reads the value only at start-up)", k.Name)
	case c.f.BuildTime:
		return fmt.Sprintf("rebuild and redeploy %s (the value is baked in at build time)", k.Name)
	}
	switch k.Runtime {
	case runbook.DeployKubernetes:
		return code(fmt.Sprintf("kubectl -n %s rollout restart deployment/%s", env, k.Name))
	case runbook.DeployServerless:
		return fmt.Sprintf("publish a new version of %s so new instances read the value at cold start", k.Name)
	case runbook.DeployVM:
		return fmt.Sprintf("%s on each %s host", code("sudo systemctl restart "+k.Name), env)
	case runbook.DeployManual:
		return fmt.Sprintf("restart %s by hand on each %s host", k.Name, env)
	}
	return fmt.Sprintf("re-run %s for %s so it reads the new CI/CD variable", k.Name, env)
}

// rolloutCheck says how to see that a consumer's redeploy finished.
func rolloutCheck(c sc, k planner.Consumer) string {
	switch k.Runtime {
	case runbook.DeployKubernetes:
		return code(fmt.Sprintf("kubectl -n %s rollout status deployment/%s", c.env, k.Name))
	case runbook.DeployServerless:
		return fmt.Sprintf("the new %s version serves traffic", k.Name)
	case runbook.DeployCICD:
		return fmt.Sprintf("the %s run succeeds end to end", k.Name)
	}
	return fmt.Sprintf("%s reports healthy after the restart", k.Name)
}

// storeNew writes the store step: the value goes from the provider straight into
// the store, never through chat, tickets or shell history.
func storeNew(c sc, next bool) string {
	path := c.path()
	name := c.s.EnvVar
	if next {
		path += "-next"
		name += "_NEXT"
	}
	var how string
	switch c.s.Store {
	case runbook.StoreAWSSecretsManager:
		if next {
			how = code(fmt.Sprintf("aws secretsmanager create-secret --name %s --secret-string file:///dev/stdin", path))
		} else {
			how = code(fmt.Sprintf("aws secretsmanager put-secret-value --secret-id %s --secret-string file:///dev/stdin", path)) +
				" (the new version becomes AWSCURRENT; the old one stays as AWSPREVIOUS)"
		}
	case runbook.StoreVault:
		how = code(fmt.Sprintf("vault kv put %s value=-", path)) + " (KV v2 keeps the previous version for rollback)"
	case runbook.StoreGCPSecretManager:
		how = code(fmt.Sprintf("gcloud secrets versions add %s --data-file=-", path)) + " (the previous version stays enabled)"
	case runbook.StoreAzureKeyVault:
		how = code(fmt.Sprintf("az keyvault secret set --id %s --file /dev/stdin", path)) + " (the previous version stays retrievable)"
	case runbook.StoreDoppler:
		how = fmt.Sprintf("%s with the value on stdin (%s)", code("doppler secrets set "+name), path)
	case runbook.StoreInfisical:
		how = fmt.Sprintf("the Infisical console or CLI (%s), value from a file, never typed on the command line", path)
	case runbook.StoreKubernetesSecrets:
		how = code(fmt.Sprintf("kubectl -n %s create secret generic %s --from-file=%s=/dev/stdin --dry-run=client -o yaml | kubectl apply -f -", c.env, c.s.ID, name))
	case runbook.StoreEnvVars:
		how = fmt.Sprintf("the %s CI/CD variable %s (masked, protected)", c.env, name)
	default:
		how = fmt.Sprintf("the secret store entry %s, keeping the previous version", path)
	}
	return fmt.Sprintf("Store the new value %s as %s: %s. Pipe it from the provider straight into the store; never paste it into chat, tickets or shell history.", c.in(), code(name), how)
}

// storeCheck says how to prove the store step worked without reading the value.
func storeCheck(c sc, next bool) string {
	path := c.path()
	if next {
		path += "-next"
	}
	switch c.s.Store {
	case runbook.StoreAWSSecretsManager:
		return code("aws secretsmanager describe-secret --secret-id "+path) + " shows the new version id and the version stages you expect (record ids, never values)"
	case runbook.StoreVault:
		return code("vault kv metadata get "+path) + " shows a new current_version"
	case runbook.StoreGCPSecretManager:
		return code("gcloud secrets versions list "+path) + " shows the new version enabled"
	}
	return "the store's version history shows a new version written by you at this time (record the version id, never the value)"
}

// deployText rolls every consumer in the environment so it re-reads the value.
func deployText(c sc, what string) (string, string) {
	if len(c.s.Consumers) == 0 {
		return fmt.Sprintf("Redeploy or restart every consumer found in the pre-rotation inventory %s so it re-reads %s%s.", c.in(), what, c.when()),
			"each consumer's deploy finished and its logs show no authentication errors"
	}
	var acts, checks []string
	if r := refresh(c); r != "" {
		acts = append(acts, r)
	}
	for _, k := range c.s.Consumers {
		acts = append(acts, reload(c, k))
		checks = append(checks, rolloutCheck(c, k))
	}
	verb := "they re-read"
	if len(c.s.Consumers) == 1 {
		verb = "it re-reads"
	}
	return fmt.Sprintf("Roll out %s %s so %s %s%s: %s.", c.consumerList(), c.in(), verb, what, c.when(), strings.Join(acts, ", then ")),
		fmt.Sprintf("%s; error rate and authentication failures at baseline", strings.Join(checks, "; "))
}

// roleNames are the two users of an alternating-users pair.
func roleNames(s *planner.Secret) (string, string) {
	skip := map[string]bool{"postgres": true, "postgresql": true, "pg": true, "mysql": true, "mariadb": true, "password": true,
		"db": true, "database": true, "creds": true, "credentials": true, "user": true, "vault": true, "static": true, "role": true,
		"secret": true, "id": true, "approle": true, "aws": true, "rds": true, "for": true, "of": true, "the": true, "to": true,
		"token": true, "tokens": true, "key": true}
	var parts []string
	for _, p := range strings.Split(s.ID, "-") {
		if !skip[p] && p != "" {
			parts = append(parts, p)
		}
	}
	base := strings.Join(parts, "_")
	if base == "" {
		base = "app"
	}
	return base + "_a", base + "_b"
}

// hasWord reports whether the secret's name or notes contain one of phrases.
func hasWord(s *planner.Secret, phrases ...string) bool {
	text := strings.ToLower(s.Name + " " + s.Notes)
	for _, p := range phrases {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}
