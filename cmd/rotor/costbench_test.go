package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// costPrices are the two price sheets of the cost table (USD per 1M input,
// cached input and output tokens).
var costPrices = []struct {
	name  string
	price llm.Price
}{
	{"gpt-4.1-mini-like", llm.Price{Prompt: 0.40, CachedPrompt: 0.10, Completion: 1.60}},
	{"gpt-5-like", llm.Price{Prompt: 1.25, CachedPrompt: 0.125, Completion: 10.00}},
}

// baselineAnswer is the answer of the single call a user would otherwise
// make (the seed template filled in): 4,000 tokens.
const baselineAnswer = 4000

// costRun is what one generation cost, read from the model double's own
// request log (tokens counted with o200k_base, the cacheable prefix schema
// first) and from rotor's process.
type costRun struct {
	calls, input, cached, output int
	// usage is what the runbook reported.
	usage runbook.Usage
	// byModel: every section was the model's; fellBack lists the others
	// with their reasons.
	byModel  bool
	fellBack []string
	wall     time.Duration
	slowest  time.Duration
	cpu      time.Duration
}

func (c costRun) dollars(p llm.Price) float64 {
	return (float64(c.input-c.cached)*p.Prompt + float64(c.cached)*p.CachedPrompt + float64(c.output)*p.Completion) / 1e6
}

