package generate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store"
)

// Cache stores bytes under keys for a while; a miss is store.ErrMiss.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, key string) error
}

// Locker coordinates replicas: one of them writes a section, the others wait
// for its result. *store.Redis implements it.
type Locker interface {
	TryLock(ctx context.Context, key string, ttl time.Duration) (*store.Lock, bool, error)
}

var _ Locker = (*store.Redis)(nil)

// CacheConfig tunes caching and coordination.
type CacheConfig struct {
	// Cache holds sections and responses; nil disables caching.
	Cache Cache
	// Locker is nil in a single process (singleflight is enough there).
	Locker Locker
	// TTL of a valid LLM section and of a response (default 7 days). A new
	// LLM section is cached for that long only once a runbook it was served
	// in passed the whole-runbook check; until then it is provisional (it
	// lives for the generation deadline plus LockTTL, so other replicas
	// waiting for it can use it, and check it themselves).
	TTL time.Duration
	// FallbackTTL of a fallback section (default 10 minutes), so a failing LLM
	// is not hammered and its recovery is picked up soon.
	FallbackTTL time.Duration
	// LockTTL is how long a writer's lock lives without renewal (default 30s);
	// it is renewed while the writer works, so a dead writer's lock expires.
	LockTTL time.Duration
	// LockWait bounds how long a replica waits for another one's section
	// before writing it itself (default: the generation deadline).
	LockWait time.Duration
	// PollInterval is how often a waiting replica looks for the section.
	PollInterval time.Duration
}

// entry is what a cached section looks like: compact JSON.
type entry struct {
	Source   runbook.Source  `json:"source"`
	Reason   string          `json:"reason,omitempty"`
	Attempts int             `json:"attempts"`
	Section  json.RawMessage `json:"section"`
	// Pending: no clean runbook has confirmed this LLM section yet.
	Pending bool `json:"pending,omitempty"`
	// Split: the section (or part) does not fit one answer; it is asked in
	// smaller parts.
	Split bool `json:"split,omitempty"`
}

// sectionKey hashes exactly what a section depends on: the prompt templates it
// is built from, the schema, the provider endpoint, the model and mode, the
// section, and the data block (the facts every section's prompt carries).
// A part of a section has its own key: its data block names the part.
func (s *Service) sectionKey(u *unit) string {
	data, _ := json.Marshal(struct {
		Prompt, Schema, Endpoint, Model, Mode, Data string
		Section                                     runbook.SectionID
	}{s.cfg.Prompts.SectionVersion(string(u.id)), s.cfg.Schemas.Version(), s.cfg.Endpoint, s.cfg.LLM.Model(), s.cfg.LLM.Mode(), u.dataSum, u.id})
	sum := sha256.Sum256(data)
	return "section:" + string(u.id) + ":" + hex.EncodeToString(sum[:])
}

// cachedSection reads a section from the cache. A corrupt or unreadable
// value is a miss, logged, never an error to the user.
func (s *Service) cachedSection(ctx context.Context, key string, id runbook.SectionID) (written, bool) {
	c := s.cfg.Cache.Cache
	data, err := c.Get(ctx, key)
	if err != nil {
		if !errors.Is(err, store.ErrMiss) {
			s.log.WarnContext(ctx, "section cache read failed", "section", id, "err", err)
		}
		s.cfg.Observer.Cache("section", false)
		return written{}, false
	}
	var e entry
	var sec runbook.Sections
	if err := json.Unmarshal(data, &e); err != nil || (e.Source != runbook.SourceLLM && e.Source != runbook.SourceFallback) {
		s.log.WarnContext(ctx, "corrupt section in cache, ignored", "section", id, "key", key)
		s.cfg.Observer.Cache("section", false)
		return written{}, false
	}
	if err := section.Must(id).Decode(e.Section, &sec); err != nil {
		s.log.WarnContext(ctx, "corrupt section in cache, ignored", "section", id, "key", key)
		s.cfg.Observer.Cache("section", false)
		return written{}, false
	}
	s.cfg.Observer.Cache("section", true)
	w := written{sec: sec, cacheHit: true, key: key, pending: e.Pending, split: e.Split}
	if e.Source == runbook.SourceLLM {
		w.status = runbook.SectionStatus{Source: runbook.SourceCache}
	} else {
		w.status = runbook.SectionStatus{Source: runbook.SourceFallback, Reason: "cached fallback: " + e.Reason}
	}
	return w, true
}

