// Package lint checks a runbook against the rotation safety invariants of
// ROTATION_RULES.md §2. Rules are pure functions over a runbook; each has a
// stable id, a severity and the sections it needs, and is skipped when one of
// those sections is absent. A rule may report on any section.
package lint

import (
	"sort"
	"sync"

	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
)

// Scanner finds secret-looking values; *secretscan.Scanner implements it.
type Scanner interface {
	ScanRefusing(prefix string, v any) []secretscan.Hit
}

var _ Scanner = (*secretscan.Scanner)(nil)

// Rule is one invariant.
type Rule struct {
	ID       string
	Severity runbook.Severity
	// Sections the rule needs; it is skipped unless all are present. Its
	// findings may be on other sections too.
	Sections []runbook.SectionID
	// Reads are the sections the rule reads besides Sections and the
	// three every rule reads through the shared context (the inventory,
	// the risk triage, the rotation sequence); see Reading.
	Reads []runbook.SectionID
	// Doc says what the rule enforces and why.
	Doc   string
	check func(c *context) []finding
}

type finding struct {
	section  runbook.SectionID
	secretID string
	message  string
}

// Linter runs the rules.
type Linter struct {
	scan  Scanner
	rules []Rule
	// memo, when set, remembers the catalogue's matches per text, and
	// seqs the steps of each sequence (WithSectionMemo).
	memo *textMemo
	seqs *sync.Map
	// screens, when set (Reading), is the one section no-secret-values
	// screens: it reads each section alone.
	screens runbook.SectionID
}

// New returns a linter that uses scan for the no-secret-values rule.
func New(scan Scanner) *Linter {
	return &Linter{scan: scan, rules: rules()}
}

// Scanner is the scanner of the no-secret-values rule (nil: none).
func (l *Linter) Scanner() Scanner { return l.scan }

// WithScanner returns a linter that uses scan for the no-secret-values rule
// (a scanner remembering what it screened, for one generation).
func (l *Linter) WithScanner(scan Scanner) *Linter {
	c := *l
	c.scan = scan
	return &c
}

// Rules lists every rule in the order they run.
func (l *Linter) Rules() []Rule { return l.rules }

// contextSections are read by every rule, through the context.
var contextSections = []runbook.SectionID{runbook.SectionInventory, runbook.SectionRiskTriage, runbook.SectionRotationSequence}

// reads reports whether the rule reads section id.
func (r *Rule) reads(id runbook.SectionID) bool {
	return runbook.OneOf(contextSections, id) || runbook.OneOf(r.Sections, id) || runbook.OneOf(r.Reads, id)
}

// Reading returns a linter with the rules that read section id (all of
// them for the inventory, the risk triage and the rotation sequence). The
// rules it leaves out find the same in two runbooks that differ in section
// id alone: a section checked in a runbook otherwise known (a model's
// answer in the offline runbook) adds no finding of theirs. For the same
// reason its no-secret-values screens section id alone: what it finds in a
// section depends on that section's values only, so the others' screens
// (the offline sections', in LLM mode never served unless one falls back)
// are not made for it.
func (l *Linter) Reading(id runbook.SectionID) *Linter {
	c := *l
	c.rules, c.screens = nil, id
	for _, r := range l.rules {
		if r.reads(id) {
			c.rules = append(c.rules, r)
		}
	}
	return &c
}

// ErrorsOnly returns a linter that runs the error rules alone: its Lint
// finds what Errors(l.Lint(rb)) finds, without the warning rules' work. A
// check that keeps only the errors (a model's answer judged in the offline
// runbook, many times per generation) runs it.
func (l *Linter) ErrorsOnly() *Linter {
	c := *l
	c.rules = nil
	for _, r := range l.rules {
		if r.Severity == runbook.SeverityError {
			c.rules = append(c.rules, r)
		}
	}
	return &c
}

// Lint checks the whole runbook.
func (l *Linter) Lint(rb *runbook.Runbook) []runbook.Finding {
	return l.run(rb, nil)
}

// LintSections keeps the findings on the given sections, from every rule
// that can report on them, whatever sections it reads: a rule declares the
// sections it needs to run, not the ones it reports on (known-secret-ids
// needs the inventory and reports on every section that names a secret). It
// is how a single written section is checked against the rest of a runbook.
func (l *Linter) LintSections(rb *runbook.Runbook, sections ...runbook.SectionID) []runbook.Finding {
	return l.run(rb, sections)
}

