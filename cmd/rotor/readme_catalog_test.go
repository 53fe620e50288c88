package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeBlock is the first ```sh block after the README heading.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	block, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatalf("no sh block under %q", heading)
	}
	return block
}

// TestReadmeCatalogExampleRuns: the organisation's catalogue example runs
// as pasted, from a checkout with the built rotor (./rotor) and nothing
// else: the newcomer's copy of acme-ledger.yaml alone was refused (unknown
// product "ledgerctl": products.yaml was not copied), and `rotor` was no
// command.
func TestReadmeCatalogExampleRuns(t *testing.T) {
	bin := rotorBinary(t)
	block := readmeBlock(t, "### The organisation's catalogue")
	dir := t.TempDir()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repo, "internal"), filepath.Join(dir, "internal")); err != nil {
		t.Fatal(err)
	}
	wrapper := "#!/bin/sh\nexec " + bin + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "rotor"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", block)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), asRotor + "=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's catalogue example failed: %v\n%s\n--- block:\n%s", err, out, block)
	}
	for _, want := range []string{"./catalog: ok: 1 provider file(s)", "acme-ledger-settlement-hmac", "ledgerctl"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
