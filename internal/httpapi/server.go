// Package httpapi is rotor's HTTP interface (gin): every route in routes.go,
// handlers that take exactly the dependencies they use, one error table.
package httpapi

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/repository"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/telemetry"
	"github.com/rotor-dev/rotor/internal/web"
)

// Generator writes runbooks from raw request bodies.
type Generator interface {
	Respond(ctx context.Context, body []byte, opts generate.Options) (generate.Response, error)
}

// Linter checks runbooks.
type Linter interface {
	Lint(rb *runbook.Runbook) []runbook.Finding
}

// Schemas serves section schemas.
type Schemas interface {
	JSON(id runbook.SectionID) ([]byte, bool)
}

// RunbookStore keeps generated runbooks for GET /runbooks/{id}, with whom
// each belongs to.
type RunbookStore interface {
	Save(ctx context.Context, rb *runbook.Runbook, owner string) error
	// Put is Save returning the runbook as stored; Stored reads it back,
	// Markdown renders it once per runbook.
	Put(ctx context.Context, rb *runbook.Runbook, owner string) (*repository.Stored, error)
	Stored(ctx context.Context, id string) (*repository.Stored, error)
	Markdown(ctx context.Context, st *repository.Stored) ([]byte, error)
	Load(ctx context.Context, id string) (*runbook.Runbook, error)
	Owner(ctx context.Context, id string) (string, error)
}

// Readiness reports the state of the service's dependencies.
type Readiness func(ctx context.Context) (status string, checks map[string]string)

// Deps are the server's dependencies.
type Deps struct {
	Generator Generator
	Linter    Linter
	Schemas   Schemas
	Runbooks  RunbookStore
	Ready     Readiness
	Logger    *slog.Logger
	// AccessLog receives the one line per request (default: Logger); give
	// it a telemetry.Async handler so writing it never holds a request.
	AccessLog *slog.Logger
	// TracerProvider gets a span per request (nil: none).
	TracerProvider trace.TracerProvider
	// Keys are the accepted API keys; none means the API is open.
	Keys []APIKey
	// Limiter rate-limits per key (per client address when open); nil: none.
	Limiter Limiter
	// WorkLimiter takes each generation's work units from its key's budget
	// (WorkBudget, as configured: "20000/h"); nil: none.
	WorkLimiter WorkLimiter
	WorkBudget  string
	// RequestTimeout bounds the handling of one request (0: none).
	RequestTimeout time.Duration
	// TrustedProxies may set X-Forwarded-For; by default none is trusted,
	// so a client cannot choose the address it is rate-limited as.
	TrustedProxies []string
	// Slack, Screener and Tasks serve POST /slack/commands.
	Slack    Slack
	Screener TextScreener
	Tasks    *Tasks
	// Writer generates from a parsed request (Slack, ?stream=1).
	Writer RunbookWriter
	// Jobs, Queue, Checker and NewID serve Prefer: respond-async and the
	// event streams; a nil Queue answers every request synchronously.
	Jobs    JobStore
	Queue   jobs.Queue
	Checker Checker
	NewID   func() string
	// Metrics, when set, is served on /metrics and records every request.
	Metrics Metrics
	// MetricsOpen serves /metrics without an API key (a scraper on a
	// private network); by default it needs one, like every other route.
	MetricsOpen bool
	// OnQueued is told of each job queued (metrics).
	OnQueued func()
	// Links signs the links that open one runbook without a key (nil: a
	// key made for this handler, so links do not survive it).
	Links *Links
	// CORS lets pages on other origins call the API.
	CORS CORS
	// Heartbeat is how often an idle event stream sends a comment
	// (0: DefaultHeartbeat).
	Heartbeat time.Duration

	pages *web.Pages
}

func (d Deps) heartbeat() time.Duration {
	if d.Heartbeat > 0 {
		return d.Heartbeat
	}
	return DefaultHeartbeat
}

// Metrics records HTTP traffic and serves the exposition format.
type Metrics interface {
	Gin() gin.HandlerFunc
	Handler() http.Handler
}

// NewServer returns the HTTP handler with every route registered.
func NewServer(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	// Every line logged with a request's context names the request and its
	// trace.
	d.Logger = slog.New(telemetry.LogHandler(d.Logger.Handler()))
	access := d.Logger
	if d.AccessLog != nil {
		access = slog.New(telemetry.LogHandler(d.AccessLog.Handler()))
	}
	if d.TracerProvider == nil {
		d.TracerProvider = noop.NewTracerProvider()
	}
	e := gin.New()
	e.HandleMethodNotAllowed = true
	if err := e.SetTrustedProxies(d.TrustedProxies); err != nil {
		d.Logger.Error("invalid trusted proxies, none trusted", "err", err)
		_ = e.SetTrustedProxies(nil)
	}
	if d.Tasks == nil {
		d.Tasks = NewTasks(5 * time.Minute)
	}
	if d.Links == nil {
		key := make([]byte, MinLinkKeyBytes)
		_, _ = rand.Read(key)
		d.Links, _ = NewLinks(key, 24*time.Hour)
	}
	pages, err := web.New()
	if err != nil {
		panic(err) // the templates are embedded: a parse error is a build bug a test catches
	}
	d.pages = pages
	// The request's span (W3C traceparent honoured) comes first, so the
	// request id and every log line can name its trace.
	e.Use(otelgin.Middleware("rotor", otelgin.WithTracerProvider(d.TracerProvider),
		otelgin.WithPropagators(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))), requestID(d.Screener), accessLog(access), recovery(d.Logger))
	if d.Metrics != nil {
		e.Use(d.Metrics.Gin())
	}
	e.Use(d.CORS.middleware())
	e.NoRoute(func(c *gin.Context) {
		writeError(c, d.Logger, runbook.Errorf(runbook.CodeNotFound, "no route for %s %s", c.Request.Method, c.Request.URL.Path))
	})
	rs := routes(d)
	methods := pathMethods(rs)
	e.NoMethod(func(c *gin.Context) {
		if allow := allowFor(methods, c.Request.URL.Path); allow != nil {
			c.Header("Allow", strings.Join(allow, ", "))
		}
		writeError(c, d.Logger, runbook.Errorf(runbook.CodeMethodNotAllowed, "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})
	protect := []gin.HandlerFunc{authenticate(d.Keys, d.Logger), limit(d.Limiter, d.Logger), deadline(d.RequestTimeout)}
	for _, r := range rs {
		handlers := []gin.HandlerFunc{r.Handler}
		if !r.Open {
			handlers = append(append([]gin.HandlerFunc{}, protect...), r.Handler)
		}
		e.Handle(r.Method, r.Path, handlers...)
		// Every GET answers HEAD the same way (monitors, link checkers);
		// net/http sends no body for it.
		if r.Method == http.MethodGet {
			e.Handle(http.MethodHead, r.Path, handlers...)
		}
	}
	return e
}
