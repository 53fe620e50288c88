package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/eval"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// evalOpts are eval's flags.
type evalOpts struct {
	cases                        listFlag
	models, promptDirs           listFlag
	provider, judgeModel, junit  string
	judgePrompt, judgeBaseURL    string
	repeat, concurrency          int
	baseline, writeBaseline, md  string
	record, from, runbooks       string
	out, history, save, htmlFile string
	asJSON, allowFallback        bool
	compare                      []string
	providerSet, modelsSet       bool
	promptsSet, judgeModelSet    bool
	// clock is the recording's clock (its manifest's recorded_at) when
	// replaying one: the runbooks of requests without as_of are dated from
	// it, as they were when it was recorded.
	clock time.Time
}

// takeCompare removes "--compare A B" from args: flag takes one value per
// flag, and the two sides read best as two words.
func takeCompare(args []string) ([]string, []string, error) {
	for i, a := range args {
		if a == "--compare" || a == "-compare" {
			if i+2 >= len(args) {
				return nil, nil, errors.New("--compare takes two arguments: two prompt directories or two models")
			}
			rest := append(append([]string{}, args[:i]...), args[i+3:]...)
			return rest, []string{args[i+1], args[i+2]}, nil
		}
	}
	return args, nil, nil
}

func evalCmd(ctx context.Context, args []string, cfg config, log *slog.Logger, stdout, stderr io.Writer) int {
	args, compare, err := takeCompare(args)
	if err != nil {
		fmt.Fprintln(stderr, "rotor eval:", err)
		return exitUsage
	}
	o := evalOpts{compare: compare}
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&o.cases, "cases", "case file or directory (repeatable; default eval/cases)")
	// takeCompare has already taken "--compare A B" out of args: this
	// entry is what -h shows, and refuses the one-word form.
	fs.Func("compare", "compare two prompt directories, or two models, `A B` side by side (two words; needs --provider openai or replay; writes compare.html and compare.json to --out)", func(string) error {
		return errors.New("takes two arguments: --compare A B")
	})
	fs.StringVar(&o.provider, "provider", "offline", "offline, openai or replay")
	fs.Var(&o.models, "model", "model under test, for openai and replay (ROTOR_MODEL); repeat it for a matrix")
	fs.StringVar(&o.judgeModel, "judge-model", cfg.JudgeModel, "model scoring rubric assertions (ROTOR_JUDGE_MODEL; default: the model under test, which then grades itself)")
	fs.StringVar(&o.judgeBaseURL, "judge-base-url", cfg.JudgeBaseURL, "the judge's own OpenAI-compatible endpoint (ROTOR_JUDGE_BASE_URL; its key: ROTOR_JUDGE_API_KEY); default: the model under test's")
	fs.StringVar(&o.judgePrompt, "judge-prompt", "", "a file with the judge's instructions (default eval/judge.md, built in)")
	fs.StringVar(&o.junit, "junit", "", "write a JUnit XML report to FILE (one test per assertion, for CI)")
	fs.Var(&o.promptDirs, "prompts", "directory with edited prompt templates (ROTOR_PROMPTS_DIR); repeat it for a matrix")
	fs.IntVar(&o.repeat, "repeat", 1, "runs per case; pass rates are reported per assertion")
	fs.IntVar(&o.concurrency, "concurrency", 1, "cases run at once")
	fs.StringVar(&o.baseline, "baseline", "", "a previous --json report to compare with (only the cases this run includes)")
	fs.StringVar(&o.writeBaseline, "write-baseline", "", "write this run's JSON report to FILE")
	fs.BoolVar(&o.asJSON, "json", false, "print the report (or the comparison, or the matrix) as JSON")
	fs.StringVar(&o.md, "md", "", "write a Markdown report to FILE")
	fs.StringVar(&o.record, "record", "", "with --provider openai: save every LLM exchange, and what replaying needs, to DIR")
	fs.StringVar(&o.from, "from", "", "replay the recordings in DIR (implies --provider replay; the model, judge, prompts and cases come from the recording)")
	fs.StringVar(&o.runbooks, "runbooks", "", "score the runbooks in DIR (DIR/<case name>.json, written by another release or tool) instead of generating them")
	fs.BoolVar(&o.allowFallback, "allow-fallback", false, "exit 0 even when sections fell back to the offline writer because the model failed (they are listed either way)")
	fs.StringVar(&o.out, "out", ".", "directory --compare and a matrix write their pages to (compare.html and compare.json, matrix.html and matrix.json)")
	fs.StringVar(&o.htmlFile, "html", "", "write an HTML report of this run (its cases, assertions and runbooks) to FILE")
	fs.StringVar(&o.history, "history", "", "print per-case scores over time from the reports in DIR (--save, --json or --write-baseline files), and run nothing")
	fs.StringVar(&o.save, "save", "", "also save this run's report in DIR as <time>-<commit>.json, for --history")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "provider":
			o.providerSet = true
		case "model":
			o.modelsSet = true
		case "prompts":
			o.promptsSet = true
		case "judge-model":
			o.judgeModelSet = true
		}
	})
	if o.history != "" {
		h, err := eval.LoadHistory(o.history)
		if err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitUsage
		}
		if o.asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			_ = enc.Encode(h)
		} else {
			h.WriteTable(stdout)
		}
		return exitOK
	}
	if o.from != "" && !o.providerSet {
		o.provider = "replay"
	}
	var manifest *eval.Manifest
	if o.from != "" {
		if manifest, err = eval.ReadManifest(o.from); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitUsage
		}
		if manifest != nil {
			applyManifest(&o, &cfg, manifest)
		}
	}
	if len(o.models) == 0 {
		o.models = listFlag{cfg.Model}
	}
	if len(o.promptDirs) == 0 {
		o.promptDirs = listFlag{cfg.PromptsDir}
	}
	switch {
	case o.provider != "offline" && o.provider != "openai" && o.provider != "replay":
		fmt.Fprintf(stderr, "rotor eval: --provider %q must be offline, openai or replay\n", o.provider)
		return exitUsage
	case o.record != "" && o.provider != "openai":
		fmt.Fprintln(stderr, "rotor eval: --record needs --provider openai")
		return exitUsage
	case o.from != "" && o.provider != "replay", o.provider == "replay" && o.from == "":
		fmt.Fprintln(stderr, "rotor eval: --provider replay and --from DIR go together")
		return exitUsage
	case o.provider == "openai" && !cfg.hasLLMCredential():
		fmt.Fprintln(stderr, "rotor eval: --provider openai needs OPENAI_API_KEY (or an Azure Entra ID token)")
		return exitUsage
	case (len(o.compare) > 0 || len(o.models)*len(o.promptDirs) > 1) && o.provider == "offline":
		fmt.Fprintln(stderr, "rotor eval: comparing models or prompts needs --provider openai (or replay): the offline writer uses neither")
		return exitUsage
	case len(o.compare) > 0 && (len(o.models) > 1 || len(o.promptDirs) > 1):
		fmt.Fprintln(stderr, "rotor eval: --compare A B, or several --model/--prompts for a matrix, not both")
		return exitUsage
	case o.record != "" && (len(o.compare) > 0 || len(o.models)*len(o.promptDirs) > 1):
		fmt.Fprintln(stderr, "rotor eval: --record records one configuration at a time")
		return exitUsage
	}
	o.cases = append(o.cases, fs.Args()...)
	if len(o.cases) == 0 {
		o.cases = listFlag{"eval/cases"}
	}
	loaded, err := eval.LoadCases(o.cases...)
	if err != nil {
		fmt.Fprintln(stderr, "rotor eval:", err)
		return exitUsage
	}
	judgeSystem := ""
	if o.judgePrompt != "" {
		data, err := os.ReadFile(o.judgePrompt)
		if err != nil {
			fmt.Fprintln(stderr, "rotor eval: --judge-prompt:", err)
			return exitUsage
		}
		judgeSystem = string(data)
	}
	e := &evaluator{ctx: ctx, cfg: cfg, log: log, stderr: stderr, o: o, judgeSystem: judgeSystem}
	if err := e.init(); err != nil {
		fmt.Fprintln(stderr, "rotor eval:", err)
		return exitInternal
	}

	// Two configurations side by side, or a matrix of them.
	if len(o.compare) == 2 || len(o.models)*len(o.promptDirs) > 1 {
		return e.many(loaded, stdout)
	}

	report, code := e.run(loaded, o.models[0], o.promptDirs[0])
	if report == nil {
		return code
	}
	var regressions []eval.Regression
	if o.baseline != "" {
		base, err := eval.LoadReport(o.baseline)
		if err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitUsage
		}
		var notRun []string
		regressions, notRun = eval.Compare(base, report)
		if len(notRun) > 0 {
			fmt.Fprintf(stderr, "rotor eval: %d case(s) of %s were not run and are not compared: %s\n", len(notRun), o.baseline, strings.Join(notRun, ", "))
		}
	}
	if o.asJSON {
		_ = report.WriteJSON(stdout)
		if len(regressions) > 0 {
			report.WriteTable(stderr, regressions, o.baseline)
		}
	} else {
		report.WriteTable(stdout, regressions, o.baseline)
	}
	var jsonBuf bytes.Buffer
	_ = report.WriteJSON(&jsonBuf)
	if o.writeBaseline != "" {
		if err := writeOutput(o.writeBaseline, jsonBuf.Bytes(), nil); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	if o.save != "" {
		if err := os.MkdirAll(o.save, 0o755); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
		name := report.Summary.Timestamp.UTC().Format("20060102T150405Z") + "-" + shortRev(report.Summary.Commit) + ".json"
		if err := writeOutput(filepath.Join(o.save, name), jsonBuf.Bytes(), nil); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	if o.junit != "" {
		var buf bytes.Buffer
		if err := report.WriteJUnit(&buf); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitInternal
		}
		if err := writeOutput(o.junit, buf.Bytes(), nil); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	if o.md != "" {
		var buf bytes.Buffer
		report.WriteMarkdown(&buf, regressions, o.baseline)
		if err := writeOutput(o.md, buf.Bytes(), nil); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	if o.htmlFile != "" {
		var buf bytes.Buffer
		if err := report.WriteHTML(&buf); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitInternal
		}
		if err := writeOutput(o.htmlFile, buf.Bytes(), nil); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	if len(regressions) > 0 {
		code = exitFailure
	}
	return code
}

// applyManifest takes from a recording what replaying it needs, unless a
// flag says otherwise.
func applyManifest(o *evalOpts, cfg *config, m *eval.Manifest) {
	if !o.modelsSet && m.Model != "" {
		o.models = listFlag{m.Model}
	}
	if !o.judgeModelSet && m.JudgeModel != "" {
		o.judgeModel = m.JudgeModel
	}
	if m.Mode != "" {
		cfg.LLMMode = m.Mode
	}
	if m.MaxTokens > 0 {
		cfg.MaxTokens = m.MaxTokens
	}
	cfg.Reasoning, cfg.ReasoningEffort = m.Reasoning, m.ReasoningEffort
	o.clock = m.RecordedAt
	if m.BaseURL != "" {
		cfg.OpenAIBaseURL = m.BaseURL
	}
	// The provider shapes the request bodies the recordings are keyed by:
	// the recorded one, else the one the recorded endpoint implies (not
	// the default endpoint's, OpenAI, whose calls add prompt_cache_key).
	switch {
	case m.Provider != "":
		cfg.Provider = m.Provider
	case m.BaseURL != "":
		cfg.Provider = llm.DetectProvider(m.BaseURL)
	}
	if m.JudgeBaseURL != "" && o.judgeBaseURL == "" {
		o.judgeBaseURL = m.JudgeBaseURL
	}
	if !o.promptsSet {
		if st, err := os.Stat(filepath.Join(o.from, "prompts")); err == nil && st.IsDir() {
			o.promptDirs = listFlag{filepath.Join(o.from, "prompts")}
		}
	}
	if o.judgePrompt == "" {
		if _, err := os.Stat(filepath.Join(o.from, "judge.md")); err == nil {
			o.judgePrompt = filepath.Join(o.from, "judge.md")
		}
	}
	if len(o.cases) == 0 {
		o.cases = append(o.cases, m.Cases...)
	}
}

// evaluator runs configurations of the same cases.
type evaluator struct {
	ctx         context.Context
	cfg         config
	log         *slog.Logger
	stderr      io.Writer
	o           evalOpts
	judgeSystem string
	scan        *secretscan.Scanner
	schemas     *schema.Set
	linter      *lint.Linter
}

func (e *evaluator) init() error {
	var err error
	if e.scan, err = secretscan.New(); err != nil {
		return err
	}
	if e.schemas, err = section.Schemas(); err != nil {
		return err
	}
	e.linter = lint.New(e.scan)
	return nil
}

// run evaluates the cases with one model and one prompts directory. A nil
// report comes with the exit code to return.
func (e *evaluator) run(loaded []*eval.Case, model, promptsDir string) (*eval.Report, int) {
	cfg, o, stderr := e.cfg, e.o, e.stderr
	// No cache: every case is written for real, so latency, calls and cost
	// are measured.
	gc := generate.Config{Screener: e.scan, Linter: e.linter, Logger: e.log, Schemas: e.schemas,
		Concurrency: cfg.Concurrency, MaxAttempts: cfg.MaxAttempts, Deadline: cfg.Deadline, Now: wallClock}
	// A recording and its replay see one clock: a recording is dated once,
	// at its start, and a replay runs at that moment (the judge reads the
	// dates of requests without as_of; a replay a minute later asked it
	// another question and found no recording).
	clock := o.clock
	if o.record != "" {
		clock = wallClock().UTC().Truncate(time.Second)
	}
	if !clock.IsZero() {
		gc.Now = func() time.Time { return clock }
	}
	rc := eval.Config{Linter: e.linter, Repeat: o.repeat, Concurrency: o.concurrency, Progress: stderr, Provider: o.provider, Runbooks: o.runbooks,
		AllowFallback: o.allowFallback, Commit: evalCommit()}
	if p, err := loadPrompts(promptsDir); err == nil {
		rc.PromptsHash = p.Version()
	}
	if o.runbooks != "" {
		rc.Provider = "stored runbooks in " + o.runbooks
	}
	var replayer *eval.Replayer
	cfg.Model, cfg.PromptsDir = model, promptsDir
	if o.provider != "offline" {
		var transport = http.DefaultTransport
		retries := cfg.Retries
		if o.provider == "openai" {
			if o.record != "" {
				rec, err := eval.NewRecorder(o.record, nil)
				if err != nil {
					fmt.Fprintln(stderr, "rotor eval:", err)
					return nil, exitFailure
				}
				transport = rec
			}
		} else {
			var err error
			if replayer, err = eval.NewReplayer(o.from); err != nil {
				fmt.Fprintln(stderr, "rotor eval:", err)
				return nil, exitFailure
			}
			transport, retries = replayer, 0
			if cfg.OpenAIKey == "" {
				cfg.OpenAIKey = "replay"
			}
		}
		client, p, err := buildLLM(cfg, transport, retries)
		if err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return nil, exitUsage
		}
		gc.LLM, gc.Prompts, gc.Endpoint, gc.Provider = client, p, cfg.OpenAIBaseURL, cfg.Provider
		// The model reads the prose too, as when serving (no cache: every
		// text is read for real, its calls counted with the case's).
		if gc.Reader, err = intake.NewModelReader(generate.IntakeAsker(client, cfg.OpenAIBaseURL, nil), nil, 0); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return nil, exitInternal
		}
		// The judge is its own client (its own breaker and budget), on its
		// own model and endpoint when given.
		jcfg := cfg
		if o.judgeModel != "" {
			jcfg.Model = o.judgeModel
		} else {
			fmt.Fprintf(stderr, "rotor eval: the judge is the model under test (%s): pass --judge-model for an independent one\n", cfg.Model)
		}
		if o.judgeBaseURL != "" {
			jcfg.OpenAIBaseURL = o.judgeBaseURL
			if cfg.JudgeAPIKey != "" {
				jcfg.OpenAIKey = cfg.JudgeAPIKey
			}
		}
		judgeClient, _, err := buildLLM(jcfg, transport, retries)
		if err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return nil, exitUsage
		}
		if rc.Judge, err = eval.NewLLMJudge(judgeClient, e.judgeSystem); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return nil, exitInternal
		}
		rc.Model, rc.JudgeModel, rc.PromptsHash = cfg.Model, jcfg.Model, p.Version()
		if !client.PriceKnown() {
			fmt.Fprintf(stderr, "rotor eval: %s has no price: its cost is reported as unknown (ROTOR_PRICES sets one)\n", cfg.Model)
		}
		if o.record != "" {
			if err := e.writeManifest(cfg, jcfg, clock); err != nil {
				fmt.Fprintln(stderr, "rotor eval:", err)
				return nil, exitFailure
			}
		}
	}
	rc.Generator = generate.New(gc)
	report := eval.NewRunner(rc).Run(e.ctx, loaded)
	code := exitOK
	if replayer != nil {
		if misses := replayer.Misses(); len(misses) > 0 {
			fmt.Fprintf(stderr, "rotor eval: %d kind(s) of LLM request had no recording in %s (prompts, schemas, model or request changed since it was recorded): %s\n",
				len(misses), o.from, strings.Join(misses, ", "))
			code = exitFailure
		}
	}
	var parts []string
	for _, c := range report.Cases {
		if names := eval.NotWrittenByTheModel(c); names != "" {
			parts = append(parts, c.Name+": "+names)
		}
	}
	if len(parts) > 0 {
		fmt.Fprintf(stderr, "rotor eval: sections written by the offline writer, not the model: %s\n", strings.Join(parts, "; "))
	}
	if report.Summary.Failed > 0 || report.Summary.FellBack > 0 {
		code = exitFailure
	}
	return report, code
}

