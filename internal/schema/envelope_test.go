package schema_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
)

// TestEnvelopeMeetsStrictModeRules: the one schema every section's call is
// sent with meets OpenAI's strict rules (nesting, properties, required,
// nullable members) and holds each section's schema exactly.
func TestEnvelopeMeetsStrictModeRules(t *testing.T) {
	s := set(t)
	env := s.Envelope()
	for _, p := range schema.StrictProblems(schema.EnvelopeName, env) {
		t.Error(p)
	}
	var doc struct {
		Properties map[string]struct {
			AnyOf []json.RawMessage `json:"anyOf"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(env, &doc); err != nil {
		t.Fatal(err)
	}
	for _, id := range section.IDs() {
		raw, _ := s.JSON(id)
		p, ok := doc.Properties[string(id)]
		if !ok || len(p.AnyOf) != 2 || string(p.AnyOf[0]) != string(raw) || string(p.AnyOf[1]) != `{"type":"null"}` {
			t.Errorf("%s: the envelope does not hold its schema or null", id)
		}
	}
}

// TestUnwrapTakesOnlyTheAskedSection: an answer to the envelope yields the
// asked section; a null in its place, or another section written too, is a
// violation the model is told about.
func TestUnwrapTakesOnlyTheAskedSection(t *testing.T) {
	s := set(t)
	nulls := func(except string, v string) string {
		var parts []string
		for _, id := range section.IDs() {
			val := "null"
			if string(id) == except {
				val = v
			}
			parts = append(parts, `"`+string(id)+`":`+val)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	sec, v := s.Unwrap(runbook.SectionRollback, []byte(nulls("rollback", `{"triggers":[]}`)))
	if len(v) > 0 || string(sec) != `{"triggers":[]}` {
		t.Errorf("the asked section: %s %v", sec, v)
	}
	if _, v := s.Unwrap(runbook.SectionRollback, []byte(nulls("inventory", `{"secrets":[]}`))); len(v) == 0 || !strings.Contains(v[0], `"rollback"`) {
		t.Errorf("another section written instead: %v", v)
	}
	both := strings.Replace(nulls("rollback", `{"triggers":[]}`), `"inventory":null`, `"inventory":{"secrets":[]}`, 1)
	if _, v := s.Unwrap(runbook.SectionRollback, []byte(both)); len(v) == 0 || !strings.Contains(v[0], "inventory") {
		t.Errorf("two sections written: %v", v)
	}
}
