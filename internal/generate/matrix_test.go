package generate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// matrixRequest is Acme Payments with an instruction planted in a secret's
// notes, as a hostile requester (or a poisoned ticket) would.
func matrixRequest(t testing.TB) (*runbook.Request, []byte) {
	t.Helper()
	req := request(t, "acme-payments")
	req.Secrets[0].Notes = llmtest.Injection
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return req, body
}

// matrixResilience keeps a defective cell fast: one retry, short backoffs
// (Retry-After from the model is 50 ms). Only a slow model's cell has short
// attempts, which its answers (matrixSlow) outlast by far; elsewhere an
// attempt cut short by a loaded machine (the real clock: these replicas
// share a real Redis, outside any synctest bubble) would drop an answer the
// model had already sent and billed, and the usage would miss it.
func matrixResilience(d llmtest.Defect) llm.Resilience {
	attempt := time.Minute
	if d == llmtest.DefectSlow {
		attempt = 400 * time.Millisecond
	}
	return llm.Resilience{AttemptTimeout: attempt, MaxRetries: 1, BaseDelay: 5 * time.Millisecond,
		MaxDelay: 20 * time.Millisecond, BreakerFailures: 1000}
}

// matrixSlow is how late a slow model answers: long after its cell's
// attempts gave up, so no load makes a late answer arrive in time.
const matrixSlow = 5 * time.Second

// TestDefectMatrix runs every defect the model double can seed in every
// section, each through a first request, its repeat, the same request on a
// second replica sharing Redis, a ?sections= subset on that replica, and four
// identical first requests at once over two other replicas. Each
// request must return a runbook (never an error: the HTTP layer would answer
// 500), with no error finding when linted again from scratch, no secret id
// outside the request's, no secret-looking value, and never the defective
// section the model wrote; and its usage is exactly what the model double's
// log says it delivered (fallbacks, reasks and parts included), priced at the
// configured price.
func TestDefectMatrix(t *testing.T) {
	url := redistest.URL(t)
	req, body := matrixRequest(t)
	facts, err := planner.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	probe := llmtest.NewModel()
	if err := probe.Learn(req); err != nil {
		t.Fatal(err)
	}
	correct := correctSections(t, req)
	cells, skipped := 0, []string{}
	for _, d := range append(append([]llmtest.Defect{}, llmtest.ContentDefects...), llmtest.DeliveryDefects...) {
		for _, id := range section.IDs() {
			content := isContent(d)
			if content {
				if _, ok := llmtest.Mutate(d, id, correct, probe.Secret()); !ok {
					skipped = append(skipped, fmt.Sprintf("%s×%s", d, id))
					continue
				}
			}
			cells++
			t.Run(string(d)+"/"+string(id), func(t *testing.T) {
				model := llmtest.NewModel()
				model.RetryAfter, model.SlowDelay = "0.05", matrixSlow
				if err := model.Learn(req); err != nil {
					t.Fatal(err)
				}
				model.Seed(llmtest.Always(id, d))
				srv := llmtest.NewInMemory(testKey)
				t.Cleanup(srv.Close)
				srv.DefaultByRequest(model.Reply)
				prefix := redistest.Prefix(t)
				a, _ := replica(t, srv, url, prefix, cached{res: matrixResilience(d)})
				b, _ := replica(t, srv, url, prefix, cached{res: matrixResilience(d)})
				subset := []runbook.SectionID{id, runbook.SectionAutomation}
				if id == runbook.SectionAutomation {
					subset = []runbook.SectionID{runbook.SectionAuditEvidence, id}
				}
				// In a slow model's cell every attempt has 400 ms, and on a
				// loaded machine an ordinary answer can leave the model as
				// its attempt gives up: whether the client read it is a race
				// neither side can settle. Only such an answer (sent at least
				// half an attempt after its request arrived) may be missing
				// from the usage; every earlier one must be in it.
				var racing time.Duration
				if d == llmtest.DefectSlow {
					racing = matrixResilience(d).AttemptTimeout / 2
				}
				runs := []struct {
					name     string
					svc      *generate.Service
					sections []runbook.SectionID
				}{{"first", a, nil}, {"repeat", a, nil}, {"replica", b, nil}, {"subset", b, subset}}
				serve := func(name string, svc *generate.Service, sections []runbook.SectionID) runbook.Usage {
					resp, err := svc.Respond(context.Background(), body, generate.Options{Sections: sections})
					if err != nil {
						t.Errorf("%s: %v (code %s)", name, err, runbook.ErrorCode(err))
						return runbook.Usage{}
					}
					rb, err := resp.Decoded()
					if err != nil {
						t.Errorf("%s: %v", name, err)
						return runbook.Usage{}
					}
					checkServed(t, name, rb, resp.JSON, facts, model, id, d)
					return rb.Usage
				}
				for _, r := range runs {
					before := len(srv.Settled())
					checkUsage(t, r.name, serve(r.name, r.svc, r.sections), srv.Settled()[before:], racing)
				}
				// Four identical first requests at once over two fresh
				// replicas sharing another Redis namespace.
				other := redistest.Prefix(t)
				c, _ := replica(t, srv, url, other, cached{res: matrixResilience(d)})
				e, _ := replica(t, srv, url, other, cached{res: matrixResilience(d)})
				var wg sync.WaitGroup
				before := len(srv.Settled())
				usages := make([]runbook.Usage, 4)
				for i, svc := range []*generate.Service{c, e, c, e} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						usages[i] = serve(fmt.Sprintf("concurrent #%d", i+1), svc, nil)
					}()
				}
				wg.Wait()
				// Identical work is paid for once, by whichever request
				// wrote it: the four runbooks' usage adds up to the log.
				var sum runbook.Usage
				for _, u := range usages {
					sum = addUsage(sum, u)
				}
				// The log once every handler is done: an attempt the
				// client gave up on (its 400 ms timeout, which a loaded
				// machine trips) is logged, and known as undelivered, only
				// when its handler ends (usage 13 calls against a log of 12
				// on a loaded CI run).
				checkUsage(t, "concurrent", sum, srv.Settled()[before:], racing)
			})
		}
	}
	t.Logf("%d cells run (×8 requests each); not applicable: %s", cells, strings.Join(skipped, ", "))
}

