// Package redistest gives tests a real Redis: the shared one at REDIS_URL
// (default redis://127.0.0.1:6379), or a private redis-server they can kill
// and restart. When Redis is required (ROTOR_REQUIRE_REDIS=1 or CI set, as
// .ci/run does) a missing Redis fails the test; otherwise it is skipped with a
// message saying why. go test -short skips every test that needs Redis.
package redistest

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rotor-dev/rotor/internal/store"
)

func required() bool { return os.Getenv("ROTOR_REQUIRE_REDIS") != "" || os.Getenv("CI") != "" }

// short skips a test that needs Redis under go test -short.
func short(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Redis: skipped by -short")
	}
}

func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if required() {
		t.Fatalf("Redis is required here: %s", msg)
	}
	t.Skipf("no Redis (%s); set REDIS_URL or run .ci/run, which starts one", msg)
}

// URL returns the shared Redis's URL after checking it answers.
func URL(t testing.TB) string {
	t.Helper()
	short(t)
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("REDIS_URL: %v", err)
	}
	c := redis.NewClient(opts)
	defer c.Close()
	// Long enough that no load makes a live Redis look absent; a Redis
	// that is not there refuses the connection at once.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		unavailable(t, "%s does not answer: %v", url, err)
	}
	return url
}

// Prefix is a key namespace of its own for one test, so tests sharing a
// Redis never see each other's keys.
func Prefix(t testing.TB) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "rotor:test:" + hex.EncodeToString(b[:]) + ":"
}

// Server is a private redis-server.
type Server struct {
	Port int
	URL  string
	dir  string
	cmd  *exec.Cmd
}

// Start runs a private redis-server on a free port, stopped at the end of
// the test.
func Start(t testing.TB) *Server {
	t.Helper()
	short(t)
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		unavailable(t, "redis-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &Server{Port: port, URL: fmt.Sprintf("redis://127.0.0.1:%d/0", port), dir: t.TempDir()}
	s.start(t, bin)
	t.Cleanup(s.Kill)
	return s
}

func (s *Server) start(t testing.TB, bin string) {
	t.Helper()
	s.cmd = exec.Command(bin, "--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir, "--protected-mode", "no")
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("redis-server: %v", err)
	}
	// Ready when it says so (however long a loaded machine takes), or
	// failed when it exits first.
	var log strings.Builder
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		log.WriteString(lines.Text() + "\n")
		if strings.Contains(lines.Text(), "Ready to accept connections") {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return
		}
	}
	_ = s.cmd.Wait()
	s.cmd = nil
	t.Fatalf("redis-server on port %d did not start:\n%s", s.Port, log.String())
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// Restart starts the server again on the same port (empty: it keeps nothing).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Kill()
	bin, _ := exec.LookPath("redis-server")
	s.start(t, bin)
}

// Client is a plain go-redis client for assertions.
func Client(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// Store is rotor's Redis store on url under prefix, closed at the end of
// the test. Its per-call timeout is long: a live Redis answers well within
// 10 s however loaded the machine, and a dead one refuses at once.
func Store(t testing.TB, url, prefix string) *store.Redis {
	t.Helper()
	r, err := store.NewRedis(url, store.RedisOptions{Prefix: prefix, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
