package schema_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
)

func set(t *testing.T) *schema.Set {
	t.Helper()
	s, err := section.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchemasMeetStrictModeRules walks every section schema and checks each
// rule of OpenAI's strict structured outputs (DESIGN.md).
func TestSchemasMeetStrictModeRules(t *testing.T) {
	s := set(t)
	for _, id := range section.IDs() {
		t.Run(string(id), func(t *testing.T) {
			raw, ok := s.JSON(id)
			if !ok {
				t.Fatal("no schema")
			}
			for _, p := range schema.StrictProblems(schema.Name(id), raw) {
				t.Error(p)
			}
		})
	}
}

// TestStrictProblemsFindsEachBrokenRule: the checker itself catches every
// rule broken on purpose.
func TestStrictProblemsFindsEachBrokenRule(t *testing.T) {
	for _, tc := range []struct{ name, schema, want string }{
		{"ok", `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}},"required":["a"]}`, ""},
		{"bad name", `{"type":"object","additionalProperties":false,"properties":{},"required":[]}`, "schema name"},
		{"root anyOf", `{"anyOf":[{"type":"object"}]}`, "root must be a plain object"},
		{"open object", `{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}`, "additionalProperties is not false"},
		{"optional", `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}},"required":[]}`, "required [], properties [a]"},
		{"banned", `{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string","format":"uri"}},"required":["a"]}`, "banned keyword format"},
		{"ref", `{"type":"object","additionalProperties":false,"properties":{"a":{"$ref":"#/x"}},"required":["a"]}`, "$ref left in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "rotor_test"
			if tc.name == "bad name" {
				name = "rotor test!"
			}
			got := strings.Join(schema.StrictProblems(name, []byte(tc.schema)), "; ")
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("problems %q, want %q", got, tc.want)
			}
		})
	}
}

func TestStrictMakesOptionalValuesNullable(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type doc struct {
		Req  string  `json:"req"`
		Opt  string  `json:"opt,omitempty"`
		Sub  *inner  `json:"sub,omitempty"`
		List []inner `json:"list"`
	}
	got, err := schema.Strict(&doc{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got)
	for _, want := range []string{
		`"required":["list","opt","req","sub"]`,
		`"opt":{"anyOf":[{"type":"string"},{"type":"null"}]}`,
		`"additionalProperties":false`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("schema lacks %s:\n%s", want, b)
		}
	}
}

// TestOfflineSectionsValidate checks the offline writer's sections against the
// same schemas the LLM is held to.
func TestOfflineSectionsValidate(t *testing.T) {
	s := set(t)
	for _, name := range []string{"acme-payments", "public-leak-github-aws", "offboarding-postgres-vault", "vendor-breach-ci", "minimal"} {
		data, err := os.ReadFile("../../eval/requests/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		req, err := decode.Request(data)
		if err != nil {
			t.Fatal(err)
		}
		f, err := planner.Plan(req)
		if err != nil {
			t.Fatal(err)
		}
		offline := section.Offline(f)
		for _, sec := range section.All {
			id := sec.ID()
			doc, _ := sec.Encode(offline)
			problems, err := s.Validate(id, doc)
			if err != nil || len(problems) > 0 {
				t.Errorf("%s %s: %v %v", name, id, err, problems)
			}
		}
	}
}

func TestValidateNamesEveryViolation(t *testing.T) {
	problems, err := set(t).Validate(runbook.SectionRotationSequence, []byte(`{"tracks":[{"name":"x","reason":"r","steps":[{"order":0,"phase":"nope","extra":1}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(problems, "\n")
	for _, want := range []string{"/tracks/0/steps/0/order", "/tracks/0/steps/0/phase", "missing properties", "extra"} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}
	if p, _ := set(t).Validate(runbook.SectionInventory, []byte(`{"secrets": [`)); len(p) != 1 || !strings.HasPrefix(p[0], "not valid JSON") {
		t.Errorf("got %v", p)
	}
}
