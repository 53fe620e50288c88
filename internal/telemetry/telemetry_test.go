package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// TestCarriedWorkLogsItsRequest: a request's id and trace survive the trip to
// later work (a job, a Slack reply), and every line logged there names them.
func TestCarriedWorkLogsItsRequest(t *testing.T) {
	tp, shutdown, err := Setup(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())
	ctx, span := tp.Tracer("t").Start(WithRequestID(context.Background(), "req-1"), "request")
	defer span.End()
	carried := Carry(ctx)
	var buf bytes.Buffer
	log := slog.New(LogHandler(LogHandler(slog.NewJSONHandler(&buf, nil))))
	log.InfoContext(carried.Resume(context.Background()), "later")
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	if line["request_id"] != "req-1" || line["trace_id"] != span.SpanContext().TraceID().String() {
		t.Errorf("%s", buf.Bytes())
	}
	if !trace.SpanContextFromContext(ctx).IsValid() {
		t.Error("spans get ids even when nothing is exported")
	}
	buf.Reset()
	log.Info("no context")
	if bytes.Contains(buf.Bytes(), []byte("request_id")) {
		t.Errorf("%s", buf.Bytes())
	}
}
