package intake_test

import (
	"os"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestCadences reads every phrasing of testdata/cadences.yaml as the only
// constraint of a request dated 2026-12-07: how often the rotation is due,
// the requirement it cites, the next due date when the text says when the
// last rotation was (a deadline while it is ahead), and how many time rules
// the text holds (a past rotation date is never a time to work in).
func TestCadences(t *testing.T) {
	data, err := os.ReadFile("testdata/cadences.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		AsOf string `yaml:"as_of"`
		Rows []struct {
			Text        string `yaml:"text"`
			Every       string `yaml:"every"`
			Requirement string `yaml:"requirement"`
			Due         string `yaml:"due"`
			Overdue     bool   `yaml:"overdue"`
			TimeRules   int    `yaml:"time_rules"`
		} `yaml:"rows"`
	}
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	asOf, err := time.Parse(time.RFC3339, table.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	var pass int
	for _, row := range table.Rows {
		ok := t.Run(row.Text, func(t *testing.T) {
			req := &runbook.Request{System: "Ledger", Secrets: []runbook.Secret{{Name: "Postgres app password", Kind: runbook.KindDatabasePassword, Provider: "postgres"}},
				Constraints: []string{row.Text}}
			var every, requirement, due string
			var deadlines []string
			rules := 0
			for _, d := range intake.Read(req, intake.Options{AsOf: asOf}).Texts[0].Directives {
				switch {
				case d.Kind == intake.KindCompliance && d.Field == intake.FieldCadence:
					every, requirement = d.Within, d.Value
					if d.Deadline != nil {
						due = d.Deadline.Date
					}
				case d.Kind == intake.KindDeadline:
					deadlines = append(deadlines, d.Deadline.Date)
				case d.Kind == intake.KindTimeRule:
					rules++
				}
			}
			if every != row.Every || requirement != row.Requirement {
				t.Errorf("cadence %q citing %q, want %q citing %q", every, requirement, row.Every, row.Requirement)
			}
			if due != row.Due {
				t.Errorf("next due date %q, want %q", due, row.Due)
			}
			if row.Due != "" {
				made := false
				for _, d := range deadlines {
					made = made || d == row.Due
				}
				if made == row.Overdue {
					t.Errorf("deadline on the due date %s made: %v, want %v (overdue %v; deadlines %q)", row.Due, made, !row.Overdue, row.Overdue, deadlines)
				}
			}
			if rules != row.TimeRules {
				t.Errorf("%d time rules, want %d", rules, row.TimeRules)
			}
		})
		if ok {
			pass++
		}
	}
	t.Logf("cadences table: %d rows, %d pass", len(table.Rows), pass)
}
