package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
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
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

// scanner is built once per test process, by TestMain: outside any
// synctest bubble, so every test can share it.
var scanner *secretscan.Scanner

func TestMain(m *testing.M) {
	var err error
	if scanner, err = secretscan.New(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func scan(testing.TB) *secretscan.Scanner { return scanner }

func cases(t testing.TB) []*Case {
	t.Helper()
	cs, err := LoadCases("cases")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) < 9 {
		t.Fatalf("%d cases", len(cs))
	}
	return cs
}

func offlineRunner(t testing.TB, gen Generator) *Runner {
	t.Helper()
	s := scan(t)
	if gen == nil {
		gen = generate.New(generate.Config{Screener: s, Linter: lint.New(s)})
	}
	return NewRunner(Config{Generator: gen, Linter: lint.New(s), Provider: "offline"})
}

// TestShippedCasesPassOffline runs on the bubble's clock: a case's
// max_latency_ms holds however loaded the machine.
func TestShippedCasesPassOffline(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testShippedCasesPassOffline)
}

func testShippedCasesPassOffline(t *testing.T) {
	rep := offlineRunner(t, nil).Run(context.Background(), cases(t))
	for _, c := range rep.Cases {
		if !c.Passed {
			for _, a := range c.Assertions {
				if !a.Passed {
					t.Errorf("%s: %s: expected %s, found %s", c.Name, a.Label, a.Expected, a.Found)
				}
			}
		}
	}
	if rep.Summary.Skipped == 0 {
		t.Error("rubric assertions must be reported as skipped without an LLM")
	}
	for _, c := range rep.Cases {
		for _, a := range c.Assertions {
			if a.Type == "rubric" && (!a.Skipped || !strings.Contains(a.Found, "skipped")) {
				t.Errorf("%s: rubric not skipped: %+v", c.Name, a)
			}
		}
	}
}

// answersFor answers every case's sections like a good model would: with the
// offline writer's sections for that request (recognised by its system name
// in the data block), and the judge with a passing verdict.
func answersFor(t testing.TB, cs []*Case) func(llmtest.Recorded) llmtest.Reply {
	t.Helper()
	bySystem := map[string]map[string]string{}
	for _, c := range cs {
		m, err := llmtest.OfflineAnswers(c.Request)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := bySystem[c.Request.System]; dup {
			t.Fatalf("two shipped cases share the system name %q: the fake model tells requests apart by it; rename one", c.Request.System)
		}
		bySystem[c.Request.System] = m
	}
	return func(r llmtest.Recorded) llmtest.Reply {
		if r.SchemaName == "rotor_judge" {
			return llmtest.OK(`{"score": 9, "reasons": ["every consumer is rolled and checked", "revocation follows production verification"]}`)
		}
		for sys, m := range bySystem {
			if llmtest.DataSystem(r.User) == sys {
				return llmtest.OK(m[r.SchemaName])
			}
		}
		return llmtest.OK("{}")
	}
}

