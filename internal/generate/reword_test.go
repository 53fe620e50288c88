package generate_test

import (
	"fmt"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
)

// TestRewordedAnswersAreTheModels: a model that writes the facts in its own
// words (the double's Reword) has every section accepted at the first
// attempt, and what is served is its text, not the offline writer's: the
// CPU benchmark (cmd/rotor BenchmarkLLMCPU) measures rotor's checks on text
// they have not seen. Rows: testdata/reworded.yaml.
func TestRewordedAnswersAreTheModels(t *testing.T) {
	data, err := os.ReadFile("testdata/reworded.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Why     string   `yaml:"why"`
		Request string   `yaml:"request"`
		Large   int      `yaml:"large"`
		Seeds   []uint64 `yaml:"seeds"`
	}
	if err := yaml.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for _, seed := range row.Seeds {
			name := row.Request
			if row.Large > 0 {
				name = fmt.Sprintf("large-%d", row.Large)
			}
			t.Run(fmt.Sprintf("%s/seed-%d", name, seed), func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					req := llmtest.LargeRequest(row.Large)
					if row.Large == 0 {
						req = request(t, row.Request)
					}
					srv, m := modelFor(t, req)
					m.Reword = seed
					offline, err := llmtest.OfflineAnswers(req)
					if err != nil {
						t.Fatal(err)
					}
					rb := generateWith(t, llmService(t, srv, llmOpts{concurrency: 32, deadline: 10 * time.Minute}), req)
					for _, s := range section.All {
						id := s.ID()
						if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM || st.Attempts != 1 {
							t.Errorf("%s: %s after %d attempts (%s)", id, st.Source, st.Attempts, st.Reason)
						}
						served, _ := s.Encode(&rb.Sections)
						if string(served) == offline[schema.Name(id)] {
							t.Errorf("%s: served the offline writer's text, not the model's", id)
						}
					}
				})
			})
		}
	}
}
