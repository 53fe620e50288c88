// Package telemetry wires OpenTelemetry tracing and ties logs to it: a tracer
// provider that exports over OTLP/HTTP when asked to (and only records ids
// otherwise), and a slog handler that stamps every record of a request with
// its request_id and trace_id.
package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
)

// Config says whether and where to export.
type Config struct {
	// Endpoint is the OTLP/HTTP traces URL (".../v1/traces"); empty turns
	// export off. The exporter reads the other standard OTEL_EXPORTER_OTLP_*
	// variables (headers, timeout, compression) itself.
	Endpoint string
	// ServiceName and ServiceVersion describe this process in every span.
	ServiceName, ServiceVersion string
	// Attributes describe it further (OTEL_RESOURCE_ATTRIBUTES, read with
	// ParseResourceAttributes); ServiceName wins over a service.name here.
	Attributes []attribute.KeyValue
}

// ParseResourceAttributes reads OTEL_RESOURCE_ATTRIBUTES: comma-separated
// key=value pairs, values percent-encoded (the W3C Baggage format the
// specification borrows, read by the baggage package).
func ParseResourceAttributes(s string) ([]attribute.KeyValue, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	b, err := baggage.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource attributes: %w", err)
	}
	var out []attribute.KeyValue
	for _, m := range b.Members() {
		out = append(out, attribute.String(m.Key(), m.Value()))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Setup returns the tracer provider and its shutdown (which flushes pending
// spans). Without export, spans still get ids (so logs can name their trace)
// but go nowhere.
func Setup(ctx context.Context, cfg Config) (trace.TracerProvider, func(context.Context) error, error) {
	if cfg.ServiceName == "" {
		cfg.ServiceName = "rotor"
	}
	attrs := append(append([]attribute.KeyValue{}, cfg.Attributes...), semconv.ServiceName(cfg.ServiceName), semconv.ServiceVersion(cfg.ServiceVersion))
	res := resource.NewSchemaless(attrs...) // later attributes win: the service's own
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	if cfg.Endpoint != "" {
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(cfg.Endpoint))
		if err != nil {
			return nil, nil, fmt.Errorf("telemetry: OTLP exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	return tp, tp.Shutdown, nil
}

type requestIDKey struct{}

// WithRequestID returns a context carrying a request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id a context carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler wraps h so that every record logged with a context carries the
// context's request_id, trace_id and span_id. Wrapping twice is wrapping once.
func LogHandler(h slog.Handler) slog.Handler {
	if l, ok := h.(logHandler); ok {
		return l
	}
	return logHandler{h}
}

type logHandler struct{ slog.Handler }

func (l logHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return l.Handler.Handle(ctx, r)
}

func (l logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return logHandler{l.Handler.WithAttrs(as)}
}
func (l logHandler) WithGroup(name string) slog.Handler { return logHandler{l.Handler.WithGroup(name)} }

// Carrier is what a request hands over to work done after it answered (an
// asynchronous job, a Slack reply): its request id and W3C trace context, so
// that work's spans join the request's trace and its log lines name both.
type Carrier map[string]string

// Carry captures ctx's request id and trace context.
func Carry(ctx context.Context) Carrier {
	c := Carrier{}
	if id := RequestID(ctx); id != "" {
		c["request_id"] = id
	}
	propagation.TraceContext{}.Inject(ctx, propagation.MapCarrier(c))
	return c
}

// Resume puts the carried request id and trace context into ctx.
func (c Carrier) Resume(ctx context.Context) context.Context {
	if len(c) == 0 {
		return ctx
	}
	ctx = propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier(c))
	if id := c["request_id"]; id != "" {
		ctx = WithRequestID(ctx, id)
	}
	return ctx
}
