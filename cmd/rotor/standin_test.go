package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// TestReasoningModelRequestShape: with ROTOR_MODEL=gpt-5-mini every call
// reaches the server carrying max_completion_tokens and neither temperature
// nor max_tokens, and every section is the model's.
func TestReasoningModelRequestShape(t *testing.T) {
	data := acme(t)
	req, _ := decode.ParseRequest(data)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	answers := offlineAnswers(t, req)
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_MODEL": "gpt-5-mini",
		"ROTOR_REASONING_EFFORT": "low", "ROTOR_MAX_TOKENS": "12000"})
	resp, body := do(t, "POST", s.base+"/runbooks", "application/json", data)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(body, &rb); err != nil {
		t.Fatal(err)
	}
	for _, id := range section.IDs() {
		if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
			t.Errorf("%s: %+v", id, st)
		}
	}
	reqs := fake.Requests()
	// Ten sections; with a 12,000-token budget the rotation sequence is
	// asked in parts.
	if len(reqs) < 10 || rb.Usage.LLMCalls != len(reqs) {
		t.Fatalf("%d requests reached the server, usage says %d", len(reqs), rb.Usage.LLMCalls)
	}
	for _, r := range reqs {
		var b map[string]any
		if err := json.Unmarshal(r.Body, &b); err != nil {
			t.Fatal(err)
		}
		_, temp := b["temperature"]
		_, maxTokens := b["max_tokens"]
		if temp || maxTokens || b["max_completion_tokens"] != float64(12000) || b["reasoning_effort"] != "low" || b["model"] != "gpt-5-mini" {
			t.Errorf("request body: %s", r.Body)
		}
	}
}

// standIn starts a model stand-in whose answers match each section's schema
// but not the facts.
func standIn(t *testing.T) *llmtest.Server {
	t.Helper()
	fake := llmtest.New("sk-test-fake")
	t.Cleanup(fake.Close)
	fake.DefaultByRequest(llmtest.SchemaValid)
	return fake
}

// foreignIDs lists the secret ids a runbook's JSON refers to that the
// request does not have.
func foreignIDs(t *testing.T, body []byte, req *runbook.Request) []string {
	t.Helper()
	f, err := planner.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := llmtest.ForeignSecretIDs(body, f)
	if err != nil {
		t.Fatalf("%v: %.300s", err, body)
	}
	return bad
}

