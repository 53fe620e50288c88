package generate_test

import (
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// TestTokensPerGeneration generates the rows of testdata/tokens.yaml with
// the model double writing every section, and bounds what the generation
// spent: input, output, and the share of the input a prompt cache serves.
func TestTokensPerGeneration(t *testing.T) {
	data, err := os.ReadFile("testdata/tokens.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Request       string `yaml:"request"`
		MaxPrompt     int    `yaml:"max_prompt"`
		MaxCompletion int    `yaml:"max_completion"`
		MinCached     int    `yaml:"min_cached"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		t.Run(r.Request, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				req := request(t, r.Request)
				srv, _ := modelFor(t, req)
				srv.Latency, srv.TokenLatency = 200*time.Millisecond, 100*time.Microsecond
				rb := generateWith(t, llmService(t, srv, llmOpts{}), req)
				for _, id := range section.IDs() {
					if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM || st.Attempts != 1 {
						t.Errorf("%s: %+v (every section must be the model's, first time)", id, st)
					}
				}
				u := rb.Usage
				t.Logf("%s: %d calls, %d prompt tokens (%d cached, %.0f %%), %d completion tokens", r.Request, u.LLMCalls,
					u.PromptTokens, u.CachedPromptTokens, 100*float64(u.CachedPromptTokens)/float64(max(1, u.PromptTokens)), u.CompletionTokens)
				if u.PromptTokens > r.MaxPrompt {
					t.Errorf("%d prompt tokens, want at most %d (%+d)", u.PromptTokens, r.MaxPrompt, u.PromptTokens-r.MaxPrompt)
				}
				if u.CompletionTokens > r.MaxCompletion {
					t.Errorf("%d completion tokens, want at most %d (%+d)", u.CompletionTokens, r.MaxCompletion, u.CompletionTokens-r.MaxCompletion)
				}
				if u.CachedPromptTokens*100 < u.PromptTokens*r.MinCached {
					t.Errorf("%d of %d prompt tokens cacheable: want at least %d %%", u.CachedPromptTokens, u.PromptTokens, r.MinCached)
				}
			})
		})
	}
}
