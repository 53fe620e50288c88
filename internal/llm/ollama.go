package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// OllamaContext asks an Ollama server (/api/show, beside its OpenAI-
// compatible /v1) what context a model runs with: num_ctx from its
// parameters when its Modelfile sets one, else the server's default
// (4,096 tokens unless OLLAMA_CONTEXT_LENGTH says otherwise, which the API
// does not show). trained is the model's own maximum (model_info).
func OllamaContext(ctx context.Context, client *http.Client, baseURL, model string) (numCtx, trained int, err error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return 0, 0, fmt.Errorf("llm: ollama: %w", err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/v1") + "/api/show"
	body, _ := json.Marshal(map[string]string{"model": model})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("llm: ollama: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("llm: ollama /api/show: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("llm: ollama /api/show %s: HTTP %d (is the model pulled? ollama pull %s)", model, resp.StatusCode, model)
	}
	var show struct {
		Parameters string         `json:"parameters"`
		ModelInfo  map[string]any `json:"model_info"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&show); err != nil {
		return 0, 0, fmt.Errorf("llm: ollama /api/show: %w", err)
	}
	for k, v := range show.ModelInfo {
		if f, ok := v.(float64); ok && strings.HasSuffix(k, ".context_length") {
			trained = int(f)
		}
	}
	for _, line := range strings.Split(show.Parameters, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "num_ctx" {
			numCtx, _ = strconv.Atoi(f[1])
		}
	}
	return numCtx, trained, nil
}
