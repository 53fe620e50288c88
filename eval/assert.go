package eval

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// Result is one assertion's outcome: what was expected and what was found.
type Result struct {
	Type     string  `json:"type"`
	Label    string  `json:"label"`
	Passed   bool    `json:"passed"`
	Skipped  bool    `json:"skipped,omitempty"`
	Expected string  `json:"expected"`
	Found    string  `json:"found"`
	Weight   float64 `json:"weight"`
	// PassRate is the share of repeats that passed (1 without --repeat).
	PassRate float64 `json:"pass_rate"`
}

// outcome is what one run of a case produced.
type outcome struct {
	rb        *runbook.Runbook
	markdown  string
	latencyMS int64
}

// Judge scores a runbook against free-text criteria (an LLM with a strict
// schema); nil when no LLM is configured.
type Judge interface {
	Score(ctx context.Context, criteria, markdown string) (score float64, reasons []string, err error)
}

func (a Assertion) check() error {
	need := func(field, v string) error {
		if v == "" {
			return fmt.Errorf("%s is required", field)
		}
		return nil
	}
	switch a.Type {
	case "strategy", "rotation_risk", "priority":
		if err := need("secret", a.Secret); err != nil {
			return err
		}
		return need("expected", a.Expected)
	case "order":
		if a.Before == nil || a.After == nil || a.Before.Phase.Rank() < 0 || a.After.Phase.Rank() < 0 {
			return errors.New("before and after need a known phase")
		}
	case "has_step", "has_check", "contains", "not_contains":
		if err := need("pattern", a.Pattern); err != nil {
			return err
		}
		if _, err := regexp.Compile(a.Pattern); err != nil {
			return fmt.Errorf("pattern: %w", err)
		}
		if a.Section != "" && !runbook.OneOf(section.IDs(), a.Section) {
			return fmt.Errorf("section %q is not a section id", a.Section)
		}
	case "max_llm_calls", "max_latency_ms", "max_cost_usd":
		if a.Value < 0 {
			return errors.New("value must be >= 0")
		}
	case "all_killed", "killed_before_investigation", "blackout", "window", "no_window", "no_step", "first_step", "all_considered",
		"killed_first", "kill_within", "reach_within", "not_revoked_first", "in_inventory", "open_item", "production_restored", "exists_once", "placeholders_raised":
		return a.checkOutcome()
	case "rubric":
		if err := need("criteria", a.Criteria); err != nil {
			return err
		}
		if a.MinScore <= 0 || a.MinScore > 10 {
			return errors.New("min_score must be in (0, 10]")
		}
	}
	return nil
}

