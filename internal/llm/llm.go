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
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	openai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

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
	Resilience
	// Prices by model, for the cost estimate.
	Prices map[string]Price
	// Transport is the HTTP transport under the resilience layer (tests).
	Transport http.RoundTripper
	// Dial, when set, opens the default transport's connections instead of
	// the network (tests: an in-memory server, so the pool itself is what
	// is tested).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Connections is how many calls run at once (the generation's
	// fan-out): the default transport keeps that many idle connections per
	// host, so a generation reuses them instead of opening (and
	// TLS-handshaking) new ones. Default 10.
	Connections int
	// TracerProvider receives a span per call (GenAI semantic conventions)
	// and one per HTTP attempt; nil traces nothing.
	TracerProvider trace.TracerProvider
}

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Prompt, CachedPrompt, Completion float64
}

// DefaultPrices is a small table of list prices (USD per 1M tokens); the
// cost of a model not in it is unknown (reported as such, never as $0).
// Override or extend it with ROTOR_PRICES.
func DefaultPrices() map[string]Price {
	return map[string]Price{
		"gpt-4o-mini":  {Prompt: 0.15, CachedPrompt: 0.075, Completion: 0.60},
		"gpt-4o":       {Prompt: 2.50, CachedPrompt: 1.25, Completion: 10.00},
		"gpt-4.1":      {Prompt: 2.00, CachedPrompt: 0.50, Completion: 8.00},
		"gpt-4.1-mini": {Prompt: 0.40, CachedPrompt: 0.10, Completion: 1.60},
		"gpt-4.1-nano": {Prompt: 0.10, CachedPrompt: 0.025, Completion: 0.40},
		"gpt-5":        {Prompt: 1.25, CachedPrompt: 0.125, Completion: 10.00},
		"gpt-5-mini":   {Prompt: 0.25, CachedPrompt: 0.025, Completion: 2.00},
		"gpt-5-nano":   {Prompt: 0.05, CachedPrompt: 0.005, Completion: 0.40},
		"o4-mini":      {Prompt: 1.10, CachedPrompt: 0.275, Completion: 4.40},
		"o3":           {Prompt: 2.00, CachedPrompt: 0.50, Completion: 8.00},
	}
}

// Client is safe for concurrent use.
type Client struct {
	api     *openai.Client
	cfg     Config
	breaker circuitbreaker.CircuitBreaker[*http.Response]
	tracer  trace.Tracer
	// inFlight counts the calls waiting for an answer (a gauge).
	inFlight atomic.Int64
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
	if cfg.Provider == "" {
		cfg.Provider = DetectProvider(cfg.BaseURL)
	}
	inner := cfg.Transport
	if inner == nil {
		t := fanOutTransport(max(cfg.Connections, 10))
		if cfg.Dial != nil {
			t.DialContext = cfg.Dial
		}
		inner = t
	}
	var oc openai.ClientConfig
	switch azureKind(cfg.BaseURL) {
	case azureDeployments:
		oc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		if cfg.APIVersion != "" {
			oc.APIVersion = cfg.APIVersion
		}
	case azureV1:
		// Azure's v1 API speaks OpenAI's paths (the model is the
		// deployment name); its key goes in api-key.
		oc = openai.DefaultConfig(cfg.APIKey)
		oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		inner = headerTransport{inner: inner, name: "api-key", value: cfg.APIKey}
	default:
		oc = openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
		}
	}
	tp := cfg.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	// One span per HTTP attempt; no trace context is sent to the provider.
	inner = otelhttp.NewTransport(inner, otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()))
	transport, breaker := cfg.Resilience.transport(reachedTransport{inner: inner})
	oc.HTTPClient = &http.Client{Transport: transport}
	return &Client{api: openai.NewClientWithConfig(oc), cfg: cfg, breaker: breaker, tracer: tp.Tracer("github.com/rotor-dev/rotor/internal/llm")}, nil
}

// Azure OpenAI URL shapes.
const (
	notAzure = iota
	// azureDeployments: https://<res>.openai.azure.com, calls go to
	// /openai/deployments/<model>/chat/completions?api-version=...
	azureDeployments
	// azureV1: https://<res>.openai.azure.com/openai/v1, OpenAI's paths.
	azureV1
)

func azureKind(base string) int {
	u, err := url.Parse(base)
	if err != nil {
		return notAzure
	}
	h := strings.ToLower(u.Hostname())
	if !strings.HasSuffix(h, ".openai.azure.com") && !strings.HasSuffix(h, ".cognitiveservices.azure.com") && !strings.HasSuffix(h, ".services.ai.azure.com") {
		return notAzure
	}
	if strings.HasPrefix(strings.TrimRight(u.Path, "/")+"/", "/openai/v1/") {
		return azureV1
	}
	return azureDeployments
}

