package section

import (
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// rollback is section 6: when to roll back, how (per secret, and until
// when), and the emergency containment.
var rollback = &def[runbook.Rollback]{
	id:         runbook.SectionRollback,
	title:      "Rollback and emergency containment",
	field:      func(s *runbook.Sections) **runbook.Rollback { return &s.Rollback },
	write:      writer.Rollback,
	splittable: true,
	refs: func(s *runbook.Rollback) []string {
		return pluck(s.Steps, func(x runbook.RollbackStep) string { return x.SecretID })
	},
	weigh: func(s *runbook.Rollback, w map[string]int, names map[string]string) int {
		return weighTexts(s.Triggers, w, names) + weighItems(s.Steps, func(st runbook.RollbackStep) string { return st.SecretID }, w) +
			weighTexts(s.Containment, w, names)
	},
	merge: func(a, b *runbook.Rollback) {
		a.Triggers = union(a.Triggers, b.Triggers)
		a.Steps = union(a.Steps, b.Steps)
		a.Containment = union(a.Containment, b.Containment)
	},
}
