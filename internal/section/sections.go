package section

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// All is the registry: every section, in the runbook's order (the seed
// prompt's), each defined below. A new section is defined and listed here,
// with its contract type and field in internal/runbook, its prompt template
// and its place in api/openapi.yaml: four files.
var All = []Section{
	inventory,
	riskTriage,
	preflight,
	rotationSequence,
	validation,
	rollback,
	internalComms,
	externalComms,
	auditEvidence,
	automation,
}

// inventory is section 1: what is rotated and who depends on it.
var inventory = &def[runbook.Inventory]{
	id:         runbook.SectionInventory,
	title:      "Secret inventory and dependency map",
	facts:      PlanFacts,
	partFacts:  inventoryPart,
	field:      func(s *runbook.Sections) **runbook.Inventory { return &s.Inventory },
	write:      writer.Inventory,
	check:      checkInventory,
	partCheck:  true,
	splittable: true,
	refs: func(s *runbook.Inventory) []string {
		return pluck(s.Dependencies, func(x runbook.Dependency) string { return x.SecretID })
	},
	weigh: func(s *runbook.Inventory, w map[string]int, _ map[string]string) int {
		return weighItems(s.Secrets, func(x runbook.InventorySecret) string { return x.ID }, w) +
			weighItems(s.Dependencies, func(d runbook.Dependency) string { return d.SecretID }, w)
	},
	merge: func(a, b *runbook.Inventory) {
		a.Secrets = union(a.Secrets, b.Secrets)
		a.Dependencies = union(a.Dependencies, b.Dependencies)
	},
}

func checkInventory(f *planner.Facts, s *runbook.Inventory) []string {
	var v []string
	add := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }
	if len(s.Secrets) != len(f.Secrets) {
		add("inventory.secrets has %d entries; the facts have %d secrets (%s)", len(s.Secrets), len(f.Secrets), secretIDs(f))
	}
	for i, got := range s.Secrets {
		want := f.SecretByID(got.ID)
		if want == nil {
			add("inventory.secrets[%d].id %q is not a secret id of the facts (%s)", i, got.ID, secretIDs(f))
			continue
		}
		if i < len(f.Secrets) && f.Secrets[i].ID != got.ID {
			add("inventory.secrets[%d] is %s; the facts' order puts %s there", i, got.ID, f.Secrets[i].ID)
		}
		if got.Kind != want.Kind {
			add("inventory.secrets[%d].kind is %s; the facts say %s", i, got.Kind, want.Kind)
		}
		if got.Strategy != want.Strategy {
			add("inventory.secrets[%d].strategy is %s; the facts say %s", i, got.Strategy, want.Strategy)
		}
		if got.RotationRisk != want.RotationRisk.Level {
			add("inventory.secrets[%d].rotation_risk is %s; the facts say %s", i, got.RotationRisk, want.RotationRisk.Level)
		}
		if strings.Join(got.Environments, ",") != strings.Join(want.Environments, ",") {
			add("inventory.secrets[%d].environments are %v; the facts say %v", i, got.Environments, want.Environments)
		}
		if got.Entry != want.Rule {
			add("inventory.secrets[%d].entry is %q; the facts' catalogue entry is %q", i, got.Entry, want.Rule)
		}
	}
	// The dependency map names every consumer of every secret in every
	// environment the secret lives in: a forgotten consumer keeps the old
	// credential and breaks when it is revoked.
	deps := map[[3]string]bool{}
	for _, d := range s.Dependencies {
		deps[[3]string{d.SecretID, d.Consumer, d.Environment}] = true
	}
	for _, fs := range f.Secrets {
		for _, c := range fs.Consumers {
			for _, env := range fs.Environments {
				if !deps[[3]string{fs.ID, c.Name, env}] {
					add("inventory.dependencies has no entry for consumer %s of %s in %s", c.Name, fs.ID, env)
				}
			}
		}
	}
	return v
}

