// Package llm calls an OpenAI-compatible chat-completions API (OpenAI, Azure
// OpenAI, vLLM, Ollama, llama.cpp, LiteLLM) through go-openai, asking for one
// JSON document constrained by a strict JSON schema. Transport resilience
// (retries honouring Retry-After, per-attempt timeouts, a circuit breaker) is
// failsafe-go on the HTTP client. Every failure has a kind; a refusal, a
// truncated or filtered answer, or content that is not JSON is never returned
// as content.
package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	openai "github.com/sashabaranov/go-openai"

	"github.com/rotor-dev/rotor/prompts"
)

// Modes of asking for JSON.
const (
	// ModeJSONSchema sends response_format json_schema with strict: true.
	ModeJSONSchema = "json_schema"
	// ModeJSONObject sends response_format json_object and the schema in the
	// prompt, for servers without json_schema support. Output is still
	// validated locally.
	ModeJSONObject = "json_object"
)

// Config configures a Client.
type Config struct {
	APIKey  string
	BaseURL string
	Model   string
	Mode    string
	// APIVersion is used for Azure OpenAI (a base URL on *.openai.azure.com).
	APIVersion string
	// Temperature of the calls (0 = the server's default is not used: 0.2).
	Temperature float32
	// MaxTokens bounds one answer.
	MaxTokens int
	Resilience
	// Prices by model, for the cost estimate.
	Prices map[string]Price
	// Transport is the HTTP transport under the resilience layer (tests).
	Transport http.RoundTripper
}

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Prompt, CachedPrompt, Completion float64
}

// DefaultPrices is a small table of list prices (USD per 1M tokens); unknown
// models cost 0 in estimates. Override it with ROTOR_PRICES.
func DefaultPrices() map[string]Price {
	return map[string]Price{
		"gpt-4o-mini":  {Prompt: 0.15, CachedPrompt: 0.075, Completion: 0.60},
		"gpt-4o":       {Prompt: 2.50, CachedPrompt: 1.25, Completion: 10.00},
		"gpt-4.1":      {Prompt: 2.00, CachedPrompt: 0.50, Completion: 8.00},
		"gpt-4.1-mini": {Prompt: 0.40, CachedPrompt: 0.10, Completion: 1.60},
		"gpt-4.1-nano": {Prompt: 0.10, CachedPrompt: 0.025, Completion: 0.40},
	}
}

// Client is safe for concurrent use.
type Client struct {
	api     *openai.Client
	cfg     Config
	breaker circuitbreaker.CircuitBreaker[*http.Response]
}

// New builds a client.
func New(cfg Config) (*Client, error) {
	if cfg.Model == "" {
		return nil, errors.New("llm: no model")
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = ModeJSONSchema
	case ModeJSONSchema, ModeJSONObject:
	default:
		return nil, fmt.Errorf("llm: mode %q must be %s or %s", cfg.Mode, ModeJSONSchema, ModeJSONObject)
	}
	if cfg.Temperature == 0 {
		cfg.Temperature = 0.2
	}
	if cfg.MaxTokens == 0 {
		cfg.MaxTokens = 16000
	}
	if cfg.Prices == nil {
		cfg.Prices = DefaultPrices()
	}
	var oc openai.ClientConfig
	if u, err := url.Parse(cfg.BaseURL); err == nil && strings.HasSuffix(u.Hostname(), ".openai.azure.com") {
		oc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		if cfg.APIVersion != "" {
			oc.APIVersion = cfg.APIVersion
		}
	} else {
		oc = openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		}
	}
	transport, breaker := cfg.Resilience.transport(cfg.Transport)
	oc.HTTPClient = &http.Client{Transport: transport}
	return &Client{api: openai.NewClientWithConfig(oc), cfg: cfg, breaker: breaker}, nil
}

// Model is the model asked.
func (c *Client) Model() string { return c.cfg.Model }

// Mode is how JSON is asked for.
func (c *Client) Mode() string { return c.cfg.Mode }

// BreakerOpen reports whether the circuit breaker currently refuses calls.
func (c *Client) BreakerOpen() bool { return c.breaker.IsOpen() }

// Request is one structured call.
type Request struct {
	Messages prompts.Messages
	// SchemaName must match ^[a-zA-Z0-9_-]{1,64}$.
	SchemaName string
	Schema     json.RawMessage
}

// Usage is the token count of one call and its estimated cost.
type Usage struct {
	PromptTokens       int
	CompletionTokens   int
	CachedPromptTokens int
	CostUSD            float64
}

// Response is a JSON document from the model.
type Response struct {
	Content []byte
	Usage   Usage
}

// Kind classifies a failed call.
type Kind string

