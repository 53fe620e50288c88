package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"strings"

	"github.com/rotor-dev/rotor/eval"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/secretscan"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func evalCmd(ctx context.Context, args []string, cfg config, log *slog.Logger, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cases listFlag
	fs.Var(&cases, "cases", "case file or directory (repeatable; default eval/cases)")
	provider := fs.String("provider", "offline", "offline, openai or replay")
	model := fs.String("model", cfg.Model, "model under test, for openai and replay (ROTOR_MODEL)")
	judgeModel := fs.String("judge-model", "", "model scoring rubric assertions (default: the model under test, which then grades itself)")
	junit := fs.String("junit", "", "write a JUnit XML report to FILE (for CI)")
	promptsDir := fs.String("prompts", cfg.PromptsDir, "directory with edited prompt templates (ROTOR_PROMPTS_DIR)")
	repeat := fs.Int("repeat", 1, "runs per case; pass rates are reported per assertion")
	concurrency := fs.Int("concurrency", 1, "cases run at once")
	baseline := fs.String("baseline", "", "a previous --json report to compare with")
	writeBaseline := fs.String("write-baseline", "", "write this run's JSON report to FILE")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	mdFile := fs.String("md", "", "write a Markdown report to FILE")
	record := fs.String("record", "", "with --provider openai: save every LLM exchange to DIR")
	from := fs.String("from", "", "with --provider replay: the recordings directory")
	allowFallback := fs.Bool("allow-fallback", false, "exit 0 even when sections fell back to the offline writer because the model failed (they are listed either way)")
	runbooks := fs.String("runbooks", "", "score the runbooks in DIR (DIR/<case>.json, written by another release or tool) instead of generating them")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	switch {
	case *provider != "offline" && *provider != "openai" && *provider != "replay":
		fmt.Fprintf(stderr, "rotor eval: --provider %q must be offline, openai or replay\n", *provider)
		return exitUsage
	case *record != "" && *provider != "openai":
		fmt.Fprintln(stderr, "rotor eval: --record needs --provider openai")
		return exitUsage
	case *from != "" && *provider != "replay", *provider == "replay" && *from == "":
		fmt.Fprintln(stderr, "rotor eval: --provider replay and --from DIR go together")
		return exitUsage
	case *provider == "openai" && cfg.OpenAIKey == "":
		fmt.Fprintln(stderr, "rotor eval: --provider openai needs OPENAI_API_KEY")
		return exitUsage
	}
	cases = append(cases, fs.Args()...)
	if len(cases) == 0 {
		cases = listFlag{"eval/cases"}
	}
	loaded, err := eval.LoadCases(cases...)
	if err != nil {
		fmt.Fprintln(stderr, "rotor eval:", err)
		return exitUsage
	}
	scan, err := secretscan.New()
	if err != nil {
		fmt.Fprintln(stderr, "rotor eval:", err)
		return exitInternal
	}
	schemas, err := schema.NewSet()
	if err != nil {
		fmt.Fprintln(stderr, "rotor eval:", err)
		return exitInternal
	}
	linter := lint.New(scan)
	// No cache: every case is written for real, so latency, calls and cost
	// are measured.
	gc := generate.Config{Screener: scan, Linter: linter, Logger: log, Schemas: schemas,
		Concurrency: cfg.Concurrency, MaxAttempts: cfg.MaxAttempts, Deadline: cfg.Deadline}
	rc := eval.Config{Linter: linter, Repeat: *repeat, Concurrency: *concurrency, Progress: stderr, Provider: *provider, Runbooks: *runbooks, AllowFallback: *allowFallback}
	if *runbooks != "" {
		rc.Provider = "stored runbooks in " + *runbooks
	}
	var replayer *eval.Replayer
	cfg.Model, cfg.PromptsDir = *model, *promptsDir
	if *provider != "offline" {
		var transport = http.DefaultTransport
		retries := cfg.Retries
		if *provider == "openai" {
			if *record != "" {
				rec, err := eval.NewRecorder(*record, nil)
				if err != nil {
					fmt.Fprintln(stderr, "rotor eval:", err)
					return exitFailure
				}
				transport = rec
			}
		} else {
			if replayer, err = eval.NewReplayer(*from); err != nil {
				fmt.Fprintln(stderr, "rotor eval:", err)
				return exitFailure
			}
			transport, retries = replayer, 0
			if cfg.OpenAIKey == "" {
				cfg.OpenAIKey = "replay"
			}
		}
		client, p, err := buildLLM(cfg, transport, retries)
		if err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitUsage
		}
		gc.LLM, gc.Prompts, gc.Endpoint = client, p, cfg.OpenAIBaseURL
		// The judge is its own client (its own breaker and budget), on its
		// own model when one is given.
		jcfg := cfg
		if *judgeModel != "" {
			jcfg.Model = *judgeModel
		} else {
			fmt.Fprintf(stderr, "rotor eval: the judge is the model under test (%s): pass --judge-model for an independent one\n", cfg.Model)
		}
		judgeClient, _, err := buildLLM(jcfg, transport, retries)
		if err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitUsage
		}
		if rc.Judge, err = eval.NewLLMJudge(judgeClient); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitInternal
		}
		rc.Model, rc.JudgeModel = cfg.Model+" (prompts "+p.Version()+")", jcfg.Model
		if !client.PriceKnown() {
			fmt.Fprintf(stderr, "rotor eval: %s has no price: its cost is reported as unknown (ROTOR_PRICES sets one)\n", cfg.Model)
		}
	}
	rc.Generator = generate.New(gc)
	report := eval.NewRunner(rc).Run(ctx, loaded)

	var regressions []eval.Regression
	if *baseline != "" {
		base, err := eval.LoadReport(*baseline)
		if err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitUsage
		}
		regressions = eval.Compare(base, report)
	}
	if *asJSON {
		_ = report.WriteJSON(stdout)
		if len(regressions) > 0 {
			report.WriteTable(stderr, regressions, *baseline)
		}
	} else {
		report.WriteTable(stdout, regressions, *baseline)
	}
	if *writeBaseline != "" {
		var buf bytes.Buffer
		_ = report.WriteJSON(&buf)
		if err := writeOutput(*writeBaseline, buf.Bytes(), nil); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	if *junit != "" {
		var buf bytes.Buffer
		if err := report.WriteJUnit(&buf); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitInternal
		}
		if err := writeOutput(*junit, buf.Bytes(), nil); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	if *mdFile != "" {
		var buf bytes.Buffer
		report.WriteMarkdown(&buf, regressions, *baseline)
		if err := writeOutput(*mdFile, buf.Bytes(), nil); err != nil {
			fmt.Fprintln(stderr, "rotor eval:", err)
			return exitFailure
		}
	}
	code := exitOK
	if replayer != nil {
		if misses := replayer.Misses(); len(misses) > 0 {
			fmt.Fprintf(stderr, "rotor eval: %d kind(s) of LLM request had no recording in %s (prompts, schemas, model or request changed since it was recorded): %s\n",
				len(misses), *from, strings.Join(misses, ", "))
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
	if report.Summary.Failed > 0 || len(regressions) > 0 || report.Summary.FellBack > 0 {
		code = exitFailure
	}

	return code
}
