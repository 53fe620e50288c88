package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// Generator writes a runbook; *generate.Service implements it.
type Generator interface {
	Generate(ctx context.Context, req *runbook.Request, opts generate.Options) (*runbook.Runbook, error)
}

var _ Generator = (*generate.Service)(nil)

// Config wires a Runner.
type Config struct {
	Generator Generator
	Linter    *lint.Linter
	// Judge scores rubric assertions; nil skips them.
	Judge Judge
	// Repeat runs each case this many times (default 1).
	Repeat int
	// Concurrency runs this many cases at once (default 1).
	Concurrency int
	// Progress receives one line per finished case (nil: none).
	Progress io.Writer
	// Provider and Model are reported in the summary. With a provider other
	// than "offline" every section must be written by the model: a case
	// fails when one fell back to the offline writer (unless it allows it).
	Provider, Model string
	// JudgeModel names the model scoring rubric assertions.
	JudgeModel string
	// Runbooks, when set, is a directory of runbooks written elsewhere (an
	// older release, another tool): each case is scored against
	// <Runbooks>/<case name>.json instead of generating one.
	Runbooks string
	// AllowFallback accepts sections the offline writer wrote because the
	// model failed, in every case (--allow-fallback): they are still
	// listed, as allowed.
	AllowFallback bool
	// Now is the clock stamping the report (default time.Now).
	Now func() time.Time
	// Commit and PromptsHash say which rotor and which prompts ran: with
	// the timestamp, model and judge they make a report comparable with
	// later ones (--history).
	Commit, PromptsHash string
}

// Runner runs cases.
type Runner struct {
	gen    Generator
	linter *lint.Linter
	judge  Judge
	cfg    Config
}

