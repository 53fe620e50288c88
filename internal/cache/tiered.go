package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// Tiered is a Store over a shared primary (Redis) with an in-process local
// store underneath: writes go to both, reads try the primary first. When the
// primary fails, requests go on with the local store alone, and the failure is
// logged at most every few seconds.
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

// Get reads the primary, then the local store.
func (t *Tiered) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := t.primary.Get(ctx, key)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, ErrMiss) {
		t.warn(ctx, "get", err)
	}
	return t.local.Get(ctx, key)
}

// Set writes both; only a local failure is an error.
func (t *Tiered) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := t.primary.Set(ctx, key, value, ttl); err != nil {
		t.warn(ctx, "set", err)
	}
	return t.local.Set(ctx, key, value, ttl)
}
