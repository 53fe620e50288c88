package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goShim stands in for `go` in the README's blocks: `go build -o FILE
// ./cmd/rotor` writes FILE running this test binary as rotor, and `go run
// ./cmd/rotor ARGS` runs it; anything else fails, so a block that needs
// another go command is seen.
const goShim = `#!/bin/sh
if [ "$1" = build ] && [ "$2" = -o ] && [ "$4" = ./cmd/rotor ] && [ $# -eq 4 ]; then
  printf '#!/bin/sh\nexec %s "$@"\n' "$ROTORTEST_BIN" > "$3" && chmod +x "$3"; exit
fi
if [ "$1" = run ] && [ "$2" = ./cmd/rotor ]; then shift 2; exec "$ROTORTEST_BIN" "$@"; fi
echo "the README's go shim does not know: go $*" >&2; exit 2
`

// goShimDir writes goShim as `go` into dir/.bin and returns that folder,
// to be put first on the PATH of a README block.
func goShimDir(t *testing.T, dir string) string {
	t.Helper()
	shims := filepath.Join(dir, ".bin")
	if err := os.Mkdir(shims, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shims, "go"), []byte(goShim), 0o755); err != nil {
		t.Fatal(err)
	}
	return shims
}

// TestReadmeTryItRuns runs the README's "Try it" block as pasted, with bash
// -eu (not pipefail: "curl ... | head" would fail whenever head closes the
// pipe before curl has written all, as a terminal never sees) in a scratch
// directory that holds the checkout's eval/
// (its port, 8080, moved to a free one, so tests can run side by side): it
// builds rotor, starts it, waits for it, posts the seed's request, queues a
// job and follows it, writes and lints a runbook from the command line, and
// stops the service. The newcomer's run hit a literal <id> and a service
// left running; this keeps the block true.
func TestReadmeTryItRuns(t *testing.T) {
	bin := rotorBinary(t)
	// Every sh block of the section: the browser paragraph stands between
	// the commands and the kill, while the service runs.
	block := readmeBlocks(t, "## Try it")
	for _, want := range []string{"go build -o rotor ./cmd/rotor", "./rotor serve &", "localhost:8080", "kill $ROTOR_PID"} {
		if !strings.Contains(block, want) {
			t.Fatalf("the Try it block lacks %q (this test needs updating with it):\n%s", want, block)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	block = strings.ReplaceAll(block, "localhost:8080", "localhost:"+port)

	dir := t.TempDir()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repo, "eval"), filepath.Join(dir, "eval")); err != nil {
		t.Fatal(err)
	}
	shims := goShimDir(t, dir)
	cmd := exec.Command("bash", "-eu", "-c", block)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + shims + ":" + os.Getenv("PATH"), "HOME=" + dir, asRotor + "=1", "ROTORTEST_BIN=" + bin,
		"ROTOR_ADDR=127.0.0.1:" + port}
	inGroup(cmd)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	// A block that fails half-way leaves its rotor serve running, holding
	// the output pipe: Wait returns once bash has exited, and the group
	// (bash's children) is killed.
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	killGroup(cmd)
	out := buf.Bytes()
	if err != nil {
		t.Fatalf("the README's Try it block failed: %v\n%s\n--- block:\n%s", err, out, block)
	}
	text := string(out)
	for _, want := range []string{
		`"strategy"`,                 // the inventory through jq
		"\n202\n",                    // the queued job while it is written, or
		"event: done",                // its event stream to the end
		"Secret Rotation Runbook - ", // Markdown, of the seed and of the job
	} {
		if want == "\n202\n" && !strings.Contains(text, want) && strings.Contains(text, "\n200\n") {
			continue // the job was done before it was asked
		}
		if !strings.Contains(text, want) {
			t.Errorf("the Try it block's output lacks %q:\n%s", want, text)
		}
	}
	for _, f := range []string{"runbook.json", "acme.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the block did not write %s: %v", f, err)
		}
	}
}
