package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// Model double timing in the table: an answer takes benchLatency plus
// benchTokenLatency per token, so the slowest possible call (an answer
// filling the 16,000-token budget) takes 3.4 s.
const (
	benchLatency      = 200 * time.Millisecond
	benchTokenLatency = 200 * time.Microsecond
	benchMaxTokens    = 16000
)

// BenchmarkTable measures, in one run, every row of the README's benchmark
// table, ROTOR_BENCH_RUNS times (default 3), and prints each ratio's min,
// median and max (scripts/bench.sh runs it):
//
//	go test ./cmd/rotor -run '^$' -bench '^BenchmarkTable$' -benchtime 1x -timeout 30m
func BenchmarkTable(b *testing.B) {
	runs := 3
	if v, err := strconv.Atoi(os.Getenv("ROTOR_BENCH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	rs := redistest.Start(b)
	data := acme(b)
	acmeReq, _ := decode.ParseRequest(data)
	model := llmtest.NewModel()
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Latency, fake.TokenLatency = benchLatency, benchTokenLatency
	fake.DefaultByRequest(model.Reply)
	if err := model.Learn(acmeReq); err != nil {
		b.Fatal(err)
	}
	s := startServer(b, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "REDIS_URL": rs.URL,
		"ROTOR_LOG_LEVEL": "error", "ROTOR_RATE_LIMIT": "1000000/s", "ROTOR_WORK_LIMIT": "1000000000/h", "ROTOR_MAX_TOKENS": strconv.Itoa(benchMaxTokens), "ROTOR_LLM_DEADLINE": "10m",
		"ROTOR_REQUEST_TIMEOUT": "10m"})
	slowestPossible := benchLatency + benchMaxTokens*benchTokenLatency

	type row struct {
		name, goal string
		values     []float64
		notes      []string
	}
	var rows []*row
	get := func(name, goal string) *row {
		for _, r := range rows {
			if r.name == name {
				return r
			}
		}
		r := &row{name: name, goal: goal}
		rows = append(rows, r)
		return r
	}
	add := func(name, goal string, v float64) { r := get(name, goal); r.values = append(r.values, v) }
	// generate posts a never-seen request and returns the wall time, the
	// slowest call it made and whether every section came from the model.
	generateOnce := func(req *runbook.Request) (time.Duration, time.Duration, bool, string) {
		if err := model.Learn(req); err != nil {
			b.Fatal(err)
		}
		body, _ := json.Marshal(req)
		before := len(fake.Requests())
		start := time.Now()
		resp, err := http.Post(s.base+"/runbooks", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wall := time.Since(start)
		if resp.StatusCode != 200 {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
		var rb runbook.Runbook
		if err := json.Unmarshal(out, &rb); err != nil {
			b.Fatal(err)
		}
		allLLM, fellBack := true, []string{}
		for _, id := range section.IDs() {
			if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
				allLLM = false
				fellBack = append(fellBack, string(id))
			}
		}
		var slowest time.Duration
		for _, r := range fake.Requests()[before:] {
			slowest = max(slowest, benchLatency+time.Duration(r.CompletionTokens)*benchTokenLatency)
		}
		return wall, slowest, allLLM, strings.Join(fellBack, ",")
	}

	for b.Loop() {
		for run := range runs {
			// Uncached: the seed's request, then 1 to 100 secrets.
			acme := *acmeReq
			acme.System = fmt.Sprintf("Acme Payments %d", time.Now().UnixNano())
			wall, slowest, allLLM, fell := generateOnce(&acme)
			r := get("Uncached Acme: wall time / slowest single call", "≤ 1.1")
			r.values = append(r.values, float64(wall)/float64(slowest))
			if !allLLM {
				r.notes = append(r.notes, "fallback: "+fell)
			}
			for _, n := range []int{1, 5, 20, 50, 100} {
				req := llmtest.LargeRequest(n)
				req.System = fmt.Sprintf("%s run %d %d", req.System, run, time.Now().UnixNano())
				wall, _, allLLM, fell := generateOnce(req)
				goal := ""
				if n >= 20 {
					goal = "≤ 1.5, every section by the model"
				}
				r := get(fmt.Sprintf("Uncached, %d secrets: wall time / slowest possible call", n), goal)
				r.values = append(r.values, float64(wall)/float64(slowestPossible))
				if !allLLM {
					r.notes = append(r.notes, "fallback: "+fell)
				}
			}

			// Cached reads against /healthz on the same server.
			if err := expect(http.Post(s.base+"/runbooks", "application/json", bytes.NewReader(data))); err != nil {
				b.Fatal(err)
			}
			resp, err := http.Post(s.base+"/runbooks", "application/json", bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var rb runbook.Runbook
			_ = json.Unmarshal(body, &rb)
			// Each read alternates with GET /healthz on the same server and
			// clients, five times, so both see the same machine (the load of
			// a shared machine drifts within seconds).
			const n, c, rounds = 2000, 8, 5
			ratio := func(base string, do func(cl *http.Client) error) (float64, float64) {
				health := func(cl *http.Client) error { return expect(cl.Get(base + "/healthz")) }
				_, _, _ = load(b, n/4, c, do) // warm
				var th, tr float64
				for range rounds {
					h, _, _ := load(b, n, c, health)
					r, _, _ := load(b, n, c, do)
					th, tr = th+n/h, tr+n/r
				}
				return th / tr, rounds * n / th
			}
			post, hRPS := ratio(s.base, func(cl *http.Client) error {
				return expect(cl.Post(s.base+"/runbooks", "application/json", bytes.NewReader(data)))
			})
			byID, _ := ratio(s.base, func(cl *http.Client) error { return expect(cl.Get(s.base + "/runbooks/" + rb.ID)) })
			md, _ := ratio(s.base, func(cl *http.Client) error {
				return expect(cl.Post(s.base+"/runbooks?format=md", "application/json", bytes.NewReader(data)))
			})
			add("Cached POST /runbooks: requests/s / GET /healthz's", "≥ 0.8", post)
			add("GET /runbooks/{id}: requests/s / GET /healthz's", "≥ 0.8", byID)
			add("Cached Markdown (POST ?format=md): requests/s / GET /healthz's", "≥ 0.5", md)
			add("GET /healthz: requests/s (8 keep-alive clients)", "", hRPS)
			// The machine's ceiling: a bare net/http server writing the same
			// runbook's bytes against its own 15-byte answer.
			get, post := bareCeiling(b, data, body, ratio)
			add(fmt.Sprintf("Ceiling: bare net/http GET answered with the runbook's %d bytes / a 15-byte GET", len(body)), "", get)
			add(fmt.Sprintf("Ceiling: bare net/http POST of the %d-byte request, same answer / a 15-byte GET", len(data)), "", post)

			// CPU of one offline generation of 100 secrets (never seen).
			add("100 secrets offline: CPU seconds per generation", "≤ 0.25", offlineCPU(b, 100).Seconds())
		}
	}
	host, _ := os.Hostname()
	var load1 string
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		load1 = strings.Fields(string(data))[0]
	}
	fmt.Fprintf(os.Stdout, "\nrotor benchmark table, %s, %s, %d CPUs, %s, load %s, %d runs; model double: %v + %v per answer token, slowest possible call %v\n\n",
		time.Now().UTC().Format("2006-01-02 15:04"), host, runtime.NumCPU(), runtime.Version(), load1, runs, benchLatency, benchTokenLatency, slowestPossible)
	fmt.Fprintf(os.Stdout, "| Measure | min | median | max | goal |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		v := append([]float64(nil), r.values...)
		sort.Float64s(v)
		f := func(x float64) string {
			if x >= 100 {
				return fmt.Sprintf("%.0f", x)
			}
			return fmt.Sprintf("%.2f", x)
		}
		goal := r.goal
		if len(r.notes) > 0 {
			goal += " (" + strings.Join(r.notes, "; ") + ")"
		}
		fmt.Fprintf(os.Stdout, "| %s | %s | %s | %s | %s |\n", r.name, f(v[0]), f(v[len(v)/2]), f(v[len(v)-1]), goal)
	}
}

// bareCeiling measures, like the reads, a bare net/http server answering
// body (to a GET, and to a POST of req) against its own 15-byte /healthz:
// the most a server writing that many bytes can reach on this machine.
func bareCeiling(b *testing.B, req, body []byte, ratio func(string, func(*http.Client) error) (float64, float64)) (get, post float64) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		out := []byte(`{"status":"ok"}`)
		if r.URL.Path == "/body" {
			out = body
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		_, _ = w.Write(out)
	}))
	defer srv.Close()
	get, _ = ratio(srv.URL, func(cl *http.Client) error { return expect(cl.Get(srv.URL + "/body")) })
	post, _ = ratio(srv.URL, func(cl *http.Client) error {
		return expect(cl.Post(srv.URL+"/body", "application/json", bytes.NewReader(req)))
	})
	return get, post
}

// offlineCPU is the process CPU time of one offline generation of a
// never-seen request of n secrets.
func offlineCPU(b *testing.B, n int) time.Duration {
	cfg, _ := loadConfig(env(nil))
	a, err := newApp(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	req := llmtest.LargeRequest(n)
	req.System = fmt.Sprintf("CPU %d", time.Now().UnixNano())
	runtime.GC()
	c0 := cpuTime()
	if _, err := a.gen.Generate(context.Background(), req, generate.Options{}); err != nil {
		b.Fatal(err)
	}
	return cpuTime() - c0
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
