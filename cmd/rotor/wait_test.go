package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests wait for events (a log line, a job's done event), never for a
// while: a loaded machine makes them slower, not red.

// syncBuffer collects a server's log lines (safe for concurrent writes) and
// lets a test wait for one.
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed and replaced at every write
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitLine waits for a log line containing every one of want, and returns
// it; it fails the test if exited is closed (or sends) first.
func (s *syncBuffer) waitLine(t testing.TB, exited <-chan struct{}, want ...string) string {
	t.Helper()
	line, ok := s.lineOrExit(exited, want...)
	if !ok {
		t.Fatalf("exited before logging %q:\n%s", want, s.String())
	}
	return line
}

// lineOrExit waits for a log line containing every one of want (true), or
// for exited to close first (false).
func (s *syncBuffer) lineOrExit(exited <-chan struct{}, want ...string) (string, bool) {
	for {
		s.mu.Lock()
		for _, line := range strings.Split(s.b.String(), "\n") {
			if containsAll(line, want) {
				s.mu.Unlock()
				return line, true
			}
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-exited:
			return "", false
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// listening waits for rotor's "rotor listening" line and returns the base
// URL of the address it names (rotor is started on port 0: no port is
// chosen ahead and raced for).
func (s *syncBuffer) listening(t testing.TB, exited <-chan struct{}) string {
	t.Helper()
	line := s.waitLine(t, exited, `"msg":"rotor listening"`)
	var l struct{ Addr string }
	if err := json.Unmarshal([]byte(line), &l); err != nil || l.Addr == "" {
		t.Fatalf("listening line %q: %v", line, err)
	}
	return "http://" + l.Addr
}

// awaitJob waits for a queued job to end: it follows the job's event stream
// to its last event.
func awaitJob(t testing.TB, base, location string, header ...string) {
	t.Helper()
	resp := open(t, "GET", base+location+"/events", "", nil, header...)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events of %s: %d", location, resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if line := sc.Text(); line == "event: done" || line == "event: error" {
			return
		}
	}
	t.Fatalf("the event stream of %s ended without done: %v", location, sc.Err())
}

// await waits for a value on ch and returns it, failing the test with what
// it waited for shortly before the test's deadline (go test -timeout), so
// no clock of its own runs out on a loaded machine.
func await[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	var expire <-chan time.Time
	if dl, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dl.Deadline(); ok {
			expire = time.After(time.Until(d) - 30*time.Second)
		}
	}
	select {
	case v := <-ch:
		return v
	case <-expire:
		t.Fatalf("gave up waiting, at the test's deadline, for %s", what)
	}
	panic("unreachable")
}
