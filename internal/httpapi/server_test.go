package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rotor-dev/rotor/internal/httpapi"
	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/metrics"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/repository"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store"
)

const testKey = "test-key-0123456789"

func hostileRunbook(id string) *runbook.Runbook {
	return &runbook.Runbook{ID: id, System: `Acme <script>alert("x")</script>`, Trigger: runbook.TriggerScheduled, CreatedAt: time.Now(),
		Generator: runbook.Generator{Provider: "offline"},
		Sections: runbook.Sections{RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{Name: "main", Steps: []runbook.Step{
			{Order: 1, SecretID: "stripe", Environment: "staging", Phase: runbook.PhaseCreate, Action: `Create the key <img src=x onerror=alert(1)>`, Owner: "Platform", Verify: "the key is listed"},
			{Order: 2, SecretID: "stripe", Environment: "production", Phase: runbook.PhaseRevoke, Action: "Revoke the old key", Owner: "Security", Verify: "calls with the old key get 401"},
		}}}}},
		SectionStatus: map[runbook.SectionID]runbook.SectionStatus{runbook.SectionRotationSequence: {Source: runbook.SourceFallback, Reason: "schema violation"}},
		Findings:      []runbook.Finding{{Rule: "propagation-wait", Severity: runbook.SeverityWarning, Section: runbook.SectionRotationSequence, Message: "wait for propagation"}},
	}
}

// markdown renders a stored runbook's Markdown.
func markdown(rb *runbook.Runbook) []byte {
	var buf bytes.Buffer
	_ = render.Markdown(&buf, rb)
	return buf.Bytes()
}

type fixture struct {
	h     http.Handler
	links *httpapi.Links
	rbs   *repository.Runbooks
	m     *metrics.Metrics
}