// TestStandInAnswersAreNeverServedAsFact drives the real service against a
// stand-in whose answers match the schema but not the facts, with Redis and
// without: identical requests in a row and at once, on two replicas, a
// subset, a stream and an async job all answer 200 with no secret id the
// request does not have.
func TestStandInAnswersAreNeverServedAsFact(t *testing.T) {
	data := acme(t)
	req, _ := decode.ParseRequest(data)
	for _, withRedis := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis=%v", withRedis), func(t *testing.T) {
			fake := standIn(t)
			vars := func() map[string]string {
				v := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_RATE_LIMIT": "1000/s"}
				return v
			}
			var redisURL string
			if withRedis {
				redisURL = redistest.Start(t).URL
			}
			start := func() *server {
				v := vars()
				if redisURL != "" {
					v["REDIS_URL"] = redisURL
				}
				return startServer(t, v)
			}
			a := start()
			check := func(what string, resp *http.Response, body []byte) {
				t.Helper()
				if resp.StatusCode != 200 {
					t.Errorf("%s: %d %.300s", what, resp.StatusCode, body)
					return
				}
				if bad := foreignIDs(t, body, req); len(bad) > 0 {
					t.Errorf("%s: served secret ids the request does not have: %v", what, bad)
				}
			}
			// Eight identical first requests at once on a fresh process.
			var wg sync.WaitGroup
			codes := make([]int, 8)
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, body := do(t, "POST", a.base+"/runbooks", "application/json", data)
					codes[i] = resp.StatusCode
					check(fmt.Sprintf("concurrent #%d", i+1), resp, body)
				}()
			}
			wg.Wait()
			t.Logf("8 concurrent identical first requests: %v", codes)
			// Three identical requests in a row.
			seq := []int{}
			for i := range 3 {
				resp, body := do(t, "POST", a.base+"/runbooks", "application/json", data)
				seq = append(seq, resp.StatusCode)
				check(fmt.Sprintf("repeat #%d", i+1), resp, body)
				var rb runbook.Runbook
				_ = json.Unmarshal(body, &rb)
				for _, id := range section.IDs() {
					if st := rb.SectionStatus[id]; resp.StatusCode == 200 && st.Source != runbook.SourceFallback {
						t.Errorf("repeat #%d: %s is %+v, but the stand-in never writes a correct section", i+1, id, st)
					}
				}
			}
			t.Logf("3 identical requests in a row: %v", seq)
			// A subset that names secrets, then the same on a second replica.
			resp, body := do(t, "POST", a.base+"/runbooks?sections=automation,audit_evidence", "application/json", data)
			check("subset", resp, body)
			b := start()
			for i := range 4 {
				resp, body := do(t, "POST", []string{a.base, b.base}[i%2]+"/runbooks", "application/json", data)
				check(fmt.Sprintf("replica %d", i%2), resp, body)
			}
			resp, body = do(t, "POST", b.base+"/runbooks?sections=automation,audit_evidence", "application/json", data)
			check("subset on the second replica", resp, body)
			// Streamed: every section event and the final runbook.
			resp, body = do(t, "POST", b.base+"/runbooks?stream=1", "application/json", data)
			if resp.StatusCode != 200 {
				t.Fatalf("stream: %d", resp.StatusCode)
			}
			sc := bufio.NewScanner(bytes.NewReader(body))
			sc.Buffer(make([]byte, 1<<20), 8<<20)
			done := false
			for event := ""; sc.Scan(); {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "event: "):
					event = strings.TrimPrefix(line, "event: ")
				case strings.HasPrefix(line, "data: ") && event == "done":
					done = true
					check("stream done", resp, []byte(strings.TrimPrefix(line, "data: ")))
				case strings.HasPrefix(line, "data: ") && event == "section":
					var ev struct {
						Section string          `json:"section"`
						Content json.RawMessage `json:"content"`
					}
					_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev)
					wrapped, _ := json.Marshal(map[string]any{"sections": map[string]json.RawMessage{ev.Section: ev.Content}})
					check("stream section "+ev.Section, resp, wrapped)
				case strings.HasPrefix(line, "data: ") && event == "error":
					t.Errorf("stream error: %s", line)
				}
			}
			if !done {
				t.Error("the stream had no done event")
			}
			// Asynchronous: 202, then the runbook.
			resp, body = do(t, "POST", a.base+"/runbooks", "application/json", data, "Prefer", "respond-async")
			if resp.StatusCode != 202 {
				t.Fatalf("async: %d %s", resp.StatusCode, body)
			}
			var job struct{ Location string }
			_ = json.Unmarshal(body, &job)
			awaitJob(t, a.base, job.Location)
			resp, body = do(t, "GET", a.base+job.Location, "", nil)
			check("async", resp, body)
			if !strings.Contains(string(body), `"sections"`) {
				t.Errorf("async result is not a runbook: %.300s", body)
			}
		})
	}
}