// Failure kinds.
const (
	KindRefusal       Kind = "refusal"
	KindTruncated     Kind = "truncated"
	KindContentFilter Kind = "content_filter"
	KindEmpty         Kind = "empty"
	KindNotJSON       Kind = "not_json"
	// KindUnavailable covers transport failures once retries are spent:
	// connection errors, timeouts, 429 and 5xx.
	KindUnavailable Kind = "unavailable"
	// KindCircuitOpen means the breaker refused the call without trying.
	KindCircuitOpen Kind = "circuit_open"
	// KindRejected is a 4xx other than 408, 409 and 429: the request itself is
	// wrong (bad key, bad model, bad schema) and retrying cannot help.
	KindRejected Kind = "rejected"
)

// Error is a failed call. Usage is set when the server answered (a refusal
// or a truncated answer still costs tokens).
type Error struct {
	Kind   Kind
	Status int
	Detail string
	Usage  Usage
	Err    error
}

func (e *Error) Error() string {
	s := "llm: " + string(e.Kind)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of an llm error, or "".
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Complete asks for one JSON document.
func (c *Client) Complete(ctx context.Context, r Request) (Response, error) {
	req := openai.ChatCompletionRequest{
		Model:       c.cfg.Model,
		Temperature: c.cfg.Temperature,
		// max_tokens, not max_completion_tokens: vLLM, Ollama, llama.cpp and
		// older Azure API versions only know the former.
		MaxTokens: c.cfg.MaxTokens, //nolint:staticcheck // see above

		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: r.Messages.System},
			{Role: openai.ChatMessageRoleUser, Content: r.Messages.User},
		},
	}
	if c.cfg.Mode == ModeJSONObject {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	} else {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: r.SchemaName, Schema: r.Schema, Strict: true},
		}
	}
	resp, err := c.api.CreateChatCompletion(ctx, req)
	if err != nil {
		return Response{}, classify(err)
	}
	usage := c.usage(resp.Usage)
	if len(resp.Choices) == 0 {
		return Response{}, &Error{Kind: KindEmpty, Detail: "no choices", Usage: usage}
	}
	choice := resp.Choices[0]
	switch {
	case choice.Message.Refusal != "":
		return Response{}, &Error{Kind: KindRefusal, Detail: truncate(choice.Message.Refusal, 200), Usage: usage}
	case choice.FinishReason == openai.FinishReasonLength:
		return Response{}, &Error{Kind: KindTruncated, Detail: "the answer hit the token limit", Usage: usage}
	case choice.FinishReason == openai.FinishReasonContentFilter:
		return Response{}, &Error{Kind: KindContentFilter, Detail: "the answer was filtered", Usage: usage}
	}
	content := strings.TrimSpace(choice.Message.Content)
	if content == "" {
		return Response{}, &Error{Kind: KindEmpty, Detail: "empty content", Usage: usage}
	}
	content = stripFence(content)
	if !json.Valid([]byte(content)) {
		return Response{}, &Error{Kind: KindNotJSON, Detail: "the content is not valid JSON", Usage: usage}
	}
	return Response{Content: []byte(content), Usage: usage}, nil
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (c *Client) usage(u openai.Usage) Usage {
	out := Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens}
	if u.PromptTokensDetails != nil {
		out.CachedPromptTokens = u.PromptTokensDetails.CachedTokens
	}
	if p, ok := c.cfg.Prices[c.cfg.Model]; ok {
		uncached := float64(out.PromptTokens - out.CachedPromptTokens)
		out.CostUSD = (uncached*p.Prompt + float64(out.CachedPromptTokens)*p.CachedPrompt + float64(out.CompletionTokens)*p.Completion) / 1e6
	}
	return out
}

// classify turns a go-openai or transport error into an *Error.
func classify(err error) error {
	if errors.Is(err, circuitbreaker.ErrOpen) {
		return &Error{Kind: KindCircuitOpen, Detail: "circuit breaker open", Err: err}
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return statusError(apiErr.HTTPStatusCode, apiErr.Message, err)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return statusError(reqErr.HTTPStatusCode, "", err)
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindUnavailable, Detail: "cancelled", Err: err}
	}
	return &Error{Kind: KindUnavailable, Detail: transportDetail(err), Err: err}
}

func statusError(status int, msg string, err error) error {
	kind := KindUnavailable
	if status >= 400 && status < 500 && !retryableStatus(status) {
		kind = KindRejected
	}
	return &Error{Kind: kind, Status: status, Detail: truncate(msg, 200), Err: err}
}

func transportDetail(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case isTimeout(err):
		return "attempt timed out"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return truncate(ue.Err.Error(), 200)
	}
	return truncate(err.Error(), 200)
}

// retryableStatus lists the statuses worth another attempt.
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict || status == http.StatusTooManyRequests || status >= 500
}
