package llm

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/failsafe-go/failsafe-go/failsafehttp"
	"github.com/failsafe-go/failsafe-go/retrypolicy"
	"github.com/failsafe-go/failsafe-go/timeout"
)

// Resilience tunes the transport: retries, timeouts and the circuit breaker.
type Resilience struct {
	// AttemptTimeout bounds one HTTP attempt (a hung server is cut off).
	AttemptTimeout time.Duration
	// MaxRetries after the first attempt.
	MaxRetries int
	// BaseDelay and MaxDelay shape the jittered exponential backoff used when
	// the server gives no delay.
	BaseDelay, MaxDelay time.Duration
	// MaxServerDelay is the longest server-requested wait honoured; a longer
	// Retry-After ends the retries instead (the caller falls back).
	MaxServerDelay time.Duration
	// BreakerFailures consecutive failed attempts (5xx, 408, timeouts,
	// connection errors; never 429) open the breaker for BreakerDelay.
	BreakerFailures uint
	BreakerDelay    time.Duration
}

// DefaultResilience is used for zero fields.
func DefaultResilience() Resilience {
	return Resilience{AttemptTimeout: 60 * time.Second, MaxRetries: 3, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second,
		MaxServerDelay: 20 * time.Second, BreakerFailures: 5, BreakerDelay: 30 * time.Second}
}

func (r Resilience) withDefaults() Resilience {
	d := DefaultResilience()
	if r.AttemptTimeout == 0 {
		r.AttemptTimeout = d.AttemptTimeout
	}
	if r.MaxRetries == 0 {
		r.MaxRetries = d.MaxRetries
	}
	if r.MaxRetries < 0 {
		r.MaxRetries = 0
	}
	if r.BaseDelay == 0 {
		r.BaseDelay = d.BaseDelay
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = d.MaxDelay
	}
	if r.MaxServerDelay == 0 {
		r.MaxServerDelay = d.MaxServerDelay
	}
	if r.BreakerFailures == 0 {
		r.BreakerFailures = d.BreakerFailures
	}
	if r.BreakerDelay == 0 {
		r.BreakerDelay = d.BreakerDelay
	}
	return r
}

// failed is what is worth another attempt: a transport error, or a 408, 409,
// 429 or 5xx response. Other 4xx are the caller's fault: never retried.
func failed(resp *http.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, circuitbreaker.ErrOpen)
	}
	return resp != nil && retryableStatus(resp.StatusCode)
}

// serverFailed is what counts toward the circuit breaker: the server failing
// (a transport error, a timeout, 408 or 5xx). A 429 is the server working as
// designed, asking to wait: it is waited out, never a reason to stop calling.
func serverFailed(resp *http.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, circuitbreaker.ErrOpen)
	}
	return resp != nil && (resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500)
}

// transport wraps inner in retry (outermost), circuit breaker and per-attempt
// timeout (innermost).
func (r Resilience) transport(inner http.RoundTripper, cause *failureCause) (http.RoundTripper, circuitbreaker.CircuitBreaker[*http.Response]) {
	r = r.withDefaults()
	if inner == nil {
		inner = http.DefaultTransport
	}
	retry := retrypolicy.NewBuilder[*http.Response]().
		HandleIf(failed).
		AbortOnErrors(context.Canceled, context.DeadlineExceeded, circuitbreaker.ErrOpen).
		AbortIf(func(resp *http.Response, _ error) bool {
			// A wait longer than allowed, or than the caller has left, is
			// not waited: the caller falls back at once.
			d, ok := serverDelay(resp)
			if !ok {
				return false
			}
			if d > r.MaxServerDelay {
				return true
			}
			if resp.Request != nil {
				if dl, has := resp.Request.Context().Deadline(); has && time.Until(dl) < d {
					return true
				}
			}
			return false
		}).
		WithMaxRetries(r.MaxRetries).
		WithDelayFunc(r.delay).
		ReturnLastFailure().
		OnRetryScheduled(func(e failsafe.ExecutionScheduledEvent[*http.Response]) {
			// The failed response is dropped: free its connection.
			if resp := e.LastResult(); resp != nil && resp.Body != nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
			}
		}).
		Build()
	breaker := circuitbreaker.NewBuilder[*http.Response]().
		HandleIf(serverFailed).
		WithFailureThreshold(r.BreakerFailures).
		WithDelay(r.BreakerDelay).
		OnFailure(func(e failsafe.ExecutionEvent[*http.Response]) {
			// Kept so that calls the open breaker refuses can say why it
			// opened (connection refused, HTTP 503...), not only that it did.
			cause.set(e.LastResult(), e.LastError())
		}).
		Build()
	perAttempt := timeout.New[*http.Response](r.AttemptTimeout)
	return failsafehttp.NewRoundTripper(inner, retry, breaker, perAttempt), breaker
}

