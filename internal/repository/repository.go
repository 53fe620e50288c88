// Package repository keeps generated runbooks for a while, so GET
// /runbooks/{id} can serve them again: one compressed copy per runbook in a
// store (Redis, shared by the replicas, or this process's memory), with the
// ones served lately kept decoded in the process.
package repository

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/store"
)

// Runbooks keeps generated runbooks for a while so GET /runbooks/{id} can
// serve them again. A runbook is stored once, compressed: its JSON exactly
// as it was served, its Markdown once someone asked for it, whom it belongs
// to, and what an identical request receives from the response cache. This
// process keeps the runbooks it served lately decoded (their bytes checked
// once, when they enter the process), so a read is a map lookup and a write
// of stored bytes.
type Runbooks struct {
	store    store.Store
	ttl      time.Duration
	markdown func(*runbook.Runbook) []byte
	log      *slog.Logger
	local    *store.LRU[*Stored]
}

// Options tune a Runbooks.
type Options struct {
	// Markdown renders a runbook (once per runbook: the result is stored
	// with it); nil serves no Markdown.
	Markdown func(*runbook.Runbook) []byte
	// LocalBytes bounds the decoded runbooks this process keeps (default
	// 32 MiB).
	LocalBytes int
	Logger     *slog.Logger
}

