package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/prompts"
)

const key = "test-key-not-secret"

var schemaDoc = json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}`)

func ask(t *testing.T, c *openai.Client) (llm.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return c.Complete(ctx, llm.Request{Messages: prompts.Messages{System: "s", User: "u"}, SchemaName: "rotor_test", Schema: schemaDoc})
}

func fast() llm.Resilience {
	return llm.Resilience{AttemptTimeout: 2 * time.Second, MaxRetries: 2, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, BreakerFailures: 1000}
}

// TestRequestShapePerModelFamily: reasoning models (gpt-5*, o1*, o3*, o4*, or
// forced) get max_completion_tokens and reasoning_effort, never max_tokens or
// temperature (go-openai refuses those before sending, and OpenAI would
// answer 400); other models get max_tokens and temperature.
func TestRequestShapePerModelFamily(t *testing.T) {
	tests := []struct {
		model     string
		force     bool
		effort    string
		reasoning bool
	}{
		{"gpt-5-mini", false, "", true},
		{"gpt-5", false, "low", true},
		{"o4-mini", false, "high", true},
		{"o3", false, "", true},
		{"o1-mini", false, "", true},
		{"openai/gpt-5-nano", false, "", true},
		{"prod-deployment-7", true, "medium", true},
		{"gpt-4o-mini", false, "", false},
		{"llama3.1:8b", false, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := llmtest.NewInMemory(key)
				defer srv.Close()
				srv.Default(func(string) llmtest.Reply { return llmtest.OK(`{"a":"b"}`) })
				c, err := openai.New(openai.Config{APIKey: key, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: tt.model, MaxTokens: 9000,
					Reasoning: tt.force, ReasoningEffort: tt.effort, Resilience: fast()})
				if err != nil {
					t.Fatal(err)
				}
				resp, err := ask(t, c)
				if err != nil {
					t.Fatalf("%v", err)
				}
				if resp.Reached != 1 || resp.Model != tt.model || resp.FinishReason != "stop" {
					t.Errorf("response %+v", resp)
				}
				reqs := srv.Requests()
				if len(reqs) != 1 {
					t.Fatalf("%d requests reached the server", len(reqs))
				}
				var body map[string]any
				if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
					t.Fatal(err)
				}
				_, hasMax := body["max_tokens"]
				_, hasTemp := body["temperature"]
				mct, hasMCT := body["max_completion_tokens"]
				effort, hasEffort := body["reasoning_effort"]
				if tt.reasoning {
					if hasMax || hasTemp || !hasMCT || mct != float64(9000) {
						t.Errorf("reasoning request body: %s", reqs[0].Body)
					}
					if (tt.effort != "") != hasEffort || (hasEffort && effort != tt.effort) {
						t.Errorf("reasoning_effort: %v %v", hasEffort, effort)
					}
				} else if !hasMax || !hasTemp || hasMCT || hasEffort || body["max_tokens"] != float64(9000) {
					t.Errorf("request body: %s", reqs[0].Body)
				}
			})
		})
	}
}

// TestContextLengthIsClassifiedAndNeverRetried: OpenAI's 400
// context_length_exceeded, and the wording other servers use, is its own
// kind, and the same request is not sent again.
func TestContextLengthIsClassifiedAndNeverRetried(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := llmtest.NewInMemory(key)
		defer srv.Close()
		srv.Script("rotor_test", llmtest.ContextTooLong(), llmtest.ContextTooLong())
		c, _ := openai.New(openai.Config{APIKey: key, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini", Resilience: fast()})
		_, err := ask(t, c)
		var le *llm.Error
		if !errors.As(err, &le) || le.Kind != llm.KindContextLength || le.Status != 400 || le.Reached != 1 {
			t.Fatalf("%#v", err)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%d requests: a context-length error must not be retried as is", n)
		}

		// vLLM sends no code, only OpenAI's sentence.
		vllm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"object":"error","message":"This model's maximum context length is 8192 tokens. However, you requested 9500 tokens.","type":"BadRequestError","code":400}`))
		}))
		defer vllm.Close()
		c, _ = openai.New(openai.Config{APIKey: key, BaseURL: vllm.URL + "/v1", Model: "m", Resilience: fast()})
		if _, err := ask(t, c); llm.KindOf(err) != llm.KindContextLength {
			t.Errorf("vLLM: %v", err)
		}
	})
}

