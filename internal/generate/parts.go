package generate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

// A section whose planned content exceeds one answer is asked in parts: the
// same section schema, each part restricted to a group of secrets (the
// rotation sequence: to one track, or a group of its secrets), asked at once
// and merged by rotor in the plan's order. A part's prompt carries only the
// facts of its secrets, so every call fits the model's context window with
// its output budget.

// estTokens estimates the tokens of n bytes of prompt or answer, on the safe
// side: 3 bytes a token. OpenAI's tokenizers average about 4 bytes a token on
// English and on JSON like rotor's (the fake model counts 4); ids, numbers
// and punctuation make some text denser, and a request rotor believes fits
// must fit.
func estTokens(n int) int { return n/3 + 1 }

// answerShare: a part is planned to fill at most 1/answerShare of the output
// budget. A model writes more or less than the offline writer's estimate,
// and a reasoning model spends part of the budget thinking.
const answerShare = 2

// answerBytes is how many bytes of a planned answer (the offline writer's
// section, compact JSON) make a token: 4 on rotor's sections counted with
// o200k_base (Acme's rotation sequence: 15,586 bytes, 3,945 tokens). Parts
// planned at 3 bytes a token came out at a third of the budget, and each
// part repeats the prompt's fixed part; answerShare keeps the headroom, and
// an answer that is cut off anyway is asked again in halves.
func answerTokens(n int) int { return n/4 + 1 }

// splitBytes is how many bytes of planned answer a part is planned at per
// token of its answer budget: 3, below the 4 the sections average, because
// a part of one secret cannot be cut again (but for the rotation sequence's
// steps) and its prose-heavy items (the checklist's) run nearer 3.
const splitBytes = 3

// unit is what one call writes: a whole section, or one part of it.
type unit struct {
	id        runbook.SectionID
	index, of int
	// secrets the part covers (nil: the whole section).
	secrets []string
	// tracks are the rotation sequence's tracks the part writes (none for
	// any other section, or the whole sequence: several small whole tracks
	// may share a part); steps, when set, the planned steps of its track
	// the part writes (a run of one secret's steps).
	tracks []string
	steps  []int
	// sectionWide: the unit also writes the items about no secret.
	sectionWide bool
	// facts are the facts the unit covers (the job's for a whole section).
	facts *planner.Facts
	// data is the encoded data block, dataSum its hash.
	data    prompts.Encoded
	dataSum string
}

func (u *unit) whole() bool { return u.secrets == nil }

// refs reports whether the unit's data block writes command references.
func (u *unit) refs() bool { return strings.Contains(string(u.data), "{{c") }

func (u *unit) part() *prompts.Part {
	if u.whole() {
		return nil
	}
	return &prompts.Part{Index: u.index, Of: u.of, SecretIDs: u.secrets, Tracks: u.tracks, SectionWide: u.sectionWide}
}

// splittable sections are lists of items about secrets (section.Section).
func splittable(id runbook.SectionID) bool { return section.Must(id).Splittable() }

// encodeView encodes a data block once, with its hash: its lists of
// objects as tables (prompts.Tabulate), each key once, and the command
// references of refs in place of the commands.
func encodeView(view map[string]any, refs *prompts.Refs) (prompts.Encoded, string, error) {
	text, err := prompts.EncodeDataRefs(prompts.Tabulate(view), refs)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256([]byte(text))
	return prompts.Encoded(text), hex.EncodeToString(sum[:]), nil
}

// promptTokens estimates a unit's prompt. The data block goes into the
// prompt as it is, once: the prompt is built without it (a 100-secret
// sequence's block was copied into a prompt only to be measured).
func (s *Service) promptTokens(u *unit) int {
	msgs, err := s.cfg.Prompts.Build(prompts.Input{Section: string(u.id), Title: section.Title(u.id), SchemaName: "x",
		Data: prompts.Encoded(""), Refs: u.refs(), Part: u.part(), Own: !u.whole()})
	if err != nil {
		return 0
	}
	n := len(msgs.System) + len(msgs.User) + len(u.data)
	if s.enveloped(u) {
		// The envelope is part of the prompt too.
		n += len(s.cfg.Schemas.Envelope())
	} else {
		// The section's schema: in the prompt (JSON mode) or in
		// response_format.
		schemaJSON, _ := s.cfg.Schemas.JSON(u.id)
		n += len(schemaJSON)
	}
	return estTokens(n)
}

