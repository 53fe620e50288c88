// Package replay is the replay guard: a key (a signed request's signature)
// is accepted the first time and refused until its time to live has passed,
// in this process or across every replica through Redis.
package replay

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rotor-dev/rotor/internal/store"
)

// Once remembers keys for a while: First answers true the first time it
// sees a key and false for the same key until ttl has passed. It is how a
// signed Slack request is accepted once, not replayed.
type Once interface {
	First(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Memory is Once in this process.
type Memory struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// NewMemory returns an in-process Once.
func NewMemory() *Memory { return &Memory{seen: map[string]time.Time{}} }

// First reports whether key is new (and remembers it for ttl).
func (m *Memory) First(_ context.Context, key string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if len(m.seen) >= 4096 {
		for k, until := range m.seen {
			if now.After(until) {
				delete(m.seen, k)
			}
		}
	}
	if until, ok := m.seen[key]; ok && now.Before(until) {
		return false, nil
	}
	m.seen[key] = now.Add(ttl)
	return true, nil
}

// Redis is Once shared by every replica (SET NX with a TTL), with this
// process's memory in front: a replay to the same replica is caught even
// while Redis is down; to another one, only while Redis answers.
type Redis struct {
	r     *store.Redis
	local *Memory
}

// NewRedis shares First through r.
func NewRedis(r *store.Redis) *Redis { return &Redis{r: r, local: NewMemory()} }

// First reports whether key is new to every replica. When Redis fails the
// answer is this process's, with the error.
func (o *Redis) First(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	first, _ := o.local.First(ctx, key, ttl)
	if !first {
		return false, nil
	}
	ok, err := o.r.Add(ctx, "once:"+key, []byte("1"), ttl)
	if err != nil {
		return true, fmt.Errorf("replay: %w", err)
	}
	return ok, nil
}
