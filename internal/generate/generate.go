// Package generate runs rotor's pipeline for one request: validate, screen,
// plan, write every section (all at once, through the LLM when one is
// configured, with the offline writer as the safety net), lint, and hand back
// a runbook that has no error-severity finding.
package generate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/writer"
	"github.com/rotor-dev/rotor/prompts"
)

// SectionWriter writes one section from the facts.
type SectionWriter interface {
	Section(f *planner.Facts, id runbook.SectionID) (any, error)
}

var _ SectionWriter = writer.Offline{}

// Screener finds secret-looking values in a request.
type Screener interface {
	Scan(prefix string, v any) []secretscan.Hit
}

// LLM asks a model for one JSON document; *llm.Client implements it.
type LLM interface {
	Complete(ctx context.Context, r llm.Request) (llm.Response, error)
	Model() string
	Mode() string
}

var _ LLM = (*llm.Client)(nil)

// Observer is told what happens, for metrics; *metrics.Metrics implements it.
type Observer interface {
	LLMCall(model string, section runbook.SectionID, d time.Duration, u llm.Usage, err error)
	Cache(kind string, hit bool)
	Reask(section runbook.SectionID, reason string)
	Fallback(section runbook.SectionID, reason string)
	Findings(fs []runbook.Finding)
}

type noObserver struct{}

func (noObserver) LLMCall(string, runbook.SectionID, time.Duration, llm.Usage, error) {}
func (noObserver) Cache(string, bool)                                                 {}
func (noObserver) Reask(runbook.SectionID, string)                                    {}
func (noObserver) Fallback(runbook.SectionID, string)                                 {}
func (noObserver) Findings([]runbook.Finding)                                         {}

// Options tune one generation.
type Options struct {
	// Sections to generate; empty means all ten.
	Sections []runbook.SectionID
	// ID is the runbook's id; empty means a new random one.
	ID string
	// OnSection, when set, is called as each section is ready (from several
	// goroutines at once). The runbook Generate returns is authoritative: a
	// section may still be replaced by the final lint.
	OnSection func(id runbook.SectionID, status runbook.SectionStatus, section any)
}

// Config wires a Service.
type Config struct {
	Screener Screener
	Linter   *lint.Linter
	Logger   *slog.Logger
	// LLM is nil for the offline writer. With an LLM, Prompts and Schemas
	// are required.
	LLM     LLM
	Prompts *prompts.Set
	Schemas *schema.Set
	// Concurrency bounds the sections in flight (default 10).
	Concurrency int
	// MaxAttempts bounds the answers asked per section, reasks included
	// (default 3).
	MaxAttempts int
	// Deadline bounds a whole generation; sections still unwritten then fall
	// back to the offline writer (default 2m).
	Deadline time.Duration
	// Endpoint names the LLM server (its base URL): part of the cache keys.
	Endpoint string
	// CodeVersion identifies the build (rules, writer, screen): part of the
	// response cache key, so a new release never serves an old answer.
	CodeVersion string
	// Cache, when set, caches sections and responses and coordinates
	// concurrent identical work.
	Cache CacheConfig
	// Observer receives metrics events (default: none).
	Observer Observer
	// Now and NewID default to the clock and random ids; tests pin them.
	Now   func() time.Time
	NewID func() string
}

// Service generates runbooks.
type Service struct {
	cfg     Config
	offline SectionWriter
	log     *slog.Logger
	flight  singleflight.Group
}

// New returns a Service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NewID == nil {
		cfg.NewID = RandomID
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 10
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Deadline <= 0 {
		cfg.Deadline = 2 * time.Minute
	}
	c := &cfg.Cache
	if c.TTL <= 0 {
		c.TTL = 7 * 24 * time.Hour
	}
	if c.FallbackTTL <= 0 {
		c.FallbackTTL = 10 * time.Minute
	}
	if c.LockTTL <= 0 {
		c.LockTTL = 30 * time.Second
	}
	if c.LockWait <= 0 {
		c.LockWait = cfg.Deadline
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 50 * time.Millisecond
	}
	return &Service{cfg: cfg, offline: writer.Offline{}, log: cfg.Logger}
}

// RandomID returns a new runbook id: "rb_" and 24 random hex digits.
func RandomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "rb_" + hex.EncodeToString(b[:])
}

// Generator names what writes the runbooks.
func (s *Service) Generator() runbook.Generator {
	if s.cfg.LLM == nil {
		return runbook.Generator{Provider: "offline", Model: writer.OfflineModel}
	}
	return runbook.Generator{Provider: "openai", Model: s.cfg.LLM.Model()}
}

// Prepare validates and screens a request and computes its facts. A pasted
// secret is refused here, before anything is planned, written, cached or
// logged; the error names field paths and rule ids only.
func (s *Service) Prepare(ctx context.Context, req *runbook.Request) (*planner.Facts, []secretscan.Hit, error) {
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	var warnings []secretscan.Hit
	if s.cfg.Screener != nil {
		hits := s.cfg.Screener.Scan("", req)
		if err := secretscan.RefusalError(hits); err != nil {
			for _, h := range secretscan.Refusals(hits) {
				s.log.WarnContext(ctx, "request refused: secret-looking value", "path", h.Path, "rule", h.Rule)
			}
			return nil, nil, err
		}
		warnings = hits
	}
	f, err := planner.Plan(req)
	if err != nil {
		return nil, nil, err
	}
	return f, warnings, nil
}

