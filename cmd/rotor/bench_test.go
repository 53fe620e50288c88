package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// load runs n requests with c concurrent keep-alive clients and returns the
// requests per second and the latency percentiles.
func load(tb testing.TB, n, c int, do func(*http.Client) error) (rps float64, p50, p99 time.Duration) {
	tb.Helper()
	// No Accept-Encoding (as curl): bodies come uncompressed, and the
	// client, which shares the CPUs, does not spend them inflating; it
	// reads 64 KiB at a time (net/http's default is 4 KiB).
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c, DisableCompression: true, ReadBufferSize: 64 << 10}}
	lat := make([]time.Duration, n)
	var next int
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := do(client); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	if firstErr != nil {
		tb.Fatalf("load: %v", firstErr)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(n) / total.Seconds(), lat[n/2], lat[n*99/100]
}

// expect drains a response and wants a 200.
func expect(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// BenchmarkCachedRunbookVsHealthz measures, on one server with Redis on
// loopback and the fake LLM, a cached POST /runbooks against GET /healthz:
// requests per second and p50/p99 latency, 8 concurrent clients each.
//
//	go test ./cmd/rotor -run '^$' -bench CachedRunbookVsHealthz -benchtime 1x
func BenchmarkCachedRunbookVsHealthz(b *testing.B) {
	url := redistest.URL(b)
	data := acme(b)
	req, err := decode.ParseRequest(data)
	if err != nil {
		b.Fatal(err)
	}
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	answers := offlineAnswers(b, req)
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	// A database of its own keeps the benchmark's keys apart.
	u, err := neturl.Parse(url)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/7"
	redistest.Client(b, u.String()).FlushDB(context.Background())
	s := startServer(b, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(),
		"REDIS_URL": u.String(), "ROTOR_LOG_LEVEL": "error", "ROTOR_RATE_LIMIT": "1000000/s"})
	if err := expect(http.Post(s.base+"/runbooks", "application/json", bytes.NewReader(data))); err != nil {
		b.Fatal(err)
	}
	paid := len(fake.Requests())
	const n, c = 4000, 8
	for b.Loop() {
		hRPS, hP50, hP99 := load(b, n, c, func(cl *http.Client) error { return expect(cl.Get(s.base + "/healthz")) })
		rRPS, rP50, rP99 := load(b, n, c, func(cl *http.Client) error {
			return expect(cl.Post(s.base+"/runbooks", "application/json", bytes.NewReader(data)))
		})
		b.ReportMetric(hRPS, "healthz-req/s")
		b.ReportMetric(rRPS, "runbook-req/s")
		b.ReportMetric(rRPS/hRPS, "runbook/healthz")
		b.ReportMetric(float64(hP50.Microseconds())/1000, "healthz-p50-ms")
		b.ReportMetric(float64(hP99.Microseconds())/1000, "healthz-p99-ms")
		b.ReportMetric(float64(rP50.Microseconds())/1000, "runbook-p50-ms")
		b.ReportMetric(float64(rP99.Microseconds())/1000, "runbook-p99-ms")
	}
	if n := len(fake.Requests()); n != paid {
		b.Errorf("%d LLM calls after the first request's %d: the cached path paid again", n, paid)
	}
}
