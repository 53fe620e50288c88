package planner_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// managedRow is one row of testdata/managed.yaml.
type managedRow struct {
	ID        string            `yaml:"id"`
	Why       string            `yaml:"why"`
	Request   map[string]any    `yaml:"request"`
	ManagedBy map[string]string `yaml:"managed_by"`
	StepsHave []string          `yaml:"steps_have"`
	StepsLack []string          `yaml:"steps_lack"`
}

// TestManagedBy plans the rows of testdata/managed.yaml: a consumer a change
// path the request names owns is reloaded through that path, in the facts
// (Consumer.ManagedBy) and in the offline rotation sequence.
func TestManagedBy(t *testing.T) {
	data, err := os.ReadFile("testdata/managed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []managedRow
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		t.Run(row.ID, func(t *testing.T) {
			body, err := json.Marshal(row.Request)
			if err != nil {
				t.Fatal(err)
			}
			req, err := decode.ParseRequest(body)
			if err != nil {
				t.Fatalf("request refused: %v", err)
			}
			f, err := planner.Plan(req)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, s := range f.Secrets {
				for _, c := range s.Consumers {
					want, ok := row.ManagedBy[c.Name]
					if !ok {
						continue
					}
					seen[c.Name] = true
					if c.ManagedBy != want {
						t.Errorf("%s (%s, of %s): managed_by %q, want %q", c.Name, c.Runtime, s.Name, c.ManagedBy, want)
					}
				}
			}
			for name := range row.ManagedBy {
				if !seen[name] {
					t.Errorf("no consumer %s planned", name)
				}
			}
			data, err := section.Must(runbook.SectionRotationSequence).Encode(section.Offline(f))
			if err != nil {
				t.Fatal(err)
			}
			var v any
			_ = json.Unmarshal(data, &v)
			text := fmt.Sprint(v)
			for _, w := range row.StepsHave {
				if !strings.Contains(text, w) {
					t.Errorf("the steps never say %q", w)
				}
			}
			for _, w := range row.StepsLack {
				if strings.Contains(text, w) {
					t.Errorf("the steps say %q", w)
				}
			}
			if t.Failed() && row.Why != "" {
				t.Logf("defect guarded: %s", row.Why)
			}
		})
	}
}
