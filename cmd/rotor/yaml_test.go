package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
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
// expanded. The bounds asked for are under 1 s and 50 MB; the test fails
// only past 30 s (a loaded machine must not make it flaky) and 50 MB of
// allocation, and logs what it measured.
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
	if grew > 50<<20 || took > 30*time.Second {
		t.Errorf("refusing the bomb took %v and %d bytes", took, grew)
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
	bin := buildBinary(t)
	out := filepath.Join(t.TempDir(), "runbook.json")
	cmd := exec.Command(bin, "generate", "-i", "-", "-o", out)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	inGroup(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	_, _ = io.WriteString(stdin, "system: Billing\n") // a request still being written
	time.Sleep(500 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		if cmd.ProcessState.ExitCode() != exitFailure || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("exit %v: %s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = killGroup(cmd)
		<-done
		t.Fatal("rotor generate ignored SIGTERM for 30 s")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an output was written: %v", err)
	}
}
