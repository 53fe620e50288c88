package planner

import "github.com/rotor-dev/rotor/internal/runbook"

// scheduleFreezes carries the freezes into the runbook's schedule, each with
// every activity it forbids spelled out (Frozen's reading: a release freeze
// forbids publishing too, a deploy or change freeze every pipeline that
// ships), so the linter checks a runbook without the planner's facts.
func scheduleFreezes(f *Facts) {
	f.Schedule.Freezes = nil
	for _, fr := range f.Freezes {
		one := &Facts{Freezes: []Freeze{fr}}
		z := runbook.Freeze{ID: fr.ID, Forbids: []string{}, SecretIDs: append([]string{}, fr.SecretIDs...), Until: fr.Until, Source: fr.Source}
		for _, act := range []string{"release", "publish", "deploy", "change"} {
			if one.Frozen(act, "") != nil {
				z.Forbids = append(z.Forbids, act)
			}
		}
		for _, c := range f.Considered {
			if c.Source == fr.Source {
				z.Note = c.Text
			}
		}
		f.Schedule.Freezes = append(f.Schedule.Freezes, z)
	}
}