// wallClock is the eval's clock (tests set it).
var wallClock = time.Now

// writeManifest saves, beside the recordings, what replaying them needs:
// the model and judge, the request shape, the prompts and the judge's
// instructions, and the cases, so `--from DIR` alone replays the run.
func (e *evaluator) writeManifest(cfg, jcfg config, recordedAt time.Time) error {
	m := eval.Manifest{Model: cfg.Model, JudgeModel: jcfg.Model, BaseURL: cfg.OpenAIBaseURL, Provider: cfg.Provider, JudgeBaseURL: e.o.judgeBaseURL,
		Mode: cfg.LLMMode, MaxTokens: cfg.MaxTokens, Reasoning: cfg.Reasoning, ReasoningEffort: cfg.ReasoningEffort,
		Cases: e.o.cases, RecordedAt: recordedAt, Commit: evalCommit()}
	if err := eval.WriteManifest(e.o.record, &m); err != nil {
		return err
	}
	var src fs.FS = prompts.FS
	if cfg.PromptsDir != "" {
		src = os.DirFS(cfg.PromptsDir)
	}
	if err := copyTemplates(src, filepath.Join(e.o.record, "prompts")); err != nil {
		return fmt.Errorf("record prompts: %w", err)
	}
	if e.judgeSystem != "" {
		return os.WriteFile(filepath.Join(e.o.record, "judge.md"), []byte(e.judgeSystem), 0o644)
	}
	return nil
}

