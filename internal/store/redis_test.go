package store_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/store"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

func TestRedisGetSetTTLAndNamespace(t *testing.T) {
	url := redistest.URL(t)
	prefix := redistest.Prefix(t)
	r := redistest.Store(t, url, prefix)
	ctx := context.Background()
	if _, err := r.Get(ctx, "k"); !errors.Is(err, store.ErrMiss) {
		t.Fatalf("miss: %v", err)
	}
	if err := r.Set(ctx, "k", []byte(`{"a":1}`), time.Second); err != nil {
		t.Fatal(err)
	}
	v, err := r.Get(ctx, "k")
	if err != nil || !bytes.Equal(v, []byte(`{"a":1}`)) {
		t.Fatalf("%s %v", v, err)
	}
	raw := redistest.Client(t, url)
	if ttl := raw.PTTL(ctx, prefix+"k").Val(); ttl <= 0 || ttl > time.Second {
		t.Errorf("ttl %v", ttl)
	}
	if n := raw.Exists(ctx, "k").Val(); n != 0 {
		t.Error("a key outside the namespace was written")
	}
	if store.Prefix != "rotor:v1:" {
		t.Errorf("production prefix %q", store.Prefix)
	}
}

func TestRedisLock(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	r := redistest.Store(t, url, prefix)
	raw := redistest.Client(t, url)
	ctx := context.Background()
	a, ok, err := r.TryLock(ctx, "section", 300*time.Millisecond)
	if err != nil || !ok {
		t.Fatalf("first lock: %v %v", ok, err)
	}
	if _, ok, _ := r.TryLock(ctx, "section", time.Second); ok {
		t.Fatal("a held lock was taken")
	}
	if ok, err := a.Extend(ctx, 300*time.Millisecond); !ok || err != nil {
		t.Fatalf("extend: %v %v", ok, err)
	}
	// The holder "dies": nothing renews its lock, which Redis drops when
	// its TTL runs out (done here at once: the TTL is what Redis honours).
	if ttl := raw.PTTL(ctx, prefix+"lock:section").Val(); ttl <= 0 || ttl > 300*time.Millisecond {
		t.Fatalf("lock TTL %v: a dead holder's lock would not expire in time", ttl)
	}
	raw.Del(ctx, prefix+"lock:section")
	b, ok, err := r.TryLock(ctx, "section", time.Second)
	if err != nil || !ok {
		t.Fatalf("an expired lock is taken over: %v %v", ok, err)
	}
	// The dead holder's unlock must not release the new holder's lock.
	if err := a.Unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.TryLock(ctx, "section", time.Second); ok {
		t.Fatal("a stale holder released someone else's lock")
	}
	if ok, _ := a.Extend(ctx, time.Second); ok {
		t.Fatal("a stale holder extended someone else's lock")
	}
	_ = b.Unlock(ctx)
	if _, ok, _ := r.TryLock(ctx, "section", time.Second); !ok {
		t.Fatal("released lock not free")
	}
}

func TestTieredKeepsServingWhenRedisDies(t *testing.T) {
	srv := redistest.Start(t)
	r := redistest.Store(t, srv.URL, redistest.Prefix(t))
	local := store.NewMemory(1 << 20)
	tiered := store.NewTiered(r, local, nil)
	ctx := context.Background()
	if err := tiered.Set(ctx, "a", []byte("1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := r.Get(ctx, "a"); err != nil || string(v) != "1" {
		t.Fatalf("not written to Redis: %s %v", v, err)
	}
	srv.Kill()
	if v, err := tiered.Get(ctx, "a"); err != nil || string(v) != "1" {
		t.Errorf("local copy not served: %s %v", v, err)
	}
	if err := tiered.Set(ctx, "b", []byte("2"), time.Minute); err != nil {
		t.Errorf("set with Redis down: %v", err)
	}
	if err := r.Ping(ctx); err == nil {
		t.Error("ping should fail")
	}
	srv.Restart(t) // returns once the server accepts connections
	if err := r.Ping(ctx); err != nil {
		t.Fatalf("no recovery after Redis came back: %v", err)
	}
	if err := tiered.Set(ctx, "c", []byte("3"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := r.Get(ctx, "c"); err != nil || string(v) != "3" {
		t.Errorf("writes do not reach Redis again: %s %v", v, err)
	}
}
