package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

func generateCmd(ctx context.Context, args []string, cfg config, log *slog.Logger, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("i", "", "request file (JSON or YAML), - for stdin")
	format := fs.String("f", "json", "output format: json or md")
	out := fs.String("o", "", "output file (default stdout)")
	sections := fs.String("sections", "", "comma-separated sections to generate (default all)")
	view := fs.String("view", "full", "full (the card, then the appendices; JSON: the runbook) or card (the operator card alone)")
	allowFallback := fs.Bool("allow-fallback", false, "exit 0 even when sections fell back to the offline writer because the model failed (they are named on stderr either way)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	// Each wrong flag says its own problem, all of them at once.
	var problems []string
	if *in == "" {
		problems = append(problems, "-i is required (a request file, or - for stdin)")
	}
	if *format != "json" && *format != "md" {
		problems = append(problems, fmt.Sprintf("-f must be json or md, not %q", *format))
	}
	if !runbook.OneOf(render.Views, render.View(*view)) {
		problems = append(problems, fmt.Sprintf("-view must be full or card, not %q", *view))
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(stderr, "rotor generate:", p)
		}
		return exitUsage
	}
	var ids []runbook.SectionID
	if *sections != "" {
		var err error
		if ids, err = section.Parse(strings.Split(*sections, ",")); err != nil {
			printError(stderr, err)
			return exitUsage
		}
	}
	a, err := newApp(cfg, log)
	if err != nil {
		printError(stderr, err)
		return exitInternal
	}
	defer a.close()
	// The work runs apart so that SIGINT or SIGTERM (ctx) stops the command
	// at once, whichever step it is in (reading stdin, converting,
	// generating); the output file is written whole or not at all.
	done := make(chan int, 1)
	go func() {
		done <- generateFile(ctx, a, *in, *format, render.View(*view), *out, ids, *allowFallback, stdin, stdout, stderr)
	}()
	select {
	case code := <-done:
		return code
	case <-ctx.Done():
		fmt.Fprintln(stderr, "rotor: interrupted; nothing was written")
		return exitFailure
	}
}

// generateFile reads a request file, screens, validates and generates it,
// and writes the runbook.
func generateFile(ctx context.Context, a *app, in, format string, view render.View, out string, ids []runbook.SectionID, allowFallback bool, stdin io.Reader, stdout, stderr io.Writer) int {
	data, err := readInput(in, stdin)
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	if data, err = requestJSON(in, data); err != nil {
		printError(stderr, err)
		return exitFailure
	}
	// Screened before it is validated, like a body: no message quotes a
	// pasted secret.
	req, _, err := a.gen.Parse(ctx, data)
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	rb, err := a.gen.Generate(ctx, req, generate.Options{Sections: ids})
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	var buf bytes.Buffer
	switch {
	case format == "md":
		err = render.MarkdownView(&buf, rb, view)
	default:
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if view == render.ViewCard {
			err = enc.Encode(render.BuildCard(rb))
		} else {
			err = enc.Encode(rb)
		}
	}
	if err != nil {
		printError(stderr, err)
		return exitInternal
	}
	if ctx.Err() != nil {
		return exitFailure
	}
	if err := writeOutput(out, buf.Bytes(), stdout); err != nil {
		printError(stderr, err)
		return exitFailure
	}
	// The runbook is safe either way (the offline writer's sections pass
	// the same checks), but a run that asked a model and got the offline
	// writer's work must not look like a success to a script.
	if msg := fallbackSummary(rb); msg != "" {
		fmt.Fprintln(stderr, "rotor:", msg)
		if !allowFallback {
			fmt.Fprintln(stderr, "rotor: the runbook was written; exit 1 because the model did not write it all (pass --allow-fallback to accept that)")
			return exitFailure
		}
	}
	return exitOK
}

// fallbackSummary names the sections that fell back to the offline writer
// because the model failed, with why; "" when none did.
func fallbackSummary(rb *runbook.Runbook) string {
	// Sections with the same reason are listed once with it: ten copies of
	// "circuit breaker open after: connection refused" hide the cause.
	var reasons []string
	byReason := map[string][]string{}
	n := 0
	for _, id := range section.IDs() {
		if st, ok := rb.SectionStatus[id]; ok && st.Source == runbook.SourceFallback {
			if _, seen := byReason[st.Reason]; !seen {
				reasons = append(reasons, st.Reason)
			}
			byReason[st.Reason] = append(byReason[st.Reason], string(id))
			n++
		}
	}
	if n == 0 {
		return ""
	}
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = strings.Join(byReason[r], ", ") + " (" + r + ")"
	}
	if n == len(rb.SectionStatus) {
		return fmt.Sprintf("every section fell back to the offline writer: the model (%s) wrote none of them: %s", rb.Generator.Model, strings.Join(parts, "; "))
	}
	return fmt.Sprintf("%d section(s) fell back to the offline writer: %s", n, strings.Join(parts, "; "))
}
