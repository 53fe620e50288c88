package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestMemoryGetSetExpiry(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(1 << 10)
	now := time.Unix(1000, 0)
	m.now = func() time.Time { return now }
	if _, err := m.Get(ctx, "a"); !errors.Is(err, ErrMiss) {
		t.Fatalf("empty cache: %v", err)
	}
	_ = m.Set(ctx, "a", []byte("one"), time.Minute)
	v, err := m.Get(ctx, "a")
	if err != nil || string(v) != "one" {
		t.Fatalf("got %q %v", v, err)
	}
	in := []byte("two")
	_ = m.Set(ctx, "b", in, time.Minute)
	in[0] = 'X' // the caller's slice; the cache stored its own copy
	if v2, _ := m.Get(ctx, "b"); string(v2) != "two" {
		t.Errorf("cache value aliased: %q", v2)
	}
	now = now.Add(time.Minute)
	if _, err := m.Get(ctx, "a"); !errors.Is(err, ErrMiss) {
		t.Errorf("expired value served: %v", err)
	}
}

func TestMemoryIsBoundedInBytes(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(100)
	for i := range 10 {
		_ = m.Set(ctx, fmt.Sprintf("k%d", i), make([]byte, 30), 0) // 32 bytes each
	}
	if m.size() > 100 || m.Len() != 3 {
		t.Errorf("size %d, %d entries", m.size(), m.Len())
	}
	if _, err := m.Get(ctx, "k9"); err != nil {
		t.Error("the newest entry was evicted")
	}
	if _, err := m.Get(ctx, "k0"); !errors.Is(err, ErrMiss) {
		t.Error("the oldest entry was kept")
	}
	_ = m.Set(ctx, "huge", make([]byte, 200), 0)
	if _, err := m.Get(ctx, "huge"); !errors.Is(err, ErrMiss) || m.Len() != 3 {
		t.Error("a value larger than the cache must not be stored nor evict others")
	}
}

func TestMemoryConcurrentUse(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(1 << 12)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := fmt.Sprintf("k%d", (g*i)%50)
				_ = m.Set(ctx, k, []byte(k), time.Minute)
				_, _ = m.Get(ctx, k)
			}
		}()
	}
	wg.Wait()
	if m.size() > 1<<12 {
		t.Errorf("size %d over bound", m.size())
	}
}
