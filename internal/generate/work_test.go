package generate_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/runbook"
)

func sized(secrets, consumers int, envs ...string) *runbook.Request {
	req := &runbook.Request{System: "Sized", Environments: envs}
	for i := range secrets {
		s := runbook.Secret{Name: fmt.Sprintf("Service %d API key", i)}
		for j := range consumers {
			s.Consumers = append(s.Consumers, fmt.Sprintf("svc-%d-%d", i, j))
		}
		req.Secrets = append(req.Secrets, s)
	}
	return req
}

// TestMaxWorkRefusesBeforeWriting: a request over MaxWork is 413 too_large
// naming what to shrink, at once (nothing is written); one within it is
// written.
func TestMaxWorkRefusesBeforeWriting(t *testing.T) {
	s := generate.New(generate.Config{MaxWork: 2000})
	ctx := context.Background()
	if _, err := s.Generate(ctx, sized(20, 19, "dev", "qa", "staging", "production"), generate.Options{}); err != nil {
		t.Fatalf("1,922 units refused: %v", err)
	}
	start := time.Now()
	_, err := s.Generate(ctx, sized(100, 50, "dev", "qa", "staging", "production"), generate.Options{})
	var e *runbook.Error
	if !errors.As(err, &e) || e.Code != runbook.CodeTooLarge || len(e.Fields) != 1 || e.Fields[0].Path != "secrets" ||
		!strings.Contains(e.Message, "22002 work units (2002 planned steps, 20000 consumer-environment pairs)") {
		t.Fatalf("got %v", err)
	}
	t.Logf("refused in %v: %v", time.Since(start), err)
	// Admit sees the work before anything is written, and can refuse.
	var seen generate.Work
	_, err = s.Generate(ctx, sized(3, 2, "staging", "production"), generate.Options{Admit: func(w generate.Work) error {
		seen = w
		return runbook.Errorf(runbook.CodeRateLimited, "budget")
	}})
	if runbook.ErrorCode(err) != runbook.CodeRateLimited || seen.Pairs != 12 || seen.Steps == 0 {
		t.Errorf("admit: %v %+v", err, seen)
	}
}

// peakHeap runs f and samples the heap in use meanwhile; it returns the
// highest value seen above what was in use before.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > base.HeapInuse && m.HeapInuse-base.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse - base.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak.Load()
}

// BenchmarkGenerateByWork measures one offline generation by size, with
// -benchmem: the seed's request (44 units), the largest the default
// ROTOR_MAX_WORK admits (20 secrets × 19 consumers × 4 environments: 1,922
// units) and the 100 × 50 × 4 request it refuses (22,002 units, written
// here without the bound). It reports the response's bytes and the peak
// heap of a generation (sampled every 2 ms).
func BenchmarkGenerateByWork(b *testing.B) {
	for _, c := range []struct {
		name string
		req  *runbook.Request
	}{
		{"seed", request(b, "acme-payments")},
		{"cap-20x19x4", sized(20, 19, "dev", "qa", "staging", "production")},
		{"unbounded-100x50x4", sized(100, 50, "dev", "qa", "staging", "production")},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := service(b, nil)
			ctx := context.Background()
			var size int
			peak := peakHeap(func() {
				rb, err := s.Generate(ctx, c.req, generate.Options{})
				if err != nil {
					b.Fatal(err)
				}
				js, _ := json.Marshal(rb)
				size = len(js)
			})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Generate(ctx, c.req, generate.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size), "response-bytes")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
