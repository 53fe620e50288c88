package planner

import (
	"strings"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// runtime applies what the request says about how a consumer runs
// (intake.FieldRuntime, review17-cold4 P5): its runtime, workload, platform,
// change path and playbook, on that consumer of every secret (a service runs
// the same way whichever secret it reads). What the text says is kept: the
// request-wide defaults fill only what it leaves unsaid.
func (a *applier) runtime(d intake.Directive) {
	f, r := a.f, a.r
	vals := append(append([]string{}, d.Values...), "", "", "", "", "")
	workload, platform, playbook, file, sync := vals[0], vals[1], vals[2], vals[3], vals[4]
	var named []string
	for i := range f.Secrets {
		for j := range f.Secrets[i].Consumers {
			c := &f.Secrets[i].Consumers[j]
			if !runbook.OneOf(d.Scope.Consumers, c.Name) {
				continue
			}
			// The phrase bound to this consumer says more than a workload
			// word anywhere in its sentence. A later sentence keeps what an
			// earlier one said unless it says a workload, and never a
			// coarser one ("served from Cloud Storage + Cloud CDN; the key
			// is injected at build time" stays a static build).
			// A Kubernetes phrase that says no workload ("via the Vault
			// agent injector") keeps the kind its sentence said ("a
			// Deployment"): probe8 b got <workload-kind>/billing-api.
			keepKind := workload == "" && d.Value == string(runbook.DeployKubernetes) && runbook.OneOf([]string{"deployment", "statefulset", "daemonset", "cronjob"}, c.Workload)
			if !keepKind && (!c.Said || workload != "" && !intake.Refines(workload, c.Workload)) {
				c.Workload = workload
			}
			c.Said = true
			c.Runtime = runbook.Deployment(d.Value)
			c.Scheduled = c.Workload == "scheduled" || c.Workload == "cronjob" || c.Workload == "timer" || c.Workload == "pod_per_run"
			if platform != "" {
				c.Platform = platform
			}
			if d.Tool != "" {
				c.ManagedBy = d.Tool
			}
			if playbook != "" {
				c.Playbook = playbook
			}
			if file != "" {
				c.File = file
			}
			if sync != "" {
				c.Sync = sync
			}
			named = appendOnce(named, c.Name)
		}
	}
	if len(named) == 0 {
		return
	}
	how := []string{runtimeName(d.Value)}
	if platform != "" {
		how = append(how, strings.ReplaceAll(platform, "_", " "))
	}
	if workload != "" {
		how = append(how, strings.ReplaceAll(workload, "_", " "))
	}
	if d.Tool != "" {
		how = append(how, "changed through "+d.Tool)
	}
	if playbook != "" {
		how = append(how, "playbook "+playbook)
	}
	if file != "" {
		how = append(how, "reads "+file)
	}
	if sync != "" {
		how = append(how, "its Secret synced by "+strings.ReplaceAll(sync, "_", " "))
	}
	r.add("", andJoin(named)+" runs on "+strings.Join(how, ", "), "its deploy step uses that runtime's reload, not a question")
}

// runtimeName is a runtime as the considered table says it.
func runtimeName(rt string) string {
	switch runbook.Deployment(rt) {
	case runbook.DeployCICD:
		return "CI/CD"
	case runbook.DeployVM:
		return "VMs"
	}
	return rt
}

// scopeChangePaths narrows a change path a secret's notes name to the
// consumers it configures, when the notes say so next to their names
// ("eligibility-consumer runs on EC2 configured only by Ansible"): the
// store step still writes the secret's store, and the other consumers
// reload on their own runtimes (review17-cold4 major 24: every consumer of
// the MSK secret became "Run the play <playbook>.yml").
func scopeChangePaths(f *Facts) {
	for i := range f.ChangePaths {
		cp := &f.ChangePaths[i]
		if len(cp.Consumers) > 0 || len(cp.SecretIDs) == 0 {
			continue
		}
		var managed []string
		whole := true
		for _, id := range cp.SecretIDs {
			s := f.SecretByID(id)
			if s == nil {
				continue
			}
			for _, c := range s.Consumers {
				if c.Said && c.ManagedBy == cp.Tool {
					managed = appendOnce(managed, c.Name)
				} else {
					whole = false
				}
			}
		}
		if len(managed) > 0 && !whole {
			cp.Consumers = managed
		}
	}
}

// BindsWholeSecret reports whether a change path binds every consumer of
// the secret: one the request scopes to some consumers changes only their
// rollout (their own reload), never the secret's store or create steps.
func (cp ChangePath) BindsWholeSecret(s *Secret) bool {
	if len(cp.Consumers) == 0 {
		return true
	}
	for _, c := range s.Consumers {
		if !runbook.OneOf(cp.Consumers, c.Name) {
			return false
		}
	}
	return true
}