// New stores runbooks in s for ttl.
func New(s store.Store, ttl time.Duration, o Options) *Runbooks {
	if o.LocalBytes <= 0 {
		o.LocalBytes = 32 << 20
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runbooks{store: s, ttl: ttl, markdown: o.Markdown, log: o.Logger, local: store.NewLRU[*Stored](o.LocalBytes)}
}

func runbookKey(id string) string { return "runbook:" + id }

func ownerKey(id string) string { return "runbook-owner:" + id }

// Save stores a runbook and whom it belongs to (the creating API key,
// "key:<name>"; "slack:<team>"; "" without API keys).
func (r *Runbooks) Save(ctx context.Context, rb *runbook.Runbook, owner string) error {
	_, err := r.Put(ctx, rb, owner)
	return err
}

// Put is Save returning the stored runbook. The owner is written first: a
// runbook is never readable without it.
func (r *Runbooks) Put(ctx context.Context, rb *runbook.Runbook, owner string) (*Stored, error) {
	st, err := newStored(rb, owner)
	if err != nil {
		return nil, err
	}
	if err := r.store.Set(ctx, ownerKey(rb.ID), []byte(owner), r.ttl); err != nil {
		return nil, fmt.Errorf("repository: save runbook owner: %w", err)
	}
	if err := r.write(ctx, st); err != nil {
		return nil, err
	}
	r.local.Put(st.ID, st, st.size())
	return st, nil
}

func (r *Runbooks) write(ctx context.Context, st *Stored) error {
	data, err := st.encode()
	if err != nil {
		return err
	}
	if err := r.store.Set(ctx, runbookKey(st.ID), data, r.ttl); err != nil {
		return fmt.Errorf("repository: save runbook: %w", err)
	}
	return nil
}

// Owner returns whom a stored runbook belongs to, or a not_found error.
func (r *Runbooks) Owner(ctx context.Context, id string) (string, error) {
	if st, ok := r.local.Get(id); ok {
		return st.Owner, nil
	}
	data, err := r.store.Get(ctx, ownerKey(id))
	if errors.Is(err, store.ErrMiss) {
		return "", r.notFound(id)
	}
	if err != nil {
		return "", fmt.Errorf("repository: load runbook owner: %w", err)
	}
	return string(data), nil
}

func (r *Runbooks) notFound(id string) error {
	return runbook.Errorf(runbook.CodeNotFound, "no runbook with id %q (runbooks are kept for %s)", id, r.ttl)
}

// Stored returns a stored runbook, or a not_found error.
func (r *Runbooks) Stored(ctx context.Context, id string) (*Stored, error) {
	if st, ok := r.local.Get(id); ok {
		return st, nil
	}
	data, err := r.store.Get(ctx, runbookKey(id))
	if errors.Is(err, store.ErrMiss) {
		return nil, r.notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("repository: load runbook: %w", err)
	}
	st, err := decodeStored(data)
	if err != nil || st.ID != id {
		r.log.WarnContext(ctx, "corrupt runbook in the store, ignored", "id", id, "err", err)
		return nil, r.notFound(id)
	}
	r.local.Put(id, st, st.size())
	return st, nil
}

// Load returns a stored runbook, decoded, or a not_found error.
func (r *Runbooks) Load(ctx context.Context, id string) (*runbook.Runbook, error) {
	st, err := r.Stored(ctx, id)
	if err != nil {
		return nil, err
	}
	return st.Runbook()
}

// Markdown returns a stored runbook's Markdown, rendering it the first time
// anyone asks and storing it with the runbook.
func (r *Runbooks) Markdown(ctx context.Context, st *Stored) ([]byte, error) {
	if md := st.markdown(); md != nil {
		return md, nil
	}
	if r.markdown == nil {
		return nil, errors.New("repository: no Markdown renderer")
	}
	rb, err := st.Runbook()
	if err != nil {
		return nil, err
	}
	md, first := st.setMarkdown(r.markdown(rb))
	if first {
		r.local.Put(st.ID, st, st.size())
		go func() {
			wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := r.write(wctx, st); err != nil {
				r.log.WarnContext(wctx, "runbook Markdown not stored", "id", st.ID, "err", err)
			}
		}()
	}
	return md, nil
}

// Stored is a runbook as kept: immutable but for its Markdown, rendered
// once.
type Stored struct {
	ID    string
	Owner string
	// JSON is the runbook exactly as served when it was generated.
	JSON []byte
	// Cacheable says a byte-identical request may be answered with it (no
	// section fell back).
	Cacheable bool
	// status and usage are where the section statuses and the usage are in
	// JSON; cachedStatus and cachedUsage replace them in the answer to an
	// identical request (every model section "cache", no usage).
	status, usage             [2]int
	cachedStatus, cachedUsage []byte

	mu      sync.Mutex
	md      []byte
	rb      *runbook.Runbook
	derived map[string][]byte
}

// newStored builds the record of a runbook.
func newStored(rb *runbook.Runbook, owner string) (*Stored, error) {
	js, err := json.Marshal(rb)
	if err != nil {
		return nil, fmt.Errorf("repository: encode runbook: %w", err)
	}
	st := &Stored{ID: rb.ID, Owner: owner, JSON: js, rb: rb}
	statusJSON, _ := json.Marshal(rb.SectionStatus)
	usageJSON, _ := json.Marshal(rb.Usage)
	st.status, _ = locate(js, `,"section_status":`, statusJSON)
	st.usage, _ = locate(js, `,"usage":`, usageJSON)
	cs, cu, ok := cachedVariant(rb)
	if ok && st.status[1] > 0 && st.usage[1] > 0 {
		st.Cacheable, st.cachedStatus, st.cachedUsage = true, cs, cu
	}
	return st, nil
}

// locate finds the value written after key (a top-level key: the last
// occurrence, since section texts cannot hold an unescaped quote).
func locate(js []byte, key string, value []byte) ([2]int, bool) {
	i := bytes.LastIndex(js, append([]byte(key), value...))
	if i < 0 {
		return [2]int{}, false
	}
	start := i + len(key)
	return [2]int{start, start + len(value)}, true
}

// cachedVariant is what an identical request's answer says instead of the
// runbook's statuses and usage: every section from the model now comes from
// the cache, and nothing was spent. A runbook with a fallback section is
// never answered from the cache (the model may have recovered).
func cachedVariant(rb *runbook.Runbook) (status, usage []byte, ok bool) {
	st := map[runbook.SectionID]runbook.SectionStatus{}
	var u runbook.Usage
	for id, s := range rb.SectionStatus {
		switch s.Source {
		case runbook.SourceFallback:
			return nil, nil, false
		case runbook.SourceLLM, runbook.SourceCache:
			s = runbook.SectionStatus{Source: runbook.SourceCache}
			u.CacheHits++
		}
		st[id] = s
	}
	status, err := json.Marshal(st)
	if err != nil {
		return nil, nil, false
	}
	usage, err = json.Marshal(u)
	return status, usage, err == nil
}

// Cached is the answer to a byte-identical request: the runbook's bytes
// with the cached statuses and no usage (assembled once in this process).
func (st *Stored) Cached() []byte {
	return st.derive("cached", func() []byte {
		out := make([]byte, 0, len(st.JSON)+len(st.cachedStatus)+len(st.cachedUsage))
		out = append(out, st.JSON[:st.status[0]]...)
		out = append(out, st.cachedStatus...)
		out = append(out, st.JSON[st.status[1]:st.usage[0]]...)
		out = append(out, st.cachedUsage...)
		return append(out, st.JSON[st.usage[1]:]...)
	})
}

// Gzip returns body gzip-compressed, once per body and process (body is
// JSON, Cached() or the Markdown).
func (st *Stored) Gzip(name string, body []byte) []byte {
	return st.derive("gzip:"+name, func() []byte { return gzipBytes(body) })
}

func (st *Stored) derive(name string, f func() []byte) []byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	if b, ok := st.derived[name]; ok {
		return b
	}
	if st.derived == nil {
		st.derived = map[string][]byte{}
	}
	b := f()
	st.derived[name] = b
	return b
}

