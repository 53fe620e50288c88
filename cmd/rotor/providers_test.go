package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/prompts"
)

// providerRecipes is testdata/provider_recipes.yaml.
type providerRecipes struct {
	Placeholders map[string]string `yaml:"placeholders"`
	Recipes      []struct {
		Title   string `yaml:"title"`
		Dialect string `yaml:"dialect"`
		// Entra: the recipe's credential is an Entra ID token (Azure).
		Entra bool   `yaml:"entra"`
		URL   string `yaml:"url"`
		Auth  struct {
			Header, Value string
		} `yaml:"auth"`
		NoHeader        string            `yaml:"no_header"`
		Model           string            `yaml:"model"`
		Serves          map[string]string `yaml:"serves"`
		AnswerModel     string            `yaml:"answer_model"`
		ResponseFormat  string            `yaml:"response_format"`
		Budget          string            `yaml:"budget"`
		MaxTokens       int               `yaml:"max_tokens"`
		ReasoningEffort string            `yaml:"reasoning_effort"`
		PromptCacheKey  bool              `yaml:"prompt_cache_key"`
	} `yaml:"recipes"`
}

// readmeRecipes reads the README's model recipes: title (the first line of
// the comment above a command) → the variables the command sets.
func readmeRecipes(t *testing.T, placeholders map[string]string) (titles []string, vars map[string]map[string]string) {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```sh\n(# OpenAI\n.*?)```").FindStringSubmatch(string(data))
	if m == nil {
		t.Fatal("README: no ```sh block starting with # OpenAI (the model recipes)")
	}
	vars = map[string]map[string]string{}
	title, inComment := "", false
	assign := regexp.MustCompile(`^([A-Z][A-Z0-9_]*)=(\S+)$`)
	for _, line := range strings.Split(strings.ReplaceAll(m[1], "\\\n", " "), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#"):
			if !inComment {
				// The title ends at the first colon or parenthesis.
				title = strings.TrimSpace(strings.TrimPrefix(line, "#"))
				if i := strings.IndexAny(title, ":("); i > 0 {
					title = strings.TrimSpace(title[:i])
				}
				inComment = true
			}
		case line == "":
			inComment = false
		default:
			inComment = false
			for ph, val := range placeholders {
				line = strings.ReplaceAll(line, ph, val)
			}
			env := map[string]string{}
			for _, w := range strings.Fields(line) {
				if a := assign.FindStringSubmatch(w); a != nil {
					env[a[1]] = a[2]
				}
			}
			if len(env) > 0 {
				titles = append(titles, title)
				vars[title] = env
			}
		}
	}
	return titles, vars
}

// recipeTransport sends every request to the fake (in memory), whatever
// its host and scheme, and records the URL rotor meant.
type recipeTransport struct {
	inner http.RoundTripper
	mu    sync.Mutex
	urls  []string
}

func (rt *recipeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.urls = append(rt.urls, r.URL.String())
	rt.mu.Unlock()
	r = r.Clone(r.Context())
	r.URL.Scheme = "http"
	return rt.inner.RoundTrip(r)
}

