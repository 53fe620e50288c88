package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
)

type event struct {
	name, id string
	data     []byte
}

// readEvents reads a Server-Sent Events stream to its end.
func readEvents(t *testing.T, resp *http.Response) []event {
	t.Helper()
	return followEvents(t, resp, nil)
}

// followEvents is readEvents calling seen (when set) with each event as it
// arrives.
func followEvents(t *testing.T, resp *http.Response, seen func(event)) []event {
	t.Helper()
	defer resp.Body.Close()
	var out []event
	var cur event
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" {
				out = append(out, cur)
				if seen != nil {
					seen(cur)
				}
			}
			cur = event{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = []byte(strings.TrimPrefix(line, "data: "))
		}
	}
	return out
}

func sectionsAndDone(t *testing.T, evs []event) (map[runbook.SectionID]bool, *runbook.Runbook) {
	t.Helper()
	got := map[runbook.SectionID]bool{}
	var rb *runbook.Runbook
	for _, e := range evs {
		switch e.name {
		case "section":
			var s struct {
				Section runbook.SectionID `json:"section"`
				Content json.RawMessage   `json:"content"`
			}
			if err := json.Unmarshal(e.data, &s); err != nil || len(s.Content) < 3 {
				t.Fatalf("section event %s: %v", e.data, err)
			}
			got[s.Section] = true
		case "done":
			rb = &runbook.Runbook{}
			if err := json.Unmarshal(e.data, rb); err != nil {
				t.Fatal(err)
			}
		case "error":
			t.Fatalf("error event: %s", e.data)
		}
	}
	return got, rb
}

func TestAsyncJobInProcess(t *testing.T) {
	req, _ := decode.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Latency = 300 * time.Millisecond
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()})

	resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t), "Prefer", "respond-async")
	if resp.StatusCode != 202 || resp.Header.Get("Preference-Applied") != "respond-async" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "/runbooks/rb_") {
		t.Fatalf("Location %q", loc)
	}
	// While it runs: 202 with progress.
	resp, body = do(t, "GET", s.base+loc, "", nil)
	var job struct {
		Status   string            `json:"status"`
		Progress map[string]string `json:"progress"`
	}
	if resp.StatusCode != 202 || json.Unmarshal(body, &job) != nil || (job.Status != "queued" && job.Status != "running") || len(job.Progress) != len(section.All) {
		t.Errorf("progress: %d %s", resp.StatusCode, body)
	}
	// A stream opened now gets every section, then the runbook.
	evResp, err := http.Get(s.base + loc + "/events")
	if err != nil || evResp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v", err)
	}
	got, rb := sectionsAndDone(t, readEvents(t, evResp))
	if len(got) != len(section.All) || rb == nil || rb.ID != strings.TrimPrefix(loc, "/runbooks/") {
		t.Fatalf("stream: %d sections, runbook %v", len(got), rb != nil)
	}
	// Done: the runbook itself.
	resp, body = do(t, "GET", s.base+loc, "", nil)
	var final runbook.Runbook
	if resp.StatusCode != 200 || json.Unmarshal(body, &final) != nil || final.SectionStatus[runbook.SectionInventory].Source != runbook.SourceLLM {
		t.Errorf("final: %d %.200s", resp.StatusCode, body)
	}
	// A late client still gets every section, in completion order (ids rise).
	late, _ := http.Get(s.base + loc + "/events")
	evs := readEvents(t, late)
	got, rb = sectionsAndDone(t, evs)
	if len(got) != len(section.All) || rb == nil {
		t.Errorf("late stream: %d sections", len(got))
	}
	// Resuming after the fourth section sends the others, none again.
	rq, _ := http.NewRequest("GET", s.base+loc+"/events", nil)
	rq.Header.Set("Last-Event-ID", evs[3].id)
	resumed, _ := http.DefaultClient.Do(rq)
	rest := readEvents(t, resumed)
	got, _ = sectionsAndDone(t, rest)
	if len(got) != len(section.All)-4 {
		t.Errorf("resumed stream: %d sections, want %d", len(got), len(section.All)-4)
	}
	for _, e := range evs[:4] {
		var s struct{ Section runbook.SectionID }
		_ = json.Unmarshal(e.data, &s)
		if got[s.Section] {
			t.Errorf("resumed stream sent %s again", s.Section)
		}
	}
	// A client reconnecting after done is told to stop (204), not sent the
	// runbook again.
	rq, _ = http.NewRequest("GET", s.base+loc+"/events", nil)
	rq.Header.Set("Last-Event-ID", rest[len(rest)-1].id)
	again, _ := http.DefaultClient.Do(rq)
	again.Body.Close()
	if rest[len(rest)-1].name != "done" || again.StatusCode != 204 {
		t.Errorf("reconnect after %s (id %q): %d, want 204", rest[len(rest)-1].name, rest[len(rest)-1].id, again.StatusCode)
	}
	// Bad input is refused at once, not queued.
	resp, body = do(t, "POST", s.base+"/runbooks", "application/json", []byte(`{"system":"x"}`), "Prefer", "respond-async")
	if resp.StatusCode != 400 {
		t.Errorf("invalid async request: %d %s", resp.StatusCode, body)
	}
}

