package openai_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/openai"
)

// quirkyServer answers like a model server that refuses some request
// parameters for some models with OpenAI's own 400 (message, param, code),
// and otherwise answers {"a":"b"}. It records every body.
type quirkyServer struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
}

// refusals: model → parameter it refuses ("max_tokens", "temperature").
func newQuirkyServer(t *testing.T, refusals map[string][]string) *quirkyServer {
	t.Helper()
	q := &quirkyServer{}
	q.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		q.mu.Lock()
		q.bodies = append(q.bodies, body)
		q.mu.Unlock()
		model, _ := body["model"].(string)
		w.Header().Set("Content-Type", "application/json")
		for _, p := range refusals[model] {
			if _, sent := body[p]; !sent {
				continue
			}
			w.WriteHeader(400)
			msg := "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
			code := "unsupported_parameter"
			if p == "temperature" {
				msg, code = "Unsupported value: 'temperature' does not support 0.2 with this model. Only the default (1) value is supported.", "unsupported_value"
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": p, "code": code}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "c1", "object": "chat.completion", "model": model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": `{"a":"b"}`}}},
			"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}})
	}))
	t.Cleanup(q.Close)
	return q
}

func (q *quirkyServer) sent() []map[string]any {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]map[string]any(nil), q.bodies...)
}

// TestModelsTheLibraryKnows: a model go-openai knows to be a reasoning
// model (gpt-6-sol) is sent max_completion_tokens and no temperature,
// although its name matches none of rotor's own prefixes; before, the
// library refused the call before sending and every section fell back.
func TestModelsTheLibraryKnows(t *testing.T) {
	for _, model := range []string{"gpt-6-sol", "gpt-6-luna", "gpt-6-astra", "gpt-6.1-sol"} {
		q := newQuirkyServer(t, map[string][]string{model: {"max_tokens", "temperature"}})
		c, err := openai.New(openai.Config{APIKey: key, BaseURL: q.URL + "/v1", Model: model, MaxTokens: 9000, Resilience: fast()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ask(t, c); err != nil {
			t.Errorf("%s: %v", model, err)
			continue
		}
		sent := q.sent()
		if len(sent) != 1 {
			t.Errorf("%s: %d requests (want the right shape at once)", model, len(sent))
			continue
		}
		if _, ok := sent[0]["max_tokens"]; ok || sent[0]["max_completion_tokens"] != float64(9000) || sent[0]["temperature"] != nil {
			t.Errorf("%s: body %v", model, sent[0])
		}
	}
}

// TestUnsupportedParameterIsAskedAgainAndRemembered: a model rotor and the
// library do not know refuses max_tokens (or temperature) with a 400
// naming it: the call is asked again once with the supported shape, and
// every later call for that model is sent that way at once.
func TestUnsupportedParameterIsAskedAgainAndRemembered(t *testing.T) {
	q := newQuirkyServer(t, map[string][]string{"acme-reasoner-2": {"max_tokens"}, "acme-fixed-temp": {"temperature"}})
	learned := openai.NewLearned()
	c, err := openai.New(openai.Config{APIKey: key, BaseURL: q.URL + "/v1", Model: "acme-reasoner-2", MaxTokens: 7000, Resilience: fast(), Learned: learned})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := ask(t, c); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	sent := q.sent()
	if len(sent) != 4 {
		t.Fatalf("%d requests for 3 calls, want 4 (one refused, then the right shape)", len(sent))
	}
	if _, ok := sent[0]["max_tokens"]; !ok {
		t.Errorf("first body %v", sent[0])
	}
	for _, b := range sent[1:] {
		if _, ok := b["max_tokens"]; ok || b["max_completion_tokens"] != float64(7000) {
			t.Errorf("later body %v", b)
		}
	}
	// Another client of the same model sharing the memory: it has learned too.
	c2, _ := openai.New(openai.Config{APIKey: key, BaseURL: q.URL + "/v1", Model: "acme-reasoner-2", MaxTokens: 7000, Resilience: fast(), Learned: learned})
	if _, err := ask(t, c2); err != nil || len(q.sent()) != 5 {
		t.Errorf("a new client asked %d times: %v", len(q.sent())-4, err)
	}

	// Only the temperature is refused: it is dropped, max_tokens stays.
	c3, _ := openai.New(openai.Config{APIKey: key, BaseURL: q.URL + "/v1", Model: "acme-fixed-temp", MaxTokens: 7000, Resilience: fast()})
	if _, err := ask(t, c3); err != nil {
		t.Fatal(err)
	}
	last := q.sent()[len(q.sent())-1]
	if _, ok := last["temperature"]; ok || last["max_tokens"] != float64(7000) {
		t.Errorf("temperature refused: %v", last)
	}
}

// TestOther400sAreNotAskedAgain: a 400 that names no parameter rotor can
// change (a bad schema) is the request's fault: one request, rejected.
func TestOther400sAreNotAskedAgain(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`{"error":{"message":"Invalid schema for response_format 'rotor_test': 'required' is required","type":"invalid_request_error","param":"response_format","code":"invalid_json_schema"}}`))
	}))
	defer srv.Close()
	c, _ := openai.New(openai.Config{APIKey: key, BaseURL: srv.URL + "/v1", Model: "acme-other", Resilience: fast()})
	if _, err := ask(t, c); llm.KindOf(err) != llm.KindRejected || n != 1 {
		t.Errorf("%v after %d requests", err, n)
	}
}