// TestProviderRecipes: each model recipe of the README, taken literally
// (its variables through rotor's configuration and client, placeholders
// filled in), sends the provider what it takes (URL, credential header,
// model or deployment, api-version, response_format, output budget, no
// OpenAI-only field elsewhere), reads a real-shaped answer from llmtest
// speaking that provider's dialect, and classifies the provider's own
// errors: a 429 is waited out by its Retry-After and asked again, a
// refused credential and an unknown model are rejected at once with the
// provider's message (not its raw body: Gemini's errors are a JSON array),
// a prompt over the context window is a context-length error (each
// provider says it in its own words), Azure's content filter is a content
// filter.
func TestProviderRecipes(t *testing.T) {
	var table providerRecipes
	data, err := os.ReadFile(filepath.Join("testdata", "provider_recipes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	titles, vars := readmeRecipes(t, table.Placeholders)
	var rows []string
	for _, r := range table.Recipes {
		rows = append(rows, r.Title)
	}
	for _, title := range titles {
		if !slices.Contains(rows, title) {
			t.Errorf("README recipe %q has no row in testdata/provider_recipes.yaml", title)
		}
	}
	for _, row := range rows {
		if !slices.Contains(titles, row) {
			t.Errorf("testdata/provider_recipes.yaml row %q: the README has no such recipe (README recipes: %q)", row, titles)
		}
	}
	schema := json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}`)

	for _, rc := range table.Recipes {
		env, ok := vars[rc.Title]
		if !ok {
			continue
		}
		t.Run(rc.Title, func(t *testing.T) {
			for k, v := range env {
				if strings.ContainsAny(v, "<>") {
					t.Fatalf("%s=%s: a placeholder the table does not fill", k, v)
				}
			}
			synctest.Test(t, func(t *testing.T) {
				cfg, err := loadConfig(func(k string) string { return env[k] })
				if err != nil {
					t.Fatalf("the recipe's configuration: %v", err)
				}
				credential := cfg.OpenAIKey
				if rc.Entra {
					credential = "not-the-key"
				}
				fake := llmtest.NewProvider(llmtest.Dialect(strings.TrimPrefix(rc.Dialect, "openai")), credential)
				defer fake.Close()
				if rc.Entra {
					fake.EntraToken = table.Placeholders["<entra token>"]
				}
				fake.Models = rc.Serves
				rt := &recipeTransport{inner: fake.Transport()}
				client, _, err := buildLLM(cfg, rt, 2)
				if err != nil {
					t.Fatalf("buildLLM: %v", err)
				}
				ask := func() (llm.Response, error) {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					return client.Complete(ctx, llm.Request{Messages: prompts.Messages{System: "You write runbooks.", User: `Answer with one JSON object matching the schema "rotor_recipe".`},
						SchemaName: "rotor_recipe", Schema: schema, CacheKey: "rotor-recipe"})
				}

				// The request, and the answer read back.
				fake.Script("rotor_recipe", llmtest.OK(`{"a":"b"}`))
				resp, err := ask()
				if err != nil {
					t.Fatalf("a plain answer: %v", err)
				}
				if string(resp.Content) != `{"a":"b"}` || resp.Usage.PromptTokens == 0 || resp.Usage.CompletionTokens == 0 {
					t.Errorf("the answer read back: %s, usage %+v", resp.Content, resp.Usage)
				}
				if want := cmpOr(rc.AnswerModel, rc.Model); resp.Model != want {
					t.Errorf("the answer's model: %q, want %q", resp.Model, want)
				}
				reqs := fake.Requests()
				if len(reqs) != 1 || len(rt.urls) != 1 {
					t.Fatalf("%d requests, %d sent", len(reqs), len(rt.urls))
				}
				r := reqs[0]
				if rt.urls[0] != rc.URL {
					t.Errorf("URL %s, want %s", rt.urls[0], rc.URL)
				}
				if got := r.Header.Get(rc.Auth.Header); got != rc.Auth.Value {
					t.Errorf("%s: %q, want %q", rc.Auth.Header, got, rc.Auth.Value)
				}
				if rc.NoHeader != "" && r.Header.Get(rc.NoHeader) != "" {
					t.Errorf("%s sent too (%q): one credential only", rc.NoHeader, r.Header.Get(rc.NoHeader))
				}
				var body map[string]any
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				if body["model"] != rc.Model {
					t.Errorf("model %v, want %s", body["model"], rc.Model)
				}
				if r.ResponseFormat != rc.ResponseFormat || (rc.ResponseFormat == "json_schema" && (!r.Strict || r.SchemaName != "rotor_recipe")) {
					t.Errorf("response_format %s (strict %v, name %s), want %s", r.ResponseFormat, r.Strict, r.SchemaName, rc.ResponseFormat)
				}
				other := map[string]string{"max_tokens": "max_completion_tokens", "max_completion_tokens": "max_tokens"}[rc.Budget]
				if _, ok := body[rc.Budget]; !ok || body[other] != nil {
					t.Errorf("budget: %s=%v %s=%v, want %s", "max_tokens", body["max_tokens"], "max_completion_tokens", body["max_completion_tokens"], rc.Budget)
				}
				if rc.MaxTokens != 0 && r.MaxTokens != rc.MaxTokens {
					t.Errorf("output budget %d, want %d", r.MaxTokens, rc.MaxTokens)
				}
				if rc.Budget == "max_completion_tokens" && body["temperature"] != nil {
					t.Errorf("a reasoning model was sent temperature %v", body["temperature"])
				}
				if body["reasoning_effort"] != nil && body["reasoning_effort"] != rc.ReasoningEffort || rc.ReasoningEffort != "" && body["reasoning_effort"] != rc.ReasoningEffort {
					t.Errorf("reasoning_effort %v, want %q", body["reasoning_effort"], rc.ReasoningEffort)
				}
				if (r.PromptCacheKey != "") != rc.PromptCacheKey {
					t.Errorf("prompt_cache_key %q: only OpenAI takes it (%v)", r.PromptCacheKey, rc.PromptCacheKey)
				}

				// Ollama: the recipe starts against a model that runs with the
				// context it says (num_ctx 32768), and not against one left at
				// Ollama's default 4k.
				if rc.Dialect == string(llmtest.DialectOllama) {
					hc := &http.Client{Transport: rt}
					fake.NumCtx = cfg.ContextTokens
					if err := checkOllama(cfg, hc, slog.New(slog.DiscardHandler)); err != nil {
						t.Errorf("the recipe against num_ctx %d: %v", fake.NumCtx, err)
					}
					fake.NumCtx = 4096
					if err := checkOllama(cfg, hc, slog.New(slog.DiscardHandler)); err == nil || !strings.Contains(err.Error(), "num_ctx") {
						t.Errorf("the recipe against Ollama's default 4k context: %v, want a refusal naming num_ctx", err)
					}
				}

				// A rate limit: waited out by the provider's Retry-After.
				fake.Reset()
				fake.Script("rotor_recipe", llmtest.RateLimited("7"), llmtest.OK(`{"a":"c"}`))
				if resp, err := ask(); err != nil || string(resp.Content) != `{"a":"c"}` {
					t.Errorf("after a 429: %s %v", resp.Content, err)
				} else if reqs := fake.Requests(); len(reqs) != 2 || reqs[1].At.Sub(reqs[0].At) < 7*time.Second {
					t.Errorf("a 429 with Retry-After 7: %d requests", len(reqs))
				}

				// A prompt over the context window, in the provider's words.
				fake.Reset()
				fake.Script("rotor_recipe", llmtest.ContextTooLong())
				if _, err := ask(); llm.KindOf(err) != llm.KindContextLength {
					t.Errorf("context too long: %v, want %s", err, llm.KindContextLength)
				}

				// An unknown model: rejected at once, with the provider's message.
				fake.Reset()
				fake.Models = map[string]string{"some-other-model": ""}
				_, err = ask()
				var le *llm.Error
				if !errors.As(err, &le) || le.Kind != llm.KindRejected || le.Reached != 1 {
					t.Errorf("unknown model: %v, want %s after one request", err, llm.KindRejected)
				} else if strings.HasPrefix(le.Detail, "[") || strings.HasPrefix(le.Detail, "{") || le.Detail == "" {
					t.Errorf("unknown model: the detail is the raw body, not the provider's message: %s", le.Detail)
				}
				fake.Models = rc.Serves

				// A refused credential: rejected at once (Ollama takes any).
				if rc.Dialect != string(llmtest.DialectOllama) {
					fake.APIKey, fake.EntraToken = "another-key", "another-token"
					_, err = ask()
					if !errors.As(err, &le) || le.Kind != llm.KindRejected || le.Reached != 1 || strings.HasPrefix(le.Detail, "[") {
						t.Errorf("a refused credential: %v, want %s after one request", err, llm.KindRejected)
					}
				}
				if rc.Dialect == string(llmtest.DialectAzure) {
					fake.APIKey, fake.EntraToken = credential, table.Placeholders["<entra token>"]
					fake.Reset()
					fake.Script("rotor_recipe", llmtest.Reply{Kind: llmtest.Status, Status: 400, ErrCode: "content_filter"})
					if _, err := ask(); llm.KindOf(err) != llm.KindContentFilter {
						t.Errorf("Azure's content filter: %v, want %s", err, llm.KindContentFilter)
					}
				}
			})
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestAzureEntraTokenFile: with AZURE_OPENAI_AD_TOKEN_FILE, the token is read
// on every call, so the one a token agent wrote last is sent (deployment
// URLs too), never with an api-key; a token for a server that is not Azure
// is refused at start, naming the variable.
func TestAzureEntraTokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte("token-one\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"AZURE_OPENAI_AD_TOKEN_FILE": path, "OPENAI_BASE_URL": "https://acme.openai.azure.com", "ROTOR_MODEL": "prod-gpt4o"}
	synctest.Test(t, func(t *testing.T) {
		cfg, err := loadConfig(func(k string) string { return env[k] })
		if err != nil || cfg.LLM != "openai" {
			t.Fatalf("%v (ROTOR_LLM %s)", err, cfg.LLM)
		}
		fake := llmtest.NewProvider(llmtest.DialectAzure, "no-key-here")
		defer fake.Close()
		fake.Default(func(string) llmtest.Reply { return llmtest.OK(`{"a":"b"}`) })
		client, _, err := buildLLM(cfg, &recipeTransport{inner: fake.Transport()}, 1)
		if err != nil {
			t.Fatal(err)
		}
		schema := json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}`)
		ask := func() error {
			_, err := client.Complete(context.Background(), llm.Request{Messages: prompts.Messages{System: "s", User: "u"}, SchemaName: "rotor_recipe", Schema: schema})
			return err
		}
		for _, tok := range []string{"token-one", "token-two"} {
			if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			fake.EntraToken = tok
			if err := ask(); err != nil {
				t.Fatalf("%s: %v", tok, err)
			}
		}
		for _, r := range fake.Requests() {
			if r.Header.Get("api-key") != "" || !strings.HasPrefix(r.Path, "/openai/deployments/prod-gpt4o/") {
				t.Errorf("%s: api-key %q", r.Path, r.Header.Get("api-key"))
			}
		}
	})
	_, err := loadConfig(func(k string) string {
		return map[string]string{"AZURE_OPENAI_AD_TOKEN": "x", "OPENAI_BASE_URL": "https://api.openai.com/v1"}[k]
	})
	if err == nil || !strings.Contains(err.Error(), "AZURE_OPENAI_AD_TOKEN") {
		t.Errorf("a token for OpenAI: %v", err)
	}
}

