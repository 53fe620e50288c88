// Package httpapi is rotor's HTTP interface (gin): every route in routes.go,
// handlers that take exactly the dependencies they use, one error table.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/runbook"
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

// RunbookStore keeps generated runbooks for GET /runbooks/{id}.
type RunbookStore interface {
	Save(ctx context.Context, rb *runbook.Runbook) error
	Load(ctx context.Context, id string) (*runbook.Runbook, error)
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
}

// NewServer returns the HTTP handler with every route registered.
func NewServer(d Deps) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.Use(requestID(), accessLog(d.Logger), recovery(d.Logger))
	e.NoRoute(func(c *gin.Context) {
		writeError(c, d.Logger, runbook.Errorf(runbook.CodeNotFound, "no route for %s %s", c.Request.Method, c.Request.URL.Path))
	})
	e.NoMethod(func(c *gin.Context) {
		writeError(c, d.Logger, runbook.Errorf(runbook.CodeMethodNotAllowed, "%s is not allowed on %s", c.Request.Method, c.Request.URL.Path))
	})
	for _, r := range routes(d) {
		e.Handle(r.Method, r.Path, r.Handler)
	}
	return e
}