func newFixture(t *testing.T, mod func(*httpapi.Deps)) *fixture {
	t.Helper()
	links, err := httpapi.NewLinks([]byte(strings.Repeat("s", 32)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{links: links, rbs: repository.New(store.NewMemory(1<<20), time.Hour, repository.Options{Markdown: markdown}), m: metrics.New()}
	d := httpapi.Deps{Runbooks: f.rbs, Links: links, Metrics: f.m,
		Keys: []httpapi.APIKey{{Name: "ci", Hash: sha256.Sum256([]byte(testKey))}}}
	if mod != nil {
		mod(&d)
	}
	f.h = httpapi.NewServer(d)
	if err := f.rbs.Save(context.Background(), hostileRunbook("rb_one"), "key:ci"); err != nil {
		t.Fatal(err)
	}
	if err := f.rbs.Save(context.Background(), hostileRunbook("rb_two"), "key:ci"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) do(method, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	return w
}

// TestRunbookPageBehindSignedLink: with API keys on, a browser opens exactly
// the signed runbook, escaped, under a strict CSP; anything else is refused.
func TestRunbookPageBehindSignedLink(t *testing.T) {
	f := newFixture(t, nil)
	w := f.do("GET", "/runbooks/rb_one", "Accept", "text/html")
	if w.Code != 401 || w.Header().Get("WWW-Authenticate") != `Bearer realm="rotor"` {
		t.Errorf("page without key: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	link := f.links.Page("rb_one")
	w = f.do("GET", link, "Accept", "text/html")
	page := w.Body.String()
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("signed link: %d %s", w.Code, page)
	}
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if w.Header().Get("Referrer-Policy") != "no-referrer" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers: %v", w.Header())
	}
	for _, want := range []string{"Rotation runbook: Acme &lt;script&gt;", "Operator card", `type="checkbox"`, "<strong>stripe</strong> · Platform",
		"Check: Calls with the old key get 401", "rotation_sequence: fallback", "propagation-wait", "&lt;img src=x onerror=alert(1)&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>alert", "<img src=x", "http://", "https://", "<script>"} {
		if strings.Contains(page, bad) {
			t.Errorf("page holds %q", bad)
		}
	}
	// The link opens its runbook only.
	other := strings.Replace(link, "/r/rb_one", "/r/rb_two", 1)
	if w := f.do("GET", other, "Accept", "text/html"); w.Code != 403 || !strings.Contains(w.Body.String(), "not valid") {
		t.Errorf("link used for another runbook: %d %s", w.Code, w.Body.String())
	}
	u, _ := url.Parse(link)
	q := u.Query()
	// The first character changed to another: upper-casing could leave a
	// signature without lower-case letters as it was.
	sig := q.Get("sig")
	if sig[0] == 'A' {
		q.Set("sig", "B"+sig[1:])
	} else {
		q.Set("sig", "A"+sig[1:])
	}
	if w := f.do("GET", u.Path+"?"+q.Encode(), "Accept", "text/html"); w.Code != 403 {
		t.Errorf("altered signature: %d", w.Code)
	}
	// A key still reads the page through the API.
	if w := f.do("GET", "/runbooks/rb_one?format=html", "Authorization", "Bearer "+testKey); w.Code != 200 || !strings.Contains(w.Body.String(), "Operator card") {
		t.Errorf("html with key: %d", w.Code)
	}
	// The assets the page names are served, and nothing else is.
	for _, a := range []string{"/assets/style.css", "/assets/progress.js", "/assets/form.js"} {
		if w := f.do("GET", a); w.Code != 200 || w.Body.Len() < 100 {
			t.Errorf("%s: %d", a, w.Code)
		}
	}
	if w := f.do("GET", "/assets/..%2fweb.go"); w.Code != 404 {
		t.Errorf("asset traversal: %d", w.Code)
	}
	// The form is open (it sends the key itself), and asks for the key.
	if w := f.do("GET", "/"); w.Code != 200 || !strings.Contains(w.Body.String(), `id="api-key"`) || strings.Contains(w.Body.String(), "<script>") {
		t.Errorf("form: %d", w.Code)
	}
}

// TestMetricsSeriesBounded: made-up methods cannot grow the metrics.
func TestMetricsSeriesBounded(t *testing.T) {
	f := newFixture(t, nil)
	series := func() int {
		n, err := testutil.GatherAndCount(f.m.Registry(), "rotor_http_requests_total", "rotor_http_request_duration_seconds", "rotor_http_stream_duration_seconds")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Warm up: every route and status this test reaches, with a known
	// method and one unknown one.
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW"} {
		for _, p := range []string{"/healthz", "/runbooks", "/nowhere", "/runbooks/rb_one"} {
			f.do(m, p)
		}
	}
	before := series()
	r := rand.New(rand.NewPCG(1, 2))
	letters := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for i := 0; i < 300; i++ {
		var b strings.Builder
		for range 3 + r.IntN(8) {
			b.WriteByte(letters[r.IntN(len(letters))])
		}
		f.do(b.String(), []string{"/healthz", "/runbooks", "/nowhere", "/runbooks/rb_one"}[i%4])
	}
	if after := series(); after != before {
		t.Errorf("300 random methods changed the series count from %d to %d", before, after)
	}
}

// TestCORS: allowed origins get a preflight and readable answers; others
// get nothing; credentials are never allowed.
func TestCORS(t *testing.T) {
	for _, c := range []struct {
		origins   []string
		origin    string
		allowed   bool
		wantAllow string
	}{
		{[]string{"https://tools.example.com"}, "https://tools.example.com", true, "https://tools.example.com"},
		{[]string{"https://tools.example.com"}, "https://evil.example.com", false, ""},
		{[]string{"*"}, "https://anyone.example.com", true, "*"},
		{nil, "https://tools.example.com", false, ""},
	} {
		cors, err := httpapi.ParseCORSOrigins(c.origins)
		if err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, func(d *httpapi.Deps) { d.CORS = cors })
		w := f.do("OPTIONS", "/runbooks", "Origin", c.origin, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type")
		if c.allowed {
			if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != c.wantAllow || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Authorization") ||
				w.Header().Get("Access-Control-Allow-Methods") != "POST" {
				t.Errorf("%v %s: preflight %d %v", c.origins, c.origin, w.Code, w.Header())
			}
		} else if w.Code != 405 || w.Header().Get("Access-Control-Allow-Origin") != "" || w.Header().Get("Allow") != "POST, OPTIONS" {
			t.Errorf("%v %s: refused preflight %d %v", c.origins, c.origin, w.Code, w.Header())
		}
		w = f.do("GET", "/runbooks/rb_one", "Origin", c.origin, "Authorization", "Bearer "+testKey)
		if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != c.wantAllow || w.Header().Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%v %s: GET %d %v", c.origins, c.origin, w.Code, w.Header())
		}
		if c.allowed && !strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "X-Request-ID") {
			t.Errorf("expose headers: %v", w.Header())
		}
	}
	if _, err := httpapi.ParseCORSOrigins([]string{"*", "https://a.example.com"}); err == nil {
		t.Error("* with other origins accepted")
	}
	if _, err := httpapi.ParseCORSOrigins([]string{"https://a.example.com/path"}); err == nil {
		t.Error("an origin with a path accepted")
	}
}

func TestMethodNotAllowedSaysAllow(t *testing.T) {
	f := newFixture(t, nil)
	for path, want := range map[string]string{"/runbooks": "OPTIONS, POST", "/runbooks/lint": "OPTIONS, POST", "/runbooks/x": "GET, HEAD, OPTIONS", "/healthz": "GET, HEAD, OPTIONS"} {
		if w := f.do("DELETE", path); w.Code != 405 || w.Header().Get("Allow") != want {
			t.Errorf("DELETE %s: %d Allow %q, want %q", path, w.Code, w.Header().Get("Allow"), want)
		}
	}
}

// scriptedJobs is a job store whose state the test changes: a job retried
// after its worker died starts its sections over, in another order.
type scriptedJobs struct {
	mu sync.Mutex
	st *jobs.State
}

func (s *scriptedJobs) Create(context.Context, string, []runbook.SectionID, string) error { return nil }
func (s *scriptedJobs) Get(_ context.Context, id string) (*jobs.State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st == nil || s.st.ID != id {
		return nil, runbook.Errorf(runbook.CodeNotFound, "no job")
	}
	cp := *s.st
	return &cp, nil
}
func (s *scriptedJobs) set(st *jobs.State) { s.mu.Lock(); s.st = st; s.mu.Unlock() }

type sseEvent struct{ name, id, data string }

// readSSE reads events until n have arrived or the stream ends; comments and
// retry lines are returned as events named ":" and "retry".
// sseLines reads a stream line by line, for readSSE.
func sseLines(body io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	return sc
}

// readSSE reads the next n events (fewer if the stream ends).
func readSSE(t *testing.T, sc *bufio.Scanner, n int) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur != (sseEvent{}) {
				out = append(out, cur)
				cur = sseEvent{}
			}
			if len(out) >= n {
				return out
			}
		case strings.HasPrefix(line, ":"):
			cur.name = ":"
		case strings.HasPrefix(line, "retry: "):
			cur.name, cur.data = "retry", strings.TrimPrefix(line, "retry: ")
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			cur.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		}
	}
	return out
}

