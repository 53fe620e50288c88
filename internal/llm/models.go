package llm

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
)

// ModelInfo is what rotor knows of a model, by name.
type ModelInfo struct {
	// Context is the context window in tokens; MaxOutput the largest answer.
	Context   int `yaml:"context"`
	MaxOutput int `yaml:"max_output"`
	// Reasoning models take max_completion_tokens and no temperature.
	Reasoning bool `yaml:"reasoning"`
	// JSONSchema: the model takes strict json_schema output.
	JSONSchema bool   `yaml:"json_schema"`
	Price      *Price `yaml:"-"`
	PriceDoc   *struct {
		Prompt     float64 `yaml:"prompt"`
		Cached     float64 `yaml:"cached"`
		Completion float64 `yaml:"completion"`
	} `yaml:"price"`
}

//go:embed models.yaml
var modelsYAML []byte

// modelTable is models.yaml, read once.
type modelTable struct {
	Source string               `yaml:"source"`
	Models map[string]ModelInfo `yaml:"models"`
}

var loadTable = sync.OnceValues(func() (*modelTable, error) {
	var t modelTable
	if err := yaml.UnmarshalWithOptions(modelsYAML, &t, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("llm: models.yaml: %w", err)
	}
	for name, m := range t.Models {
		if m.PriceDoc != nil {
			m.Price = &Price{Prompt: m.PriceDoc.Prompt, CachedPrompt: m.PriceDoc.Cached, Completion: m.PriceDoc.Completion}
			m.PriceDoc = nil
		}
		t.Models[name] = m
	}
	return &t, nil
})

// table returns the embedded table (a broken one is a build bug a test
// catches: an empty table then).
func table() *modelTable {
	t, err := loadTable()
	if err != nil {
		return &modelTable{}
	}
	return t
}

// LookupModel returns the table's facts for a model, also behind a provider
// prefix ("openai/gpt-4o-mini", "azure/gpt-4.1").
func LookupModel(model string) (ModelInfo, bool) {
	m := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndex(m, "/"); i >= 0 {
		m = m[i+1:]
	}
	info, ok := table().Models[m]
	return info, ok
}

// ModelTableSource says where the table's figures come from.
func ModelTableSource() string { return table().Source }
