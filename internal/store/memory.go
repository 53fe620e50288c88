// Package store keeps bytes under keys with a time to live: in this
// process (Memory, bounded in bytes: the embedded default), in Redis
// (shared by the replicas, with locks), or both (Tiered, Redis with a local
// copy in front). It is what the section and response caches, the runbook
// repository, job states and heartbeats are kept in; rate limiting
// (ratelimit) and the replay guard (replay) are built on its Redis.
// Consumers declare the narrow interface they need.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrMiss is returned by Get when the key is absent or expired.
var ErrMiss = errors.New("store: miss")

// Store is a byte store with a time to live per key.
type Store interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, key string) error
}

var (
	_ Store = (*Memory)(nil)
	_ Store = (*Redis)(nil)
	_ Store = (*Tiered)(nil)
)

// Memory is an in-process LRU cache bounded by the total size of its keys and
// values. It is safe for concurrent use.
type Memory struct {
	o   *LRU[entry]
	now func() time.Time
}

type entry struct {
	value   []byte
	expires time.Time
}

// NewMemory returns a cache holding at most maxBytes of keys and values.
func NewMemory(maxBytes int) *Memory {
	return &Memory{o: NewLRU[entry](maxBytes), now: time.Now}
}

// Get returns the value, or ErrMiss. The slice is shared with the cache:
// callers must not modify it (rotor's values are immutable by key).
func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	e, ok := m.o.Get(key)
	if !ok {
		return nil, ErrMiss
	}
	if !e.expires.IsZero() && !m.now().Before(e.expires) {
		m.o.Delete(key)
		return nil, ErrMiss
	}
	return e.value, nil
}

// Set stores a copy of value for ttl (0 = no expiry). A value larger than the
// whole cache is not stored.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	var exp time.Time
	if ttl > 0 {
		exp = m.now().Add(ttl)
	}
	m.o.Put(key, entry{value: append([]byte(nil), value...), expires: exp}, len(key)+len(value))
	return nil
}

// Delete removes a key.
func (m *Memory) Delete(_ context.Context, key string) error {
	m.o.Delete(key)
	return nil
}

// Len is the number of entries held (expired ones included until touched).
func (m *Memory) Len() int { return m.o.Len() }

// size is the bytes held.
func (m *Memory) size() int { return m.o.Bytes() }
