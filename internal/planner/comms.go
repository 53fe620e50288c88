package planner

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Comms is what the request says about telling people (intake.ReadComms).
type Comms = intake.Comms

// Channel is a chat channel the request names.
type Channel = intake.Channel

// readComms takes intake's reading of the request's comms: its channels
// and cadences, who is never contacted, who decides on customer notices,
// and what a holder is told (review17-cold4 P6).
func readComms(f *Facts, req *runbook.Request, rd *intake.Reading) {
	c := intake.ReadComms(req, rd)
	if len(c.Channels) > 0 || c.NoCustomerContact != "" || len(c.NeverContact) > 0 || c.HolderTo != "" {
		f.Comms = &c
	}
}

// Told is what the request says about telling people, empty when nothing.
func (f *Facts) Told() Comms {
	if f.Comms == nil {
		return Comms{}
	}
	return *f.Comms
}

// approvalGate makes an approval of part of the work that must come before
// it starts ("Sam signs off the Shopify app swap before anyone starts it") a
// gate on that secret's steps: asked at T0, its steps wait, no kill does
// (review17-cold4 critical 6: approvals were always "after the fact" and the
// swap ran ungated).
func (a *applier) approvalGate(d intake.Directive, targets []string) {
	f := a.f
	if d.Scope.All || len(targets) == 0 || !intake.GatesBefore(d.Quote) {
		return
	}
	who := "the approver the request names"
	if first, _, _ := strings.Cut(d.Quote, " "); first != "" {
		for _, o := range append(append([]string{}, f.Approvers...), d.Values...) {
			if strings.HasPrefix(o, first) {
				who = o
				break
			}
		}
	}
	names := andJoin(namesOf(f, targets))
	id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
		Question: fmt.Sprintf("Has %s signed off (%q)? Ask %s for the sign-off at T0: the steps of %s wait for it; no kill waits for it.", who, d.Quote, who, names),
		Blocks:   targets})
	a.r.add("", who+" signs off the work on "+names+" before it starts", "asked at T0 in open item "+id+": the steps of "+names+" wait for the sign-off; no kill waits")
}
