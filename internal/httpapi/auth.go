package httpapi

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// APIKey is a configured key: a name (for logs and ownership) and the
// SHA-256 of the key. rotor never holds the keys themselves.
type APIKey struct {
	Name string
	Hash [sha256.Size]byte
	// Admin keys read every runbook, job and event stream; others only
	// those they created.
	Admin bool
}

// ParseAPIKeys reads ROTOR_API_KEYS: comma-separated name:sha256:<hex>,
// each optionally followed by :admin. Several keys may be valid at once, so
// rotor's own keys rotate without downtime (a runbook belongs to the key's
// name: give the new key the old one's name to keep reading them... names
// must differ, so an operator reads the old key's runbooks with an :admin
// key).
func ParseAPIKeys(s string) ([]APIKey, error) {
	var keys []APIKey
	names := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := strings.Split(item, ":")
		if (len(parts) != 3 && len(parts) != 4) || parts[0] == "" || parts[1] != "sha256" || (len(parts) == 4 && parts[3] != "admin") {
			return nil, fmt.Errorf("api key %q is not name:sha256:<64 hex digits>[:admin]", redactKeyItem(item))
		}
		b, err := hex.DecodeString(parts[2])
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("api key %q: the hash must be 64 hex digits", parts[0])
		}
		if names[parts[0]] {
			return nil, fmt.Errorf("api key name %q is used twice", parts[0])
		}
		names[parts[0]] = true
		k := APIKey{Name: parts[0], Admin: len(parts) == 4}
		copy(k.Hash[:], b)
		keys = append(keys, k)
	}
	return keys, nil
}

// redactKeyItem keeps a malformed entry's name only: it might be a key pasted
// by mistake.
func redactKeyItem(item string) string {
	name, _, _ := strings.Cut(item, ":")
	if len(name) > 20 {
		name = name[:20]
	}
	return name + ":..."
}

const (
	keyNameKey  = "api_key_name"
	keyAdminKey = "api_key_admin"
	// openKey marks a request to an API without keys: every caller is the
	// same anonymous one, who reads everything.
	openKey = "api_open"
)

// owner is whom what this request creates belongs to: the API key's name,
// or "" on an open API.
func owner(c *gin.Context) string {
	if name := c.GetString(keyNameKey); name != "" {
		return "key:" + name
	}
	return ""
}

// mayRead is the one place that decides whether the caller may read a
// runbook, job or event stream created by owner: an open API reads all,
// an :admin key reads all, any other key what it created. (A signed link
// opens exactly one runbook without asking this.)
func mayRead(c *gin.Context, createdBy string) bool {
	switch {
	case c.GetBool(openKey), c.GetBool(keyAdminKey):
		return true
	}
	return createdBy != "" && createdBy == owner(c)
}

// authenticate checks Authorization: Bearer <key> against every configured
// hash in constant time. A failure says nothing about why.
func authenticate(keys []APIKey, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		if len(keys) == 0 {
			c.Set(openKey, true)
			c.Next()
			return
		}
		token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || !acceptKey(c, keys, token) {
			c.Header("WWW-Authenticate", `Bearer realm="rotor"`)
			writeError(c, log, &runbook.Error{Code: runbook.CodeUnauthorized, Message: "unauthorized"})
			return
		}
		c.Next()
	}
}

// acceptKey checks token against every configured hash in constant time
// and, when one matches, makes the request that key's (ownership, budgets).
func acceptKey(c *gin.Context, keys []APIKey, token string) bool {
	sum := sha256.Sum256([]byte(strings.TrimSpace(token)))
	match := -1
	for i, k := range keys {
		if subtle.ConstantTimeCompare(sum[:], k.Hash[:]) == 1 {
			match = i
		}
	}
	if match < 0 {
		return false
	}
	c.Set(keyNameKey, keys[match].Name)
	c.Set(keyAdminKey, keys[match].Admin)
	return true
}

// Limiter decides whether a client may make one more request.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// limit rate-limits per API key name, or per client address when rotor runs
// without keys. A refusal is 429 with Retry-After.
func limit(l Limiter, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := allowed(c, l, log); err != nil {
			writeError(c, log, err)
			return
		}
		c.Next()
	}
}

// allowed takes one request from the caller's rate budget, or returns the
// refusal (with Retry-After set).
func allowed(c *gin.Context, l Limiter, log *slog.Logger) error {
	if l == nil {
		return nil
	}
	ok, retry, err := l.Allow(c.Request.Context(), limitKey(c))
	if err != nil {
		log.DebugContext(c.Request.Context(), "rate limiter degraded", "err", err)
	}
	if !ok {
		retryAfter(c, retry)
		return &runbook.Error{Code: runbook.CodeRateLimited, Message: fmt.Sprintf("rate limit reached: retry in %s", retry.Round(time.Second))}
	}
	return nil
}

// limitKey is whose budget a request spends: its API key's, or its client
// address's on an open API.
func limitKey(c *gin.Context) string {
	if name := c.GetString(keyNameKey); name != "" {
		return "key:" + name
	}
	return "ip:" + c.ClientIP()
}

func retryAfter(c *gin.Context, d time.Duration) {
	c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}

// WorkLimiter spends work units from a budget per key.
type WorkLimiter interface {
	AllowN(ctx context.Context, key string, n int) (ok bool, retryAfter time.Duration, err error)
}

// admit is the generate.Options.Admit of a request: what writing it costs
// is taken from its key's work budget (ROTOR_WORK_LIMIT), or the request is
// refused, 429 with Retry-After saying when the budget will have it.
func admit(c *gin.Context, d Deps, key string) func(generate.Work) error {
	if d.WorkLimiter == nil {
		return nil
	}
	ctx := c.Request.Context()
	return func(w generate.Work) error {
		retry, err := spend(ctx, d, key, w)
		if err != nil {
			retryAfter(c, retry)
		}
		return err
	}
}

// spend takes w from key's work budget, or returns the refusal and when to
// retry.
func spend(ctx context.Context, d Deps, key string, w generate.Work) (time.Duration, error) {
	ok, retry, err := d.WorkLimiter.AllowN(ctx, "work:"+key, w.Units())
	if err != nil {
		d.Logger.DebugContext(ctx, "work limiter degraded", "err", err)
	}
	if ok {
		return 0, nil
	}
	return retry, &runbook.Error{Code: runbook.CodeRateLimited, Message: fmt.Sprintf(
		"work budget reached: this request is %s; each API key may spend %s work units (ROTOR_WORK_LIMIT); retry in %s",
		w, d.WorkBudget, max(time.Second, retry.Round(time.Second)))}
}

// deadline bounds the whole handling of a request.
func deadline(d time.Duration) gin.HandlerFunc {
	return func(c *gin.Context) {
		if d <= 0 {
			c.Next()
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), d)
		defer cancel()
		c.Request = c.Request.WithContext(ctx)
		c.Next()
	}
}
