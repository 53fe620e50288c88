// Package generate runs rotor's pipeline for one request: validate, screen,
// plan, write every section (all at once, through the LLM when one is
// configured, with the offline writer as the safety net), lint, and hand back
// a runbook that has no error-severity finding.
package generate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"golang.org/x/sync/singleflight"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/repository"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/writer"
	"github.com/rotor-dev/rotor/prompts"
)

// Screener finds secret-looking values in a request: in a decoded one, or
// in every string of a raw JSON body (keys and unknown fields included).
type Screener interface {
	Scan(prefix string, v any) []secretscan.Hit
	ScanJSON(strs []decode.JSONString) []secretscan.Hit
}

// LLM asks a model for one JSON document; every adapter's client
// (internal/llm/openai) implements it.
type LLM interface {
	Complete(ctx context.Context, r llm.Request) (llm.Response, error)
	Model() string
	Mode() string
}

// Observer is told what happens, for metrics; *metrics.Metrics implements it.
type Observer interface {
	LLMCall(model string, section runbook.SectionID, d time.Duration, u llm.Usage, err error)
	Cache(kind string, hit bool)
	Reask(section runbook.SectionID, reason string)
	Fallback(section runbook.SectionID, reason string)
	Findings(fs []runbook.Finding)
	// BudgetExhausted is told once per runbook whose budget stopped a call.
	BudgetExhausted()
}

type noObserver struct{}

func (noObserver) LLMCall(string, runbook.SectionID, time.Duration, llm.Usage, error) {}
func (noObserver) Cache(string, bool)                                                 {}
func (noObserver) Reask(runbook.SectionID, string)                                    {}
func (noObserver) Fallback(runbook.SectionID, string)                                 {}
func (noObserver) Findings([]runbook.Finding)                                         {}
func (noObserver) BudgetExhausted()                                                   {}

// Options tune one generation.
type Options struct {
	// Sections to generate; empty means all ten.
	Sections []runbook.SectionID
	// ID is the runbook's id; empty means a new random one.
	ID string
	// Owner is whom the runbook is for (the caller's API key): part of the
	// response cache key, so identical requests from two keys are two
	// runbooks with two ids (their sections are still shared).
	Owner string
	// OnSection, when set, is called as each section is ready (from several
	// goroutines at once), after the section passed its own checks. The
	// runbook Generate returns is authoritative: a section the whole-runbook
	// check replaces is passed to OnSection again, with its replacement.
	// content is the section's JSON.
	OnSection func(id runbook.SectionID, status runbook.SectionStatus, content json.RawMessage)

	// Checked, when it holds req, is Check's work on it: the request is
	// not screened, validated and planned again (nor admitted again).
	Checked *Checked
	// Admit, when set, is asked once the request is planned, before any
	// section is written, with what writing it will cost: an error (a
	// spent budget) refuses the request.
	Admit func(Work) error

	// screened holds the screen's warnings when the request was screened
	// as it was parsed (Parse), so Generate does not screen it again.
	screened *[]secretscan.Hit
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
	// Concurrency bounds the model calls in flight in one generation
	// (default 32): every section starts at once, and a section asked in
	// parts asks its parts at once.
	Concurrency int
	// Reader, when set, has the model read the request's prose too (with
	// an LLM configured): its reading is cross-checked with the rules'
	// before anything is planned.
	Reader ProseReader
	// MaxAttempts bounds the answers asked per section, reasks included
	// (default 3).
	MaxAttempts int
	// Deadline bounds a whole generation; sections still unwritten then fall
	// back to the offline writer (default 2m).
	Deadline time.Duration
	// MaxTokens is the output budget of one call (default 16000), and
	// ContextTokens the model's context window (default 128000): a section
	// whose planned content exceeds half the budget, or whose prompt and
	// budget exceed the window, is asked in parts.
	MaxTokens, ContextTokens int
	// TokenBudget bounds the tokens (input and output, as the provider
	// reports them) one runbook may spend on the model, and MaxCalls its
	// model calls (0: no bound). A call whose worst case (its prompt at a
	// token a byte, and the whole output budget) does not fit what is left
	// is not sent: its section falls back to the offline writer with reason
	// "budget", and the runbook's usage says budget_exhausted.
	TokenBudget, MaxCalls int
	// MaxWork bounds the work units of one request (planned steps plus
	// consumer-environment pairs; 0: no bound): a bigger one is 413, so
	// the time and memory of one generation are bounded.
	MaxWork int
	// Endpoint names the LLM server (its base URL): part of the cache keys.
	Endpoint string
	// Provider names who serves the model in the runbook's generator
	// (default "openai").
	Provider string
	// CodeVersion identifies the build (rules, writer, screen): part of the
	// response cache key, so a new release never serves an old answer.
	CodeVersion string
	// Cache, when set, caches sections and responses and coordinates
	// concurrent identical work.
	Cache CacheConfig
	// Runbooks keeps what Respond generates (for GET /runbooks/{id}, and as
	// the response cache's one copy); default: a store over Cache.Cache,
	// none without a cache.
	Runbooks RunbookStore
	// Observer receives metrics events (default: none).
	Observer Observer
	// TracerProvider receives a span per section (nil: none).
	TracerProvider trace.TracerProvider
	// Drafts has the LLM draft a catalogue entry for a secret whose
	// provider the catalogue lacks; a draft that passes catalog.CheckDraft
	// writes its steps, labelled "model-drafted: confirm" at the top.
	Drafts bool
	// Now and NewID default to the clock and random ids; tests pin them.
	Now   func() time.Time
	NewID func() string
}

