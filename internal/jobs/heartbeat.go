package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rotor-dev/rotor/internal/store"
)

// A healthy worker is one that wrote its heartbeat to the queue's Redis
// within HeartbeatMaxAge: its process runs, its loop is not stuck, and it
// reaches the Redis its jobs come from. The heartbeat is written every
// HeartbeatEvery and deleted when the worker stops.
const (
	HeartbeatEvery  = 5 * time.Second
	HeartbeatMaxAge = 20 * time.Second
)

// HeartbeatStore is where heartbeats live (the queue's Redis).
type HeartbeatStore interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, key string) error
}

func heartbeatKey(name string) string { return "worker:" + name + ":heartbeat" }

// Beat writes name's heartbeat now and every HeartbeatEvery until ctx ends,
// then deletes it (a stopped worker is not healthy).
func Beat(ctx context.Context, s HeartbeatStore, name string, onErr func(error)) {
	write := func() {
		if err := WriteBeat(ctx, s, name); err != nil && onErr != nil {
			onErr(err)
		}
	}
	write()
	t := time.NewTicker(HeartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			_ = s.Delete(dctx, heartbeatKey(name))
			cancel()
			return
		case <-t.C:
			write()
		}
	}
}

// WriteBeat writes name's heartbeat once, now (a worker writes its first
// before it says it started, so "started" means "healthy").
func WriteBeat(ctx context.Context, s HeartbeatStore, name string) error {
	now := time.Now().UTC().Format(time.RFC3339Nano)
	return s.Set(ctx, heartbeatKey(name), []byte(now), 3*HeartbeatMaxAge)
}

// CheckHeartbeat says whether worker name is healthy, and why not.
func CheckHeartbeat(ctx context.Context, s HeartbeatStore, name string, now time.Time) error {
	b, err := s.Get(ctx, heartbeatKey(name))
	if errors.Is(err, store.ErrMiss) {
		return fmt.Errorf("worker %q has no heartbeat: not running, or stopped", name)
	}
	if err != nil {
		return fmt.Errorf("worker %q: reading its heartbeat: %w", name, err)
	}
	at, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return fmt.Errorf("worker %q: unreadable heartbeat %q", name, b)
	}
	if age := now.Sub(at); age > HeartbeatMaxAge {
		return fmt.Errorf("worker %q: last heartbeat %s ago (more than %s): stuck or cut off from Redis", name, age.Round(time.Second), HeartbeatMaxAge)
	}
	return nil
}