// logUsage is what the model double's log says it delivered: every request
// it received is a call; the tokens are those of the answers that reached
// the client (a status, a dropped connection or an answer the client gave
// up waiting for carries no usage), except those in unread: answers the
// client may not have read (see checkUsage), still counted as calls.
func logUsage(reqs []llmtest.Recorded, unread map[int]bool) runbook.Usage {
	var u runbook.Usage
	price := llm.DefaultPrices()["gpt-4o-mini"]
	for i, r := range reqs {
		u.LLMCalls++
		if !r.Billed() || unread[i] {
			continue
		}
		c := llm.Priced(llm.Usage{PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens, CachedPromptTokens: r.CachedTokens},
			map[string]llm.Price{"m": price}, "m")
		u = addUsage(u, runbook.Usage{PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens, CachedPromptTokens: r.CachedTokens,
			CostUSD: c.CostUSD})
	}
	return u
}

func addUsage(a, b runbook.Usage) runbook.Usage {
	return runbook.Usage{LLMCalls: a.LLMCalls + b.LLMCalls, PromptTokens: a.PromptTokens + b.PromptTokens,
		CompletionTokens: a.CompletionTokens + b.CompletionTokens, CachedPromptTokens: a.CachedPromptTokens + b.CachedPromptTokens,
		CostUSD: a.CostUSD + b.CostUSD}
}

