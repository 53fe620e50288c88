package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// Regression is something that got worse against a baseline.
type Regression struct {
	Case      string `json:"case"`
	Assertion string `json:"assertion"`
	Baseline  string `json:"baseline"`
	Now       string `json:"now"`
}

// LoadReport reads a report written by --json or --write-baseline.
func LoadReport(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: baseline: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("eval: baseline %s: %w", path, err)
	}
	return &r, nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// assertionKeys names each assertion of a case uniquely (a repeated label
// gets its position appended).
func assertionKeys(c CaseResult) []string {
	seen := map[string]int{}
	keys := make([]string, len(c.Assertions))
	for i, a := range c.Assertions {
		seen[a.Label]++
		keys[i] = a.Label
		if n := seen[a.Label]; n > 1 {
			keys[i] = fmt.Sprintf("%s #%d", a.Label, n)
		}
	}
	return keys
}

func verdict(a Result) string {
	switch {
	case a.Skipped:
		return "skipped"
	case a.Passed:
		return "pass (" + a.Found + ")"
	}
	return "FAIL (" + a.Found + ")"
}

// Compare lists what got worse from base to now, over the cases now ran: a
// lower case score, an assertion that passed and now fails or is gone. The
// baseline's cases this run did not include (a subset run) are returned
// apart, by name: not run is not worse.
func Compare(base, now *Report) (regressions []Regression, notRun []string) {
	var out []Regression
	nowByName := map[string]CaseResult{}
	for _, c := range now.Cases {
		nowByName[c.Name] = c
	}
	for _, b := range base.Cases {
		n, ok := nowByName[b.Name]
		if !ok {
			notRun = append(notRun, b.Name)
			continue
		}
		if n.Score < b.Score-1e-9 {
			out = append(out, Regression{Case: b.Name, Assertion: "score", Baseline: fmt.Sprintf("%.2f", b.Score), Now: fmt.Sprintf("%.2f", n.Score)})
		}
		nowAssert := map[string]Result{}
		for i, k := range assertionKeys(n) {
			nowAssert[k] = n.Assertions[i]
		}
		for i, k := range assertionKeys(b) {
			was := b.Assertions[i]
			if !was.Passed || was.Skipped {
				continue
			}
			is, ok := nowAssert[k]
			switch {
			case !ok:
				out = append(out, Regression{Case: b.Name, Assertion: k, Baseline: verdict(was), Now: "missing"})
			case !is.Passed && !is.Skipped:
				out = append(out, Regression{Case: b.Name, Assertion: k, Baseline: verdict(was), Now: verdict(is)})
			}
		}
	}
	return out, notRun
}

