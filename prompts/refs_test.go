package prompts

import (
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestCommandRefs runs the rows of testdata/refs.yaml: the references a
// block of the facts writes, and what an answer's references expand to or
// why they are refused.
func TestCommandRefs(t *testing.T) {
	data, err := os.ReadFile("testdata/refs.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name     string   `yaml:"name"`
		Facts    string   `yaml:"facts"`
		Block    string   `yaml:"block"`
		Answer   string   `yaml:"answer"`
		Expanded string   `yaml:"expanded"`
		Problems []string `yaml:"problems"`
	}
	if err := yaml.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		t.Run(r.Name, func(t *testing.T) {
			var facts any
			if err := json.Unmarshal([]byte(r.Facts), &facts); err != nil {
				t.Fatal(err)
			}
			refs := NewRefs(facts)
			if r.Block != "" {
				block, err := EncodeDataRefs(facts, refs)
				if err != nil {
					t.Fatal(err)
				}
				if block != r.Block {
					t.Errorf("block\n got %s\nwant %s", block, r.Block)
				}
			}
			got, problems := refs.Expand(r.Answer)
			if len(problems) != len(r.Problems) {
				t.Errorf("%d problems, want %d: %q", len(problems), len(r.Problems), problems)
			}
			for i, want := range r.Problems {
				if i < len(problems) && !regexp.MustCompile(want).MatchString(problems[i]) {
					t.Errorf("problem %d: %q does not match %q", i, problems[i], want)
				}
			}
			if r.Problems == nil && got != r.Expanded {
				t.Errorf("expanded\n got %q\nwant %q", got, r.Expanded)
			}
			// What Write refers to, Expand gives back.
			if back, bad := refs.Expand(refs.Write(r.Expanded)); r.Problems == nil && (back != r.Expanded || bad != nil) {
				t.Errorf("Write then Expand: %q %q", back, bad)
			}
		})
	}
}
