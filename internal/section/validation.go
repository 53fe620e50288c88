package section

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// validation is section 5: the checks of each environment.
var validation = &def[runbook.Validation]{
	id:         runbook.SectionValidation,
	title:      "Validation tests for each environment",
	field:      func(s *runbook.Sections) **runbook.Validation { return &s.Validation },
	write:      writer.Validation,
	splittable: true,
	check: func(f *planner.Facts, s *runbook.Validation) []string {
		var got []string
		for _, e := range s.Environments {
			got = append(got, e.Environment)
		}
		if strings.Join(got, ",") != strings.Join(f.Environments, ",") {
			return []string{fmt.Sprintf("validation.environments are %v; the facts' environments are %v, in that order", got, f.Environments)}
		}
		return nil
	},
	refs: func(s *runbook.Validation) []string {
		var out []string
		for _, e := range s.Environments {
			out = append(out, pluck(e.Checks, func(c runbook.Check) string { return c.SecretID })...)
		}
		return out
	},
	weigh: func(s *runbook.Validation, w map[string]int, _ map[string]string) int {
		rest := 0
		for _, e := range s.Environments {
			rest += len(e.Environment) + weighItems(e.Checks, func(c runbook.Check) string { return c.SecretID }, w)
		}
		return rest
	},
	merge: func(a, b *runbook.Validation) {
		a.Environments = mergeBy(a.Environments, b.Environments, func(e runbook.EnvValidation) string { return e.Environment },
			func(into *runbook.EnvValidation, from runbook.EnvValidation) {
				into.Checks = union(into.Checks, from.Checks)
			})
	},
	order: func(f *planner.Facts, s *runbook.Validation) {
		rank := map[string]int{}
		for i, e := range f.Environments {
			rank[e] = i + 1
		}
		sort.SliceStable(s.Environments, func(a, b int) bool {
			return rankOf(rank, s.Environments[a].Environment) < rankOf(rank, s.Environments[b].Environment)
		})
	},
}
