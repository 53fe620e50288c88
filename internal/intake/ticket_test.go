package intake

import (
	"os"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestChangeTickets reads testdata/tickets.yaml: the change ticket a
// request names (ServiceNow numbers, CHANGE-/CR-/RFC- ids, a project key or
// a bare number after a cue word) is read as a change_ticket detail, and
// what only looks like one (versions, ports, CVE ids, PCI requirement
// numbers, algorithm names, IETF RFCs, incident tickets) is not.
func TestChangeTickets(t *testing.T) {
	data, err := os.ReadFile("testdata/tickets.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Rows []struct {
			Text   string `yaml:"text"`
			Ticket string `yaml:"ticket"`
			Note   bool   `yaml:"note"`
		} `yaml:"rows"`
	}
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	base := &runbook.Request{System: "S", Environments: []string{"production"},
		Secrets: []runbook.Secret{{Name: "Stripe API key", Consumers: []string{"payments-api"}}}}
	right := 0
	for _, row := range table.Rows {
		req := *base
		req.Secrets = append([]runbook.Secret{}, base.Secrets...)
		if row.Note {
			req.Secrets[0].Notes = row.Text
		} else {
			req.Constraints = []string{row.Text}
		}
		got := ""
		var all []string
		for _, d := range Read(&req, Options{}).Texts[0].Directives {
			if d.Kind == KindDetail && d.Field == FieldChangeTicket {
				all = append(all, d.Value)
				if got == "" {
					got = d.Value
				}
				if !d.Scope.All {
					t.Errorf("%q: a change ticket binds the whole job, got scope %+v", row.Text, d.Scope)
				}
			}
		}
		if got != row.Ticket {
			t.Errorf("%q: change ticket %q (all %q), want %q", row.Text, got, all, row.Ticket)
			continue
		}
		right++
	}
	t.Logf("change tickets: %d of %d rows right", right, len(table.Rows))
}
