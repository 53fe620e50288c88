// Package section is the registry of the runbook's sections: one place
// defines each (sections.go): its id and title, its Go type (the JSON
// schema is generated from it), the offline writer that writes it from the
// facts, the checks an answer must pass against the facts, how it is asked
// in parts and merged, and how it is rendered. Everything else iterates All:
// the pipeline, the schemas, the prompts, the linter's presence checks, the
// renderers and the model double. A section's value is always the field of a
// runbook.Sections that holds it, so sections are typed end to end.
//
// Adding a section touches four files: its contract type and field in
// internal/runbook/runbook.go, its definition in internal/section/sections.go
// (listed in All), its prompt template prompts/sections/<id>.tmpl, and its
// schema and id in api/openapi.yaml.
package section

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/prompts"
)

// Section is one section of a runbook, as the registry defines it. Every
// operation reads or writes the section's field of a runbook.Sections.
type Section interface {
	ID() runbook.SectionID
	// Title is the heading the seed prompt gives the section.
	Title() string
	// Type is the section's Go type, from which its JSON schema is made.
	Type() reflect.Type
	// Facts is the view of the facts the section's prompt carries: only
	// what it reads.
	Facts() *Facts
	// PartFacts is the view each part of the section carries when it is
	// asked in parts: only what the section reads (Facts when it declares
	// none).
	PartFacts() *Facts
	// Splittable sections are lists of items about secrets: one that does
	// not fit one answer is asked in parts, a group of secrets each.
	Splittable() bool
	// Present reports whether s holds the section.
	Present(s *runbook.Sections) bool
	// Value is the section's value in s (a pointer to its Go type), nil
	// when s does not hold it: for a renderer with no view of its own.
	Value(s *runbook.Sections) any
	// Same reports whether a and b hold the very same value (not equal
	// copies): a runbook still serving the offline writer's section.
	Same(a, b *runbook.Sections) bool
	// Copy puts from's section in to (the same value).
	Copy(to, from *runbook.Sections)
	// Clear removes the section from s.
	Clear(s *runbook.Sections)
	// Decode strictly decodes a JSON document (errors name their paths)
	// into s's section.
	Decode(data []byte, into *runbook.Sections) error
	// DecodeParsed is Decode on a document parsed once (decode.Parse).
	DecodeParsed(doc *decode.Parsed, into *runbook.Sections) error
	// Encode is the section's JSON ("null" when absent).
	Encode(s *runbook.Sections) ([]byte, error)
	// Write is the offline writer: the section from the facts alone, the
	// same for the same facts.
	Write(f *planner.Facts, into *runbook.Sections)
	// Check lists where the section disagrees with the facts it must
	// respect, each message written for the model.
	Check(f *planner.Facts, s *runbook.Sections) []string
	// CheckPart is what a part of the section must agree with its own
	// facts (a part's rows as planned); the rest is checked on the merged
	// section.
	CheckPart(f *planner.Facts, s *runbook.Sections) []string
	// Refs lists the secret ids the section's items name (secret_id,
	// secret_ids), to tell a part that wrote about another part's secrets.
	Refs(s *runbook.Sections) []string
	// Weigh adds to w the size of each item about one secret (by its id, or
	// a text by the first secret name it holds) and returns the size of the
	// rest: how a section is cut into parts of about equal size.
	Weigh(s *runbook.Sections, w map[string]int, names map[string]string) int
	// Merge merges the parts of the section, in order, into into, and puts
	// the result in the plan's order.
	Merge(f *planner.Facts, parts []*runbook.Sections, into *runbook.Sections) error
	// Walk calls fn with every string of the section and its JSON path
	// (from the section, its id not included).
	Walk(s *runbook.Sections, fn func(path, value string))
	// Scan screens the section's strings with scan (paths start with its
	// id); nil when s does not hold it.
	Scan(s *runbook.Sections, scan func(prefix string, v any) []secretscan.Hit) []secretscan.Hit
}

