// Package openai is rotor's adapter for OpenAI's chat-completions API and
// the servers that speak it (Azure OpenAI, Gemini's OpenAI-compatible
// endpoint, vLLM, Ollama, llama.cpp, LiteLLM), through go-openai: one JSON
// document per call, constrained by a strict JSON schema (or, in
// json_object mode, asked for with the schema in the prompt). It speaks
// only the wire: the request and answer types, the classified errors, the
// resilient HTTP client and the call's span are llm's, shared with any
// other adapter.
package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel/trace"

	"github.com/rotor-dev/rotor/internal/llm"
)

// Config configures a Client.
type Config struct {
	APIKey  string
	BaseURL string
	// Provider names the server's provider in traces (gen_ai.provider.name;
	// default: detected from BaseURL).
	Provider string
	Model    string
	Mode     string
	// APIVersion is used for Azure OpenAI's deployment URLs (a base URL
	// https://<resource>.openai.azure.com); Azure's v1 API (a base URL ending
	// in /openai/v1) takes none.
	APIVersion string
	// Temperature of the calls (0 = the server's default is not used: 0.2).
	// Reasoning models get none.
	Temperature float32
	// MaxTokens bounds one answer, reasoning included (default 16000): sent
	// as max_completion_tokens to reasoning models, max_tokens to others.
	MaxTokens int
	// Reasoning forces the reasoning-model request shape (for a deployment
	// or alias whose name does not tell); models named gpt-5*, o1*, o3* and
	// o4* get it anyway.
	Reasoning bool
	// ReasoningEffort is sent to reasoning models as reasoning_effort (empty:
	// the server's default).
	ReasoningEffort string
	llm.Resilience
	// Prices by model, for the cost estimate.
	Prices map[string]llm.Price
	// Transport, Dial and Connections shape the HTTP client (see
	// llm.HTTPConfig).
	Transport   http.RoundTripper
	Dial        func(ctx context.Context, network, addr string) (net.Conn, error)
	Connections int
	// TracerProvider receives a span per call (GenAI semantic conventions)
	// and one per HTTP attempt; nil traces nothing.
	TracerProvider trace.TracerProvider
	// Learned is what servers taught about models (a refused parameter),
	// shared by the clients of a process (nil: this client's own).
	Learned *Learned
	// Token, when set, gives a Microsoft Entra ID access token for Azure
	// OpenAI, asked on every request (a token lives about an hour) and sent
	// as Authorization: Bearer instead of the api-key.
	Token func(ctx context.Context) (string, error)
}

// Client is safe for concurrent use.
type Client struct {
	api     *goopenai.Client
	cfg     Config
	http    *llm.HTTP
	calls   *llm.Calls
	learned *Learned
}

// New builds a client.
func New(cfg Config) (*Client, error) {
	if cfg.Model == "" {
		return nil, errors.New("llm: no model")
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = llm.ModeJSONSchema
	case llm.ModeJSONSchema, llm.ModeJSONObject:
	default:
		return nil, fmt.Errorf("llm: mode %q must be %s or %s", cfg.Mode, llm.ModeJSONSchema, llm.ModeJSONObject)
	}
	if cfg.Temperature == 0 {
		cfg.Temperature = 0.2
	}
	if cfg.MaxTokens == 0 {
		cfg.MaxTokens = 16000
	}
	if cfg.Prices == nil {
		cfg.Prices = llm.DefaultPrices()
	}
	if cfg.Provider == "" {
		cfg.Provider = llm.DetectProvider(cfg.BaseURL)
	}
	if cfg.Learned == nil {
		cfg.Learned = NewLearned()
	}
	hc := llm.HTTPConfig{Resilience: cfg.Resilience, Transport: cfg.Transport, Dial: cfg.Dial, Connections: cfg.Connections, TracerProvider: cfg.TracerProvider}
	var oc goopenai.ClientConfig
	switch llm.Azure(cfg.BaseURL) {
	case llm.AzureDeployments:
		oc = goopenai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		if cfg.APIVersion != "" {
			oc.APIVersion = cfg.APIVersion
		}
	case llm.AzureV1:
		// Azure's v1 API speaks OpenAI's paths (the model is the
		// deployment name); its key goes in api-key, and only there.
		oc = goopenai.DefaultConfig(cfg.APIKey)
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		hc.Wrap = func(inner http.RoundTripper) http.RoundTripper {
			return azureAuth{inner: inner, key: cfg.APIKey}
		}
	default:
		oc = goopenai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		}
	}
	if cfg.Token != nil {
		if llm.Azure(cfg.BaseURL) == llm.NotAzure {
			return nil, errors.New("llm: an Entra ID token is for Azure OpenAI (a base URL on *.openai.azure.com)")
		}
		hc.Wrap = func(inner http.RoundTripper) http.RoundTripper {
			return azureAuth{inner: inner, token: cfg.Token}
		}
	}
	if cfg.Provider == llm.ProviderOpenAI {
		// OpenAI routes requests with the same prompt_cache_key to the same
		// cache; other servers may refuse a field they do not know.
		wrap := hc.Wrap
		hc.Wrap = func(inner http.RoundTripper) http.RoundTripper {
			if wrap != nil {
				inner = wrap(inner)
			}
			return promptCacheKeyTransport{inner: inner}
		}
	}
	h := llm.NewHTTP(hc)
	oc.HTTPClient = h.Client
	return &Client{api: goopenai.NewClientWithConfig(oc), cfg: cfg, http: h,
		calls: llm.NewCalls(cfg.TracerProvider, cfg.Provider, cfg.Model, cfg.MaxTokens), learned: cfg.Learned}, nil
}

