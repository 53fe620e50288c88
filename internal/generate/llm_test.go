package generate_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

const testKey = "test-key-not-secret"

// goodAnswers are correct LLM answers for a request: the offline writer's
// sections, which satisfy the schema, the facts and the linter.
func goodAnswers(t testing.TB, req *runbook.Request) map[string]string {
	t.Helper()
	a, err := llmtest.OfflineAnswers(req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fakeLLM starts a fake server answering every section correctly (a model
// double with no defect seeded: it answers a section asked in parts part by
// part), and returns the correct answers of the whole sections.
func fakeLLM(t testing.TB, req *runbook.Request) (*llmtest.Server, map[string]string) {
	t.Helper()
	srv, _ := modelFor(t, req)
	return srv, goodAnswers(t, req)
}

type llmOpts struct {
	mode        string
	maxTokens   int
	concurrency int
	deadline    time.Duration
	res         llm.Resilience
	// budget and maxCalls bound the runbook's tokens and calls.
	budget, maxCalls int
	// drafts has the model draft catalogue entries for unknown providers.
	drafts bool
	// now is the generation's clock (nil: the wall clock).
	now func() time.Time
	// linter replaces lint.New(scanner).
	linter *lint.Linter
}

func llmService(t testing.TB, srv *llmtest.Server, o llmOpts) *generate.Service {
	t.Helper()
	if o.res == (llm.Resilience{}) {
		o.res = llm.Resilience{AttemptTimeout: 2 * time.Second, MaxRetries: 3, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond, BreakerFailures: 1000}
	}
	client, err := openai.New(openai.Config{APIKey: testKey, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini", Mode: o.mode, Resilience: o.res, MaxTokens: o.maxTokens})
	if err != nil {
		t.Fatal(err)
	}
	p, err := prompts.Load(prompts.FS)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := section.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	linter := lint.New(scanner)
	if o.linter != nil {
		linter = o.linter
	}
	return generate.New(generate.Config{Screener: scanner, Linter: linter, LLM: client, Prompts: p, Schemas: schemas,
		Concurrency: o.concurrency, Deadline: o.deadline, MaxTokens: o.maxTokens, TokenBudget: o.budget, MaxCalls: o.maxCalls, Drafts: o.drafts, Now: o.now})
}

func generateWith(t *testing.T, svc *generate.Service, req *runbook.Request) *runbook.Runbook {
	t.Helper()
	rb, err := svc.Generate(context.Background(), req, generate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if lint.HasErrors(rb.Findings) {
		t.Errorf("served runbook has error findings: %+v", rb.Findings)
	}
	return rb
}

func TestAllSectionsFromTheLLM(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "acme-payments")
		srv, _ := fakeLLM(t, req)
		// A model reads a prompt (and caches its prefix) before it
		// answers: calls that leave together find nothing cached.
		srv.Latency, srv.TokenLatency = 200*time.Millisecond, 100*time.Microsecond
		rb := generateWith(t, llmService(t, srv, llmOpts{}), req)
		for _, id := range section.IDs() {
			st := rb.SectionStatus[id]
			if st.Source != runbook.SourceLLM || st.Attempts != 1 {
				t.Errorf("%s: %+v", id, st)
			}
		}
		if rb.Generator.Provider != "openai" || rb.Generator.Model != "gpt-4o-mini" {
			t.Errorf("generator %+v", rb.Generator)
		}
		// Usage is what the server reported, summed; the cost follows the price
		// table (cached prompt tokens at the cached price). The calls share
		// one schema (the envelope), the system prompt and their view's data
		// block, so a provider's prompt cache (which reads the schema
		// first) can serve most of their input: at least 70 % (0 % when
		// each section had its own schema, and when all ten left at once:
		// one goes first and the others once it is answered).
		var prompt, completion, cachedTok int
		for _, r := range srv.Requests() {
			prompt, completion, cachedTok = prompt+r.PromptTokens, completion+r.CompletionTokens, cachedTok+r.CachedTokens
		}
		if cachedTok*10 < prompt*7 {
			t.Errorf("%d of %d prompt tokens cacheable (%.0f %%): want at least 70 %%", cachedTok, prompt, 100*float64(cachedTok)/float64(prompt))
		}
		t.Logf("prompt tokens %d, cached %d (%.0f%%)", prompt, cachedTok, 100*float64(cachedTok)/float64(prompt))
		u := rb.Usage
		if u.LLMCalls != len(section.All) || u.PromptTokens != prompt || u.CompletionTokens != completion || u.CachedPromptTokens != cachedTok || prompt == 0 || completion == 0 {
			t.Errorf("usage %+v; the server counted %d prompt (%d cached) and %d completion tokens", u, prompt, cachedTok, completion)
		}
		if want := (float64(prompt-cachedTok)*0.15 + float64(cachedTok)*0.075 + float64(completion)*0.60) / 1e6; u.CostUSD < want*0.999 || u.CostUSD > want*1.001 {
			t.Errorf("cost %f, want %f", u.CostUSD, want)
		}
		reqs := srv.Requests()
		if len(reqs) != len(section.All) {
			t.Fatalf("%d requests", len(reqs))
		}
		for _, r := range reqs {
			if r.ResponseFormat != "json_schema" || !r.Strict || !strings.HasPrefix(r.SchemaName, "rotor_") {
				t.Errorf("request %+v", r)
			}
			if !strings.HasPrefix(r.System, "You are a senior platform security engineer.") || !strings.Contains(r.User, "<rotor-data>") {
				t.Errorf("prompt shape: %.80s / %.80s", r.System, r.User)
			}
		}
	})
}

// TestFaults drives every scripted fault and checks the section's status.
func TestFaults(t *testing.T) {
	req := request(t, "acme-payments")
	answers := goodAnswers(t, req)
	seq := schema.Name(runbook.SectionRotationSequence)

	// A safety violation: revoke the SendGrid key in production before it is verified there.
	var rs runbook.RotationSequence
	if err := json.Unmarshal([]byte(answers[seq]), &rs); err != nil {
		t.Fatal(err)
	}
	steps := rs.Tracks[0].Steps
	for i := range steps {
		switch {
		case steps[i].Phase == runbook.PhaseVerify && steps[i].Environment == "production":
			steps[i].Phase = runbook.PhaseRevoke
		case steps[i].Phase == runbook.PhaseRevoke && steps[i].Environment == "production":
			steps[i].Phase = runbook.PhaseVerify
		}
	}
	unsafe, _ := json.Marshal(rs)

	tests := []struct {
		name     string
		section  runbook.SectionID
		script   []llmtest.Reply
		source   runbook.Source
		attempts int
		// requests is the number of requests for the section (-n: at least n).
		requests int
		// reask is text the second request's prompt must contain.
		reask  string
		reason string
	}{
		{"429 then ok", runbook.SectionInventory, []llmtest.Reply{llmtest.RateLimited("0")}, runbook.SourceLLM, 1, 2, "", ""},
		{"408 and 409 then ok", runbook.SectionAutomation, []llmtest.Reply{{Kind: llmtest.Status, Status: 408}, {Kind: llmtest.Status, Status: 409}}, runbook.SourceLLM, 1, 3, "", ""},
		{"500 then ok", runbook.SectionRiskTriage, []llmtest.Reply{llmtest.ServerError()}, runbook.SourceLLM, 1, 2, "", ""},
		{"hang past the attempt timeout then ok", runbook.SectionPreflight, []llmtest.Reply{{Kind: llmtest.Hang, Delay: 10 * time.Second}}, runbook.SourceLLM, 1, 2, "", ""},
		{"dropped connection then ok", runbook.SectionValidation, []llmtest.Reply{{Kind: llmtest.Drop}}, runbook.SourceLLM, 1, 2, "", ""},
		{"invalid json then ok", runbook.SectionRollback, []llmtest.Reply{llmtest.OK(`{"triggers": [`)}, runbook.SourceLLM, 2, 2, "not valid JSON", ""},
		{"schema violation then ok", runbook.SectionInternalComms, []llmtest.Reply{llmtest.OK(`{"messages": "none"}`)}, runbook.SourceLLM, 2, 2, "schema: /messages", ""},
		{"safety violation then ok", runbook.SectionRotationSequence, []llmtest.Reply{llmtest.OK(string(unsafe))}, runbook.SourceLLM, 2, 2, "rule revoke-after-verify", ""},
		// A cut-off answer is asked again smaller: in parts.
		// (Risk triage: one item per secret. Audit evidence is one item per
		// control, about every secret at once, so it has nothing to split.)
		{"truncated then ok in parts", runbook.SectionRiskTriage, []llmtest.Reply{{Kind: llmtest.Truncated, Content: answers[schema.Name(runbook.SectionRiskTriage)]}}, runbook.SourceLLM, 1, -3, "parts and rotor merges them", ""},
		{"content filter then ok", runbook.SectionAutomation, []llmtest.Reply{{Kind: llmtest.Filtered}}, runbook.SourceLLM, 2, 2, "filtered", ""},
		{"refusals until fallback", runbook.SectionExternalComms, []llmtest.Reply{{Kind: llmtest.Refusal}, {Kind: llmtest.Refusal}, {Kind: llmtest.Refusal}}, runbook.SourceFallback, 3, 3, "refusal", "still invalid after 3 attempts: refusal"},
		{"schema violations until fallback", runbook.SectionInventory, []llmtest.Reply{llmtest.OK(`{}`), llmtest.OK(`{}`), llmtest.OK(`{}`)}, runbook.SourceFallback, 3, 3, "missing properties", "still invalid after 3 attempts: schema:"},
		{"non-retryable 400 falls back at once", runbook.SectionRiskTriage, []llmtest.Reply{{Kind: llmtest.Status, Status: http.StatusBadRequest}}, runbook.SourceFallback, 1, 1, "", "rejected (HTTP 400)"},
		{"5xx past the retries falls back", runbook.SectionPreflight, []llmtest.Reply{llmtest.ServerError(), llmtest.ServerError(), llmtest.ServerError(), llmtest.ServerError()}, runbook.SourceFallback, 1, 4, "", "unavailable (HTTP 500)"},
		{"long Retry-After falls back instead of waiting", runbook.SectionValidation, []llmtest.Reply{llmtest.RateLimited("3600")}, runbook.SourceFallback, 1, 1, "", "unavailable (HTTP 429)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv, _ := fakeLLM(t, req)
				name := schema.Name(tt.section)
				srv.Script(name, tt.script...)
				rb := generateWith(t, llmService(t, srv, llmOpts{res: llm.Resilience{AttemptTimeout: 300 * time.Millisecond, MaxRetries: 3,
					BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond, BreakerFailures: 1000}}), req)
				st := rb.SectionStatus[tt.section]
				if st.Source != tt.source || st.Attempts != tt.attempts {
					t.Errorf("status %+v, want source %s attempts %d", st, tt.source, tt.attempts)
				}
				if tt.reason != "" && !strings.Contains(st.Reason, tt.reason) {
					t.Errorf("reason %q lacks %q", st.Reason, tt.reason)
				}
				got := srv.RequestsFor(name)
				if len(got) != tt.requests && (tt.requests >= 0 || len(got) < -tt.requests) {
					t.Errorf("%d requests for %s, want %d", len(got), name, tt.requests)
				}
				if tt.reask != "" && (len(got) < 2 || !strings.Contains(got[1].User, tt.reask)) {
					t.Errorf("the reask prompt lacks %q", tt.reask)
				}
				for _, id := range section.IDs() {
					if id != tt.section && rb.SectionStatus[id].Source != runbook.SourceLLM {
						t.Errorf("section %s affected: %+v", id, rb.SectionStatus[id])
					}
				}
			})
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "acme-payments")
		srv, _ := fakeLLM(t, req)
		name := schema.Name(runbook.SectionInventory)
		srv.Script(name, llmtest.Reply{Kind: llmtest.Status, Status: 429, Header: http.Header{"Retry-After-Ms": {"400"}}},
			llmtest.Reply{Kind: llmtest.Status, Status: 429, Header: http.Header{"X-Ratelimit-Reset-Requests": {"300ms"}, "X-Ratelimit-Reset-Tokens": {"50ms"}}})
		rb := generateWith(t, llmService(t, srv, llmOpts{}), req)
		if rb.SectionStatus[runbook.SectionInventory].Source != runbook.SourceLLM {
			t.Fatalf("%+v", rb.SectionStatus[runbook.SectionInventory])
		}
		got := srv.RequestsFor(name)
		if len(got) != 3 {
			t.Fatalf("%d requests", len(got))
		}
		if d := got[1].At.Sub(got[0].At); d < 400*time.Millisecond {
			t.Errorf("retry-after-ms 400 not honoured: retried after %v", d)
		}
		if d := got[2].At.Sub(got[1].At); d < 300*time.Millisecond {
			t.Errorf("x-ratelimit-reset-requests 300ms not honoured: retried after %v", d)
		}
	})
}

