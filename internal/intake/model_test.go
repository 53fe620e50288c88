package intake_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/store"
	"github.com/rotor-dev/rotor/prompts"
)

// asker adapts the LLM client to intake.Asker, as the generate package does.
type asker struct{ c *openai.Client }

func (a asker) Ask(ctx context.Context, call intake.ModelCall) ([]byte, error) {
	resp, err := a.c.Complete(ctx, llm.Request{Section: "intake", Messages: prompts.Messages{System: call.System, User: call.User}, SchemaName: call.SchemaName, Schema: call.Schema})
	if err != nil {
		return nil, err
	}
	return resp.Content, nil
}

func (a asker) Model() string { return a.c.Model() }

// fakeModel starts the fake server with the adversarial reading double.
func fakeModel(t *testing.T) (*llmtest.Server, *llmtest.Reader, *intake.ModelReader) {
	t.Helper()
	srv := llmtest.New("test-key")
	t.Cleanup(srv.Close)
	rd := llmtest.NewReader()
	srv.DefaultByRequest(rd.Reply)
	c, err := openai.New(openai.Config{APIKey: "test-key", BaseURL: srv.BaseURL(), Model: "gpt-4o-mini",
		Resilience: llm.Resilience{AttemptTimeout: 5 * time.Second, MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
			MaxServerDelay: time.Millisecond, BreakerFailures: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	mr, err := intake.NewModelReader(asker{c}, store.NewMemory(1<<20), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return srv, rd, mr
}

// TestModelSchemaIsStrict: the model's schema meets OpenAI's strict rules,
// lists the closed vocabularies as enums, and leaves `reader` to rotor.
func TestModelSchemaIsStrict(t *testing.T) {
	raw, err := intake.ModelSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range schema.StrictProblems(intake.ModelSchemaName, raw) {
		t.Error(p)
	}
	for _, want := range []string{`"enum":["allow","forbid","busy","unclear"]`, `"enum":["terraform","ansible","gitops","console"]`, `"quote"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("schema lacks %s", want)
		}
	}
	if strings.Contains(string(raw), `"reader"`) {
		t.Error("the model may not label its own reading")
	}
}

// readingCase is a request text and how rotor's rules read it.
type readingCase struct {
	text  string
	rules []intake.Directive
}

func forbid(quote string, days []string, start, end string) intake.Directive {
	return intake.Directive{Kind: intake.KindTimeRule, Polarity: intake.Forbid, Quote: quote, Reader: intake.ReaderRules, Scope: intake.Scope{All: true},
		Span: &intake.Span{Days: days, Start: start, End: end, TZ: "UTC", ZoneGiven: true}}
}

// readings are texts with the rules' reading of each (what intake's rules
// reader gives for them), the ground the model is checked against.
var readings = []readingCase{
	{"No DNS changes may be deployed between 08:00 and 18:00 UTC on weekdays.",
		[]intake.Directive{forbid("No DNS changes may be deployed between 08:00 and 18:00 UTC on weekdays", []string{"mon", "tue", "wed", "thu", "fri"}, "08:00", "18:00")}},
	{"Deploy windows: Tuesdays 02:00-04:00 UTC.",
		[]intake.Directive{func() intake.Directive {
			d := forbid("Deploy windows: Tuesdays 02:00-04:00 UTC", []string{"tue"}, "02:00", "04:00")
			d.Polarity = intake.Allow
			return d
		}()}},
	{"settlement-batch runs 00:00-01:30 UTC and must not be interrupted",
		[]intake.Directive{func() intake.Directive {
			d := forbid("settlement-batch runs 00:00-01:30 UTC and must not be interrupted", nil, "00:00", "01:30")
			d.Polarity = intake.Busy
			d.Span.Days = []string{}
			return d
		}()}},
}

func request(cases []readingCase) (*runbook.Request, []intake.Text) {
	req := &runbook.Request{System: "Reading", Secrets: []runbook.Secret{{Name: "Orders API key"}}}
	var texts []intake.Text
	for i, c := range cases {
		req.Constraints = append(req.Constraints, c.text)
		texts = append(texts, intake.Text{Source: "constraints[" + string(rune('0'+i)) + "]", Text: c.text, Secret: -1, Directives: c.rules})
	}
	return req, texts
}

// TestAdversarialModelNeverReachesTheScheduleUnflagged: whatever the model
// double does to a reading (inverted polarities, invented constraints, quotes
// that are not in the request, broken answers), the merged reading keeps
// every rules' blackout, never holds a window the rules did not read as one,
// quotes only the request's words, and flags every reading that came from the
// model alone or against the rules.
func TestAdversarialModelNeverReachesTheScheduleUnflagged(t *testing.T) {
	for _, d := range append([]llmtest.ReadDefect{""}, llmtest.ReadDefects...) {
		name := string(d)
		if d == "" {
			name = "honest"
		}
		t.Run(name, func(t *testing.T) {
			_, rd, mr := fakeModel(t)
			rd.Seed(func(string, string) llmtest.ReadDefect { return d })
			req, rules := request(readings)
			model := mr.Read(context.Background(), req, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			got := intake.CrossCheck(rules, model)
			if len(got.Texts) != len(rules) {
				t.Fatalf("%d texts, want %d", len(got.Texts), len(rules))
			}
			flagged := map[string]int{}
			for _, q := range got.Questions {
				flagged[q.Item.Source]++
			}
			for i, text := range got.Texts {
				for _, dir := range text.Directives {
					if dir.Quote != "" && !strings.Contains(text.Text, dir.Quote) {
						t.Errorf("%s: quote %q is not in the request", text.Source, dir.Quote)
					}
					if dir.Kind == intake.KindTimeRule && dir.Polarity == intake.Allow {
						if dir.Reader != intake.ReaderRules || rules[i].Directives[0].Polarity != intake.Allow {
							t.Errorf("%s: a window the rules did not read: %v (%s)", text.Source, dir, dir.Reader)
						}
					}
					if dir.Reader == intake.ReaderModel && flagged[text.Source] == 0 {
						t.Errorf("%s: the model's reading %v is applied without an open item", text.Source, dir)
					}
				}
				for _, r := range rules[i].Directives {
					if r.Polarity.Blocks() && !slices.ContainsFunc(text.Directives, func(x intake.Directive) bool {
						return x.Kind == intake.KindTimeRule && x.Polarity.Blocks() && x.Reader == intake.ReaderRules
					}) {
						t.Errorf("%s: the rules' %s was lost", text.Source, r.Polarity)
					}
				}
			}
			switch d {
			case "":
				if len(got.Questions) > 0 {
					t.Errorf("an honest reading that agrees raised %d questions: %+v", len(got.Questions), got.Questions)
				}
			case llmtest.ReadInverted:
				// Every text disagrees: each is a blackout with both readings shown.
				if len(got.Questions) != len(rules) {
					t.Errorf("%d questions, want one per text: %+v", len(got.Questions), got.Questions)
				}
				for _, q := range got.Questions {
					if !strings.Contains(q.Item.Question, "rules read this as") || !strings.Contains(q.Item.Question, "model read it as") {
						t.Errorf("question does not show both readings: %s", q.Item.Question)
					}
				}
				if w := got.Texts[1].Directives[0]; w.Polarity != intake.Forbid {
					t.Errorf("a window the model read as a blackout is %s, want forbid until answered", w.Polarity)
				}
			case llmtest.ReadForeignScope:
				// Each reading binds a secret its text does not name: the
				// rules' scope is kept, and every text asks which is meant.
				for _, text := range got.Texts {
					if flagged[text.Source] == 0 {
						t.Errorf("%s: the model's scope was taken without a question", text.Source)
					}
					for _, dir := range text.Directives {
						if dir.Reader == intake.ReaderModel && len(dir.Scope.Secrets) > 0 {
							t.Errorf("%s: the model's scope %+v reached the reading", text.Source, dir.Scope)
						}
					}
				}
				for _, q := range got.Questions {
					if !strings.Contains(q.Item.Question, "which the text does not name") {
						t.Errorf("the question does not say the text names no such secret: %s", q.Item.Question)
					}
				}
			case llmtest.ReadInvented, llmtest.ReadMisquoted:
				if !strings.Contains(strings.Join(got.Assumptions, "\n"), "quoted words that are not in it") {
					t.Errorf("no assumption says the quotes were ignored: %q", got.Assumptions)
				}
				for _, text := range got.Texts {
					for _, dir := range text.Directives {
						if dir.Reader == intake.ReaderModel {
							t.Errorf("%s: a misquoted reading was applied: %v", text.Source, dir)
						}
					}
				}
			case llmtest.ReadInventedOnText:
				saturday := false
				for _, text := range got.Texts {
					for _, dir := range text.Directives {
						if dir.Span != nil && slices.Contains(dir.Span.Days, "sat") {
							saturday = true
							if dir.Polarity == intake.Allow {
								t.Errorf("%s: the invented Saturday window is a window", text.Source)
							}
						}
					}
				}
				if !saturday {
					t.Error("the invented Saturday reading vanished without a trace (want it as a flagged blackout)")
				}
			default:
				// Broken answers: the rules' reading stands, and says so.
				for i, text := range got.Texts {
					if len(text.Directives) != len(rules[i].Directives) {
						t.Errorf("%s: %d directives after a broken answer, want the rules' %d", text.Source, len(text.Directives), len(rules[i].Directives))
					}
				}
				if !strings.Contains(strings.Join(got.Assumptions, "\n"), "the model did not read it") {
					t.Errorf("no assumption says the model did not read: %q", got.Assumptions)
				}
			}
		})
	}
}

// TestModelReadingsAreCachedPerText: a text read once is not sent again; a
// changed text is; a failed answer is never cached.
func TestModelReadingsAreCachedPerText(t *testing.T) {
	srv, rd, mr := fakeModel(t)
	asOf := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	req, _ := request(readings)
	first := mr.Read(context.Background(), req, asOf)
	if n := len(srv.RequestsFor(intake.ModelSchemaName)); n != len(readings) {
		t.Fatalf("%d calls for %d texts", n, len(readings))
	}
	again := mr.Read(context.Background(), req, asOf)
	if n := len(srv.RequestsFor(intake.ModelSchemaName)); n != len(readings) {
		t.Errorf("reading the same texts again made %d calls", n-len(readings))
	}
	for i := range again {
		if !again[i].Cached {
			t.Errorf("%s not served from the cache", again[i].Source)
		}
		a, _ := json.Marshal(first[i].Directives)
		b, _ := json.Marshal(again[i].Directives)
		if string(a) != string(b) {
			t.Errorf("%s: cached reading differs:\n%s\n%s", again[i].Source, a, b)
		}
	}
	req.Constraints[0] = "No DNS changes may be deployed between 07:00 and 19:00 UTC on weekdays."
	mr.Read(context.Background(), req, asOf)
	if n := len(srv.RequestsFor(intake.ModelSchemaName)); n != len(readings)+1 {
		t.Errorf("one changed text made %d calls, want 1", n-len(readings))
	}
	// A refusal is not cached: the next reading asks again.
	rd.Seed(func(source, _ string) llmtest.ReadDefect {
		if source == "constraints[1]" {
			return llmtest.ReadRefusal
		}
		return ""
	})
	req.Constraints[1] = "Deploy windows: Thursdays 22:00-23:00 UTC."
	if got := mr.Read(context.Background(), req, asOf); got[1].Err == nil {
		t.Fatal("a refusal was read as content")
	}
	before := len(srv.RequestsFor(intake.ModelSchemaName))
	rd.Seed(nil)
	if got := mr.Read(context.Background(), req, asOf); got[1].Err != nil || got[1].Cached {
		t.Errorf("after a refusal: err %v, cached %v; want a fresh reading", got[1].Err, got[1].Cached)
	}
	if n := len(srv.RequestsFor(intake.ModelSchemaName)) - before; n != 1 {
		t.Errorf("after a refusal the text was asked %d times, want 1", n)
	}
}

// TestConcurrentReadingsShareOneCall: a burst of identical requests reads
// each text once; the readings after the first come from it or the cache.
func TestConcurrentReadingsShareOneCall(t *testing.T) {
	srv, _, mr := fakeModel(t)
	srv.Latency = 50 * time.Millisecond
	req, rules := request(readings)
	asOf := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := intake.CrossCheck(rules, mr.Read(context.Background(), req, asOf))
			if len(got.Questions) > 0 {
				t.Errorf("an honest reading raised %d questions", len(got.Questions))
			}
		}()
	}
	wg.Wait()
	if n := len(srv.RequestsFor(intake.ModelSchemaName)); n != len(readings) {
		t.Errorf("8 identical requests made %d reading calls for %d texts", n, len(readings))
	}
}