// checkUsage compares a runbook's usage (calls, tokens, cost) with the log
// of the requests it made. With racing > 0, an answer the model sent at
// least racing after its request arrived raced the client's attempt timeout:
// the usage may leave out any set of those (and nothing else).
func checkUsage(t *testing.T, run string, got runbook.Usage, reqs []llmtest.Recorded, racing time.Duration) {
	t.Helper()
	var late []int
	if racing > 0 {
		for i, r := range reqs {
			if r.Billed() && r.DeliveredAt.Sub(r.At) >= racing {
				late = append(late, i)
			}
		}
	}
	want := logUsage(reqs, nil)
	for mask := 0; mask < 1<<min(len(late), 12); mask++ {
		unread := map[int]bool{}
		for b, i := range late[:min(len(late), 12)] {
			if mask&(1<<b) != 0 {
				unread[i] = true
			}
		}
		if w := logUsage(reqs, unread); sameUsage(got, w) {
			if mask != 0 {
				t.Logf("%s: %d of %d late answers (sent %v or more after their request) not read by the client", run, len(unread), len(late), racing)
			}
			return
		}
	}
	t.Errorf("%s: usage %d calls, %d prompt (%d cached), %d completion tokens, $%.6f; the model's log: %d calls, %d prompt (%d cached), %d completion, $%.6f (%d late answers may be left out)",
		run, got.LLMCalls, got.PromptTokens, got.CachedPromptTokens, got.CompletionTokens, got.CostUSD,
		want.LLMCalls, want.PromptTokens, want.CachedPromptTokens, want.CompletionTokens, want.CostUSD, len(late))
}

func sameUsage(got, want runbook.Usage) bool {
	return got.LLMCalls == want.LLMCalls && got.PromptTokens == want.PromptTokens && got.CompletionTokens == want.CompletionTokens &&
		got.CachedPromptTokens == want.CachedPromptTokens && math.Abs(got.CostUSD-want.CostUSD) <= 1e-9*max(1, want.CostUSD)
}

func isContent(d llmtest.Defect) bool {
	for _, c := range llmtest.ContentDefects {
		if c == d {
			return true
		}
	}
	return false
}

func correctSections(t testing.TB, req *runbook.Request) *runbook.Sections {
	t.Helper()
	var s runbook.Sections
	for name, js := range goodAnswers(t, req) {
		for _, id := range section.IDs() {
			if schema.Name(id) == name {
				if err := section.Must(id).Decode([]byte(js), &s); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return &s
}

// checkServed asserts what a served runbook must never carry.
func checkServed(t *testing.T, run string, rb *runbook.Runbook, raw []byte, facts *planner.Facts, model *llmtest.Model, id runbook.SectionID, d llmtest.Defect) {
	t.Helper()
	if errs := lint.Errors(rb.Findings); len(errs) > 0 {
		t.Errorf("%s: served with error findings: %+v", run, errs)
	}
	complete := true
	for _, sid := range section.IDs() {
		complete = complete && section.Must(sid).Present(&rb.Sections)
	}
	if complete {
		if errs := lint.Errors(lint.New(scanner).Lint(rb)); len(errs) > 0 {
			t.Errorf("%s: linted again, the served runbook has errors: %+v", run, errs)
		}
	}
	foreign, err := llmtest.ForeignSecretIDs(raw, facts)
	if err != nil {
		t.Fatalf("%s: %v", run, err)
	}
	for _, bad := range foreign {
		t.Errorf("%s: served secret id %q is not one of the request's", run, bad)
	}
	if strings.Contains(string(raw), model.Secret()) {
		i := strings.Index(string(raw), model.Secret())
		t.Errorf("%s: the secret-looking value was served: %.200q", run, string(raw)[max(0, i-150):i])
	}
	served, _ := section.Must(id).Encode(&rb.Sections)
	for _, s := range model.Defective() {
		if s.SchemaName != schema.Name(id) || !section.Must(id).Present(&rb.Sections) {
			continue
		}
		if bad, _ := json.Marshal(s.Section); string(bad) == string(served) {
			t.Errorf("%s: the %s answer for %s was served (status %+v)", run, d, id, rb.SectionStatus[id])
		}
	}
	if isContent(d) && section.Must(id).Present(&rb.Sections) {
		if st := rb.SectionStatus[id]; st.Source != runbook.SourceFallback {
			t.Errorf("%s: %s always answers with %s, yet the section is marked %+v", run, id, d, st)
		}
	}
}