func llmRunner(t testing.TB, transport http.RoundTripper, baseURL string, p *prompts.Set) *Runner {
	t.Helper()
	s := scan(t)
	client, err := openai.New(openai.Config{APIKey: "sk-fake", BaseURL: baseURL, Model: "gpt-4o-mini", Transport: transport,
		Resilience: llm.Resilience{MaxRetries: -1, AttemptTimeout: 5 * time.Second, BreakerFailures: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if p == nil {
		if p, err = prompts.Load(prompts.FS); err != nil {
			t.Fatal(err)
		}
	}
	schemas, _ := section.Schemas()
	judge, err := NewLLMJudge(client, "")
	if err != nil {
		t.Fatal(err)
	}
	gen := generate.New(generate.Config{Screener: s, Linter: lint.New(s), LLM: client, Prompts: p, Schemas: schemas})
	return NewRunner(Config{Generator: gen, Linter: lint.New(s), Judge: judge, Provider: "openai", Model: "gpt-4o-mini", Concurrency: 3})
}

func TestShippedCasesPassWithTheFakeLLM(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testShippedCasesPassWithTheFakeLLM)
}

func testShippedCasesPassWithTheFakeLLM(t *testing.T) {
	cs := cases(t)
	srv := llmtest.NewInMemory("sk-fake")
	defer srv.Close()
	srv.DefaultByRequest(answersFor(t, cs))
	rep := llmRunner(t, srv.Transport(), srv.BaseURL(), nil).Run(context.Background(), cs)
	if rep.Summary.Failed != 0 || rep.Summary.Skipped != 0 {
		for _, c := range rep.Cases {
			for _, a := range c.Assertions {
				if !a.Passed {
					t.Errorf("%s: %s: expected %s, found %s", c.Name, a.Label, a.Expected, a.Found)
				}
			}
		}
		t.Fatalf("summary %+v", rep.Summary)
	}
	if rep.Summary.LLMCalls == 0 || rep.Summary.CostUSD == 0 {
		t.Errorf("summary %+v", rep.Summary)
	}
}

// brokenPlanner writes runbooks from facts where one rule is broken: Postgres
// passwords get a hard cutover instead of alternating users.
type brokenPlanner struct{}

func (brokenPlanner) Generate(_ context.Context, req *runbook.Request, _ generate.Options) (*runbook.Runbook, error) {
	f, err := planner.Plan(req)
	if err != nil {
		return nil, err
	}
	for i := range f.Secrets {
		if f.Secrets[i].Provider == "postgres" {
			f.Secrets[i].Strategy = runbook.StrategyHardCutover
		}
	}
	rb := &runbook.Runbook{ID: "rb_broken", System: f.System, Trigger: f.Trigger, SectionStatus: map[runbook.SectionID]runbook.SectionStatus{}}
	rb.Sections = *section.Offline(f)
	return rb, nil
}

func TestBrokenPlannerRuleIsCaught(t *testing.T) {
	rep := offlineRunner(t, brokenPlanner{}).Run(context.Background(), cases(t))
	var acme CaseResult
	for _, c := range rep.Cases {
		if c.Name == "acme-payments" {
			acme = c
		}
	}
	if acme.Passed {
		t.Fatal("the acme case did not catch Postgres losing alternating users")
	}
	found := false
	for _, a := range acme.Assertions {
		if a.Type == "strategy" && strings.Contains(a.Label, "Postgres") && !a.Passed && a.Found == "hard_cutover" && a.Expected == "alternating_users" {
			found = true
		}
	}
	if !found {
		t.Errorf("no failing strategy assertion naming expected and found: %+v", acme.Assertions)
	}
}

func TestBaselineRegressionIsReported(t *testing.T) {
	cs := cases(t)
	good := offlineRunner(t, nil).Run(context.Background(), cs)
	bad := offlineRunner(t, brokenPlanner{}).Run(context.Background(), cs)
	if regs, _ := Compare(good, good); len(regs) != 0 {
		t.Errorf("a run against itself: %+v", regs)
	}
	regs, _ := Compare(good, bad)
	if len(regs) == 0 {
		t.Fatal("no regression found")
	}
	var buf bytes.Buffer
	bad.WriteTable(&buf, regs, "baseline.json")
	out := buf.String()
	for _, want := range []string{"regression(s) against baseline.json", "CASE", "BASELINE", "NOW",
		"acme-payments", "strategy Postgres app password alternating_users", "pass (alternating_users)", "FAIL (hard_cutover)", "score"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	var md bytes.Buffer
	bad.WriteMarkdown(&md, regs, "baseline.json")
	if !strings.Contains(md.String(), "| acme-payments | strategy Postgres app password alternating_users | pass (alternating_users) | FAIL (hard_cutover) |") {
		t.Errorf("markdown diff:\n%s", md.String())
	}
}

// flaky alternates between the real pipeline and the broken planner.
type flaky struct {
	mu   sync.Mutex
	n    int
	good Generator
}

func (f *flaky) Generate(ctx context.Context, req *runbook.Request, o generate.Options) (*runbook.Runbook, error) {
	f.mu.Lock()
	f.n++
	odd := f.n%2 == 1
	f.mu.Unlock()
	if odd {
		return f.good.Generate(ctx, req, o)
	}
	return brokenPlanner{}.Generate(ctx, req, o)
}

func TestRepeatReportsPassRates(t *testing.T) {
	s := scan(t)
	gen := &flaky{good: generate.New(generate.Config{Screener: s, Linter: lint.New(s)})}
	r := NewRunner(Config{Generator: gen, Linter: lint.New(s), Repeat: 4})
	cs, _ := LoadCases("cases/acme-payments.yaml")
	rep := r.Run(context.Background(), cs)
	c := rep.Cases[0]
	if c.Passed {
		t.Fatal("a case failing half its runs passed")
	}
	for _, a := range c.Assertions {
		if a.Label == "strategy Postgres app password alternating_users" && (a.PassRate != 0.5 || a.Passed) {
			t.Errorf("pass rate %v", a.PassRate)
		}
		if a.Label == "strategy SendGrid API key dual_credential" && a.PassRate != 1 {
			t.Errorf("stable assertion pass rate %v", a.PassRate)
		}
	}
	if c.Score <= 0.5 || c.Score >= 1 {
		t.Errorf("score %v", c.Score)
	}
}

func TestRecordThenReplayReproducesTheRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) { testRecordThenReplayReproducesTheRun(t, dir) })
}

