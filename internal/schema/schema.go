// Package schema generates the strict JSON schema of each runbook section from
// its Go type (invopop/jsonschema), rewrites it to meet the rules of OpenAI's
// strict structured outputs, and validates documents against it
// (santhosh-tekuri/jsonschema). The schema served by GET /schemas/{section} is
// byte for byte the one the model answers in: inside the envelope of every
// section's schema in json_schema mode (Envelope), alone in json_object mode.
package schema

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/invopop/jsonschema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Set holds the strict schema of every section, built once.
type Set struct {
	raw      map[runbook.SectionID][]byte
	compiled map[runbook.SectionID]*validator.Schema
	version  string
	envelope []byte
}

// Source is what one section's schema is made from: its id and Go type
// (section.Schemas gives every section's).
type Source struct {
	ID   runbook.SectionID
	Type reflect.Type
}

// NewSet builds the schemas of the sections. They depend only on the Go
// types: build the set once at start-up and share it.
func NewSet(sources []Source) (*Set, error) {
	s := &Set{raw: map[runbook.SectionID][]byte{}, compiled: map[runbook.SectionID]*validator.Schema{}}
	h := sha256.New()
	for _, src := range sources {
		id := src.ID
		doc, err := Strict(reflect.New(src.Type).Interface())
		if err != nil {
			return nil, fmt.Errorf("schema: %s: %w", id, err)
		}
		data, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("schema: %s: %w", id, err)
		}
		s.raw[id] = data
		h.Write(data)
		c := validator.NewCompiler()
		parsed, err := validator.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("schema: %s: %w", id, err)
		}
		url := "rotor://schemas/" + string(id) + ".json"
		if err := c.AddResource(url, parsed); err != nil {
			return nil, fmt.Errorf("schema: %s: %w", id, err)
		}
		if s.compiled[id], err = c.Compile(url); err != nil {
			return nil, fmt.Errorf("schema: %s: %w", id, err)
		}
	}
	s.version = hex.EncodeToString(h.Sum(nil))[:12]
	var err error
	if s.envelope, err = envelope(sources, s.raw); err != nil {
		return nil, fmt.Errorf("schema: envelope: %w", err)
	}
	return s, nil
}

// JSON is the strict schema of a section, as sent to the model.
func (s *Set) JSON(id runbook.SectionID) ([]byte, bool) {
	b, ok := s.raw[id]
	return b, ok
}

// Version identifies the set of schemas: it changes when any section type does.
func (s *Set) Version() string { return s.version }

// Name is the schema name sent to the model (^[a-zA-Z0-9_-]{1,64}$).
func Name(id runbook.SectionID) string { return "rotor_" + string(id) }

// Validate checks a document (raw JSON) against a section's schema and returns
// one message per violation, each with its JSON pointer.
func (s *Set) Validate(id runbook.SectionID, doc []byte) ([]string, error) {
	sch, ok := s.compiled[id]
	if !ok {
		return nil, fmt.Errorf("schema: unknown section %q", id)
	}
	return validate(sch, doc)
}

// ValidateTree is Validate on a document already decoded as encoding/json
// decodes into any, numbers as json.Number (decode.Parsed's tree): an
// answer is parsed once for its schema and its strict decoding.
func (s *Set) ValidateTree(id runbook.SectionID, tree any) ([]string, error) {
	sch, ok := s.compiled[id]
	if !ok {
		return nil, fmt.Errorf("schema: unknown section %q", id)
	}
	return validateTree(sch, tree)
}

func validate(sch *validator.Schema, doc []byte) ([]string, error) {
	v, err := validator.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return []string{"not valid JSON: " + err.Error()}, nil
	}
	return validateTree(sch, v)
}

func validateTree(sch *validator.Schema, v any) ([]string, error) {
	err := sch.Validate(v)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*validator.ValidationError)
	if !ok {
		return nil, err
	}
	var out []string
	collect(*ve.BasicOutput(), &out)
	if len(out) == 0 {
		out = []string{ve.Error()}
	}
	sort.Strings(out)
	return out, nil
}

func collect(u validator.OutputUnit, out *[]string) {
	if u.Error != nil && u.Error.String() != "validation failed" {
		loc := u.InstanceLocation
		if loc == "" {
			loc = "/"
		}
		*out = append(*out, loc+": "+u.Error.String())
	}
	for _, e := range u.Errors {
		collect(e, out)
	}
}

