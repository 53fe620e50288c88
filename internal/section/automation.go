package section

import (
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// automation is section 10: what would make the next rotation safer.
var automation = &def[runbook.Automation]{
	id:         runbook.SectionAutomation,
	title:      "Automation opportunities",
	field:      func(s *runbook.Sections) **runbook.Automation { return &s.Automation },
	write:      writer.Automation,
	splittable: true,
	refs: func(s *runbook.Automation) []string {
		return pluckAll(s.Opportunities, func(x runbook.Opportunity) []string { return x.SecretIDs })
	},
	weigh: func(s *runbook.Automation, w map[string]int, _ map[string]string) int {
		return weighItems(s.Opportunities, func(o runbook.Opportunity) string { return first(o.SecretIDs) }, w)
	},
	merge: func(a, b *runbook.Automation) { a.Opportunities = union(a.Opportunities, b.Opportunities) },
}