// Service generates runbooks.
type Service struct {
	cfg    Config
	log    *slog.Logger
	flight singleflight.Group
	// needs maps a lint rule to the sections it reads, to find the section
	// behind a finding reported elsewhere.
	needs  map[string][]runbook.SectionID
	tracer trace.Tracer
	// keyPrefix starts every response key.
	keyPrefix []byte
	// drafts drafts catalogue entries for providers the catalogue lacks
	// (nil: none; see Config.Drafts).
	drafts *drafter
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
		cfg.Concurrency = 32
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = 16000
	}
	if cfg.ContextTokens <= 0 {
		cfg.ContextTokens = 128000
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
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = noop.NewTracerProvider()
	}
	svc := &Service{cfg: cfg, log: cfg.Logger, needs: map[string][]runbook.SectionID{},
		tracer: cfg.TracerProvider.Tracer("github.com/rotor-dev/rotor/internal/generate")}
	if cfg.Linter != nil {
		for _, r := range cfg.Linter.Rules() {
			svc.needs[r.ID] = r.Sections
		}
	}
	if svc.cfg.Runbooks == nil && c.Cache != nil {
		svc.cfg.Runbooks = repository.New(c.Cache, c.TTL, repository.Options{Logger: cfg.Logger})
	}
	svc.keyPrefix = svc.responseKeyPrefix()
	if cfg.LLM != nil && cfg.Drafts {
		d, err := newDrafter(svc.cfg)
		if err != nil {
			// The schema is built from a Go type: a failure is a build defect.
			panic(err)
		}
		svc.drafts = d
	}
	return svc
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
	p := s.cfg.Provider
	if p == "" {
		p = "openai"
	}
	return runbook.Generator{Provider: p, Model: s.cfg.LLM.Model()}
}

// Parse decodes a raw JSON request body and validates it. Every string of
// the body (values, object keys, unknown fields, both copies of a duplicate
// key) is screened first, so a pasted secret is refused (secret_detected)
// before any validation message could quote it. The hits returned are the
// screen's warnings.
func (s *Service) Parse(ctx context.Context, body []byte) (*runbook.Request, []secretscan.Hit, error) {
	var warnings []secretscan.Hit
	var screen decode.Screen
	if s.cfg.Screener != nil {
		screen = func(strs []decode.JSONString) error {
			hits := s.cfg.Screener.ScanJSON(strs)
			if err := s.refuse(ctx, hits); err != nil {
				return err
			}
			warnings = hits
			return nil
		}
	}
	req, err := decode.ParseRequestScreened(body, screen)
	if err != nil {
		return nil, nil, err
	}
	return req, warnings, nil
}