// def defines a section of Go type T.
type def[T any] struct {
	id    runbook.SectionID
	title string
	// field is where the section lives in a runbook.Sections.
	field func(*runbook.Sections) **T
	// write is the offline writer.
	write func(*planner.Facts) *T
	// check is the facts check (nil: none); partCheck says whether a part
	// is held to it too (its items are per-secret rows).
	check     func(*planner.Facts, *T) []string
	partCheck bool
	// facts is the view of the facts its prompt carries (nil: AllFacts);
	// partFacts, its parts' (nil: facts).
	facts, partFacts *Facts
	// splittable: see Section.Splittable.
	splittable bool
	// refs lists the secret ids the items name.
	refs func(*T) []string
	// weigh: see Section.Weigh.
	weigh func(s *T, w map[string]int, names map[string]string) int
	// merge merges part b into a (a is the merge so far, a copy).
	merge func(a, b *T)
	// order puts a merged section in the plan's order (nil: as merged).
	order func(*planner.Facts, *T)
}

func (d *def[T]) ID() runbook.SectionID { return d.id }
func (d *def[T]) Title() string         { return d.title }
func (d *def[T]) Type() reflect.Type    { return reflect.TypeFor[T]() }
func (d *def[T]) Splittable() bool      { return d.splittable }

func (d *def[T]) Facts() *Facts {
	if d.facts == nil {
		return AllFacts
	}
	return d.facts
}

func (d *def[T]) PartFacts() *Facts {
	if d.partFacts == nil {
		return d.Facts()
	}
	return d.partFacts
}

func (d *def[T]) Present(s *runbook.Sections) bool { return *d.field(s) != nil }

func (d *def[T]) Value(s *runbook.Sections) any {
	if v := *d.field(s); v != nil {
		return v
	}
	return nil
}

func (d *def[T]) Same(a, b *runbook.Sections) bool { return *d.field(a) == *d.field(b) }

func (d *def[T]) Copy(to, from *runbook.Sections) { *d.field(to) = *d.field(from) }

func (d *def[T]) Clear(s *runbook.Sections) { *d.field(s) = nil }

func (d *def[T]) Decode(data []byte, into *runbook.Sections) error {
	v := new(T)
	if err := decode.Strict(data, v); err != nil {
		return err
	}
	*d.field(into) = v
	return nil
}

func (d *def[T]) DecodeParsed(doc *decode.Parsed, into *runbook.Sections) error {
	v := new(T)
	if err := decode.StrictParsed(doc, v); err != nil {
		return err
	}
	*d.field(into) = v
	return nil
}

func (d *def[T]) Encode(s *runbook.Sections) ([]byte, error) { return json.Marshal(*d.field(s)) }

func (d *def[T]) Write(f *planner.Facts, into *runbook.Sections) { *d.field(into) = d.write(f) }

func (d *def[T]) Check(f *planner.Facts, s *runbook.Sections) []string {
	if d.check == nil || *d.field(s) == nil {
		return nil
	}
	return d.check(f, *d.field(s))
}

func (d *def[T]) CheckPart(f *planner.Facts, s *runbook.Sections) []string {
	if !d.partCheck {
		return nil
	}
	return d.Check(f, s)
}

func (d *def[T]) Refs(s *runbook.Sections) []string {
	if d.refs == nil || *d.field(s) == nil {
		return nil
	}
	return d.refs(*d.field(s))
}

func (d *def[T]) Weigh(s *runbook.Sections, w map[string]int, names map[string]string) int {
	v := *d.field(s)
	if v == nil {
		return 0
	}
	if d.weigh == nil {
		b, _ := json.Marshal(v)
		return len(b)
	}
	return d.weigh(v, w, names)
}

func (d *def[T]) Merge(f *planner.Facts, parts []*runbook.Sections, into *runbook.Sections) error {
	var acc *T
	for _, p := range parts {
		v := *d.field(p)
		if v == nil {
			continue
		}
		if acc == nil {
			// A copy: the parts stay as they were written (and cached).
			data, err := json.Marshal(v)
			if err != nil {
				return err
			}
			acc = new(T)
			if err := json.Unmarshal(data, acc); err != nil {
				return err
			}
			continue
		}
		d.merge(acc, v)
	}
	if acc == nil {
		return fmt.Errorf("section: no part of %s to merge", d.id)
	}
	if d.order != nil {
		d.order(f, acc)
	}
	*d.field(into) = acc
	return nil
}

