package llm

import (
	"context"
	"errors"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Calls is what rotor observes of an adapter's calls: a span per call named
// "chat <model>" with the GenAI semantic-convention attributes, and the
// gauge of calls waiting for an answer.
type Calls struct {
	tracer    trace.Tracer
	provider  string
	model     string
	maxTokens int
	inFlight  atomic.Int64
}

// NewCalls observes the calls to model at provider (gen_ai.provider.name)
// with an answer budget of maxTokens; tp nil traces nothing.
func NewCalls(tp trace.TracerProvider, provider, model string, maxTokens int) *Calls {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return &Calls{tracer: tp.Tracer("github.com/rotor-dev/rotor/internal/llm"), provider: provider, model: model, maxTokens: maxTokens}
}

// InFlight is the number of calls waiting for an answer now (retries
// included).
func (c *Calls) InFlight() int { return int(c.inFlight.Load()) }

// Do makes one call in its span, counted in flight while it waits.
func (c *Calls) Do(ctx context.Context, r Request, call func(context.Context) (Response, error)) (Response, error) {
	ctx, span := c.tracer.Start(ctx, "chat "+c.model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		semconv.GenAIOperationNameChat, semconv.GenAIProviderNameKey.String(c.provider), semconv.GenAIRequestModel(c.model),
		semconv.GenAIRequestMaxTokens(c.maxTokens), attribute.String("rotor.section", r.Section), attribute.String("rotor.schema", r.SchemaName)))
	defer span.End()
	c.inFlight.Add(1)
	resp, err := call(ctx)
	c.inFlight.Add(-1)
	var le *Error
	usage, finish := resp.Usage, resp.FinishReason
	if errors.As(err, &le) {
		usage, finish = le.Usage, le.FinishReason
		span.SetStatus(codes.Error, le.Error())
		span.SetAttributes(semconv.ErrorTypeKey.String(string(le.Kind)), attribute.Int("rotor.llm.reached", le.Reached))
		if le.Model != "" {
			span.SetAttributes(semconv.GenAIResponseModel(le.Model))
		}
	} else {
		span.SetAttributes(semconv.GenAIResponseModel(resp.Model), attribute.Int("rotor.llm.reached", resp.Reached))
	}
	if finish != "" {
		span.SetAttributes(semconv.GenAIResponseFinishReasons(finish))
	}
	if usage.PromptTokens+usage.CompletionTokens > 0 {
		span.SetAttributes(semconv.GenAIUsageInputTokens(usage.PromptTokens), semconv.GenAIUsageOutputTokens(usage.CompletionTokens),
			attribute.Int("gen_ai.usage.cache_read.input_tokens", usage.CachedPromptTokens))
	}
	return resp, err
}
