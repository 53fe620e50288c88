package section

import (
	"fmt"
	"sort"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// riskTriage is section 2: each secret's exposure, urgency and business
// impact, most urgent first.
var riskTriage = &def[runbook.RiskTriage]{
	id:         runbook.SectionRiskTriage,
	title:      "Risk triage by exposure level and business impact",
	field:      func(s *runbook.Sections) **runbook.RiskTriage { return &s.RiskTriage },
	write:      writer.RiskTriage,
	check:      checkRiskTriage,
	partCheck:  true,
	splittable: true,
	refs: func(s *runbook.RiskTriage) []string {
		return pluck(s.Items, func(x runbook.TriageItem) string { return x.SecretID })
	},
	weigh: func(s *runbook.RiskTriage, w map[string]int, _ map[string]string) int {
		return weighItems(s.Items, func(it runbook.TriageItem) string { return it.SecretID }, w)
	},
	merge: func(a, b *runbook.RiskTriage) { a.Items = union(a.Items, b.Items) },
	order: func(f *planner.Facts, s *runbook.RiskTriage) {
		score := map[string]int{}
		for _, sec := range f.Secrets {
			score[sec.ID] = sec.Urgency.Score
		}
		sort.SliceStable(s.Items, func(a, b int) bool { return score[s.Items[a].SecretID] > score[s.Items[b].SecretID] })
	},
}

func checkRiskTriage(f *planner.Facts, s *runbook.RiskTriage) []string {
	var v []string
	add := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }
	seen := map[string]bool{}
	for i, got := range s.Items {
		want := f.SecretByID(got.SecretID)
		if want == nil {
			add("risk_triage.items[%d].secret_id %q is not a secret id of the facts (%s)", i, got.SecretID, secretIDs(f))
			continue
		}
		seen[got.SecretID] = true
		if got.Score != want.Urgency.Score || got.Priority != want.Urgency.Priority {
			add("risk_triage.items[%d] (%s) has score %d and priority %s; the facts say %d and %s", i, got.SecretID, got.Score, got.Priority, want.Urgency.Score, want.Urgency.Priority)
		}
		if got.RotationRisk != want.RotationRisk.Level {
			add("risk_triage.items[%d] (%s) has rotation_risk %s; the facts say %s", i, got.SecretID, got.RotationRisk, want.RotationRisk.Level)
		}
		if got.Exposure != want.Exposure {
			add("risk_triage.items[%d] (%s) has exposure %s; the facts say %s", i, got.SecretID, got.Exposure, want.Exposure)
		}
	}
	for _, fs := range f.Secrets {
		if !seen[fs.ID] {
			add("risk_triage has no item for secret %s", fs.ID)
		}
	}
	return v
}