func (d *def[T]) Walk(s *runbook.Sections, fn func(path, value string)) {
	if *d.field(s) != nil {
		decode.WalkStrings(*d.field(s), fn)
	}
}

func (d *def[T]) Scan(s *runbook.Sections, scan func(prefix string, v any) []secretscan.Hit) []secretscan.Hit {
	if *d.field(s) == nil {
		return nil
	}
	return scan(string(d.id), *d.field(s))
}

// ByID returns the section with id.
func ByID(id runbook.SectionID) (Section, bool) {
	i := slices.IndexFunc(All, func(s Section) bool { return s.ID() == id })
	if i < 0 {
		return nil, false
	}
	return All[i], true
}

// Must returns the section with id; it panics on an id no section has (a
// bug: ids come from the registry or from validated input).
func Must(id runbook.SectionID) Section {
	s, ok := ByID(id)
	if !ok {
		panic(fmt.Sprintf("section: no section %q", id))
	}
	return s
}

// IDs lists the sections' ids in order.
func IDs() []runbook.SectionID {
	out := make([]runbook.SectionID, len(All))
	for i, s := range All {
		out[i] = s.ID()
	}
	return out
}

// Title is the title of the section with id ("" for none).
func Title(id runbook.SectionID) string {
	if s, ok := ByID(id); ok {
		return s.Title()
	}
	return ""
}

// Index is the position of a section in All (len(All) for none).
func Index(id runbook.SectionID) int {
	i := slices.IndexFunc(All, func(s Section) bool { return s.ID() == id })
	if i < 0 {
		return len(All)
	}
	return i
}

// Offline writes every section from the facts alone.
func Offline(f *planner.Facts) *runbook.Sections {
	var out runbook.Sections
	for _, s := range All {
		s.Write(f, &out)
	}
	return &out
}

// Parse reads a list of section ids (none means all of them), in the
// registry's order, each once; each unknown id is a problem of the field
// "sections".
func Parse(list []string) ([]runbook.SectionID, error) {
	seen := map[runbook.SectionID]bool{}
	var bad []runbook.FieldError
	for _, raw := range list {
		id := runbook.SectionID(raw)
		if _, ok := ByID(id); ok {
			seen[id] = true
		} else if raw != "" {
			bad = append(bad, runbook.FieldError{Path: "sections", Problem: fmt.Sprintf("%q must be one of %s", raw, joinIDs())})
		}
	}
	if len(bad) > 0 {
		return nil, &runbook.ValidationError{Fields: bad}
	}
	if len(seen) == 0 {
		return IDs(), nil
	}
	var out []runbook.SectionID
	for _, s := range All {
		if seen[s.ID()] {
			out = append(out, s.ID())
		}
	}
	return out, nil
}

func joinIDs() string {
	ids := make([]string, len(All))
	for i, s := range All {
		ids[i] = string(s.ID())
	}
	return strings.Join(ids, ", ")
}

// Schemas builds the strict JSON schema of every section (build it once at
// start-up and share it).
func Schemas() (*schema.Set, error) {
	sources := make([]schema.Source, len(All))
	for i, s := range All {
		sources[i] = schema.Source{ID: s.ID(), Type: s.Type()}
	}
	return schema.NewSet(sources)
}

// LoadPrompts loads a prompt set (prompts.Load) and checks it has a
// template for every section: an edited prompts directory that lost one
// is refused at start, not at the first runbook.
func LoadPrompts(fsys fs.FS) (*prompts.Set, error) {
	p, err := prompts.Load(fsys)
	if err != nil {
		return nil, err
	}
	have := p.Sections()
	for _, s := range All {
		if !slices.Contains(have, string(s.ID())) {
			return nil, fmt.Errorf("prompts: no template sections/%s.tmpl for section %s", s.ID(), s.ID())
		}
	}
	return p, nil
}
