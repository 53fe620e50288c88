package schema

import (
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

func set(t *testing.T) *Set {
	t.Helper()
	s, err := NewSet()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// TestSchemasMeetStrictModeRules walks every section schema and checks each
// rule of OpenAI's strict structured outputs (DESIGN.md).
func TestSchemasMeetStrictModeRules(t *testing.T) {
	s := set(t)
	for _, id := range runbook.SectionIDs {
		t.Run(string(id), func(t *testing.T) {
			if !nameRE.MatchString(Name(id)) {
				t.Errorf("schema name %q", Name(id))
			}
			raw, ok := s.JSON(id)
			if !ok {
				t.Fatal("no schema")
			}
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			if doc["type"] != "object" || doc["anyOf"] != nil {
				t.Errorf("root must be a plain object: %v", doc["type"])
			}
			props := 0
			var walk func(node map[string]any, path string, depth int)
			walk = func(node map[string]any, path string, depth int) {
				if depth > 10 {
					t.Errorf("%s: nested deeper than 10", path)
				}
				for _, k := range banned {
					if _, ok := node[k]; ok {
						t.Errorf("%s: banned keyword %s", path, k)
					}
				}
				if _, ok := node["$ref"]; ok {
					t.Errorf("%s: $ref left in", path)
				}
				if p, ok := node["properties"].(map[string]any); ok {
					props += len(p)
					if node["additionalProperties"] != false {
						t.Errorf("%s: additionalProperties is not false", path)
					}
					var keys, req []string
					for k := range p {
						keys = append(keys, k)
					}
					for _, r := range node["required"].([]any) {
						req = append(req, r.(string))
					}
					sort.Strings(keys)
					sort.Strings(req)
					if strings.Join(keys, ",") != strings.Join(req, ",") {
						t.Errorf("%s: required %v, properties %v", path, req, keys)
					}
					for k, v := range p {
						walk(v.(map[string]any), path+"."+k, depth+1)
					}
				} else if node["type"] == "object" {
					t.Errorf("%s: object without properties", path)
				}
				if items, ok := node["items"].(map[string]any); ok {
					walk(items, path+"[]", depth+1)
				}
				if alts, ok := node["anyOf"].([]any); ok {
					for _, a := range alts {
						walk(a.(map[string]any), path+"|", depth)
					}
				}
			}
			walk(doc, string(id), 1)
			if props > 5000 {
				t.Errorf("%d properties", props)
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
	got, err := Strict(&doc{})
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
		req, err := runbook.DecodeRequest(data)
		if err != nil {
			t.Fatal(err)
		}
		f, err := planner.Plan(req)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range runbook.SectionIDs {
			sec, _ := writer.Offline{}.Section(f, id)
			doc, _ := json.Marshal(sec)
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
