package llm_test

import (
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/llm"
)

// TestModelTable: the per-model table (context, maximum output, reasoning,
// prices, JSON mode), seeded from LiteLLM's model list, answers for the
// models rotor ships prices for and for gpt-6-sol, with or without a
// provider prefix.
func TestModelTable(t *testing.T) {
	for _, name := range []string{"gpt-4o-mini", "openai/gpt-4o-mini", "gpt-4.1", "gpt-5-mini", "o4-mini", "gpt-6-sol"} {
		m, ok := llm.LookupModel(name)
		if !ok || m.Context <= 0 || m.MaxOutput <= 0 || m.Price == nil || m.Price.Prompt <= 0 {
			t.Errorf("%s: %+v %v", name, m, ok)
		}
	}
	if m, _ := llm.LookupModel("gpt-6-sol"); !m.Reasoning {
		t.Error("gpt-6-sol is a reasoning model")
	}
	if m, _ := llm.LookupModel("gpt-4o-mini"); m.Reasoning || m.Context != 128000 || m.MaxOutput != 16384 || !m.JSONSchema {
		t.Errorf("gpt-4o-mini: %+v", m)
	}
	if _, ok := llm.LookupModel("llama3.1"); ok {
		t.Error("a model the table does not list was found")
	}
	for model, p := range llm.DefaultPrices() {
		if m, ok := llm.LookupModel(model); !ok || *m.Price != p {
			t.Errorf("%s: price %+v is not the table's %+v", model, p, m.Price)
		}
	}
	if strings.TrimSpace(llm.ModelTableSource()) == "" {
		t.Error("the table does not say where it comes from")
	}
}
