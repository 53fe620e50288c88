package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/secretscan"
)

func lintCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("i", "", "runbook JSON file, - for stdin")
	format := fs.String("f", "text", "output format: text or json")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *in == "" {
		fmt.Fprintln(stderr, "rotor lint: -i is required")
		return exitUsage
	}
	data, err := readInput(*in, stdin)
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	rb, err := lint.Decode(data)
	if err != nil {
		printError(stderr, err)
		return exitFailure
	}
	scan, err := secretscan.New()
	if err != nil {
		printError(stderr, err)
		return exitInternal
	}
	findings := lint.New(scan).Lint(rb)
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(map[string]any{"findings": findings})
	} else {
		for _, f := range findings {
			id := ""
			if f.SecretID != "" {
				id = " [" + f.SecretID + "]"
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s%s: %s\n", f.Severity, f.Rule, f.Section, id, f.Message)
		}
		fmt.Fprintf(stdout, "%d finding(s), %d error(s)\n", len(findings), len(lint.Errors(findings)))
	}
	if lint.HasErrors(findings) {
		return exitFailure
	}
	return exitOK
}