func jobSection(seq int) *jobs.Section {
	return &jobs.Section{Status: runbook.SectionStatus{Source: runbook.SourceOffline}, Content: []byte(`{}`), Seq: seq}
}

// TestEventStreamAcrossRetries: heartbeats keep an idle stream alive, a
// client resuming after a job retry gets exactly the sections it lacks, and a
// client reconnecting after done is told to stop.
func TestEventStreamAcrossRetries(t *testing.T) {
	js := &scriptedJobs{}
	f := newFixture(t, func(d *httpapi.Deps) { d.Jobs, d.Heartbeat, d.Keys = js, 20*time.Millisecond, nil })
	srv := httptest.NewServer(f.h)
	defer srv.Close()
	now := time.Now()
	js.set(&jobs.State{ID: "rb_job", Status: jobs.Running, Attempt: 1, Requested: section.IDs(), CreatedAt: now,
		Sections: map[runbook.SectionID]*jobs.Section{runbook.SectionInventory: jobSection(1), runbook.SectionPreflight: jobSection(2)}})

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/runbooks/rb_job/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	first := readSSE(t, sseLines(resp.Body), 5)
	cancel()
	resp.Body.Close()
	if len(first) < 5 || first[0].name != "retry" || first[0].data != "3000" || first[1].name != "section" || first[2].name != "section" || first[3].name != ":" || first[4].name != ":" {
		t.Fatalf("first stream: %+v", first)
	}
	last := first[2].id

	// The worker died; the retry starts over and finishes risk_triage first.
	js.set(&jobs.State{ID: "rb_job", Status: jobs.Running, Attempt: 2, Requested: section.IDs(), CreatedAt: now,
		Sections: map[runbook.SectionID]*jobs.Section{runbook.SectionRiskTriage: jobSection(1), runbook.SectionInventory: jobSection(2)}})
	req, _ = http.NewRequest("GET", srv.URL+"/runbooks/rb_job/events", nil)
	req.Header.Set("Last-Event-ID", last)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	lines := sseLines(resp.Body)
	// The resumed stream has sent what the retry has so far (risk_triage):
	// now the job finishes.
	second := readSSE(t, lines, 2)
	secs := map[runbook.SectionID]*jobs.Section{}
	for i, id := range section.IDs() {
		secs[id] = jobSection(i + 1)
	}
	_ = f.rbs.Save(context.Background(), hostileRunbook("rb_job"), "key:ci")
	js.set(&jobs.State{ID: "rb_job", Status: jobs.Done, Attempt: 2, Requested: section.IDs(), CreatedAt: now, Sections: secs})
	second = append(second, readSSE(t, lines, 1000)...)
	resp.Body.Close()
	got := map[string]int{}
	var end sseEvent
	for _, e := range second {
		switch e.name {
		case "section":
			var s struct{ Section string }
			_ = jsonUnmarshal(e.data, &s)
			got[s.Section]++
		case "done", "error":
			end = e
		}
	}
	if len(got) != len(section.All)-2 || got["inventory"] != 0 || got["preflight"] != 0 || got["risk_triage"] != 1 {
		t.Errorf("resumed after a retry: %v", got)
	}
	if end.name != "done" || end.id != "end" {
		t.Fatalf("stream end: %+v", end)
	}
	req.Header.Set("Last-Event-ID", end.id)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Errorf("reconnect after done: %d, want 204", resp.StatusCode)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
