package intake_test

import (
	"os"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// runtimeWant is what the plan's consumer holds.
type runtimeWant struct {
	Runtime   string `yaml:"runtime"`
	Workload  string `yaml:"workload"`
	Platform  string `yaml:"platform"`
	ManagedBy string `yaml:"managed_by"`
	Playbook  string `yaml:"playbook"`
	File      string `yaml:"file"`
	Sync      string `yaml:"sync"`
}

// TestConsumerRuntimes reads every row of testdata/runtimes.yaml as one
// secret's notes and checks how the plan says each consumer runs: what the
// notes say next to its name (review17-cold4 P5), never a question the
// notes answer, never another cloud's commands.
func TestConsumerRuntimes(t *testing.T) {
	data, err := os.ReadFile("testdata/runtimes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Rows []struct {
			Notes      string                 `yaml:"notes"`
			Consumers  []string               `yaml:"consumers"`
			Deployment []runbook.Deployment   `yaml:"deployment"`
			Want       map[string]runtimeWant `yaml:"want"`
		} `yaml:"rows"`
	}
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, row := range table.Rows {
		t.Run(row.Notes, func(t *testing.T) {
			dep := row.Deployment
			if dep == nil {
				dep = []runbook.Deployment{runbook.DeployKubernetes, runbook.DeployServerless, runbook.DeployVM, runbook.DeployCICD}
			}
			req := &runbook.Request{System: "Shop", Trigger: runbook.TriggerScheduled, Environments: []string{"production"},
				Deployment: dep, SecretStore: runbook.StoreAWSSecretsManager,
				Secrets: []runbook.Secret{{Name: "Partner API key", Kind: runbook.KindAPIKey, Provider: "generic", Owner: "Platform",
					Consumers: row.Consumers, Notes: row.Notes}}}
			f, err := planner.Plan(req)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]runtimeWant{}
			for _, c := range f.Secrets[0].Consumers {
				got[c.Name] = runtimeWant{Runtime: string(c.Runtime), Workload: c.Workload, Platform: c.Platform, ManagedBy: c.ManagedBy, Playbook: c.Playbook, File: c.File, Sync: c.Sync}
			}
			for name, want := range row.Want {
				g, ok := got[name]
				if !ok {
					t.Errorf("no consumer %q: %v", name, got)
					continue
				}
				if g != want {
					t.Errorf("%s: got %+v, want %+v", name, g, want)
				}
			}
		})
	}
}
