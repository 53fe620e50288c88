package writer

import (
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestGitOpsKeepsTheExternalStoreWrite: under "deployed by Argo CD only" a
// secret kept in Vault (or a cloud secret manager) still has its new value
// written to the store in the store step; only the deploy step becomes the
// GitOps commit. A secret kept in Kubernetes Secrets is committed in both.
func TestGitOpsKeepsTheExternalStoreWrite(t *testing.T) {
	for _, c := range []struct {
		store     runbook.SecretStore
		storeOnGo bool
	}{{runbook.StoreVault, false}, {runbook.StoreAWSSecretsManager, false}, {runbook.StoreKubernetesSecrets, true}} {
		req := &runbook.Request{System: "Claims", Environments: []string{"staging", "production"}, SecretStore: c.store,
			Deployment:  []runbook.Deployment{runbook.DeployKubernetes},
			Secrets:     []runbook.Secret{{Name: "Okta OIDC client secret", Provider: "okta", Consumers: []string{"claims-web"}}},
			Constraints: []string{"Helm releases are deployed by Argo CD only; nobody runs helm upgrade by hand"}}
		f, err := planner.Plan(req)
		if err != nil {
			t.Fatal(err)
		}
		s := &f.Secrets[0]
		for _, phase := range []runbook.Phase{runbook.PhaseStore, runbook.PhaseDeploy} {
			step := runbook.Step{Phase: phase, Environment: "production", Action: "the catalogue's own action"}
			bindStep(f, s, &step)
			onGitOps := strings.Contains(step.Action, "GitOps repository")
			want := phase == runbook.PhaseDeploy || c.storeOnGo
			if onGitOps != want {
				t.Errorf("%s store, %s step: through GitOps %v, want %v: %s", c.store, phase, onGitOps, want, step.Action)
			}
		}
	}
}
