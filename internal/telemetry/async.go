package telemetry

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// Async is a slog handler that hands records to one goroutine writing them
// to the inner handler, so a slow log sink (a stderr pipe nobody drains fast
// enough) never holds a request. When its queue is full a record is dropped
// and counted, never waited for. Close writes what is queued.
type Async struct {
	inner slog.Handler
	q     *asyncQueue
}

type asyncQueue struct {
	ch      chan asyncRecord
	dropped atomic.Int64
	closed  atomic.Bool
}

type asyncRecord struct {
	h slog.Handler
	r slog.Record
	// flushed, when set, marks no record but the end of those queued
	// before it: the writer closes it when it gets there.
	flushed chan struct{}
}

// NewAsync queues at most size records for inner.
func NewAsync(inner slog.Handler, size int) *Async {
	q := &asyncQueue{ch: make(chan asyncRecord, size)}
	go func() {
		for rec := range q.ch {
			if rec.flushed != nil {
				close(rec.flushed)
				continue
			}
			_ = rec.h.Handle(context.Background(), rec.r)
		}
	}()
	return &Async{inner: inner, q: q}
}

// Enabled reports the inner handler's level.
func (a *Async) Enabled(ctx context.Context, l slog.Level) bool { return a.inner.Enabled(ctx, l) }

// Handle queues the record (written at once after Close).
func (a *Async) Handle(ctx context.Context, r slog.Record) error {
	if a.q.closed.Load() {
		return a.inner.Handle(ctx, r)
	}
	select {
	case a.q.ch <- asyncRecord{h: a.inner, r: r.Clone()}:
	default:
		a.q.dropped.Add(1)
	}
	return nil
}

// WithAttrs shares the queue.
func (a *Async) WithAttrs(as []slog.Attr) slog.Handler {
	return &Async{inner: a.inner.WithAttrs(as), q: a.q}
}

// WithGroup shares the queue.
func (a *Async) WithGroup(name string) slog.Handler {
	return &Async{inner: a.inner.WithGroup(name), q: a.q}
}

// Dropped counts the records dropped because the queue was full.
func (a *Async) Dropped() int64 { return a.q.dropped.Load() }

// Close writes the queued records (waiting at most timeout) and makes later
// records synchronous.
func (a *Async) Close(timeout time.Duration) {
	if a.q.closed.Swap(true) {
		return
	}
	// The queue is first in, first out: once the writer reaches a marker
	// queued now, everything queued before it is written.
	expire := time.NewTimer(timeout)
	defer expire.Stop()
	flushed := make(chan struct{})
	select {
	case a.q.ch <- asyncRecord{flushed: flushed}:
	case <-expire.C:
		return
	}
	select {
	case <-flushed:
	case <-expire.C:
	}
}
