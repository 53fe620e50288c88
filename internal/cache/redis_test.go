package cache_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/cache"
	"github.com/rotor-dev/rotor/internal/cache/redistest"
	"github.com/rotor-dev/rotor/internal/runbook"
)

func newRedis(t *testing.T, url, prefix string) *cache.Redis {
	t.Helper()
	// A live Redis answers well within 10 s however loaded the machine; a
	// dead one refuses the connection at once, so outages stay quick.
	r, err := cache.NewRedis(url, cache.RedisOptions{Prefix: prefix, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRedisGetSetTTLAndNamespace(t *testing.T) {
	url := redistest.URL(t)
	prefix := redistest.Prefix(t)
	r := newRedis(t, url, prefix)
	ctx := context.Background()
	if _, err := r.Get(ctx, "k"); !errors.Is(err, cache.ErrMiss) {
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
	if cache.Prefix != "rotor:v1:" {
		t.Errorf("production prefix %q", cache.Prefix)
	}
}

func TestRedisLock(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	r := newRedis(t, url, prefix)
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
	r := newRedis(t, srv.URL, redistest.Prefix(t))
	local := cache.NewMemory(1 << 20)
	tiered := cache.NewTiered(r, local, nil)
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

func TestRunbooksInRedisAreSharedByReplicas(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	a := cache.NewRunbooks(newRedis(t, url, prefix), time.Hour, cache.RunbooksOptions{})
	b := cache.NewRunbooks(newRedis(t, url, prefix), time.Hour, cache.RunbooksOptions{})
	ctx := context.Background()
	if err := a.Save(ctx, &runbook.Runbook{ID: "rb_shared", System: "S"}, "key:ci"); err != nil {
		t.Fatal(err)
	}
	got, err := b.Load(ctx, "rb_shared")
	if err != nil || got.System != "S" {
		t.Fatalf("%+v %v", got, err)
	}
}

// TestOnceAcceptsAKeyOnce: the first call with a key is new, the next ones
// within the TTL are not, in one process and across replicas sharing Redis;
// with Redis down the process still remembers.
func TestOnceAcceptsAKeyOnce(t *testing.T) {
	ctx := context.Background()
	mem := cache.NewMemoryOnce()
	if ok, _ := mem.First(ctx, "sig", time.Minute); !ok {
		t.Fatal("first use refused")
	}
	if ok, _ := mem.First(ctx, "sig", time.Minute); ok {
		t.Fatal("replay accepted in memory")
	}
	synctest.Test(t, func(t *testing.T) {
		mem := cache.NewMemoryOnce()
		if ok, _ := mem.First(ctx, "short", time.Millisecond); !ok {
			t.Fatal("first use refused")
		}
		time.Sleep(5 * time.Millisecond) // on the bubble's clock
		if ok, _ := mem.First(ctx, "short", time.Minute); !ok {
			t.Fatal("an expired key is still remembered")
		}
	})

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	a, b := newRedis(t, url, prefix).NewOnce(), newRedis(t, url, prefix).NewOnce()
	if ok, err := a.First(ctx, "sig", time.Minute); !ok || err != nil {
		t.Fatalf("first use: %v %v", ok, err)
	}
	if ok, _ := b.First(ctx, "sig", time.Minute); ok {
		t.Fatal("a replay to another replica was accepted")
	}
	if ttl := redistest.Client(t, url).PTTL(ctx, prefix+"once:sig").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("ttl %v", ttl)
	}
	down := newRedis(t, "redis://127.0.0.1:1", prefix).NewOnce()
	if ok, err := down.First(ctx, "x", time.Minute); !ok || err == nil {
		t.Errorf("Redis down, first use: %v %v", ok, err)
	}
	if ok, _ := down.First(ctx, "x", time.Minute); ok {
		t.Error("Redis down: a replay to the same process was accepted")
	}
}
