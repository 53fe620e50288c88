package planner

import (
	"os"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestHeldOutAppliedOrRaised plans every row of intake's held-out table
// (internal/intake/testdata/heldout.yaml) as the only constraint (or the
// first secret's notes) of a request: each is in considered, and a row the
// reader cannot represent is an open item that blocks its secrets, never
// dropped in silence.
func TestHeldOutAppliedOrRaised(t *testing.T) {
	data, err := os.ReadFile("../intake/testdata/heldout.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		AsOf    string `yaml:"as_of"`
		Targets []struct {
			Name      string   `yaml:"name"`
			Kind      string   `yaml:"kind"`
			Provider  string   `yaml:"provider"`
			Consumers []string `yaml:"consumers"`
		} `yaml:"targets"`
		Rows []struct {
			Text  string `yaml:"text"`
			Note  bool   `yaml:"note"`
			Raise bool   `yaml:"raise"`
			Want  any    `yaml:"want"`
		} `yaml:"rows"`
	}
	if err := yaml.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	raised := 0
	for _, row := range table.Rows {
		req := &runbook.Request{System: "Held-out", AsOf: table.AsOf, Environments: []string{"staging", "production"}}
		for _, tg := range table.Targets {
			req.Secrets = append(req.Secrets, runbook.Secret{Name: tg.Name, Kind: runbook.Kind(tg.Kind), Provider: tg.Provider, Consumers: tg.Consumers})
		}
		source := "constraints[0]"
		if row.Note {
			req.Secrets[0].Notes, source = row.Text, "secrets[0].notes"
		} else {
			req.Constraints = []string{row.Text}
		}
		f := plan(t, req)
		seen := false
		for _, c := range f.Considered {
			seen = seen || c.Source == source
		}
		if !seen {
			t.Errorf("%q: not in considered", row.Text)
		}
		if !row.Raise {
			continue
		}
		var item *runbook.OpenItem
		for i := range f.OpenItems {
			if f.OpenItems[i].Source == source {
				item = &f.OpenItems[i]
			}
		}
		if item == nil || len(item.Blocks) == 0 {
			t.Errorf("%q: the reader cannot represent it, but no open item blocks anything: %+v", row.Text, f.OpenItems)
			continue
		}
		raised++
	}
	t.Logf("held-out through the planner: %d rows, %d unrepresentable ones raised as open items", len(table.Rows), raised)
}
