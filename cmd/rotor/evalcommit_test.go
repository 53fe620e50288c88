package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalSaveNamesTheCommit: a binary without a VCS stamp (go test, go
// run, or GOFLAGS=-buildvcs=false in `go env`, as on newcomer5's machine)
// names a saved report after the commit checked out where it runs, not
// "-unknown.json".
func TestEvalSaveNamesTheCommit(t *testing.T) {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skip("not in a git checkout")
	}
	want := "-" + shortRev(strings.TrimSpace(string(out))) + ".json"
	dir := t.TempDir()
	if code, _, stderr := cliEnv(t, nil, "eval", "--cases", "../../eval/cases/minimal.yaml", "--save", dir); code != exitOK {
		t.Fatalf("exit %d %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 1 || !strings.HasSuffix(files[0], want) {
		t.Errorf("saved %v, want a name ending in %s", files, want)
	}
}
