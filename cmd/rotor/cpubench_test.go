package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// BenchmarkLLMCPU measures rotor's CPU per generation with the model against
// the offline writer's, for 20 and 100 secrets, in one run, and prints the
// ratios (issue #22: at most 1.5×). rotor runs as two `rotor serve`
// processes (this test binary), one with the model double (answering at
// once: no latency, so only work is measured) and one offline; the double
// runs in this benchmark's process, so its CPU is not rotor's. A process's
// CPU is its threads' time on a CPU (/proc/<pid>/task/*/schedstat, in ns)
// around each POST of a never-seen request; the runs alternate LLM and
// offline, ROTOR_CPU_RUNS times (default 5) per size, and the table gives
// the total of each and their ratio, with the min and max of the runs'
// ratios. Nothing is asserted: the goal is read from the table. With
// ROTOR_CPU_PROFILE_DIR set, each rotor process records its CPU profile
// there (llm.pprof, offline.pprof; warm-up included) for go tool pprof.
//
//	go test ./cmd/rotor -run '^$' -bench '^BenchmarkLLMCPU$' -benchtime 1x
func BenchmarkLLMCPU(b *testing.B) {
	bin := rotorBinary(b)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	model := llmtest.NewModel()
	// The model writes the facts in its own words (seeded): rotor screens
	// and lints text it has not seen, as with a real model. Answering with
	// the offline writer's text let rotor reuse its offline screen, its
	// lint memos and its offline whole-runbook lint.
	model.Reword = 1
	fake.DefaultByRequest(model.Reply)
	runs := 5
	if v := os.Getenv("ROTOR_CPU_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("ROTOR_CPU_RUNS=%q: want a positive whole number", v)
		}
		runs = n
	}
	common := map[string]string{"ROTOR_RATE_LIMIT": "1000000/s", "ROTOR_WORK_LIMIT": "1000000000/h",
		"ROTOR_MAX_WORK": "100000", "ROTOR_LLM_DEADLINE": "10m", "ROTOR_REQUEST_TIMEOUT": "10m"}
	withLLM := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()}
	offline := map[string]string{"ROTOR_LLM": "offline"}
	for k, v := range common {
		withLLM[k], offline[k] = v, v
	}
	profiles := os.Getenv("ROTOR_CPU_PROFILE_DIR")
	if profiles != "" {
		// rotor cannot write a profile into a missing folder, and the
		// benchmark would wait for its "profiled" line for ever.
		if err := os.MkdirAll(profiles, 0o755); err != nil {
			b.Fatal(err)
		}
		withLLM[asRotorProfile] = filepath.Join(profiles, "llm.pprof")
		offline[asRotorProfile] = filepath.Join(profiles, "offline.pprof")
	}
	llmProc := startBenchProc(b, bin, withLLM)
	offProc := startBenchProc(b, bin, offline)

	seq := 0
	// generate posts a never-seen copy of LargeRequest(n) to p and returns
	// the CPU p spent on it.
	generate := func(p *benchProc, n int, byModel bool) time.Duration {
		seq++
		req := llmtest.LargeRequest(n)
		req.System = fmt.Sprintf("%s (cpu %d %d)", req.System, seq, time.Now().UnixNano())
		if err := model.Learn(req); err != nil {
			b.Fatal(err)
		}
		body, _ := json.Marshal(req)
		runtime.GC()
		cpu0 := p.cpu(b)
		resp, err := http.Post(p.base+"/runbooks", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		used := p.cpu(b) - cpu0
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
		if byModel {
			// A fallback would make the LLM run cheaper than it is.
			var rb runbook.Runbook
			if err := json.Unmarshal(out, &rb); err != nil {
				b.Fatal(err)
			}
			for _, id := range section.IDs() {
				if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
					b.Fatalf("%d secrets: %s was not the model's: %s %s", n, id, st.Source, st.Reason)
				}
			}
		}
		return used
	}
	// Warm both processes up (lazily built tables, first connections).
	generate(llmProc, 20, true)
	generate(offProc, 20, false)

	var table strings.Builder
	for b.Loop() {
		table.Reset()
		fmt.Fprintf(&table, "\nrotor CPU per generation, LLM (model double rewording its prose, no latency) vs offline, %s, %d CPUs, %s, %d runs per size\n\n",
			time.Now().UTC().Format("2006-01-02 15:04"), runtime.NumCPU(), runtime.Version(), runs)
		fmt.Fprintf(&table, "| request | CPU s LLM (mean) | CPU s offline (mean) | CPU LLM ÷ offline | min–max of runs |\n|---|---|---|---|---|\n")
		for _, n := range []int{20, 100} {
			var llmCPU, offCPU time.Duration
			var ratios []float64
			for range runs {
				l := generate(llmProc, n, true)
				o := generate(offProc, n, false)
				llmCPU += l
				offCPU += o
				ratios = append(ratios, l.Seconds()/max(o.Seconds(), 1e-6))
			}
			ratio := llmCPU.Seconds() / max(offCPU.Seconds(), 1e-6)
			fmt.Fprintf(&table, "| %d secrets | %.3f | %.3f | %.2f× | %.2f–%.2f× |\n", n, llmCPU.Seconds()/float64(runs),
				offCPU.Seconds()/float64(runs), ratio, slices.Min(ratios), slices.Max(ratios))
			b.ReportMetric(ratio, fmt.Sprintf("llm/offline-%d", n))
		}
	}
	if profiles != "" {
		for _, p := range []*benchProc{llmProc, offProc} {
			if err := syscall.Kill(p.pid, syscall.SIGUSR1); err != nil {
				b.Fatal(err)
			}
			p.logs.waitLine(b, p.exited, profiledLine)
		}
		fmt.Fprintf(&table, "\nprofiles: %s\n", filepath.Join(profiles, "{llm,offline}.pprof"))
	}
	fmt.Fprintf(&table, "\nrotor's CPU: its process's threads' time on a CPU (/proc/<pid>/task/*/schedstat) around each POST; the model double runs in the benchmark's process\n")
	fmt.Fprint(os.Stdout, table.String())
}