// azureAuth sends Azure OpenAI one credential: the key in api-key, or an
// Entra ID token as Authorization: Bearer (go-openai sets one or the other
// by API type, and a bearer on the v1 API).
type azureAuth struct {
	inner http.RoundTripper
	key   string
	token func(ctx context.Context) (string, error)
}

func (t azureAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if t.token != nil {
		tok, err := t.token(r.Context())
		if err != nil {
			return nil, fmt.Errorf("llm: Entra ID token: %w", err)
		}
		r.Header.Del("api-key")
		r.Header.Set("Authorization", "Bearer "+tok)
	} else {
		r.Header.Del("Authorization")
		r.Header.Set("api-key", t.key)
	}
	return t.inner.RoundTrip(r)
}

// IsReasoningModel reports whether a model takes the reasoning-model request
// shape (max_completion_tokens, no temperature, reasoning_effort): OpenAI's
// gpt-5, o1, o3 and o4 families, also behind a provider prefix
// ("openai/gpt-5-mini").
func IsReasoningModel(model string) bool {
	m := strings.ToLower(model)
	if i := strings.LastIndex(m, "/"); i >= 0 {
		m = m[i+1:]
	}
	for _, p := range []string{"gpt-5", "o1", "o3", "o4"} {
		if strings.HasPrefix(m, p) {
			return true
		}
	}
	return false
}

// Reasoning reports whether the client sends the reasoning-model shape.
func (c *Client) Reasoning() bool { return c.reasoningShape() }

// Model is the model asked.
func (c *Client) Model() string { return c.cfg.Model }

// Mode is how JSON is asked for.
func (c *Client) Mode() string { return c.cfg.Mode }

// BreakerOpen reports whether the circuit breaker currently refuses calls.
func (c *Client) BreakerOpen() bool { return c.http.BreakerOpen() }

// BreakerCause is the last failure the breaker counted: why it opened.
func (c *Client) BreakerCause() string { return c.http.BreakerCause() }

// BreakerState names the circuit breaker's state (see llm.HTTP).
func (c *Client) BreakerState() string { return c.http.BreakerState() }

// InFlight is the number of calls waiting for an answer now (retries
// included).
func (c *Client) InFlight() int { return c.calls.InFlight() }

// PriceKnown reports whether the client's model has a price.
func (c *Client) PriceKnown() bool {
	_, ok := c.cfg.Prices[c.cfg.Model]
	return ok
}

// Complete asks for one JSON document, in a span named "chat <model>" with
// the GenAI semantic-convention attributes.
func (c *Client) Complete(ctx context.Context, r llm.Request) (llm.Response, error) {
	return c.calls.Do(ctx, r, func(ctx context.Context) (llm.Response, error) { return c.complete(ctx, r) })
}

