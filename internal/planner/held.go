package planner

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// changePhases are the phases a limit on when or how a rotation runs may
// bind, in the order a secret's work meets them.
var changePhases = []runbook.Phase{runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseSwitch,
	runbook.PhaseVerify, runbook.PhaseRevoke}

// proseHolds resolves what an open item raised from the request's prose
// holds: a constraint or note intake could not read, a time rule it could
// not classify, a reading the model and the rules disagree on. Such an
// item names the secrets its text may bind; what the text may bind is when
// or how their rotation runs, so it holds each secret's first change of
// every environment (its create steps: every later step follows one),
// never its containment, its investigation or an exposed credential's
// kill, which no such limit may delay. Items that already name steps, and
// items of other sources, are left as they are.
func proseHolds(f *Facts) {
	for i := range f.OpenItems {
		it := &f.OpenItems[i]
		if !fromProse(it.Source) {
			continue
		}
		blocks := []string{}
		for _, b := range it.Blocks {
			s := f.SecretByID(b)
			if s == nil {
				blocks = appendOnce(blocks, b)
				continue
			}
			for _, ref := range firstChange(f, s) {
				blocks = appendOnce(blocks, ref)
			}
		}
		it.Blocks = blocks
	}
}

// fromProse reports whether an open item's source is a constraint or a
// secret's notes.
func fromProse(source string) bool {
	return strings.HasPrefix(source, "constraints[") || strings.HasPrefix(source, "secrets[") && strings.HasSuffix(source, "].notes")
}

// firstChange lists the step references ("s12") of a secret's first change
// phase that has steps; an exposed credential's kill steps are never among
// them.
func firstChange(f *Facts, s *Secret) []string {
	for _, p := range changePhases {
		var out []string
		for _, st := range f.Steps {
			if st.SecretID == s.ID && st.Phase == p && !(st.Kill && s.Exposed) {
				out = append(out, fmt.Sprintf("s%d", st.Order))
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}
