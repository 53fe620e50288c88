// Package cache stores bytes under keys with a time to live: an in-process
// implementation bounded in bytes (the embedded default) and, later, Redis.
// Consumers declare the narrow interface they need.
package cache

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// ErrMiss is returned by Get when the key is absent or expired.
var ErrMiss = errors.New("cache: miss")

// Memory is an in-process LRU cache bounded by the total size of its keys and
// values. It is safe for concurrent use.
type Memory struct {
	mu       sync.Mutex
	maxBytes int
	size     int
	ll       *list.List
	items    map[string]*list.Element
	now      func() time.Time
}

type entry struct {
	key     string
	value   []byte
	expires time.Time
}

// NewMemory returns a cache holding at most maxBytes of keys and values.
func NewMemory(maxBytes int) *Memory {
	return &Memory{maxBytes: maxBytes, ll: list.New(), items: map[string]*list.Element{}, now: time.Now}
}

// Get returns the value, or ErrMiss. The slice is shared with the cache:
// callers must not modify it (rotor's values are immutable by key).
func (m *Memory) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.items[key]
	if !ok {
		return nil, ErrMiss
	}
	e := el.Value.(*entry)
	if !e.expires.IsZero() && !m.now().Before(e.expires) {
		m.remove(el)
		return nil, ErrMiss
	}
	m.ll.MoveToFront(el)
	return e.value, nil
}

// Set stores a copy of value for ttl (0 = no expiry). A value larger than the
// whole cache is not stored.
func (m *Memory) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	n := len(key) + len(value)
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.items[key]; ok {
		m.remove(el)
	}
	if n > m.maxBytes {
		return nil
	}
	var exp time.Time
	if ttl > 0 {
		exp = m.now().Add(ttl)
	}
	m.items[key] = m.ll.PushFront(&entry{key: key, value: append([]byte(nil), value...), expires: exp})
	m.size += n
	for m.size > m.maxBytes {
		m.remove(m.ll.Back())
	}
	return nil
}

// Delete removes a key.
func (m *Memory) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.items[key]; ok {
		m.remove(el)
	}
	return nil
}

// Len is the number of entries held (expired ones included until touched).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ll.Len()
}

func (m *Memory) remove(el *list.Element) {
	e := el.Value.(*entry)
	m.ll.Remove(el)
	delete(m.items, e.key)
	m.size -= len(e.key) + len(e.value)
}