func (c *Client) complete(ctx context.Context, r llm.Request) (llm.Response, error) {
	req := goopenai.ChatCompletionRequest{
		Model: c.cfg.Model,
		Messages: []goopenai.ChatCompletionMessage{
			{Role: goopenai.ChatMessageRoleSystem, Content: r.Messages.System},
			{Role: goopenai.ChatMessageRoleUser, Content: r.Messages.User},
		},
	}
	c.shape(&req)
	if c.cfg.Mode == llm.ModeJSONObject {
		req.ResponseFormat = &goopenai.ChatCompletionResponseFormat{Type: goopenai.ChatCompletionResponseFormatTypeJSONObject}
	} else {
		req.ResponseFormat = &goopenai.ChatCompletionResponseFormat{
			Type:       goopenai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &goopenai.ChatCompletionResponseFormatJSONSchema{Name: r.SchemaName, Schema: r.Schema, Strict: true},
		}
	}
	cctx, reachedSoFar := llm.WithReachCounter(withPromptCacheKey(ctx, r.CacheKey))
	resp, err := c.api.CreateChatCompletion(cctx, req)
	if err != nil && c.learnFrom(err, &req) {
		// The server named a parameter this model does not take: asked
		// again once, the way it takes (and remembered for the next call).
		c.shape(&req)
		resp, err = c.api.CreateChatCompletion(cctx, req)
	}
	reached := reachedSoFar()
	if err != nil {
		e := classify(err, reached)
		e.Reached = reached
		return llm.Response{}, e
	}
	usage := c.usage(resp.Usage)
	finish := ""
	fail := func(kind llm.Kind, detail string) (llm.Response, error) {
		return llm.Response{}, &llm.Error{Kind: kind, Detail: detail, Usage: usage, Reached: reached, FinishReason: finish, Model: resp.Model}
	}
	if len(resp.Choices) == 0 {
		return fail(llm.KindEmpty, "no choices")
	}
	choice := resp.Choices[0]
	finish = string(choice.FinishReason)
	switch {
	case choice.Message.Refusal != "":
		return fail(llm.KindRefusal, llm.Shorten(choice.Message.Refusal, 200))
	case choice.FinishReason == goopenai.FinishReasonLength:
		return fail(llm.KindTruncated, "the answer hit the token limit")
	case choice.FinishReason == goopenai.FinishReasonContentFilter:
		return fail(llm.KindContentFilter, "the answer was filtered")
	}
	content := strings.TrimSpace(choice.Message.Content)
	if content == "" {
		return fail(llm.KindEmpty, "empty content")
	}
	content = stripFence(content)
	if !json.Valid([]byte(content)) {
		return fail(llm.KindNotJSON, "the content is not valid JSON")
	}
	return llm.Response{Content: []byte(content), Usage: usage, Model: resp.Model, FinishReason: string(choice.FinishReason), Reached: reached}, nil
}

// providerError reads an error body go-openai could not: vLLM's
// {"object": "error", "message", "code": 400}, {"error": "Unauthorized"},
// and Gemini's Google errors in a JSON array, [{"error": {"code": 429,
// "message", "status": "RESOURCE_EXHAUSTED"}}]. It returns the code and
// message (the raw body when it knows no shape).
func providerError(body []byte) (code, msg string) {
	type googleError struct {
		Error struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	var google []googleError
	if json.Unmarshal(body, &google) == nil && len(google) > 0 && google[0].Error.Message != "" {
		return google[0].Error.Status, google[0].Error.Message
	}
	var flat struct {
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &flat) == nil {
		var s string
		switch {
		case flat.Message != "":
			return "", flat.Message
		case json.Unmarshal(flat.Error, &s) == nil && s != "":
			return "", s
		}
	}
	return "", strings.TrimSpace(string(body))
}

// stripFence removes a ```json fence some servers add in json_object mode.
func stripFence(s string) string {
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	s = strings.TrimPrefix(s, "json")
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
}

func (c *Client) usage(u goopenai.Usage) llm.Usage {
	out := llm.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens}
	if u.PromptTokensDetails != nil {
		out.CachedPromptTokens = u.PromptTokensDetails.CachedTokens
	}
	return llm.Priced(out, c.cfg.Prices, c.cfg.Model)
}

// classify turns a go-openai or transport error into an *llm.Error.
// reached is how many HTTP requests of the call the server received.
func classify(err error, reached int) *llm.Error {
	// A body go-openai could not read is a RequestError, which may wrap a
	// half-read APIError without its status: it comes first.
	var reqErr *goopenai.RequestError
	if errors.As(err, &reqErr) {
		code, msg := providerError(reqErr.Body)
		return llm.StatusError(reqErr.HTTPStatusCode, code, msg, err)
	}
	var apiErr *goopenai.APIError
	if errors.As(err, &apiErr) {
		code, _ := apiErr.Code.(string)
		return llm.StatusError(apiErr.HTTPStatusCode, code, apiErr.Message, err)
	}
	// Not an answer: the breaker, the caller, the network, or go-openai's
	// own checks refusing a request before sending it.
	return llm.TransportError(err, reached)
}