// refuse turns refusing hits into the caller's error, logging each path
// and rule (never a value).
func (s *Service) refuse(ctx context.Context, hits []secretscan.Hit) error {
	err := secretscan.RefusalError(hits)
	if err != nil {
		for _, h := range secretscan.Refusals(hits) {
			s.log.WarnContext(ctx, "request refused: secret-looking value", "path", h.Path, "rule", h.Rule)
		}
	}
	return err
}

// Prepare validates and screens a request and computes its facts. A pasted
// secret is refused here, before anything is planned, written, cached or
// logged; the error names field paths and rule ids only.
func (s *Service) Prepare(ctx context.Context, req *runbook.Request) (*planner.Facts, []secretscan.Hit, error) {
	f, warnings, _, err := s.prepare(ctx, req, nil, true)
	return f, warnings, err
}

// prepare is Prepare; screened, when set, holds the warnings of a screen
// already made (Parse), which is then not made again.
// With model false, the prose is read by the rules alone (admission before
// a 202 or a stream must answer at once; the generation reads it again with
// the model).
func (s *Service) prepare(ctx context.Context, req *runbook.Request, screened *[]secretscan.Hit, model bool) (*planner.Facts, []secretscan.Hit, runbook.Usage, error) {
	var read runbook.Usage
	if err := req.Validate(); err != nil {
		return nil, nil, read, err
	}
	var warnings []secretscan.Hit
	switch {
	case screened != nil:
		warnings = *screened
	case s.cfg.Screener != nil:
		hits := s.cfg.Screener.Scan("", req)
		if err := s.refuse(ctx, hits); err != nil {
			return nil, nil, read, err
		}
		warnings = hits
	}
	planned := withheld(req, warnings)
	var f *planner.Facts
	var err error
	// rd is the reading planned from, kept for a plan made again with
	// model-drafted entries (nil: the rules' reading alone).
	var rd *intake.Reading
	asOf, _ := planned.AsOfTime()
	// One account of the model's reading, however many times it reads.
	acc := &readingUsage{}
	plan := func(asOf time.Time) {
		if s.cfg.Reader == nil || !model {
			rd = intake.Read(planned, intake.Options{AsOf: asOf})
			f, err = planner.PlanReading(planned, rd)
			return
		}
		// The model reads the prose too; what it says reaches the plan only
		// through the cross-check (intake.CrossCheck). Screened first: a
		// withheld value is never sent.
		rctx := context.WithValue(ctx, readingUsageKey{}, acc)
		rd = s.cfg.Reader.CrossRead(rctx, planned, intake.Read(planned, intake.Options{AsOf: asOf}))
		f, err = planner.PlanReading(planned, rd)
		read = acc.total()
	}
	plan(asOf)
	if now := s.cfg.Now().Truncate(time.Minute); err == nil && asOf.IsZero() && !IsReplay(ctx) && planner.DeadlineMissed(f, now) {
		// A departure deadline the plan misses, made without as_of: read
		// and planned again as of now (the request's as_of set to it), so
		// what the person knew is overdue and revoked first (review20
		// round 4 C1).
		at := *planned
		at.AsOf = now.UTC().Format(time.RFC3339)
		planned = &at
		plan(now)
	}
	if err == nil {
		f = s.withDrafts(ctx, planned, rd, f)
	}
	if err == nil && s.cfg.MaxWork > 0 {
		if w := WorkOf(f); w.Units() > s.cfg.MaxWork {
			return nil, nil, read, tooMuchWork(f, w, s.cfg.MaxWork)
		}
	}
	if err != nil {
		return nil, nil, read, err
	}
	return f, warnings, read, nil
}

