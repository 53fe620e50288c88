package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
)

// collector is a fake OTLP/HTTP traces endpoint.
type collector struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
	// resource holds the resource attributes the spans came with.
	resource map[string]string
}

func newCollector(t *testing.T) *collector {
	c := &collector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			t.Errorf("collector got %s %s", r.Method, r.URL.Path)
			w.WriteHeader(400)
			return
		}
		c.mu.Lock()
		for _, rs := range req.ResourceSpans {
			if c.resource == nil {
				c.resource = map[string]string{}
			}
			for _, a := range rs.GetResource().GetAttributes() {
				c.resource[a.Key] = a.Value.GetStringValue()
			}
			for _, ss := range rs.ScopeSpans {
				c.spans = append(c.spans, ss.Spans...)
			}
		}
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(nil)
	}))
	t.Cleanup(c.Close)
	return c
}

func attr(s *tracepb.Span, key string) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			if v := a.Value.GetStringValue(); v != "" {
				return v
			}
			return a.Value.String()
		}
	}
	return ""
}

// TestTracesAndLogLines: with OTEL_EXPORTER_OTLP_ENDPOINT set, a request's
// spans (HTTP server, sections, model calls with GenAI attributes, HTTP
// attempts) reach the collector in the caller's trace; every log line of
// the request, reasks and fallbacks included, names its request_id and
// trace_id, and so do an asynchronous job's.
func TestTracesAndLogLines(t *testing.T) {
	req, _ := decode.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Default(func(name string) llmtest.Reply {
		if name == schema.Name(runbook.SectionRollback) {
			return llmtest.Reply{Kind: llmtest.Refusal}
		}
		return llmtest.OK(answers[name])
	})
	fake.Reads(llmtest.NewReader())
	col := newCollector(t)
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "OTEL_EXPORTER_OTLP_ENDPOINT": col.URL})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t), "X-Request-ID", "req-trace-1",
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	minimal, err := os.ReadFile("../../eval/requests/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	resp, body = do(t, "POST", s.base+"/runbooks", "application/json", minimal, "X-Request-ID", "req-async-1", "Prefer", "respond-async")
	if resp.StatusCode != 202 {
		t.Fatalf("async %d %s", resp.StatusCode, body)
	}
	var job struct{ Location string }
	_ = json.Unmarshal(body, &job)
	awaitJob(t, s.base, job.Location)
	s.stop(t) // flushes the exporter

	col.mu.Lock()
	spans := col.spans
	col.mu.Unlock()
	names := map[string]int{}
	for _, sp := range spans {
		if hex.EncodeToString(sp.TraceId) != traceID {
			continue
		}
		names[sp.Name]++
		if sp.Name == "chat gpt-4o-mini" {
			for _, k := range []string{"gen_ai.request.model", "gen_ai.response.model", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.response.finish_reasons"} {
				if attr(sp, k) == "" {
					t.Errorf("chat span without %s", k)
				}
			}
		}
	}
	t.Logf("spans in the caller's trace: %v", names)
	calls := len(section.All) + 2 + proseTexts(req)
	if names["POST /runbooks"] != 1 || names["rotor.section rollback"] != 1 || names["rotor.section inventory"] != 1 || names["chat gpt-4o-mini"] != calls || names["HTTP POST"] != calls {
		t.Errorf("spans %v; want the request, a span a section, %d model calls (rollback asked 3 times, and a reading of each of %d texts) and their HTTP attempts", names, calls, proseTexts(req))
	}

	// Log lines: every one logged for a request names it and its trace.
	lines := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		rid, _ := l["request_id"].(string)
		tid, _ := l["trace_id"].(string)
		msg, _ := l["msg"].(string)
		switch rid {
		case "req-trace-1":
			if tid != traceID {
				t.Errorf("%q logged in trace %q", msg, tid)
			}
			lines["sync: "+msg]++
		case "req-async-1":
			if len(tid) != 32 {
				t.Errorf("async %q without trace id", msg)
			}
			lines["async: "+msg]++
		}
	}
	t.Logf("log lines by request: %v", lines)
	for _, want := range []string{"sync: http request", "sync: asking again", "sync: section fell back to the offline writer",
		"async: asking again", "async: section fell back to the offline writer"} {
		if lines[want] == 0 {
			t.Errorf("no %q line with its request id", want)
		}
	}
}
