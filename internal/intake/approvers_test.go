package intake_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// approverRow is one row of testdata/approvers.yaml.
type approverRow struct {
	Text string `yaml:"text"`
	// Owners are the request's structured owners ([] = none).
	Owners    []runbook.Owner `yaml:"owners"`
	Approvers []string        `yaml:"approvers"`
	// Read are the approvers intake reads from the text when they differ
	// from Approvers (a structured approver the text names again).
	Read []string `yaml:"read"`
}

// TestApprovers reads every phrasing of testdata/approvers.yaml as the only
// constraint of a request with no structured approver: a named approval body
// is read (intake) and becomes the plan's approver in place of the assumed
// Security team (planner); approval asked for with nobody named raises "who
// approves?" as an open item, never the default silently.
func TestApprovers(t *testing.T) {
	data, err := os.ReadFile("testdata/approvers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Rows []approverRow `yaml:"rows"`
	}
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	var pass int
	for _, row := range table.Rows {
		ok := t.Run(row.Text, func(t *testing.T) {
			req := &runbook.Request{System: "Ledger", Trigger: runbook.TriggerScheduled,
				Secrets:     []runbook.Secret{{Name: "Postgres app password", Kind: runbook.KindDatabasePassword, Provider: "postgres", Owner: "Data", Consumers: []string{"api"}}},
				Constraints: []string{row.Text}, Owners: row.Owners}
			var read []string
			for _, d := range intake.Read(req, intake.Options{}).Texts[0].Directives {
				if d.Kind == intake.KindApproval {
					read = append(read, d.Values...)
				}
			}
			wantRead := row.Approvers
			if row.Read != nil {
				wantRead = row.Read
			}
			if !slices.Equal(read, wantRead) && !(len(read) == 0 && len(wantRead) == 0) {
				t.Errorf("intake read approvers %q, want %q", read, wantRead)
			}
			f, err := planner.Plan(req)
			if err != nil {
				t.Fatal(err)
			}
			var asked bool
			for _, it := range f.OpenItems {
				asked = asked || strings.Contains(strings.ToLower(it.Question), "who approves")
			}
			assumed := slices.ContainsFunc(f.Assumptions, func(a string) bool { return strings.Contains(a, "no approver named") })
			if len(row.Approvers) > 0 {
				if !slices.Equal(f.Approvers, row.Approvers) {
					t.Errorf("approvers = %q, want %q", f.Approvers, row.Approvers)
				}
				if assumed || asked {
					t.Errorf("an approver is named, yet the plan assumes one (%v) or asks who (%v)", assumed, asked)
				}
				return
			}
			if !asked {
				t.Errorf("approval is asked for with nobody named, and no open item asks who approves (approvers %q)", f.Approvers)
			}
		})
		if ok {
			pass++
		}
	}
	t.Logf("approvers table: %d rows, %d pass", len(table.Rows), pass)
}