// fanOutTransport is the default transport (proxy from the environment,
// HTTP/2 where the server offers it) keeping n idle connections per host:
// http.DefaultTransport keeps 2, so a generation of ten calls and more would
// open most of its connections anew.
func fanOutTransport(n int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = n
	t.MaxIdleConns = max(t.MaxIdleConns, 4*n)
	t.ForceAttemptHTTP2 = true
	return t
}

// headerTransport sets one header on every request.
type headerTransport struct {
	inner       http.RoundTripper
	name, value string
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(t.name, t.value)
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
func (c *Client) Reasoning() bool { return c.cfg.Reasoning || IsReasoningModel(c.cfg.Model) }

// Model is the model asked.
func (c *Client) Model() string { return c.cfg.Model }

// Mode is how JSON is asked for.
func (c *Client) Mode() string { return c.cfg.Mode }

// BreakerOpen reports whether the circuit breaker currently refuses calls.
func (c *Client) BreakerOpen() bool { return c.breaker.IsOpen() }

// BreakerState names the circuit breaker's state: closed (calls go
// through), open (refused: sections come from the offline writer) or
// half_open (a few trial calls decide).
func (c *Client) BreakerState() string {
	switch {
	case c.breaker.IsOpen():
		return "open"
	case c.breaker.IsHalfOpen():
		return "half_open"
	}
	return "closed"
}

// InFlight is the number of calls waiting for an answer now (retries
// included).
func (c *Client) InFlight() int { return int(c.inFlight.Load()) }

// Request is one structured call.
type Request struct {
	// Section labels the call in traces (rotor.section).
	Section  string
	Messages prompts.Messages
	// SchemaName must match ^[a-zA-Z0-9_-]{1,64}$.
	SchemaName string
	Schema     json.RawMessage
}

// Usage is the token count of one call and its estimated cost. CostKnown is
// false when the model has no price.
type Usage struct {
	PromptTokens       int
	CompletionTokens   int
	CachedPromptTokens int
	CostUSD            float64
	CostKnown          bool
}

// Response is a JSON document from the model.
type Response struct {
	Content []byte
	Usage   Usage
	// Model is the model that answered, as the server names it.
	Model string
	// FinishReason is the server's finish_reason.
	FinishReason string
	// Reached counts the HTTP requests of this call the server received
	// (retries included).
	Reached int
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
	// KindContextLength is a 400 saying the prompt and the answer budget do
	// not fit the model's context window (OpenAI's code
	// context_length_exceeded): the same request can never succeed; only a
	// smaller one can.
	KindContextLength Kind = "context_length"
)

// Error is a failed call. Usage is set when the server answered (a refusal
// or a truncated answer still costs tokens).
type Error struct {
	Kind   Kind
	Status int
	Detail string
	Usage  Usage
	// Reached counts the HTTP requests of this call the server received.
	Reached int
	Err     error
	// finish and model are the answer's finish_reason and model, when
	// there was an answer.
	finish, model string
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

// Complete asks for one JSON document, in a span named "chat <model>" with
// the GenAI semantic-convention attributes.
func (c *Client) Complete(ctx context.Context, r Request) (Response, error) {
	ctx, span := c.tracer.Start(ctx, "chat "+c.cfg.Model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		semconv.GenAIOperationNameChat, semconv.GenAIProviderNameKey.String(c.cfg.Provider), semconv.GenAIRequestModel(c.cfg.Model),
		semconv.GenAIRequestMaxTokens(c.cfg.MaxTokens), attribute.String("rotor.section", r.Section), attribute.String("rotor.schema", r.SchemaName)))
	defer span.End()
	c.inFlight.Add(1)
	resp, err := c.complete(ctx, r)
	c.inFlight.Add(-1)
	var le *Error
	usage, finish := resp.Usage, resp.FinishReason
	if errors.As(err, &le) {
		usage, finish = le.Usage, le.finish
		span.SetStatus(codes.Error, le.Error())
		span.SetAttributes(semconv.ErrorTypeKey.String(string(le.Kind)), attribute.Int("rotor.llm.reached", le.Reached))
		if le.model != "" {
			span.SetAttributes(semconv.GenAIResponseModel(le.model))
		}
	} else {
		span.SetAttributes(semconv.GenAIResponseModel(resp.Model), attribute.Int("rotor.llm.reached", resp.Reached))
	}
	if finish != "" {
		span.SetAttributes(semconv.GenAIResponseFinishReasons(finish))
	}
	if usage.PromptTokens+usage.CompletionTokens > 0 {
		span.SetAttributes(semconv.GenAIUsageInputTokens(usage.PromptTokens), semconv.GenAIUsageOutputTokens(usage.CompletionTokens),
			attribute.Int("gen_ai.usage.cache_read.input_tokens", usage.CachedPromptTokens))
	}
	return resp, err
}

func (c *Client) complete(ctx context.Context, r Request) (Response, error) {
	req := openai.ChatCompletionRequest{
		Model: c.cfg.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: r.Messages.System},
			{Role: openai.ChatMessageRoleUser, Content: r.Messages.User},
		},
	}
	budget := c.cfg.MaxTokens
	if c.Reasoning() {
		// Reasoning models refuse max_tokens and any temperature but 1.
		req.MaxCompletionTokens, req.ReasoningEffort = budget, c.cfg.ReasoningEffort
	} else {
		// max_tokens, not max_completion_tokens: vLLM, Ollama, llama.cpp and
		// older Azure API versions only know the former.
		req.MaxTokens, req.Temperature = budget, c.cfg.Temperature //nolint:staticcheck // see above
	}
	if c.cfg.Mode == ModeJSONObject {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
	} else {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: r.SchemaName, Schema: r.Schema, Strict: true},
		}
	}
	cctx, counter := withReachCounter(ctx)
	resp, err := c.api.CreateChatCompletion(cctx, req)
	reached := counter.count()
	if err != nil {
		e := classify(err, reached)
		e.Reached = reached
		return Response{}, e
	}
	usage := c.usage(resp.Usage)
	finish := ""
	fail := func(kind Kind, detail string) (Response, error) {
		return Response{}, &Error{Kind: kind, Detail: detail, Usage: usage, Reached: reached, finish: finish, model: resp.Model}
	}
	if len(resp.Choices) == 0 {
		return fail(KindEmpty, "no choices")
	}
	choice := resp.Choices[0]
	finish = string(choice.FinishReason)
	switch {
	case choice.Message.Refusal != "":
		return fail(KindRefusal, truncate(choice.Message.Refusal, 200))
	case choice.FinishReason == openai.FinishReasonLength:
		return fail(KindTruncated, "the answer hit the token limit")
	case choice.FinishReason == openai.FinishReasonContentFilter:
		return fail(KindContentFilter, "the answer was filtered")
	}
	content := strings.TrimSpace(choice.Message.Content)
	if content == "" {
		return fail(KindEmpty, "empty content")
	}
	content = stripFence(content)
	if !json.Valid([]byte(content)) {
		return fail(KindNotJSON, "the content is not valid JSON")
	}
	return Response{Content: []byte(content), Usage: usage, Model: resp.Model, FinishReason: string(choice.FinishReason), Reached: reached}, nil
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
		out.CostKnown = true
	}
	return out
}