// cachedChecked is cachedSection for a section that must still pass the
// checks an answer passes (a cached LLM section is never trusted blindly: it
// may come from an older release with weaker checks). One that fails is
// evicted and is a miss, so it is written again. A cached fallback is served
// as this release's offline section.
func (s *Service) cachedChecked(ctx context.Context, key string, j *job, u *unit) (written, bool) {
	id := u.id
	w, ok := s.cachedSection(ctx, key, id)
	if !ok {
		return w, false
	}
	if w.status.Source == runbook.SourceFallback {
		// A cached fallback says "the model failed recently": its content
		// is this release's offline section.
		section.Must(id).Copy(&w.sec, j.offline)
		return w, true
	}
	if v := s.check(j, u, &w.sec); len(v) > 0 {
		s.log.WarnContext(ctx, "cached section evicted: it fails the checks", "section", id, "violations", len(v), "first", v[0])
		if err := s.cfg.Cache.Cache.Delete(context.WithoutCancel(ctx), key); err != nil {
			s.log.WarnContext(ctx, "section cache eviction failed", "section", id, "err", err)
		}
		return written{}, false
	}
	return w, true
}

// storeSection caches a freshly written section: an LLM section
// provisionally (see CacheConfig.TTL), a fallback for FallbackTTL. A fallback
// caused by the caller going away says nothing about the LLM and is not
// cached.
func (s *Service) storeSection(ctx context.Context, key string, w *written) {
	ttl := s.cfg.Cache.FallbackTTL
	switch {
	case w.status.Source == runbook.SourceLLM:
		ttl, w.pending = s.cfg.Deadline+s.cfg.Cache.LockTTL, true
	case w.status.Source == runbook.SourceFallback && !w.callerGone && !w.budget:
	default:
		return
	}
	if held := w.held(); held != nil && w.encoded == nil {
		// Encoded once: settle puts the section again to confirm it.
		w.encoded, _ = held.Encode(&w.sec)
	}
	s.putSection(ctx, key, *w, ttl)
}

func (s *Service) putSection(ctx context.Context, key string, w written, ttl time.Duration) {
	held := w.held()
	if held == nil {
		return
	}
	sec := w.encoded
	if sec == nil {
		var err error
		if sec, err = held.Encode(&w.sec); err != nil {
			return
		}
	}
	if w.split {
		// A marker: the content is this release's offline section anyway.
		sec = []byte("{}")
	}
	src := w.status.Source
	if src == runbook.SourceCache {
		src = runbook.SourceLLM
	}
	data, err := json.Marshal(entry{Source: src, Reason: w.status.Reason, Attempts: w.status.Attempts, Section: sec, Pending: w.pending, Split: w.split})
	if err != nil {
		return
	}
	if err := s.cfg.Cache.Cache.Set(context.WithoutCancel(ctx), key, data, ttl); err != nil {
		s.log.WarnContext(ctx, "section cache write failed", "err", err)
	}
}

// settle follows up the whole-runbook check in the cache: a provisional LLM
// section the runbook kept is confirmed (cached for TTL); a section from the
// model or the cache that the check replaced is evicted, so no request is
// served it again.
func (s *Service) settle(ctx context.Context, rb *runbook.Runbook, ws map[runbook.SectionID]written) {
	if s.cfg.Cache.Cache == nil {
		return
	}
	for id, w := range ws {
		for _, p := range w.parts {
			s.settleOne(ctx, id, p, rb.SectionStatus[id])
		}
		s.settleOne(ctx, id, w, rb.SectionStatus[id])
	}
}

// settleOne confirms or evicts one cached section or part.
func (s *Service) settleOne(ctx context.Context, id runbook.SectionID, w written, st runbook.SectionStatus) {
	if w.key == "" || !replaceable(w.status) {
		return
	}
	switch {
	case replaceable(st) && w.pending:
		w.pending = false
		s.putSection(ctx, w.key, w, s.cfg.Cache.TTL)
	case !replaceable(st):
		if err := s.cfg.Cache.Cache.Delete(context.WithoutCancel(ctx), w.key); err != nil {
			s.log.WarnContext(ctx, "section cache eviction failed", "section", id, "err", err)
		}
		s.log.WarnContext(ctx, "cached section evicted: the whole-runbook check rejected it", "section", id, "reason", st.Reason)
	}
}