// fits reports whether a unit's prompt and the output budget fit the
// model's context window.
func (s *Service) fits(u *unit) bool {
	return s.promptTokens(u)+s.cfg.MaxTokens <= s.cfg.ContextTokens
}

// units plans the calls of one section: the whole section when its planned
// content fits one answer and its prompt the context window, else parts.
func (s *Service) units(j *job, id runbook.SectionID) ([]*unit, error) {
	whole := j.whole(id)
	budget := s.cfg.MaxTokens / answerShare
	offline, _ := section.Must(id).Encode(j.offline)
	fits := s.fits(whole)
	if fits && answerTokens(len(offline)) <= budget {
		return []*unit{whole}, nil
	}
	if !splittable(id) {
		if fits {
			return []*unit{whole}, nil
		}
		// The facts such a section reads, without the steps and the
		// per-secret detail only the other sections need.
		u, err := s.newUnit(j, id, partSpec{sectionWide: true, index: 1, of: 1}, summaryView)
		if err != nil {
			return nil, err
		}
		return []*unit{u}, nil
	}
	return s.split(j, id, budget*splitBytes)
}

// split groups a section's secrets so that each group's share of the
// offline section (the planned content) stays under maxBytes and each
// part's prompt fits; the rotation sequence is split per track first.
func (s *Service) split(j *job, id runbook.SectionID, maxBytes int) ([]*unit, error) {
	var spans []span
	if id == runbook.SectionRotationSequence {
		seq := j.offline.RotationSequence
		for _, t := range j.f.Tracks {
			sp := span{track: t.Name, ids: t.SecretIDs, w: map[string]int{}}
			for _, ot := range seq.Tracks {
				if ot.Name != t.Name {
					continue
				}
				for _, st := range ot.Steps {
					b, _ := json.Marshal(st)
					if st.SecretID == "" {
						sp.global += len(b)
					} else {
						sp.w[st.SecretID] += len(b)
					}
				}
				sp.global += len(ot.Name) + len(ot.Reason)
			}
			spans = append(spans, sp)
		}
	} else {
		sp := span{w: map[string]int{}}
		for _, sec := range j.f.Secrets {
			sp.ids = append(sp.ids, sec.ID)
			sp.w[sec.ID] = 0
		}
		names := map[string]string{}
		for _, sec := range j.f.Secrets {
			names[sec.Name] = sec.ID
		}
		sp.global = section.Must(id).Weigh(j.offline, sp.w, names)
		spans = append(spans, sp)
	}
	// Each round that leaves a prompt too large for the context window
	// halves the groups.
	maxIDs := len(j.f.Secrets)
	for ; ; maxBytes /= 2 {
		var groups []group
		single := true
		for _, sp := range spans {
			for i, g := range groupIDs(sp.ids, sp.w, sp.global, maxBytes, maxIDs) {
				groups = append(groups, group{sp.track, g, i == 0})
				single = single && len(g) == 1
			}
		}
		units := make([]*unit, 0, len(groups))
		ok := true
		largest := 0
		packs := pack(groups, spans, maxBytes)
		for i, g := range packs {
			wide := g.first && (id == runbook.SectionRotationSequence || i == 0)
			u, err := s.newUnit(j, id, partSpec{secrets: g.ids, tracks: g.tracks, sectionWide: wide, index: i + 1, of: len(packs)}, fullView)
			if err != nil {
				return nil, err
			}
			if !s.fits(u) {
				ok, largest = false, max(largest, len(g.ids))
			}
			units = append(units, u)
		}
		if ok || single {
			return units, nil
		}
		maxIDs = max(1, largest/2)
	}
}