// copyTemplates copies the prompt templates of src into dir.
func copyTemplates(src fs.FS, dir string) error {
	return fs.WalkDir(src, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".tmpl") {
			return err
		}
		data, err := fs.ReadFile(src, path)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
}

// loadPrompts loads the prompts of a directory, or the embedded ones.
func loadPrompts(dir string) (*prompts.Set, error) {
	if dir == "" {
		return section.LoadPrompts(prompts.FS)
	}
	return section.LoadPrompts(os.DirFS(dir))
}

// many runs each configuration (the two sides of --compare, or every model
// × prompts directory) and writes the comparison or the matrix.
func (e *evaluator) many(loaded []*eval.Case, stdout io.Writer) int {
	type conf struct{ label, model, prompts string }
	var confs []conf
	if len(e.o.compare) == 2 {
		for _, side := range e.o.compare {
			if st, err := os.Stat(side); err == nil && st.IsDir() {
				confs = append(confs, conf{"prompts " + side, e.o.models[0], side})
			} else {
				confs = append(confs, conf{"model " + side, side, e.o.promptDirs[0]})
			}
		}
	} else {
		for _, m := range e.o.models {
			for _, p := range e.o.promptDirs {
				label := m + " · prompts " + p
				if p == "" {
					label = m + " · built-in prompts"
				}
				confs = append(confs, conf{label, m, p})
			}
		}
	}
	code := exitOK
	var cols []eval.Column
	for _, c := range confs {
		fmt.Fprintf(e.stderr, "rotor eval: %s\n", c.label)
		rep, rc := e.run(loaded, c.model, c.prompts)
		if rep == nil {
			return rc
		}
		if rc != exitOK {
			code = exitFailure
		}
		cols = append(cols, eval.Column{Label: c.label, Report: rep})
	}
	if err := os.MkdirAll(e.o.out, 0o755); err != nil {
		fmt.Fprintln(e.stderr, "rotor eval:", err)
		return exitFailure
	}
	var page, doc bytes.Buffer
	var name string
	enc := json.NewEncoder(&doc)
	enc.SetIndent("", "  ")
	if len(e.o.compare) == 2 {
		cmp := eval.SideBySide(cols[0].Label, cols[0].Report, cols[1].Label, cols[1].Report)
		name = "compare"
		_ = cmp.WriteHTML(&page)
		_ = enc.Encode(cmp)
		cmp.WriteTable(stdout)
	} else {
		m := eval.NewMatrix(cols)
		name = "matrix"
		_ = m.WriteHTML(&page)
		_ = enc.Encode(m)
		m.WriteTable(stdout)
	}
	for ext, data := range map[string][]byte{".html": page.Bytes(), ".json": doc.Bytes()} {
		if err := writeOutput(filepath.Join(e.o.out, name+ext), data, nil); err != nil {
			fmt.Fprintln(e.stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	fmt.Fprintf(stdout, "\nwrote %s and %s\n", filepath.Join(e.o.out, name+".html"), filepath.Join(e.o.out, name+".json"))
	if e.o.asJSON {
		_, _ = stdout.Write(doc.Bytes())
	}
	return code
}

func shortRev(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	if c == "" {
		return "unknown"
	}
	return c
}

// evalCommit is the rotor revision an eval report names: the binary's VCS
// stamp or, when the build recorded none (`go run`, `go test`, or
// GOFLAGS=-buildvcs=false in `go env`), the commit checked out in the
// working directory (`git rev-parse HEAD`, "+dirty" when `git status`
// lists changes, as the stamp would); "unknown" when neither says.
func evalCommit() string {
	if rev := buildInfo().Revision; rev != "unknown" {
		return rev
	}
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	rev := strings.TrimSpace(string(out))
	if err != nil || rev == "" {
		return "unknown"
	}
	if st, err := exec.Command("git", "status", "--porcelain").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		rev += "+dirty"
	}
	return rev
}