func TestStreamedSynchronousRequest(t *testing.T) {
	req, _ := decode.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	// One section is answered only once the client has every other
	// section: they must be streamed as they finish, not held to the end.
	release := make(chan struct{})
	fake.Script(schema.Name(runbook.SectionAutomation), llmtest.Reply{Kind: llmtest.Hang, Wait: release, Content: answers[schema.Name(runbook.SectionAutomation)]})
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()})
	resp, err := http.Post(s.base+"/runbooks?stream=1", "application/json", strings.NewReader(string(acme(t))))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v", err)
	}
	sections := 0
	evs := followEvents(t, resp, func(e event) {
		if e.name == "section" {
			if sections++; sections == len(section.All)-1 {
				close(release)
			}
		}
	})
	got, rb := sectionsAndDone(t, evs)
	if len(got) != len(section.All) || rb == nil || len(rb.Findings) != 0 {
		t.Fatalf("%d sections", len(got))
	}
	if st := rb.SectionStatus[runbook.SectionAutomation]; st.Source != runbook.SourceLLM {
		t.Errorf("the held section was not the model's: %+v", st)
	}
	var first struct {
		Section runbook.SectionID `json:"section"`
	}
	_ = json.Unmarshal(evs[0].data, &first)
	var last struct {
		Section runbook.SectionID `json:"section"`
	}
	_ = json.Unmarshal(evs[len(section.All)-1].data, &last)
	if last.Section != runbook.SectionAutomation || first.Section == runbook.SectionAutomation {
		t.Errorf("sections were not streamed as they finished: first %s, last %s", first.Section, last.Section)
	}
	if resp, _ := do(t, "GET", s.base+"/runbooks/"+rb.ID, "", nil); resp.StatusCode != 200 {
		t.Errorf("streamed runbook not stored: %d", resp.StatusCode)
	}
	// Refused before the first byte: a normal error.
	resp2, body := do(t, "POST", s.base+"/runbooks?stream=1", "application/json", []byte(`{"system":"x","secrets":[{"name":"k","notes":"sk_live_51HxQkLJtY8aB3cD4eF5gH6iJ7kL8mN9oP0qR"}]}`))
	if resp2.StatusCode != 422 || decodeError(t, body).Error.Code != "secret_detected" {
		t.Errorf("%d %s", resp2.StatusCode, body)
	}
}

func TestMetricsAfterAGeneration(t *testing.T) {
	req, _ := decode.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()})
	if resp, _ := do(t, "POST", s.base+"/runbooks", "application/json", acme(t)); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	do(t, "POST", s.base+"/runbooks", "application/json", acme(t)) // a response-cache hit
	// Another system: every section is written again, one after a reask,
	// one falls back.
	fake.Script(schema.Name(runbook.SectionRollback), llmtest.OK(`{"triggers": 1}`))
	fake.Script(schema.Name(runbook.SectionExternalComms), llmtest.Reply{Kind: llmtest.Status, Status: 400})
	eu := strings.Replace(string(acme(t)), `"Acme Payments"`, `"Acme Payments EU"`, 1)
	if resp, _ := do(t, "POST", s.base+"/runbooks", "application/json", []byte(eu)); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	resp, _ := do(t, "POST", s.base+"/runbooks", "application/json", acme(t), "Prefer", "respond-async")
	loc := resp.Header.Get("Location")
	awaitJob(t, s.base, loc)
	resp, body := do(t, "GET", s.base+"/metrics", "", nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	text := string(body)
	for _, want := range []string{
		`rotor_http_requests_total{method="POST",route="/runbooks",status="200"}`,
		`rotor_http_request_duration_seconds_bucket{method="POST",route="/runbooks"`,
		`rotor_llm_calls_total{model="gpt-4o-mini",outcome="ok",section="inventory"}`,
		`rotor_llm_calls_total{model="gpt-4o-mini",outcome="rejected",section="external_comms"}`,
		`rotor_llm_call_duration_seconds_bucket{model="gpt-4o-mini",section="inventory"`,
		`rotor_llm_tokens_total{kind="cached_prompt",model="gpt-4o-mini",section="inventory"}`,
		`rotor_llm_tokens_total{kind="prompt",model="gpt-4o-mini",section="inventory"}`,
		`rotor_llm_cost_usd_total{model="gpt-4o-mini",section="inventory"}`,
		`rotor_cache_requests_total{kind="response",result="hit"} 1`,
		`rotor_cache_requests_total{kind="section",result="hit"}`,
		`rotor_reasks_total{reason="schema",section="rollback"} 1`,
		`rotor_fallbacks_total{reason="rejected",section="external_comms"} 1`,
		`rotor_lint_findings_total{rule="revoke-after-verify",severity="error"} 0`,
		`rotor_jobs_total{state="queued"} 1`,
		`rotor_jobs_total{state="done"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