// StrictJSON is Strict, encoded: what a structured call sends as its schema.
func StrictJSON(v any) (json.RawMessage, error) {
	doc, err := Strict(v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

// Strict reflects v's type and makes the schema strict: root an object,
// additionalProperties false and every property required at every level,
// optional values as anyOf [T, null], and no keyword strict mode rejects.
func Strict(v any) (map[string]any, error) {
	r := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	data, err := json.Marshal(r.Reflect(v))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	delete(doc, "$schema")
	delete(doc, "$id")
	strictify(doc)
	if doc["type"] != "object" {
		return nil, fmt.Errorf("root is %v, not an object", doc["type"])
	}
	return doc, nil
}

// banned are keywords OpenAI's strict mode does not accept.
var banned = []string{"allOf", "not", "if", "then", "else", "default", "examples", "minLength", "maxLength", "format", "oneOf", "$comment", "$defs", "definitions", "nullable", "patternProperties", "minItems", "maxItems", "uniqueItems"}

func strictify(node map[string]any) {
	for _, k := range banned {
		delete(node, k)
	}
	if props, ok := node["properties"].(map[string]any); ok {
		required := map[string]bool{}
		if req, ok := node["required"].([]any); ok {
			for _, r := range req {
				required[r.(string)] = true
			}
		}
		keys := make([]string, 0, len(props))
		for k, p := range props {
			keys = append(keys, k)
			pm := p.(map[string]any)
			strictify(pm)
			if !required[k] {
				props[k] = map[string]any{"anyOf": []any{pm, map[string]any{"type": "null"}}}
			}
		}
		sort.Strings(keys)
		req := make([]any, len(keys))
		for i, k := range keys {
			req[i] = k
		}
		node["required"] = req
		node["additionalProperties"] = false
		node["type"] = "object"
	}
	if items, ok := node["items"].(map[string]any); ok {
		strictify(items)
	}
	if alts, ok := node["anyOf"].([]any); ok {
		for _, a := range alts {
			if m, ok := a.(map[string]any); ok {
				strictify(m)
			}
		}
	}
}

// EnvelopeName is the schema name of Envelope.
const EnvelopeName = "rotor_runbook_sections"

// Envelope is the one schema every section's call is sent with (in
// json_schema mode): an object with one property per section, each that
// section's strict schema or null. The model fills the section its task
// names and sets the others to null. OpenAI puts the response_format schema
// before the messages in the prompt, so one schema for every section keeps
// the calls of a runbook on one prompt prefix (schema, system prompt,
// facts) that its prompt cache can serve; a schema per section would end
// the shared prefix at its first token.
func (s *Set) Envelope() []byte { return s.envelope }

// Unwrap takes section id out of an answer to Envelope: its property,
// which must be an object (the model wrote that section), the others null.
func (s *Set) Unwrap(id runbook.SectionID, answer []byte) ([]byte, []string) {
	var props map[string]json.RawMessage
	if err := json.Unmarshal(answer, &props); err != nil {
		return nil, []string{"schema: the answer is not a JSON object: " + err.Error()}
	}
	sec := bytes.TrimSpace(props[string(id)])
	if len(sec) == 0 || sec[0] != '{' {
		return nil, []string{fmt.Sprintf("schema: the answer's %q is not the section: write section %s there, every other property null", id, id)}
	}
	var others []string
	for k, v := range props {
		if k != string(id) && string(bytes.TrimSpace(v)) != "null" {
			others = append(others, k)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		return nil, []string{fmt.Sprintf("schema: the answer also writes %v: write only section %s, every other property null", others, id)}
	}
	return sec, nil
}

// UnwrapParsed is Unwrap on an answer parsed once (decode.Parse): section
// id's member, as a document of its own. A key the answer writes twice is
// a problem too (Unwrap would keep the last).
func (s *Set) UnwrapParsed(id runbook.SectionID, answer *decode.Parsed) (*decode.Parsed, []string) {
	props, ok := answer.Tree().(map[string]any)
	if !ok {
		return nil, []string{"schema: the answer is not a JSON object"}
	}
	sec, _ := answer.Member(string(id))
	if _, isObj := props[string(id)].(map[string]any); sec == nil || !isObj {
		return nil, []string{fmt.Sprintf("schema: the answer's %q is not the section: write section %s there, every other property null", id, id)}
	}
	var others []string
	for k, v := range props {
		if k != string(id) && v != nil {
			others = append(others, k)
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		return nil, []string{fmt.Sprintf("schema: the answer also writes %v: write only section %s, every other property null", others, id)}
	}
	for _, d := range answer.Dups() {
		if !strings.ContainsAny(d.Path, ".[") {
			return nil, []string{fmt.Sprintf("schema: the answer writes %q twice: write each property once", d.Path)}
		}
	}
	return sec, nil
}

// envelope builds Envelope from the sections' schemas.
func envelope(sources []Source, raw map[runbook.SectionID][]byte) ([]byte, error) {
	props := map[string]any{}
	req := make([]string, 0, len(sources))
	for _, src := range sources {
		id := src.ID
		var doc map[string]any
		if err := json.Unmarshal(raw[id], &doc); err != nil {
			return nil, err
		}
		props[string(id)] = map[string]any{"anyOf": []any{doc, map[string]any{"type": "null"}}}
		req = append(req, string(id))
	}
	sort.Strings(req)
	return json.Marshal(map[string]any{"type": "object", "properties": props, "required": req, "additionalProperties": false})
}
