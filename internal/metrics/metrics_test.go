package metrics_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rotor-dev/rotor/internal/metrics"
)

// scrape reads /metrics as Prometheus would.
func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	return w.Body.String()
}

// TestBuildInfo: rotor_build_info says which build is running, as 1 with
// its version, revision and Go version as labels (the convention of
// go_build_info and prometheus_build_info).
func TestBuildInfo(t *testing.T) {
	m := metrics.New()
	m.BuildInfo(metrics.Build{Version: "v1.2.3", Revision: "abc123", GoVersion: "go1.26.8"})
	out := scrape(t, m)
	want := `rotor_build_info{goversion="go1.26.8",revision="abc123",version="v1.2.3"} 1`
	if !strings.Contains(out, want) {
		t.Errorf("no %s in\n%s", want, grep(out, "rotor_build_info"))
	}
}

// TestStateGauges: the breaker's state, the jobs waiting and running, and
// the LLM calls in flight are read at each scrape from what the service
// reports, not counted on the side.
func TestStateGauges(t *testing.T) {
	m := metrics.New()
	breaker, inFlight := "closed", 0
	m.WatchLLM(func() (string, int) { return breaker, inFlight })
	depth := metrics.QueueDepth{Pending: 3, Active: 2}
	var qerr error
	m.WatchQueue(func(context.Context) (metrics.QueueDepth, error) { return depth, qerr })

	out := scrape(t, m)
	for _, want := range []string{
		`rotor_llm_breaker_state{state="closed"} 1`, `rotor_llm_breaker_state{state="open"} 0`, `rotor_llm_breaker_state{state="half_open"} 0`,
		`rotor_llm_calls_in_flight 0`, `rotor_jobs_queue_depth 3`, `rotor_jobs_active 2`,
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("first scrape lacks %s:\n%s", want, grep(out, "rotor_llm_breaker|in_flight|rotor_jobs_"))
		}
	}
	breaker, inFlight, depth = "open", 7, metrics.QueueDepth{Pending: 11}
	out = scrape(t, m)
	for _, want := range []string{`rotor_llm_breaker_state{state="open"} 1`, `rotor_llm_breaker_state{state="closed"} 0`, `rotor_llm_calls_in_flight 7`, `rotor_jobs_queue_depth 11`, `rotor_jobs_active 0`} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("second scrape lacks %s:\n%s", want, grep(out, "rotor_llm_breaker|in_flight|rotor_jobs_"))
		}
	}
	// A queue that cannot be read is no depth at all (not a stale or zero
	// one); the rest of the scrape still works.
	qerr = errors.New("redis down")
	out = scrape(t, m)
	if strings.Contains(out, "rotor_jobs_queue_depth ") || !strings.Contains(out, "rotor_llm_calls_in_flight 7") {
		t.Errorf("with the queue down:\n%s", grep(out, "rotor_llm_breaker|in_flight|rotor_jobs_"))
	}
	if n, err := testutil.GatherAndCount(m.Registry(), "rotor_llm_breaker_state"); err != nil || n != 3 {
		t.Errorf("breaker series %d %v", n, err)
	}
}

// TestNoStateGaugesWithoutAnLLMOrQueue: an offline service has no breaker
// to report; the gauges are absent, not a misleading "closed".
func TestNoStateGaugesWithoutAnLLMOrQueue(t *testing.T) {
	out := scrape(t, metrics.New())
	for _, name := range []string{"rotor_llm_breaker_state", "rotor_llm_calls_in_flight", "rotor_jobs_queue_depth"} {
		if strings.Contains(out, name+"{") || strings.Contains(out, name+" ") {
			t.Errorf("%s reported with nothing to watch", name)
		}
	}
}

func grep(s, pattern string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		for _, p := range strings.Split(pattern, "|") {
			if strings.Contains(l, p) {
				out = append(out, l)
				break
			}
		}
	}
	return strings.Join(out, "\n")
}
