package generate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/rotor-dev/rotor/internal/cache"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Response is a runbook as JSON, generated now or served from the cache.
type Response struct {
	JSON []byte
	// Runbook is nil when the JSON came from the response cache.
	Runbook *runbook.Runbook
}

// Decoded returns the runbook, decoding the JSON when it came from the cache.
func (r Response) Decoded() (*runbook.Runbook, error) {
	if r.Runbook != nil {
		return r.Runbook, nil
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(r.JSON, &rb); err != nil {
		return nil, fmt.Errorf("generate: cached response: %w", err)
	}
	return &rb, nil
}

// responseKey covers everything a response depends on: the exact request
// bytes, the sections asked, the code (rules, writer, screen) and the writer's
// configuration.
func (s *Service) responseKey(body []byte, ids []runbook.SectionID) string {
	h := sha256.New()
	g := s.Generator()
	fmt.Fprintf(h, "v1\x00%s\x00%s\x00%s\x00%s\x00", s.cfg.CodeVersion, g.Provider, g.Model, s.cfg.Endpoint)
	if s.cfg.LLM != nil {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", s.cfg.Prompts.Version(), s.cfg.Schemas.Version(), s.cfg.LLM.Mode())
	}
	for _, id := range ids {
		fmt.Fprintf(h, "%s,", id)
	}
	h.Write([]byte{0})
	h.Write(body)
	return "response:" + hex.EncodeToString(h.Sum(nil))
}

// Respond generates the runbook of a raw request body. A byte-identical
// request answered before with the same code and configuration is served from
// the response cache: the same runbook (same id), with the LLM sections marked
// as coming from the cache and no usage. Only bodies that were decoded,
// validated and screened are ever cached, and a runbook with a fallback
// section is not, so a recovered LLM is picked up.
func (s *Service) Respond(ctx context.Context, body []byte, opts Options) (Response, error) {
	ids := opts.Sections
	if len(ids) == 0 {
		ids = runbook.SectionIDs
	}
	c := s.cfg.Cache.Cache
	key := s.responseKey(body, ids)
	if c != nil {
		data, err := c.Get(ctx, key)
		switch {
		case err == nil && json.Valid(data):
			return Response{JSON: data}, nil
		case err == nil:
			s.log.WarnContext(ctx, "corrupt response in cache, ignored", "key", key)
		case !errors.Is(err, cache.ErrMiss):
			s.log.WarnContext(ctx, "response cache read failed", "err", err)
		}
	}
	req, err := runbook.ParseRequest(body)
	if err != nil {
		return Response{}, err
	}
	rb, err := s.Generate(ctx, req, opts)
	if err != nil {
		return Response{}, err
	}
	data, err := json.Marshal(rb)
	if err != nil {
		return Response{}, fmt.Errorf("generate: encode runbook: %w", err)
	}
	if c != nil {
		if cached, ok := cachedVariant(rb); ok {
			if err := c.Set(context.WithoutCancel(ctx), key, cached, s.cfg.Cache.TTL); err != nil {
				s.log.WarnContext(ctx, "response cache write failed", "err", err)
			}
		}
	}
	return Response{JSON: data, Runbook: rb}, nil
}

// cachedVariant is the runbook as a later identical request receives it.
func cachedVariant(rb *runbook.Runbook) ([]byte, bool) {
	v := *rb
	v.SectionStatus = map[runbook.SectionID]runbook.SectionStatus{}
	v.Usage = runbook.Usage{}
	for id, st := range rb.SectionStatus {
		switch st.Source {
		case runbook.SourceFallback:
			return nil, false
		case runbook.SourceLLM, runbook.SourceCache:
			st = runbook.SectionStatus{Source: runbook.SourceCache}
			v.Usage.CacheHits++
		}
		v.SectionStatus[id] = st
	}
	data, err := json.Marshal(&v)
	return data, err == nil
}
