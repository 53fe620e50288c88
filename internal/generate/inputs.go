package generate

import (
	"encoding/json"

	"github.com/rotor-dev/rotor/internal/planner"
)

// dataInputs declares, in one place, which facts the prompt's data block
// carries: what the ten sections read between them. The block is the same for
// every section of a runbook, so the ten calls share one long prompt prefix
// (the system prompt, then the data) that providers' prompt caching serves
// from the second call on; a section's cache key covers the whole block.
// Planner internals that no section needs (phases per secret, scoring
// factors) stay out.
var dataInputs = struct {
	top, secret, consumer []string
}{
	top: []string{"system", "trigger", "environments", "deployment", "secret_store", "approvers", "change_ticket", "constraints",
		"build_time", "tracks", "steps", "controls", "external_comms", "schedule", "considered", "person", "access", "freeze"},
	secret: []string{"id", "name", "kind", "provider_name", "owner", "consumers", "environments", "exposure", "store", "store_paths",
		"env_var", "privilege", "data_reach", "unlocks_other_secrets", "personal", "retire_only", "legacy", "legacy_note", "compromise",
		"rule", "strategy", "strategy_reason", "overlap", "proof", "rollback_window", "propagation_seconds", "urgency", "rotation_risk",
		"window", "rate_limited", "business_impact", "catalog", "stored", "users", "namespace", "scope", "values", "copies", "exposed", "deadline"},
	consumer: []string{"name", "owner", "criticality", "how_loaded", "runtime", "legacy", "workload", "namespace"},
}

// factsView is the data block's content: the declared facts, as a JSON-ready
// map.
func factsView(f *planner.Facts) (map[string]any, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var all map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	view := pick(all, dataInputs.top)
	// A part about steps of no secret (a track of a departing person's
	// access alone) has no secrets.
	secrets := []any{}
	raw, _ := all["secrets"].([]any)
	for _, raw := range raw {
		s := pick(raw.(map[string]any), dataInputs.secret)
		if cs, ok := s["consumers"].([]any); ok {
			var picked []any
			for _, c := range cs {
				picked = append(picked, pick(c.(map[string]any), dataInputs.consumer))
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
