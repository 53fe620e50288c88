// Package ratelimit limits requests and work per key: token buckets in
// this process (Memory) or shared by every replica through Redis (Redis,
// GCRA with go-redis/redis_rate), with the process's own limiter behind
// when Redis fails.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"golang.org/x/time/rate"

	"github.com/rotor-dev/rotor/internal/store"
)

// Rate is N requests per Period, with bursts of up to N.
type Rate struct {
	N      int
	Period time.Duration
}

// Parse reads "120/m", "10/s" or "1000/h".
func Parse(s string) (Rate, error) {
	n, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	count, err := strconv.Atoi(n)
	if !ok || err != nil || count <= 0 {
		return Rate{}, fmt.Errorf("%q is not N/s, N/m or N/h", s)
	}
	switch unit {
	case "s":
		return Rate{count, time.Second}, nil
	case "m":
		return Rate{count, time.Minute}, nil
	case "h":
		return Rate{count, time.Hour}, nil
	}
	return Rate{}, fmt.Errorf("%q is not N/s, N/m or N/h", s)
}

func (r Rate) String() string {
	return fmt.Sprintf("%d/%s", r.N, map[time.Duration]string{time.Second: "s", time.Minute: "m", time.Hour: "h"}[r.Period])
}

// Memory limits per key in this process (token buckets).
type Memory struct {
	rate Rate
	mu   sync.Mutex
	keys map[string]*rate.Limiter
	seen map[string]time.Time
}

// NewMemory returns an in-process limiter.
func NewMemory(r Rate) *Memory {
	return &Memory{rate: r, keys: map[string]*rate.Limiter{}, seen: map[string]time.Time{}}
}

// Allow takes one request for key; when refused it says when to retry.
func (m *Memory) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	return m.AllowN(ctx, key, 1)
}

// AllowN takes n units for key at once, or none; when refused it says when
// n units will be there. n over the burst (the rate's N) is never allowed.
func (m *Memory) AllowN(_ context.Context, key string, n int) (bool, time.Duration, error) {
	if n > m.rate.N {
		return false, m.rate.Period, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if len(m.keys) > 10000 {
		// Forget idle clients so the map stays bounded.
		for k, t := range m.seen {
			if now.Sub(t) > m.rate.Period {
				delete(m.keys, k)
				delete(m.seen, k)
			}
		}
	}
	l, ok := m.keys[key]
	if !ok {
		l = rate.NewLimiter(rate.Every(m.rate.Period/time.Duration(m.rate.N)), m.rate.N)
		m.keys[key] = l
	}
	m.seen[key] = now
	r := l.ReserveN(now, n)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d, nil
	}
	return true, 0, nil
}

// Redis limits per key across every replica (go-redis/redis_rate,
// GCRA in Redis), falling back to an in-process limiter when Redis fails.
// To keep Redis off the hot path under heavy traffic it takes tokens in
// small batches (a tenth of the per-second rate, at most 50; one at a time
// for limits under 20 per second) and spends them locally for up to a second.
// Tokens a replica took but did not spend are lost, so the shared budget is
// never exceeded.
type Redis struct {
	limiter  *redis_rate.Limiter
	limit    redis_rate.Limit
	batch    int
	r        *store.Redis
	fallback *Memory

	mu      sync.Mutex
	credits map[string]credit
}

type credit struct {
	tokens  int
	expires time.Time
}

// NewRedis shares the limit through r.
func NewRedis(r *store.Redis, rt Rate) *Redis {
	return &Redis{limiter: redis_rate.NewLimiter(r.Client()), limit: redis_rate.Limit{Rate: rt.N, Burst: rt.N, Period: rt.Period},
		batch: batchFor(rt), r: r, fallback: NewMemory(rt), credits: map[string]credit{}}
}

func batchFor(rt Rate) int {
	perSecond := float64(rt.N) / rt.Period.Seconds()
	return min(max(int(perSecond/10), 1), 50)
}

// AllowN takes n units for key at once across every replica (no local
// batching: it is for work budgets, asked once per generation), falling
// back to this process's limiter when Redis fails.
func (l *Redis) AllowN(ctx context.Context, key string, n int) (bool, time.Duration, error) {
	if n > l.limit.Burst {
		return false, l.limit.Period, nil
	}
	cctx, cancel := l.r.Bound(ctx)
	defer cancel()
	res, err := l.limiter.AllowN(cctx, l.r.Key(key), l.limit, n)
	if err != nil {
		ok, d, _ := l.fallback.AllowN(ctx, key, n)
		return ok, d, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if res.Allowed < n {
		return false, res.RetryAfter, nil
	}
	return true, 0, nil
}

// Allow takes one request for key.
func (l *Redis) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	now := time.Now()
	l.mu.Lock()
	if c := l.credits[key]; c.tokens > 0 && now.Before(c.expires) {
		c.tokens--
		l.credits[key] = c
		l.mu.Unlock()
		return true, 0, nil
	}
	if len(l.credits) > 10000 {
		clear(l.credits)
	}
	l.mu.Unlock()
	cctx, cancel := l.r.Bound(ctx)
	defer cancel()
	// redis_rate puts its own "rate:" in front: keys are rate:rotor:v1:<key>.
	res, err := l.limiter.AllowAtMost(cctx, l.r.Key(key), l.limit, l.batch)
	if err != nil {
		ok, d, _ := l.fallback.Allow(ctx, key)
		return ok, d, fmt.Errorf("ratelimit: redis: %w", err)
	}
	if res.Allowed == 0 {
		return false, res.RetryAfter, nil
	}
	if res.Allowed > 1 {
		l.mu.Lock()
		l.credits[key] = credit{tokens: res.Allowed - 1, expires: now.Add(time.Second)}
		l.mu.Unlock()
	}
	return true, 0, nil
}