// withheld returns the request with every field a warning names replaced by
// a note: a value that may be a secret is accepted, but never planned with,
// quoted under considered, or sent to a model.
func withheld(req *runbook.Request, warnings []secretscan.Hit) *runbook.Request {
	if len(warnings) == 0 {
		return req
	}
	paths := map[string]bool{}
	for _, h := range warnings {
		paths[h.Path] = true
	}
	data, err := json.Marshal(req)
	if err != nil {
		return req
	}
	var out runbook.Request
	if json.Unmarshal(data, &out) != nil {
		return req
	}
	decode.ReplaceStrings(&out, func(path, s string) string {
		switch {
		case !paths[path]:
			return s
		case strings.HasSuffix(path, ".name"):
			return "withheld name (" + path + ")"
		}
		return "(withheld: it may hold a secret; see input_warnings)"
	})
	return &out
}

type replayKey struct{}

// Replay marks a generation as a replay: a request with as_of is planned as
// of it (as every request is) and says nothing about how far it is from
// the clock. Eval replays every case this way; a live request whose as_of
// is more than planner.StaleAfter before the clock (or planner.AheadAfter
// after it) says so at the top (planner.StaleAsOf; review18 round 5, X4).
func Replay(ctx context.Context) context.Context { return context.WithValue(ctx, replayKey{}, true) }

// IsReplay reports whether ctx marks a replay.
func IsReplay(ctx context.Context) bool { v, _ := ctx.Value(replayKey{}).(bool); return v }

// clock is the generation's wall clock as the as_of item sees it: none in
// a replay (the item is never raised there), else now. Nothing else of a
// runbook with as_of depends on it.
func (s *Service) clock(ctx context.Context) time.Time {
	if IsReplay(ctx) {
		return time.Time{}
	}
	return s.cfg.Now()
}

// Generate runs the whole pipeline.
func (s *Service) Generate(ctx context.Context, req *runbook.Request, opts Options) (*runbook.Runbook, error) {
	var f *planner.Facts
	var warnings []secretscan.Hit
	var err error
	var read runbook.Usage
	if c := opts.Checked; c != nil && c.Request == req && s.cfg.Reader == nil {
		f, warnings = c.facts, c.warnings
	} else if c != nil && c.Request == req {
		// Checked read the prose with the rules alone: the model reads it
		// now, on the request's screened values.
		if f, warnings, read, err = s.prepare(ctx, req, &c.warnings, true); err != nil {
			return nil, err
		}
	} else if f, warnings, read, err = s.prepare(ctx, req, opts.screened, true); err != nil {
		return nil, err
	} else if opts.Admit != nil {
		if err := opts.Admit(WorkOf(f)); err != nil {
			return nil, err
		}
	}
	ids := opts.Sections
	if len(ids) == 0 {
		ids = section.IDs()
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
		OpenItems:     f.OpenItems,
		TimeToKill:    f.TimeToKill,
		Considered:    f.Considered,
		Schedule:      f.Schedule,
		CatalogDrafts: f.CatalogDrafts,
	}
	// A request without as_of is planned without a clock (its sections and
	// their cache keys never change with the time); the runbook is dated
	// here, from the generation's clock.
	planner.DateRunbook(rb, f, s.cfg.Now())
	for _, h := range warnings {
		rb.InputWarnings = append(rb.InputWarnings, runbook.FieldError{Path: h.Path,
			Problem: fmt.Sprintf("may be a secret (rule %s); it was accepted because the rule is noisy: check it is not a live value", h.Rule)})
	}
	j, err := s.newJob(ctx, f)
	if err != nil {
		return nil, err
	}
	var ws map[runbook.SectionID]written
	if s.cfg.LLM == nil {
		for _, id := range ids {
			start := time.Now()
			sec := section.Must(id)
			sec.Copy(&rb.Sections, j.offline)
			rb.SectionStatus[id] = runbook.SectionStatus{Source: runbook.SourceOffline, DurationMS: time.Since(start).Milliseconds()}
			if opts.OnSection != nil {
				content, _ := sec.Encode(j.offline)
				opts.OnSection(id, rb.SectionStatus[id], content)
			}
		}
	} else {
		ws = s.writeAll(ctx, j, ids, rb, opts.OnSection)
	}
	// The drafts' calls and the model's reading of the prose are part of
	// what this runbook cost.
	addRunbookUsage(&rb.Usage, f.DraftUsage)
	addRunbookUsage(&rb.Usage, read)
	// A request dated far from the clock says so at the very top, holding
	// every planned step and no kill of a credential killed first (it
	// needs the steps' orders, so it comes after the sections).
	asOf, _ := req.AsOfTime()
	planner.StaleAsOf(rb, f, asOf, s.clock(ctx))
	replaced := s.lintServed(ctx, rb, ids, j)
	s.settle(ctx, rb, ws)
	if opts.OnSection != nil {
		for _, id := range replaced {
			content, _ := section.Must(id).Encode(&rb.Sections)
			opts.OnSection(id, rb.SectionStatus[id], content)
		}
	}
	return rb, nil
}

