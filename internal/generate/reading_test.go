package generate_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store"
	"github.com/rotor-dev/rotor/prompts"
)

// readingRequest has a blackout, a window and a busy batch, said in prose.
func readingRequest() *runbook.Request {
	return &runbook.Request{System: "Reading", AsOf: "2026-03-02T09:00:00Z", Environments: []string{"staging", "production"},
		Secrets: []runbook.Secret{{Name: "Stripe secret key", Provider: "stripe", Kind: runbook.KindAPIKey, Consumers: []string{"orders-api"}}},
		Constraints: []string{
			"No changes may be deployed between 08:00 and 18:00 UTC on weekdays.",
			"Deploy windows: Tuesdays 02:00-04:00 UTC.",
			"settlement-batch runs 00:00-01:30 UTC and must not be interrupted",
		}}
}

// readingService is an LLM service whose model also reads the prose.
func readingService(t *testing.T, srv *llmtest.Server, drafts bool) *generate.Service {
	t.Helper()
	client, err := openai.New(openai.Config{APIKey: testKey, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini",
		Resilience: llm.Resilience{AttemptTimeout: 5 * time.Second, MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
			MaxServerDelay: time.Millisecond, BreakerFailures: 1000}})
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
	reader, err := intake.NewModelReader(generate.IntakeAsker(client, srv.BaseURL(), nil), store.NewMemory(1<<20), 0)
	if err != nil {
		t.Fatal(err)
	}
	return generate.New(generate.Config{Screener: scanner, Linter: lint.New(scanner), LLM: client, Prompts: p, Schemas: schemas, Reader: reader, Drafts: drafts,
		Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }})
}

func spanKey(w runbook.TimeWindow) string {
	return fmt.Sprintf("%v %v %s-%s %s %s..%s", w.Days, w.DaysOfMonth, w.Start, w.End, w.EndDay, w.From, w.Until)
}