// TestJSONModeFromTheModelTable: a model the table says takes no strict
// json_schema output (gpt-4-turbo: JSON mode only) is asked in json_object
// mode unless ROTOR_LLM_MODE says otherwise; a model that takes it keeps
// json_schema. The request on the wire says so.
func TestJSONModeFromTheModelTable(t *testing.T) {
	for _, tt := range []struct{ model, mode, want string }{
		{"gpt-4-turbo", "", "json_object"},
		{"gpt-4-turbo", "json_schema", "json_schema"},
		{"gpt-4o-mini", "", "json_schema"},
		{"my-finetune", "", "json_schema"},
	} {
		env := map[string]string{"OPENAI_API_KEY": "sk-test", "ROTOR_MODEL": tt.model, "ROTOR_LLM_MODE": tt.mode}
		cfg, err := loadConfig(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		if cfg.LLMMode != tt.want {
			t.Errorf("%s (ROTOR_LLM_MODE=%q): mode %s, want %s", tt.model, tt.mode, cfg.LLMMode, tt.want)
			continue
		}
		synctest.Test(t, func(t *testing.T) {
			fake := llmtest.NewProvider(llmtest.DialectOpenAI, "sk-test")
			defer fake.Close()
			fake.Default(func(string) llmtest.Reply { return llmtest.OK(`{"a":"b"}`) })
			client, _, err := buildLLM(cfg, &recipeTransport{inner: fake.Transport()}, 1)
			if err != nil {
				t.Fatal(err)
			}
			schema := json.RawMessage(`{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}`)
			if _, err := client.Complete(context.Background(), llm.Request{Messages: prompts.Messages{System: "s", User: `matching the schema "rotor_recipe"`},
				SchemaName: "rotor_recipe", Schema: schema}); err != nil {
				t.Fatal(err)
			}
			if r := fake.Requests()[0]; r.ResponseFormat != tt.want {
				t.Errorf("%s: sent response_format %s, want %s", tt.model, r.ResponseFormat, tt.want)
			}
		})
	}
}