// job is what the sections of one generation share: the facts, the offline
// sections (each LLM section's fallback, and the context it is checked in)
// and the error findings of the offline runbook itself.
type job struct {
	f       *planner.Facts
	offline *runbook.Sections
	// base holds the offline runbook's own error findings (none while the
	// offline writer is right): a section is judged by the errors it adds.
	// findings are all the offline runbook's findings. Both are made on
	// first use (offlineLint): with a model whose answers pass, nothing
	// asks for them, and the offline sections are never linted nor
	// screened whole.
	base      map[runbook.Finding]bool
	findings  []runbook.Finding
	baseOnce  sync.Once
	lintFirst func()
	// lint is the linter of the generation: its output screen (screen)
	// screens each section value once.
	lint   *lint.Linter
	screen *screen
	// check is lint's error rules alone, and reading, per section, those
	// that read it: what an answer is judged by (verify keeps only the
	// errors the offline runbook does not have, and a rule that does not
	// read the answer's section finds what it found there).
	check   *lint.Linter
	reading map[runbook.SectionID]*lint.Linter
	// blocks are the prompt's data blocks (with an LLM), one per facts view,
	// each encoded once for every call of the generation that is sent it;
	// factsSum hashes all the facts (the calls' prompt_cache_key).
	blocks   map[*factsView]block
	factsSum string
	// maps makes the facts' map of each part from the job's (nil: no
	// model).
	maps *factsMaps
	// refs are the command references of the generation's data blocks
	// (nil: no model): an answer's are expanded before it is judged.
	refs *prompts.Refs
	// calls bounds the model calls in flight (Concurrency).
	calls chan struct{}
	// budget bounds the generation's tokens and calls (nil: none).
	budget *budget
	// warmers are the sections whose first call others wait for (see
	// warmFirst), each with the channel closed when that call has returned
	// (or the section was written without one); waits, the warmers a
	// whole section's call waits for.
	warmers map[runbook.SectionID]*warmer
	waits   map[runbook.SectionID][]runbook.SectionID
}

type warmer struct {
	done chan struct{}
	once sync.Once
}

// warm says the call of section id has returned: the sections waiting for
// it may send theirs.
func (j *job) warm(id runbook.SectionID) {
	if w := j.warmers[id]; w != nil {
		w.once.Do(func() { close(w.done) })
	}
}

