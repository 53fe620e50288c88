package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"syscall"
	"testing"
	"time"
)

// asRotor, set in a child's environment, makes this test binary run rotor's
// main instead of the tests: the processes the tests start (servers,
// workers, generate) are this binary, built once by go test, so no test
// waits for a build of its own.
const asRotor = "ROTORTEST_AS_ROTOR"

// TestMain runs rotor for a child started with asRotor set, else the tests.
func TestMain(m *testing.M) {
	if os.Getenv(asRotor) == "1" {
		os.Unsetenv(asRotor)
		profileUntilSignal()
		main()
		return
	}
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// asRotorProfile, set in a child's environment with asRotor, names a file:
// the child (rotor) records a CPU profile from its start until SIGUSR1,
// writes it there and logs profiledLine (BenchmarkLLMCPU profiles rotor's
// own process this way, apart from the model double's).
const (
	asRotorProfile = "ROTORTEST_CPUPROFILE"
	profiledLine   = "rotortest: cpu profile written"
)

// profileUntilSignal starts the CPU profile asRotorProfile asks for.
func profileUntilSignal() {
	name := os.Getenv(asRotorProfile)
	if name == "" {
		return
	}
	os.Unsetenv(asRotorProfile)
	f, err := os.Create(name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rotortest:", err)
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "rotortest:", err)
		return
	}
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	go func() {
		<-usr1
		pprof.StopCPUProfile()
		_ = f.Close()
		fmt.Fprintln(os.Stderr, profiledLine)
	}()
}

// rotorBinary is the rotor executable the process tests start (this test
// binary; see asRotor). It skips under -short: -short runs what needs no
// built binary.
func rotorBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts rotor processes: skipped by -short")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// rotorCommand is exec.Command for rotor: bin with the environment env
// (KEY=value; nothing is inherited but PATH).
func rotorCommand(bin string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), asRotor + "=1"}, env...)
	inGroup(cmd)
	return cmd
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// dockerBinary builds rotor exactly as the Dockerfile does (static, trimmed,
// stripped), once per test process, for the test of that build. The build
// is bounded by the test's own deadline (go test -timeout), not a clock of
// its own that a loaded machine could run out.
func dockerBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the container's binary: skipped by -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rotor-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		ctx := context.Background()
		if d, ok := t.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, d.Add(-30*time.Second))
			defer cancel()
		}
		out := filepath.Join(dir, "rotor")
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		inGroup(cmd)
		cmd.Cancel = func() error { return killGroup(cmd) }
		cmd.WaitDelay = 10 * time.Second
		b, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, b)
			return
		}
		builtBin = out
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// inGroup runs cmd in a process group of its own, so killGroup ends it
// with all its children (go build's compilers).
func inGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
