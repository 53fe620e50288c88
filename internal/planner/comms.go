package planner

import (
	"fmt"
	"slices"
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
	if len(c.Channels) > 0 || c.NoCustomerContact != "" || len(c.NeverContact) > 0 || c.HolderTo != "" || len(c.Decisions) > 0 || len(c.NoPost) > 0 || c.Via != "" || c.After != "" {
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

// Gate is a sign-off the request demands before named steps: Item is
// the open item that holds them, Steps their orders (gateSteps).
type Gate struct {
	Item      string   `json:"item"`
	Who       string   `json:"who"`
	Quote     string   `json:"quote"`
	Source    string   `json:"source"`
	SecretIDs []string `json:"secret_ids"`
	Kill      bool     `json:"kill,omitempty"`
	Create    bool     `json:"create,omitempty"`
	Promote   bool     `json:"promote,omitempty"`
	Review    bool     `json:"review,omitempty"`
	// Acts are acts that are no step of their own ("unpublish"): the
	// sentences of any step that say to do them wait; no step does.
	Acts []string `json:"acts,omitempty"`
	// Inform: the gate is met once Who has been told, not by a go.
	Inform bool  `json:"inform,omitempty"`
	Steps  []int `json:"steps,omitempty"`
}

// gateAction names what a gate holds: "the kill", "the regeneration and
// the kill", "the promotion", "the review of logs", the acts it names or
// "every change".
func gateAction(g Gate) string {
	switch {
	case g.Promote:
		return "the promotion"
	case g.Review:
		return "every review of logs"
	case len(g.Acts) > 0:
		return "any " + orJoin(g.Acts) + " (no step of its own: only the sentences that say to do it wait; the rotation does not)"
	case g.Kill && g.Create:
		return "every regeneration and kill"
	case g.Kill:
		return "the kill"
	case g.Create:
		return "the creation of the new credential"
	}
	return "every change"
}

// orJoin joins "a", "b" and "c" as "a, b or c".
func orJoin(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// ActStem is the stem a step's text names an act by ("deprecat" for a
// deprecation, "unpublish" for unpublishing).
func ActStem(act string) string {
	for _, suf := range []string{"ing", "ion"} {
		if t, ok := strings.CutSuffix(act, suf); ok {
			return t
		}
	}
	return act
}

// GoWords is how a step line asks for a gate: a go, or that the party
// has been told (review17-cold6 row 13: "The works council has to be
// informed before ...").
func (g Gate) GoWords() string {
	if g.Inform {
		return "Make sure " + g.Who + " has been informed first"
	}
	return "Get the go of " + g.Who + " first"
}

// gate applies a sign-off the request demands before an action (review17-
// cold5 P5, critical 1, 16, 68; review17-cold4 critical 6): an open item
// asked at once, at T0, holds exactly those steps of the secrets it names
// until the person answers. On an exposed credential it is an immediate
// ask on the bridge, shown at the kill, never an approval after the fact.
func (a *applier) gate(ig intake.Gate) {
	f := a.f
	ids := a.ids(intake.Scope{Secrets: ig.Secrets, All: len(ig.Secrets) == 0})
	g := Gate{Who: ig.Who, Quote: ig.Quote, Source: ig.Source, SecretIDs: ids, Kill: ig.Kill, Create: ig.Create,
		Promote: ig.Promote, Review: ig.Review, Acts: ig.Acts, Inform: ig.Inform}
	if g.Who == "" {
		g.Who = "the person the request names"
	}
	names := andJoin(namesOf(f, ids))
	g.Item = f.Raise(runbook.OpenItem{Source: ig.Source, Text: ig.Quote,
		Question: gateQuestion(g, names, nil),
		Blocks:   ids})
	f.Gates = append(f.Gates, g)
	verb := "says go"
	if g.Inform {
		verb = "is informed"
	}
	a.r.add("", fmt.Sprintf("%s %s before %s of %s", g.Who, verb, gateAction(g), names),
		fmt.Sprintf("asked at once, at T0, in open item %s: %s of %s waits for the answer and nothing else does; never an approval after the fact", g.Item, gateAction(g), names))
}

// gateQuestion is a gate's open item: whom to ask, and which steps wait.
func gateQuestion(g Gate, names string, steps []int) string {
	held := gateAction(g) + " of " + names
	if len(steps) > 0 {
		var refs []string
		for _, n := range steps {
			refs = append(refs, fmt.Sprintf("s%d", n))
		}
		held = fmt.Sprintf("%s (%s)", held, stepList(refs))
	}
	if g.Inform {
		return fmt.Sprintf("Tell %s at once, at T0, and record when (%q): %s waits until they have been informed, and nothing else does.", g.Who, g.Quote, held)
	}
	return fmt.Sprintf("Ask %s for the go at once, at T0 (%q): %s waits for it and nothing else does. It is an immediate ask on the bridge, not a delay, and never an approval after the fact.", g.Who, g.Quote, held)
}

// gateSteps binds each gate to the steps that do its action, once the
// steps exist: its open item holds exactly those (exposedNeverWait leaves
// it alone: the person is asked at once, and the kill waits for the go).
func gateSteps(f *Facts) {
	for gi := range f.Gates {
		g := &f.Gates[gi]
		var blocks []string
		switched := map[string]bool{}
		for _, st := range f.Steps {
			if st.Phase == runbook.PhaseSwitch {
				switched[st.SecretID] = true
			}
		}
		for i := range f.Steps {
			st := &f.Steps[i]
			if !runbook.OneOf(g.SecretIDs, st.SecretID) {
				continue
			}
			kill := st.Kill || st.Phase == runbook.PhaseContain || st.Phase == runbook.PhaseRevoke
			create := st.Phase == runbook.PhaseCreate || (st.Phase == runbook.PhaseContain && f.SecretByID(st.SecretID).IssuedAtContainment())
			change := st.Phase != runbook.PhaseInvestigate && st.Phase != runbook.PhaseVerify
			// A promotion is the switch to the standby credential, or the
			// kill when promoting it kills the old one (Twilio's secondary
			// auth token).
			promote := st.Phase == runbook.PhaseSwitch || (!switched[st.SecretID] && kill && st.Phase != runbook.PhaseContain)
			var hold bool
			switch {
			case g.Promote:
				hold = promote
			case g.Review:
				hold = st.Phase == runbook.PhaseInvestigate
			case len(g.Acts) > 0:
				hold = false
			default:
				hold = (g.Kill && kill) || (g.Create && create) || (!g.Kill && !g.Create && change)
			}
			if hold {
				g.Steps = append(g.Steps, st.Order)
				blocks = append(blocks, fmt.Sprintf("s%d", st.Order))
			}
		}
		slices.Sort(g.Steps)
		for i := range f.OpenItems {
			it := &f.OpenItems[i]
			if it.ID != g.Item {
				continue
			}
			if blocks == nil {
				blocks = []string{}
			}
			it.Blocks = blocks
			it.Question = gateQuestion(*g, andJoin(namesOf(f, g.SecretIDs)), g.Steps)
		}
	}
}

// gated reports whether an open item is a gate's.
func (f *Facts) gated(id string) bool {
	return slices.ContainsFunc(f.Gates, func(g Gate) bool { return g.Item == id })
}

// GateOf is the gate that holds a step, if any.
func (f *Facts) GateOf(order int) (Gate, bool) {
	for _, g := range f.Gates {
		if slices.Contains(g.Steps, order) {
			return g, true
		}
	}
	return Gate{}, false
}
