package llmtest

import (
	"encoding/json"
	"fmt"
	"sort"
)

// SchemaValid answers with a document that matches the request's JSON schema
// and ignores its facts: every string is plausible prose or a made-up id,
// every enum takes its first value, every array has two items. It is an
// independent stand-in for a model whose answers pass the schema but not the
// facts: rotor must never serve what it says as fact. In json_object mode
// (no schema on the wire) it answers an empty object.
func SchemaValid(r Recorded) Reply {
	if len(r.Schema) == 0 {
		return OK("{}")
	}
	var s map[string]any
	if err := json.Unmarshal(r.Schema, &s); err != nil {
		return OK("{}")
	}
	data, err := json.Marshal(fill(s, "", 0))
	if err != nil {
		return OK("{}")
	}
	return OK(string(data))
}

// fill makes a value valid against schema s; name is the property it is for.
func fill(s map[string]any, name string, depth int) any {
	if alts, ok := s["anyOf"].([]any); ok && len(alts) > 0 {
		// Strict schemas spell an optional value as anyOf [T, null]: give T.
		if first, ok := alts[0].(map[string]any); ok {
			return fill(first, name, depth)
		}
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	typ, _ := s["type"].(string)
	if ts, ok := s["type"].([]any); ok && len(ts) > 0 {
		typ, _ = ts[0].(string)
	}
	switch typ {
	case "object":
		props, _ := s["properties"].(map[string]any)
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := map[string]any{}
		for _, k := range keys {
			p, _ := props[k].(map[string]any)
			out[k] = fill(p, k, depth+1)
		}
		return out
	case "array":
		items, _ := s["items"].(map[string]any)
		n := 2
		if depth > 6 {
			n = 0
		}
		out := make([]any, 0, n)
		for i := range n {
			out = append(out, fill(items, fmt.Sprintf("%s#%d", name, i+1), depth+1))
		}
		return out
	case "integer", "number":
		if m, ok := s["minimum"].(float64); ok {
			return int(m)
		}
		return 1
	case "boolean":
		return true
	case "string":
		return prose(name)
	}
	return nil
}

// prose is a plausible string for a property: ids look like ids, the rest
// like an instruction.
func prose(name string) string {
	switch {
	case name == "secret_id" || name == "id" || len(name) > 10 && name[:10] == "secret_ids":
		return "primary-api-key"
	case name == "environment":
		return "production"
	}
	return "Rotate the primary API key and confirm the service still works."
}