func TestCircuitBreakerSendsSectionsStraightToFallback(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "acme-payments")
		srv, _ := fakeLLM(t, req)
		srv.Default(func(string) llmtest.Reply { return llmtest.ServerError() })
		svc := llmService(t, srv, llmOpts{concurrency: 1, res: llm.Resilience{AttemptTimeout: time.Second, MaxRetries: 2,
			BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, BreakerFailures: 3, BreakerDelay: time.Minute}})
		rb := generateWith(t, svc, req)
		open := 0
		for _, id := range section.IDs() {
			st := rb.SectionStatus[id]
			if st.Source != runbook.SourceFallback {
				t.Errorf("%s: %+v", id, st)
			}
			if strings.Contains(st.Reason, "circuit_open") {
				open++
			}
		}
		if open < 8 {
			t.Errorf("%d sections skipped by the open breaker, want at least 8", open)
		}
		if n := len(srv.Requests()); n > 4 {
			t.Errorf("%d requests reached the failing server; the breaker should stop them after 3", n)
		}
	})
}

func TestDeadlineFallsBackWithoutWaiting(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "acme-payments")
		srv, _ := fakeLLM(t, req)
		srv.Default(func(string) llmtest.Reply { return llmtest.Reply{Kind: llmtest.Hang, Delay: time.Minute} })
		svc := llmService(t, srv, llmOpts{deadline: 300 * time.Millisecond, res: llm.Resilience{AttemptTimeout: time.Minute, MaxRetries: 1, BreakerFailures: 1000}})
		start := time.Now()
		rb := generateWith(t, svc, req)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v", d)
		}
		for _, id := range section.IDs() {
			if st := rb.SectionStatus[id]; st.Source != runbook.SourceFallback || !strings.Contains(st.Reason, "deadline") {
				t.Errorf("%s: %+v", id, st)
			}
		}
	})
}

