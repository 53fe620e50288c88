// Package generate runs rotor's pipeline for one request: validate, screen,
// plan, write every section, lint, and hand back a runbook that has no
// error-severity finding.
package generate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/writer"
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

// Options tune one generation.
type Options struct {
	// Sections to generate; empty means all ten.
	Sections []runbook.SectionID
}

// Service generates runbooks.
type Service struct {
	screen  Screener
	linter  *lint.Linter
	offline SectionWriter
	log     *slog.Logger
	now     func() time.Time
	newID   func() string
}

// Config wires a Service.
type Config struct {
	Screener Screener
	Linter   *lint.Linter
	Logger   *slog.Logger
	// Now and NewID default to the clock and random ids; tests pin them.
	Now   func() time.Time
	NewID func() string
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{screen: cfg.Screener, linter: cfg.Linter, offline: writer.Offline{}, log: cfg.Logger, now: cfg.Now, newID: cfg.NewID}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = RandomID
	}
	return s
}

// RandomID returns a new runbook id: "rb_" and 24 random hex digits.
func RandomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "rb_" + hex.EncodeToString(b[:])
}

// Prepare validates and screens a request and computes its facts. A pasted
// secret is refused here, before anything is planned, written, cached or
// logged; the error names field paths and rule ids only.
func (s *Service) Prepare(ctx context.Context, req *runbook.Request) (*planner.Facts, []secretscan.Hit, error) {
	if err := req.Validate(); err != nil {
		return nil, nil, err
	}
	var warnings []secretscan.Hit
	if s.screen != nil {
		hits := s.screen.Scan("", req)
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
	rb := &runbook.Runbook{
		ID: s.newID(), System: f.System, Trigger: f.Trigger, CreatedAt: s.now().UTC().Truncate(time.Second),
		Generator:     runbook.Generator{Provider: "offline", Model: writer.OfflineModel},
		SectionStatus: map[runbook.SectionID]runbook.SectionStatus{},
		Findings:      []runbook.Finding{},
		Assumptions:   f.Assumptions,
	}
	for _, h := range warnings {
		rb.InputWarnings = append(rb.InputWarnings, runbook.FieldError{Path: h.Path,
			Problem: fmt.Sprintf("may be a secret (rule %s); it was accepted because the rule is noisy: check it is not a live value", h.Rule)})
	}
	for _, id := range ids {
		start := time.Now()
		sec, err := s.offline.Section(f, id)
		if err != nil {
			return nil, fmt.Errorf("generate: %s: %w", id, err)
		}
		rb.Sections.Set(id, sec)
		rb.SectionStatus[id] = runbook.SectionStatus{Source: runbook.SourceOffline, DurationMS: time.Since(start).Milliseconds()}
	}
	findings, err := s.lintServed(f, rb, ids)
	if err != nil {
		return nil, err
	}
	rb.Findings = findings
	return rb, nil
}

// lintServed lints the served sections. When only a subset was generated, the
// missing sections are filled from the offline writer as context so that
// cross-section rules still run; findings are kept for the served sections.
func (s *Service) lintServed(f *planner.Facts, rb *runbook.Runbook, ids []runbook.SectionID) ([]runbook.Finding, error) {
	if s.linter == nil {
		return []runbook.Finding{}, nil
	}
	ctxRB := *rb
	for _, id := range runbook.SectionIDs {
		if ctxRB.Sections.Get(id) == nil {
			sec, err := s.offline.Section(f, id)
			if err != nil {
				return nil, err
			}
			ctxRB.Sections.Set(id, sec)
		}
	}
	findings := s.linter.LintSections(&ctxRB, ids...)
	if errs := lint.Errors(findings); len(errs) > 0 {
		for _, e := range errs {
			s.log.Error("runbook failed a safety rule", "rule", e.Rule, "section", e.Section, "secret_id", e.SecretID, "message", e.Message)
		}
		return nil, &runbook.Error{Code: runbook.CodeInternal, Message: fmt.Sprintf("the runbook failed %d safety check(s) and was not served", len(errs))}
	}
	return findings, nil
}
