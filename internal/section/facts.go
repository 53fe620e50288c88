package section

import (
	"encoding/json"
	"slices"
	"strings"
)

// Facts is a view of the facts: it declares, for the sections sent it (each
// section names its view in its definition, sections.go), which facts a
// prompt's data block carries: each section is sent only the facts it reads
// (TestEachSectionIsSentWhatItNeeds checks that the offline writer, from
// those facts alone, writes the same section as from all of them). The
// sections of a view are sent the same data block, so their calls share
// one prompt prefix (the schema envelope, the system prompt, the context and
// that block) that providers' prompt caching serves from the second call
// on; three views keep that sharing while the short sections (the comms,
// the triage, the evidence, the automation) no longer carry every step and
// every catalogue procedure. A section's cache key covers its view's block.
type Facts struct {
	// Name names the view in messages.
	Name string
	// Top, Secret and Consumer are the keys kept of the facts, of each
	// secret and of each consumer (nil: all of them); Step, when set, the
	// keys kept of each planned step.
	Top, Secret, Consumer, Step []string
	// Nested keeps, of an object a secret holds (by key, "catalog.actions"
	// one level down), only some keys.
	Nested map[string][]string
	// GateStep, when set, are the keys kept of each step instead of Step
	// when the plan contains (a step of phase contain, or a secret whose
	// exposure class is kill_now): what says which steps never wait for a
	// sign-off (planner.Facts.NeverWaits), which a plan that contains
	// nothing does not need (100 secrets on a schedule: 15k tokens a call).
	GateStep []string
}

// The facts every view may carry, as the planner names them in JSON:
// planner internals no section needs (scoring factors, the request's notes)
// stay out.
var (
	allTop = []string{"system", "system_slug", "trigger", "environments", "deployment", "secret_store", "approvers", "change_ticket",
		"change_paths", "routine", "constraints", "build_time", "tracks", "steps", "controls", "external_comms", "schedule", "considered",
		"person", "access", "freeze", "freezes", "dual_control", "duties", "no_console", "open_items", "start_given", "change_ticket_id", "rotate_all", "cadence", "max_downtime", "comms", "gates", "rules", "sole_actors"}
	allSecret = []string{"id", "name", "kind", "provider", "provider_name", "owner", "consumers", "environments", "exposure", "store", "store_paths", "store_fields",
		"env_var", "privilege", "data_reach", "unlocks_other_secrets", "personal", "retire_only", "legacy", "legacy_note", "compromise",
		"rule", "strategy", "strategy_reason", "overlap", "proof", "rollback_window", "propagation_seconds", "urgency", "rotation_risk",
		"window", "rate_limited", "business_impact", "catalog", "stored", "users", "namespace", "scope", "values", "copies", "personal_copies", "exposed",
		"deadline", "held_outside", "class", "restricted", "fetch_token", "derived_kills", "derived_reviews", "signers", "verifiers", "uses", "shared", "exposure_class", "window_only",
		"public_data_only", "privilege_assumed", "alert_path", "reach_assumed", "new_user", "phases", "read_reach", "exposed_since", "keep_copy",
		"cut_off", "cut_off_parties", "cut_off_places", "not_replaced", "mirrors", "partners"}
	allConsumer = []string{"name", "owner", "criticality", "how_loaded", "runtime", "legacy", "workload", "namespace", "managed_by", "platform",
		"known", "targets", "scheduled", "alert_path", "playbook", "file", "sync", "said"}
)