func TestJSONObjectModeSendsTheSchemaInThePrompt(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "minimal")
		srv, _ := fakeLLM(t, req)
		rb := generateWith(t, llmService(t, srv, llmOpts{mode: llm.ModeJSONObject}), req)
		for _, id := range section.IDs() {
			if rb.SectionStatus[id].Source != runbook.SourceLLM {
				t.Errorf("%s: %+v", id, rb.SectionStatus[id])
			}
		}
		for _, r := range srv.Requests() {
			if r.ResponseFormat != "json_object" || !strings.Contains(r.User, `"additionalProperties":false`) {
				t.Errorf("json_object request %+v", r.ResponseFormat)
			}
		}
		// Still validated locally: a schema-violating answer is reasked.
		srv.Reset()
		srv.Script(schema.Name(runbook.SectionRollback), llmtest.OK(`{"triggers": 1}`))
		rb = generateWith(t, llmService(t, srv, llmOpts{mode: llm.ModeJSONObject}), req)
		if st := rb.SectionStatus[runbook.SectionRollback]; st.Attempts != 2 || st.Source != runbook.SourceLLM {
			t.Errorf("rollback %+v", st)
		}
	})
}

func TestWrongAPIKeyFallsBackEverywhere(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "minimal")
		srv, _ := fakeLLM(t, req)
		client, err := openai.New(openai.Config{APIKey: "wrong", BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := prompts.Load(prompts.FS)
		schemas, _ := section.Schemas()
		svc := generate.New(generate.Config{Screener: scanner, Linter: lint.New(scanner), LLM: client, Prompts: p, Schemas: schemas})
		rb := generateWith(t, svc, req)
		for _, id := range section.IDs() {
			if st := rb.SectionStatus[id]; st.Source != runbook.SourceFallback || !strings.Contains(st.Reason, "HTTP 401") {
				t.Errorf("%s: %+v", id, st)
			}
		}
		if len(srv.Requests()) != 0 {
			t.Error("requests with a wrong key must be rejected before they are recorded")
		}
	})
}

