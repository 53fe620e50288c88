package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// readmeCommandRE finds a rotor subcommand as the README writes it: `go
// run ./cmd/rotor eval ...`, `rotor healthcheck --worker`, `./rotor serve`.
var readmeCommandRE = regexp.MustCompile(`(?:go run \./cmd/rotor|(?:^|[\s(` + "`" + `])(?:\./)?rotor) (serve|generate|lint|eval|worker|healthcheck|catalog list|catalog check|catalog)\b([^` + "`" + `]*)`)

// readmeFlagRE is a flag in a command's arguments.
var readmeFlagRE = regexp.MustCompile(`^--?([a-z][a-z0-9-]*)`)

// readmeFlags lists, per subcommand, the flags the README shows it with
// (in code blocks and inline code), "eval" -> {"compare", "out", ...}.
func readmeFlags(t *testing.T) map[string]map[string]bool {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	out := map[string]map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		for _, m := range readmeCommandRE.FindAllStringSubmatch(line, -1) {
			args := m[2]
			// The command ends at a comment, a pipe, a redirection or the
			// next command.
			if i := strings.IndexAny(args, "#|>;)"); i >= 0 {
				args = args[:i]
			}
			if i := strings.Index(args, "&&"); i >= 0 {
				args = args[:i]
			}
			for _, f := range strings.Fields(args) {
				if fm := readmeFlagRE.FindStringSubmatch(f); fm != nil {
					if out[m[1]] == nil {
						out[m[1]] = map[string]bool{}
					}
					out[m[1]][fm[1]] = true
				}
			}
		}
	}
	return out
}

// TestReadmeFlagsAreInHelp: every flag the README shows a subcommand with
// is in that subcommand's -h (the newcomer found `eval --compare` in the
// README and not in `rotor eval -h`).
func TestReadmeFlagsAreInHelp(t *testing.T) {
	flags := readmeFlags(t)
	if len(flags["eval"]) < 10 || !flags["generate"]["view"] || !flags["healthcheck"]["worker"] {
		t.Fatalf("the README's commands were not read: %v", flags)
	}
	var subs []string
	for sub := range flags {
		subs = append(subs, sub)
	}
	sort.Strings(subs)
	for _, sub := range subs {
		var out, errb bytes.Buffer
		run(context.Background(), append(strings.Fields(sub), "-h"), env(nil), strings.NewReader(""), &out, &errb)
		help := out.String() + errb.String()
		for f := range flags[sub] {
			if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(f) + `\b`).MatchString(help) {
				t.Errorf("README shows `rotor %s --%s`, which `rotor %s -h` does not list:\n%s", sub, f, sub, help)
			}
		}
	}
}

// TestUsageListsEveryFlag: `rotor` alone (its usage) lists every flag of
// every subcommand, on that subcommand's lines (newcomer4: the usage had no
// --runbooks, --save, --history, --html, --compare or --out, which
// `rotor eval -h` and the README have).
func TestUsageListsEveryFlag(t *testing.T) {
	flagRE := regexp.MustCompile(`(?m)^\s+-([a-z][a-z0-9-]*)\b`)
	for _, sub := range []string{"serve", "generate", "lint", "healthcheck", "eval", "catalog list"} {
		var out, errb bytes.Buffer
		run(context.Background(), append(strings.Fields(sub), "-h"), env(nil), strings.NewReader(""), &out, &errb)
		flags := flagRE.FindAllStringSubmatch(out.String()+errb.String(), -1)
		if len(flags) == 0 {
			t.Errorf("`rotor %s -h` lists no flag", sub)
			continue
		}
		// Every line of the subcommand (it may have several forms).
		var lines string
		for _, part := range strings.Split(usage, "\n  rotor ")[1:] {
			if strings.HasPrefix(part, sub+" ") {
				lines += part + "\n"
			}
		}
		if lines == "" {
			t.Errorf("the usage has no `rotor %s` line", sub)
			continue
		}
		for _, f := range flags {
			if !regexp.MustCompile(`(^|[\s\[])--?` + regexp.QuoteMeta(f[1]) + `\b`).MatchString(lines) {
				t.Errorf("the usage's `rotor %s` lacks -%s (in `rotor %s -h`)", sub, f[1], sub)
			}
		}
	}
}
