package generate

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// checkFacts lists where a written section disagrees with the facts it must
// respect. Each message is written for the model: what is wrong and what the
// facts say.
func checkFacts(f *planner.Facts, sec any) []string {
	var v []string
	add := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }
	switch s := sec.(type) {
	case *runbook.Inventory:
		if len(s.Secrets) != len(f.Secrets) {
			add("inventory.secrets has %d entries; the facts have %d secrets (%s)", len(s.Secrets), len(f.Secrets), ids(f))
		}
		for i, got := range s.Secrets {
			want := f.SecretByID(got.ID)
			if want == nil {
				add("inventory.secrets[%d].id %q is not a secret id of the facts (%s)", i, got.ID, ids(f))
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
	case *runbook.RiskTriage:
		seen := map[string]bool{}
		for i, got := range s.Items {
			want := f.SecretByID(got.SecretID)
			if want == nil {
				add("risk_triage.items[%d].secret_id %q is not a secret id of the facts (%s)", i, got.SecretID, ids(f))
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
	case *runbook.RotationSequence:
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
	case *runbook.Validation:
		var got []string
		for _, e := range s.Environments {
			got = append(got, e.Environment)
		}
		if strings.Join(got, ",") != strings.Join(f.Environments, ",") {
			add("validation.environments are %v; the facts' environments are %v, in that order", got, f.Environments)
		}
	case *runbook.ExternalComms:
		if s.Applicable != f.ExternalComms.Applicable {
			add("external_comms.applicable is %v; the facts say %v (%s)", s.Applicable, f.ExternalComms.Applicable, f.ExternalComms.Reason)
		}
	case *runbook.InternalComms:
		has := map[runbook.Audience]bool{}
		for _, m := range s.Messages {
			has[m.Audience] = true
		}
		audiences := []runbook.Audience{runbook.AudienceEngineering, runbook.AudienceSupport, runbook.AudienceLeadership}
		if f.Routine {
			// Ceremony follows risk: a routine rotation tells no leadership.
			audiences = audiences[:2]
			if has[runbook.AudienceLeadership] {
				add("internal_comms has a leadership message: the facts say the rotation is routine, which needs none; leave it out")
			}
		}
		for _, a := range audiences {
			if !has[a] {
				add("internal_comms has no message for %s: write one for each of %s", a, audienceList(audiences))
			}
		}
	case *runbook.AuditEvidence:
		has := map[string]bool{}
		for _, it := range s.Items {
			has[it.SecretID] = true
		}
		for _, fs := range f.Secrets {
			// An item with no secret_id covers every secret (one record per
			// control, not per secret).
			if !has[fs.ID] && !has[""] {
				add("audit_evidence has no item for secret %s: every rotated secret needs its evidence (or an item with an empty secret_id covering all)", fs.ID)
			}
		}
	}
	return v
}

func ids(f *planner.Facts) string {
	out := make([]string, len(f.Secrets))
	for i, s := range f.Secrets {
		out[i] = s.ID
	}
	return strings.Join(out, ", ")
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
