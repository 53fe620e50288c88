package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// sharedLinkKey gives replicas sharing Redis the link key serve requires
// of them, unless the test chose one.
func sharedLinkKey(vars map[string]string) {
	if vars["REDIS_URL"] != "" && vars["ROTOR_LINK_KEY"] == "" {
		vars["ROTOR_LINK_KEY"] = testLinkKey
	}
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

type server struct {
	base   string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

// startServer runs the real `rotor serve` in-process, on a port of its
// choosing, and returns once it is listening.
func startServer(t testing.TB, vars map[string]string) *server {
	t.Helper()
	if vars == nil {
		vars = map[string]string{}
	}
	if vars["ROTOR_ADDR"] == "" {
		vars["ROTOR_ADDR"] = "127.0.0.1:0"
	}
	sharedLinkKey(vars)
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{logs: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	exited := make(chan struct{})
	go func() {
		code := run(ctx, []string{"serve"}, env(vars), strings.NewReader(""), io.Discard, s.logs)
		s.done <- code
		close(exited)
	}()
	s.base = s.logs.listening(t, exited)
	t.Cleanup(func() { s.stop(t) })
	return s
}

func (s *server) stop(t testing.TB) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	if code := <-s.done; code != exitOK {
		t.Errorf("serve exited with %d:\n%s", code, s.logs.String())
	}
}

// open sends a request with header (name, value, ...) and returns the
// response unread.
func open(t testing.TB, method, url, contentType string, body []byte, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func do(t testing.TB, method, url, contentType string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	resp := open(t, method, url, contentType, body, header...)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

func acme(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("../../eval/requests/acme-payments.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type apiError struct {
	Error struct {
		Code    string               `json:"code"`
		Message string               `json:"message"`
		Fields  []runbook.FieldError `json:"fields"`
	} `json:"error"`
}

func decodeError(t *testing.T, data []byte) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("not an error body: %s", data)
	}
	return e
}

func TestServeEndToEnd(t *testing.T) {
	s := startServer(t, nil)

	t.Run("readyz", func(t *testing.T) {
		resp, body := do(t, "GET", s.base+"/readyz", "", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"ready"`) || !strings.Contains(string(body), `"llm":"offline"`) {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})

	var created runbook.Runbook
	var location string
	t.Run("generate json", func(t *testing.T) {
		resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t), "X-Request-ID", "req-acme-1")
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if resp.Header.Get("X-Request-ID") != "req-acme-1" {
			t.Errorf("request id %q", resp.Header.Get("X-Request-ID"))
		}
		if err := json.Unmarshal(body, &created); err != nil {
			t.Fatal(err)
		}
		location = resp.Header.Get("Content-Location")
		if location != "/runbooks/"+created.ID || created.System != "Acme Payments" || len(created.Findings) != 0 {
			t.Errorf("location %q, runbook %s %s findings %v", location, created.ID, created.System, created.Findings)
		}
		for _, id := range section.IDs() {
			if !section.Must(id).Present(&created.Sections) {
				t.Errorf("section %s missing", id)
			}
		}
	})

	t.Run("fetch again, json and markdown", func(t *testing.T) {
		resp, body := do(t, "GET", s.base+location, "", nil)
		var again runbook.Runbook
		if resp.StatusCode != 200 || json.Unmarshal(body, &again) != nil || again.ID != created.ID {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		resp, body = do(t, "GET", s.base+location+"?format=md", "", nil)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/markdown") ||
			!strings.HasPrefix(string(body), "# API Key and Secret Rotation Runbook - Acme Payments") {
			t.Errorf("%d %s %.80s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})

	t.Run("markdown by Accept", func(t *testing.T) {
		resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t), "Accept", "text/markdown")
		if resp.StatusCode != 200 || !strings.Contains(string(body), "## Priority Inventory") {
			t.Errorf("%d %.200s", resp.StatusCode, body)
		}
	})

	t.Run("subset of sections", func(t *testing.T) {
		resp, body := do(t, "POST", s.base+"/runbooks?sections=inventory,rotation_sequence", "application/json", acme(t))
		var rb runbook.Runbook
		if resp.StatusCode != 200 || json.Unmarshal(body, &rb) != nil {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if rb.Sections.Inventory == nil || rb.Sections.RotationSequence == nil || rb.Sections.Rollback != nil || len(rb.SectionStatus) != 2 {
			t.Errorf("sections %+v", rb.SectionStatus)
		}
	})

	t.Run("bad query", func(t *testing.T) {
		resp, body := do(t, "POST", s.base+"/runbooks?sections=inventory,summary", "application/json", acme(t))
		e := decodeError(t, body)
		if resp.StatusCode != 400 || e.Error.Code != "invalid_request" || e.Error.Fields[0].Path != "sections" {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
		resp, body = do(t, "POST", s.base+"/runbooks?format=pdf", "application/json", acme(t))
		if e := decodeError(t, body); resp.StatusCode != 400 || e.Error.Fields[0].Path != "format" {
			t.Errorf("%d %s", resp.StatusCode, body)
		}
	})

	t.Run("invalid request lists every field", func(t *testing.T) {
		body := []byte(`{"system":"x","trigger":"oops","secrets":[{"name":"a","kind":"apikey"},{"name":"b","colour":"red"}]}`)
		resp, data := do(t, "POST", s.base+"/runbooks", "application/json", body)
		e := decodeError(t, data)
		var got []string
		for _, f := range e.Error.Fields {
			got = append(got, f.Path)
		}
		// Unknown fields and validation problems come back together.
		if resp.StatusCode != 400 || e.Error.Code != "invalid_request" || strings.Join(got, ",") != "secrets[1].colour,trigger,secrets[0].kind" {
			t.Errorf("decode stage: %d %s", resp.StatusCode, data)
		}
		body = []byte(`{"system":"x","trigger":"oops","secrets":[{"name":"a","kind":"apikey"}]}`)
		resp, data = do(t, "POST", s.base+"/runbooks", "application/json", body)
		e = decodeError(t, data)
		paths := []string{}
		for _, f := range e.Error.Fields {
			paths = append(paths, f.Path)
		}
		if resp.StatusCode != 400 || strings.Join(paths, ",") != "trigger,secrets[0].kind" {
			t.Errorf("validate stage: %d %s", resp.StatusCode, data)
		}
	})

	t.Run("wrong content type", func(t *testing.T) {
		resp, data := do(t, "POST", s.base+"/runbooks", "text/plain", acme(t))
		if resp.StatusCode != 400 || decodeError(t, data).Error.Code != "invalid_request" {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
	})

	t.Run("too large", func(t *testing.T) {
		big := []byte(`{"system":"` + strings.Repeat("a", runbook.MaxBodyBytes) + `","secrets":[{"name":"a"}]}`)
		resp, data := do(t, "POST", s.base+"/runbooks", "application/json", big)
		if resp.StatusCode != 413 || decodeError(t, data).Error.Code != "too_large" {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
	})

	t.Run("pasted secret refused without echo", func(t *testing.T) {
		const value = "postgres://app:Xk29vLq8pW@db.internal:5432/app"
		req := strings.Replace(string(acme(t)), `"Rotate Stripe during`, `"DSN is `+value+`", "Rotate Stripe during`, 1)
		resp, data := do(t, "POST", s.base+"/runbooks", "application/json", []byte(req))
		e := decodeError(t, data)
		if resp.StatusCode != 422 || e.Error.Code != "secret_detected" || e.Error.Fields[0].Path != "constraints[2]" ||
			!strings.Contains(e.Error.Fields[0].Problem, "url-embedded-credentials") {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
		if strings.Contains(string(data), "Xk29vLq8pW") || strings.Contains(s.logs.String(), "Xk29vLq8pW") {
			t.Error("the value was echoed or logged")
		}
	})

	t.Run("lint endpoint", func(t *testing.T) {
		broken := created
		inv := *created.Sections.Inventory
		inv.Secrets = append([]runbook.InventorySecret(nil), inv.Secrets...)
		inv.Secrets[0].Strategy = "yolo"
		broken.Sections.Inventory = &inv
		body, _ := json.Marshal(broken)
		resp, data := do(t, "POST", s.base+"/runbooks/lint", "application/json", body)
		if resp.StatusCode != 200 || !strings.Contains(string(data), `"rule":"valid-vocabulary"`) {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
		clean, _ := json.Marshal(created)
		resp, data = do(t, "POST", s.base+"/runbooks/lint", "application/json", clean)
		if resp.StatusCode != 200 || string(data) != `{"findings":[]}` {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
		resp, data = do(t, "POST", s.base+"/runbooks/lint", "application/json", []byte(`{"id":"x","sectionz":{}}`))
		if resp.StatusCode != 400 || decodeError(t, data).Error.Fields[0].Path != "sectionz" {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
	})

	t.Run("schemas", func(t *testing.T) {
		set, err := section.Schemas()
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range section.IDs() {
			resp, data := do(t, "GET", s.base+"/schemas/"+string(id), "", nil)
			want, _ := set.JSON(id)
			if resp.StatusCode != 200 || !bytes.Equal(data, want) {
				t.Errorf("%s: %d, served schema differs from the one sent to the model", id, resp.StatusCode)
			}
		}
		resp, data := do(t, "GET", s.base+"/schemas/summary", "", nil)
		if resp.StatusCode != 404 || decodeError(t, data).Error.Code != "not_found" {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
	})

	t.Run("not found and method not allowed", func(t *testing.T) {
		resp, data := do(t, "GET", s.base+"/runbooks/rb_missing", "", nil)
		if resp.StatusCode != 404 || decodeError(t, data).Error.Code != "not_found" {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
		resp, data = do(t, "DELETE", s.base+"/runbooks", "", nil)
		if resp.StatusCode != 405 || decodeError(t, data).Error.Code != "method_not_allowed" {
			t.Errorf("%d %s", resp.StatusCode, data)
		}
		resp, _ = do(t, "GET", s.base+"/nowhere", "", nil)
		if resp.StatusCode != 404 {
			t.Errorf("%d", resp.StatusCode)
		}
	})

	t.Run("concurrent requests", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Post(s.base+"/runbooks", "application/json", bytes.NewReader(acme(t)))
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	s.stop(t)
	if !strings.Contains(s.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean shutdown in logs:\n%s", s.logs.String())
	}
}

// proseTexts counts the constraints and notes the model reads.
func proseTexts(req *runbook.Request) int {
	n := len(req.Constraints)
	for _, s := range req.Secrets {
		if strings.TrimSpace(s.Notes) != "" {
			n++
		}
	}
	return n
}

// TestServeWithTheLLM starts the real server pointed at the fake OpenAI
// server and checks the Acme runbook's sections came from the LLM.
func TestServeWithTheLLM(t *testing.T) {
	data := acme(t)
	req, err := decode.ParseRequest(data)
	if err != nil {
		t.Fatal(err)
	}
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	answers := offlineAnswers(t, req)
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	fake.Reads(llmtest.NewReader())

	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_MODEL": "gpt-4o-mini"})
	resp, body := do(t, "GET", s.base+"/readyz", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `openai (gpt-4o-mini, json_schema, prompts `) {
		t.Errorf("readyz: %s", body)
	}
	resp, body = do(t, "POST", s.base+"/runbooks", "application/json", data)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(body, &rb); err != nil {
		t.Fatal(err)
	}
	for _, id := range section.IDs() {
		if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM || st.Attempts != 1 {
			t.Errorf("%s: %+v", id, st)
		}
	}
	// Every section, and the model's reading of each constraint and note.
	reads := len(fake.RequestsFor(intake.ModelSchemaName))
	if rb.Usage.LLMCalls != len(section.All)+reads || rb.Generator.Model != "gpt-4o-mini" || len(rb.Findings) != 0 {
		t.Errorf("usage %+v generator %+v findings %v", rb.Usage, rb.Generator, rb.Findings)
	}
	if n := len(fake.Requests()); n != len(section.All)+reads || reads != proseTexts(req) {
		t.Errorf("%d LLM requests, %d of them reading the %d texts", n, reads, proseTexts(req))
	}
}

// TestReplicasShareRedis runs two real rotor servers on one (private) Redis:
// twenty concurrent identical requests spread over both cost one request's
// LLM calls; any replica serves any runbook id; killing Redis leaves requests
// answered with /readyz degraded, and the service recovers when Redis returns.
func TestReplicasShareRedis(t *testing.T) {
	redisSrv := redistest.Start(t)
	data := acme(t)
	req, _ := decode.ParseRequest(data)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Latency = 300 * time.Millisecond
	answers := offlineAnswers(t, req)
	minimal := []byte(`{"system":"Billing","secrets":[{"name":"Mailgun API key","consumers":["mailer"]}]}`)
	minReq, _ := decode.ParseRequest(minimal)
	minAnswers := offlineAnswers(t, minReq)
	fake.DefaultByRequest(func(r llmtest.Recorded) llmtest.Reply {
		if llmtest.DataSystem(r.User) == "Billing" {
			return llmtest.OK(minAnswers[r.SchemaName])
		}
		return llmtest.OK(answers[r.SchemaName])
	})
	fake.Reads(llmtest.NewReader())
	vars := func() map[string]string {
		return map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(),
			// go-redis stops dialling after pool_size failed dials in a row and
			// probes once a second on its own clock; a pool larger than the
			// failures of this test's outage keeps it dialling, so recovery is
			// the first request after Redis is back, not a second later.
			"REDIS_URL": redisSrv.URL + "?pool_size=500",
			// A live Redis answers within 10 s however loaded the machine (a
			// timed-out lock makes a replica write a section uncoordinated,
			// and pay for it twice); a dead one refuses at once.
			"ROTOR_REDIS_TIMEOUT": "10s"}
	}
	a := startServer(t, vars())
	b := startServer(t, vars())

	var wg sync.WaitGroup
	ids := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := a.base
			if i%2 == 1 {
				base = b.base
			}
			resp, err := http.Post(base+"/runbooks", "application/json", bytes.NewReader(data))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var rb runbook.Runbook
			if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&rb) != nil || lint.HasErrors(rb.Findings) {
				t.Errorf("status %d", resp.StatusCode)
				return
			}
			ids <- rb.ID
		}()
	}
	wg.Wait()
	close(ids)
	// One request's calls: ten sections and one reading of each text.
	if n, want := len(fake.Requests()), 10+proseTexts(req); n != want {
		t.Errorf("%d LLM calls for 20 identical requests over two replicas, want %d", n, want)
	}
	for id := range ids {
		for _, s := range []*server{a, b} {
			if resp, _ := do(t, "GET", s.base+"/runbooks/"+id, "", nil); resp.StatusCode != 200 {
				t.Errorf("replica %s cannot serve %s: %d", s.base, id, resp.StatusCode)
			}
		}
	}

	// A repeat is served from the response cache: no LLM call, marked cache.
	before := len(fake.Requests())
	resp, body := do(t, "POST", b.base+"/runbooks", "application/json", data)
	var again runbook.Runbook
	if resp.StatusCode != 200 || json.Unmarshal(body, &again) != nil {
		t.Fatalf("%d", resp.StatusCode)
	}
	if len(fake.Requests()) != before || again.Usage.LLMCalls != 0 || again.Usage.CacheHits != 10 || again.SectionStatus[runbook.SectionInventory].Source != runbook.SourceCache {
		t.Errorf("repeat: %d new calls, usage %+v", len(fake.Requests())-before, again.Usage)
	}

	// Redis dies: requests are still answered, readiness says degraded.
	redisSrv.Kill()
	resp, body = do(t, "POST", a.base+"/runbooks", "application/json", minimal)
	var down runbook.Runbook
	if resp.StatusCode != 200 || json.Unmarshal(body, &down) != nil || down.SectionStatus[runbook.SectionInventory].Source != runbook.SourceLLM {
		t.Errorf("with Redis down: %d %.300s", resp.StatusCode, body)
	}
	resp, body = do(t, "GET", a.base+"/readyz", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"degraded"`) || !strings.Contains(string(body), "redis unreachable") {
		t.Errorf("readyz with Redis down: %d %s", resp.StatusCode, body)
	}

	// Redis returns (Restart returns once it accepts connections): no
	// restart of rotor needed.
	redisSrv.Restart(t)
	_, body = do(t, "GET", a.base+"/readyz", "", nil)
	if !strings.Contains(string(body), `"status":"ready"`) {
		t.Fatalf("no recovery: %s", body)
	}
	resp, _ = do(t, "POST", b.base+"/runbooks", "application/json", minimal)
	if resp.StatusCode != 200 {
		t.Errorf("after recovery: %d", resp.StatusCode)
	}
	raw := redistest.Client(t, redisSrv.URL)
	if n := len(raw.Keys(context.Background(), "rotor:v1:*").Val()); n == 0 {
		t.Error("nothing written to Redis after it came back")
	}
}

func offlineAnswers(t testing.TB, req *runbook.Request) map[string]string {
	t.Helper()
	a, err := llmtest.OfflineAnswers(req)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