func testRecordThenReplayReproducesTheRun(t *testing.T, dir string) {
	cs := cases(t)[:3]
	srv := llmtest.NewInMemory("sk-fake")
	srv.DefaultByRequest(answersFor(t, cs))
	rec, err := NewRecorder(dir, srv.Transport())
	if err != nil {
		t.Fatal(err)
	}
	recorded := llmRunner(t, rec, srv.BaseURL(), nil).Run(context.Background(), cs)
	baseURL := srv.BaseURL()
	srv.Close() // replay must not need the network
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("nothing recorded")
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if strings.Contains(string(data), "sk-fake") {
			t.Fatal("the API key was recorded")
		}
	}
	rp, err := NewReplayer(dir)
	if err != nil {
		t.Fatal(err)
	}
	replayed := llmRunner(t, rp, baseURL, nil).Run(context.Background(), cs)
	if misses := rp.Misses(); len(misses) != 0 {
		t.Fatalf("misses %v", misses)
	}
	for i := range cs {
		a, b := recorded.Cases[i], replayed.Cases[i]
		if a.Passed != b.Passed || a.Score != b.Score || a.LLMCalls != b.LLMCalls || len(a.Assertions) != len(b.Assertions) {
			t.Errorf("%s: recorded %+v, replayed %+v", a.Name, a, b)
		}
		for j := range a.Assertions {
			if a.Assertions[j].Found != b.Assertions[j].Found && a.Assertions[j].Type != "max_latency_ms" {
				t.Errorf("%s %s: %q vs %q", a.Name, a.Assertions[j].Label, a.Assertions[j].Found, b.Assertions[j].Found)
			}
		}
	}

	// An edited prompt no longer matches the recordings: reported as such.
	m, err := prompts.EditableCopy()
	if err != nil {
		t.Fatal(err)
	}
	m["sections/rollback.tmpl"].Data = append(m["sections/rollback.tmpl"].Data, []byte("Be brief.")...)
	edited, _ := prompts.Load(m)
	rp2, _ := NewReplayer(dir)
	llmRunner(t, rp2, baseURL, edited).Run(context.Background(), cs)
	misses := rp2.Misses()
	if len(misses) != 1 || !strings.HasPrefix(misses[0], "rotor_rollback ×") {
		t.Errorf("misses %v, want only the rollback section", misses)
	}
}