// WriteTable writes the terminal report, and the regressions when a
// baseline was given.
func (r *Report) WriteTable(w io.Writer, regressions []Regression, baseline string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tRESULT\tSCORE\tASSERTIONS\tLLM CALLS\tCOST\tLATENCY")
	for _, c := range r.Cases {
		res := "pass"
		if !c.Passed {
			res = "FAIL"
		}
		passed, total := 0, 0
		for _, a := range c.Assertions {
			if a.Skipped {
				continue
			}
			total++
			if a.Passed {
				passed++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%d/%d\t%d\t%s\t%d ms\n", c.Name, res, c.Score, passed, total, c.LLMCalls, cost(c.CostUSD, c.CostUnknown), c.LatencyMS)
	}
	tw.Flush()
	for _, c := range r.Cases {
		if c.Error != "" {
			fmt.Fprintf(w, "\n%s: generation failed: %s\n", c.Name, c.Error)
		}
		if c.Clock != "" {
			fmt.Fprintf(w, "  %s: %s\n", c.Name, c.Clock)
		}
		if names := NotWrittenByTheModel(c); names != "" {
			fmt.Fprintf(w, "  %s: sections not written by the model: %s\n", c.Name, names)
		}
		for _, a := range c.Assertions {
			if !a.Passed && !a.Skipped {
				rate := ""
				if r.Summary.Repeat > 1 {
					rate = fmt.Sprintf(" [pass rate %.0f%%]", a.PassRate*100)
				}
				fmt.Fprintf(w, "  %s: FAIL %s%s\n      expected: %s\n      found:    %s\n", c.Name, a.Label, rate, a.Expected, a.Found)
			}
		}
	}
	s := r.Summary
	fmt.Fprintf(w, "\n%d/%d cases passed, score %.3f, %d/%d assertions passed, %d skipped, %d LLM calls, %s, %d ms (provider %s",
		s.Passed, s.Cases, s.Score, s.AssertionsPassed, s.Assertions, s.Skipped, s.LLMCalls, cost(s.CostUSD, s.CostUnknown), s.DurationMS, s.Provider)
	if s.Model != "" {
		fmt.Fprintf(w, ", model %s", s.Model)
	}
	if s.JudgeModel != "" {
		fmt.Fprintf(w, ", judge %s", s.JudgeModel)
	}
	if s.FellBack > 0 {
		fmt.Fprintf(w, ", %d section(s) fell back to the offline writer", s.FellBack)
	}
	if s.Repeat > 1 {
		fmt.Fprintf(w, ", %d repeats", s.Repeat)
	}
	fmt.Fprintln(w, ")")
	if baseline == "" {
		return
	}
	if len(regressions) == 0 {
		fmt.Fprintf(w, "no regression against %s\n", baseline)
		return
	}
	fmt.Fprintf(w, "\n%d regression(s) against %s:\n", len(regressions), baseline)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tASSERTION\tBASELINE\tNOW")
	for _, g := range regressions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", g.Case, g.Assertion, g.Baseline, g.Now)
	}
	tw.Flush()
}

// WriteMarkdown writes the report for a pull request or a wiki.
func (r *Report) WriteMarkdown(w io.Writer, regressions []Regression, baseline string) {
	s := r.Summary
	fmt.Fprintf(w, "# rotor eval report\n\n%d/%d cases passed, score %.3f, %d/%d assertions passed (%d skipped), %d LLM calls, %s, provider %s %s",
		s.Passed, s.Cases, s.Score, s.AssertionsPassed, s.Assertions, s.Skipped, s.LLMCalls, cost(s.CostUSD, s.CostUnknown), s.Provider, s.Model)
	if s.JudgeModel != "" {
		fmt.Fprintf(w, ", judge %s", s.JudgeModel)
	}
	fmt.Fprint(w, ".\n\n")
	fmt.Fprintln(w, "| Case | Result | Score | LLM calls | Cost | Latency | Not written by the model |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---|")
	for _, c := range r.Cases {
		res := "pass"
		if !c.Passed {
			res = "**FAIL**"
		}
		fmt.Fprintf(w, "| %s | %s | %.2f | %d | %s | %d ms | %s |\n", c.Name, res, c.Score, c.LLMCalls, cost(c.CostUSD, c.CostUnknown), c.LatencyMS, mdCell(NotWrittenByTheModel(c)))
	}
	for _, c := range r.Cases {
		fmt.Fprintf(w, "\n## %s\n\n| Assertion | Result | Expected | Found |\n|---|---|---|---|\n", c.Name)
		for _, a := range c.Assertions {
			res := "pass"
			switch {
			case a.Skipped:
				res = "skipped"
			case !a.Passed:
				res = fmt.Sprintf("**FAIL** (%.0f%%)", a.PassRate*100)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", mdCell(a.Label), res, mdCell(a.Expected), mdCell(a.Found))
		}
	}
	if baseline != "" {
		fmt.Fprintf(w, "\n## Against %s\n\n", baseline)
		if len(regressions) == 0 {
			fmt.Fprintln(w, "No regression.")
			return
		}
		fmt.Fprintln(w, "| Case | Assertion | Baseline | Now |\n|---|---|---|---|")
		for _, g := range regressions {
			fmt.Fprintf(w, "| %s | %s | %s | %s |\n", g.Case, mdCell(g.Assertion), mdCell(g.Baseline), mdCell(g.Now))
		}
	}
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// cost prints a cost, or says it is unknown.
func cost(usd float64, unknown bool) string {
	if unknown {
		if usd > 0 {
			return fmt.Sprintf("$%.4f + unknown", usd)
		}
		return "unknown"
	}
	return fmt.Sprintf("$%.4f", usd)
}

// NotWrittenByTheModel names the sections of a case the model did not
// write, once each, the allowed ones marked.
func NotWrittenByTheModel(c CaseResult) string {
	seen := map[string]bool{}
	var names []string
	for _, f := range c.FellBack {
		n := string(f.Section)
		if f.Allowed {
			n += " (allowed)"
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}