// Generate runs the whole pipeline.
func (s *Service) Generate(ctx context.Context, req *runbook.Request, opts Options) (*runbook.Runbook, error) {
	f, warnings, err := s.Prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	ids := opts.Sections
	if len(ids) == 0 {
		ids = runbook.SectionIDs
	}
	id := opts.ID
	if id == "" {
		id = s.cfg.NewID()
	}
	rb := &runbook.Runbook{
		ID: id, System: f.System, Trigger: f.Trigger, CreatedAt: s.cfg.Now().UTC().Truncate(time.Second),
		Generator:     s.Generator(),
		SectionStatus: map[runbook.SectionID]runbook.SectionStatus{},
		Findings:      []runbook.Finding{},
		Assumptions:   f.Assumptions,
	}
	for _, h := range warnings {
		rb.InputWarnings = append(rb.InputWarnings, runbook.FieldError{Path: h.Path,
			Problem: fmt.Sprintf("may be a secret (rule %s); it was accepted because the rule is noisy: check it is not a live value", h.Rule)})
	}
	offline, err := s.offlineSections(f)
	if err != nil {
		return nil, err
	}
	if s.cfg.LLM == nil {
		for _, id := range ids {
			start := time.Now()
			rb.Sections.Set(id, offline.Get(id))
			rb.SectionStatus[id] = runbook.SectionStatus{Source: runbook.SourceOffline, DurationMS: time.Since(start).Milliseconds()}
			if opts.OnSection != nil {
				opts.OnSection(id, rb.SectionStatus[id], offline.Get(id))
			}
		}
	} else {
		s.writeAll(ctx, f, ids, offline, rb, opts.OnSection)
	}
	if err := s.lintServed(rb, ids, offline); err != nil {
		return nil, err
	}
	return rb, nil
}

// offlineSections writes all ten sections offline: the fallback of every LLM
// section and the context a single section is linted in.
func (s *Service) offlineSections(f *planner.Facts) (*runbook.Sections, error) {
	var out runbook.Sections
	for _, id := range runbook.SectionIDs {
		sec, err := s.offline.Section(f, id)
		if err != nil {
			return nil, fmt.Errorf("generate: offline %s: %w", id, err)
		}
		out.Set(id, sec)
	}
	return &out, nil
}

// withContext returns a runbook holding rb's sections, the offline ones where
// rb has none.
func withContext(rb *runbook.Runbook, offline *runbook.Sections) *runbook.Runbook {
	c := *rb
	for _, id := range runbook.SectionIDs {
		if c.Sections.Get(id) == nil {
			c.Sections.Set(id, offline.Get(id))
		}
	}
	return &c
}

// lintServed lints the served sections in the context of the others, and
// repairs: an LLM section behind an error finding is replaced by its offline
// version (marked fallback), until no error remains. The offline writer's
// runbook is clean by construction (tests hold it), so this ends.
func (s *Service) lintServed(rb *runbook.Runbook, ids []runbook.SectionID, offline *runbook.Sections) error {
	if s.cfg.Linter == nil {
		return nil
	}
	for round := 0; ; round++ {
		findings := s.cfg.Linter.LintSections(withContext(rb, offline), ids...)
		errs := lint.Errors(findings)
		if len(errs) == 0 {
			rb.Findings = findings
			s.cfg.Observer.Findings(findings)
			return nil
		}
		replaced := false
		for _, e := range errs {
			if st, ok := rb.SectionStatus[e.Section]; ok && st.Source == runbook.SourceLLM {
				s.fallBack(rb, e.Section, offline, "whole-runbook lint: "+e.Rule+": "+e.Message)
				replaced = true
			}
		}
		if !replaced && round == 0 {
			// The error spans sections: give up every LLM section.
			for _, id := range ids {
				if rb.SectionStatus[id].Source == runbook.SourceLLM {
					s.fallBack(rb, id, offline, "whole-runbook lint: "+errs[0].Rule+": "+errs[0].Message)
					replaced = true
				}
			}
		}
		if !replaced {
			for _, e := range errs {
				s.log.Error("runbook failed a safety rule", "rule", e.Rule, "section", e.Section, "secret_id", e.SecretID, "message", e.Message)
			}
			return &runbook.Error{Code: runbook.CodeInternal, Message: fmt.Sprintf("the runbook failed %d safety check(s) and was not served", len(errs))}
		}
	}
}

func (s *Service) fallBack(rb *runbook.Runbook, id runbook.SectionID, offline *runbook.Sections, reason string) {
	s.cfg.Observer.Fallback(id, "whole_runbook_lint")
	rb.Sections.Set(id, offline.Get(id))
	st := rb.SectionStatus[id]
	st.Source, st.Reason = runbook.SourceFallback, reason
	rb.SectionStatus[id] = st
	s.log.Warn("section fell back to the offline writer", "section", id, "reason", reason)
}