// TestReachedCountsOnlyWhatTheServerReceived: a request refused before
// sending (go-openai's own checks, nothing listening, the breaker open) is
// not a call; retries that reached the server are.
func TestReachedCountsOnlyWhatTheServerReceived(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := llmtest.NewInMemory(key)
		defer srv.Close()
		srv.Default(func(string) llmtest.Reply { return llmtest.OK(`{"a":"b"}`) })
		srv.Script("rotor_test", llmtest.ServerError())
		c, _ := openai.New(openai.Config{APIKey: key, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini", Resilience: fast()})
		if resp, err := ask(t, c); err != nil || resp.Reached != 2 {
			t.Errorf("one 500 then ok: %+v %v", resp, err)
		}

		l, _ := net.Listen("tcp", "127.0.0.1:0")
		dead := "http://" + l.Addr().String() + "/v1"
		l.Close()
		c, _ = openai.New(openai.Config{APIKey: key, BaseURL: dead, Model: "gpt-4o-mini", Resilience: fast()})
		var le *llm.Error
		if _, err := ask(t, c); !errors.As(err, &le) || le.Reached != 0 || le.Kind != llm.KindUnavailable {
			t.Errorf("nothing listening: %#v", err)
		}

		srv.Reset()
		srv.Default(func(string) llmtest.Reply { return llmtest.ServerError() })
		c, _ = openai.New(openai.Config{APIKey: key, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini",
			Resilience: llm.Resilience{AttemptTimeout: time.Second, MaxRetries: -1, BreakerFailures: 1, BreakerDelay: time.Minute}})
		_, _ = ask(t, c)
		if _, err := ask(t, c); !errors.As(err, &le) || le.Kind != llm.KindCircuitOpen || le.Reached != 0 {
			t.Errorf("breaker open: %#v", err)
		}
	})
}

// TestRateLimitsDoNotOpenTheBreaker: a run of 429s with Retry-After is waited
// out and never opens the breaker; a run of 5xx does.
func TestRateLimitsDoNotOpenTheBreaker(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := llmtest.NewInMemory(key)
		defer srv.Close()
		srv.Default(func(string) llmtest.Reply { return llmtest.OK(`{"a":"b"}`) })
		for range 6 {
			srv.Script("rotor_test", llmtest.RateLimited("0.02"))
		}
		c, _ := openai.New(openai.Config{APIKey: key, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini",
			Resilience: llm.Resilience{AttemptTimeout: time.Second, MaxRetries: 10, BreakerFailures: 3, BreakerDelay: time.Minute}})
		if resp, err := ask(t, c); err != nil || resp.Reached != 7 || c.BreakerOpen() {
			t.Fatalf("six 429s then ok: %+v %v, breaker open %v", resp, err, c.BreakerOpen())
		}
		srv.Reset()
		srv.Default(func(string) llmtest.Reply { return llmtest.Unavailable("0") })
		_, _ = ask(t, c)
		if !c.BreakerOpen() {
			t.Error("a run of 503s must open the breaker")
		}
	})
}

// TestAzureURLs: Azure's v1 API (…/openai/v1) takes OpenAI's paths and the
// key in api-key; the legacy deployment URLs take the deployment in the path
// and an api-version.
func TestAzureURLs(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Clone(context.Background()))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"x","object":"chat.completion","model":"gpt-5-mini","choices":[{"index":0,"message":{"role":"assistant","content":"{\"a\":\"b\"}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`))
	})
	hs := httptest.NewServer(h)
	defer hs.Close()
	target, _ := url.Parse(hs.URL)
	// Every host resolves to the test server.
	transport := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, target.Host)
	}}
	tests := []struct {
		base, wantPath, wantQuery, authHeader string
	}{
		{"http://acme.openai.azure.com/openai/v1", "/openai/v1/chat/completions", "", "Api-Key"},
		{"http://acme.openai.azure.com/openai/v1/", "/openai/v1/chat/completions", "", "Api-Key"},
		{"http://acme.openai.azure.com", "/openai/deployments/prod-gpt5/chat/completions", "api-version=2024-10-21", "Api-Key"},
		{"http://api.example.test/v1", "/v1/chat/completions", "", "Authorization"},
	}
	for _, tt := range tests {
		mu.Lock()
		got = nil
		mu.Unlock()
		c, err := openai.New(openai.Config{APIKey: key, BaseURL: tt.base, APIVersion: "2024-10-21", Model: "prod-gpt5", Reasoning: true,
			Transport: transport, Resilience: fast()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ask(t, c); err != nil {
			t.Errorf("%s: %v", tt.base, err)
			continue
		}
		mu.Lock()
		r := got[0]
		mu.Unlock()
		if r.URL.Path != tt.wantPath || r.URL.RawQuery != tt.wantQuery {
			t.Errorf("%s: %s?%s", tt.base, r.URL.Path, r.URL.RawQuery)
		}
		if v := r.Header.Get(tt.authHeader); !strings.Contains(v, key) {
			t.Errorf("%s: no key in %s", tt.base, tt.authHeader)
		}
	}
}

// TestUnknownModelCostIsUnknown: a model without a price reports its tokens
// and says its cost is unknown, instead of $0.
func TestUnknownModelCostIsUnknown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := llmtest.NewInMemory(key)
		defer srv.Close()
		srv.Default(func(string) llmtest.Reply { return llmtest.OK(`{"a":"b"}`) })
		for model, known := range map[string]bool{"gpt-4o-mini": true, "gpt-5-mini": true, "my-finetune": false} {
			c, _ := openai.New(openai.Config{APIKey: key, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: model, Resilience: fast()})
			resp, err := ask(t, c)
			if err != nil || resp.Usage.CostKnown != known || c.PriceKnown() != known || (known && resp.Usage.CostUSD <= 0) {
				t.Errorf("%s: %+v %v", model, resp.Usage, err)
			}
		}
	})
}

