package ratelimit

import (
	"context"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Rate{"120/m": {120, time.Minute}, "10/s": {10, time.Second}, "1000/h": {1000, time.Hour}} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "120", "0/m", "x/m", "10/d"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestBatchFor(t *testing.T) {
	for rt, want := range map[Rate]int{{120, time.Minute}: 1, {100, time.Second}: 10, {1000000, time.Second}: 50, {19, time.Second}: 1} {
		if got := batchFor(rt); got != want {
			t.Errorf("%v: %d, want %d", rt, got, want)
		}
	}
}

func TestMemoryLimiter(t *testing.T) {
	l := NewMemory(Rate{3, time.Minute})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if ok, _, _ := l.Allow(ctx, "k"); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, retry, _ := l.Allow(ctx, "k")
	if ok || retry <= 0 || retry > 20*time.Second {
		t.Errorf("4th: %v %v", ok, retry)
	}
	if ok, _, _ := l.Allow(ctx, "other"); !ok {
		t.Error("keys share a budget")
	}
}
