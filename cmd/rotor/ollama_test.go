package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeOllama answers /api/show like Ollama: the model's trained context in
// model_info, and its runtime num_ctx in parameters when a Modelfile sets it.
func fakeOllama(t *testing.T, trained int, numCtx string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/show" || r.Method != "POST" {
			http.NotFound(w, r)
			return
		}
		var req struct{ Model string }
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.Model != "llama3.1" {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"error":"model 'x' not found"}`))
			return
		}
		params := "stop \"<|eot_id|>\""
		if numCtx != "" {
			params += "\nnum_ctx " + numCtx
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"parameters": params, "model_info": map[string]any{"general.architecture": "llama", "llama.context_length": trained}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestOllamaContextIsCheckedAtStart: with Ollama, rotor asks /api/show for
// the context the model runs with and refuses to start when rotor's prompt
// plus its answer budget would not fit (Ollama would cut the prompt
// silently), saying how to fix it.
func TestOllamaContextIsCheckedAtStart(t *testing.T) {
	for _, tt := range []struct {
		name, numCtx, ctxTokens, maxTokens string
		ok                                 bool
	}{
		{"Ollama's default 4k context", "4096", "", "", false},
		{"rotor told a larger window than the model runs with", "16384", "32768", "8192", false},
		{"num_ctx 32k, rotor told so", "32768", "32768", "8192", true},
	} {
		srv := fakeOllama(t, 131072, tt.numCtx)
		vars := map[string]string{"OPENAI_API_KEY": "ollama", "OPENAI_BASE_URL": srv.URL + "/v1", "ROTOR_LLM_PROVIDER": "ollama", "ROTOR_MODEL": "llama3.1",
			"ROTOR_CONTEXT_TOKENS": tt.ctxTokens, "ROTOR_MAX_TOKENS": tt.maxTokens, "ROTOR_ADDR": "127.0.0.1:0"}
		code, logs := serveExit(t, vars)
		switch {
		case tt.ok && code != -1:
			t.Errorf("%s: exit %d\n%s", tt.name, code, logs)
		case !tt.ok && (code == -1 || !strings.Contains(logs, "num_ctx") || !strings.Contains(logs, "ROTOR_CONTEXT_TOKENS")):
			t.Errorf("%s: exit %d, want a refusal saying how to fix it:\n%s", tt.name, code, logs)
		}
	}
}