// PriceKnown reports whether the client's model has a price.
func (c *Client) PriceKnown() bool {
	_, ok := c.cfg.Prices[c.cfg.Model]
	return ok
}

// classify turns a go-openai or transport error into an *Error.
// reached is how many HTTP requests of the call the server received.
func classify(err error, reached int) *Error {
	if errors.Is(err, circuitbreaker.ErrOpen) {
		return &Error{Kind: KindCircuitOpen, Detail: "circuit breaker open", Err: err}
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		code, _ := apiErr.Code.(string)
		return statusError(apiErr.HTTPStatusCode, code, apiErr.Message, err)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return statusError(reqErr.HTTPStatusCode, "", string(reqErr.Body), err)
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindUnavailable, Detail: "cancelled", Err: err}
	}
	if reached == 0 && !isTransport(err) {
		// Refused before sending (go-openai checks some parameters itself).
		return &Error{Kind: KindRejected, Detail: truncate(err.Error(), 200), Err: err}
	}
	return &Error{Kind: KindUnavailable, Detail: transportDetail(err), Err: err}
}

// contextLengthRE recognises a context-window error from servers that send
// no code (vLLM, llama.cpp, LiteLLM pass OpenAI's wording through).
var contextLengthRE = regexp.MustCompile(`(?i)context[ _-]?length|context window|maximum context|too many tokens|prompt is too long`)

func statusError(status int, code, msg string, err error) *Error {
	kind := KindUnavailable
	switch {
	case status == http.StatusBadRequest && (code == "context_length_exceeded" || contextLengthRE.MatchString(msg)):
		kind = KindContextLength
	case status >= 400 && status < 500 && !retryableStatus(status):
		kind = KindRejected
	}
	return &Error{Kind: kind, Status: status, Detail: truncate(msg, 200), Err: err}
}

// isTransport tells a network or HTTP-client failure from an error go-openai
// raised before sending anything.
func isTransport(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || isTimeout(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
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
