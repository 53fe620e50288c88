package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// gunzip decompresses a gzip body.
func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantStored checks an answer is a 200 of exactly its Content-Length bytes
// and, when gz, gzip-compressed.
func wantStored(t *testing.T, what string, resp *http.Response, body []byte, gz bool) []byte {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", what, resp.StatusCode, body)
	}
	if n, err := strconv.Atoi(resp.Header.Get("Content-Length")); err != nil || n != len(body) {
		t.Errorf("%s: Content-Length %q for %d bytes", what, resp.Header.Get("Content-Length"), len(body))
	}
	if got := resp.Header.Get("Content-Encoding") == "gzip"; got != gz {
		t.Errorf("%s: Content-Encoding %q", what, resp.Header.Get("Content-Encoding"))
	}
	if gz {
		return gunzip(t, body)
	}
	return body
}

// TestCachedReadsAreStoredBytes: a repeated POST, GET /runbooks/{id} and
// its Markdown are written from the stored runbook, with Content-Length,
// gzip-compressed when asked; Redis holds one compressed copy of the
// runbook, the response cache a pointer to it; another replica serves the
// same bytes; another API key gets 404.
func TestCachedReadsAreStoredBytes(t *testing.T) {
	rs := redistest.Start(t)
	data := acme(t)
	req, _ := decode.ParseRequest(data)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	m := llmtest.NewModel()
	if err := m.Learn(req); err != nil {
		t.Fatal(err)
	}
	fake.DefaultByRequest(m.Reply)
	const keyA, keyB = "key-a-0123456789abcdef", "key-b-0123456789abcdef"
	vars := func() map[string]string {
		return map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "REDIS_URL": rs.URL,
			"ROTOR_API_KEYS": "team-a:sha256:" + keyHash(keyA) + ",team-b:sha256:" + keyHash(keyB), "ROTOR_RATE_LIMIT": "100000/s"}
	}
	s1, s2 := startServer(t, vars()), startServer(t, vars())
	// identity: Go's client would ask for gzip itself and hide it.
	auth := func(k string) []string {
		return []string{"Authorization", "Bearer " + k, "Accept-Encoding", "identity"}
	}

	resp, body := do(t, "POST", s1.base+"/runbooks", "application/json", data, auth(keyA)...)
	first := wantStored(t, "first POST", resp, body, false)
	var rb runbook.Runbook
	if err := json.Unmarshal(first, &rb); err != nil {
		t.Fatal(err)
	}
	resp, body = do(t, "POST", s1.base+"/runbooks", "application/json", data, append(auth(keyA), "Accept-Encoding", "gzip")...)
	again := wantStored(t, "repeated POST", resp, body, true)
	var cached runbook.Runbook
	if err := json.Unmarshal(again, &cached); err != nil {
		t.Fatal(err)
	}
	if cached.ID != rb.ID || cached.SectionStatus[runbook.SectionInventory].Source != runbook.SourceCache || cached.Usage.LLMCalls != 0 {
		t.Errorf("repeated POST: id %s, inventory %s, %d calls", cached.ID, cached.SectionStatus[runbook.SectionInventory].Source, cached.Usage.LLMCalls)
	}

	for _, s := range []*server{s1, s2} {
		resp, body = do(t, "GET", s.base+"/runbooks/"+rb.ID, "", nil, auth(keyA)...)
		if got := wantStored(t, "GET", resp, body, false); !bytes.Equal(got, first) {
			t.Errorf("GET /runbooks/{id} differs from the POST's body")
		}
		resp, body = do(t, "GET", s.base+"/runbooks/"+rb.ID, "", nil, append(auth(keyA), "Accept-Encoding", "gzip")...)
		if got := wantStored(t, "GET gzip", resp, body, true); !bytes.Equal(got, first) {
			t.Errorf("GET /runbooks/{id} (gzip) differs from the POST's body")
		}
		var mds [][]byte
		for range 2 {
			resp, body = do(t, "GET", s.base+"/runbooks/"+rb.ID+"?format=md", "", nil, auth(keyA)...)
			mds = append(mds, wantStored(t, "Markdown", resp, body, false))
		}
		if !bytes.HasPrefix(mds[0], []byte("# ")) || !bytes.Equal(mds[0], mds[1]) {
			t.Errorf("Markdown: %.80q / %.80q", mds[0], mds[1])
		}
		if resp, _ := do(t, "GET", s.base+"/runbooks/"+rb.ID, "", nil, auth(keyB)...); resp.StatusCode != 404 {
			t.Errorf("another key reads the runbook: %d", resp.StatusCode)
		}
	}

	// One copy, compressed; the response cache points at it. (The
	// Markdown joins that copy in the background: this holds before and
	// after it does.)
	opts, _ := redis.ParseURL(rs.URL)
	rc := redis.NewClient(opts)
	defer rc.Close()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var copies int
	for _, k := range keys {
		v, err := rc.Get(ctx, k).Bytes()
		if err != nil {
			continue // a lock, a rate limit
		}
		switch {
		case strings.Contains(k, ":runbook:"):
			copies++
			if len(v) >= len(first)/2 {
				t.Errorf("%s: %d bytes for a %d-byte runbook: not compressed", k, len(v), len(first))
			}
		case strings.Contains(k, ":response:"):
			if len(v) > 100 {
				t.Errorf("%s holds %d bytes: a copy of the runbook, not a pointer to it", k, len(v))
			}
		case bytes.Contains(v, []byte(`"findings"`)):
			t.Errorf("%s holds a runbook", k)
		}
	}
	if copies != 1 {
		t.Errorf("%d stored runbooks, want 1 (keys %v)", copies, keys)
	}
}

// gateWriter passes writes until closed, then blocks them until released:
// a stderr nobody reads.
type gateWriter struct {
	mu      sync.Mutex
	w       io.Writer
	blocked chan struct{}
}

func (g *gateWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	blocked := g.blocked
	g.mu.Unlock()
	if blocked != nil {
		<-blocked
	}
	return g.w.Write(p)
}

// TestAccessLogNeverHoldsARequest: with the log sink stuck, requests are
// still answered.
func TestAccessLogNeverHoldsARequest(t *testing.T) {
	logs := &syncBuffer{}
	g := &gateWriter{w: logs}
	ctx, cancel := context.WithCancel(context.Background())
	done, exited := make(chan int, 1), make(chan struct{})
	go func() {
		done <- run(ctx, []string{"serve"}, env(map[string]string{"ROTOR_ADDR": "127.0.0.1:0"}), strings.NewReader(""), io.Discard, g)
		close(exited)
	}()
	defer func() {
		g.mu.Lock()
		if g.blocked != nil {
			close(g.blocked)
			g.blocked = nil
		}
		g.mu.Unlock()
		cancel()
		<-done
	}()
	base := logs.listening(t, exited)
	// A held request would wait for ever; a minute is held, however loaded
	// the machine.
	client := &http.Client{Timeout: time.Minute}
	g.mu.Lock()
	g.blocked = make(chan struct{})
	g.mu.Unlock()
	for i := range 20 {
		resp, err := client.Get(base + "/healthz")
		if err != nil {
			t.Fatalf("request %d with the log stuck: %v", i, err)
		}
		resp.Body.Close()
	}
}
