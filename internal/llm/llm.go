// Package llm is rotor's provider-neutral model API: a Request for one JSON
// document under a strict JSON schema, its Response and Usage, the Error
// every failure is classified into, and prices. It also holds what every
// provider adapter shares: the resilient HTTP client (retries honouring
// Retry-After, per-attempt timeouts, a circuit breaker: failsafe-go), the
// count of requests that reached the server, and the span and in-flight
// gauge of a call. An adapter speaks one provider's API
// (internal/llm/openai: OpenAI and the servers compatible with it) and
// imports only this package, never another adapter. A refusal, a
// truncated or filtered answer, or content that is not JSON is never
// returned as content.
package llm

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rotor-dev/rotor/prompts"
)

// Modes of asking for JSON.
const (
	// ModeJSONSchema sends the schema as a strict structured-output
	// constraint (OpenAI's response_format json_schema, strict: true).
	ModeJSONSchema = "json_schema"
	// ModeJSONObject asks for any JSON object and sends the schema in the
	// prompt, for servers without schema support. Output is still
	// validated locally.
	ModeJSONObject = "json_object"
)

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Prompt, CachedPrompt, Completion float64
}

// DefaultPrices is the model table's list prices (USD per 1M tokens,
// models.yaml); the cost of a model not in it is unknown (reported as such,
// never as $0). Override or extend it with ROTOR_PRICES.
func DefaultPrices() map[string]Price {
	out := map[string]Price{}
	for name, m := range table().Models {
		if m.Price != nil {
			out[name] = *m.Price
		}
	}
	return out
}

// Priced fills in a usage's cost from the model's price, when it has one.
func Priced(u Usage, prices map[string]Price, model string) Usage {
	if p, ok := prices[model]; ok {
		uncached := float64(u.PromptTokens - u.CachedPromptTokens)
		u.CostUSD = (uncached*p.Prompt + float64(u.CachedPromptTokens)*p.CachedPrompt + float64(u.CompletionTokens)*p.Completion) / 1e6
		u.CostKnown = true
	}
	return u
}

// Request is one structured call.
type Request struct {
	// Section labels the call in traces (rotor.section).
	Section  string
	Messages prompts.Messages
	// SchemaName must match ^[a-zA-Z0-9_-]{1,64}$.
	SchemaName string
	Schema     json.RawMessage
	// CacheKey groups the calls that share a prompt prefix (one runbook's):
	// sent as OpenAI's prompt_cache_key, so they reach the same prompt
	// cache.
	CacheKey string
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
	// FinishReason is the server's finish reason (OpenAI's finish_reason).
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
	// FinishReason and Model are the answer's, when there was an answer.
	FinishReason, Model string
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

// Shorten cuts a server's message for an error's Detail.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
