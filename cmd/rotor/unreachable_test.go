package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// TestUnreachableModelNamesTheCause: with a model endpoint nothing listens
// on, the first calls fail with "connection refused" and open the circuit
// breaker; every later call is refused by the breaker. The newcomer saw
// only "circuit breaker open" for every section, on stderr, in
// section_status and in the header, and could not tell a mistyped
// OPENAI_BASE_URL from an outage. Each of them must name the cause and the
// endpoint.
func TestUnreachableModelNamesTheCause(t *testing.T) {
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"}
	dir := t.TempDir()
	out := filepath.Join(dir, "rb.json")
	code, _, stderr := cliEnv(t, vars, "generate", "-i", "../../eval/requests/acme-payments.json", "-o", out)
	if code != exitFailure {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"connection refused", "http://127.0.0.1:1/v1"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	var rb runbook.Runbook
	data, err := os.ReadFile(out)
	if err != nil || json.Unmarshal(data, &rb) != nil {
		t.Fatalf("runbook: %v", err)
	}
	for _, id := range section.IDs() {
		st := rb.SectionStatus[id]
		if st.Source != runbook.SourceFallback || !strings.Contains(st.Reason, "connection refused") || !strings.Contains(st.Reason, "127.0.0.1:1") {
			t.Errorf("%s: %s %q: the cause is not named", id, st.Source, st.Reason)
		}
	}
	_, md, _ := cliEnv(t, vars, "generate", "-i", "../../eval/requests/acme-payments.json", "-f", "md", "--allow-fallback")
	head, _, _ := strings.Cut(md, "\n## ")
	if !strings.Contains(head, "connection refused") {
		t.Errorf("the header does not name the cause:\n%s", head)
	}
}

// TestReadinessNamesWhyTheBreakerOpened: /readyz, after a request against
// an endpoint nothing listens on, says the breaker is open and why.
func TestReadinessNamesWhyTheBreakerOpened(t *testing.T) {
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": "http://127.0.0.1:1/v1"})
	if resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t)); resp.StatusCode != 200 {
		t.Fatalf("POST: %d %.300s", resp.StatusCode, body)
	}
	_, body := do(t, "GET", s.base+"/readyz", "", nil)
	if !strings.Contains(string(body), "circuit breaker open") || !strings.Contains(string(body), "connection refused") || !strings.Contains(string(body), "127.0.0.1:1") {
		t.Errorf("readyz: %s", body)
	}
}
