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
	f.Comms = intake.ReadComms(req, rd)
}