// BenchmarkCost prints the cost table: for Acme Payments and 20, 50 and 100
// secrets (each a never-seen request), the model calls, input tokens, the
// input a provider's prompt cache could serve (the schema first, then the
// messages; 1,024 tokens at least, in 128-token blocks, prefixes of the
// runbook's own calls the model had read before the call left), output
// tokens, the dollars at two price sheets (cacheable input at the cached
// price) and against the single call's, the total against one call of the
// seed template filled in for the same request with a 4,000-token answer,
// the wall time against the slowest call, and rotor's CPU per generation
// against the offline writer's. rotor runs as two processes (this test
// binary as `rotor serve`, one with the model double, one offline) so its
// CPU is measured apart from the double's. scripts/cost.sh runs it:
//
//	go test ./cmd/rotor -run '^$' -bench '^BenchmarkCost$' -benchtime 1x -timeout 30m
func BenchmarkCost(b *testing.B) {
	bin := rotorBinary(b)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Latency, fake.TokenLatency = benchLatency, benchTokenLatency
	model := llmtest.NewModel()
	fake.DefaultByRequest(model.Reply)
	common := map[string]string{"ROTOR_RATE_LIMIT": "1000000/s", "ROTOR_WORK_LIMIT": "1000000000/h",
		"ROTOR_MAX_WORK": "100000", "ROTOR_MAX_TOKENS": strconv.Itoa(benchMaxTokens), "ROTOR_LLM_DEADLINE": "10m", "ROTOR_REQUEST_TIMEOUT": "10m"}
	// The budget's settings pass through (to measure without it, or with
	// another one).
	for _, k := range []string{"ROTOR_RUNBOOK_TOKEN_BUDGET", "ROTOR_RUNBOOK_MAX_CALLS"} {
		if v := os.Getenv(k); v != "" {
			common[k] = v
		}
	}
	withLLM := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()}
	offline := map[string]string{"ROTOR_LLM": "offline"}
	for k, v := range common {
		withLLM[k], offline[k] = v, v
	}
	llmProc := startBenchProc(b, bin, withLLM)
	offProc := startBenchProc(b, bin, offline)
	template, err := os.ReadFile("testdata/seed-template.txt")
	if err != nil {
		b.Fatal(err)
	}
	acmeReq, err := decode.ParseRequest(acme(b))
	if err != nil {
		b.Fatal(err)
	}
	sizes := []struct {
		name string
		req  func() *runbook.Request
	}{
		{"Acme", func() *runbook.Request { r := *acmeReq; return &r }},
		{"20 secrets", func() *runbook.Request { return llmtest.LargeRequest(20) }},
		{"50 secrets", func() *runbook.Request { return llmtest.LargeRequest(50) }},
		{"100 secrets", func() *runbook.Request { return llmtest.LargeRequest(100) }},
	}
	seq := 0
	// generate posts a never-seen copy of req to p and measures it.
	generate := func(p *benchProc, req *runbook.Request) costRun {
		seq++
		req.System = fmt.Sprintf("%s (cost %d %d)", req.System, seq, time.Now().UnixNano())
		if err := model.Learn(req); err != nil {
			b.Fatal(err)
		}
		body, _ := json.Marshal(req)
		// Each runbook's calls are measured alone: the cacheable prefix is
		// the one its own calls share.
		fake.Reset()
		runtime.GC()
		cpu0 := p.cpu(b)
		start := time.Now()
		resp, err := http.Post(p.base+"/runbooks", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		run := costRun{wall: time.Since(start), cpu: p.cpu(b) - cpu0, byModel: true}
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %s", resp.StatusCode, out)
		}
		var rb runbook.Runbook
		if err := json.Unmarshal(out, &rb); err != nil {
			b.Fatal(err)
		}
		run.usage = rb.Usage
		for _, id := range section.IDs() {
			if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
				run.byModel = false
				run.fellBack = append(run.fellBack, fmt.Sprintf("%s: %s %.80s", id, st.Source, st.Reason))
			}
		}
		for _, r := range fake.Requests() {
			run.calls++
			run.input += r.PromptTokens
			run.cached += r.CachedTokens
			run.output += r.CompletionTokens
			run.slowest = max(run.slowest, fake.Latency+time.Duration(r.CompletionTokens)*fake.TokenLatency)
		}
		return run
	}
	// Warm both processes up (first use of lazily built tables).
	generate(llmProc, sizes[0].req())
	generate(offProc, sizes[0].req())

	var table strings.Builder
	for b.Loop() {
		table.Reset()
		fmt.Fprintf(&table, "\nrotor cost table, %s, %d CPUs, %s; tokens counted with o200k_base from the model double's log; "+
			"cacheable = prefix shared with an earlier call of the same runbook that the model had read (its prefill, %v) before this one left, schema first, >= %d tokens, %d-token blocks; "+
			"$ with the cacheable input at the cached price\n\n", time.Now().UTC().Format("2006-01-02 15:04"), runtime.NumCPU(), runtime.Version(),
			benchLatency, llmtest.CacheMinTokens, llmtest.CacheBlockTokens)
		fmt.Fprintf(&table, "| request | calls | input tokens | cacheable input | output tokens | single call (seed + 4k answer) | total ÷ single call |")
		for _, p := range costPrices {
			fmt.Fprintf(&table, " $ %s (÷ single call) |", p.name)
		}
		fmt.Fprintf(&table, " usage = log | every section by the model | wall ÷ slowest call | CPU s LLM | CPU s offline | CPU LLM ÷ offline |\n")
		fmt.Fprintf(&table, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, size := range sizes {
			req := size.req()
			llmRun := generate(llmProc, size.req())
			offRun := generate(offProc, size.req())
			single := llmtest.O200k().Tokens(llmtest.Prompt{Messages: []string{seedPrompt(string(template), req)}}) + baselineAnswer
			u := llmRun.usage
			usageOK := u.LLMCalls == llmRun.calls && u.PromptTokens == llmRun.input && u.CompletionTokens == llmRun.output &&
				u.CachedPromptTokens == llmRun.cached
			byModel := "yes"
			if !llmRun.byModel {
				byModel = "no: " + strings.Join(llmRun.fellBack, "; ")
			}
			fmt.Fprintf(&table, "| %s | %d | %d | %d (%.0f %%) | %d | %d | %.1f× |", size.name, llmRun.calls, llmRun.input, llmRun.cached,
				100*float64(llmRun.cached)/float64(max(1, llmRun.input)), llmRun.output, single, float64(llmRun.input+llmRun.output)/float64(single))
			// The single call's dollars: the seed's prompt, uncached, and
			// the 4k answer.
			one := costRun{input: single - baselineAnswer, output: baselineAnswer}
			for _, p := range costPrices {
				fmt.Fprintf(&table, " %.4f (%.1f×) |", llmRun.dollars(p.price), llmRun.dollars(p.price)/one.dollars(p.price))
			}
			fmt.Fprintf(&table, " %s | %s | %.2f | %.2f | %.2f | %.1f× |\n", yesNo(usageOK, fmt.Sprintf("no: %+v", u)), byModel,
				float64(llmRun.wall)/float64(llmRun.slowest), llmRun.cpu.Seconds(), offRun.cpu.Seconds(), llmRun.cpu.Seconds()/max(offRun.cpu.Seconds(), 0.001))
		}
	}
	fmt.Fprintf(&table, "\nmodel double: %v + %v per answer token; rotor's CPU: its process's threads' time on a CPU (/proc/<pid>/task/*/schedstat) around each POST\n",
		benchLatency, benchTokenLatency)
	fmt.Fprint(os.Stdout, table.String())
}