func TestCaseFilesAreChecked(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := map[string]string{
		"unknown type":     "request: {system: s, secrets: [{name: a}]}\nassertions: [{type: vibes}]\n",
		"bad regex":        "request: {system: s, secrets: [{name: a}]}\nassertions: [{type: contains, pattern: '('}]\n",
		"no request":       "assertions: [{type: no_lint_errors}]\n",
		"unknown field":    "request: {system: s, secrets: [{name: a}]}\nassertions: [{type: no_lint_errors, colour: red}]\n",
		"invalid request":  "request: {system: s, secrets: [{name: a, kind: apikey}]}\nassertions: [{type: no_lint_errors}]\n",
		"missing expected": "request: {system: s, secrets: [{name: a}]}\nassertions: [{type: strategy, secret: a}]\n",
	}
	for name, body := range tests {
		if _, err := LoadCase(write(strings.ReplaceAll(name, " ", "-")+".yaml", body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestFallbackFailsAnLLMCase: a section the model did not write fails the
// case (named in the report and the JUnit XML), unless the case allows it.
func TestFallbackFailsAnLLMCase(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testFallbackFailsAnLLMCase)
}

func testFallbackFailsAnLLMCase(t *testing.T) {
	cs, err := LoadCases("cases/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := llmtest.NewInMemory("sk-fake")
	defer srv.Close()
	good := answersFor(t, cs)
	srv.DefaultByRequest(func(r llmtest.Recorded) llmtest.Reply {
		if r.SchemaName == "rotor_rollback" {
			return llmtest.Reply{Kind: llmtest.Refusal}
		}
		return good(r)
	})
	rep := llmRunner(t, srv.Transport(), srv.BaseURL(), nil).Run(context.Background(), cs)
	c := rep.Cases[0]
	if c.Passed || rep.Summary.FellBack != 1 || len(c.FellBack) != 1 || c.FellBack[0].Section != runbook.SectionRollback ||
		c.Sources[runbook.SectionRollback] != runbook.SourceFallback || c.Sources[runbook.SectionInventory] != runbook.SourceLLM {
		t.Fatalf("%+v", c)
	}
	if a := c.Assertions[0]; a.Type != "model_wrote_sections" || a.Passed || !strings.Contains(a.Found, "rollback (still invalid after 3 attempts: refusal") {
		t.Errorf("%+v", a)
	}
	var table, xml bytes.Buffer
	rep.WriteTable(&table, nil, "")
	if err := rep.WriteJUnit(&xml); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "sections not written by the model: rollback") || !strings.Contains(xml.String(), `failures="1"`) ||
		!strings.Contains(xml.String(), "model_wrote_sections") {
		t.Errorf("report:\n%s\n%s", table.String(), xml.String())
	}

	cs[0].AllowFallback = []runbook.SectionID{runbook.SectionRollback}
	srv.Reset()
	rep = llmRunner(t, srv.Transport(), srv.BaseURL(), nil).Run(context.Background(), cs)
	if c := rep.Cases[0]; !c.Passed || rep.Summary.FellBack != 0 || !c.FellBack[0].Allowed {
		t.Errorf("allowed fallback: %+v", c)
	}
}

// TestOutcomeAssertionsCatchABadRunbook scores runbooks written elsewhere
// (--runbooks): the shipped runbook passes; the same runbook with its revoke
// steps deleted, its blackout moved onto the window, and a Postgres command
// in a MySQL step fails exactly the outcome assertions that say so.
func TestOutcomeAssertionsCatchABadRunbook(t *testing.T) {
	s := scan(t)
	gen := generate.New(generate.Config{Screener: s, Linter: lint.New(s)})
	var picked []*Case
	for _, c := range cases(t) {
		if c.Name == "pci-blackout-window" || c.Name == "mysql-dual-password" {
			picked = append(picked, c)
		}
	}
	if len(picked) != 2 {
		t.Fatalf("cases %v", picked)
	}
	dir := t.TempDir()
	write := func(name string, rb *runbook.Runbook) {
		data, _ := json.Marshal(rb)
		if err := os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := map[string]*runbook.Runbook{}
	for _, c := range picked {
		rb, err := gen.Generate(context.Background(), c.Request, generate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		good[c.Name] = rb
		write(c.Name, rb)
	}
	runner := NewRunner(Config{Linter: lint.New(s), Provider: "stored", Runbooks: dir})
	for _, c := range runner.Run(context.Background(), picked).Cases {
		if !c.Passed {
			t.Errorf("%s: the shipped runbook fails: %+v", c.Name, c.Assertions)
		}
	}

	pci := good["pci-blackout-window"]
	for ti := range pci.Sections.RotationSequence.Tracks {
		tr := &pci.Sections.RotationSequence.Tracks[ti]
		var keep []runbook.Step
		for _, st := range tr.Steps {
			if st.Phase != runbook.PhaseRevoke {
				keep = append(keep, st)
			}
		}
		tr.Steps = keep
	}
	pci.Schedule.Windows[0].Start, pci.Schedule.Windows[0].End = "00:30", "02:00"
	write("pci-blackout-window", pci)
	mysql := good["mysql-dual-password"]
	for ti := range mysql.Sections.RotationSequence.Tracks {
		for si := range mysql.Sections.RotationSequence.Tracks[ti].Steps {
			st := &mysql.Sections.RotationSequence.Tracks[ti].Steps[si]
			if st.Phase == runbook.PhaseVerify {
				st.Action = "Check `SELECT count(*) FROM pg_stat_activity WHERE usename = 'orders_app'` is 0."
			}
		}
	}
	write("mysql-dual-password", mysql)
	failed := map[string][]string{}
	for _, c := range runner.Run(context.Background(), picked).Cases {
		for _, a := range c.Assertions {
			if !a.Passed && !a.Skipped {
				failed[c.Name] = append(failed[c.Name], a.Type)
			}
		}
	}
	for name, want := range map[string][]string{
		"pci-blackout-window": {"all_killed", "blackout"},
		"mysql-dual-password": {"no_step"},
	} {
		for _, w := range want {
			if !runbook.OneOf(failed[name], w) {
				t.Errorf("%s: %s did not fail (failed: %v)", name, w, failed[name])
			}
		}
	}
}
