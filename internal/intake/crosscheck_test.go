package intake_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// crossTable is testdata/crosscheck.yaml.
type crossTable struct {
	Secrets []map[string]any `yaml:"secrets"`
	Rows    []struct {
		ID    string           `yaml:"id"`
		Why   string           `yaml:"why"`
		Text  string           `yaml:"text"`
		Note  bool             `yaml:"note"`
		Model []map[string]any `yaml:"model"`
		Want  struct {
			Questions   []string         `yaml:"questions"`
			None        bool             `yaml:"none"`
			Assumptions []string         `yaml:"assumptions"`
			Has         []map[string]any `yaml:"has"`
			Lacks       []map[string]any `yaml:"lacks"`
		} `yaml:"want"`
	} `yaml:"rows"`
}

// TestCrossCheckTable reads each text of testdata/crosscheck.yaml with
// rotor's rules, merges the adversarial model reading the row gives, and
// checks what reached the merged reading and what was asked.
func TestCrossCheckTable(t *testing.T) {
	data, err := os.ReadFile("testdata/crosscheck.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table crossTable
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	var secrets []runbook.Secret
	roundTrip(t, table.Secrets, &secrets)
	for _, row := range table.Rows {
		t.Run(row.ID, func(t *testing.T) {
			req := &runbook.Request{System: "Cross-check", Secrets: slices.Clone(secrets)}
			if row.Note {
				req.Secrets[0].Notes = row.Text
			} else {
				req.Constraints = []string{row.Text}
			}
			rules := intake.Read(req, intake.Options{})
			i := slices.IndexFunc(rules.Texts, func(x intake.Text) bool { return x.Text == row.Text })
			if i < 0 {
				t.Fatalf("the rules read no text %q", row.Text)
			}
			var model []intake.Directive
			roundTrip(t, row.Model, &model)
			for j := range model {
				model[j].Reader = intake.ReaderModel
			}
			got := intake.CrossCheck(rules.Texts, []intake.ModelText{{Source: rules.Texts[i].Source, Directives: model}})
			merged := got.Texts[i].Directives
			var questions []string
			for _, q := range got.Questions {
				questions = append(questions, q.Item.Question)
			}
			if row.Want.None && len(questions) > 0 {
				t.Errorf("questions where the model agrees: %q", questions)
			}
			for _, w := range row.Want.Questions {
				if !slices.ContainsFunc(questions, func(q string) bool { return strings.Contains(q, w) }) {
					t.Errorf("no question says %q; questions: %q", w, questions)
				}
			}
			for _, w := range row.Want.Assumptions {
				if !slices.ContainsFunc(got.Assumptions, func(a string) bool { return strings.Contains(a, w) }) {
					t.Errorf("no assumption says %q; assumptions: %q", w, got.Assumptions)
				}
			}
			for _, w := range row.Want.Has {
				if !slices.ContainsFunc(merged, func(d intake.Directive) bool { return directiveIs(d, w) }) {
					t.Errorf("the merged reading lacks %v: %s", w, describeAll(merged))
				}
			}
			for _, w := range row.Want.Lacks {
				if slices.ContainsFunc(merged, func(d intake.Directive) bool { return directiveIs(d, w) }) {
					t.Errorf("the merged reading holds %v: %s", w, describeAll(merged))
				}
			}
			if t.Failed() && row.Why != "" {
				t.Logf("defect guarded: %s", row.Why)
			}
		})
	}
}

// roundTrip decodes YAML-decoded values into v through JSON (the
// directive's own field names).
func roundTrip(t *testing.T, in, v any) {
	t.Helper()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// directiveIs compares the fields a row names.
func directiveIs(d intake.Directive, want map[string]any) bool {
	for k, v := range want {
		var got any
		switch k {
		case "kind":
			got = string(d.Kind)
		case "polarity":
			got = string(d.Polarity)
		case "activity":
			got = d.Activity
		case "party":
			got = d.Party
		case "within":
			got = d.Within
		case "reader":
			got = string(d.Reader)
		case "scope_secrets":
			a, _ := json.Marshal(d.Scope.Secrets)
			b, _ := json.Marshal(v)
			if string(a) != string(b) {
				return false
			}
			continue
		default:
			return false
		}
		if got != v {
			return false
		}
	}
	return true
}

func describeAll(ds []intake.Directive) string {
	data, _ := json.Marshal(ds)
	return string(data)
}
