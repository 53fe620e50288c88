package runbook

import (
	"strconv"
	"strings"
)

// A track's reason may end with notes: text that several steps shared
// (this track's, and later ones'), said once (the writer's say-once pass), "For steps 4, 8 and 14:
// ..." for actions and "Check of steps 5 and 9: ..." for checks. Readers
// that judge a step (the linter, the eval) read each step with the notes
// that name it.

// What a step says when its text is in a note.
const (
	NoteRef      = "As the note says."
	NoteCheckRef = "as the note says"
)

// Note is text several steps of a track share.
type Note struct {
	// Steps are the orders of the steps it belongs to.
	Steps []int
	// Check is true for a check's text, false for an action's.
	Check bool
	Text  string
}

// Lead is how a note starts in a track's reason.
func (n Note) Lead() string {
	parts := make([]string, len(n.Steps))
	for i, o := range n.Steps {
		parts[i] = strconv.Itoa(o)
	}
	list := strings.Join(parts, ", ")
	if len(parts) > 1 {
		list = strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	word := "steps "
	if len(parts) == 1 {
		word = "step "
	}
	if n.Check {
		return "Check of " + word + list + ":"
	}
	return "For " + word + list + ":"
}

// noteAt reads a note's lead at the start of s ("For steps 4, 8 and 14:",
// "Check of step 5:"): whether it leads a check, the step orders, and the
// length of the lead; ok is false when s starts with no lead.
func noteAt(s string) (check bool, orders []int, n int, ok bool) {
	rest := s
	switch {
	case strings.HasPrefix(rest, "For "):
		rest = rest[len("For "):]
	case strings.HasPrefix(rest, "Check of "):
		rest, check = rest[len("Check of "):], true
	default:
		return false, nil, 0, false
	}
	switch {
	case strings.HasPrefix(rest, "steps "):
		rest = rest[len("steps "):]
	case strings.HasPrefix(rest, "step "):
		rest = rest[len("step "):]
	default:
		return false, nil, 0, false
	}
	for {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return false, nil, 0, false
		}
		o, _ := strconv.Atoi(rest[:i])
		orders = append(orders, o)
		rest = rest[i:]
		switch {
		case strings.HasPrefix(rest, ":"):
			return check, orders, len(s) - len(rest) + 1, true
		case strings.HasPrefix(rest, ", "):
			rest = rest[2:]
		case strings.HasPrefix(rest, " and "):
			rest = rest[5:]
		default:
			return false, nil, 0, false
		}
	}
}

// Notes splits a track's reason into its own words and its notes.
func (t Track) Notes() (string, []Note) {
	type lead struct {
		at, end int
		check   bool
		orders  []int
	}
	var leads []lead
	for i := 0; i < len(t.Reason); i++ {
		if i > 0 && t.Reason[i-1] != ' ' {
			continue
		}
		if check, orders, n, ok := noteAt(t.Reason[i:]); ok {
			leads = append(leads, lead{i, i + n, check, orders})
			i += n - 1
		}
	}
	if len(leads) == 0 {
		return t.Reason, nil
	}
	var notes []Note
	for i, l := range leads {
		end := len(t.Reason)
		if i+1 < len(leads) {
			end = leads[i+1].at
		}
		notes = append(notes, Note{Steps: l.orders, Check: l.check, Text: strings.TrimSpace(t.Reason[l.end:end])})
	}
	return strings.TrimSpace(t.Reason[:leads[0].at]), notes
}

// ReadSteps returns every step of the sequence in track order, each with
// the notes that name it (in any track: a note sits in the track of the
// first step it names) read back into its action and check.
func (r *RotationSequence) ReadSteps() []Step {
	if r == nil {
		return nil
	}
	var notes []Note
	for _, t := range r.Tracks {
		_, n := t.Notes()
		notes = append(notes, n...)
	}
	// naming[order] are the notes that name step order, in order, each
	// once: a step reads only its own notes (a 100-secret sequence has
	// hundreds of notes and steps).
	naming := map[int][]int{}
	for i, n := range notes {
		for _, o := range n.Steps {
			if k := naming[o]; len(k) == 0 || k[len(k)-1] != i {
				naming[o] = append(k, i)
			}
		}
	}
	var out []Step
	for _, t := range r.Tracks {
		for _, st := range t.Steps {
			for _, i := range naming[st.Order] {
				n := notes[i]
				if n.Check {
					st.Verify = strings.TrimSpace(st.Verify + "; " + n.Text)
				} else {
					st.Action = strings.TrimSpace(st.Action + " " + n.Text)
				}
			}
			out = append(out, st)
		}
	}
	return out
}