// delay honours the server's requested delay, else backs off exponentially
// with full jitter.
func (r Resilience) delay(exec failsafe.ExecutionAttempt[*http.Response]) time.Duration {
	if d, ok := serverDelay(exec.LastResult()); ok {
		// A little extra, never less than asked.
		return d + time.Duration(rand.Int64N(int64(d/10)+1))
	}
	n := max(exec.Attempts(), 1)
	ceiling := r.BaseDelay << min(n-1, 16)
	if ceiling > r.MaxDelay || ceiling <= 0 {
		ceiling = r.MaxDelay
	}
	return ceiling/2 + time.Duration(rand.Int64N(int64(ceiling/2)+1))
}

// serverDelay reads how long the server asks to wait: retry-after-ms,
// Retry-After (seconds or an HTTP date), or OpenAI's x-ratelimit-reset-*
// durations ("1s", "6m0s", "20ms") on a 429, taking the longest reset.
func serverDelay(resp *http.Response) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	h := resp.Header
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0), true
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	var longest time.Duration
	found := false
	for _, k := range []string{"x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"} {
		if d, err := time.ParseDuration(h.Get(k)); err == nil && d >= 0 {
			found = true
			longest = max(longest, d)
		}
	}
	return longest, found
}

func isTimeout(err error) bool {
	if errors.Is(err, timeout.ErrExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

type reachKey struct{}

// WithReachCounter makes the HTTP client (NewHTTP) count the requests the
// server receives during ctx; reached tells how many so far.
func WithReachCounter(ctx context.Context) (_ context.Context, reached func() int) {
	c := &reachCount{}
	return context.WithValue(ctx, reachKey{}, c), c.count
}

type reachCount struct{ n atomic.Int32 }

func (c *reachCount) count() int { return int(c.n.Load()) }

// reachedTransport counts the requests that reached the server: written
// whole to a connection, or answered. A request refused before sending (the
// breaker open, no connection) is not counted, nor one whose write failed
// half-way (its attempt timed out, or the connection dropped, while the body
// was still going out): no server answers or bills half a request.
type reachedTransport struct{ inner http.RoundTripper }

func (t reachedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c, _ := r.Context().Value(reachKey{}).(*reachCount)
	if c == nil {
		return t.inner.RoundTrip(r)
	}
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) { wrote.Store(info.Err == nil) }}
	resp, err := t.inner.RoundTrip(r.WithContext(httptrace.WithClientTrace(r.Context(), trace)))
	if resp != nil || wrote.Load() {
		c.n.Add(1)
	}
	return resp, err
}

// failureCause is the last failure the circuit breaker counted, in words
// with the endpoint: what a call the open breaker refuses reports as the
// reason it opened.
type failureCause struct {
	mu   sync.Mutex
	text string
	// url is the last request's endpoint: an attempt's transport error
	// is not yet wrapped in the url.Error that names it.
	url string
}

// sent notes the endpoint of a request about to be sent.
func (c *failureCause) sent(u *url.URL) {
	if u == nil {
		return
	}
	c.mu.Lock()
	c.url = endpoint(u.String())
	c.mu.Unlock()
}

func (c *failureCause) set(resp *http.Response, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil:
		c.text = transportDetail(err)
		var ue *url.Error
		if !errors.As(err, &ue) && c.url != "" {
			c.text += " (" + c.url + ")"
		}
	case resp != nil:
		c.text = "HTTP " + strconv.Itoa(resp.StatusCode)
		if c.url != "" {
			c.text += " from " + c.url
		}
	}
}

func (c *failureCause) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.text
}

// endpoint is a URL without its query and user info: Azure's api-version
// tells nothing, and a key someone put in a query must not reach a log.
func endpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the model endpoint"
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.User = "", false, "", nil
	return u.String()
}

// breakerOpenError is the open breaker's refusal with the failure that
// opened it.
type breakerOpenError struct{ cause string }

func (e *breakerOpenError) Error() string {
	if e.cause == "" {
		return circuitbreaker.ErrOpen.Error()
	}
	return circuitbreaker.ErrOpen.Error() + " after: " + e.cause
}

func (e *breakerOpenError) Unwrap() error { return circuitbreaker.ErrOpen }

// causeTransport names the breaker's cause on its refusals.
type causeTransport struct {
	inner http.RoundTripper
	cause *failureCause
}

func (t causeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.cause.sent(r.URL)
	resp, err := t.inner.RoundTrip(r)
	if err != nil && errors.Is(err, circuitbreaker.ErrOpen) {
		err = &breakerOpenError{cause: t.cause.String()}
	}
	return resp, err
}
