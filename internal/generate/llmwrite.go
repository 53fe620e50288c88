package generate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

// written is the outcome of one section.
type written struct {
	// sec holds the section written (its field only).
	sec    runbook.Sections
	status runbook.SectionStatus
	usage  llm.Usage
	calls  int
	// cacheHit: nothing was paid for this section in this request.
	cacheHit bool
	// callerGone: the fallback happened because the caller went away.
	callerGone bool
	// unpriced: a call was answered by a model without a price.
	unpriced bool
	// key is the section's cache key ("" without a cache); pending says the
	// cached entry awaits confirmation by a clean runbook.
	key     string
	pending bool
	// split: the answer did not fit (cut off at the output budget, or the
	// request beyond the context window): the unit must be asked in
	// smaller parts, never again as it was.
	split bool
	// parts are the parts a section was asked in (each cached under its own
	// key), in order.
	parts []written
	// budget: the fallback happened because the runbook's budget was
	// spent (it says nothing about the model, and is not cached).
	budget bool
	// encoded is sec's section as JSON, once storeSection made it (sec is
	// never changed after).
	encoded []byte
}

var zeroUsage llm.Usage

// held is the section w holds (nil for none).
func (w *written) held() section.Section {
	for _, s := range section.All {
		if s.Present(&w.sec) {
			return s
		}
	}
	return nil
}

// writeAll writes the sections through the LLM, all at once (bounded by
// Concurrency), within the generation deadline. No section waits for another:
// the facts are their shared ground truth.
func (s *Service) writeAll(ctx context.Context, j *job, ids []runbook.SectionID, rb *runbook.Runbook,
	onSection func(runbook.SectionID, runbook.SectionStatus, json.RawMessage)) map[runbook.SectionID]written {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Deadline)
	defer cancel()
	results := make([]written, len(ids))
	// Every section starts at once; the model calls of all of them (parts
	// included) are bounded by Concurrency.
	j.calls = make(chan struct{}, s.cfg.Concurrency)
	s.warmFirst(j, ids)
	var g errgroup.Group
	for i, id := range ids {
		g.Go(func() error {
			sctx, span := s.tracer.Start(ctx, "rotor.section "+string(id), trace.WithAttributes(attribute.String("rotor.section", string(id))))
			results[i] = s.section(sctx, j, id)
			j.warm(id)
			st := results[i].status
			span.SetAttributes(attribute.String("rotor.section.source", string(st.Source)), attribute.Int("rotor.section.attempts", st.Attempts),
				attribute.Int("rotor.section.llm_calls", results[i].calls))
			if st.Source == runbook.SourceFallback {
				span.SetAttributes(attribute.String("rotor.section.fallback_reason", truncate(st.Reason, 300)))
			}
			span.End()
			if onSection != nil {
				content, _ := section.Must(id).Encode(&results[i].sec)
				onSection(id, results[i].status, content)
			}
			return nil
		})
	}
	_ = g.Wait()
	out := make(map[runbook.SectionID]written, len(ids))
	for i, id := range ids {
		r := results[i]
		out[id] = r
		section.Must(id).Copy(&rb.Sections, &r.sec)
		rb.SectionStatus[id] = r.status
		rb.Usage.LLMCalls += r.calls
		rb.Usage.PromptTokens += r.usage.PromptTokens
		rb.Usage.CompletionTokens += r.usage.CompletionTokens
		rb.Usage.CachedPromptTokens += r.usage.CachedPromptTokens
		rb.Usage.CostUSD += r.usage.CostUSD
		if r.cacheHit {
			rb.Usage.CacheHits++
		}
		rb.Usage.CostUnknown = rb.Usage.CostUnknown || r.unpriced
	}
	if _, exhausted := j.budget.state(); exhausted {
		rb.Usage.BudgetExhausted = true
		s.cfg.Observer.BudgetExhausted()
	}
	return out
}