// score evaluates one assertion.
func (r *Runner) score(ctx context.Context, c *Case, a Assertion, o outcome) Result {
	res := Result{Type: a.Type, Label: a.Label(), Weight: a.Weight}
	if res.Weight == 0 {
		res.Weight = 1
	}
	rb := o.rb
	set := func(ok bool, expected, found string) Result {
		res.Passed, res.Expected, res.Found = ok, expected, found
		return res
	}
	switch a.Type {
	case "no_lint_errors":
		errs := lint.Errors(r.linter.Lint(rb))
		var rules []string
		for _, e := range errs {
			rules = append(rules, e.Rule+" ("+string(e.Section)+")")
		}
		return set(len(errs) == 0, "no error finding", orNone(strings.Join(rules, ", ")))
	case "covers_all_secrets":
		missing := uncovered(c.Request, rb)
		return set(len(missing) == 0, "every secret in inventory, triage, sequence and validation", orNone(strings.Join(missing, "; ")))
	case "strategy", "rotation_risk", "priority":
		s, ok := findSecret(rb, a.Secret)
		if !ok {
			return set(false, a.Expected, "no secret "+a.Secret+" in the inventory")
		}
		var got string
		switch a.Type {
		case "strategy":
			got = string(s.Strategy)
		case "rotation_risk":
			got = string(s.RotationRisk)
		case "priority":
			got = "no triage item"
			if rb.Sections.RiskTriage != nil {
				for _, t := range rb.Sections.RiskTriage.Items {
					if t.SecretID == s.ID {
						got = string(t.Priority)
					}
				}
			}
		}
		return set(strings.EqualFold(got, a.Expected), a.Expected, got)
	case "order":
		return r.order(rb, a, res)
	case "has_step":
		re := regexp.MustCompile(a.Pattern)
		for _, st := range rb.Sections.RotationSequence.ReadSteps() {
			if matchesSecret(rb, a.Secret, st.SecretID) && (a.Environment == "" || st.Environment == a.Environment || st.Environment == "all") &&
				re.MatchString(st.Action+"\n"+st.Verify) {
				return set(true, "a step matching /"+a.Pattern+"/", fmt.Sprintf("step %d (%s)", st.Order, st.Phase))
			}
		}
		return set(false, "a step matching /"+a.Pattern+"/", "no such step")
	case "has_check":
		re := regexp.MustCompile(a.Pattern)
		if rb.Sections.Validation != nil {
			for _, e := range rb.Sections.Validation.Environments {
				if a.Environment != "" && e.Environment != a.Environment {
					continue
				}
				for _, ch := range e.Checks {
					// A check folded into the steps names them: read them too.
					if matchesSecret(rb, a.Secret, ch.SecretID) && re.MatchString(ch.Check+"\n"+ch.How+"\n"+ch.Expected+"\n"+referredSteps(rb, ch.How)) {
						return set(true, "a check matching /"+a.Pattern+"/", e.Environment+": "+ch.Check)
					}
				}
			}
		}
		return set(false, "a check matching /"+a.Pattern+"/", "no such check")
	case "contains", "not_contains":
		re := regexp.MustCompile(a.Pattern)
		text, where := o.markdown, "the Markdown"
		if a.Section != "" {
			text, where = sectionText(rb, a.Section), "section "+string(a.Section)
		}
		m := re.FindString(text)
		if a.Type == "contains" {
			return set(m != "", "/"+a.Pattern+"/ in "+where, orNone(quote(m)))
		}
		return set(m == "", "no /"+a.Pattern+"/ in "+where, orNone(quote(m)))
	case "max_llm_calls":
		return set(float64(rb.Usage.LLMCalls) <= a.Value, fmt.Sprintf("<= %g calls", a.Value), fmt.Sprint(rb.Usage.LLMCalls))
	case "max_latency_ms":
		return set(float64(o.latencyMS) <= a.Value, fmt.Sprintf("<= %g ms", a.Value), fmt.Sprintf("%d ms", o.latencyMS))
	case "max_cost_usd":
		if rb.Usage.CostUnknown {
			res.Skipped, res.Passed, res.Expected, res.Found = true, true, fmt.Sprintf("<= $%g", a.Value),
				"skipped: cost unknown (the model has no price: set ROTOR_PRICES)"
			return res
		}
		return set(rb.Usage.CostUSD <= a.Value, fmt.Sprintf("<= $%g", a.Value), fmt.Sprintf("$%.5f", rb.Usage.CostUSD))
	case "model_wrote_sections":
		var bad []string
		for _, f := range r.fellBack(c, rb) {
			if !f.Allowed {
				bad = append(bad, string(f.Section)+" ("+f.Reason+")")
			}
		}
		expected := "every section written by the model"
		if r.cfg.AllowFallback {
			expected += " (fallback allowed: --allow-fallback)"
		} else if len(c.AllowFallback) > 0 {
			expected += fmt.Sprintf(" (fallback allowed: %v)", c.AllowFallback)
		}
		if len(bad) == 0 {
			return set(true, expected, "every section from the model")
		}
		return set(false, expected, "fell back: "+strings.Join(bad, "; "))
	case "rubric":
		if r.judge == nil {
			res.Skipped, res.Passed, res.Expected, res.Found = true, true, fmt.Sprintf("score >= %g", a.MinScore), "skipped: no LLM configured for the judge"
			return res
		}
		score, reasons, err := r.judge.Score(ctx, a.Criteria, o.markdown)
		if err != nil {
			return set(false, fmt.Sprintf("score >= %g", a.MinScore), "judge failed: "+err.Error())
		}
		return set(score >= a.MinScore, fmt.Sprintf("score >= %g", a.MinScore), fmt.Sprintf("%g: %s", score, strings.Join(reasons, "; ")))
	}
	if out, ok := r.outcome(c, a, rb, res); ok {
		return out
	}
	return set(false, "a known assertion type", a.Type)
}

