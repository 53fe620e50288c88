package section

import (
	"fmt"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// auditEvidence is section 9: the records to keep, one per control.
var auditEvidence = &def[runbook.AuditEvidence]{
	id:         runbook.SectionAuditEvidence,
	title:      "Audit evidence checklist",
	field:      func(s *runbook.Sections) **runbook.AuditEvidence { return &s.AuditEvidence },
	write:      writer.AuditEvidence,
	splittable: true,
	check: func(f *planner.Facts, s *runbook.AuditEvidence) []string {
		var v []string
		has := map[string]bool{}
		for _, it := range s.Items {
			has[it.SecretID] = true
		}
		for _, fs := range f.Secrets {
			// An item with no secret_id covers every secret (one record per
			// control, not per secret).
			if !has[fs.ID] && !has[""] {
				v = append(v, fmt.Sprintf("audit_evidence has no item for secret %s: every rotated secret needs its evidence (or an item with an empty secret_id covering all)", fs.ID))
			}
		}
		return v
	},
	refs: func(s *runbook.AuditEvidence) []string {
		return pluck(s.Items, func(x runbook.EvidenceItem) string { return x.SecretID })
	},
	weigh: func(s *runbook.AuditEvidence, w map[string]int, _ map[string]string) int {
		return weighItems(s.Items, func(it runbook.EvidenceItem) string { return it.SecretID }, w)
	},
	merge: func(a, b *runbook.AuditEvidence) { a.Items = union(a.Items, b.Items) },
}
