package llm

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"

	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// HTTPConfig is what an adapter's HTTP client is built from.
type HTTPConfig struct {
	Resilience
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
	// Wrap, when set, wraps the transport under the resilience layer (an
	// adapter's own headers).
	Wrap func(http.RoundTripper) http.RoundTripper
	// TracerProvider receives a span per HTTP attempt; nil traces nothing.
	TracerProvider trace.TracerProvider
}

// HTTP is the client an adapter sends its requests with: retries
// (outermost), the circuit breaker, per-attempt timeouts, a span per
// attempt, and the count of requests that reached the server
// (WithReachCounter).
type HTTP struct {
	// Client sends the requests.
	Client  *http.Client
	breaker circuitbreaker.CircuitBreaker[*http.Response]
	cause   *failureCause
}

// NewHTTP builds the client.
func NewHTTP(c HTTPConfig) *HTTP {
	inner := c.Transport
	if inner == nil {
		t := fanOutTransport(max(c.Connections, 10))
		if c.Dial != nil {
			t.DialContext = c.Dial
		}
		inner = t
	}
	if c.Wrap != nil {
		inner = c.Wrap(inner)
	}
	tp := c.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	// One span per HTTP attempt; no trace context is sent to the provider.
	inner = otelhttp.NewTransport(inner, otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()))
	cause := &failureCause{}
	transport, breaker := c.Resilience.transport(reachedTransport{inner: inner}, cause)
	return &HTTP{Client: &http.Client{Transport: causeTransport{inner: transport, cause: cause}}, breaker: breaker, cause: cause}
}

// BreakerOpen reports whether the circuit breaker currently refuses calls.
func (h *HTTP) BreakerOpen() bool { return h.breaker.IsOpen() }

// BreakerCause is the last failure the breaker counted ("connect:
// connection refused (http://127.0.0.1:1/v1/chat/completions)", "HTTP
// 503 from ..."): why it is open, when it is. "" before any failure.
func (h *HTTP) BreakerCause() string { return h.cause.String() }

// BreakerState names the circuit breaker's state: closed (calls go
// through), open (refused: sections come from the offline writer) or
// half_open (a few trial calls decide).
func (h *HTTP) BreakerState() string {
	switch {
	case h.breaker.IsOpen():
		return "open"
	case h.breaker.IsHalfOpen():
		return "half_open"
	}
	return "closed"
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

// TransportError classifies a failure that is not the server's answer:
// the breaker open, the caller gone, a network failure or timeout once
// retries are spent, or (nothing reached the server and it was no network
// failure) a request the client library refused before sending. reached
// is how many HTTP requests of the call the server received.
func TransportError(err error, reached int) *Error {
	if errors.Is(err, circuitbreaker.ErrOpen) {
		detail := "circuit breaker open"
		var bo *breakerOpenError
		if errors.As(err, &bo) && bo.cause != "" {
			detail += " after: " + bo.cause
		}
		return &Error{Kind: KindCircuitOpen, Detail: detail, Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindUnavailable, Detail: "cancelled", Err: err}
	}
	if reached == 0 && !isTransport(err) {
		return &Error{Kind: KindRejected, Detail: Shorten(err.Error(), 200), Err: err}
	}
	return &Error{Kind: KindUnavailable, Detail: transportDetail(err), Err: err}
}

// contextLengthRE recognises a context-window error from servers that send
// no code (vLLM, llama.cpp, LiteLLM pass OpenAI's wording through).
// Gemini's OpenAI-compatible endpoint says "The input token count exceeds
// the maximum number of tokens allowed".
var contextLengthRE = regexp.MustCompile(`(?i)context[ _-]?length|context window|maximum context|too many tokens|prompt is too long|input token count exceeds`)

// StatusError classifies an error answer: its HTTP status, the provider's
// error code and message.
func StatusError(status int, code, msg string, err error) *Error {
	kind := KindUnavailable
	switch {
	case status == http.StatusBadRequest && (code == "context_length_exceeded" || contextLengthRE.MatchString(msg)):
		kind = KindContextLength
	case status == http.StatusBadRequest && code == "content_filter":
		// Azure's content filter stopping the prompt: the same verdict as
		// an answer it filtered.
		kind = KindContentFilter
	case status >= 400 && status < 500 && !retryableStatus(status):
		kind = KindRejected
	}
	return &Error{Kind: kind, Status: status, Detail: Shorten(msg, 200), Err: err}
}

// isTransport tells a network or HTTP-client failure from an error a
// client library raised before sending anything.
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
		// The endpoint too: a mistyped OPENAI_BASE_URL shows itself.
		return Shorten(ue.Err.Error(), 200) + " (" + endpoint(ue.URL) + ")"
	}
	return Shorten(err.Error(), 200)
}

// retryableStatus lists the statuses worth another attempt.
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict || status == http.StatusTooManyRequests || status >= 500
}
