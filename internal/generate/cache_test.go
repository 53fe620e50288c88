package generate_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store"
	"github.com/rotor-dev/rotor/internal/store/redistest"
	"github.com/rotor-dev/rotor/prompts"
)

// cached is one rotor replica wired to a shared Redis namespace.
type cached struct {
	model   string
	prompts *prompts.Set
	mode    string
	lockTTL time.Duration
	wait    time.Duration
	// res tunes the LLM client (default: 5s attempts, one retry).
	res llm.Resilience
}

func replica(t testing.TB, srv *llmtest.Server, url, prefix string, o cached) (*generate.Service, *store.Redis) {
	t.Helper()
	if o.model == "" {
		o.model = "gpt-4o-mini"
	}
	if o.prompts == nil {
		p, err := prompts.Load(prompts.FS)
		if err != nil {
			t.Fatal(err)
		}
		o.prompts = p
	}
	if o.res == (llm.Resilience{}) {
		o.res = llm.Resilience{AttemptTimeout: 5 * time.Second, MaxRetries: 1, BreakerFailures: 1000}
	}
	client, err := openai.New(openai.Config{APIKey: testKey, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: o.model, Mode: o.mode, Resilience: o.res})
	if err != nil {
		t.Fatal(err)
	}
	schemas, _ := section.Schemas()
	// A Redis timeout would make a replica write without coordination, and
	// pay for a section twice: the test store's is long.
	r := redistest.Store(t, url, prefix)
	svc := generate.New(generate.Config{Screener: scanner, Linter: lint.New(scanner), LLM: client, Prompts: o.prompts, Schemas: schemas,
		Endpoint: srv.BaseURL(), CodeVersion: "test",
		Cache: generate.CacheConfig{Cache: store.NewTiered(r, store.NewMemory(8<<20), nil), Locker: r, LockTTL: o.lockTTL, LockWait: o.wait, PollInterval: 20 * time.Millisecond}})
	return svc, r
}

