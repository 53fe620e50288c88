package section

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// rotationSequence is section 4: the planned steps, in tracks. A part of it
// is one track, or a group of a track's secrets, or a run of one secret's
// steps.
var rotationSequence = &def[runbook.RotationSequence]{
	id:         runbook.SectionRotationSequence,
	title:      "Rotation sequence",
	field:      func(s *runbook.Sections) **runbook.RotationSequence { return &s.RotationSequence },
	write:      writer.RotationSequence,
	check:      checkRotationSequence,
	partCheck:  true,
	splittable: true,
	refs: func(s *runbook.RotationSequence) []string {
		return pluck(s.AllSteps(), func(x runbook.Step) string { return x.SecretID })
	},
	weigh: func(s *runbook.RotationSequence, w map[string]int, _ map[string]string) int {
		rest := 0
		for _, t := range s.Tracks {
			rest += len(t.Name) + len(t.Reason) + weighItems(t.Steps, func(st runbook.Step) string { return st.SecretID }, w)
		}
		return rest
	},
	merge: func(a, b *runbook.RotationSequence) {
		a.Tracks = mergeBy(a.Tracks, b.Tracks, func(t runbook.Track) string { return t.Name },
			func(into *runbook.Track, from runbook.Track) { into.Steps = union(into.Steps, from.Steps) })
	},
	order: func(f *planner.Facts, s *runbook.RotationSequence) {
		rank := map[string]int{}
		for i, t := range f.Tracks {
			rank[t.Name] = i + 1
		}
		sort.SliceStable(s.Tracks, func(a, b int) bool { return rankOf(rank, s.Tracks[a].Name) < rankOf(rank, s.Tracks[b].Name) })
		for i := range s.Tracks {
			steps := s.Tracks[i].Steps
			sort.SliceStable(steps, func(a, b int) bool { return steps[a].Order < steps[b].Order })
		}
	},
}

func checkRotationSequence(f *planner.Facts, s *runbook.RotationSequence) []string {
	var v []string
	add := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }
	var names []string
	for _, t := range f.Tracks {
		names = append(names, t.Name)
	}
	var got []string
	for _, t := range s.Tracks {
		got = append(got, t.Name)
	}
	if strings.Join(got, "|") != strings.Join(names, "|") {
		add("rotation_sequence.tracks are %q; the facts' tracks are %q, in that order", got, names)
	}
	steps := s.AllSteps()
	if len(steps) != len(f.Steps) {
		add("rotation_sequence has %d steps; the facts plan %d: write exactly the planned steps", len(steps), len(f.Steps))
	}
	for i := 0; i < len(steps) && i < len(f.Steps); i++ {
		g, w := steps[i], f.Steps[i]
		if g.Order != w.Order || g.SecretID != w.SecretID || g.Environment != w.Environment || g.Phase != w.Phase || g.Window != w.Window {
			add("step %d is (%s, %s, %s, window %q); the facts plan step %d as (%s, %s, %s, window %q)", g.Order, g.SecretID, g.Environment, g.Phase, g.Window, w.Order, w.SecretID, w.Environment, w.Phase, w.Window)
			if len(v) > 12 {
				break
			}
		}
	}
	return v
}