// TestEvalSeesTheModel: `rotor eval --provider openai` against a stand-in
// whose answers match the schema but not the facts exits non-zero and names
// the sections the model did not write; so does a run with no server at all;
// the judge runs on its own model; an unpriced model's cost is unknown, not
// $0; --junit writes the failures for CI.
func TestEvalSeesTheModel(t *testing.T) {
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.DefaultByRequest(func(r llmtest.Recorded) llmtest.Reply {
		if r.SchemaName == "rotor_judge" {
			return llmtest.OK(`{"score": 9, "reasons": ["fine"]}`)
		}
		return llmtest.SchemaValid(r)
	})
	dir := t.TempDir()
	junit := dir + "/eval.xml"
	evalRun := func(base string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": base, "ROTOR_LLM_RETRIES": "0", "ROTOR_LLM_TIMEOUT": "5s"}
		code := run(t.Context(), append([]string{"eval", "--cases", "../../eval/cases/minimal.yaml", "--provider", "openai"}, args...),
			env(vars), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, stdout, stderr := evalRun(fake.BaseURL(), "--model", "my-finetune", "--judge-model", "gpt-4.1", "--junit", junit)
	t.Logf("stand-in: exit %d\n%s\n%s", code, stdout, stderr)
	if code != exitFailure {
		t.Errorf("exit %d against a stand-in that never writes a correct section", code)
	}
	for _, want := range []string{"sections not written by the model: inventory", "rotation_sequence", "model_wrote_sections", "judge gpt-4.1", "unknown"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if !strings.Contains(stderr, "written by the offline writer, not the model: minimal: inventory") {
		t.Errorf("stderr does not name the sections: %s", stderr)
	}
	judged, tested := 0, 0
	for _, r := range fake.Requests() {
		switch {
		case r.SchemaName == "rotor_judge" && r.Model == "gpt-4.1":
			judged++
		case r.SchemaName != "rotor_judge" && r.Model == "my-finetune":
			tested++
		default:
			t.Errorf("%s asked of %s", r.SchemaName, r.Model)
		}
	}
	if tested == 0 {
		t.Error("no section was asked of the model under test")
	}
	xml, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(xml), `classname="minimal"`) || !strings.Contains(string(xml), "<failure") ||
		!strings.Contains(string(xml), "fell back: inventory") {
		t.Errorf("junit: %v\n%s", err, xml)
	}

	// Nothing listening: every section falls back, the run fails.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + l.Addr().String() + "/v1"
	l.Close()
	code, stdout, stderr = evalRun(dead)
	if code != exitFailure || !strings.Contains(stderr, "not the model") || !strings.Contains(stdout, " 0 LLM calls") {
		t.Errorf("no server: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestSlackWithStandIn: a /rotate command, twice, against a stand-in whose
// sections match the schema but not the facts: both replies are runbooks
// (never an error) naming no secret the request does not have.
func TestSlackWithStandIn(t *testing.T) {
	got := make(chan []byte, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer hook.Close()
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.DefaultByRequest(func(r llmtest.Recorded) llmtest.Reply {
		if r.SchemaName == "rotor_intake" {
			return llmtest.OK(`{"system":"Acme Payments","trigger":"scheduled","environments":["staging","production"],"secrets":[
				{"name":"SendGrid API key","kind":"api_key","provider":"sendgrid","exposure":"internal","consumers":["lifecycle-email"]}]}`)
		}
		return llmtest.SchemaValid(r)
	})
	s := startServer(t, map[string]string{"SLACK_SIGNING_SECRETS": "standin-secret", "SLACK_RESPONSE_HOSTS": hostOf(t, hook.URL),
		"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()})
	for i := range 2 {
		form := url.Values{"text": {"rotate the sendgrid key for acme payments"}, "response_url": {hook.URL}, "channel_name": {"payments"}}
		// Each command is signed apart (a second copy of one signed request
		// is a replay, refused).
		code, reply, _ := sendSlack(t, slackRequest(t, s.base, "standin-secret", time.Now().Add(time.Duration(i)*time.Second), form))
		if code != 200 || !strings.Contains(reply.Text, "Writing a rotation runbook") {
			t.Fatalf("#%d: %d %+v", i+1, code, reply)
		}
		if body := await(t, got, "the runbook posted"); !strings.Contains(string(body), "Rotation runbook: Acme Payments") || strings.Contains(string(body), "primary-api-key") ||
			strings.Contains(string(body), "internal error") {
			t.Errorf("#%d posted: %.600s", i+1, body)
		}
	}
}
