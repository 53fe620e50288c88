package secrettest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// SampleRequest is a request with every field of the contract set, so a
// placement reaches each of them.
func SampleRequest() []byte {
	return []byte(`{
  "system": "Acme Payments",
  "trigger": "confirmed_leak",
  "environments": ["staging", "production"],
  "deployment": ["kubernetes"],
  "secret_store": "vault",
  "downtime_tolerance": "short_window",
  "secrets": [{"name": "Stripe live key", "kind": "api_key", "provider": "stripe", "owner": "Platform",
    "consumers": ["billing-api"], "environments": ["production"], "exposure": "public", "notes": "pushed to a public repo",
    "privilege": "admin", "personal": false, "secret_store": "vault"}],
  "services": [{"name": "billing-api", "owner": "Platform", "criticality": "high"}],
  "owners": [{"name": "Security", "role": "approver"}],
  "constraints": ["no downtime during EU business hours"]
}`)
}

// Placement is a request body with disguised text at one place.
type Placement struct {
	// Where names the place: a JSON path, or a description for keys.
	Where string
	Body  []byte
}

// leaves lists the paths of every string in a decoded JSON document, in
// the order json.Marshal writes them (object keys sorted).
func leaves(v any, path string, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			leaves(x[k], p, out)
		}
	case []any:
		for i, e := range x {
			leaves(e, fmt.Sprintf("%s[%d]", path, i), out)
		}
	case string:
		*out = append(*out, path)
	}
}

// set replaces the string at path (as leaves spells it).
func set(v any, path, at string, value string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			x[k] = set(e, p, at, value)
		}
	case []any:
		for i, e := range x {
			x[i] = set(e, fmt.Sprintf("%s[%d]", path, i), at, value)
		}
	case string:
		if path == at {
			return value
		}
	}
	return v
}

func decode(base []byte) any {
	var v any
	if err := json.Unmarshal(base, &v); err != nil {
		panic(fmt.Sprintf("secrettest: base request: %v", err))
	}
	return v
}

func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("secrettest: %v", err))
	}
	return b
}

// Paths lists every string field of base.
func Paths(base []byte) []string {
	var out []string
	leaves(decode(base), "", &out)
	return out
}

// Place returns base with texts placed everywhere a user could put them.
// One text goes in each string field in turn, then as an unknown field's
// value, an unknown field's name (at the top and in secrets[0]), nested in
// an unknown object, and as the first of two duplicate keys. Two texts (a
// secret split across fields) go in each pair of neighbouring fields and in
// the first and last field.
func Place(base []byte, texts []string) []Placement {
	paths := Paths(base)
	var out []Placement
	if len(texts) == 2 {
		pair := func(i, j int) {
			v := set(set(decode(base), "", paths[i], texts[0]), "", paths[j], texts[1])
			out = append(out, Placement{Where: paths[i] + "+" + paths[j], Body: encode(v)})
		}
		for i := 0; i+1 < len(paths); i++ {
			pair(i, i+1)
		}
		pair(0, len(paths)-1)
		return out
	}
	text := texts[0]
	for _, p := range paths {
		out = append(out, Placement{Where: p, Body: encode(set(decode(base), "", p, text))})
	}
	top := func(key string, value any) []byte {
		v := decode(base).(map[string]any)
		v[key] = value
		return encode(v)
	}
	out = append(out,
		Placement{Where: "unknown field value", Body: top("remarks", text)},
		Placement{Where: "unknown field name", Body: top(text, "x")},
		Placement{Where: "unknown nested object", Body: top("windows", []any{map[string]any{"days": "mon", "note": text}})},
	)
	v := decode(base).(map[string]any)
	v["secrets"].([]any)[0].(map[string]any)[text] = true
	out = append(out, Placement{Where: "unknown field name in secrets[0]", Body: encode(v)})
	// Duplicate keys: the disguised value first, a harmless one after it
	// (the one a lenient decoder keeps).
	first, _ := json.Marshal(text)
	dup := `{"system":` + string(first) + `,` + strings.TrimPrefix(strings.TrimSpace(string(encode(decode(base)))), "{")
	out = append(out, Placement{Where: "duplicate key", Body: []byte(dup)})
	return out
}