func (r *Runner) order(rb *runbook.Runbook, a Assertion, res Result) Result {
	var lastBefore, firstAfter *runbook.Step
	steps := rb.Sections.RotationSequence.ReadSteps()
	for i := range steps {
		st := &steps[i]
		if pointMatches(rb, *a.Before, st) && (lastBefore == nil || st.Order > lastBefore.Order) {
			lastBefore = st
		}
		if pointMatches(rb, *a.After, st) && (firstAfter == nil || st.Order < firstAfter.Order) {
			firstAfter = st
		}
	}
	res.Expected = a.Before.String() + " before " + a.After.String()
	switch {
	case lastBefore == nil:
		res.Found = "no step is " + a.Before.String()
	case firstAfter == nil:
		res.Found = "no step is " + a.After.String()
	default:
		res.Passed = lastBefore.Order < firstAfter.Order
		res.Found = fmt.Sprintf("last %s is step %d, first %s is step %d", a.Before, lastBefore.Order, a.After, firstAfter.Order)
	}
	return res
}

func pointMatches(rb *runbook.Runbook, p Point, st *runbook.Step) bool {
	return st.Phase == p.Phase && matchesSecret(rb, p.Secret, st.SecretID) &&
		(p.Environment == "" || st.Environment == p.Environment || st.Environment == "all")
}

// findSecret finds an inventory secret by id or name.
func findSecret(rb *runbook.Runbook, ref string) (runbook.InventorySecret, bool) {
	if rb.Sections.Inventory == nil {
		return runbook.InventorySecret{}, false
	}
	for _, s := range rb.Sections.Inventory.Secrets {
		if s.ID == ref || strings.EqualFold(s.Name, ref) {
			return s, true
		}
	}
	return runbook.InventorySecret{}, false
}

func matchesSecret(rb *runbook.Runbook, ref, id string) bool {
	if ref == "" {
		return true
	}
	s, ok := findSecret(rb, ref)
	return ok && s.ID == id
}

// uncovered lists the request's secrets missing from a section that must
// cover every secret.
func uncovered(req *runbook.Request, rb *runbook.Runbook) []string {
	var out []string
	s := rb.Sections
	for _, sec := range req.Secrets {
		inv, ok := findSecret(rb, sec.Name)
		if !ok {
			out = append(out, sec.Name+": not in the inventory")
			continue
		}
		id := inv.ID
		var where []string
		if s.RiskTriage != nil && !hasTriage(s.RiskTriage, id) {
			where = append(where, "risk triage")
		}
		if s.RotationSequence != nil && !hasStep(s.RotationSequence, id) {
			where = append(where, "rotation sequence")
		}
		if s.Validation != nil && !hasValidation(s.Validation, id) {
			where = append(where, "validation")
		}
		if len(where) > 0 {
			out = append(out, sec.Name+": not in "+strings.Join(where, ", "))
		}
	}
	return out
}

func hasTriage(t *runbook.RiskTriage, id string) bool {
	for _, it := range t.Items {
		if it.SecretID == id {
			return true
		}
	}
	return false
}

func hasStep(s *runbook.RotationSequence, id string) bool {
	for _, st := range s.AllSteps() {
		if st.SecretID == id {
			return true
		}
	}
	return false
}

func hasValidation(v *runbook.Validation, id string) bool {
	for _, e := range v.Environments {
		for _, c := range e.Checks {
			if c.SecretID == id {
				return true
			}
		}
	}
	return false
}

// sectionText is every string of a section, one per line.
func sectionText(rb *runbook.Runbook, id runbook.SectionID) string {
	sec, ok := section.ByID(id)
	if !ok {
		return ""
	}
	var b strings.Builder
	sec.Walk(&rb.Sections, func(_, s string) {
		b.WriteString(s)
		b.WriteByte('\n')
	})
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func quote(s string) string {
	if s == "" {
		return ""
	}
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// stepRefRE finds step numbers a text refers to ("step 4", "steps 4 and 9").
var stepRefRE = regexp.MustCompile(`\bsteps? ([0-9]+(?:(?:, | and )[0-9]+)*)`)

// referredSteps is the actions and checks of the steps a text names.
func referredSteps(rb *runbook.Runbook, text string) string {
	var orders []int
	for _, m := range stepRefRE.FindAllStringSubmatch(text, -1) {
		for _, f := range strings.FieldsFunc(m[1], func(r rune) bool { return r < '0' || r > '9' }) {
			var o int
			fmt.Sscan(f, &o)
			orders = append(orders, o)
		}
	}
	var b strings.Builder
	for _, st := range rb.Sections.RotationSequence.ReadSteps() {
		if runbook.OneOf(orders, st.Order) {
			b.WriteString(st.Action + "\n" + st.Verify + "\n")
		}
	}
	return b.String()
}
