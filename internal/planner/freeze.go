package planner

import "github.com/rotor-dev/rotor/internal/runbook"

// scheduleFreezes carries the freezes into the runbook's schedule, each with
// every activity it forbids spelled out (Frozen's reading, and a release
// freeze stops deploy pipelines too), so the linter checks a runbook without
// the planner's facts.
func scheduleFreezes(f *Facts) {
	f.Schedule.Freezes = nil
	for _, fr := range f.Freezes {
		one := &Facts{Freezes: []Freeze{fr}}
		z := runbook.Freeze{ID: fr.ID, Forbids: []string{}, SecretIDs: append([]string{}, fr.SecretIDs...), Until: fr.Until, Source: fr.Source}
		for _, act := range []string{"release", "publish", "deploy", "change"} {
			// A release freeze stops every pipeline that ships: one run
			// often publishes and deploys (its considered effect says so).
			shipping := act == "deploy" && (one.Frozen("release", "") != nil || one.Frozen("publish", "") != nil)
			if one.Frozen(act, "") != nil || shipping {
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