func gen(t testing.TB, svc *generate.Service, req *runbook.Request) *runbook.Runbook {
	t.Helper()
	rb, err := svc.Generate(context.Background(), req, generate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if lint.HasErrors(rb.Findings) {
		t.Errorf("error findings: %+v", rb.Findings)
	}
	return rb
}

func TestRepeatedRequestMakesNoLLMCall(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	req := request(t, "acme-payments")
	srv, _ := fakeLLM(t, req)
	svc, _ := replica(t, srv, url, prefix, cached{})
	first := gen(t, svc, req)
	if first.Usage.LLMCalls != 10 || first.Usage.CacheHits != 0 {
		t.Fatalf("first: %+v", first.Usage)
	}
	// A second replica (a fresh process) reads the same Redis.
	other, _ := replica(t, srv, url, prefix, cached{})
	second := gen(t, other, req)
	if second.Usage.LLMCalls != 0 || second.Usage.CacheHits != 10 || second.Usage.PromptTokens != 0 {
		t.Errorf("second: %+v", second.Usage)
	}
	for _, id := range section.IDs() {
		if st := second.SectionStatus[id]; st.Source != runbook.SourceCache {
			t.Errorf("%s: %+v", id, st)
		}
	}
	if n := len(srv.Requests()); n != 10 {
		t.Errorf("%d LLM requests in all, want 10", n)
	}
}

func TestCacheKeysFollowTheirInputs(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	req := request(t, "acme-payments")
	srv, _ := fakeLLM(t, req)
	svc, _ := replica(t, srv, url, prefix, cached{})
	gen(t, svc, req)
	calls := func(f func()) map[string]int {
		srv.Reset()
		f()
		out := map[string]int{}
		for _, r := range srv.Requests() {
			out[strings.TrimPrefix(r.SchemaName, "rotor_")]++
		}
		return out
	}

	// Every section's prompt carries the whole data block (so the ten calls
	// share one cacheable prefix): an owner's name regenerates all of them.
	edited := request(t, "acme-payments")
	edited.Secrets[1].Owner = "Lifecycle Team"
	srv.Default(func(name string) llmtest.Reply { return llmtest.OK(goodAnswers(t, edited)[name]) })
	if got := calls(func() { gen(t, svc, edited) }); len(got) != 10 {
		t.Errorf("owner edit regenerated %v", got)
	}
	answers := goodAnswers(t, req)
	srv.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })

	// Another model invalidates every section.
	other, _ := replica(t, srv, url, prefix, cached{model: "gpt-4.1-mini"})
	if got := calls(func() { gen(t, other, req) }); len(got) != 10 {
		t.Errorf("model change regenerated %v", got)
	}

	// An edited section template invalidates that section; an edited system
	// prompt invalidates all of them.
	edit := func(file string) *prompts.Set {
		m, err := prompts.EditableCopy()
		if err != nil {
			t.Fatal(err)
		}
		m[file].Data = append(m[file].Data, []byte("\nBe brief.\n")...)
		p, err := prompts.Load(m)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	rollbackEdited, _ := replica(t, srv, url, prefix, cached{prompts: edit("sections/rollback.tmpl")})
	if got := calls(func() { gen(t, rollbackEdited, req) }); !equalCounts(got, map[string]int{"rollback": 1}) {
		t.Errorf("rollback template edit regenerated %v", got)
	}
	systemEdited, _ := replica(t, srv, url, prefix, cached{prompts: edit("system.tmpl")})
	if got := calls(func() { gen(t, systemEdited, req) }); len(got) != 10 {
		t.Errorf("system prompt edit regenerated %v", got)
	}
	// And the original still hits.
	if got := calls(func() { gen(t, svc, req) }); len(got) != 0 {
		t.Errorf("unchanged inputs regenerated %v", got)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestWhatIsCached(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	req := request(t, "acme-payments")
	srv, _ := fakeLLM(t, req)
	// Rollback refuses three times: the refusals are never cached, the
	// fallback is, for the short TTL.
	srv.Script(schema.Name(runbook.SectionRollback), llmtest.Reply{Kind: llmtest.Refusal}, llmtest.Reply{Kind: llmtest.Refusal}, llmtest.Reply{Kind: llmtest.Refusal})
	svc, _ := replica(t, srv, url, prefix, cached{})
	first := gen(t, svc, req)
	if first.SectionStatus[runbook.SectionRollback].Source != runbook.SourceFallback {
		t.Fatalf("%+v", first.SectionStatus[runbook.SectionRollback])
	}
	raw := redistest.Client(t, url)
	ctx := context.Background()
	keys := raw.Keys(ctx, prefix+"section:*").Val()
	if len(keys) != 10 {
		t.Fatalf("%d section keys", len(keys))
	}
	for _, k := range keys {
		ttl := raw.PTTL(ctx, k).Val()
		val := raw.Get(ctx, k).Val()
		switch {
		case strings.Contains(k, ":rollback:"):
			if ttl > 10*time.Minute || !strings.Contains(val, `"source":"fallback"`) || strings.Contains(val, "sorry") {
				t.Errorf("fallback entry ttl %v: %.120s", ttl, val)
			}
		default:
			if ttl < 24*time.Hour || !strings.Contains(val, `"source":"llm"`) {
				t.Errorf("%s ttl %v", k, ttl)
			}
		}
		if strings.Contains(val, "\n") {
			t.Errorf("%s is not compact JSON", k)
		}
	}
	// The cached fallback is served without calling the LLM again.
	srv.Reset()
	second := gen(t, svc, req)
	st := second.SectionStatus[runbook.SectionRollback]
	if st.Source != runbook.SourceFallback || !strings.HasPrefix(st.Reason, "cached fallback:") || len(srv.Requests()) != 0 {
		t.Errorf("second rollback %+v, %d requests", st, len(srv.Requests()))
	}

	// A corrupt value is a miss: the section is written again, no error.
	for _, k := range keys {
		if strings.Contains(k, ":inventory:") {
			raw.Set(ctx, k, "{not json", time.Hour)
		}
	}
	other, _ := replica(t, srv, url, prefix, cached{})
	srv.Reset()
	third := gen(t, other, req)
	if third.SectionStatus[runbook.SectionInventory].Source != runbook.SourceLLM || len(srv.RequestsFor(schema.Name(runbook.SectionInventory))) != 1 {
		t.Errorf("corrupt entry: %+v", third.SectionStatus[runbook.SectionInventory])
	}
}

func TestConcurrentIdenticalRequestsShareOneGeneration(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	req := request(t, "acme-payments")
	srv, _ := fakeLLM(t, req)
	srv.Latency = 300 * time.Millisecond
	a, _ := replica(t, srv, url, prefix, cached{})
	b, _ := replica(t, srv, url, prefix, cached{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var paid, hits int
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := a
			if i%2 == 1 {
				svc = b
			}
			rb := gen(t, svc, req)
			mu.Lock()
			paid += rb.Usage.LLMCalls
			hits += rb.Usage.CacheHits
			mu.Unlock()
		}()
	}
	wg.Wait()
	if n := len(srv.Requests()); n != 10 {
		t.Errorf("%d LLM calls for 20 identical requests over 2 replicas, want 10 (one request's worth)", n)
	}
	if paid != 10 || hits != 190 {
		t.Errorf("usage says %d calls paid and %d hits", paid, hits)
	}
}

func TestDeadHolderIsTakenOverAndWaitIsBounded(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	req := request(t, "minimal")
	srv, _ := fakeLLM(t, req)
	svc, r := replica(t, srv, url, prefix, cached{lockTTL: 400 * time.Millisecond, wait: 5 * time.Second})
	// Another replica took every section's lock and died (no renewal).

	keys := sectionKeys(t, svc, req)
	for _, k := range keys {
		if _, ok, err := r.TryLock(context.Background(), k, 400*time.Millisecond); !ok || err != nil {
			t.Fatalf("lock %s: %v %v", k, ok, err)
		}
	}
	start := time.Now()
	rb := gen(t, svc, req)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("did not wait for the holder: %v", d)
	}
	for _, id := range section.IDs() {
		if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
			t.Errorf("%s: %+v", id, st)
		}
	}

	// A holder that never finishes but keeps its lock alive: the waiter gives
	// up after its bounded wait and writes the section itself.
	srv2, _ := fakeLLM(t, req)
	svc2, r2 := replica(t, srv2, url, redistest.Prefix(t), cached{lockTTL: 10 * time.Second, wait: 500 * time.Millisecond})
	keys = sectionKeys(t, svc2, req)
	for _, k := range keys {
		if _, ok, _ := r2.TryLock(context.Background(), k, time.Minute); !ok {
			t.Fatal("lock")
		}
	}
	start = time.Now()
	rb = gen(t, svc2, req)
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("gave up after %v, before its 500ms wait", d)
	}
	// It did not wait for the holder's lock to expire: the lock still
	// stands.
	if _, ok, _ := r2.TryLock(context.Background(), keys[0], time.Minute); ok {
		t.Error("the waiter outwaited the holder's one-minute lock")
	}
	if rb.SectionStatus[runbook.SectionInventory].Source != runbook.SourceLLM {
		t.Errorf("%+v", rb.SectionStatus[runbook.SectionInventory])
	}
}

