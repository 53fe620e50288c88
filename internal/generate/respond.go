package generate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/rotor-dev/rotor/internal/cache"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Response is a runbook as JSON, generated now or served from the cache.
type Response struct {
	ID   string
	JSON []byte
	// Runbook is nil when the JSON came from the response cache.
	Runbook *runbook.Runbook
}

// A cached response is "rotor-response v1 <id> <crc32c of the JSON>\n" and
// the JSON: serving it needs no JSON parsing, and a truncated or damaged
// value is caught (the checksum guards against accidents, not attackers: who
// can write to Redis can write a valid entry anyway).
const responseMagic = "rotor-response v1 "

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func packResponse(id string, js []byte) []byte {
	head := fmt.Sprintf("%s%s %08x\n", responseMagic, id, crc32.Checksum(js, castagnoli))
	return append([]byte(head), js...)
}

func unpackResponse(data []byte) (id string, js []byte, ok bool) {
	head, body, found := bytes.Cut(data, []byte("\n"))
	if !found || !bytes.HasPrefix(head, []byte(responseMagic)) {
		return "", nil, false
	}
	fields := strings.Fields(string(head[len(responseMagic):]))
	if len(fields) != 2 {
		return "", nil, false
	}
	if fmt.Sprintf("%08x", crc32.Checksum(body, castagnoli)) != fields[1] {
		return "", nil, false
	}
	return fields[0], body, true
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

// responseKey covers everything a response depends on: whom it is for (a
// runbook and its id belong to one API key), the exact request bytes, the
// sections asked, the code (rules, writer, screen) and the writer's
// configuration.
func (s *Service) responseKey(body []byte, ids []runbook.SectionID, owner string) string {
	h := sha256.New()
	g := s.Generator()
	fmt.Fprintf(h, "v2\x00%s\x00%s\x00%s\x00%s\x00%s\x00", owner, s.cfg.CodeVersion, g.Provider, g.Model, s.cfg.Endpoint)
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
	key := s.responseKey(body, ids, opts.Owner)
	if c != nil {
		data, err := c.Get(ctx, key)
		switch {
		case err == nil:
			if id, js, ok := unpackResponse(data); ok {
				s.cfg.Observer.Cache("response", true)
				return Response{ID: id, JSON: js}, nil
			}
			s.log.WarnContext(ctx, "corrupt response in cache, ignored", "key", key)
		case !errors.Is(err, cache.ErrMiss):
			s.log.WarnContext(ctx, "response cache read failed", "err", err)
		}
	}
	if c != nil {
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
	data, err := json.Marshal(rb)
	if err != nil {
		return Response{}, fmt.Errorf("generate: encode runbook: %w", err)
	}
	if c != nil {
		if cached, ok := cachedVariant(rb); ok {
			if err := c.Set(context.WithoutCancel(ctx), key, packResponse(rb.ID, cached), s.cfg.Cache.TTL); err != nil {
				s.log.WarnContext(ctx, "response cache write failed", "err", err)
			}
		}
	}
	return Response{ID: rb.ID, JSON: data, Runbook: rb}, nil
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

// Check decodes, screens, validates and plans a request body without
// writing it: bad input is refused the same way Respond would refuse it.
// It returns the request.
func (s *Service) Check(ctx context.Context, body []byte) (*runbook.Request, error) {
	req, warnings, err := s.Parse(ctx, body)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.prepare(ctx, req, &warnings); err != nil {
		return nil, err
	}
	return req, nil
}