// TestRetryAfterPastTheDeadlineIsNotWaited: a 429 asking for a wait longer
// than the caller has left ends the call at once.
func TestRetryAfterPastTheDeadlineIsNotWaited(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := llmtest.NewInMemory(key)
		defer srv.Close()
		srv.Default(func(string) llmtest.Reply { return llmtest.RateLimited("10") })
		c, _ := openai.New(openai.Config{APIKey: key, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini", Resilience: fast()})
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Complete(ctx, llm.Request{Messages: prompts.Messages{System: "s", User: "u"}, SchemaName: "rotor_test", Schema: schemaDoc})
		var le *llm.Error
		if !errors.As(err, &le) || le.Status != 429 || time.Since(start) != 0 || len(srv.Requests()) != 1 {
			t.Errorf("%v after %v and %d requests", err, time.Since(start), len(srv.Requests()))
		}
	})
}

// TestTransportKeepsAConnectionPerCall: a generation's calls reuse their
// connections: ten calls at once, twice, open ten connections, not the
// eighteen net/http's default of two idle connections per host would.
func TestTransportKeepsAConnectionPerCall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		fake := llmtest.NewInMemory("sk-test")
		defer fake.Close()
		fake.Latency = 50 * time.Millisecond
		fake.Default(func(string) llmtest.Reply { return llmtest.OK(`{"ok": true}`) })
		// The fake's transport stands for the network; the client's own pool
		// (Connections) sits on it, so Transport is left unset and the pool
		// dials through the fake.
		c, err := openai.New(openai.Config{APIKey: "sk-test", BaseURL: fake.BaseURL(), Model: "gpt-4o-mini", Connections: 10, Dial: fake.Dial})
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			var wg sync.WaitGroup
			for range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := c.Complete(context.Background(), llm.Request{SchemaName: "s", Schema: []byte(`{"type":"object"}`)}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			// Every connection is back in the pool before the next ten.
			synctest.Wait()
		}
		if n := fake.Connections(); n > 10 {
			t.Errorf("20 calls, 10 at a time, opened %d connections", n)
		}
	})
}

// TestPromptCacheKeyOnlyToOpenAI: a call's CacheKey travels as
// prompt_cache_key to OpenAI, also when a retry sends the request again,
// and never to other servers (which may refuse a field they do not know).
func TestPromptCacheKeyOnlyToOpenAI(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := llmtest.NewInMemory(key)
		defer srv.Close()
		srv.Script("rotor_test", llmtest.ServerError(), llmtest.OK(`{"a":"x"}`), llmtest.OK(`{"a":"y"}`))
		for _, provider := range []string{llm.ProviderOpenAI, llm.ProviderVLLM} {
			c, err := openai.New(openai.Config{APIKey: key, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini", Provider: provider, Resilience: fast()})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Complete(context.Background(), llm.Request{Messages: prompts.Messages{System: "s", User: "u"}, SchemaName: "rotor_test",
				Schema: schemaDoc, CacheKey: "rotor-abc"}); err != nil {
				t.Fatal(err)
			}
		}
		reqs := srv.Requests()
		if len(reqs) != 3 {
			t.Fatalf("%d requests", len(reqs))
		}
		for i, r := range reqs[:2] {
			var body map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil || r.PromptCacheKey != "rotor-abc" || body["model"] != "gpt-4o-mini" {
				t.Errorf("OpenAI attempt %d: prompt_cache_key %q, body %s", i+1, r.PromptCacheKey, r.Body)
			}
		}
		if r := reqs[2]; r.PromptCacheKey != "" || strings.Contains(string(r.Body), "prompt_cache_key") {
			t.Errorf("vLLM was sent a prompt_cache_key: %s", r.Body)
		}
	})
}