var (
	// BriefFacts: who, what, how urgent and when; for the external
	// message and the automation. Steps only by their phase (the comms look
	// for a freeze).
	BriefFacts = &Facts{Name: "brief",
		Top: []string{"system", "system_slug", "trigger", "deployment", "approvers", "change_ticket", "change_paths", "routine",
			"schedule", "freeze", "freezes", "external_comms", "controls", "steps", "start_given", "change_ticket_id", "cadence", "comms"},
		Secret: []string{"id", "name", "kind", "provider_name", "owner", "environments", "exposure", "exposed", "compromise", "strategy",
			"rule", "rotation_risk", "urgency", "window", "business_impact", "deadline", "consumers"},
		Consumer: []string{"name"},
		Step:     []string{"phase"},
		Nested:   map[string][]string{"urgency": {"priority"}, "rotation_risk": {"level"}},
	}
	// GateFacts: the brief, and what says which steps an approval may hold
	// (gateStep, each secret's exposure class) and whether the approver was
	// assumed; for the internal messages and the audit evidence, which say
	// when the change is approved. A view apart: the brief's steps by phase
	// alone are 15k tokens fewer at 100 secrets, for each of the two calls
	// that do not read them.
	GateFacts = &Facts{Name: "brief with gates",
		Top:      append(slices.Clone(BriefFacts.Top), "assumptions"),
		Secret:   append(slices.Clone(BriefFacts.Secret), "exposure_class"),
		Consumer: BriefFacts.Consumer, Step: BriefFacts.Step, GateStep: gateStep, Nested: BriefFacts.Nested,
	}
	// PlanFacts: every fact of every secret and consumer (each secret's
	// phases included), the catalogue's checks and the schedule, the
	// planned steps only by number, secret, environment and phase (a
	// validation check names the steps that prove it, the approvals depend
	// on a containment step); for the inventory, the triage, the checklist
	// and the validation. One view for the four keeps their calls on one
	// cacheable prefix (a view apart for the two that read steps cost
	// Acme's calls 8 points of cacheable input for a few hundred tokens).
	PlanFacts = &Facts{Name: "plan", Top: without(allTop, "tracks", "build_time", "external_comms", "person", "access"),
		Secret:   without(allSecret, "held_outside", "class", "restricted", "fetch_token", "derived_kills", "derived_reviews", "uses"),
		Consumer: allConsumer, Step: []string{"order", "secret_id", "environment", "phase", "reach"},
		// The procedures these sections use: the checklist's preflight,
		// discovery and quirks, the validation's checks.
		Nested: map[string][]string{"catalog.actions": {"discover", "preflight", "verify", "invalidate", "invalidate_check", "contain",
			"contain_check"}}}
	// AllFacts: everything the sections read, the tracks and every planned
	// step included; for the rotation sequence and the rollback.
	AllFacts = &Facts{Name: "all", Top: allTop, Secret: allSecret, Consumer: allConsumer}
)

// gateStep are the keys of a step that say whether a sign-off may hold it
// (planner.Facts.NeverWaits: a containment step, or the kill or production
// restoration of a credential exposed outside the company, with the
// secret's exposure_class), which the approvals, the checklist's lines
// about them and the change ticket's evidence line state.
var gateStep = []string{"order", "secret_id", "environment", "phase", "kill", "reach"}

// Part views: a section asked in parts (a large request) sends each part
// only the facts its own section reads of the part's secrets. The parts'
// data blocks differ anyway (each holds other secrets), so sharing a view
// buys no cached prefix there, while the shared views' other sections'
// facts were most of each part's prompt: 100 secrets' parts carried 1.07M
// tokens with the shared views. Each part view is the smallest from which
// the offline writer writes its section as from every fact
// (TestEachSectionIsSentWhatItNeeds checks it on every shipped request),
// plus the names a reader of the answer needs and the system's name.
var (
	inventoryPart = &Facts{Name: "inventory part", Top: []string{"system", "schedule"},
		Secret: []string{"id", "name", "kind", "provider", "provider_name", "owner", "consumers", "environments", "store", "store_paths", "store_fields",
			"retire_only", "rule", "strategy", "rotation_risk", "window", "stored", "users", "copies", "personal_copies", "exposed"},
		Consumer: []string{"name", "how_loaded"}}
	triagePart = &Facts{Name: "triage part", Top: []string{"system"},
		Secret: []string{"id", "name", "kind", "provider_name", "exposure", "exposed", "compromise", "rule", "strategy", "strategy_reason",
			"urgency", "rotation_risk", "business_impact"},
		Consumer: []string{}}
	preflightPart = &Facts{Name: "checklist part", Top: []string{"system", "system_slug", "trigger", "approvers", "change_ticket", "steps", "schedule",
		"considered", "freezes", "open_items", "rotate_all"},
		Secret: []string{"id", "name", "kind", "provider_name", "owner", "consumers", "environments", "store", "env_var", "legacy",
			"legacy_note", "compromise", "rule", "strategy", "rotation_risk", "rate_limited", "stored", "users", "values", "exposed", "exposure_class"},
		Consumer: []string{"name", "runtime"}, Step: []string{"order", "secret_id", "phase", "reach"}, GateStep: gateStep,
		Nested: PlanFacts.Nested}
	sequencePart = &Facts{Name: "sequence part", Top: []string{"system", "system_slug", "trigger", "approvers", "tracks", "steps", "controls",
		"schedule", "person", "access", "freezes", "cadence", "rotate_all"},
		Secret: []string{"id", "name", "kind", "provider_name", "owner", "consumers", "exposure", "store", "store_paths", "store_fields", "env_var",
			"personal", "retire_only", "compromise", "rule", "strategy", "propagation_seconds", "catalog", "stored", "users", "scope",
			"values", "copies", "personal_copies", "exposed", "derived_kills", "derived_reviews", "exposure_class", "alert_path", "new_user", "read_reach",
			"cut_off", "cut_off_parties", "cut_off_places", "not_replaced", "mirrors", "partners"},
		Consumer: []string{"name", "owner", "runtime", "legacy", "workload", "namespace", "known", "platform", "managed_by", "scheduled", "playbook", "file", "sync", "said"},
		Step:     []string{"access", "environment", "order", "phase", "reach", "remediation", "secret_id", "track", "window"}}
	validationPart = &Facts{Name: "validation part", Top: []string{"system", "environments", "steps"},
		Secret:   []string{"id", "name", "kind", "provider_name", "consumers", "environments", "retire_only", "rule", "strategy"},
		Consumer: []string{"name"}, Step: []string{"order", "secret_id", "environment", "phase"},
		Nested: PlanFacts.Nested}
	rollbackPart = &Facts{Name: "rollback part", Top: []string{"system", "system_slug", "trigger", "steps"},
		Secret: []string{"id", "name", "kind", "provider_name", "store", "env_var", "retire_only", "compromise", "rule", "strategy",
			"urgency", "stored", "users", "exposed", "phases"},
		Consumer: []string{}, Step: []string{"order", "phase", "secret_id"}, GateStep: gateStep}
)

