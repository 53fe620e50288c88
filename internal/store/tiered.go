package store

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// Tiered is a Store over a shared primary (Redis) with an in-process local
// store in front: writes go to both; reads try the local store, then the
// primary, copying what the primary had into the local store. rotor's keys
// name values that do not change (a hash of their inputs, or a runbook id),
// except that a value found wrong is deleted (from both stores, by the
// replica that found it) and a provisional section is confirmed: another
// replica's local copy lives at most localBackfillTTL, and rotor checks every
// cached section again before serving it. When the primary fails, requests go on with the local
// store alone, and the failure is logged at most every few seconds.
type Tiered struct {
	primary, local Store
	log            *slog.Logger
	lastLog        atomic.Int64
}

// NewTiered layers primary over local.
func NewTiered(primary, local Store, log *slog.Logger) *Tiered {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tiered{primary: primary, local: local, log: log}
}

var _ Store = (*Tiered)(nil)

func (t *Tiered) warn(ctx context.Context, op string, err error) {
	now := time.Now().UnixNano()
	if last := t.lastLog.Load(); now-last > int64(5*time.Second) && t.lastLog.CompareAndSwap(last, now) {
		t.log.WarnContext(ctx, "shared cache unavailable, using the in-process cache", "op", op, "err", err)
	}
}

// Get reads the local store, then the primary.
func (t *Tiered) Get(ctx context.Context, key string) ([]byte, error) {
	if v, err := t.local.Get(ctx, key); err == nil {
		return v, nil
	}
	v, err := t.primary.Get(ctx, key)
	if err != nil {
		if !errors.Is(err, ErrMiss) {
			t.warn(ctx, "get", err)
		}
		return nil, ErrMiss
	}
	// The primary's TTL is not known here: keep the local copy briefly.
	_ = t.local.Set(ctx, key, v, localBackfillTTL)
	return v, nil
}

// localBackfillTTL bounds how long a value read from the primary stays in the
// local store.
const localBackfillTTL = 10 * time.Minute

// Set writes both; only a local failure is an error.
func (t *Tiered) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := t.primary.Set(ctx, key, value, ttl); err != nil {
		t.warn(ctx, "set", err)
	}
	return t.local.Set(ctx, key, value, ttl)
}

// Delete removes a key from both; only a local failure is an error.
func (t *Tiered) Delete(ctx context.Context, key string) error {
	if err := t.primary.Delete(ctx, key); err != nil {
		t.warn(ctx, "delete", err)
	}
	return t.local.Delete(ctx, key)
}
