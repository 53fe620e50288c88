package eval

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// The prompt engineer's workbench: two runs side by side (--compare), many
// runs as a matrix (several --model or --prompts), and saved runs over time
// (--history). Each reads reports, which keep their runbooks, so nothing is
// generated again to look at them.

//go:embed templates/*.html
var pageFiles embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"score": func(f float64) string { return fmt.Sprintf("%.2f", f) },
	// verdict takes a *Result (absent: nil) or a Result.
	"verdict": func(r any) string {
		switch v := r.(type) {
		case *Result:
			return resultWord(v)
		case Result:
			return resultWord(&v)
		}
		return "absent"
	},
	"delta": func(a, b float64) string {
		switch d := b - a; {
		case d > 1e-9:
			return fmt.Sprintf("+%.2f", d)
		case d < -1e-9:
			return fmt.Sprintf("%.2f", d)
		}
		return "="
	},
}).ParseFS(pageFiles, "templates/*.html"))

// Side is one configuration of a comparison.
type Side struct {
	Label   string  `json:"label"`
	Summary Summary `json:"summary"`
}

// AssertionDiff is an assertion whose verdict differs between the sides.
type AssertionDiff struct {
	Label string  `json:"label"`
	A     *Result `json:"a"`
	B     *Result `json:"b"`
}

// CaseDiff is one case on both sides: scores, the assertions whose verdict
// changed, and both runbooks as Markdown.
type CaseDiff struct {
	Case     string          `json:"case"`
	ScoreA   float64         `json:"score_a"`
	ScoreB   float64         `json:"score_b"`
	PassedA  bool            `json:"passed_a"`
	PassedB  bool            `json:"passed_b"`
	Changed  []AssertionDiff `json:"changed"`
	RunbookA string          `json:"runbook_a_markdown,omitempty"`
	RunbookB string          `json:"runbook_b_markdown,omitempty"`
	// OnlyIn names the side that ran this case when the other did not.
	OnlyIn string `json:"only_in,omitempty"`
}

// Comparison is two runs of the same cases, side by side.
type Comparison struct {
	A     Side       `json:"a"`
	B     Side       `json:"b"`
	Cases []CaseDiff `json:"cases"`
}

// SideBySide compares two reports case by case (in a's order, then the
// cases only b ran).
func SideBySide(labelA string, a *Report, labelB string, b *Report) *Comparison {
	cmp := &Comparison{A: Side{Label: labelA, Summary: a.Summary}, B: Side{Label: labelB, Summary: b.Summary}, Cases: []CaseDiff{}}
	inB := map[string]CaseResult{}
	for _, c := range b.Cases {
		inB[c.Name] = c
	}
	seen := map[string]bool{}
	for _, ca := range a.Cases {
		seen[ca.Name] = true
		cb, ok := inB[ca.Name]
		if !ok {
			cmp.Cases = append(cmp.Cases, CaseDiff{Case: ca.Name, ScoreA: ca.Score, PassedA: ca.Passed, OnlyIn: labelA, RunbookA: markdownOf(ca.Runbook)})
			continue
		}
		d := CaseDiff{Case: ca.Name, ScoreA: ca.Score, ScoreB: cb.Score, PassedA: ca.Passed, PassedB: cb.Passed, Changed: []AssertionDiff{},
			RunbookA: markdownOf(ca.Runbook), RunbookB: markdownOf(cb.Runbook)}
		byKey := map[string]*Result{}
		for i, k := range assertionKeys(cb) {
			byKey[k] = &cb.Assertions[i]
		}
		for i, k := range assertionKeys(ca) {
			ra, rb := &ca.Assertions[i], byKey[k]
			delete(byKey, k)
			if rb == nil || ra.Passed != rb.Passed || ra.Skipped != rb.Skipped {
				d.Changed = append(d.Changed, AssertionDiff{Label: k, A: ra, B: rb})
			}
		}
		for i, k := range assertionKeys(cb) {
			if _, left := byKey[k]; left {
				d.Changed = append(d.Changed, AssertionDiff{Label: k, B: &cb.Assertions[i]})
			}
		}
		cmp.Cases = append(cmp.Cases, d)
	}
	for _, cb := range b.Cases {
		if !seen[cb.Name] {
			cmp.Cases = append(cmp.Cases, CaseDiff{Case: cb.Name, ScoreB: cb.Score, PassedB: cb.Passed, OnlyIn: labelB, RunbookB: markdownOf(cb.Runbook)})
		}
	}
	return cmp
}