// groupIDs cuts ids, in order, into runs of at most maxIDs whose weight (the
// items about no secret counted in the first) stays under maxBytes where it
// can, balanced.
func groupIDs(ids []string, w map[string]int, global, maxBytes, maxIDs int) [][]string {
	total := global
	for _, id := range ids {
		total += w[id]
	}
	n := max(1, (total+maxBytes-1)/maxBytes, (len(ids)+maxIDs-1)/maxIDs)
	n = min(n, max(1, len(ids)))
	target := (total + n - 1) / n
	var out [][]string
	var cur []string
	acc := global
	for _, id := range ids {
		if len(cur) > 0 && (acc+w[id] > target || len(cur) >= maxIDs) {
			out = append(out, cur)
			cur, acc = nil, 0
		}
		cur = append(cur, id)
		acc += w[id]
	}
	if len(cur) > 0 || len(out) == 0 {
		// A track of steps about no secret is one part about none.
		if cur == nil {
			cur = []string{}
		}
		out = append(out, cur)
	}
	return out
}

// Views of the facts a unit's data block carries.
const (
	// fullView: every declared fact of the unit's secrets.
	fullView = iota
	// summaryView: no steps, and per secret what a message about it needs.
	summaryView
)

// summarySecret are the secret fields of a summary view.
var summarySecret = []string{"id", "name", "kind", "provider_name", "owner", "consumers", "environments", "exposure", "compromise",
	"strategy", "urgency", "rotation_risk", "window", "business_impact"}

// partSpec says what a part covers.
type partSpec struct {
	// secrets (nil: the whole section).
	secrets []string
	// tracks, for the rotation sequence; steps, a run of its (one)
	// track's planned steps (nil: all those of the secrets).
	tracks      []string
	steps       []int
	sectionWide bool
	index, of   int
}

// newUnit builds a part of section id (or, with no secrets, the whole
// section with another view of the facts).
func (s *Service) newUnit(j *job, id runbook.SectionID, p partSpec, view int) (*unit, error) {
	u := &unit{id: id, index: p.index, of: p.of, secrets: p.secrets, tracks: p.tracks, steps: p.steps, sectionWide: p.sectionWide}
	if p.secrets == nil {
		u.facts = j.f
	} else {
		u.facts = partFacts(j.f, p)
	}
	all, err := j.maps.of(u.facts)
	if err != nil {
		return nil, fmt.Errorf("generate: data block: %w", err)
	}
	view0 := viewOf(id)
	if p.secrets != nil {
		view0 = section.Must(id).PartFacts()
	}
	v := view0.Take(all)
	if p.secrets != nil && !p.sectionWide {
		// The open items are the checklist's section-wide lines: the
		// part that writes those carries them.
		delete(v, "open_items")
	}
	if view == summaryView {
		delete(v, "steps")
		for _, sec := range v["secrets"].([]any) {
			m := sec.(map[string]any)
			for k := range m {
				if !slices.Contains(summarySecret, k) {
					delete(m, k)
				}
			}
		}
	}
	if p.secrets != nil {
		v["part"] = map[string]any{"index": p.index, "of": p.of, "secret_ids": p.secrets, "tracks": p.tracks, "section_wide": p.sectionWide}
	}
	if u.data, u.dataSum, err = encodeView(v, j.refs); err != nil {
		return nil, fmt.Errorf("generate: data block: %w", err)
	}
	return u, nil
}

// spec is the part a unit is.
func (u *unit) spec() partSpec {
	return partSpec{secrets: u.secrets, tracks: u.tracks, steps: u.steps, sectionWide: u.sectionWide, index: u.index, of: u.of}
}

// halve returns a part's halves as units (none when it cannot be cut).
func (s *Service) halve(j *job, u *unit) ([]*unit, error) {
	a, b, ok := u.halves()
	if !ok {
		return nil, nil
	}
	ua, err := s.newUnit(j, u.id, a, fullView)
	if err != nil {
		return nil, err
	}
	ub, err := s.newUnit(j, u.id, b, fullView)
	if err != nil {
		return nil, err
	}
	return []*unit{ua, ub}, nil
}