func TestRedisDownStillServes(t *testing.T) {
	redisSrv := redistest.Start(t)
	req := request(t, "minimal")
	srv, _ := fakeLLM(t, req)
	svc, _ := replica(t, srv, redisSrv.URL, "rotor:v1:", cached{})
	redisSrv.Kill()
	rb := gen(t, svc, req)
	for _, id := range section.IDs() {
		if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
			t.Errorf("%s: %+v", id, st)
		}
	}
	// The in-process layer still saves a repeat from paying again.
	srv.Reset()
	gen(t, svc, req)
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d calls on a repeat with Redis down", n)
	}
}

func sectionKeys(t *testing.T, svc *generate.Service, req *runbook.Request) []string {
	t.Helper()
	keys, err := svc.SectionKeys(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestResponseCache(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	req := request(t, "acme-payments")
	srv, _ := fakeLLM(t, req)
	svc, _ := replica(t, srv, url, prefix, cached{})
	body, _ := os.ReadFile("../../eval/requests/acme-payments.json")
	ctx := context.Background()
	first, err := svc.Respond(ctx, body, generate.Options{})
	if err != nil || first.Runbook == nil {
		t.Fatalf("%v", err)
	}
	other, _ := replica(t, srv, url, prefix, cached{})
	srv.Reset()
	second, err := other.Respond(ctx, body, generate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if second.Runbook != nil || second.ID != first.ID || len(srv.Requests()) != 0 {
		t.Fatalf("not served from the response cache: %v %s", second.Runbook != nil, second.ID)
	}
	rb, err := second.Decoded()
	if err != nil || rb.Usage.CacheHits != 10 || rb.SectionStatus[runbook.SectionRollback].Source != runbook.SourceCache {
		t.Errorf("%+v %v", rb.Usage, err)
	}
	// A different subset, or one byte more, is another response.
	sub, _ := other.Respond(ctx, body, generate.Options{Sections: []runbook.SectionID{runbook.SectionInventory}})
	if sub.Runbook == nil {
		t.Error("a subset must not be served the full cached response")
	}
	// A damaged entry is a miss: the runbook is generated again.
	raw := redistest.Client(t, url)
	for _, k := range raw.Keys(ctx, prefix+"response:*").Val() {
		v := raw.Get(ctx, k).Val()
		raw.Set(ctx, k, v[:len(v)-10], time.Hour)
	}
	third, _ := replica(t, srv, url, prefix, cached{})
	again, err := third.Respond(ctx, body, generate.Options{})
	if err != nil || again.Runbook == nil {
		t.Errorf("damaged entry served: %v", err)
	}
	// Bad input is never cached.
	if _, err := svc.Respond(ctx, []byte(`{"system":"x"}`), generate.Options{}); runbook.ErrorCode(err) != runbook.CodeInvalid {
		t.Errorf("%v", err)
	}
}

// TestPoisonedCacheIsEvicted: a section cached by an older release (or a bad
// write) that breaks the checks is never served: it is evicted, the model is
// asked again, and the fresh answer is cached in its place.
func TestPoisonedCacheIsEvicted(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	req := request(t, "acme-payments")
	srv, answers := fakeLLM(t, req)
	svc, _ := replica(t, srv, url, prefix, cached{})
	raw := redistest.Client(t, url)
	ctx := context.Background()
	keys := sectionKeys(t, svc, req)
	poison := map[runbook.SectionID]string{
		// An invented secret id: only the whole-runbook rule sees it.
		runbook.SectionAutomation: strings.Replace(answers[schema.Name(runbook.SectionAutomation)], `"secret_ids":[`, `"secret_ids":["stripe-api-key-legacy",`, 1),
		// A dropped consumer: a facts check this release added.
		runbook.SectionInventory: dropFirstDependency(t, answers[schema.Name(runbook.SectionInventory)]),
	}
	for i, id := range section.IDs() {
		if bad, ok := poison[id]; ok {
			raw.Set(ctx, prefix+keys[i], `{"source":"llm","attempts":1,"section":`+bad+`}`, time.Hour)
		}
	}
	rb := gen(t, svc, req)
	for id := range poison {
		if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
			t.Errorf("%s: %+v: the poisoned entry must be replaced by a fresh answer", id, st)
		}
		if n := len(srv.RequestsFor(schema.Name(id))); n != 1 {
			t.Errorf("%s: %d calls", id, n)
		}
	}
	if strings.Contains(fmt.Sprint(rb.Sections.Automation), "legacy") {
		t.Error("the poisoned automation section was served")
	}
	for i, id := range section.IDs() {
		if _, ok := poison[id]; ok {
			if v := raw.Get(ctx, prefix+keys[i]).Val(); strings.Contains(v, "legacy") || !strings.Contains(v, `"source":"llm"`) {
				t.Errorf("%s: cache holds %.100s", id, v)
			}
		}
	}
}

func dropFirstDependency(t *testing.T, inventory string) string {
	t.Helper()
	var inv runbook.Inventory
	if err := json.Unmarshal([]byte(inventory), &inv); err != nil {
		t.Fatal(err)
	}
	inv.Dependencies = inv.Dependencies[1:]
	b, _ := json.Marshal(inv)
	return string(b)
}