// TestModelReadingReachesThePlanOnlyFlagged generates through the fake
// server with the adversarial reading double, defect by defect, and checks
// the served runbook: every window is one the rules read, every blackout the
// rules read is kept, every reading of the model's is labelled and raised
// at the top, and no error finding is served.
func TestModelReadingReachesThePlanOnlyFlagged(t *testing.T) {
	req := readingRequest()
	base, err := planner.PlanAt(req, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var baseWindows, baseBlackouts []string
	for _, w := range base.Schedule.Windows {
		baseWindows = append(baseWindows, spanKey(w))
	}
	for _, w := range base.Schedule.Blackouts {
		baseBlackouts = append(baseBlackouts, spanKey(w))
	}
	if len(baseWindows) != 1 || len(baseBlackouts) < 2 {
		t.Fatalf("the rules read %d windows and %d blackouts: the test lost its ground (%v, %v)", len(baseWindows), len(baseBlackouts), baseWindows, baseBlackouts)
	}
	for _, d := range append([]llmtest.ReadDefect{""}, llmtest.ReadDefects...) {
		name := string(d)
		if d == "" {
			name = "honest"
		}
		t.Run(name, func(t *testing.T) {
			srv := llmtest.New(testKey)
			t.Cleanup(srv.Close)
			m := llmtest.NewModel()
			if err := m.Learn(req); err != nil {
				t.Fatal(err)
			}
			m.Reader.Seed(func(string, string) llmtest.ReadDefect { return d })
			srv.DefaultByRequest(m.Reply)
			rb, err := readingService(t, srv, false).Generate(context.Background(), req, generate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(srv.RequestsFor(intake.ModelSchemaName)); n != len(req.Constraints) {
				t.Errorf("the model read %d texts, want %d", n, len(req.Constraints))
			}
			for _, w := range rb.Schedule.Windows {
				if !slices.Contains(baseWindows, spanKey(w)) {
					t.Errorf("window %s (%s) is not one the rules read", w.ID, spanKey(w))
				}
			}
			var blackouts []string
			for _, w := range rb.Schedule.Blackouts {
				blackouts = append(blackouts, spanKey(w))
			}
			for _, b := range baseBlackouts {
				if !slices.Contains(blackouts, b) {
					t.Errorf("the rules' blackout %s is gone", b)
				}
			}
			raised := map[string]bool{}
			for _, it := range rb.OpenItems {
				raised[it.Source] = true
			}
			modelReadings := 0
			for _, c := range rb.Considered {
				if strings.Contains(c.Reading, "(the model's reading)") {
					modelReadings++
					if !raised[c.Source] {
						t.Errorf("%s: the model's reading %q is in the plan with no open item", c.Source, c.Reading)
					}
				}
			}
			for _, f := range rb.Findings {
				if f.Severity == runbook.SeverityError {
					t.Errorf("served with an error finding: %+v", f)
				}
			}
			questions := ""
			for _, it := range rb.OpenItems {
				questions += it.Question + "\n"
			}
			switch d {
			case "":
				if strings.Contains(questions, "model") {
					t.Errorf("an honest reading that agrees raised questions:\n%s", questions)
				}
			case llmtest.ReadInverted:
				if got := strings.Count(questions, "the model read it as"); got != len(req.Constraints) {
					t.Errorf("%d disagreements raised, want %d:\n%s", got, len(req.Constraints), questions)
				}
				if len(rb.Schedule.Windows) != 0 {
					t.Errorf("the window the model inverted is still a window: %+v", rb.Schedule.Windows)
				}
			case llmtest.ReadInventedOnText:
				// Quoting real words, it pairs with the rules' reading of them
				// (a disagreement) or stands alone (the model's only): either
				// way it is labelled, raised, and never a window.
				if modelReadings == 0 || !strings.Contains(questions, "sat 00:00-24:00") {
					t.Errorf("the invented Saturday reading is not labelled and raised (%d model readings):\n%s", modelReadings, questions)
				}
			case llmtest.ReadForeignScope:
				// Binding a secret the text does not name is asked, and the
				// rules' scope kept: the rules' window stays the only one.
				if got := strings.Count(questions, "which the text does not name"); got != len(req.Constraints) {
					t.Errorf("%d scope questions, want one per constraint (%d):\n%s", got, len(req.Constraints), questions)
				}
				if len(rb.Schedule.Windows) != len(baseWindows) {
					t.Errorf("windows %+v, want the rules' %v", rb.Schedule.Windows, baseWindows)
				}
			case llmtest.ReadInvented, llmtest.ReadMisquoted:
				if modelReadings != 0 {
					t.Errorf("%d misquoted readings reached the plan", modelReadings)
				}
				if !slices.ContainsFunc(rb.Assumptions, func(a string) bool { return strings.Contains(a, "quoted words that are not in it") }) {
					t.Errorf("no assumption says the misquoted readings were ignored: %q", rb.Assumptions)
				}
			default:
				if modelReadings != 0 || strings.Contains(questions, "model") {
					t.Errorf("a broken answer reached the plan (%d readings):\n%s", modelReadings, questions)
				}
				if !slices.ContainsFunc(rb.Assumptions, func(a string) bool { return strings.Contains(a, "the model did not read it") }) {
					t.Errorf("no assumption says the model did not read: %q", rb.Assumptions)
				}
			}
		})
	}
}

// TestModelReadingSurvivesDrafts: with an LLM that also drafts catalogue
// entries, the plan made again with a model-drafted entry keeps the model's
// cross-checked reading of the prose (its disagreements raised, the window
// it inverted kept out of), not the rules' reading alone.
func TestModelReadingSurvivesDrafts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		req := readingRequest()
		req.Secrets = append(req.Secrets, runbook.Secret{Name: "Pinecone API key", Provider: "pinecone", Kind: runbook.KindAPIKey,
			Consumers: []string{"recs-api"}})
		srv := llmtest.NewInMemory(testKey)
		t.Cleanup(srv.Close)
		srv.DefaultByRequest(llmtest.NewDrafter().Reply)
		rd := llmtest.NewReader()
		rd.Seed(func(string, string) llmtest.ReadDefect { return llmtest.ReadInverted })
		srv.Reads(rd)
		rb, err := readingService(t, srv, true).Generate(context.Background(), req, generate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		used := false
		for _, d := range rb.CatalogDrafts {
			used = used || d.Status == runbook.DraftUsed
		}
		if !used {
			t.Fatalf("no draft was used, so the plan was not made again: %+v", rb.CatalogDrafts)
		}
		disagreements := 0
		for _, it := range rb.OpenItems {
			if strings.Contains(it.Question, "the model read it as") {
				disagreements++
			}
		}
		if disagreements != len(req.Constraints) {
			t.Errorf("%d disagreements at the top after drafting, want %d: %+v", disagreements, len(req.Constraints), rb.OpenItems)
		}
		if len(rb.Schedule.Windows) != 0 {
			t.Errorf("the window the model inverted is still a window after drafting: %+v", rb.Schedule.Windows)
		}
	})
}
