package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	neturl "net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/cache/redistest"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
)

// BenchmarkTable measures, in one run, the figures of the README's benchmark
// table and prints it (scripts/bench.sh runs it):
//
//	go test ./cmd/rotor -run '^$' -bench BenchmarkTable -benchtime 1x
func BenchmarkTable(b *testing.B) {
	const latency = 200 * time.Millisecond
	url := redistest.URL(b)
	data := acme(b)
	req, _ := runbook.ParseRequest(data)
	answers := offlineAnswers(b, req)
	newFake := func(l time.Duration) *llmtest.Server {
		f := llmtest.New("sk-test-fake")
		f.Latency = l
		f.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
		return f
	}
	type row struct{ name, value string }
	var rows []row
	add := func(name, format string, args ...any) { rows = append(rows, row{name, fmt.Sprintf(format, args...)}) }

	for b.Loop() {
		rows = nil
		// 1. Fan-out: uncached wall time as a multiple of one call's latency.
		fake := newFake(latency)
		service := func(concurrency string) *generate.Service {
			cfg, err := loadConfig(env(map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_LLM_CONCURRENCY": concurrency}))
			if err != nil {
				b.Fatal(err)
			}
			a, err := newApp(cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			return a.gen
		}
		wall := func(svc *generate.Service) time.Duration {
			r := *req
			r.System = fmt.Sprintf("Acme Payments %d", time.Now().UnixNano()) // never cached
			start := time.Now()
			if _, err := svc.Generate(context.Background(), &r, generate.Options{}); err != nil {
				b.Fatal(err)
			}
			return time.Since(start)
		}
		c10, c1 := wall(service("10")), wall(service("1"))
		add("Uncached runbook wall time / one LLM call (L = 200 ms), concurrency 10", "%.2f", float64(c10)/float64(latency))
		add("Same, concurrency 1", "%.2f", float64(c1)/float64(latency))

		// 2. Time to the first streamed section.
		s := startServer(b, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_LOG_LEVEL": "error", "ROTOR_RATE_LIMIT": "1000000/s"})
		start := time.Now()
		resp, err := http.Post(s.base+"/runbooks?stream=1", "application/json", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		var first, total time.Duration
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: section") && first == 0 {
				first = time.Since(start)
			}
		}
		total = time.Since(start)
		resp.Body.Close()
		add("Time to first streamed section / L", "%.2f (whole runbook %.2f)", float64(first)/float64(latency), float64(total)/float64(latency))
		s.stop(b)
		fake.Close()

		// 3. Cached POST /runbooks against GET /healthz, Redis on loopback.
		fakeFast := newFake(0)
		u, _ := neturl.Parse(url)
		u.Path = "/7"
		redistest.Client(b, u.String()).FlushDB(context.Background())
		cs := startServer(b, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fakeFast.BaseURL(), "REDIS_URL": u.String(), "ROTOR_LOG_LEVEL": "error", "ROTOR_RATE_LIMIT": "1000000/s"})
		if err := expect(http.Post(cs.base+"/runbooks", "application/json", bytes.NewReader(data))); err != nil {
			b.Fatal(err)
		}
		hRPS, hP50, hP99 := load(b, 4000, 8, func(cl *http.Client) error { return expect(cl.Get(cs.base + "/healthz")) })
		rRPS, rP50, rP99 := load(b, 4000, 8, func(cl *http.Client) error {
			return expect(cl.Post(cs.base+"/runbooks", "application/json", bytes.NewReader(data)))
		})
		add("Cached POST /runbooks: requests/s (share of /healthz)", "%.0f (%.2f of %.0f)", rRPS, rRPS/hRPS, hRPS)
		add("Cached POST /runbooks: p50 / p99", "%.2f ms / %.2f ms (healthz %.2f / %.2f ms)", ms(rP50), ms(rP99), ms(hP50), ms(hP99))
		cs.stop(b)
		fakeFast.Close()

		// 4. Fifty concurrent identical requests over two replicas.
		fake = newFake(300 * time.Millisecond)
		u.Path = "/6"
		redistest.Client(b, u.String()).FlushDB(context.Background())
		r1 := startServer(b, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "REDIS_URL": u.String(), "ROTOR_LOG_LEVEL": "error", "ROTOR_RATE_LIMIT": "1000000/s"})
		r2 := startServer(b, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "REDIS_URL": u.String(), "ROTOR_LOG_LEVEL": "error", "ROTOR_RATE_LIMIT": "1000000/s"})
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				base := r1.base
				if i%2 == 1 {
					base = r2.base
				}
				if err := expect(http.Post(base+"/runbooks", "application/json", bytes.NewReader(data))); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		add("LLM calls for 50 concurrent identical requests on two replicas", "%d (one request needs 10)", len(fake.Requests()))
		r1.stop(b)
		r2.stop(b)
		fake.Close()

		// 5. Screening as a share of offline generation (never-seen texts).
		cfg, _ := loadConfig(env(nil))
		off, err := newApp(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		var genT, inT, outT time.Duration
		const n = 20
		for i := range n {
			r := *req
			r.System = fmt.Sprintf("Screen test %d %d", i, time.Now().UnixNano())
			fresh, _ := secretscan.New()
			t0 := time.Now()
			fresh.Scan("", &r)
			inT += time.Since(t0)
			t0 = time.Now()
			rb, err := off.gen.Generate(context.Background(), &r, generate.Options{})
			if err != nil {
				b.Fatal(err)
			}
			genT += time.Since(t0)
			fresh2, _ := secretscan.New()
			t0 = time.Now()
			for _, id := range runbook.SectionIDs {
				fresh2.ScanRefusing(string(id), rb.Sections.Get(id))
			}
			outT += time.Since(t0)
		}
		add("Offline generation of the Acme runbook (never-seen request)", "%.1f ms", ms(genT/n))
		add("Screening share of it: input / output (the lint rule)", "%.0f%% / %.0f%%", 100*float64(inT)/float64(genT), 100*float64(outT)/float64(genT))

		// 6. Memory per in-flight generation: 50 generations held at the LLM.
		fake = newFake(3 * time.Second)
		cfg, _ = loadConfig(env(map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()}))
		app, err := newApp(cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var before, during runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		var wg2 sync.WaitGroup
		for i := range 50 {
			wg2.Add(1)
			go func() {
				defer wg2.Done()
				r := *req
				r.System = fmt.Sprintf("Memory test %d", i)
				_, _ = app.gen.Generate(context.Background(), &r, generate.Options{})
			}()
		}
		time.Sleep(1500 * time.Millisecond)
		runtime.GC()
		runtime.ReadMemStats(&during)
		g1 := runtime.NumGoroutine()
		wg2.Wait()
		add("Heap per in-flight generation (50 waiting on the LLM)", "%.0f KiB, %d goroutines each",
			float64(int64(during.HeapAlloc)-int64(before.HeapAlloc))/50/1024, (g1-g0)/50)
		fake.Close()
	}
	host, _ := os.Hostname()
	fmt.Fprintf(os.Stdout, "\nrotor benchmark table, %s, %s, %d CPUs, %s\n\n| Measure | Value |\n|---|---|\n",
		time.Now().UTC().Format("2006-01-02"), host, runtime.NumCPU(), runtime.Version())
	for _, r := range rows {
		fmt.Fprintf(os.Stdout, "| %s | %s |\n", r.name, r.value)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