// BenchmarkFanOut reports the wall time of an uncached runbook as a multiple
// of the fake LLM's fixed per-call latency, with the default concurrency (10)
// and with concurrency 1.
func BenchmarkFanOut(b *testing.B) {
	const latency = 100 * time.Millisecond
	req := request(b, "acme-payments")
	for _, c := range []int{10, 1} {
		b.Run(map[int]string{10: "concurrency10", 1: "concurrency1"}[c], func(b *testing.B) {
			srv, _ := fakeLLM(b, req)
			srv.Latency = latency
			svc := llmService(b, srv, llmOpts{concurrency: c})
			var total time.Duration
			n := 0
			for b.Loop() {
				start := time.Now()
				rb, err := svc.Generate(context.Background(), req, generate.Options{})
				if err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				n++
				for _, id := range section.IDs() {
					if rb.SectionStatus[id].Source != runbook.SourceLLM {
						b.Fatalf("%s not from the LLM", id)
					}
				}
			}
			b.ReportMetric(float64(total)/float64(n)/float64(latency), "xL")
		})
	}
}

// TestGoodAnswersPassEveryCheck: a model that writes what the facts say (the
// offline writer's sections) passes the schema, facts and lint checks at the
// first attempt for every shipped request, so the checks reject defects, not
// correct answers.
func TestGoodAnswersPassEveryCheck(t *testing.T) {
	files, _ := filepath.Glob("../../eval/requests/*.json")
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				req := request(t, name)
				srv, _ := fakeLLM(t, req)
				rb := generateWith(t, llmService(t, srv, llmOpts{}), req)
				for _, id := range section.IDs() {
					if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM || st.Attempts != 1 {
						t.Errorf("%s: %+v", id, st)
					}
				}
			})
		})
	}
}

