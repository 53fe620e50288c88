package runbook

import (
	"regexp"
	"strconv"
	"strings"
)

// A track's reason may end with notes: text that several steps shared
// (this track's, and later ones'), said once (the writer's say-once pass), "For steps 4, 8 and 14:
// ..." for actions and "Check of steps 5 and 9: ..." for checks. Readers
// that judge a step (the linter, the eval) read each step with the notes
// that name it.

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

// noteRE finds the notes in a track's reason.
var noteRE = regexp.MustCompile(`(For|Check of) steps? ([0-9]+(?:(?:, | and )[0-9]+)*):`)

// Notes splits a track's reason into its own words and its notes.
func (t Track) Notes() (string, []Note) {
	locs := noteRE.FindAllStringSubmatchIndex(t.Reason, -1)
	if len(locs) == 0 {
		return t.Reason, nil
	}
	var notes []Note
	for i, l := range locs {
		end := len(t.Reason)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		n := Note{Check: t.Reason[l[2]:l[3]] == "Check of", Text: strings.TrimSpace(t.Reason[l[1]:end])}
		for _, f := range strings.FieldsFunc(t.Reason[l[4]:l[5]], func(r rune) bool { return r < '0' || r > '9' }) {
			o, _ := strconv.Atoi(f)
			n.Steps = append(n.Steps, o)
		}
		notes = append(notes, n)
	}
	return strings.TrimSpace(t.Reason[:locs[0][0]]), notes
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
	var out []Step
	for _, t := range r.Tracks {
		for _, st := range t.Steps {
			for _, n := range notes {
				if !OneOf(n.Steps, st.Order) {
					continue
				}
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
