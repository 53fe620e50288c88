package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// promptfooBin finds promptfoo: PROMPTFOO_BIN, or the copy .ci/run installs
// under .ci/node. Where it must run (CI, ROTOR_REQUIRE_PROMPTFOO) a missing
// one fails the test; elsewhere it is skipped saying how to get it.
func promptfooBin(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs promptfoo (Node): skipped by -short")
	}
	if p := os.Getenv("PROMPTFOO_BIN"); p != "" {
		return p
	}
	if p, err := filepath.Abs("../../.ci/node/node_modules/.bin/promptfoo"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("ROTOR_REQUIRE_PROMPTFOO") != "" {
		t.Fatal("promptfoo is required here (.ci/run installs it: npm install --prefix .ci/node promptfoo@0.118.17)")
	}
	t.Skip("no promptfoo: npm install --prefix .ci/node promptfoo@0.118.17, or run .ci/run")
	return ""
}

type promptfooStats struct {
	Results struct {
		Stats struct {
			Successes, Failures, Errors int
		}
		Prompts []struct {
			Metrics struct {
				AssertPassCount int
				AssertFailCount int
			}
		}
	}
}

// runPromptfoo runs eval/promptfoo's config against url and reads its
// summary.
func runPromptfoo(t *testing.T, bin, url string) (int, promptfooStats, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.json")
	cmd := exec.CommandContext(t.Context(), bin, "eval", "--no-cache", "--no-write", "--no-progress-bar", "-o", out)
	cmd.Dir = "../../eval/promptfoo"
	cmd.Env = append(os.Environ(), "ROTOR_URL="+url, "PROMPTFOO_DISABLE_TELEMETRY=1", "PROMPTFOO_DISABLE_UPDATE=1", "PROMPTFOO_CONFIG_DIR="+t.TempDir())
	logs, _ := cmd.CombinedOutput()
	var st promptfooStats
	if data, err := os.ReadFile(out); err == nil {
		_ = json.Unmarshal(data, &st)
	}
	return cmd.ProcessState.ExitCode(), st, string(logs)
}

// promptfooTests and promptfooChecks are the tests of the shipped config
// and the checks they make in all (five each); the README says both, as
// promptfoo prints the first ("Successes: 4").
const promptfooTests, promptfooChecks = 4, 20

// promptfooWarnRE is a warning line of promptfoo's own.
var promptfooWarnRE = regexp.MustCompile(`^\[[A-Za-z ]*Provider\]|(?i)^\s*(npm )?warn`)

// TestReadmeSaysWhatPromptfooPrints: the README says how many tests
// promptfoo counts and how many checks they make (newcomer4 read "all 20
// checks pass" and saw "Successes: 4"), and runs it with the environment
// the test runs it with (no telemetry: offline, a stack trace).
func TestReadmeSaysWhatPromptfooPrints(t *testing.T) {
	readme := strings.Join(strings.Fields(readmeText(t)), " ")
	for _, want := range []string{
		fmt.Sprintf("Successes: %d", promptfooTests),
		fmt.Sprintf("%d checks in all", promptfooChecks),
		"PROMPTFOO_DISABLE_TELEMETRY=1",
		"The first `npx` run downloads",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("the README's promptfoo part lacks %q", want)
		}
	}
	cfg, err := os.ReadFile("../../eval/promptfoo/promptfooconfig.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Tests       []any `yaml:"tests"`
		DefaultTest struct {
			Assert []any `yaml:"assert"`
		} `yaml:"defaultTest"`
	}
	if err := yaml.Unmarshal(cfg, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Tests) != promptfooTests || len(c.Tests)*len(c.DefaultTest.Assert) != promptfooChecks {
		t.Errorf("the config has %d tests of %d checks; the README and the test say %d and %d in all",
			len(c.Tests), len(c.DefaultTest.Assert), promptfooTests, promptfooChecks)
	}
}

// TestPromptfooDrivesTheAPI: the shipped promptfoo config drives POST
// /runbooks as an HTTP provider and checks each runbook with rotor's domain
// checks (its linter through POST /runbooks/lint, coverage, order, kills):
// every check passes on rotor's runbooks, and fails on a service that
// answers runbooks whose revoke steps were deleted.
func TestPromptfooDrivesTheAPI(t *testing.T) {
	bin := promptfooBin(t)
	s := startServer(t, nil)
	code, st, logs := runPromptfoo(t, bin, s.base)
	if code != 0 || st.Results.Stats.Successes != promptfooTests || st.Results.Stats.Failures != 0 || len(st.Results.Prompts) != 1 || st.Results.Prompts[0].Metrics.AssertPassCount != promptfooChecks {
		t.Fatalf("rotor: exit %d %+v\n%s", code, st, logs)
	}
	// What a reader of the README sees: every warning promptfoo prints is
	// explained there (newcomer4 met four unexplained ones).
	readme := readmeText(t)
	for _, line := range strings.Split(logs, "\n") {
		if !promptfooWarnRE.MatchString(line) {
			continue
		}
		key := line
		if len(key) > 60 {
			key = key[:60]
		}
		if !strings.Contains(strings.Join(strings.Fields(readme), " "), strings.Join(strings.Fields(key), " ")) {
			t.Errorf("promptfoo prints a warning the README does not explain: %s", line)
		}
	}

	// A service whose runbooks lost their revoke steps.
	tampered := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		resp, err := http.Post(s.base+r.URL.Path, "application/json", bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(502)
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if r.URL.Path == "/runbooks" {
			var rb runbook.Runbook
			if json.Unmarshal(data, &rb) == nil && rb.Sections.RotationSequence != nil {
				for i := range rb.Sections.RotationSequence.Tracks {
					tr := &rb.Sections.RotationSequence.Tracks[i]
					var keep []runbook.Step
					for _, st := range tr.Steps {
						if st.Phase != runbook.PhaseRevoke {
							keep = append(keep, st)
						}
					}
					tr.Steps = keep
				}
				data, _ = json.Marshal(rb)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(data)
	}))
	defer tampered.Close()
	code, st, logs = runPromptfoo(t, bin, tampered.URL)
	if code == 0 || st.Results.Stats.Failures == 0 {
		t.Errorf("tampered runbooks passed: exit %d %+v\n%s", code, st, logs)
	}
}
