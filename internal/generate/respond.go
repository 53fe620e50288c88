package generate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/repository"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store"
)

// Response is a runbook, generated now or served from the response cache,
// with the bytes to send.
type Response struct {
	ID string
	// JSON is the body: the runbook as generated, or as an identical
	// request receives it from the cache.
	JSON []byte
	// Runbook is nil when the JSON came from the response cache.
	Runbook *runbook.Runbook
	// Stored is the runbook as kept for GET /runbooks/{id} (nil when no
	// store is configured): its Markdown and compressed bodies.
	Stored *repository.Stored
	// Cached: the answer came from the response cache.
	Cached bool
}

// RunbookStore keeps generated runbooks once each; *repository.Runbooks
// implements it.
type RunbookStore interface {
	Put(ctx context.Context, rb *runbook.Runbook, owner string) (*repository.Stored, error)
	Stored(ctx context.Context, id string) (*repository.Stored, error)
}

var _ RunbookStore = (*repository.Runbooks)(nil)

// A cached response is "rotor-response v2 <id>\n": it points at the stored
// runbook, which holds the bytes (one copy per runbook).
const responseMagic = "rotor-response v2 "

func packResponse(id string) []byte { return []byte(responseMagic + id + "\n") }

func unpackResponse(data []byte) (id string, ok bool) {
	rest, found := bytes.CutPrefix(data, []byte(responseMagic))
	id = strings.TrimSuffix(string(rest), "\n")
	return id, found && id != "" && !strings.ContainsAny(id, " \n")
}

// Decoded returns the runbook, decoding the JSON when it came from the cache.
func (r Response) Decoded() (*runbook.Runbook, error) {
	switch {
	case r.Runbook != nil:
		return r.Runbook, nil
	case r.Stored != nil && !r.Cached:
		return r.Stored.Runbook()
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(r.JSON, &rb); err != nil {
		return nil, fmt.Errorf("generate: cached response: %w", err)
	}
	return &rb, nil
}

// responseKeyPrefix is the part of every response key fixed for the
// service's life: the code (rules, writer, screen) and the writer's
// configuration.
func (s *Service) responseKeyPrefix() []byte {
	var b bytes.Buffer
	g := s.Generator()
	fmt.Fprintf(&b, "v2\x00%s\x00%s\x00%s\x00%s\x00", s.cfg.CodeVersion, g.Provider, g.Model, s.cfg.Endpoint)
	if s.cfg.LLM != nil {
		fmt.Fprintf(&b, "%s\x00%s\x00%s\x00", s.cfg.Prompts.Version(), s.cfg.Schemas.Version(), s.cfg.LLM.Mode())
	}
	return b.Bytes()
}

// responseKey covers everything a response depends on: whom it is for (a
// runbook and its id belong to one API key), the exact request bytes, the
// sections asked, and the fixed prefix.
func (s *Service) responseKey(body []byte, ids []runbook.SectionID, owner string) string {
	h := sha256.New()
	h.Write(s.keyPrefix)
	h.Write([]byte(owner))
	h.Write([]byte{0})
	for _, id := range ids {
		h.Write([]byte(id))
		h.Write([]byte{','})
	}
	h.Write([]byte{0})
	h.Write(body)
	var sum [sha256.Size]byte
	return "response:" + hex.EncodeToString(h.Sum(sum[:0]))
}

// Respond generates the runbook of a raw request body and stores it (one
// copy, for GET /runbooks/{id}). A byte-identical request answered before
// with the same code and configuration is served from the response cache:
// the same runbook (same id), with the LLM sections marked as coming from
// the cache and no usage, written from the stored bytes. Only bodies that
// were decoded, validated and screened are ever cached, and a runbook with a
// fallback section is not, so a recovered LLM is picked up.
func (s *Service) Respond(ctx context.Context, body []byte, opts Options) (Response, error) {
	ids := opts.Sections
	if len(ids) == 0 {
		ids = section.IDs()
	}
	c, store := s.cfg.Cache.Cache, s.cfg.Runbooks
	key := ""
	if c != nil && store != nil {
		key = s.responseKey(body, ids, opts.Owner)
		if resp, ok := s.cachedResponse(ctx, key, opts.Owner); ok {
			return resp, nil
		}
		s.cfg.Observer.Cache("response", false)
	}
	req, warnings, err := s.Parse(ctx, body)
	if err != nil {
		return Response{}, err
	}
	opts.screened = &warnings
	rb, err := s.Generate(ctx, req, opts)
	if err != nil {
		return Response{}, err
	}
	if store == nil {
		data, err := json.Marshal(rb)
		if err != nil {
			return Response{}, fmt.Errorf("generate: encode runbook: %w", err)
		}
		return Response{ID: rb.ID, JSON: data, Runbook: rb}, nil
	}
	st, err := store.Put(ctx, rb, opts.Owner)
	if err != nil {
		return Response{}, fmt.Errorf("generate: store runbook: %w", err)
	}
	if key != "" && st.Cacheable {
		if err := c.Set(context.WithoutCancel(ctx), key, packResponse(rb.ID), s.cfg.Cache.TTL); err != nil {
			s.log.WarnContext(ctx, "response cache write failed", "err", err)
		}
	}
	return Response{ID: rb.ID, JSON: st.JSON, Runbook: rb, Stored: st}, nil
}

// cachedResponse reads the response cache: a pointer to a stored runbook
// of the same owner. Anything unreadable is a miss, logged.
func (s *Service) cachedResponse(ctx context.Context, key, owner string) (Response, bool) {
	data, err := s.cfg.Cache.Cache.Get(ctx, key)
	if err != nil {
		if !errors.Is(err, store.ErrMiss) {
			s.log.WarnContext(ctx, "response cache read failed", "err", err)
		}
		return Response{}, false
	}
	id, ok := unpackResponse(data)
	if !ok {
		s.log.WarnContext(ctx, "corrupt response in cache, ignored", "key", key)
		return Response{}, false
	}
	st, err := s.cfg.Runbooks.Stored(ctx, id)
	if err != nil || !st.Cacheable || st.Owner != owner {
		if runbook.ErrorCode(err) != runbook.CodeNotFound {
			s.log.WarnContext(ctx, "cached response unusable, ignored", "id", id, "err", err)
		}
		return Response{}, false
	}
	s.cfg.Observer.Cache("response", true)
	return Response{ID: id, JSON: st.Cached(), Stored: st, Cached: true}, true
}

// Checked is a request body Check accepted: decoded, screened, validated and
// planned. Generate takes it back (Options.Checked) instead of doing that work
// again.
type Checked struct {
	Request *runbook.Request
	// facts are planned from the rules' reading alone: with a model, the
	// generation reads the prose again with it.
	facts    *planner.Facts
	warnings []secretscan.Hit
}

// Check decodes, screens, validates and plans a request body without
// writing it: bad input is refused the same way Respond would refuse it,
// and opts.Admit is asked as Generate would ask it.
func (s *Service) Check(ctx context.Context, body []byte, opts Options) (*Checked, error) {
	req, warnings, err := s.Parse(ctx, body)
	if err != nil {
		return nil, err
	}
	f, warnings, _, err := s.prepare(ctx, req, &warnings, false)
	if err != nil {
		return nil, err
	}
	if opts.Admit != nil {
		if err := opts.Admit(WorkOf(f)); err != nil {
			return nil, err
		}
	}
	return &Checked{Request: req, facts: f, warnings: warnings}, nil
}
