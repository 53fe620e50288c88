package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/telemetry"
)

const requestIDKey = "request_id"

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID takes the caller's X-Request-ID when it is sane and not a
// secret (it is logged and returned), or makes one, returns it on the
// response, puts it in the request's context (every log line of the request
// carries it, with the trace id) and on the request's span. It also makes
// the screen available to writeError.
func requestID(sc TextScreener) gin.HandlerFunc {
	return func(c *gin.Context) {
		if sc != nil {
			c.Set(screenKey, sc)
		}
		id := c.GetHeader("X-Request-ID")
		if !requestIDRE.MatchString(id) || (sc != nil && len(id) >= 16 && len(secretscan.Refusals(sc.ScanValue("", id))) > 0) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		ctx := telemetry.WithRequestID(c.Request.Context(), id)
		trace.SpanFromContext(ctx).SetAttributes(attribute.String("rotor.request_id", id))
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}

// accessLog logs one line per request: never a body, never a header value
// other than the request id.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		log.InfoContext(c.Request.Context(), "http request", "method", c.Request.Method, "route", route,
			"status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds(),
			"api_key", c.GetString(keyNameKey))
	}
}

// recovery turns a panic into a 500 with the contract's error body.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, p any) {
		log.ErrorContext(c.Request.Context(), "panic in handler", "panic", p, "route", c.FullPath())
		writeError(c, log, &runbook.Error{Code: runbook.CodeInternal, Message: "internal error"})
	})
}
