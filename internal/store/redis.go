package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Prefix namespaces every key rotor writes to Redis.
const Prefix = "rotor:v1:"

// Redis is a Store and a Locker on a single Redis server. Every call is bounded
// by a short timeout: a slow or absent Redis costs a request milliseconds, not
// its answer.
type Redis struct {
	c       *redis.Client
	prefix  string
	timeout time.Duration
}

// RedisOptions tune the client.
type RedisOptions struct {
	// Prefix replaces the default namespace (tests isolate themselves).
	Prefix string
	// Logger receives the client library's own messages, at debug level.
	Logger *slog.Logger
	// Timeout bounds each call (default 250ms).
	Timeout time.Duration
}

// slogPrintf routes go-redis's own messages (dial failures while Redis is
// down) to slog at debug level instead of the standard error stream.
type slogPrintf struct{ log *slog.Logger }

func (l slogPrintf) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// NewRedis connects lazily to the server at url (redis://[user:pass@]host:port/db).
// It does not fail when Redis is down: calls do, quickly, until it is back.
func NewRedis(url string, o RedisOptions) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("store: REDIS_URL: %w", err)
	}
	if o.Timeout <= 0 {
		o.Timeout = 250 * time.Millisecond
	}
	if o.Prefix == "" {
		o.Prefix = Prefix
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	// go-redis logs through a package-level logger; it is the only way in.
	redis.SetLogger(slogPrintf{o.Logger})
	opts.DialTimeout = o.Timeout
	opts.ReadTimeout = o.Timeout
	opts.WriteTimeout = o.Timeout
	opts.PoolTimeout = o.Timeout
	opts.ContextTimeoutEnabled = true
	opts.MaxRetries = 1
	opts.DisableIdentity = true
	return &Redis{c: redis.NewClient(opts), prefix: o.Prefix, timeout: o.Timeout}, nil
}

// Add stores value under key for ttl only if key is absent, and reports
// whether it did (SET NX: the replay guard's "first time").
func (r *Redis) Add(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	ok, err := r.c.SetNX(ctx, r.prefix+key, value, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("store: redis add: %w", err)
	}
	return ok, nil
}

// Client is the Redis client, for packages built on this Redis (rate
// limiting).
func (r *Redis) Client() *redis.Client { return r.c }

// Key is key in this store's namespace.
func (r *Redis) Key(key string) string { return r.prefix + key }

// Bound gives a call the store's per-call timeout.
func (r *Redis) Bound(ctx context.Context) (context.Context, context.CancelFunc) { return r.ctx(ctx) }

// Close releases the connections.
func (r *Redis) Close() error { return r.c.Close() }

func (r *Redis) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// Ping checks the server answers.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	return r.c.Ping(ctx).Err()
}

// Get returns the value or ErrMiss.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	b, err := r.c.Get(ctx, r.prefix+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrMiss
	}
	if err != nil {
		return nil, fmt.Errorf("store: redis get: %w", err)
	}
	return b, nil
}

// Set stores a value for ttl (0 = no expiry).
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	if err := r.c.Set(ctx, r.prefix+key, value, ttl).Err(); err != nil {
		return fmt.Errorf("store: redis set: %w", err)
	}
	return nil
}

// Delete removes a key (absent is not an error).
func (r *Redis) Delete(ctx context.Context, key string) error {
	ctx, cancel := r.ctx(ctx)
	defer cancel()
	if err := r.c.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("store: redis delete: %w", err)
	}
	return nil
}

var (
	// unlockScript deletes the lock only if we still hold it.
	unlockScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)
	// extendScript renews the lock only if we still hold it.
	extendScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)
)

// Lock is a held lock.
type Lock struct {
	r     *Redis
	key   string
	token string
}

// TryLock takes the lock named key for ttl (SET NX PX with a random token).
// ok is false when another holder has it.
func (r *Redis) TryLock(ctx context.Context, key string, ttl time.Duration) (*Lock, bool, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	l := &Lock{r: r, key: r.prefix + "lock:" + key, token: hex.EncodeToString(b[:])}
	cctx, cancel := r.ctx(ctx)
	defer cancel()
	ok, err := r.c.SetNX(cctx, l.key, l.token, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("store: redis lock: %w", err)
	}
	if !ok {
		return nil, false, nil
	}
	return l, true, nil
}

// Extend renews a held lock; false means it was lost (expired and taken).
func (l *Lock) Extend(ctx context.Context, ttl time.Duration) (bool, error) {
	ctx, cancel := l.r.ctx(ctx)
	defer cancel()
	n, err := extendScript.Run(ctx, l.r.c, []string{l.key}, l.token, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("store: redis extend: %w", err)
	}
	return n == 1, nil
}

// Unlock releases the lock if it is still ours.
func (l *Lock) Unlock(ctx context.Context) error {
	ctx, cancel := l.r.ctx(ctx)
	defer cancel()
	if err := unlockScript.Run(ctx, l.r.c, []string{l.key}, l.token).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("store: redis unlock: %w", err)
	}
	return nil
}
