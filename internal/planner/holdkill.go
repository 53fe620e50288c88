package planner

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// killMark prefixes a secret id in an open item's Blocks when the item
// holds that secret's kill (its revoke steps) and nothing before it: who
// still uses a personal production token, whether tokens an internal key
// signed outlive the overlap. holdKills turns it into step references.
const killMark = "kill:"

// holdKills resolves every killMark into the step references of that
// secret's revoke and kill steps. A credential exposed outside the company
// is killed at once and never waits for a question (ROTATION_RULES.md §2
// rule 6): its mark is dropped. One a departing person knew is killed by the
// departure deadline: it may wait for an answer, not past the deadline.
func holdKills(f *Facts) {
	for i := range f.OpenItems {
		it := &f.OpenItems[i]
		blocks := []string{}
		for _, b := range it.Blocks {
			id, ok := strings.CutPrefix(b, killMark)
			if !ok {
				blocks = appendOnce(blocks, b)
				continue
			}
			s := f.SecretByID(id)
			if s == nil || s.Class == exposure.KillNow {
				continue
			}
			for _, st := range f.Steps {
				if st.SecretID == id && (st.Kill || st.Phase == runbook.PhaseRevoke) {
					blocks = appendOnce(blocks, fmt.Sprintf("s%d", st.Order))
				}
			}
		}
		it.Blocks = blocks
	}
}
