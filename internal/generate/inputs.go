package generate

import (
	"encoding/json"
	"fmt"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// inputs declares, in one place, which facts each section reads. The prompt of
// a section carries only these, so its cache key can be the hash of exactly
// what it depends on: editing an owner's name regenerates only the sections
// that list owners.
type inputs struct {
	top      []string
	secret   []string
	consumer []string
}

var sectionInputs = map[runbook.SectionID]inputs{
	runbook.SectionInventory: {
		top:      []string{"system", "environments", "deployment", "secret_store"},
		secret:   []string{"id", "name", "kind", "provider_name", "owner", "consumers", "environments", "store", "store_paths", "env_var", "strategy", "rotation_risk", "window", "compromise", "retire_only"},
		consumer: []string{"name", "how_loaded", "runtime", "legacy"},
	},
	runbook.SectionRiskTriage: {
		top:      []string{"system", "trigger"},
		secret:   []string{"id", "name", "kind", "provider_name", "consumers", "environments", "exposure", "privilege", "data_reach", "unlocks_other_secrets", "compromise", "strategy", "strategy_reason", "urgency", "rotation_risk", "business_impact"},
		consumer: []string{"name", "criticality"},
	},
	runbook.SectionPreflight: {
		top:      []string{"system", "trigger", "secret_store", "approvers", "change_ticket", "constraints"},
		secret:   []string{"id", "name", "provider_name", "owner", "consumers", "environments", "store_paths", "strategy", "rule", "window", "legacy", "legacy_note", "rate_limited", "urgency", "rotation_risk", "rollback_window", "compromise"},
		consumer: []string{"name", "owner"},
	},
	runbook.SectionRotationSequence: {
		top:      []string{"system", "trigger", "deployment", "secret_store", "approvers", "build_time", "tracks", "steps"},
		secret:   []string{"id", "name", "kind", "provider_name", "owner", "consumers", "environments", "store", "store_paths", "env_var", "privilege", "personal", "retire_only", "legacy", "compromise", "rule", "strategy", "overlap", "proof", "propagation_seconds", "window", "rate_limited"},
		consumer: []string{"name", "owner", "how_loaded", "runtime", "legacy"},
	},
	runbook.SectionValidation: {
		top:      []string{"system", "environments"},
		secret:   []string{"id", "name", "kind", "provider_name", "consumers", "environments", "compromise", "retire_only", "strategy", "proof", "window"},
		consumer: []string{"name", "criticality"},
	},
	runbook.SectionRollback: {
		top:    []string{"system", "trigger", "steps"},
		secret: []string{"id", "name", "provider_name", "rule", "strategy", "rotation_risk", "rollback_window", "compromise", "retire_only"},
	},
	runbook.SectionInternalComms: {
		top:    []string{"system", "trigger", "approvers", "tracks", "controls"},
		secret: []string{"id", "name", "owner", "strategy", "window", "urgency", "rotation_risk", "compromise"},
	},
	runbook.SectionExternalComms: {
		top:    []string{"system", "trigger", "external_comms"},
		secret: []string{"id", "name", "kind", "provider_name", "owner", "compromise", "data_reach"},
	},
	runbook.SectionAuditEvidence: {
		top:    []string{"system", "trigger", "approvers", "controls", "steps"},
		secret: []string{"id", "name", "kind", "owner", "store"},
	},
	runbook.SectionAutomation: {
		top:      []string{"system", "deployment", "secret_store"},
		secret:   []string{"id", "name", "kind", "provider_name", "rule", "strategy", "consumers"},
		consumer: []string{"name"},
	},
}

// factsView is the part of the facts a section reads, as a JSON-ready map.
func factsView(f *planner.Facts, id runbook.SectionID) (map[string]any, error) {
	in, ok := sectionInputs[id]
	if !ok {
		return nil, fmt.Errorf("generate: no inputs declared for %s", id)
	}
	data, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var all map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	view := pick(all, in.top)
	var secrets []any
	for _, raw := range all["secrets"].([]any) {
		s := pick(raw.(map[string]any), in.secret)
		if cs, ok := s["consumers"].([]any); ok {
			var picked []any
			for _, c := range cs {
				picked = append(picked, pick(c.(map[string]any), in.consumer))
			}
			s["consumers"] = picked
		}
		secrets = append(secrets, s)
	}
	view["secrets"] = secrets
	return view, nil
}

func pick(m map[string]any, keys []string) map[string]any {
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}