// NewRunner returns a Runner.
func NewRunner(cfg Config) *Runner {
	if cfg.Repeat < 1 {
		cfg.Repeat = 1
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	return &Runner{gen: cfg.Generator, linter: cfg.Linter, judge: cfg.Judge, cfg: cfg}
}

// CaseResult is one case's outcome.
type CaseResult struct {
	Name string `json:"name"`
	// Clock says when a case's request was planned as of: a request with
	// as_of is replayed as of it, its clock pinned there (generate.Replay).
	Clock      string   `json:"clock,omitempty"`
	Passed     bool     `json:"passed"`
	Score      float64  `json:"score"`
	Assertions []Result `json:"assertions"`
	LatencyMS  int64    `json:"latency_ms"`
	LLMCalls   int      `json:"llm_calls"`
	CostUSD    float64  `json:"cost_usd"`
	// CostUnknown: a model without a price answered, CostUSD leaves it out.
	CostUnknown bool `json:"cost_unknown,omitempty"`
	// Sources says where each section came from (llm, cache, fallback or
	// offline), in the last run; FellBack lists, over all runs, the sections
	// the offline writer had to write instead of the model, with why.
	Sources  map[runbook.SectionID]runbook.Source `json:"sources,omitempty"`
	FellBack []Fallback                           `json:"fell_back,omitempty"`
	Error    string                               `json:"error,omitempty"`
	// Runbook is the runbook scored (the last run's), kept so the report
	// can be read side by side or over time without running again.
	Runbook *runbook.Runbook `json:"runbook,omitempty"`
}

// Fallback is a section the model did not write.
type Fallback struct {
	Section runbook.SectionID `json:"section"`
	Reason  string            `json:"reason"`
	Allowed bool              `json:"allowed,omitempty"`
}

// Summary totals a run.
type Summary struct {
	Provider         string  `json:"provider"`
	Model            string  `json:"model"`
	Repeat           int     `json:"repeat"`
	Cases            int     `json:"cases"`
	Passed           int     `json:"passed"`
	Failed           int     `json:"failed"`
	Score            float64 `json:"score"`
	Assertions       int     `json:"assertions"`
	AssertionsPassed int     `json:"assertions_passed"`
	Skipped          int     `json:"skipped"`
	LLMCalls         int     `json:"llm_calls"`
	CostUSD          float64 `json:"cost_usd"`
	CostUnknown      bool    `json:"cost_unknown,omitempty"`
	JudgeModel       string  `json:"judge_model,omitempty"`
	// FellBack counts the sections written by the offline writer instead
	// of the model (LLM runs).
	FellBack   int   `json:"fell_back"`
	DurationMS int64 `json:"duration_ms"`
	// Timestamp is when the run started; Commit the rotor revision that
	// ran it; PromptsHash the prompt templates' version.
	Timestamp   time.Time `json:"timestamp"`
	Commit      string    `json:"commit,omitempty"`
	PromptsHash string    `json:"prompts_hash,omitempty"`
}

// Report is a whole run; its JSON is what --json prints and --baseline reads.
type Report struct {
	Cases   []CaseResult `json:"cases"`
	Summary Summary      `json:"summary"`
}

// Run runs every case, Repeat times each, Concurrency cases at once.
func (r *Runner) Run(ctx context.Context, cases []*Case) *Report {
	start := time.Now()
	results := make([]CaseResult, len(cases))
	var done int
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(r.cfg.Concurrency)
	for i, c := range cases {
		g.Go(func() error {
			results[i] = r.runCase(ctx, c)
			mu.Lock()
			done++
			if r.cfg.Progress != nil {
				verdict := "pass"
				if !results[i].Passed {
					verdict = "FAIL"
				}
				fmt.Fprintf(r.cfg.Progress, "[%d/%d] %-40s %s  score %.2f  %d ms\n", done, len(cases), c.Name, verdict, results[i].Score, results[i].LatencyMS)
			}
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	now := time.Now
	if r.cfg.Now != nil {
		now = r.cfg.Now
	}
	rep := &Report{Cases: results, Summary: Summary{Provider: r.cfg.Provider, Model: r.cfg.Model, JudgeModel: r.cfg.JudgeModel, Repeat: r.cfg.Repeat, Cases: len(results),
		Timestamp: now().UTC(), Commit: r.cfg.Commit, PromptsHash: r.cfg.PromptsHash}}
	total := 0.0
	for _, c := range results {
		if c.Passed {
			rep.Summary.Passed++
		} else {
			rep.Summary.Failed++
		}
		total += c.Score
		rep.Summary.LLMCalls += c.LLMCalls
		rep.Summary.CostUSD += c.CostUSD
		rep.Summary.CostUnknown = rep.Summary.CostUnknown || c.CostUnknown
		for _, f := range c.FellBack {
			if !f.Allowed {
				rep.Summary.FellBack++
			}
		}
		for _, a := range c.Assertions {
			switch {
			case a.Skipped:
				rep.Summary.Skipped++
			case a.Passed:
				rep.Summary.Assertions++
				rep.Summary.AssertionsPassed++
			default:
				rep.Summary.Assertions++
			}
		}
	}
	if len(results) > 0 {
		rep.Summary.Score = total / float64(len(results))
	}
	rep.Summary.DurationMS = time.Since(start).Milliseconds()
	return rep
}

// llmRun reports whether the sections are expected from a model: a run that
// generates through one (stored runbooks say themselves who wrote them).
func (r *Runner) llmRun() bool {
	return r.cfg.Runbooks == "" && r.cfg.Provider != "" && r.cfg.Provider != "offline"
}

func (r *Runner) runCase(ctx context.Context, c *Case) CaseResult {
	assertions := c.Assertions
	if r.llmRun() {
		// The first assertion of an LLM run: the model wrote every section.
		assertions = append([]Assertion{{Type: "model_wrote_sections"}}, assertions...)
	}
	cr := CaseResult{Name: c.Name, Assertions: make([]Result, len(assertions))}
	if c.Request != nil && c.Request.AsOf != "" && r.cfg.Runbooks == "" {
		cr.Clock = "replayed as of its as_of " + c.Request.AsOf + " (clock pinned)"
	}
	passes := make([]int, len(assertions))
	var latency int64
	for rep := 0; rep < r.cfg.Repeat; rep++ {
		o, err := r.generate(ctx, c)
		if err != nil {
			cr.Error = err.Error()
			for i, a := range assertions {
				cr.Assertions[i] = Result{Type: a.Type, Label: a.Label(), Weight: max(a.Weight, 1), Expected: "a runbook", Found: "generation failed: " + err.Error()}
			}
			continue
		}
		latency += o.latencyMS
		cr.LLMCalls += o.rb.Usage.LLMCalls
		cr.CostUSD += o.rb.Usage.CostUSD
		cr.CostUnknown = cr.CostUnknown || o.rb.Usage.CostUnknown
		cr.Runbook = o.rb
		cr.Sources = map[runbook.SectionID]runbook.Source{}
		for id, st := range o.rb.SectionStatus {
			cr.Sources[id] = st.Source
		}
		if r.llmRun() || r.cfg.Runbooks != "" {
			cr.FellBack = append(cr.FellBack, r.fellBack(c, o.rb)...)
		}
		for i, a := range assertions {
			res := r.score(ctx, c, a, o)
			if res.Passed {
				passes[i]++
			}
			// Keep a failing run's evidence when there is one.
			if rep == 0 || !res.Passed {
				cr.Assertions[i] = res
			}
		}
	}
	cr.LatencyMS = latency / int64(r.cfg.Repeat)
	cr.Passed = cr.Error == ""
	var weight, got float64
	for i := range cr.Assertions {
		a := &cr.Assertions[i]
		a.PassRate = float64(passes[i]) / float64(r.cfg.Repeat)
		a.Passed = passes[i] == r.cfg.Repeat
		if a.Skipped {
			continue
		}
		if !a.Passed {
			cr.Passed = false
		}
		weight += a.Weight
		got += a.Weight * a.PassRate
	}
	if weight > 0 {
		cr.Score = got / weight
	}
	return cr
}

func (r *Runner) generate(ctx context.Context, c *Case) (outcome, error) {
	start := time.Now()
	var rb *runbook.Runbook
	var err error
	if r.cfg.Runbooks != "" {
		rb, err = loadRunbook(filepath.Join(r.cfg.Runbooks, c.Name+".json"))
	} else {
		// A replay: a request with as_of is planned as of it (as every
		// request is), and the as_of item (planner.StaleAsOf) is never
		// raised.
		rb, err = r.gen.Generate(generate.Replay(ctx), c.Request, generate.Options{Sections: c.Sections})
	}
	if err != nil {
		return outcome{}, err
	}
	o := outcome{rb: rb, latencyMS: time.Since(start).Milliseconds()}
	// The Markdown that assertions and the judge read leaves out what changes
	// on every run (id, time), so recorded judge calls replay.
	stable := *rb
	stable.ID, stable.CreatedAt = "rb_eval", time.Time{}
	// Nor who wrote which section (the header's credit): the judge scores
	// the content, and a replay that falls back to the same content must
	// ask it the same question.
	stable.SectionStatus = nil
	var buf bytes.Buffer
	if err := render.Markdown(&buf, &stable); err != nil {
		return outcome{}, err
	}
	o.markdown = buf.String()
	return o, nil
}

// fellBack lists the sections of a runbook the model did not write: in a
// run through a model, every section not from it; in a stored runbook
// (which may have been written offline on purpose), those that say they
// fell back.
func (r *Runner) fellBack(c *Case, rb *runbook.Runbook) []Fallback {
	var out []Fallback
	for _, id := range section.IDs() {
		st, ok := rb.SectionStatus[id]
		if !ok || st.Source == runbook.SourceLLM || st.Source == runbook.SourceCache || (!r.llmRun() && st.Source != runbook.SourceFallback) {
			continue
		}
		reason := st.Reason
		if reason == "" {
			reason = string(st.Source)
		}
		out = append(out, Fallback{Section: id, Reason: reason, Allowed: r.cfg.AllowFallback || runbook.OneOf(c.AllowFallback, id)})
	}
	return out
}

// loadRunbook reads a runbook written elsewhere. Fields it does not know are
// ignored (an older or newer release wrote it); absent ones stay empty.
func loadRunbook(path string) (*runbook.Runbook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(data, &rb); err != nil {
		return nil, fmt.Errorf("eval: %s: %w", path, err)
	}
	return &rb, nil
}