// TestRateLimitBurstIsWaitedOut: for its first half second the provider
// answers every call 429 with Retry-After 0.2 s (a rate-limit window, as
// providers count them: by time); with the default retries and breaker (5
// consecutive failures) every section is still written by the model, and
// nothing falls back. (It was ten 429s by count, while all ten calls left at
// once; the first call now goes alone to warm the prompt cache, and would
// take all ten.)
func TestRateLimitBurstIsWaitedOut(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "acme-payments")
		srv, answers := fakeLLM(t, req)
		start := time.Now()
		var mu sync.Mutex
		limited := 0
		srv.DefaultByRequest(func(r llmtest.Recorded) llmtest.Reply {
			mu.Lock()
			defer mu.Unlock()
			if time.Since(start) < 500*time.Millisecond {
				limited++
				return llmtest.RateLimited("0.2")
			}
			return llmtest.OK(answers[r.SchemaName])
		})
		d := llm.DefaultResilience()
		d.BaseDelay, d.MaxDelay = 5*time.Millisecond, 20*time.Millisecond
		rb := generateWith(t, llmService(t, srv, llmOpts{res: d}), req)
		for _, id := range section.IDs() {
			if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
				t.Errorf("%s: %+v", id, st)
			}
		}
		if limited == 0 || rb.Usage.LLMCalls != limited+len(section.All) {
			t.Errorf("llm_calls %d: %d 429s and an answer a section reached the server", rb.Usage.LLMCalls, limited)
		}
	})
}

// TestUnreachableServerIsNoCall: with nothing listening every section falls
// back, and usage says no call was made.
func TestUnreachableServerIsNoCall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "minimal")
		srv, _ := fakeLLM(t, req)
		srv.Close()
		rb := generateWith(t, llmService(t, srv, llmOpts{}), req)
		if rb.Usage.LLMCalls != 0 || rb.Usage.PromptTokens != 0 {
			t.Errorf("usage %+v", rb.Usage)
		}
		for _, id := range section.IDs() {
			if st := rb.SectionStatus[id]; st.Source != runbook.SourceFallback {
				t.Errorf("%s: %+v", id, st)
			}
		}
	})
}