// section returns one section: whole, or asked in parts and merged.
func (s *Service) section(ctx context.Context, j *job, id runbook.SectionID) written {
	units, err := s.units(j, id)
	if err != nil {
		s.log.ErrorContext(ctx, "section not planned in parts (a bug): asked whole", "section", id, "err", err)
		return s.writeUnit(ctx, j, j.whole(id), nil)
	}
	if len(units) == 1 {
		w := s.unitResult(ctx, j, units[0])
		if !w.split || !splittable(id) {
			w.split = false
			return w
		}
		// Cut off, or beyond the context window: asked in parts, each at
		// most half the planned content.
		planned, _ := section.Must(id).Encode(j.offline)
		units, err = s.split(j, id, min(s.cfg.MaxTokens/answerShare*splitBytes, len(planned)/2))
		if err == nil && len(units) == 1 {
			// One secret, one track: its steps in halves.
			units, err = s.halve(j, units[0])
		}
		if err != nil || len(units) < 2 {
			w.split = false
			return w
		}
		// The answer that did not fit was paid for too.
		out := s.writeParts(ctx, j, id, units)
		out.calls += w.calls
		out.usage = addUsage(out.usage, w.usage)
		out.unpriced = out.unpriced || w.unpriced
		out.cacheHit = out.cacheHit && w.cacheHit
		return out
	}
	return s.writeParts(ctx, j, id, units)
}

// unitResult returns one unit: from the cache, from another request writing
// it right now (in this process or another replica), or written here.
func (s *Service) unitResult(ctx context.Context, j *job, u *unit) written {
	if s.cfg.Cache.Cache == nil {
		return s.writeUnit(ctx, j, u, nil)
	}
	key := s.sectionKey(u)
	leader := false
	v, _, _ := s.flight.Do(key, func() (any, error) {
		leader = true
		// The flight outlives a caller that goes away: others may wait on it.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Deadline)
		defer cancel()
		return s.fetchOrWrite(fctx, key, j, u), nil
	})
	w := v.(written)
	if !leader {
		// Another request in this process paid for it.
		w.calls, w.usage, w.cacheHit = 0, zeroUsage, true
		if w.status.Source == runbook.SourceLLM {
			w.status = runbook.SectionStatus{Source: runbook.SourceCache}
		}
	}
	return w
}

// fetchOrWrite is one flight: cache, then the cross-replica lock.
func (s *Service) fetchOrWrite(ctx context.Context, key string, j *job, u *unit) written {
	if w, ok := s.cachedChecked(ctx, key, j, u); ok {
		return w
	}
	write := func() written {
		w := s.writeUnit(ctx, j, u, nil)
		w.key = key
		s.storeSection(ctx, key, &w)
		return w
	}
	lk := s.cfg.Cache.Locker
	if lk == nil {
		return write()
	}
	deadline := time.Now().Add(s.cfg.Cache.LockWait)
	for {
		lock, ok, err := lk.TryLock(ctx, key, s.cfg.Cache.LockTTL)
		if err != nil {
			// Redis trouble: write without coordination.
			return write()
		}
		if ok {
			stop := s.renew(ctx, lock)
			defer func() {
				stop()
				_ = lock.Unlock(context.WithoutCancel(ctx))
			}()
			// The holder may have finished between our miss and our lock.
			if w, ok := s.cachedChecked(ctx, key, j, u); ok {
				return w
			}
			return write()
		}
		// Another replica is writing it: wait for its result. If it dies,
		// its lock expires and the next TryLock takes over.
		select {
		case <-ctx.Done():
			return write()
		case <-time.After(s.cfg.Cache.PollInterval):
		}
		if w, ok := s.cachedChecked(ctx, key, j, u); ok {
			w.status.Reason = joinReason(w.status.Reason, "written by another replica")
			return w
		}
		if time.Now().After(deadline) {
			s.log.WarnContext(ctx, "gave up waiting for another replica's section", "section", u.id)
			return write()
		}
	}
}

func joinReason(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// renew keeps a lock alive while its holder works; stop ends it.
func (s *Service) renew(ctx context.Context, l *store.Lock) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(s.cfg.Cache.LockTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if ok, err := l.Extend(ctx, s.cfg.Cache.LockTTL); err == nil && !ok {
					return
				}
			}
		}
	}()
	return func() { close(done) }
}

// SectionKeys lists the cache keys of a request's ten sections, in order, a
// section asked in parts by the keys of its parts (for tooling and tests).
// It needs an LLM: offline sections are not cached.
func (s *Service) SectionKeys(ctx context.Context, req *runbook.Request) ([]string, error) {
	if s.cfg.LLM == nil {
		return nil, errors.New("generate: no LLM, no section keys")
	}
	f, _, err := s.Prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	j, err := s.newJob(ctx, f)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, id := range section.IDs() {
		units, err := s.units(j, id)
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			keys = append(keys, s.sectionKey(u))
		}
	}
	return keys, nil
}
