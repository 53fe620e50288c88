package llmtest

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

// DraftSchemaName is the schema name of rotor's catalogue drafts
// (generate.DraftSchemaName; llmtest does not import generate).
const DraftSchemaName = "rotor_catalog_draft"

// DraftDefect is a flaw the drafting double seeds in its draft of an entry.
type DraftDefect string

// Defects of a draft: schema-valid drafts that a catalogue must not take as
// they stand, and answers that are not a usable document.
const (
	// DraftHonest is a plausible draft: the vendor's console and HTTP API,
	// the overlap not confirmed.
	DraftHonest DraftDefect = ""
	// DraftMissingActions leaves out how to kill the old credential
	// (invalidate, contain and their checks).
	DraftMissingActions DraftDefect = "missing_actions"
	// DraftWrongStrategy answers a hard cutover no documentation confirmed.
	DraftWrongStrategy DraftDefect = "wrong_strategy"
	// DraftRekey answers rekey for a credential that encrypts nothing.
	DraftRekey DraftDefect = "rekey"
	// DraftForeignCommands writes other products' commands (AWS IAM, Vault).
	DraftForeignCommands DraftDefect = "foreign_commands"
	// DraftConfirmedOverlap claims the documentation confirms two live keys.
	DraftConfirmedOverlap DraftDefect = "confirmed_overlap"
	// DraftSchemaViolation answers a strategy outside the schema's enum.
	DraftSchemaViolation DraftDefect = "schema_violation"
	// DraftNotJSON answers prose; DraftRefusal refuses.
	DraftNotJSON  DraftDefect = "not_json"
	DraftRefusal  DraftDefect = "refusal"
	DraftTimeouts DraftDefect = "rate_limited"
)

// DraftDefects lists every draft defect but the honest draft.
var DraftDefects = []DraftDefect{DraftMissingActions, DraftWrongStrategy, DraftRekey, DraftForeignCommands, DraftConfirmedOverlap,
	DraftSchemaViolation, DraftNotJSON, DraftRefusal, DraftTimeouts}

// Drafter answers rotor's catalogue draft calls like a model drafting an
// entry for the provider it is given, with a defect seeded per provider.
// Other schemas get a schema-valid stand-in; wrap it to combine doubles.
type Drafter struct {
	mu   sync.Mutex
	seed func(provider string) DraftDefect
	sent []DraftSent
}

// DraftSent is one draft the double answered.
type DraftSent struct {
	Provider string
	Defect   DraftDefect
	Answer   string
}

// NewDrafter returns a drafter whose drafts are honest.
func NewDrafter() *Drafter { return &Drafter{} }

// Seed decides the defect of each draft from the provider's name.
func (d *Drafter) Seed(f func(provider string) DraftDefect) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seed = f
}

// Sent lists the drafts answered so far.
func (d *Drafter) Sent() []DraftSent {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.sent)
}

// Reply answers one request.
func (d *Drafter) Reply(r Recorded) Reply {
	if r.SchemaName != DraftSchemaName {
		return SchemaValid(r)
	}
	var in struct {
		Provider string `json:"provider"`
		Secret   string `json:"secret_name"`
		Kind     string `json:"kind"`
	}
	rotorData(r.User, &in)
	d.mu.Lock()
	var defect DraftDefect
	if d.seed != nil {
		defect = d.seed(in.Provider)
	}
	d.mu.Unlock()
	draft := honestDraft(in.Provider)
	acts := draft["actions"].(map[string]any)
	switch defect {
	case DraftMissingActions:
		for _, k := range []string{"invalidate", "invalidate_check", "contain", "contain_check"} {
			acts[k] = ""
		}
	case DraftWrongStrategy:
		draft["strategy"], draft["max_live"] = "hard_cutover", 1
	case DraftRekey:
		draft["strategy"] = "rekey"
	case DraftForeignCommands:
		acts["create"] = "Create the key: `aws iam create-access-key --user-name <user>`, then store it with `vault kv put secret/<path> value=-`."
		acts["invalidate"] = "Delete the old key: `aws iam delete-access-key --user-name <user> --access-key-id <old-key-id>`."
	case DraftConfirmedOverlap:
		draft["overlap_confirmed"], draft["max_live"] = true, 2
	}
	b, _ := json.Marshal(draft)
	answer := string(b)
	d.mu.Lock()
	d.sent = append(d.sent, DraftSent{Provider: in.Provider, Defect: defect, Answer: answer})
	d.mu.Unlock()
	switch defect {
	case DraftSchemaViolation:
		return OK(strings.Replace(answer, `"strategy":"dual_credential"`, `"strategy":"probably_dual"`, 1))
	case DraftNotJSON:
		return OK("I would rotate this key in the vendor's console and update your services.")
	case DraftRefusal:
		return Reply{Kind: Refusal}
	case DraftTimeouts:
		return RateLimited("1")
	}
	return OK(answer)
}

// honestDraft is a plausible draft for a provider: its console and its HTTP
// API by curl, the overlap not confirmed.
func honestDraft(provider string) map[string]any {
	host := strings.ToLower(strings.Join(strings.Fields(provider), ""))
	api := "https://api." + host + ".example/v1/me"
	return map[string]any{
		"provider_name": provider, "aliases": []string{strings.ToLower(provider)}, "reach": "service_data",
		"title": provider + " API key", "overlap_confirmed": false, "max_live": 0, "strategy": "dual_credential",
		"overlap":  "the console lists several keys; the documentation does not say whether two stay valid together",
		"failures": "",
		"actions": map[string]any{
			"discover":         provider + "'s console > API keys, and every service holding {var}",
			"preflight":        "",
			"create":           "Create a new key in " + provider + "'s console (API keys > Create) with the same permissions; copy it once into the store.",
			"create_check":     "the console lists the new key beside the old one",
			"switch":           "",
			"switch_check":     "",
			"verify":           "`curl -sS -H @- " + api + "` with the header line `Authorization: Bearer <new-key>` piped in returns 200",
			"quiet":            "each consumer's logs show its calls made with the new key since the deploy",
			"invalidate":       "Delete the old key: API keys > the old key > Delete.",
			"invalidate_check": "the same call with the old key returns 401",
			"contain":          "Delete the exposed key now: API keys > the key > Delete; consumers fail until the new key is deployed.",
			"contain_check":    "a call with the exposed key returns 401",
			"investigate":      provider + "'s audit log over the exposure window: calls with the key, keys and users added",
			"rollback":         "the old key works until it is deleted: restore the previous store version and redeploy",
			"rollback_until":   "the invalidate step",
		},
		"quirks":  []string{},
		"sources": []string{provider + " documentation: API keys"},
	}
}