// halves cuts a part in two smaller ones: its secrets in halves, one
// secret apart from the items about no secret, or, for one secret's track,
// its planned steps in halves; ok is false for a part of one step or of one
// secret alone in a section without steps.
func (u *unit) halves() (a, b partSpec, ok bool) {
	p := u.spec()
	if n := len(p.secrets); n > 1 {
		a, b = p, p
		a.secrets, b.secrets, a.steps, b.steps = p.secrets[:n/2], p.secrets[n/2:], nil, nil
		b.sectionWide = false
		if len(p.tracks) > 1 {
			// Several small tracks: each half keeps the tracks of its
			// secrets.
			a.tracks, b.tracks = u.tracksOf(a.secrets), u.tracksOf(b.secrets)
		}
		return a, b, true
	}
	if len(p.secrets) == 1 && p.sectionWide && len(u.tracks) == 0 {
		// One secret and the items about no secret (a checklist's global
		// items can outweigh a secret's): each in its own part.
		a, b = p, p
		a.sectionWide, b.secrets = false, []string{}
		return a, b, true
	}
	if len(u.tracks) != 1 {
		return a, b, false
	}
	var orders []int
	for _, st := range u.facts.Steps {
		orders = append(orders, st.Order)
	}
	if len(orders) < 2 {
		return a, b, false
	}
	a, b = p, p
	a.steps, b.steps = orders[:len(orders)/2], orders[len(orders)/2:]
	b.sectionWide = false
	return a, b, true
}

// tracksOf are the unit's tracks that hold one of ids.
func (u *unit) tracksOf(ids []string) []string {
	var out []string
	for _, t := range u.facts.Tracks {
		if slices.ContainsFunc(t.SecretIDs, func(id string) bool { return slices.Contains(ids, id) }) {
			out = append(out, t.Name)
		}
	}
	return out
}

// span is a run of secrets split into parts together: a track of the
// rotation sequence, or all the secrets of another section; w weighs each
// secret's planned content, global the items about no secret.
type span struct {
	track  string
	ids    []string
	w      map[string]int
	global int
}

// group is one part's secrets within a span; first: the span's first.
type group struct {
	track string
	ids   []string
	first bool
}

// packed is the secrets of one part, in one or several tracks.
type packed struct {
	tracks []string
	ids    []string
	// first: the part holds the first group of each of its tracks (it
	// writes the tracks' items about no secret).
	first bool
}

// pack lets a part hold several tracks: consecutive tracks asked whole (one
// group each, the many one-secret tracks of high-risk secrets) share a part
// while their planned content stays under maxBytes, so a part is not paid
// for (its prompt's fixed part) per small track.
func pack(groups []group, spans []span, maxBytes int) []packed {
	weight := map[string]int{}
	whole := map[string]int{}
	for _, sp := range spans {
		weight[sp.track] = sp.global
		for _, id := range sp.ids {
			weight[sp.track] += sp.w[id]
		}
	}
	for _, g := range groups {
		whole[g.track]++
	}
	var out []packed
	acc := 0
	for _, g := range groups {
		alone := g.track == "" || whole[g.track] > 1
		if n := len(out); !alone && n > 0 && len(out[n-1].tracks) > 0 && out[n-1].first && whole[out[n-1].tracks[0]] == 1 &&
			acc+weight[g.track] <= maxBytes {
			last := &out[n-1]
			last.tracks = append(last.tracks, g.track)
			last.ids = append(last.ids, g.ids...)
			acc += weight[g.track]
			continue
		}
		p := packed{ids: append([]string{}, g.ids...), first: g.first}
		if g.track != "" {
			p.tracks = []string{g.track}
		}
		out = append(out, p)
		acc = weight[g.track]
		if alone {
			acc = maxBytes + 1 // nothing joins a split track's part
		}
	}
	return out
}

