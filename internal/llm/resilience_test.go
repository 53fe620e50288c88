package llm

import (
	"net/http"
	"testing"
	"time"
)

func TestServerDelay(t *testing.T) {
	at := func(status int, kv ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	tests := []struct {
		name string
		resp *http.Response
		want time.Duration
		ok   bool
	}{
		{"none", at(500), 0, false},
		{"retry-after seconds", at(429, "Retry-After", "3"), 3 * time.Second, true},
		{"retry-after-ms wins", at(429, "Retry-After", "3", "retry-after-ms", "250"), 250 * time.Millisecond, true},
		{"reset headers take the longest", at(429, "x-ratelimit-reset-requests", "1s", "x-ratelimit-reset-tokens", "6m0s"), 6 * time.Minute, true},
		{"reset headers ignored on 500", at(500, "x-ratelimit-reset-requests", "1s"), 0, false},
		{"retry-after on 503", at(503, "Retry-After", "2"), 2 * time.Second, true},
		{"garbage", at(429, "Retry-After", "soon"), 0, false},
	}
	for _, tt := range tests {
		got, ok := serverDelay(tt.resp)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %v %v, want %v %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	date := time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
	if d, ok := serverDelay(at(429, "Retry-After", date)); !ok || d < 3*time.Second || d > 6*time.Second {
		t.Errorf("http date: %v %v", d, ok)
	}
}

func TestDelayNeverShorterThanAsked(t *testing.T) {
	r := DefaultResilience()
	for range 100 {
		d := r.delay(fakeAttempt{resp: &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"1"}}}, n: 1})
		if d < time.Second || d > 1100*time.Millisecond {
			t.Fatalf("delay %v for Retry-After 1", d)
		}
		b := r.delay(fakeAttempt{resp: &http.Response{StatusCode: 500, Header: http.Header{}}, n: 3})
		if b < r.BaseDelay*2 || b > r.BaseDelay*4 {
			t.Fatalf("backoff %v on attempt 3", b)
		}
	}
}

func TestFailedClassifiesStatuses(t *testing.T) {
	for status, want := range map[int]bool{200: false, 400: false, 401: false, 404: false, 408: true, 409: true, 422: false, 429: true, 500: true, 502: true, 503: true} {
		if got := failed(&http.Response{StatusCode: status}, nil); got != want {
			t.Errorf("%d: %v", status, got)
		}
	}
}
