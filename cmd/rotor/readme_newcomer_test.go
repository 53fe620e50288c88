package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The steps newcomers had to guess when they followed the README literally
// from a fresh clone (/work/coord/reviews/newcomer4.md), each a test.

// readmeText is the README.
func readmeText(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// readmeBlocks is every ```sh block of the README section under heading (up
// to the next heading of its level or above), joined in order: a section
// may stop its block for prose the reader needs while a service runs.
func readmeBlocks(t *testing.T, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(readmeText(t), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	level := heading[:strings.Index(heading, " ")+1]
	for _, end := range []string{"\n## ", "\n" + level} {
		if i := strings.Index(rest, end); i >= 0 {
			rest = rest[:i]
		}
	}
	var blocks []string
	for {
		_, after, ok := strings.Cut(rest, "```sh\n")
		if !ok {
			break
		}
		block, after2, ok := strings.Cut(after, "```\n")
		if !ok {
			t.Fatalf("an sh block under %q does not end", heading)
		}
		blocks = append(blocks, block)
		rest = after2
	}
	if len(blocks) == 0 {
		t.Fatalf("no sh block under %q", heading)
	}
	return strings.Join(blocks, "")
}

// seedTermRE is the README's word for the prompt rotor grew from: "seed
// prompt", "the seed template", "the seed's request", "the Acme Payments
// seed"; not "seeded" or fuzz "seeds".
var seedTermRE = regexp.MustCompile(`\b[Ss]eed(?:'s)?\b`)

// TestReadmeSaysWhatTheSeedIs: the first time the README says "seed" it
// says what the seed prompt is, in prose, with a link to the file in the
// repository that holds it (its template and its example output). newcomer4
// met "shaped like the seed prompt's example" in the Try it block, and the
// term was explained nowhere.
func TestReadmeSaysWhatTheSeedIs(t *testing.T) {
	text := readmeText(t)
	loc := seedTermRE.FindStringIndex(text)
	if loc == nil {
		t.Fatal("the README never says seed: this test needs updating")
	}
	before := text[:loc[0]]
	if strings.Count(before, "```")%2 == 1 {
		line := strings.Count(before, "\n") + 1
		t.Fatalf("the README first says %q inside a code block (line %d), before saying what it is", text[loc[0]:loc[1]+7], line)
	}
	// The paragraph of the first use.
	start := strings.LastIndex(before, "\n\n") + 2
	end := strings.Index(text[loc[0]:], "\n\n")
	para := text[start : loc[0]+end]
	link := regexp.MustCompile(`\]\(([^)#]+)\)`).FindStringSubmatch(para)
	if link == nil {
		t.Fatalf("the paragraph that first says seed links no file saying what the seed prompt is:\n%s", para)
	}
	data, err := os.ReadFile(filepath.Join("../..", link[1]))
	if err != nil {
		t.Fatalf("the seed paragraph links %s: %v", link[1], err)
	}
	for _, want := range []string{"Prompt Template", "Example Output", "Acme Payments", "Rotation Sequence"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("%s lacks the seed prompt's %q", link[1], want)
		}
	}
}

// TestReadmeOpensPagesWhileServing: every "open <http://localhost:8080...>"
// the README asks of a reader comes while a service it started runs: after
// a `rotor serve &` and before the `kill $ROTOR_PID` that stops it.
// newcomer4 read "In a browser: open http://localhost:8080/" right after the
// Try it block had killed the service.
func TestReadmeOpensPagesWhileServing(t *testing.T) {
	openRE := regexp.MustCompile(`(?i)\bopen <?http://localhost:8080`)
	running, opens := false, 0
	for i, line := range strings.Split(readmeText(t), "\n") {
		switch {
		case strings.Contains(line, "rotor serve &"):
			running = true
		case strings.Contains(line, "kill $ROTOR_PID"):
			running = false
		}
		if openRE.MatchString(line) {
			opens++
			if !running {
				t.Errorf("README line %d asks to open a page with no service running (after its kill, or before its start): %s", i+1, line)
			}
		}
	}
	if opens == 0 {
		t.Fatal("the README asks to open no page: this test needs updating")
	}
}

// TestReadmeNpxIsPinned: every npx command of the README (and of the
// promptfoo config's comment) installs without asking (--yes: in a
// non-interactive shell npx otherwise cancels) a pinned version. newcomer4's
// `npx @redocly/cli lint` was cancelled, and would have taken whatever
// version was newest.
func TestReadmeNpxIsPinned(t *testing.T) {
	pinned := regexp.MustCompile(`^(?:@[a-z0-9-]+/)?[a-z0-9.-]+@\d+\.\d+\.\d+$`)
	files := map[string]string{"README.md": readmeText(t)}
	if data, err := os.ReadFile("../../eval/promptfoo/promptfooconfig.yaml"); err == nil {
		files["eval/promptfoo/promptfooconfig.yaml"] = string(data)
	} else {
		t.Fatal(err)
	}
	n := 0
	for name, text := range files {
		for _, m := range regexp.MustCompile("npx((?: +[^ `\n]+)+)").FindAllStringSubmatch(text, -1) {
			n++
			args := strings.Fields(m[1])
			yes, pkg := false, ""
			for _, a := range args {
				if a == "--yes" || a == "-y" {
					yes = true
					continue
				}
				if !strings.HasPrefix(a, "-") {
					pkg = a
					break
				}
			}
			if !yes {
				t.Errorf("%s: `npx%s` has no --yes (npx cancels without it in a non-interactive shell)", name, m[1])
			}
			if !pinned.MatchString(pkg) {
				t.Errorf("%s: `npx%s` runs %q, not a pinned version (name@x.y.z)", name, m[1], pkg)
			}
		}
	}
	if n < 3 {
		t.Fatalf("found %d npx commands: this test needs updating", n)
	}
}

// TestReadmeEvalOfflineRuns runs the eval section's offline block as
// pasted (bash -eu, the go shim, ./rotor, a scratch directory holding the
// checkout's cases and requests): every case, a subset with --cases, the
// reports, --save and --history, and --runbooks on a directory the block
// itself makes. newcomer4 met `eval --runbooks DIR` with nothing saying how
// to make DIR; with one runbook in it the other 26 cases failed, and
// --cases, which picks the cases, was not in the README.
func TestReadmeEvalOfflineRuns(t *testing.T) {
	bin := rotorBinary(t)
	block := readmeBlock(t, "## Evaluating prompts and models (for prompt engineers)")
	for _, want := range []string{"--cases ", "--runbooks ", "--save ", "--history "} {
		if !strings.Contains(block, want) {
			t.Fatalf("the eval section's first block lacks %q (this test needs updating with it):\n%s", want, block)
		}
	}
	dir := t.TempDir()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "eval"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"cases", "requests"} {
		if err := os.Symlink(filepath.Join(repo, "eval", d), filepath.Join(dir, "eval", d)); err != nil {
			t.Fatal(err)
		}
	}
	shims := goShimDir(t, dir)
	// The binary "Try it" built.
	if err := os.WriteFile(filepath.Join(dir, "rotor"), []byte("#!/bin/sh\nexec "+bin+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-eu", "-c", block)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + shims + ":" + os.Getenv("PATH"), "HOME=" + dir, asRotor + "=1", "ROTORTEST_BIN=" + bin}
	inGroup(cmd)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	killGroup(cmd)
	if err != nil {
		t.Fatalf("the README's offline eval block failed: %v\n%s\n--- block:\n%s", err, buf.String(), block)
	}
	text := buf.String()
	cases, err := filepath.Glob(filepath.Join(repo, "eval/cases/*.yaml"))
	if err != nil || len(cases) < 2 {
		t.Fatalf("cases: %v %v", cases, err)
	}
	runbooks, _ := filepath.Glob(filepath.Join(dir, "runbooks/*.json"))
	if len(runbooks) != len(cases) {
		t.Errorf("the block made %d runbooks for %d cases", len(runbooks), len(cases))
	}
	for _, want := range []string{
		"(provider stored runbooks in runbooks)",
		"(provider stored runbooks in my-runbooks)",
		"1/1 cases passed",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the block's output lacks %q:\n%s", want, text)
		}
	}
	if saved, _ := filepath.Glob(filepath.Join(dir, "eval/history/*.json")); len(saved) != 1 {
		t.Errorf("--save wrote %d reports", len(saved))
	}
}

// TestReadmeDefinesItsWordsBeforeTryIt: newcomer6 met "offline writer",
// "fallback", "open items", "appendices" and "considered" in Try it and the
// page paragraph long before the README said what they are.
func TestReadmeDefinesItsWordsBeforeTryIt(t *testing.T) {
	text := readmeText(t)
	try := strings.Index(text, "\n## Try it")
	if try < 0 {
		t.Fatal("the README has no Try it section: this test needs updating")
	}
	for _, term := range []string{"offline writer", "fallback", "open item", "operator card", "appendices", "considered"} {
		if !strings.Contains(text[:try], "**"+term+"**") {
			t.Errorf("the README uses %q from Try it on but does not say what it is (in bold) before it", term)
		}
	}
}

// TestBrowserScreenshotsLeaveNothingUntracked: the README's screenshot
// command, run with docs as its directory, writes a whole-page shot that
// the README does not keep (newcomer6 found it untracked).
func TestBrowserScreenshotsLeaveNothingUntracked(t *testing.T) {
	out, err := exec.Command("git", "-C", "../..", "check-ignore", "-q", "docs/runbook-page-full.png").CombinedOutput()
	if err != nil {
		t.Errorf("docs/runbook-page-full.png is not git-ignored (%v %s)", err, out)
	}
}
