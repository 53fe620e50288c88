package telemetry

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// gatedHandler writes a record only once the test lets it.
type gatedHandler struct {
	slog.Handler
	gate    chan struct{}
	written *atomic.Int32
}

func (h gatedHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h gatedHandler) Handle(context.Context, slog.Record) error {
	<-h.gate
	h.written.Add(1)
	return nil
}

// TestAsyncCloseWritesWhatIsQueued: Close returns once the queued records
// are written; records after Close are written at once; with a stuck sink
// Close gives up at its timeout.
func TestAsyncCloseWritesWhatIsQueued(t *testing.T) {
	t.Parallel()
	var written atomic.Int32
	gate := make(chan struct{})
	a := NewAsync(gatedHandler{gate: gate, written: &written}, 16)
	log := slog.New(a)
	for range 3 {
		log.Info("queued")
	}
	if n := written.Load(); n != 0 {
		t.Fatalf("%d records written through a closed gate", n)
	}
	close(gate)
	a.Close(time.Hour) // returns when the three are written, not in an hour
	if n := written.Load(); n != 3 {
		t.Errorf("Close returned with %d of 3 records written", n)
	}
	log.Info("after close")
	if n := written.Load(); n != 4 {
		t.Errorf("a record after Close was not written at once: %d", n)
	}

	stuck := NewAsync(gatedHandler{gate: make(chan struct{}), written: &atomic.Int32{}}, 16)
	slog.New(stuck).Info("never written")
	start := time.Now()
	stuck.Close(10 * time.Millisecond)
	if took := time.Since(start); took < 10*time.Millisecond {
		t.Errorf("Close with a stuck sink returned after %v, before its timeout", took)
	}
}