// warmFirst orders the whole sections' calls so that a provider's prompt
// cache can serve them. A provider caches a prompt's prefix once it has read
// it, so calls that leave together find nothing cached (Acme Payments: 0 %
// of the input when its ten calls left at once). Every whole section's call
// carries the same schema (the envelope) and system prompt, then its data
// view's block. So: one call leaves first (the global warmer), then one per
// data view (its shortest planned answer), then the rest of each view once
// its view's first call has returned. The global warmer is the first call
// of the view of the longest planned answer, which then waits for one
// short call only: Acme's rollback (450 answer tokens) before its rotation
// sequence (4,200), then the first calls of the other two views (risk
// triage, external comms), then the rest. Only sections asked whole wait:
// a part carries its section's own schema and its own facts, and shares no
// prefix with them.
func (s *Service) warmFirst(j *job, ids []runbook.SectionID) {
	if len(ids) < 2 || j.blocks == nil {
		return
	}
	type view struct {
		first   runbook.SectionID
		planned int
	}
	views := map[string]*view{}
	var order []string
	sum := map[runbook.SectionID]string{}
	longest, longestSize := runbook.SectionID(""), -1
	for _, id := range ids {
		planned, _ := section.Must(id).Encode(j.offline)
		if answerTokens(len(planned)) > s.cfg.MaxTokens/answerShare {
			continue // asked in parts
		}
		u := j.whole(id)
		sum[id] = u.dataSum
		v := views[u.dataSum]
		if v == nil {
			v = &view{first: id, planned: len(planned)}
			views[u.dataSum] = v
			order = append(order, u.dataSum)
		} else if len(planned) < v.planned {
			v.first, v.planned = id, len(planned)
		}
		if len(planned) > longestSize {
			longest, longestSize = id, len(planned)
		}
	}
	if len(sum) < 2 {
		return
	}
	global := views[sum[longest]].first
	if global == longest {
		// Alone in its view: the shortest first call leaves first.
		short := -1
		for _, k := range order {
			if v := views[k]; v.first != longest && (short < 0 || v.planned < short) {
				global, short = v.first, v.planned
			}
		}
	}
	j.warmers = map[runbook.SectionID]*warmer{}
	j.waits = map[runbook.SectionID][]runbook.SectionID{}
	for _, k := range order {
		j.warmers[views[k].first] = &warmer{done: make(chan struct{})}
	}
	for id, k := range sum {
		if id == global {
			continue
		}
		j.waits[id] = []runbook.SectionID{global}
		if first := views[k].first; first != id && first != global {
			j.waits[id] = append(j.waits[id], first)
		}
	}
}

