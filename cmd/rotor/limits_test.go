package main

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// TestOversizedBodyWithExpectContinueIs413: a client that announces 10 MB
// and waits for 100 Continue gets 413 too_large before sending it, not a
// reset connection.
func TestOversizedBodyWithExpectContinueIs413(t *testing.T) {
	s := startServer(t, nil)
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{ExpectContinueTimeout: 10 * time.Second}}
	for _, path := range []string{"/runbooks", "/runbooks/lint", "/slack/commands"} {
		req, _ := http.NewRequest("POST", s.base+path, bytes.NewReader(make([]byte, 10<<20)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Expect", "100-continue")
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s: %v (want a 413 answer)", path, err)
			continue
		}
		resp.Body.Close()
		if want := http.StatusRequestEntityTooLarge; resp.StatusCode != want && !(path == "/slack/commands" && resp.StatusCode == 404) {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestAsyncRequestDuringARedisOutageIs503: the queue's Redis is down, so a
// Prefer: respond-async request is not taken: 503 with Retry-After and a
// code that says so, never 500.
func TestAsyncRequestDuringARedisOutageIs503(t *testing.T) {
	redisSrv := redistest.Start(t)
	s := startServer(t, map[string]string{"REDIS_URL": redisSrv.URL, "ROTOR_SERVE_WORKERS": "0"})
	redisSrv.Kill()
	resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t), "Prefer", "respond-async")
	e := decodeError(t, body)
	if resp.StatusCode != 503 || e.Error.Code != "unavailable" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	// Without Prefer the same request is answered (the cache degrades to
	// this process).
	if resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t)); resp.StatusCode != 200 {
		t.Errorf("synchronous during the outage: %d %.200s", resp.StatusCode, body)
	}
}