func (l *Linter) run(rb *runbook.Runbook, only []runbook.SectionID) []runbook.Finding {
	c := newContext(rb, l.scan, l.seqs)
	c.only, c.memo, c.screens = only, l.memo, l.screens
	out := []runbook.Finding{}
	for _, r := range l.rules {
		if !present(rb, r.Sections) {
			continue
		}
		fs := r.check(c)
		for _, f := range fs {
			if only != nil && !runbook.OneOf(only, f.section) {
				continue
			}
			out = append(out, runbook.Finding{Rule: r.ID, Severity: r.Severity, Section: f.section, SecretID: f.secretID, Message: f.message})
		}
	}
	return out
}

func present(rb *runbook.Runbook, ids []runbook.SectionID) bool {
	for _, id := range ids {
		if !section.Must(id).Present(&rb.Sections) {
			return false
		}
	}
	return true
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []runbook.Finding) bool {
	for _, f := range fs {
		if f.Severity == runbook.SeverityError {
			return true
		}
	}
	return false
}

// Errors keeps the error findings.
func Errors(fs []runbook.Finding) []runbook.Finding {
	var out []runbook.Finding
	for _, f := range fs {
		if f.Severity == runbook.SeverityError {
			out = append(out, f)
		}
	}
	return out
}

// context is what the rules share, computed once per run.
type context struct {
	rb   *runbook.Runbook
	scan Scanner
	// secrets by id, in inventory order.
	ids     []string
	secrets map[string]runbook.InventorySecret
	triage  map[string]runbook.TriageItem
	// steps in order, and per secret (read only: WithSectionMemo shares
	// them between runs).
	steps    []runbook.Step
	bySecret map[string][]runbook.Step
	// only lists the sections findings are kept for (nil: all); rules that
	// cost per section skip the others.
	only []runbook.SectionID
	// memo is the linter's text memo (nil: none).
	memo *textMemo
	// screens is the one section no-secret-values screens ("": all).
	screens runbook.SectionID
	// killed and actions remember killSteps and actionSays for the run.
	killed  map[string][]runbook.Step
	actions map[string]actionWords
}

func newContext(rb *runbook.Runbook, scan Scanner, seqs *sync.Map) *context {
	c := &context{rb: rb, scan: scan, secrets: map[string]runbook.InventorySecret{}, triage: map[string]runbook.TriageItem{}}
	if inv := rb.Sections.Inventory; inv != nil {
		for _, s := range inv.Secrets {
			if _, dup := c.secrets[s.ID]; !dup {
				c.ids = append(c.ids, s.ID)
			}
			c.secrets[s.ID] = s
		}
	}
	if rt := rb.Sections.RiskTriage; rt != nil {
		for _, t := range rt.Items {
			c.triage[t.SecretID] = t
		}
	}
	c.steps, c.bySecret = stepsOf(seqs, rb.Sections.RotationSequence)
	return c
}

// readSteps are a sequence's steps as the rules read them, in order, and
// per secret. A step is judged with its track's shared notes (said once
// there).
func readSteps(seq *runbook.RotationSequence) *sequenceSteps {
	r := &sequenceSteps{steps: seq.ReadSteps(), bySecret: map[string][]runbook.Step{}}
	sort.SliceStable(r.steps, func(i, j int) bool { return r.steps[i].Order < r.steps[j].Order })
	for _, s := range r.steps {
		r.bySecret[s.SecretID] = append(r.bySecret[s.SecretID], s)
	}
	return r
}

type sequenceSteps struct {
	steps    []runbook.Step
	bySecret map[string][]runbook.Step
}

// exposureOf is a secret's exposure as its risk-triage item says; a secret
// without one is taken as exposed (unknown) on a confirmed leak.
func (c *context) exposureOf(id string) runbook.Exposure {
	if t, ok := c.triage[id]; ok {
		return t.Exposure
	}
	if c.rb.Trigger == runbook.TriggerConfirmedLeak {
		return runbook.ExposureUnknown
	}
	return runbook.ExposureNone
}

// class is what a secret's exposure calls for under the runbook's trigger,
// by the exposure policy the planner follows too; the linter reads it from
// the runbook, not from the planner's facts.
func (c *context) class(id string) exposure.Class {
	return exposure.Classify(c.rb.Trigger, c.exposureOf(id))
}

// compromise is the secret's compromise level read from the runbook.
func (c *context) compromise(id string) exposure.Compromise {
	return exposure.CompromiseOf(c.rb.Trigger, c.exposureOf(id))
}

// exposed is a confirmed compromise: public exposure, or a confirmed leak
// with a third-party or unknown exposure.
func (c *context) exposed(id string) bool {
	return c.compromise(id) == exposure.CompromiseConfirmed
}

// suspected is any exposure the trigger makes worth investigating.
func (c *context) suspected(id string) bool {
	return c.compromise(id) != exposure.CompromiseNone
}
