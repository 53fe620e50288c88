package generate_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/intake"
)

// cpu is the process's CPU time (user and system) so far.
func cpu(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkIntakeShareOfAcme measures, in one run, the CPU an offline Acme
// generation takes and the CPU intake's reading of the same request takes
// (it runs inside every generation), and reports intake's share. Issue #17
// bounds it at 5 %: go test ./internal/generate -run XXX -bench IntakeShareOfAcme
func BenchmarkIntakeShareOfAcme(b *testing.B) {
	s := service(b, nil)
	req := request(b, "acme-payments")
	ctx := context.Background()
	asOf := time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)
	intake.Read(req, intake.Options{AsOf: asOf}) // lexicons loaded once per process, as in a server
	var gen, read time.Duration
	for b.Loop() {
		t0 := cpu(b)
		if _, err := s.Generate(ctx, req, generate.Options{}); err != nil {
			b.Fatal(err)
		}
		t1 := cpu(b)
		for range 10 {
			intake.Read(req, intake.Options{AsOf: asOf})
		}
		t2 := cpu(b)
		gen += t1 - t0
		read += (t2 - t1) / 10
	}
	share := 100 * float64(read) / float64(gen)
	b.ReportMetric(share, "intake-%")
	b.ReportMetric(float64(read.Microseconds())/float64(b.N), "intake-us/op")
	b.ReportMetric(float64(gen.Microseconds())/float64(b.N), "generate-us/op")
	if b.N > 20 && share > 5 {
		b.Errorf("intake takes %.1f %% of an Acme generation's CPU, more than 5 %%", share)
	}
}