// riskTriage is section 2: each secret's exposure, urgency and business
// impact, most urgent first.
var riskTriage = &def[runbook.RiskTriage]{
	id:         runbook.SectionRiskTriage,
	title:      "Risk triage by exposure level and business impact",
	facts:      PlanFacts,
	partFacts:  triagePart,
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

// preflight is section 3: the checklist before the first step, the
// approvals and the backup plan.
var preflight = &def[runbook.Preflight]{
	id:         runbook.SectionPreflight,
	title:      "Pre-rotation checklist, access approvals, and backup plan",
	facts:      PlanFacts,
	partFacts:  preflightPart,
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

// rotationSequence is section 4: the planned steps, in tracks. A part of it
// is one track, or a group of a track's secrets, or a run of one secret's
// steps.
var rotationSequence = &def[runbook.RotationSequence]{
	id:         runbook.SectionRotationSequence,
	title:      "Rotation sequence",
	facts:      AllFacts,
	partFacts:  sequencePart,
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

// validation is section 5: the checks of each environment.
var validation = &def[runbook.Validation]{
	id:         runbook.SectionValidation,
	title:      "Validation tests for each environment",
	facts:      PlanFacts,
	partFacts:  validationPart,
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

// rollback is section 6: when to roll back, how (per secret, and until
// when), and the emergency containment.
var rollback = &def[runbook.Rollback]{
	id:         runbook.SectionRollback,
	title:      "Rollback and emergency containment",
	facts:      AllFacts,
	partFacts:  rollbackPart,
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

// internalComms is section 7: the messages to engineering, support and
// (when the rotation is not routine) leadership. A handful of messages
// about every secret: never asked in parts.
var internalComms = &def[runbook.InternalComms]{
	id:    runbook.SectionInternalComms,
	title: "Internal communication",
	facts: GateFacts,
	field: func(s *runbook.Sections) **runbook.InternalComms { return &s.InternalComms },
	write: writer.InternalComms,
	check: checkInternalComms,
	merge: func(a, b *runbook.InternalComms) { a.Messages = union(a.Messages, b.Messages) },
}

func checkInternalComms(f *planner.Facts, s *runbook.InternalComms) []string {
	var v []string
	has := map[runbook.Audience]bool{}
	for _, m := range s.Messages {
		has[m.Audience] = true
	}
	audiences := []runbook.Audience{runbook.AudienceEngineering, runbook.AudienceSupport, runbook.AudienceLeadership}
	if f.Routine {
		// Ceremony follows risk: a routine rotation tells no leadership.
		audiences = audiences[:2]
		if has[runbook.AudienceLeadership] {
			v = append(v, "internal_comms has a leadership message: the facts say the rotation is routine, which needs none; leave it out")
		}
	}
	for _, a := range audiences {
		if !has[a] {
			v = append(v, fmt.Sprintf("internal_comms has no message for %s: write one for each of %s", a, audienceList(audiences)))
		}
	}
	return v
}

// audienceList writes audiences as "engineering, support and leadership".
func audienceList(as []runbook.Audience) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = string(a)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// externalComms is section 8: whether customers or vendors must be told,
// and the messages. Never asked in parts.
var externalComms = &def[runbook.ExternalComms]{
	id:    runbook.SectionExternalComms,
	title: "Customer and vendor communication",
	facts: GateFacts,
	field: func(s *runbook.Sections) **runbook.ExternalComms { return &s.ExternalComms },
	write: writer.ExternalComms,
	check: func(f *planner.Facts, s *runbook.ExternalComms) []string {
		if s.Applicable != f.ExternalComms.Applicable {
			return []string{fmt.Sprintf("external_comms.applicable is %v; the facts say %v (%s)", s.Applicable, f.ExternalComms.Applicable, f.ExternalComms.Reason)}
		}
		return nil
	},
	merge: func(a, b *runbook.ExternalComms) { a.Messages = union(a.Messages, b.Messages) },
}

// auditEvidence is section 9: the records to keep, one per control.
var auditEvidence = &def[runbook.AuditEvidence]{
	id:         runbook.SectionAuditEvidence,
	title:      "Audit evidence checklist",
	facts:      GateFacts,
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

// automation is section 10: what would make the next rotation safer.
var automation = &def[runbook.Automation]{
	id:         runbook.SectionAutomation,
	title:      "Automation opportunities",
	facts:      BriefFacts,
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
