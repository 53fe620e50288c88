// Package eval is rotor's regression harness: cases (a request and assertions
// about its runbook) in eval/cases/*.yaml, domain-aware scorers, a runner with
// repeats and concurrency, reports for terminals, JSON and Markdown, baseline
// comparison, and record/replay of LLM exchanges.
package eval

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// Case is one evaluation case.
type Case struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Request is inline, or RequestFile names a JSON or YAML file relative to
	// the case file.
	Request     *runbook.Request    `json:"request,omitempty"`
	RequestFile string              `json:"request_file,omitempty"`
	Sections    []runbook.SectionID `json:"sections,omitempty"`
	// AllowFallback lists the sections that may come from the offline
	// writer in an LLM run (by default every section must be the model's).
	AllowFallback []runbook.SectionID `json:"allow_fallback,omitempty"`
	Assertions    []Assertion         `json:"assertions"`
	// Path is where the case was loaded from.
	Path string `json:"-"`
}

// Assertion is one expectation. Type selects the scorer; the other fields
// are its parameters (see the README's eval section).
type Assertion struct {
	Type        string            `json:"type"`
	Secret      string            `json:"secret,omitempty"`
	Expected    string            `json:"expected,omitempty"`
	Section     runbook.SectionID `json:"section,omitempty"`
	Environment string            `json:"environment,omitempty"`
	Pattern     string            `json:"pattern,omitempty"`
	Before      *Point            `json:"before,omitempty"`
	After       *Point            `json:"after,omitempty"`
	Value       float64           `json:"value,omitempty"`
	Criteria    string            `json:"criteria,omitempty"`
	MinScore    float64           `json:"min_score,omitempty"`
	Weight      float64           `json:"weight,omitempty"`
	// Days, Start, End and TZ give the span of a blackout or window
	// assertion.
	Days  []string `json:"days,omitempty"`
	Start string   `json:"start,omitempty"`
	End   string   `json:"end,omitempty"`
	TZ    string   `json:"tz,omitempty"`
	// From and Until limit a blackout assertion to a period of days
	// (YYYY-MM-DD): a dated change freeze.
	From  string `json:"from,omitempty"`
	Until string `json:"until,omitempty"`
	// Holds and Frees refine an open_item assertion: the matching item
	// must hold (block) every step of these phases of the secret (of every
	// secret when none is named), and none of Frees (an unknown
	// provider's question must not hold the containment of its leak).
	Holds []runbook.Phase `json:"holds,omitempty"`
	Frees []runbook.Phase `json:"frees,omitempty"`
}

// Point names a step for order assertions: a phase, optionally of one secret
// and one environment.
type Point struct {
	Phase       runbook.Phase `json:"phase"`
	Secret      string        `json:"secret,omitempty"`
	Environment string        `json:"environment,omitempty"`
}

// Label is a short, stable description of an assertion, used to match it
// against a baseline.
func (a Assertion) Label() string {
	parts := []string{a.Type}
	span := ""
	if a.Start != "" {
		span = a.span().Label()
	}
	for _, p := range []string{a.Secret, string(a.Section), a.Environment, a.Pattern, a.Expected, span} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if a.Before != nil && a.After != nil {
		parts = append(parts, a.Before.String()+" < "+a.After.String())
	}
	if a.Value != 0 {
		parts = append(parts, fmt.Sprint(a.Value))
	}
	if a.Criteria != "" {
		c := a.Criteria
		if len(c) > 40 {
			c = c[:40] + "..."
		}
		parts = append(parts, c)
	}
	return strings.Join(parts, " ")
}

func (p Point) String() string {
	s := string(p.Phase)
	if p.Secret != "" {
		s = p.Secret + "/" + s
	}
	if p.Environment != "" {
		s += "@" + p.Environment
	}
	return s
}

var knownTypes = map[string]bool{
	"no_lint_errors": true, "covers_all_secrets": true, "strategy": true, "rotation_risk": true, "priority": true,
	"order": true, "has_step": true, "has_check": true, "contains": true, "not_contains": true,
	"max_llm_calls": true, "max_latency_ms": true, "max_cost_usd": true, "rubric": true,
}

// LoadCases reads cases from files and directories (every *.yaml / *.yml in
// a directory), sorted by name.
func LoadCases(paths ...string) ([]*Case, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("eval: %w", err)
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		for _, pat := range []string{"*.yaml", "*.yml"} {
			m, _ := filepath.Glob(filepath.Join(p, pat))
			files = append(files, m...)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("eval: no case files in %s", strings.Join(paths, ", "))
	}
	var cases []*Case
	seen := map[string]string{}
	for _, f := range files {
		c, err := LoadCase(f)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[c.Name]; dup {
			return nil, fmt.Errorf("eval: case %q is in both %s and %s", c.Name, prev, f)
		}
		seen[c.Name] = f
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

// LoadCase reads and checks one case file.
func LoadCase(path string) (*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("eval: %s: invalid YAML: %w", path, err)
	}
	var c Case
	if err := decode.Strict(js, &c); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	c.Path = path
	if c.Name == "" {
		c.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if (c.Request == nil) == (c.RequestFile == "") {
		return nil, fmt.Errorf("eval: %s: give exactly one of request and request_file", path)
	}
	if c.RequestFile != "" {
		rp := c.RequestFile
		if !filepath.IsAbs(rp) {
			rp = filepath.Join(filepath.Dir(path), rp)
		}
		data, err := os.ReadFile(rp)
		if err != nil {
			return nil, fmt.Errorf("eval: %s: request_file: %w", path, err)
		}
		if ext := strings.ToLower(filepath.Ext(rp)); ext == ".yaml" || ext == ".yml" {
			if data, err = yaml.YAMLToJSON(data); err != nil {
				return nil, fmt.Errorf("eval: %s: request_file: %w", path, err)
			}
		}
		if c.Request, err = decode.ParseRequest(data); err != nil {
			return nil, fmt.Errorf("eval: %s: request_file %s: %w", path, rp, err)
		}
	} else if err := c.Request.Validate(); err != nil {
		return nil, fmt.Errorf("eval: %s: request: %w", path, err)
	}
	if len(c.Assertions) == 0 {
		return nil, fmt.Errorf("eval: %s: no assertions", path)
	}
	for i, id := range c.AllowFallback {
		if !runbook.OneOf(section.IDs(), id) {
			return nil, fmt.Errorf("eval: %s: allow_fallback[%d] %q is not a section id", path, i, id)
		}
	}
	for i, a := range c.Assertions {
		if !knownTypes[a.Type] && !outcomeTypes[a.Type] {
			types := make([]string, 0, len(knownTypes))
			for t := range knownTypes {
				types = append(types, t)
			}
			for t := range outcomeTypes {
				types = append(types, t)
			}
			sort.Strings(types)
			return nil, fmt.Errorf("eval: %s: assertions[%d].type %q must be one of %s", path, i, a.Type, strings.Join(types, ", "))
		}
		if err := a.check(); err != nil {
			return nil, fmt.Errorf("eval: %s: assertions[%d] (%s): %w", path, i, a.Type, err)
		}
	}
	return &c, nil
}