// contains reports whether a plan contains: a step of phase contain, or a
// secret whose exposure class is kill_now (whose kill and production
// restoration never wait for a sign-off).
func contains(secrets, steps []any) bool {
	for _, s := range secrets {
		if m, ok := s.(map[string]any); ok && m["exposure_class"] == "kill_now" {
			return true
		}
	}
	for _, st := range steps {
		if m, ok := st.(map[string]any); ok && m["phase"] == "contain" {
			return true
		}
	}
	return false
}

// Views lists every view a section is sent, smallest first.
func Views() []*Facts { return []*Facts{BriefFacts, GateFacts, PlanFacts, AllFacts} }

// without is keys less some.
func without(keys []string, some ...string) []string {
	var out []string
	for _, k := range keys {
		keep := true
		for _, x := range some {
			keep = keep && k != x
		}
		if keep {
			out = append(out, k)
		}
	}
	return out
}

// Take is the view's content from the facts' map (which it does not
// change).
func (v *Facts) Take(all map[string]any) map[string]any {
	view := pick(all, v.Top)
	// A part about steps of no secret (a track of a departing person's
	// access alone) has no secrets.
	secrets := []any{}
	raw, _ := all["secrets"].([]any)
	for _, raw := range raw {
		s := pick(raw.(map[string]any), v.Secret)
		for path, keys := range v.Nested {
			outer, inner, deeper := strings.Cut(path, ".")
			obj, ok := s[outer].(map[string]any)
			if !ok {
				continue
			}
			obj = pick(obj, nil)
			if deeper {
				if in, ok := obj[inner].(map[string]any); ok {
					obj[inner] = pick(in, keys)
				}
			} else {
				obj = pick(obj, keys)
			}
			s[outer] = obj
		}
		if cs, ok := s["consumers"].([]any); ok && v.Consumer != nil {
			picked := make([]any, 0, len(cs))
			for _, c := range cs {
				picked = append(picked, pick(c.(map[string]any), v.Consumer))
			}
			s["consumers"] = picked
		}
		secrets = append(secrets, s)
	}
	view["secrets"] = secrets
	shareCatalog(view)
	if steps, ok := view["steps"].([]any); ok && v.Step != nil {
		keys := v.Step
		if v.GateStep != nil && contains(raw, steps) {
			keys = v.GateStep
		}
		picked := make([]any, 0, len(steps))
		for _, st := range steps {
			picked = append(picked, pick(st.(map[string]any), keys))
		}
		view["steps"] = picked
	}
	return view
}

// pick keeps keys of m (nil: all of them) in a new map.
func pick(m map[string]any, keys []string) map[string]any {
	if keys == nil {
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	out := make(map[string]any, len(keys))
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// shareCatalog moves the catalogue procedures out of the secrets into one
// "catalog" map by entry id, when every secret of an entry has the same:
// a fleet of fifty API keys of one vendor carries its procedure once.
func shareCatalog(view map[string]any) {
	secrets, _ := view["secrets"].([]any)
	byRule := map[string]string{}
	values := map[string]any{}
	same := map[string]bool{}
	for _, raw := range secrets {
		s := raw.(map[string]any)
		rule, _ := s["rule"].(string)
		c, ok := s["catalog"]
		if !ok || rule == "" {
			continue
		}
		enc, _ := json.Marshal(c)
		if prev, seen := byRule[rule]; !seen {
			byRule[rule], values[rule], same[rule] = string(enc), c, true
		} else if prev != string(enc) {
			same[rule] = false
		}
	}
	shared := map[string]any{}
	for _, raw := range secrets {
		s := raw.(map[string]any)
		rule, _ := s["rule"].(string)
		if _, ok := s["catalog"]; ok && same[rule] {
			delete(s, "catalog")
			shared[rule] = values[rule]
		}
	}
	if len(shared) > 0 {
		view["catalog"] = shared
	}
}