// markdownOf renders a kept runbook ("" when the report kept none).
func markdownOf(rb *runbook.Runbook) string {
	if rb == nil {
		return ""
	}
	var buf bytes.Buffer
	if err := render.Markdown(&buf, rb); err != nil {
		return ""
	}
	return buf.String()
}

// WriteHTML writes the comparison as one self-contained page (no script,
// every value escaped by html/template): per case both scores, the
// assertions that changed, and the two runbooks next to each other.
func (c *Comparison) WriteHTML(w io.Writer) error {
	return pages.ExecuteTemplate(w, "compare.html", c)
}

// Column is one configuration of a matrix (a model and a prompts
// directory) and its run.
type Column struct {
	Label  string  `json:"label"`
	Report *Report `json:"-"`
}

// Row is one case across the columns.
type Row struct {
	Case   string    `json:"case"`
	Scores []float64 `json:"scores"`
	Passed []bool    `json:"passed"`
	// Ran is false where a column did not run the case.
	Ran []bool `json:"ran"`
}

// Matrix is cases × configurations.
type Matrix struct {
	Columns   []string  `json:"columns"`
	Summaries []Summary `json:"summaries"`
	Rows      []Row     `json:"rows"`
}

// NewMatrix lays out the runs' scores, one row per case (in the first
// run's order).
func NewMatrix(cols []Column) *Matrix {
	m := &Matrix{Rows: []Row{}}
	index := map[string]int{}
	for _, col := range cols {
		for _, c := range col.Report.Cases {
			if _, ok := index[c.Name]; !ok {
				index[c.Name] = len(m.Rows)
				m.Rows = append(m.Rows, Row{Case: c.Name, Scores: make([]float64, len(cols)), Passed: make([]bool, len(cols)), Ran: make([]bool, len(cols))})
			}
		}
	}
	for j, col := range cols {
		m.Columns = append(m.Columns, col.Label)
		m.Summaries = append(m.Summaries, col.Report.Summary)
		for _, c := range col.Report.Cases {
			r := &m.Rows[index[c.Name]]
			r.Scores[j], r.Passed[j], r.Ran[j] = c.Score, c.Passed, true
		}
	}
	return m
}

// WriteHTML writes the matrix as a page.
func (m *Matrix) WriteHTML(w io.Writer) error { return pages.ExecuteTemplate(w, "matrix.html", m) }

// WriteTable writes the matrix for a terminal.
func (m *Matrix) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "CASE\t%s\n", strings.Join(m.Columns, "\t"))
	for _, r := range m.Rows {
		cells := make([]string, len(r.Scores))
		for j := range r.Scores {
			cells[j] = "-"
			if r.Ran[j] {
				cells[j] = fmt.Sprintf("%.2f", r.Scores[j])
				if !r.Passed[j] {
					cells[j] += " FAIL"
				}
			}
		}
		fmt.Fprintf(tw, "%s\t%s\n", r.Case, strings.Join(cells, "\t"))
	}
	cells := make([]string, len(m.Summaries))
	for j, s := range m.Summaries {
		cells[j] = fmt.Sprintf("%.3f (%d/%d)", s.Score, s.Passed, s.Cases)
	}
	fmt.Fprintf(tw, "ALL\t%s\n", strings.Join(cells, "\t"))
	tw.Flush()
}

// Run is one saved report in a history.
type Run struct {
	File        string    `json:"file"`
	Timestamp   time.Time `json:"timestamp"`
	Commit      string    `json:"commit"`
	PromptsHash string    `json:"prompts_hash"`
	Model       string    `json:"model"`
	Score       float64   `json:"score"`
	// Scores by case.
	Scores map[string]float64 `json:"scores"`
}

// History is saved reports in the order they ran.
type History struct {
	Runs  []Run    `json:"runs"`
	Cases []string `json:"cases"`
}