// waitWarm holds a whole section's call until the calls it waits for have
// returned.
func (j *job) waitWarm(ctx context.Context, u *unit) error {
	if !u.whole() {
		return nil
	}
	for _, id := range j.waits[u.id] {
		select {
		case <-j.warmers[id].done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// cacheKey is the prompt_cache_key of the generation's calls: the hash of
// its facts, so one runbook's calls (which share their prompts' prefix)
// reach the same prompt cache, and a repeat of the request too.
func (j *job) cacheKey() string {
	if len(j.factsSum) < 32 {
		return ""
	}
	return "rotor-" + j.factsSum[:32]
}

// block is an encoded data block and its hash.
type block struct {
	data prompts.Encoded
	sum  string
}

// whole is the unit that writes a whole section, with its view's block.
func (j *job) whole(id runbook.SectionID) *unit {
	b := j.blocks[viewOf(id)]
	return &unit{id: id, index: 1, of: 1, sectionWide: true, facts: j.f, data: b.data, dataSum: b.sum}
}

// acquire waits for a call slot.
func (j *job) acquire(ctx context.Context) error {
	if j.calls == nil {
		return nil
	}
	select {
	case j.calls <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (j *job) release() {
	if j.calls != nil {
		<-j.calls
	}
}

func (s *Service) newJob(ctx context.Context, f *planner.Facts) (*job, error) {
	j := &job{f: f, base: map[runbook.Finding]bool{}, lint: s.cfg.Linter, budget: newBudget(s.cfg.TokenBudget, s.cfg.MaxCalls)}
	if l := s.cfg.Linter; l != nil && l.Scanner() != nil {
		j.screen = newScreen(l.Scanner())
		// A section is written once and never changed: the screen and
		// the linter remember what they read in it by its pointer.
		j.lint = l.WithScanner(j.screen).WithTextMemo().WithSectionMemo()
	}
	if j.lint != nil {
		j.check = j.lint.ErrorsOnly()
		j.reading = map[runbook.SectionID]*lint.Linter{}
		for _, sec := range section.All {
			j.reading[sec.ID()] = j.check.Reading(sec.ID())
		}
	}
	// Offline, every offline section is served: its screen starts as
	// soon as it is written. With a model, an offline section is served
	// only when its section falls back, and is screened then.
	early := j.screen
	if s.cfg.LLM != nil {
		early = nil
	}
	offline, err := s.offlineSections(f, early)
	if err != nil {
		return nil, err
	}
	j.offline = offline
	if s.cfg.LLM != nil {
		all, err := factsMap(f)
		if err != nil {
			return nil, fmt.Errorf("generate: data block: %w", err)
		}
		j.maps = newFactsMaps(f, all)
		j.refs = section.CommandRefs(all)
		j.blocks = map[*factsView]block{}
		for _, v := range section.Views() {
			var b block
			if b.data, b.sum, err = encodeView(v.Take(all), j.refs); err != nil {
				return nil, err
			}
			j.blocks[v] = b
		}
		j.factsSum = j.blocks[section.AllFacts].sum
	}
	if s.cfg.Linter != nil {
		j.lintFirst = func() {
			rb := skeleton(f)
			rb.Sections = *offline
			j.findings = j.lint.Lint(rb)
			for _, e := range lint.Errors(j.findings) {
				j.base[e] = true
			}
			if len(j.base) > 0 {
				s.log.ErrorContext(ctx, "the offline writer's runbook has error findings (a bug): they are served as findings", "system_slug", f.SystemSlug, "errors", len(j.base))
			}
		}
	}
	return j, nil
}

// offlineLint lints the offline runbook once (j.findings, j.base), on
// first use.
func (j *job) offlineLint() {
	if j.lintFirst != nil {
		j.baseOnce.Do(j.lintFirst)
	}
}

// skeleton is a runbook holding what the facts say beyond the sections (the
// trigger, the schedule, the time to kill): the context sections are linted in.
func skeleton(f *planner.Facts) *runbook.Runbook {
	return &runbook.Runbook{System: f.System, Trigger: f.Trigger, Schedule: f.Schedule, TimeToKill: f.TimeToKill}
}

// added keeps the error findings the offline runbook does not have itself.
func (j *job) added(fs []runbook.Finding) []runbook.Finding {
	errs := lint.Errors(fs)
	if len(errs) == 0 {
		return nil
	}
	j.offlineLint()
	var out []runbook.Finding
	for _, f := range errs {
		if !j.base[f] {
			out = append(out, f)
		}
	}
	return out
}

// offlineSections writes all ten sections offline: the fallback of every LLM
// section and the context a single section is linted in. Each section's
// output screen starts as soon as it is written.
func (s *Service) offlineSections(f *planner.Facts, sc *screen) (*runbook.Sections, error) {
	var out runbook.Sections
	for _, sec := range section.All {
		sec.Write(f, &out)
		if sc != nil {
			sec.Scan(&out, func(prefix string, v any) []secretscan.Hit {
				sc.start(prefix, v)
				return nil
			})
		}
	}
	return &out, nil
}

// withContext returns a runbook holding rb's sections, the offline ones where
// rb has none.
func withContext(rb *runbook.Runbook, offline *runbook.Sections) *runbook.Runbook {
	c := *rb
	for _, sec := range section.All {
		if !sec.Present(&c.Sections) {
			sec.Copy(&c.Sections, offline)
		}
	}
	return &c
}

// replaceable reports whether a served section came from the model, now or
// from the cache: the whole-runbook check may replace it.
func replaceable(st runbook.SectionStatus) bool {
	return st.Source == runbook.SourceLLM || st.Source == runbook.SourceCache
}

// lintServed lints the served sections in the context of the others (the
// offline ones where a section was not asked for) and repairs: a section from
// the model or the cache behind an error finding the offline runbook does not
// have is replaced by its offline version (marked fallback), until no such
// error remains. A finding reported on a section that cannot be replaced
// (offline, or not asked for) blames the replaceable sections its rule reads,
// then any replaceable section. It returns the replaced sections. It never
// fails: a runbook of offline sections is served even if the offline writer
// is wrong (its findings say so and it is logged as a bug).
func (s *Service) lintServed(ctx context.Context, rb *runbook.Runbook, ids []runbook.SectionID, j *job) []runbook.SectionID {
	if s.cfg.Linter == nil {
		return nil
	}
	var replaced []runbook.SectionID
	fallBack := func(id runbook.SectionID, e runbook.Finding) bool {
		st, ok := rb.SectionStatus[id]
		if !ok || !replaceable(st) {
			return false
		}
		s.fallBack(ctx, rb, id, j.offline, "whole-runbook lint: "+e.Rule+" ("+string(e.Section)+"): "+e.Message)
		replaced = append(replaced, id)
		return true
	}
	var all []runbook.Finding
	for {
		if slices.ContainsFunc(ids, func(id runbook.SectionID) bool { return !section.Must(id).Same(&rb.Sections, j.offline) }) {
			all = j.lint.Lint(withContext(rb, j.offline))
		} else {
			// Every section is the offline writer's: the offline runbook,
			// linted once.
			j.offlineLint()
			all = j.findings
		}
		errs := j.added(all)
		if len(errs) == 0 {
			break
		}
		progress := false
		for _, e := range errs {
			progress = fallBack(e.Section, e) || progress
		}
		for _, e := range errs {
			if progress {
				break
			}
			for _, id := range s.needs[e.Rule] {
				progress = fallBack(id, e) || progress
			}
		}
		for _, id := range ids {
			if progress {
				break
			}
			progress = fallBack(id, errs[0]) || progress
		}
		if !progress {
			for _, e := range errs {
				s.log.ErrorContext(ctx, "runbook served with a safety finding no section replacement can clear", "rule", e.Rule, "section", e.Section, "secret_id", e.SecretID, "message", e.Message)
			}
			break
		}
	}
	// The findings on the served sections, from every rule (what
	// LintSections would find, without linting again).
	findings := []runbook.Finding{}
	for _, f := range all {
		if slices.Contains(ids, f.Section) {
			findings = append(findings, f)
		}
	}
	if errs := lint.Errors(findings); len(errs) > 0 {
		j.offlineLint()
		for _, e := range errs {
			if j.base[e] {
				s.log.ErrorContext(ctx, "runbook served with an error finding of the offline writer (a bug)", "rule", e.Rule, "section", e.Section, "secret_id", e.SecretID, "message", e.Message)
			}
		}
	}
	rb.Findings = findings
	s.cfg.Observer.Findings(findings)
	return replaced
}

func (s *Service) fallBack(ctx context.Context, rb *runbook.Runbook, id runbook.SectionID, offline *runbook.Sections, reason string) {
	s.cfg.Observer.Fallback(id, "whole_runbook_lint")
	section.Must(id).Copy(&rb.Sections, offline)
	st := rb.SectionStatus[id]
	st.Source, st.Reason = runbook.SourceFallback, reason
	rb.SectionStatus[id] = st
	s.log.WarnContext(ctx, "section fell back to the offline writer", "section", id, "reason", reason)
}
