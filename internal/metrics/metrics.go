// Package metrics exposes rotor's Prometheus metrics: HTTP traffic, LLM
// calls (latency, tokens, estimated cost), cache hits and misses, reasks and
// fallbacks by reason, lint findings by rule, and jobs by state; gauges read
// at each scrape (the build, the LLM breaker's state and calls in flight, the
// job queue's depth).
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Metrics holds the collectors on a registry of their own.
type Metrics struct {
	reg          *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	httpStreams  *prometheus.HistogramVec
	llmCalls     *prometheus.CounterVec
	llmDuration  *prometheus.HistogramVec
	llmTokens    *prometheus.CounterVec
	llmCost      *prometheus.CounterVec
	cache        *prometheus.CounterVec
	reasks       *prometheus.CounterVec
	fallbacks    *prometheus.CounterVec
	budgetOut    prometheus.Counter
	findings     *prometheus.CounterVec
	jobs         *prometheus.CounterVec
}

// New registers every collector (and the Go and process collectors).
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_http_requests_total", Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rotor_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}}, []string{"route", "method"})
	m.httpStreams = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rotor_http_stream_duration_seconds", Help: "How long Server-Sent Events streams stayed open, by route.",
		Buckets: []float64{.1, .5, 1, 5, 15, 30, 60, 120, 300, 600, 1800}}, []string{"route"})
	m.llmCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_llm_calls_total", Help: "LLM calls by model, section and outcome (ok or the failure kind)."}, []string{"model", "section", "outcome"})
	m.llmDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rotor_llm_call_duration_seconds", Help: "LLM call latency (retries included) by model and section.",
		Buckets: []float64{.1, .25, .5, 1, 2, 4, 8, 15, 30, 60, 120}}, []string{"model", "section"})
	m.llmTokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_llm_tokens_total", Help: "LLM tokens by model, section and kind (prompt, completion, cached_prompt)."}, []string{"model", "section", "kind"})
	m.llmCost = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_llm_cost_usd_total", Help: "Estimated LLM cost in US dollars by model and section."}, []string{"model", "section"})
	m.cache = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_cache_requests_total", Help: "Cache lookups by kind (section, response) and result (hit, miss)."}, []string{"kind", "result"})
	m.reasks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_reasks_total", Help: "Sections asked again, by section and reason."}, []string{"section", "reason"})
	m.fallbacks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_fallbacks_total", Help: "Sections served by the offline writer instead of the LLM, by section and reason."}, []string{"section", "reason"})
	m.budgetOut = prometheus.NewCounter(prometheus.CounterOpts{Name: "rotor_llm_budget_exhausted_total",
		Help: "Runbooks whose token budget or call cap (ROTOR_RUNBOOK_TOKEN_BUDGET, ROTOR_RUNBOOK_MAX_CALLS) stopped a model call: their remaining sections fell back with reason budget."})
	m.findings = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_lint_findings_total", Help: "Lint findings of served runbooks by rule and severity."}, []string{"rule", "severity"})
	m.jobs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rotor_jobs_total", Help: "Asynchronous jobs by state reached (queued, running, done, failed)."}, []string{"state"})
	for _, c := range []prometheus.Collector{m.httpRequests, m.httpDuration, m.httpStreams, m.llmCalls, m.llmDuration, m.llmTokens, m.llmCost, m.cache, m.reasks, m.fallbacks, m.budgetOut, m.findings, m.jobs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	return m
}

// Registry is the registry the collectors are on (tests count series).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// methods are the HTTP methods recorded by name; any other is "other", so a
// client sending made-up methods cannot grow the label set.
var methods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// Method is the bounded label value of an HTTP method.
func Method(m string) string {
	if methods[m] {
		return m
	}
	return "other"
}

// Gin records every request by its route pattern (never the raw path, so ids
// do not explode the label set) and a bounded method. Server-Sent Events
// streams last as long as a job (minutes): they go to their own histogram so
// they do not distort request latency.
func (m *Metrics) Gin() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		method := Method(c.Request.Method)
		m.httpRequests.WithLabelValues(route, method, strconv.Itoa(c.Writer.Status())).Inc()
		if strings.HasPrefix(c.Writer.Header().Get("Content-Type"), "text/event-stream") {
			m.httpStreams.WithLabelValues(route).Observe(time.Since(start).Seconds())
			return
		}
		m.httpDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	}
}

// LLMCall records one call.
func (m *Metrics) LLMCall(model string, section runbook.SectionID, d time.Duration, u llm.Usage, err error) {
	outcome := "ok"
	if err != nil {
		outcome = string(llm.KindOf(err))
		if outcome == "" {
			outcome = "error"
		}
	}
	s := string(section)
	m.llmCalls.WithLabelValues(model, s, outcome).Inc()
	m.llmDuration.WithLabelValues(model, s).Observe(d.Seconds())
	m.llmTokens.WithLabelValues(model, s, "prompt").Add(float64(u.PromptTokens))
	m.llmTokens.WithLabelValues(model, s, "completion").Add(float64(u.CompletionTokens))
	m.llmTokens.WithLabelValues(model, s, "cached_prompt").Add(float64(u.CachedPromptTokens))
	m.llmCost.WithLabelValues(model, s).Add(u.CostUSD)
}

