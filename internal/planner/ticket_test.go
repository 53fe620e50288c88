package planner

import (
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestChangeTicketNamed: the change ticket a constraint or a note names
// becomes Facts.ChangeTicketID (the audit evidence files every item under
// it), and considered says so; a text that names none leaves it empty, and
// a second ticket is mentioned, not taken.
func TestChangeTicketNamed(t *testing.T) {
	req := func(constraints []string, notes string) *runbook.Request {
		return &runbook.Request{System: "Payments", Environments: []string{"staging", "production"},
			Secrets:     []runbook.Secret{{Name: "Stripe API key", Consumers: []string{"payments-api"}, Notes: notes}},
			Constraints: constraints}
	}
	for _, c := range []struct {
		constraints []string
		notes, want string
	}{
		{[]string{"CAB approval required under CHG0012345"}, "", "CHG0012345"},
		{[]string{"Needs CAB approval"}, "Tracked in SEC-812", "SEC-812"},
		{[]string{"Approved as RFC 2211 at Monday's CAB", "Log everything under CHG0000001"}, "", "RFC 2211"},
		{[]string{"PCI DSS requirement 8.3.9 applies", "Patch for CVE-2024-3094 is deployed"}, "MySQL 8.0.36 on port 3306", ""},
	} {
		f := plan(t, req(c.constraints, c.notes))
		if f.ChangeTicketID != c.want {
			t.Errorf("%q / %q: ChangeTicketID %q, want %q", c.constraints, c.notes, f.ChangeTicketID, c.want)
		}
		said := false
		for _, k := range f.Considered {
			if strings.Contains(k.Reading, "change ticket") && (c.want == "" || strings.Contains(k.Reading, c.want)) {
				said = true
			}
		}
		if c.want != "" && !said {
			t.Errorf("%q: considered does not say the change ticket %s: %+v", c.constraints, c.want, f.Considered)
		}
	}
	structured := req(nil, "")
	structured.Rules = []runbook.RuleSpec{{Kind: "approval", Ticket: "CHG0054321"}}
	if f := plan(t, structured); f.ChangeTicketID != "CHG0054321" || !f.ChangeTicket {
		t.Errorf("rules[0] approval with ticket CHG0054321: ChangeTicketID %q, ChangeTicket %v", f.ChangeTicketID, f.ChangeTicket)
	}
	f := plan(t, req([]string{"Approved as RFC 2211 at Monday's CAB", "Log everything under CHG0000001"}, ""))
	second := false
	for _, k := range f.Considered {
		second = second || strings.Contains(k.Reading+k.Effect, "CHG0000001")
	}
	if !second {
		t.Errorf("a second ticket named is not mentioned in considered: %+v", f.Considered)
	}
}
