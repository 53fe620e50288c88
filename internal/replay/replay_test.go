package replay_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/replay"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// TestOnceAcceptsAKeyOnce: the first call with a key is new, the next ones
// within the TTL are not, in one process and across replicas sharing Redis;
// with Redis down the process still remembers.
func TestOnceAcceptsAKeyOnce(t *testing.T) {
	ctx := context.Background()
	mem := replay.NewMemory()
	if ok, _ := mem.First(ctx, "sig", time.Minute); !ok {
		t.Fatal("first use refused")
	}
	if ok, _ := mem.First(ctx, "sig", time.Minute); ok {
		t.Fatal("replay accepted in memory")
	}
	synctest.Test(t, func(t *testing.T) {
		mem := replay.NewMemory()
		if ok, _ := mem.First(ctx, "short", time.Millisecond); !ok {
			t.Fatal("first use refused")
		}
		time.Sleep(5 * time.Millisecond) // on the bubble's clock
		if ok, _ := mem.First(ctx, "short", time.Minute); !ok {
			t.Fatal("an expired key is still remembered")
		}
	})

	url, prefix := redistest.URL(t), redistest.Prefix(t)
	a, b := replay.NewRedis(redistest.Store(t, url, prefix)), replay.NewRedis(redistest.Store(t, url, prefix))
	if ok, err := a.First(ctx, "sig", time.Minute); !ok || err != nil {
		t.Fatalf("first use: %v %v", ok, err)
	}
	if ok, _ := b.First(ctx, "sig", time.Minute); ok {
		t.Fatal("a replay to another replica was accepted")
	}
	if ttl := redistest.Client(t, url).PTTL(ctx, prefix+"once:sig").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("ttl %v", ttl)
	}
	down := replay.NewRedis(redistest.Store(t, "redis://127.0.0.1:1", prefix))
	if ok, err := down.First(ctx, "x", time.Minute); !ok || err == nil {
		t.Errorf("Redis down, first use: %v %v", ok, err)
	}
	if ok, _ := down.First(ctx, "x", time.Minute); ok {
		t.Error("Redis down: a replay to the same process was accepted")
	}
}