// Runbook is the decoded runbook (decoded once). Callers must not modify it.
func (st *Stored) Runbook() (*runbook.Runbook, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.rb == nil {
		var rb runbook.Runbook
		if err := json.Unmarshal(st.JSON, &rb); err != nil {
			return nil, fmt.Errorf("repository: decode runbook %s: %w", st.ID, err)
		}
		st.rb = &rb
	}
	return st.rb, nil
}

func (st *Stored) markdown() []byte {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.md
}

// setMarkdown keeps the first Markdown rendered; first says it was this one.
func (st *Stored) setMarkdown(md []byte) ([]byte, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.md != nil {
		return st.md, false
	}
	st.md = md
	return md, true
}

// size is what the process holds for it, roughly.
func (st *Stored) size() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 2*len(st.JSON) + len(st.md) + 512
	for _, b := range st.derived {
		n += len(b)
	}
	return n
}

// A stored record is gzip of a header line (JSON: the fields below and a
// CRC-32C of the bodies), then the runbook's JSON, then its Markdown.
const storedMagic = "rotor-runbook v1\n"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type storedHeader struct {
	ID           string          `json:"id"`
	Owner        string          `json:"owner"`
	JSON         int             `json:"json"`
	Markdown     int             `json:"md"`
	Status       [2]int          `json:"status"`
	Usage        [2]int          `json:"usage"`
	Cacheable    bool            `json:"cacheable"`
	CachedStatus json.RawMessage `json:"cached_status,omitempty"`
	CachedUsage  json.RawMessage `json:"cached_usage,omitempty"`
	CRC          uint32          `json:"crc"`
}

func (st *Stored) encode() ([]byte, error) {
	md := st.markdown()
	crc := crc32.Update(crc32.Checksum(st.JSON, castagnoli), castagnoli, md)
	h, err := json.Marshal(storedHeader{ID: st.ID, Owner: st.Owner, JSON: len(st.JSON), Markdown: len(md), Status: st.status, Usage: st.usage,
		Cacheable: st.Cacheable, CachedStatus: st.cachedStatus, CachedUsage: st.cachedUsage, CRC: crc})
	if err != nil {
		return nil, err
	}
	var raw bytes.Buffer
	raw.Grow(len(storedMagic) + len(h) + 1 + len(st.JSON) + len(md))
	raw.WriteString(storedMagic)
	raw.Write(h)
	raw.WriteByte('\n')
	raw.Write(st.JSON)
	raw.Write(md)
	return gzipBytes(raw.Bytes()), nil
}

func decodeStored(data []byte) (*Stored, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	rest, ok := bytes.CutPrefix(raw, []byte(storedMagic))
	if !ok {
		return nil, errors.New("not a stored runbook")
	}
	line, body, ok := bytes.Cut(rest, []byte("\n"))
	var h storedHeader
	if !ok || json.Unmarshal(line, &h) != nil || h.JSON < 0 || h.Markdown < 0 || h.JSON+h.Markdown != len(body) {
		return nil, errors.New("damaged header")
	}
	if crc32.Checksum(body, castagnoli) != h.CRC {
		return nil, errors.New("checksum mismatch")
	}
	st := &Stored{ID: h.ID, Owner: h.Owner, JSON: body[:h.JSON], Cacheable: h.Cacheable, status: h.Status, usage: h.Usage,
		cachedStatus: h.CachedStatus, cachedUsage: h.CachedUsage}
	if h.Markdown > 0 {
		st.md = body[h.JSON:]
	}
	inRange := func(r [2]int) bool { return r[0] > 0 && r[0] <= r[1] && r[1] <= h.JSON }
	if st.Cacheable && (!inRange(st.status) || !inRange(st.usage) || st.status[1] > st.usage[0]) {
		return nil, errors.New("damaged offsets")
	}
	return st, nil
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}