// Cache records a lookup.
func (m *Metrics) Cache(kind string, hit bool) {
	result := "miss"
	if hit {
		result = "hit"
	}
	m.cache.WithLabelValues(kind, result).Inc()
}

// Reask records a section asked again.
func (m *Metrics) Reask(section runbook.SectionID, reason string) {
	m.reasks.WithLabelValues(string(section), reason).Inc()
}

// Fallback records a section served offline instead.
func (m *Metrics) Fallback(section runbook.SectionID, reason string) {
	m.fallbacks.WithLabelValues(string(section), reason).Inc()
}

// BudgetExhausted counts a runbook whose budget stopped a model call.
func (m *Metrics) BudgetExhausted() { m.budgetOut.Inc() }

// Findings records a served runbook's findings.
func (m *Metrics) Findings(fs []runbook.Finding) {
	for _, f := range fs {
		m.findings.WithLabelValues(f.Rule, string(f.Severity)).Inc()
	}
}

// Job records a job reaching a state.
func (m *Metrics) Job(state string) { m.jobs.WithLabelValues(state).Inc() }

// KnownRule makes a rule's findings series exist at zero, so dashboards and
// rates see it before it first fires.
func (m *Metrics) KnownRule(rule string, severity runbook.Severity) {
	m.findings.WithLabelValues(rule, string(severity))
}

// Build describes the running build.
type Build struct{ Version, Revision, GoVersion string }

// BuildInfo reports rotor_build_info{version, revision, goversion} 1, the
// convention of go_build_info: dashboards join on it to show which build
// each replica runs.
func (m *Metrics) BuildInfo(b Build) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "rotor_build_info", Help: "The running build: always 1, described by its labels."}, []string{"version", "revision", "goversion"})
	g.WithLabelValues(b.Version, b.Revision, b.GoVersion).Set(1)
	m.reg.MustRegister(g)
}

// BreakerStates are the circuit breaker's states, as reported.
var breakerStates = []string{"closed", "half_open", "open"}

// WatchLLM reports, at every scrape, the LLM circuit breaker's state
// (rotor_llm_breaker_state{state} 1 for the current one, 0 for the others)
// and the model calls in flight (rotor_llm_calls_in_flight). state is
// called once per scrape.
func (m *Metrics) WatchLLM(state func() (breaker string, inFlight int)) {
	m.reg.MustRegister(&llmCollector{state: state,
		breaker:  prometheus.NewDesc("rotor_llm_breaker_state", "The LLM circuit breaker's state: 1 for the current one (open: sections go to the offline writer).", []string{"state"}, nil),
		inFlight: prometheus.NewDesc("rotor_llm_calls_in_flight", "Model calls waiting for an answer now (retries included).", nil, nil)})
}

type llmCollector struct {
	state             func() (string, int)
	breaker, inFlight *prometheus.Desc
}

func (c *llmCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.breaker; ch <- c.inFlight }

func (c *llmCollector) Collect(ch chan<- prometheus.Metric) {
	state, n := c.state()
	for _, s := range breakerStates {
		v := 0.0
		if s == state {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.breaker, prometheus.GaugeValue, v, s)
	}
	ch <- prometheus.MustNewConstMetric(c.inFlight, prometheus.GaugeValue, float64(n))
}

// QueueDepth is what the job queue holds: jobs waiting to run (queued,
// scheduled for a retry) and jobs running.
type QueueDepth struct{ Pending, Active int }

// queueTimeout bounds reading the queue's depth during a scrape: a slow
// Redis leaves the gauges out rather than holding the scrape.
const queueTimeout = 2 * time.Second

// WatchQueue reports the job queue's depth at every scrape
// (rotor_jobs_queue_depth, rotor_jobs_active). When depth fails (the queue's
// Redis is down) both are left out of that scrape: no stale or made-up
// number.
func (m *Metrics) WatchQueue(depth func(context.Context) (QueueDepth, error)) {
	m.reg.MustRegister(&queueCollector{depth: depth,
		pending: prometheus.NewDesc("rotor_jobs_queue_depth", "Asynchronous jobs waiting to run (queued or waiting for a retry).", nil, nil),
		active:  prometheus.NewDesc("rotor_jobs_active", "Asynchronous jobs running now.", nil, nil)})
}

type queueCollector struct {
	depth           func(context.Context) (QueueDepth, error)
	pending, active *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.pending; ch <- c.active }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), queueTimeout)
	defer cancel()
	d, err := c.depth(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(d.Pending))
	ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, float64(d.Active))
}