// partFacts are the facts of some secrets: those secrets, the tracks they are
// in (one track for the rotation sequence), their planned steps and the
// constraints as they apply to them; the steps about no secret go to the part
// that writes the section-wide items.
func partFacts(f *planner.Facts, p partSpec) *planner.Facts {
	ids, tracks, sectionWide := p.secrets, p.tracks, p.sectionWide
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	pf := *f
	pf.Secrets = nil
	for _, sec := range f.Secrets {
		if in[sec.ID] {
			pf.Secrets = append(pf.Secrets, sec)
		}
	}
	pf.Tracks = nil
	for _, t := range f.Tracks {
		if len(tracks) > 0 && !slices.Contains(tracks, t.Name) {
			continue
		}
		var keep []string
		for _, id := range t.SecretIDs {
			if in[id] {
				keep = append(keep, id)
			}
		}
		if len(keep) > 0 || len(tracks) > 0 {
			// A track part keeps its track, even one whose steps are
			// about no secret.
			t.SecretIDs = keep
			pf.Tracks = append(pf.Tracks, t)
		}
	}
	// A constraint names the secrets it applies to: the part's, here.
	pf.Constraints = make([]planner.Constraint, len(f.Constraints))
	for i, c := range f.Constraints {
		var keep []string
		for _, id := range c.SecretIDs {
			if in[id] {
				keep = append(keep, id)
			}
		}
		c.SecretIDs = keep
		pf.Constraints[i] = c
	}
	pf.Steps = nil
	for _, st := range f.Steps {
		if len(tracks) > 0 && !slices.Contains(tracks, st.Track) {
			continue
		}
		if p.steps != nil {
			if slices.Contains(p.steps, st.Order) {
				pf.Steps = append(pf.Steps, st)
			}
			continue
		}
		if in[st.SecretID] || (st.SecretID == "" && sectionWide) {
			pf.Steps = append(pf.Steps, st)
		}
	}
	return &pf
}

// checkPart lists where a part disagrees with its facts: the planned items
// of its secrets (the inventory's rows, the triage's items, the track's
// steps) must be there as planned, and it must name no other secret (that
// secret's part writes it). Whole-section rules (every environment, every
// audience, every secret covered) are checked on the merged section.
func checkPart(u *unit, sec *runbook.Sections) []string {
	def := section.Must(u.id)
	v := def.CheckPart(u.facts, sec)
	in := map[string]bool{"": true}
	for _, id := range u.secrets {
		in[id] = true
	}
	foreign := map[string]bool{}
	for _, id := range def.Refs(sec) {
		if !in[id] {
			foreign[id] = true
		}
	}
	if len(foreign) > 0 {
		names := make([]string, 0, len(foreign))
		for id := range foreign {
			names = append(names, id)
		}
		sort.Strings(names)
		v = append(v, fmt.Sprintf("this part names secrets it does not cover (%s): write only about %s", strings.Join(names, ", "), strings.Join(u.secrets, ", ")))
	}
	return v
}

