package cache

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Once remembers keys for a while: First answers true the first time it
// sees a key and false for the same key until ttl has passed. It is how a
// signed Slack request is accepted once, not replayed.
type Once interface {
	First(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// MemoryOnce is Once in this process.
type MemoryOnce struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// NewMemoryOnce returns an in-process Once.
func NewMemoryOnce() *MemoryOnce { return &MemoryOnce{seen: map[string]time.Time{}} }

// First reports whether key is new (and remembers it for ttl).
func (m *MemoryOnce) First(_ context.Context, key string, ttl time.Duration) (bool, error) {
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

// RedisOnce is Once shared by every replica (SET NX with a TTL), with this
// process's memory in front: a replay to the same replica is caught even
// while Redis is down; to another one, only while Redis answers.
type RedisOnce struct {
	r     *Redis
	local *MemoryOnce
}

// NewOnce shares First through r.
func (r *Redis) NewOnce() *RedisOnce { return &RedisOnce{r: r, local: NewMemoryOnce()} }

// First reports whether key is new to every replica. When Redis fails the
// answer is this process's, with the error.
func (o *RedisOnce) First(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	first, _ := o.local.First(ctx, key, ttl)
	if !first {
		return false, nil
	}
	cctx, cancel := o.r.ctx(ctx)
	defer cancel()
	ok, err := o.r.c.SetNX(cctx, o.r.prefix+"once:"+key, 1, ttl).Result()
	if err != nil {
		return true, fmt.Errorf("cache: redis once: %w", err)
	}
	return ok, nil
}
