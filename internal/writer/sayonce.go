package writer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// onceWords is the length from which a sentence shared by several steps of
// a track is said once, in a note of the track, instead of in each step.
const onceWords = 10

// sayOnce moves each sentence of at least onceWords words that two or more
// steps share into a note ("For steps 4, 8 and 14: ..."), in the track of
// the first of them, once: a procedure repeated across secrets or consumers
// is printed once and the steps refer to it. A sentence only a step's twins
// in other environments share (same secret, same phase) stays: renderings
// fold those.
func sayOnce(rs *runbook.RotationSequence) {
	type key struct {
		secret string
		phase  runbook.Phase
	}
	move := func(field func(*runbook.Step) *string, check bool, rest string) {
		owners := map[string]map[key]bool{}
		orders := map[string][]int{}
		var order []string
		all := stepPointers(rs)
		for _, st := range all {
			for _, s := range runbook.Sentences(*field(st)) {
				if len(strings.Fields(s)) < onceWords {
					continue
				}
				if owners[s] == nil {
					owners[s] = map[key]bool{}
					order = append(order, s)
				}
				owners[s][key{st.SecretID, st.Phase}] = true
				if !slices.Contains(orders[s], st.Order) {
					orders[s] = append(orders[s], st.Order)
				}
			}
		}
		var notes []runbook.Note
		for _, s := range order {
			if len(owners[s]) < 2 {
				continue
			}
			// Sentences shared by the same steps make one note.
			i := slices.IndexFunc(notes, func(n runbook.Note) bool { return slices.Equal(n.Steps, orders[s]) })
			if i < 0 {
				notes = append(notes, runbook.Note{Steps: orders[s], Check: check, Text: s})
				continue
			}
			notes[i].Text += " " + s
		}
		if len(notes) == 0 {
			return
		}
		for _, st := range all {
			p := field(st)
			var kept []string
			had := runbook.Sentences(*p)
			for _, s := range had {
				shared := slices.ContainsFunc(notes, func(n runbook.Note) bool {
					return slices.Contains(n.Steps, st.Order) && strings.Contains(n.Text, s)
				})
				if !shared {
					kept = append(kept, s)
				}
			}
			if len(kept) < len(had) {
				if len(kept) == 0 {
					kept = []string{rest}
				}
				*p = strings.Join(kept, " ")
			}
		}
		for _, n := range notes {
			t := trackOf(rs, n.Steps[0])
			t.Reason = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(t.Reason), ".") + ". " + n.Lead() + " " + n.Text)
		}
	}
	// A track's reason said by an earlier track refers to it.
	said := map[string]int{}
	for i := range rs.Tracks {
		var kept []string
		for _, s := range runbook.Sentences(rs.Tracks[i].Reason) {
			key := strings.TrimSuffix(s, ".")
			if j, ok := said[key]; ok && len(strings.Fields(s)) >= onceWords {
				kept = append(kept, fmt.Sprintf("As track %d.", j+1))
				continue
			}
			said[key] = i
			kept = append(kept, s)
		}
		rs.Tracks[i].Reason = strings.Join(kept, " ")
	}
	move(func(st *runbook.Step) *string { return &st.Action }, false, runbook.NoteRef)
	move(func(st *runbook.Step) *string { return &st.Verify }, true, runbook.NoteCheckRef)
}

// stepPointers lists the sequence's steps in order, as pointers.
func stepPointers(rs *runbook.RotationSequence) []*runbook.Step {
	var out []*runbook.Step
	for i := range rs.Tracks {
		for j := range rs.Tracks[i].Steps {
			out = append(out, &rs.Tracks[i].Steps[j])
		}
	}
	return out
}

// trackOf is the track that holds the step with the order.
func trackOf(rs *runbook.RotationSequence, order int) *runbook.Track {
	for i := range rs.Tracks {
		for _, st := range rs.Tracks[i].Steps {
			if st.Order == order {
				return &rs.Tracks[i]
			}
		}
	}
	return &rs.Tracks[0]
}