// writeParts asks a section's parts at once (each cached like a section),
// halves a part that did not fit, merges the parts in the plan's order and
// checks the merged section as a whole section is checked. A violation goes
// back to the parts that name its secret (to every part when it names none),
// each within MaxAttempts; when a part falls back, or the merged section
// still fails, the section falls back to the offline writer.
func (s *Service) writeParts(ctx context.Context, j *job, id runbook.SectionID, units []*unit) written {
	start := time.Now()
	type slot struct {
		u          *unit
		w          written
		asked      bool
		violations []string
		// reasks counts the times the merged section sent it back.
		reasks int
	}
	slots := make([]*slot, len(units))
	for i, u := range units {
		slots[i] = &slot{u: u}
	}
	total := written{}
	var parts []written
	account := func(w written) {
		total.calls += w.calls
		total.usage = addUsage(total.usage, w.usage)
		total.unpriced = total.unpriced || w.unpriced
		total.callerGone = total.callerGone || w.callerGone
		total.budget = total.budget || w.budget
	}
	fail := func(reason string) written {
		kind := "part"
		if total.budget {
			// The budget ended it, whichever part said so.
			kind, reason = "budget", "budget: "+reason
		}
		s.cfg.Observer.Fallback(id, kind)
		out := total
		section.Must(id).Copy(&out.sec, j.offline)
		out.status = runbook.SectionStatus{Source: runbook.SourceFallback, DurationMS: time.Since(start).Milliseconds(), Reason: reason}
		out.parts = parts
		s.log.WarnContext(ctx, "section fell back to the offline writer", "section", id, "parts", len(slots), "reason", reason)
		return out
	}
	for {
		var wg sync.WaitGroup
		for _, sl := range slots {
			if sl.asked {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if sl.violations == nil {
					sl.w = s.unitResult(ctx, j, sl.u)
				} else {
					sl.w = s.writeUnit(ctx, j, sl.u, sl.violations)
					if s.cfg.Cache.Cache != nil {
						sl.w.key = s.sectionKey(sl.u)
						s.storeSection(ctx, sl.w.key, &sl.w)
					}
				}
			}()
		}
		wg.Wait()
		// Every answer is paid for, whatever becomes of the section: all are
		// accounted before any part can end it.
		for _, sl := range slots {
			if !sl.asked {
				sl.asked = true
				account(sl.w)
			}
		}
		var next []*slot
		for _, sl := range slots {
			switch {
			case sl.w.split:
				halves, err := s.halve(j, sl.u)
				if err != nil || len(halves) < 2 {
					return fail(fmt.Sprintf("part %d of %d (%s): %s", sl.u.index, sl.u.of, strings.Join(sl.u.secrets, ", "), sl.w.status.Reason))
				}
				for _, h := range halves {
					next = append(next, &slot{u: h})
				}
			case sl.w.status.Source == runbook.SourceFallback:
				return fail(fmt.Sprintf("part %d of %d (%s): %s", sl.u.index, sl.u.of, strings.Join(sl.u.secrets, ", "), sl.w.status.Reason))
			default:
				next = append(next, sl)
			}
		}
		slots = next
		if slices.ContainsFunc(slots, func(sl *slot) bool { return !sl.asked }) {
			continue
		}
		secs := make([]*runbook.Sections, len(slots))
		parts = parts[:0]
		for i, sl := range slots {
			secs[i] = &sl.w.sec
			parts = append(parts, sl.w)
		}
		var merged runbook.Sections
		if err := section.Must(id).Merge(j.f, secs, &merged); err != nil {
			return fail(err.Error())
		}
		v := s.verify(j, id, &merged)
		if len(v) == 0 {
			out := total
			out.sec, out.parts = merged, parts
			out.cacheHit = true
			attempts := 0
			for _, sl := range slots {
				out.cacheHit = out.cacheHit && sl.w.cacheHit
				attempts = max(attempts, sl.w.status.Attempts)
			}
			out.status = runbook.SectionStatus{Source: runbook.SourceLLM, Attempts: attempts, DurationMS: time.Since(start).Milliseconds()}
			if out.cacheHit {
				out.status = runbook.SectionStatus{Source: runbook.SourceCache}
			}
			return out
		}
		// Send each violation back to the parts of the secrets it names.
		blamed := map[*slot][]string{}
		for _, msg := range v {
			named := false
			for _, sl := range slots {
				if slices.ContainsFunc(sl.u.secrets, func(id string) bool { return strings.Contains(msg, id) }) {
					blamed[sl] = append(blamed[sl], msg)
					named = true
				}
			}
			if !named {
				for _, sl := range slots {
					blamed[sl] = append(blamed[sl], msg)
				}
			}
		}
		for sl, msgs := range blamed {
			if sl.reasks+1 >= s.cfg.MaxAttempts {
				return fail(fmt.Sprintf("the merged section is still invalid: %s", strings.Join(v[:min(3, len(v))], "; ")))
			}
			s.cfg.Observer.Reask(id, violationKind(msgs[0]))
			sl.asked, sl.violations, sl.reasks = false, msgs, sl.reasks+1
		}
	}
}