func yesNo(ok bool, no string) string {
	if ok {
		return "yes"
	}
	return no
}

// seedPrompt fills the seed's prompt template in for req, as a user would
// for one call: its bracketed placeholders, in order, with the request's
// system, secrets, trigger, environments, services, deployment, store,
// downtime tolerance, owners and constraints.
func seedPrompt(template string, req *runbook.Request) string {
	var secrets, services, owners []string
	for _, s := range req.Secrets {
		secrets = append(secrets, s.Name)
		for _, c := range s.Consumers {
			if !slices.Contains(services, c) {
				services = append(services, c)
			}
		}
	}
	for _, o := range req.Owners {
		owners = append(owners, fmt.Sprintf("%s (%s)", o.Name, o.Role))
	}
	var deploy []string
	for _, d := range req.Deployment {
		deploy = append(deploy, string(d))
	}
	values := []string{req.System, strings.Join(secrets, ", "), string(req.Trigger), strings.Join(req.Environments, ", "),
		strings.Join(services, ", "), strings.Join(deploy, ", "), string(req.SecretStore), string(req.DowntimeTolerance),
		strings.Join(owners, ", "), strings.Join(req.Constraints, "; ")}
	i := 0
	return regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllStringFunc(strings.TrimSpace(template), func(s string) string {
		if i >= len(values) {
			return s
		}
		i++
		return values[i-1]
	})
}

// benchProc is a rotor process serving for a benchmark.
type benchProc struct {
	pid    int
	base   string
	logs   *syncBuffer
	exited chan struct{}
}

// startBenchProc starts `rotor serve` (this test binary) with env and
// returns once it listens; it is stopped when the benchmark ends.
func startBenchProc(b *testing.B, bin string, env map[string]string) *benchProc {
	b.Helper()
	vars := []string{"ROTOR_ADDR=127.0.0.1:0"}
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	logs := &syncBuffer{}
	cmd := rotorCommand(bin, vars, "serve")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	b.Cleanup(func() {
		_ = killGroup(cmd)
		<-exited
	})
	return &benchProc{pid: cmd.Process.Pid, base: logs.listening(b, exited), logs: logs, exited: exited}
}

// cpu is the time the process's threads have spent on a CPU so far, in
// nanoseconds: the first field of /proc/<pid>/task/<tid>/schedstat summed
// over its threads (Go's threads live as long as the process).
func (p *benchProc) cpu(b *testing.B) time.Duration {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", p.pid))
	if err != nil || len(tasks) == 0 {
		b.Fatalf("no threads of %d: %v", p.pid, err)
	}
	var total time.Duration
	for _, name := range tasks {
		data, err := os.ReadFile(name)
		if err != nil {
			continue // a thread that just ended
		}
		ns, _ := strconv.ParseInt(strings.Fields(string(data))[0], 10, 64)
		total += time.Duration(ns)
	}
	return total
}
