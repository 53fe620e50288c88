package generate_test

import (
	"context"
	"testing"
	"testing/synctest"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

// TestSpansPerSectionCall: a runbook is a tree of spans: one per section,
// under it one "chat <model>" span per model call with the GenAI
// semantic-convention attributes, under that one span per HTTP attempt.
func TestSpansPerSectionCall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := request(t, "acme-payments")
		srv, _ := fakeLLM(t, req)
		srv.Script(schema.Name(runbook.SectionRollback), llmtest.Reply{Kind: llmtest.Truncated, Content: `{"triggers": ["a", "b"], "steps": []}`})
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		client, err := openai.New(openai.Config{APIKey: testKey, BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini", TracerProvider: tp})
		if err != nil {
			t.Fatal(err)
		}
		p, _ := prompts.Load(prompts.FS)
		schemas, _ := section.Schemas()
		svc := generate.New(generate.Config{Screener: scanner, Linter: lint.New(scanner), LLM: client, Prompts: p, Schemas: schemas, TracerProvider: tp})
		ctx, root := tp.Tracer("test").Start(context.Background(), "request")
		if _, err := svc.Generate(ctx, req, generate.Options{}); err != nil {
			t.Fatal(err)
		}
		root.End()
		spans := exp.GetSpans()
		byID := map[string]tracetest.SpanStub{}
		for _, s := range spans {
			byID[s.SpanContext.SpanID().String()] = s
			if s.SpanContext.TraceID() != root.SpanContext().TraceID() {
				t.Errorf("span %s is outside the request's trace", s.Name)
			}
		}
		attrs := func(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
			m := map[attribute.Key]attribute.Value{}
			for _, a := range s.Attributes {
				m[a.Key] = a.Value
			}
			return m
		}
		sections, chats, http := 0, 0, 0
		for _, s := range spans {
			a := attrs(s)
			parent := byID[s.Parent.SpanID().String()]
			switch {
			case s.Name == "rotor.section "+a["rotor.section"].AsString():
				sections++
				if a["rotor.section.source"].AsString() != "llm" {
					t.Errorf("%s: %v", s.Name, a["rotor.section.source"])
				}
			case s.Name == "chat gpt-4o-mini":
				chats++
				if parent.Name != "rotor.section "+a["rotor.section"].AsString() {
					t.Errorf("chat span under %q", parent.Name)
				}
				if a["gen_ai.request.model"].AsString() != "gpt-4o-mini" || a["gen_ai.response.model"].AsString() != "gpt-4o-mini" ||
					a["gen_ai.usage.input_tokens"].AsInt64() <= 0 || a["gen_ai.usage.output_tokens"].AsInt64() <= 0 || a["gen_ai.operation.name"].AsString() != "chat" {
					t.Errorf("chat attributes %v", a)
				}
				reasons := a["gen_ai.response.finish_reasons"].AsStringSlice()
				if len(reasons) != 1 || (reasons[0] != "stop" && !(reasons[0] == "length" && a["rotor.section"].AsString() == "rollback")) {
					t.Errorf("%s finish reasons %v", a["rotor.section"].AsString(), reasons)
				}
				if reasons[0] == "length" && a["error.type"].AsString() != "truncated" {
					t.Errorf("truncated call: %v", a)
				}
			case s.Name == "HTTP POST":
				http++
				if parent.Name != "chat gpt-4o-mini" {
					t.Errorf("HTTP span under %q", parent.Name)
				}
			}
		}
		// The cut-off rollback is asked again in parts: one chat span (and one
		// HTTP span) per call the server received.
		calls := len(srv.Requests())
		if sections != len(section.All) || calls < len(section.All)+2 || chats != calls || http != calls {
			t.Errorf("%d section spans, %d chat spans, %d HTTP spans for %d calls; want %d, then one chat and one HTTP span a call (the cut-off rollback asked again in parts)", sections, chats, http, calls, len(section.All))
		}
	})
}