// LoadHistory reads every report (*.json written by --json, --write-baseline
// or --save) in dir, oldest first.
func LoadHistory(dir string) (*History, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	h := &History{}
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var rep Report
		if err := json.Unmarshal(data, &rep); err != nil || rep.Summary.Cases == 0 {
			continue // not a report
		}
		run := Run{File: filepath.Base(f), Timestamp: rep.Summary.Timestamp, Commit: rep.Summary.Commit, PromptsHash: rep.Summary.PromptsHash,
			Model: rep.Summary.Model, Score: rep.Summary.Score, Scores: map[string]float64{}}
		for _, c := range rep.Cases {
			run.Scores[c.Name] = c.Score
			if !seen[c.Name] {
				seen[c.Name] = true
				h.Cases = append(h.Cases, c.Name)
			}
		}
		h.Runs = append(h.Runs, run)
	}
	if len(h.Runs) == 0 {
		return nil, fmt.Errorf("eval: history: no report in %s", dir)
	}
	sort.SliceStable(h.Runs, func(i, j int) bool { return h.Runs[i].Timestamp.Before(h.Runs[j].Timestamp) })
	sort.Strings(h.Cases)
	return h, nil
}

// WriteTable prints per-case scores over time: one column per run (its
// date and commit), "-" where a run did not include the case.
func (h *History) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head, info := []string{"CASE"}, []string{""}
	for _, r := range h.Runs {
		head = append(head, r.Timestamp.UTC().Format("2006-01-02 15:04"))
		info = append(info, shortCommit(r.Commit)+" "+r.Model)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	fmt.Fprintln(tw, strings.Join(info, "\t"))
	for _, c := range h.Cases {
		cells := []string{c}
		for _, r := range h.Runs {
			if s, ok := r.Scores[c]; ok {
				cells = append(cells, fmt.Sprintf("%.2f", s))
			} else {
				cells = append(cells, "-")
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	all := []string{"ALL"}
	for _, r := range h.Runs {
		all = append(all, fmt.Sprintf("%.3f", r.Score))
	}
	fmt.Fprintln(tw, strings.Join(all, "\t"))
	tw.Flush()
}

func shortCommit(c string) string {
	if c == "" {
		return "?"
	}
	if len(c) > 8 {
		return c[:8]
	}
	return c
}

// WriteTable writes the comparison for a terminal: per case both scores
// and how many assertions changed verdict.
func (c *Comparison) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "CASE\t%s\t%s\tCHANGE\tASSERTIONS CHANGED\n", c.A.Label, c.B.Label)
	for _, d := range c.Cases {
		change := fmt.Sprintf("%+.2f", d.ScoreB-d.ScoreA)
		if d.OnlyIn != "" {
			change = "only in " + d.OnlyIn
		}
		fmt.Fprintf(tw, "%s\t%.2f\t%.2f\t%s\t%d\n", d.Case, d.ScoreA, d.ScoreB, change, len(d.Changed))
	}
	fmt.Fprintf(tw, "ALL\t%.3f (%d/%d)\t%.3f (%d/%d)\t\t\n", c.A.Summary.Score, c.A.Summary.Passed, c.A.Summary.Cases, c.B.Summary.Score, c.B.Summary.Passed, c.B.Summary.Cases)
	tw.Flush()
	for _, d := range c.Cases {
		for _, a := range d.Changed {
			fmt.Fprintf(w, "  %s: %s: %s → %s\n", d.Case, a.Label, resultText(a.A), resultText(a.B))
		}
	}
}

// resultWord is a verdict in one word.
func resultWord(r *Result) string {
	switch {
	case r == nil:
		return "absent"
	case r.Skipped:
		return "skipped"
	case r.Passed:
		return "pass"
	}
	return "FAIL"
}

func resultText(r *Result) string {
	switch {
	case r == nil:
		return "absent"
	case r.Skipped:
		return "skipped"
	case r.Passed:
		return "pass"
	}
	return "FAIL (" + r.Found + ")"
}

// reportPage is what report.html shows of one case.
type reportPage struct {
	*Report
	Markdown map[string]string
}

// WriteHTML writes one run as a page: its provenance, each case's score,
// assertions and runbook.
func (r *Report) WriteHTML(w io.Writer) error {
	p := reportPage{Report: r, Markdown: map[string]string{}}
	for _, c := range r.Cases {
		p.Markdown[c.Name] = markdownOf(c.Runbook)
	}
	return pages.ExecuteTemplate(w, "report.html", p)
}
