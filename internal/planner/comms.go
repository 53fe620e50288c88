package planner

import (
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
