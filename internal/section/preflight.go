package section

import (
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// preflight is section 3: the checklist before the first step, the
// approvals and the backup plan.
var preflight = &def[runbook.Preflight]{
	id:         runbook.SectionPreflight,
	title:      "Pre-rotation checklist, access approvals, and backup plan",
	field:      func(s *runbook.Sections) **runbook.Preflight { return &s.Preflight },
	write:      writer.Preflight,
	splittable: true,
	refs: func(s *runbook.Preflight) []string {
		return pluckAll(s.Approvals, func(x runbook.Approval) []string { return x.Secrets })
	},
	weigh: func(s *runbook.Preflight, w map[string]int, names map[string]string) int {
		return weighTexts(s.Checklist, w, names) + weighItems(s.Approvals, func(a runbook.Approval) string { return first(a.Secrets) }, w) +
			weighTexts(s.BackupPlan, w, names)
	},
	merge: func(a, b *runbook.Preflight) {
		a.Checklist = union(a.Checklist, b.Checklist)
		// One approval per approver and scope, covering every part's secrets.
		a.Approvals = mergeBy(a.Approvals, b.Approvals, func(x runbook.Approval) string { return x.Approver + "\x00" + x.Scope },
			func(into *runbook.Approval, from runbook.Approval) { into.Secrets = union(into.Secrets, from.Secrets) })
		a.BackupPlan = union(a.BackupPlan, b.BackupPlan)
	},
}
