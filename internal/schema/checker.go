package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	validator "github.com/santhosh-tekuri/jsonschema/v6"
)

// Checker validates documents against one schema that is not a section's
// (a structured call of its own, such as intake's model reading).
type Checker struct {
	schema *validator.Schema
}

// Compile prepares a schema (as sent to the model) for validation.
func Compile(name string, raw json.RawMessage) (*Checker, error) {
	parsed, err := validator.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("schema: %s: %w", name, err)
	}
	c := validator.NewCompiler()
	url := "rotor://schemas/" + name + ".json"
	if err := c.AddResource(url, parsed); err != nil {
		return nil, fmt.Errorf("schema: %s: %w", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schema: %s: %w", name, err)
	}
	return &Checker{schema: s}, nil
}

// Validate returns one message per violation, each with its JSON pointer.
func (c *Checker) Validate(doc []byte) ([]string, error) {
	return validate(c.schema, doc)
}

// StrictProblems lists where a schema breaks a rule of OpenAI's strict
// structured outputs (DESIGN.md): a root that is not a plain object, an
// object without additionalProperties false or with a property it does not
// require, a banned keyword, a $ref, nesting deeper than 10, more than 5000
// properties, a name outside ^[a-zA-Z0-9_-]{1,64}$. Every structured call's
// schema is tested with it.
func StrictProblems(name string, raw []byte) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if !validName(name) {
		add("schema name %q", name)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return append(out, "not JSON: "+err.Error())
	}
	if doc["type"] != "object" || doc["anyOf"] != nil {
		add("root must be a plain object: %v", doc["type"])
	}
	props := 0
	var walk func(node map[string]any, path string, depth int)
	walk = func(node map[string]any, path string, depth int) {
		if depth > 10 {
			add("%s: nested deeper than 10", path)
		}
		for _, k := range banned {
			if _, ok := node[k]; ok {
				add("%s: banned keyword %s", path, k)
			}
		}
		if _, ok := node["$ref"]; ok {
			add("%s: $ref left in", path)
		}
		if p, ok := node["properties"].(map[string]any); ok {
			props += len(p)
			if node["additionalProperties"] != false {
				add("%s: additionalProperties is not false", path)
			}
			var keys, req []string
			for k := range p {
				keys = append(keys, k)
			}
			reqs, _ := node["required"].([]any)
			for _, r := range reqs {
				if s, ok := r.(string); ok {
					req = append(req, s)
				}
			}
			sort.Strings(keys)
			sort.Strings(req)
			if strings.Join(keys, ",") != strings.Join(req, ",") {
				add("%s: required %v, properties %v", path, req, keys)
			}
			for _, k := range keys {
				if m, ok := p[k].(map[string]any); ok {
					walk(m, path+"."+k, depth+1)
				}
			}
		} else if node["type"] == "object" {
			add("%s: object without properties", path)
		}
		if items, ok := node["items"].(map[string]any); ok {
			walk(items, path+"[]", depth+1)
		}
		if alts, ok := node["anyOf"].([]any); ok {
			for _, a := range alts {
				if m, ok := a.(map[string]any); ok {
					walk(m, path+"|", depth)
				}
			}
		}
	}
	walk(doc, name, 1)
	if props > 5000 {
		add("%d properties", props)
	}
	return out
}

func validName(name string) bool {
	if len(name) < 1 || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
