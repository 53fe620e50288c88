// Command models-from-litellm rewrites internal/llm/models.yaml from a
// downloaded copy of LiteLLM's model list (model_prices_and_context_window.json):
// the models already in the table (or those named after the file), with
// their context, maximum output, reasoning, json_schema support and prices
// per million tokens. Models the file does not list keep their current row.
//
//	go run ./scripts/models-from-litellm FILE [model ...] > internal/llm/models.yaml
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

type litellm struct {
	MaxInput  int     `json:"max_input_tokens"`
	MaxOutput int     `json:"max_output_tokens"`
	Input     float64 `json:"input_cost_per_token"`
	CacheRead float64 `json:"cache_read_input_token_cost"`
	Output    float64 `json:"output_cost_per_token"`
	Reasoning bool    `json:"supports_reasoning"`
	Schema    bool    `json:"supports_response_schema"`
	Mode      string  `json:"mode"`
	Provider  string  `json:"litellm_provider"`
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: models-from-litellm FILE [model ...] > internal/llm/models.yaml")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	check(err)
	var file map[string]json.RawMessage
	check(json.Unmarshal(data, &file))
	current, err := os.ReadFile("internal/llm/models.yaml")
	check(err)
	var table struct {
		Source string                    `yaml:"source"`
		Models map[string]map[string]any `yaml:"models"`
	}
	check(yaml.Unmarshal(current, &table))
	names := os.Args[2:]
	if len(names) == 0 {
		for n := range table.Models {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	header, _, _ := strings.Cut(string(current), "\nmodels:")
	fmt.Println(header)
	fmt.Println("models:")
	for _, n := range names {
		raw, ok := file[n]
		if !ok {
			row, _ := yaml.MarshalWithOptions(table.Models[n], yaml.Flow(true))
			fmt.Printf("  %s: %s", n, row)
			continue
		}
		var m litellm
		check(json.Unmarshal(raw, &m))
		fmt.Printf("  %s: {context: %d, max_output: %d, reasoning: %v, json_schema: %v, price: {prompt: %g, cached: %g, completion: %g}}\n",
			n, m.MaxInput, m.MaxOutput, m.Reasoning, m.Schema, m.Input*1e6, m.CacheRead*1e6, m.Output*1e6)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "models-from-litellm:", err)
		os.Exit(1)
	}
}