// promptContext fills the seed's Context list from closed-vocabulary facts.
func promptContext(f *planner.Facts) prompts.Context {
	var kinds, deploy []string
	for _, s := range f.Secrets {
		if k := string(s.Kind); !runbook.OneOf(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	for _, d := range f.Deployment {
		deploy = append(deploy, string(d))
	}
	return prompts.Context{
		Kinds:        strings.Join(kinds, ", "),
		Trigger:      string(f.Trigger),
		Environments: strings.Join(f.Environments, ", "),
		Deployment:   strings.Join(deploy, ", "),
		Store:        planner.StoreName(f.SecretStore),
		Downtime:     string(f.DowntimeTolerance),
	}
}

// contentKinds are failures of the answer itself: worth asking again.
var contentKinds = map[llm.Kind]string{
	llm.KindRefusal:       "your previous answer was a refusal; this is a defensive task (replacing credentials safely), answer with the section",
	llm.KindContentFilter: "your previous answer was filtered; answer with the section only",
	llm.KindEmpty:         "your previous answer was empty; answer with the section as JSON",
	llm.KindNotJSON:       "your previous answer was not valid JSON; answer with one JSON object only",
}

// writeUnit asks for one section, or one part of it, until the answer passes
// the schema, the facts and the lint rules (in the offline runbook; a part:
// its own facts, the merged section the rest), at most MaxAttempts times;
// otherwise it uses the offline section, marked fallback with the reason. An
// answer cut off at the output budget, or a request beyond the context
// window, is never asked again as it was: it comes back marked split, to be
// asked in smaller parts. violations, when set, are those of an earlier
// answer (found in the merged section) to fix.
func (s *Service) writeUnit(ctx context.Context, j *job, u *unit, violations []string) written {
	id, offline := u.id, j.offline
	sec := section.Must(id)
	start := time.Now()
	out := written{}
	asked := 0
	fallback := func(kind, reason string) written {
		s.cfg.Observer.Fallback(id, kind)
		sec.Copy(&out.sec, offline)
		out.status = runbook.SectionStatus{Source: runbook.SourceFallback, Attempts: asked, DurationMS: time.Since(start).Milliseconds(), Reason: reason}
		out.callerGone = errors.Is(ctx.Err(), context.Canceled)
		s.log.WarnContext(ctx, "section fell back to the offline writer", "section", id, "part", u.index, "of", u.of, "reason", reason)
		return out
	}
	schemaJSON, _ := s.cfg.Schemas.JSON(id)
	in := prompts.Input{Section: string(id), Title: section.Title(id), SchemaName: schema.Name(id),
		JSONMode: s.cfg.LLM.Mode() == llm.ModeJSONObject, Context: promptContext(j.f), Data: u.data, Refs: u.refs(), Part: u.part(),
		Violations: violations[:min(maxViolations, len(violations))]}
	// Structured outputs of a whole section get the one envelope of every
	// section (see schema.Envelope: the calls then share their prompt's
	// prefix); a part gets its section's own schema (see enveloped); JSON
	// mode carries the section's own schema in the prompt.
	wireName, wireSchema := schema.EnvelopeName, s.cfg.Schemas.Envelope()
	switch {
	case in.JSONMode:
		in.Schema = schemaJSON
		wireName, wireSchema = schema.Name(id), schemaJSON
	case !s.enveloped(u):
		in.Own = true
		wireName, wireSchema = schema.Name(id), schemaJSON
	}
	var last, lastKind string
	for attempt := 1; attempt <= s.cfg.MaxAttempts; attempt++ {
		msgs, err := s.cfg.Prompts.Build(in)
		if err != nil {
			return fallback("internal", err.Error())
		}
		if err := j.waitWarm(ctx, u); err != nil {
			return fallback("deadline", "generation deadline reached before the call: "+err.Error())
		}
		if err := j.acquire(ctx); err != nil {
			return fallback("deadline", "generation deadline reached before the call: "+err.Error())
		}
		call := llm.Request{Section: string(id), Messages: msgs, SchemaName: wireName, Schema: wireSchema, CacheKey: j.cacheKey()}
		bound := promptBound(call)
		settle, err := j.budget.reserve(ctx, bound, s.cfg.MaxTokens)
		if err != nil {
			j.release()
			if errors.Is(err, errBudget) {
				out.budget = true
				return fallback("budget", err.Error())
			}
			return fallback("deadline", "generation deadline reached before the call: "+err.Error())
		}
		callStart := time.Now()
		resp, err := s.cfg.LLM.Complete(ctx, call)
		j.release()
		j.warm(id)
		asked++
		callUsage, reached := resp.Usage, resp.Reached
		var callErr *llm.Error
		if errors.As(err, &callErr) {
			callUsage, reached = callErr.Usage, callErr.Reached
		}
		settle(spentBy(callUsage, err, reached, bound))
		// usage.llm_calls counts what the server received, not what was
		// refused before sending (breaker open, nothing listening).
		out.calls += reached
		out.unpriced = out.unpriced || (reached > 0 && !callUsage.CostKnown && callUsage.PromptTokens+callUsage.CompletionTokens > 0)
		s.cfg.Observer.LLMCall(s.cfg.LLM.Model(), id, time.Since(callStart), callUsage, err)
		if err != nil {
			var le *llm.Error
			if errors.As(err, &le) {
				out.usage = addUsage(out.usage, le.Usage)
			}
			switch kind := llm.KindOf(err); {
			case kind == llm.KindTruncated || kind == llm.KindContextLength:
				// The same request can only fail the same way: a smaller
				// one is asked instead.
				s.cfg.Observer.Reask(id, string(kind))
				s.log.InfoContext(ctx, "asking in smaller parts", "section", id, "part", u.index, "of", u.of, "kind", kind)
				// Not a fallback (yet): the offline section stands in
				// until the smaller parts are written, and if they cannot be.
				sec.Copy(&out.sec, offline)
				out.split = true
				out.status = runbook.SectionStatus{Source: runbook.SourceFallback, Attempts: asked, DurationMS: time.Since(start).Milliseconds(),
					Reason: tooBig(kind, err)}
				return out
			case contentKinds[kind] != "":
				in.Violations, last, lastKind = []string{contentKinds[kind]}, string(kind), string(kind)
				if attempt < s.cfg.MaxAttempts {
					s.cfg.Observer.Reask(id, string(kind))
					s.log.InfoContext(ctx, "asking again", "section", id, "attempt", attempt, "kind", kind)
				}
				continue
			}
			if ctx.Err() != nil {
				return fallback("deadline", "generation deadline reached: "+err.Error())
			}
			kind := string(llm.KindOf(err))
			if kind == "" {
				kind = "error"
			}
			return fallback(kind, err.Error())
		}
		out.usage = addUsage(out.usage, resp.Usage)
		violations, answer := s.judge(j, u, resp.Content)
		if len(violations) == 0 {
			out.sec = answer
			out.status = runbook.SectionStatus{Source: runbook.SourceLLM, Attempts: attempt, DurationMS: time.Since(start).Milliseconds()}
			return out
		}
		in.Violations, last = violations[:min(maxViolations, len(violations))], strings.Join(violations[:min(3, len(violations))], "; ")
		lastKind = violationKind(violations[0])
		if attempt < s.cfg.MaxAttempts {
			s.cfg.Observer.Reask(id, lastKind)
			s.log.InfoContext(ctx, "asking again", "section", id, "attempt", attempt, "violations", len(violations))
		}
	}
	return fallback("invalid_"+lastKind, fmt.Sprintf("still invalid after %d attempts: %s", s.cfg.MaxAttempts, last))
}

// enveloped reports whether a unit's call carries the envelope of every
// section: a whole section's in json_schema mode. A part's prompt shares no
// data block with another call, so the envelope would buy it only a cached
// schema and system prompt; its section's own schema is a fifth of the
// envelope's 1,700 tokens, and at 100 secrets (38 parts) that is 50k input
// tokens less.
func (s *Service) enveloped(u *unit) bool {
	return s.cfg.LLM.Mode() != llm.ModeJSONObject && u.whole()
}

// maxViolations bounds the violations listed in a reask: enough to fix, not
// enough to swell the prompt past the context window.
const maxViolations = 20

// tooBig says why a unit is asked again in smaller parts.
func tooBig(kind llm.Kind, err error) string {
	if kind == llm.KindContextLength {
		return "the prompt does not fit the model's context window (not retried as is): " + err.Error()
	}
	return "the answer was cut off at the output budget (not retried as is): " + err.Error()
}

// judge checks an answer: schema, then the facts, then every lint rule, with
// the answer in place of its section in the offline runbook: an error that
// runbook did not have is the answer's (whichever section it is reported
// on). It returns the violations, or the decoded section.
func (s *Service) judge(j *job, u *unit, content []byte) ([]string, runbook.Sections) {
	var sec runbook.Sections
	id := u.id
	// The answer is parsed once: the envelope, the schema and the strict
	// decoding all read the same tree.
	doc, err := decode.Parse(content)
	if err != nil {
		if s.enveloped(u) {
			return []string{"schema: the answer is not a JSON object: " + err.Error()}, sec
		}
		return []string{"schema: not valid JSON: " + err.Error()}, sec
	}
	if s.enveloped(u) {
		inner, problems := s.cfg.Schemas.UnwrapParsed(id, doc)
		if len(problems) > 0 {
			return problems, sec
		}
		doc = inner
	}
	problems, err := s.cfg.Schemas.ValidateTree(id, doc.Tree())
	if err != nil {
		return []string{err.Error()}, sec
	}
	if len(problems) > 0 {
		for i := range problems {
			problems[i] = "schema: " + problems[i]
		}
		return problems, sec
	}
	if err := section.Must(id).DecodeParsed(doc, &sec); err != nil {
		return []string{"schema: " + err.Error()}, sec
	}
	// The command references are the planner's commands: everything
	// after (the facts, the lint rules, the secret screen, the cache)
	// reads the section with the commands in their place.
	if problems := expandRefs(j.refs, &sec); len(problems) > 0 {
		return problems, sec
	}
	return s.check(j, u, &sec), sec
}

// expandRefs writes each command reference's command in its place in sec
// (see prompts.Refs). What is written like a reference and is none (an
// invented number, a malformed one) is a violation the model is asked to
// fix: never left in a runbook, never guessed.
func expandRefs(refs *prompts.Refs, sec *runbook.Sections) []string {
	var problems []string
	decode.ReplaceStrings(sec, func(path, s string) string {
		out, bad := refs.Expand(s)
		for _, p := range bad {
			problems = append(problems, "reference: "+path+": "+p)
		}
		return out
	})
	return problems
}

// check is what a unit's section must pass: a whole section, verify; a part,
// its own facts (the merged section is verified whole).
func (s *Service) check(j *job, u *unit, sec *runbook.Sections) []string {
	if u.whole() {
		return s.verify(j, u.id, sec)
	}
	return checkPart(u, sec)
}

// verify checks a decoded section against the facts and every lint rule, in
// the offline runbook: what an answer must pass, and what a cached section
// must still pass before it is served.
func (s *Service) verify(j *job, id runbook.SectionID, sec *runbook.Sections) []string {
	def := section.Must(id)
	violations := def.Check(j.f, sec)
	if j.check != nil {
		// The error rules that read section id: j.added keeps the errors
		// the offline runbook lacks, and the others find what they found
		// there.
		ctxRB := skeleton(j.f)
		ctxRB.Sections = *j.offline
		def.Copy(&ctxRB.Sections, sec)
		for _, e := range j.added(j.reading[id].Lint(ctxRB)) {
			where := ""
			if e.Section != id {
				where = " (reported on " + string(e.Section) + ")"
			}
			violations = append(violations, fmt.Sprintf("rule %s%s: %s", e.Rule, where, e.Message))
		}
	}
	return violations
}

// violationKind is a violation's class, for metrics: schema, lint or facts.
func violationKind(v string) string {
	switch {
	case strings.HasPrefix(v, "schema:"):
		return "schema"
	case strings.HasPrefix(v, "rule "):
		return "lint"
	}
	return "facts"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func addUsage(a, b llm.Usage) llm.Usage {
	return llm.Usage{PromptTokens: a.PromptTokens + b.PromptTokens, CompletionTokens: a.CompletionTokens + b.CompletionTokens,
		CachedPromptTokens: a.CachedPromptTokens + b.CachedPromptTokens, CostUSD: a.CostUSD + b.CostUSD}
}
