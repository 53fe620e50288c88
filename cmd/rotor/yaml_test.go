package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// aliasBomb is a request in YAML whose notes are nine levels of nine
// aliases: a few hundred bytes that a YAML decoder expands to 9^9 strings
// (gigabytes).
func aliasBomb() []byte {
	var b strings.Builder
	b.WriteString(`a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		fmt.Fprintf(&b, "%c: &%c [%s]\n", c, c, strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ","))
		prev = string(c)
	}
	b.WriteString("system: Billing\nsecrets: [{name: Mailgun API key, notes: *i}]\n")
	return []byte(b.String())
}

// TestYAMLAliasBombIsRefused: the bomb is refused before anything is
// expanded: under 50 MB of allocation. It logs the time it took (a speed,
// not a pass mark: a loaded machine must not make it red).
func TestYAMLAliasBombIsRefused(t *testing.T) {
	bomb := aliasBomb()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := requestJSON("bomb.yaml", bomb)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d-byte alias bomb refused in %v, %d bytes allocated", len(bomb), took, grew)
	if err == nil || !strings.Contains(err.Error(), "anchors, aliases and merge keys are not accepted (line 1)") {
		t.Fatalf("got %v", err)
	}
	if grew > 50<<20 {
		t.Errorf("refusing the bomb allocated %d bytes", grew)
	}
	// The command says so, and exits 1.
	path := filepath.Join(t.TempDir(), "bomb.yaml")
	if err := os.WriteFile(path, bomb, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "", "generate", "-i", path)
	if code != exitFailure || stdout != "" || !strings.Contains(stderr, "write the request out in full") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	// Merge keys expand too; deep flow nesting is bounded.
	for name, doc := range map[string]string{
		"merge key": "base: &b {owner: Platform}\nsystem: S\nsecrets: [{<<: *b, name: x}]\n",
		"deep":      "system: S\nsecrets: [{name: x, notes: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}]\n",
	} {
		if _, err := requestJSON("r.yaml", []byte(doc)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// BenchmarkYAMLAliasBomb measures refusing the bomb (-benchmem: bytes per
// refusal).
func BenchmarkYAMLAliasBomb(b *testing.B) {
	bomb := aliasBomb()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := requestJSON("bomb.yaml", bomb); err == nil {
			b.Fatal("accepted")
		}
	}
}

// TestGenerateStopsOnSIGTERM: `rotor generate` waiting on its input (here
// stdin that never ends) stops at SIGTERM, says so and writes nothing.
func TestGenerateStopsOnSIGTERM(t *testing.T) {
	bin := rotorBinary(t)
	out := filepath.Join(t.TempDir(), "runbook.json")
	cmd := rotorCommand(bin, nil, "generate", "-i", "-", "-o", out)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// A request still being written: more than a pipe holds (64 KiB), so
	// once the write returns rotor is reading its input (and handles
	// SIGTERM), and less than a body may be, so it waits for the rest.
	partial := "system: Billing\n" + strings.Repeat("# a request still being written\n", 128<<10/32)
	if _, err := io.WriteString(stdin, partial); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err = <-done
	if cmd.ProcessState.ExitCode() != exitFailure || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %v: %s", err, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an output was written: %v", err)
	}
}
