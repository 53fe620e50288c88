package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/eval"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env(nil), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestGenerateMarkdownToFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "acme.md")
	code, stdout, stderr := cli(t, "", "generate", "-i", "../../eval/requests/acme-payments.json", "-f", "md", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout should be empty with -o: %q", stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(data), "# API Key and Secret Rotation Runbook - Acme Payments") {
		t.Fatalf("%v %.100s", err, data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestGenerateFromStdinJSONAndYAML(t *testing.T) {
	code, stdout, stderr := cli(t, `{"system":"Billing","secrets":[{"name":"Mailgun API key"}]}`, "generate", "-i", "-")
	var rb runbook.Runbook
	if code != exitOK || json.Unmarshal([]byte(stdout), &rb) != nil || rb.System != "Billing" {
		t.Fatalf("json: exit %d %s %.200s", code, stderr, stdout)
	}
	yamlReq := "system: Billing\nsecrets:\n  - name: Mailgun API key\n    consumers: [mailer]\n"
	code, stdout, stderr = cli(t, yamlReq, "generate", "-i", "-", "-f", "md", "-sections", "inventory")
	if code != exitOK || !strings.Contains(stdout, "| Mailgun API key |") || strings.Contains(stdout, "## Rotation Sequence") {
		t.Fatalf("yaml: exit %d %s %.300s", code, stderr, stdout)
	}
}

func TestGenerateRefusesSecretWithoutEcho(t *testing.T) {
	req := `{"system":"S","secrets":[{"name":"GitHub token","notes":"it is ghp_R8cKxq2Wm9LzT4vN7pBfY3hJ6sD1aG5eU0iO"}]}`
	code, stdout, stderr := cli(t, req, "generate", "-i", "-")
	if code != exitFailure || stdout != "" {
		t.Fatalf("exit %d stdout %q", code, stdout)
	}
	if !strings.Contains(stderr, "secrets[0].notes") || !strings.Contains(stderr, "github-pat") || strings.Contains(stderr, "ghp_") {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestGenerateInvalidInputNamesFields(t *testing.T) {
	code, _, stderr := cli(t, `{"system":"S","secrets":[{"name":"a","kind":"apikey"}],"extra":1}`, "generate", "-i", "-")
	if code != exitFailure || !strings.Contains(stderr, "extra: unknown field") || !strings.Contains(stderr, `secrets[0].kind: "apikey" must be one of`) {
		t.Errorf("exit %d: %s", code, stderr)
	}
	code, _, stderr = cli(t, "", "generate", "-i", "/nonexistent.json")
	if code != exitFailure || !strings.Contains(stderr, "no such file") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func TestLintCommand(t *testing.T) {
	dir := t.TempDir()
	rbPath := filepath.Join(dir, "rb.json")
	if code, _, stderr := cli(t, "", "generate", "-i", "../../eval/requests/public-leak-github-aws.json", "-o", rbPath); code != exitOK {
		t.Fatal(stderr)
	}
	code, stdout, _ := cli(t, "", "lint", "-i", rbPath)
	if code != exitOK || !strings.Contains(stdout, "0 finding(s), 0 error(s)") {
		t.Errorf("clean: exit %d %s", code, stdout)
	}
	data, _ := os.ReadFile(rbPath)
	var rb runbook.Runbook
	if err := json.Unmarshal(data, &rb); err != nil {
		t.Fatal(err)
	}
	// Make the first step that contains a secret a cleanup: the leak is no
	// longer contained first (step 1 checks the providers' own remediation).
	tr := &rb.Sections.RotationSequence.Tracks[0]
	for i := range tr.Steps {
		if tr.Steps[i].SecretID != "" && tr.Steps[i].Phase == runbook.PhaseContain {
			tr.Steps[i].Phase = runbook.PhaseCleanup
			break
		}
	}
	broken, _ := json.Marshal(rb)
	code, stdout, _ = cli(t, string(broken), "lint", "-i", "-", "-f", "json")
	if code != exitFailure || !strings.Contains(stdout, `"rule": "leak-contained-first"`) {
		t.Errorf("broken: exit %d %s", code, stdout)
	}

	// A scheduled runbook whose revoke steps were deleted leaves every old
	// credential alive: an error (it used to pass with no finding).
	acmePath := filepath.Join(dir, "acme.json")
	if code, _, stderr := cli(t, "", "generate", "-i", "../../eval/requests/acme-payments.json", "-o", acmePath); code != exitOK {
		t.Fatal(stderr)
	}
	data, _ = os.ReadFile(acmePath)
	var acme runbook.Runbook
	if err := json.Unmarshal(data, &acme); err != nil {
		t.Fatal(err)
	}
	n := 0
	for ti := range acme.Sections.RotationSequence.Tracks {
		tr := &acme.Sections.RotationSequence.Tracks[ti]
		var keep []runbook.Step
		for _, st := range tr.Steps {
			if st.Phase != runbook.PhaseRevoke {
				n++
				st.Order = n
				keep = append(keep, st)
			}
		}
		tr.Steps = keep
	}
	noRevoke, _ := json.Marshal(acme)
	code, stdout, _ = cli(t, string(noRevoke), "lint", "-i", "-")
	if code != exitFailure || strings.Count(stdout, "old-credential-killed") != 3 {
		t.Errorf("revoke steps removed: exit %d %s", code, stdout)
	}
}

func TestUsageAndConfigErrors(t *testing.T) {
	if code, stdout, _ := cli(t, ""); code != exitUsage || !strings.Contains(stdout, "Usage:") {
		t.Errorf("no args: %d", code)
	}
	if code, _, stderr := cli(t, "", "frobnicate"); code != exitUsage || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %s", code, stderr)
	}
	var errb bytes.Buffer
	code := run(context.Background(), []string{"serve"}, env(map[string]string{"ROTOR_CACHE_TTL": "forever", "ROTOR_LLM": "magic"}), strings.NewReader(""), &bytes.Buffer{}, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "ROTOR_CACHE_TTL") || !strings.Contains(errb.String(), "ROTOR_LLM") {
		t.Errorf("bad config: %d %s", code, errb.String())
	}
}

// TestReadmeConfigTable keeps the README's configuration table in step with
// the variables the code reads and their defaults.
func TestReadmeConfigTable(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	for _, v := range envVars {
		row := "| `" + v.name + "` | "
		if v.def != "" {
			row += "`" + v.def + "` |"
		} else {
			row += "|"
		}
		if !strings.Contains(readme, row) {
			t.Errorf("README lacks the row %q", row)
		}
	}
}

func TestEvalCommand(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "baseline.json")
	md := filepath.Join(dir, "report.md")
	code, stdout, stderr := cli(t, "", "eval", "--cases", "../../eval/cases", "--write-baseline", base, "--md", md)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	shipped, _ := filepath.Glob("../../eval/cases/*.yaml")
	n := len(shipped)
	if n < 16 || !strings.Contains(stdout, fmt.Sprintf("%d/%d cases passed", n, n)) || !strings.Contains(stderr, fmt.Sprintf("[%d/%d]", n, n)) {
		t.Errorf("table or progress missing:\n%s\n%s", stdout, stderr)
	}
	if data, err := os.ReadFile(md); err != nil || !strings.Contains(string(data), "# rotor eval report") {
		t.Errorf("markdown report: %v", err)
	}

	code, stdout, _ = cli(t, "", "eval", "--cases", "../../eval/cases", "--json")
	var rep struct {
		Cases []struct {
			Name       string  `json:"name"`
			Passed     bool    `json:"passed"`
			Score      float64 `json:"score"`
			Assertions []struct {
				Type     string `json:"type"`
				Passed   bool   `json:"passed"`
				Expected string `json:"expected"`
				Found    string `json:"found"`
			} `json:"assertions"`
		} `json:"cases"`
		Summary map[string]any `json:"summary"`
	}
	if code != exitOK || json.Unmarshal([]byte(stdout), &rep) != nil || len(rep.Cases) != n || rep.Summary["passed"] != float64(n) {
		t.Fatalf("--json: exit %d %.300s", code, stdout)
	}
	if a := rep.Cases[0].Assertions[0]; a.Type == "" || a.Expected == "" || a.Found == "" {
		t.Errorf("assertion lacks expected/found: %+v", a)
	}

	// A case that now fails what passed in the baseline: non-zero exit and a diff.
	acmeCase, _ := os.ReadFile("../../eval/cases/acme-payments.yaml")
	broken := strings.Replace(string(acmeCase), "request_file: ../requests/acme-payments.json",
		"request_file: "+filepath.Join(mustAbs(t, "../../eval/requests"), "acme-payments.json"), 1)
	broken = strings.Replace(broken, "- {type: has_step, secret: SendGrid API key, pattern: \"(?i)test send\"}",
		"- {type: has_step, secret: SendGrid API key, pattern: \"(?i)test send\", weight: 1}", 1)
	broken = strings.Replace(broken, `start: "22:00"`, `start: "23:00"`, 1)
	casePath := filepath.Join(dir, "acme-payments.yaml")
	if err := os.WriteFile(casePath, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = cli(t, "", "eval", "--cases", casePath, "--baseline", base)
	if code != exitFailure || !strings.Contains(stdout, "regression(s) against "+base) || !strings.Contains(stdout, "acme-payments") {
		t.Errorf("baseline regression: exit %d\n%s", code, stdout)
	}

	if code, _, stderr := cli(t, "", "eval", "--provider", "replay"); code != exitUsage || !strings.Contains(stderr, "--from") {
		t.Errorf("replay without --from: %d %s", code, stderr)
	}
	if code, _, stderr := cli(t, "", "eval", "--cases", "/nonexistent"); code != exitUsage || !strings.Contains(stderr, "no such file") {
		t.Errorf("missing cases: %d %s", code, stderr)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestEvalRecordAndReplayCommands(t *testing.T) {
	cs, err := eval.LoadCases("../../eval/cases/acme-payments.yaml", "../../eval/cases/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fake := llmtest.New("sk-test-fake")
	answers := map[string]map[string]string{}
	for _, c := range cs {
		answers[c.Request.System] = offlineAnswers(t, c.Request)
	}
	fake.DefaultByRequest(func(r llmtest.Recorded) llmtest.Reply {
		if r.SchemaName == "rotor_judge" {
			return llmtest.OK(`{"score": 8, "reasons": ["ordered and safe"]}`)
		}
		for sys, m := range answers {
			if llmtest.DataSystem(r.User) == sys {
				return llmtest.OK(m[r.SchemaName])
			}
		}
		return llmtest.OK("{}")
	})
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()}
	dir := t.TempDir()
	// The replay runs an hour after the recording (it failed under load when
	// the two ran in different minutes: the runbooks of requests without
	// as_of are dated from the clock, and the judge reads those dates).
	recorded := time.Date(2026, 12, 7, 23, 59, 40, 0, time.UTC)
	wallClock = func() time.Time { return recorded }
	t.Cleanup(func() { wallClock = time.Now })
	run1 := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), args, env(vars), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, stdout, stderr := run1("eval", "--cases", "../../eval/cases/acme-payments.yaml", "--cases", "../../eval/cases/minimal.yaml",
		"--provider", "openai", "--record", dir, "--json")
	if code != exitOK || !strings.Contains(stdout, fmt.Sprintf(`"llm_calls": %d`, len(section.All))) {
		t.Fatalf("record: exit %d %s %.400s", code, stderr, stdout)
	}
	fake.Close()
	wallClock = func() time.Time { return recorded.Add(time.Hour) }
	code, stdout, stderr = run1("eval", "--cases", "../../eval/cases/acme-payments.yaml", "--cases", "../../eval/cases/minimal.yaml",
		"--provider", "replay", "--from", dir)
	if code != exitOK || !strings.Contains(stdout, "2/2 cases passed") || !strings.Contains(stdout, "0 skipped") {
		t.Errorf("replay: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// Against an edited prompt the replay reports what no longer matches.
	pdir := t.TempDir()
	copyDir(t, "../../prompts", pdir)
	f := filepath.Join(pdir, "sections", "automation.tmpl")
	data, _ := os.ReadFile(f)
	_ = os.WriteFile(f, append(data, []byte("Mention the budget.\n")...), 0o644)
	code, _, stderr = run1("eval", "--cases", "../../eval/cases/minimal.yaml", "--provider", "replay", "--from", dir, "--prompts", pdir)
	if code != exitFailure || !strings.Contains(stderr, "had no recording") || !strings.Contains(stderr, "rotor_automation") {
		t.Errorf("edited prompt: exit %d %s", code, stderr)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGenerateCardView: --view card writes the operator card alone, as
// Markdown or as the card's JSON; an unknown view is a usage error.
func TestGenerateCardView(t *testing.T) {
	code, stdout, stderr := cli(t, "", "generate", "-i", "../../eval/requests/acme-payments.json", "-f", "md", "--view", "card")
	if code != exitOK || !strings.HasPrefix(stdout, "# Operator card - Acme Payments") || strings.Contains(stdout, "Appendices") || strings.Contains(stdout, "## Priority Inventory") {
		t.Fatalf("md: exit %d %s %.300s", code, stderr, stdout)
	}
	code, stdout, stderr = cli(t, "", "generate", "-i", "../../eval/requests/acme-payments.json", "--view", "card")
	var card struct {
		System   string            `json:"system"`
		Groups   []json.RawMessage `json:"groups"`
		Sections json.RawMessage   `json:"sections"`
	}
	if code != exitOK || json.Unmarshal([]byte(stdout), &card) != nil || card.System != "Acme Payments" || len(card.Groups) == 0 || card.Sections != nil {
		t.Fatalf("json: exit %d %s %.300s", code, stderr, stdout)
	}
	code, stdout, _ = cli(t, "", "generate", "-i", "../../eval/requests/acme-payments.json", "-f", "md", "-view", "full")
	if code != exitOK || !strings.Contains(stdout, "## Operator card") || !strings.Contains(stdout, "## Priority Inventory") {
		t.Fatalf("full: exit %d %.300s", code, stdout)
	}
	if code, _, stderr = cli(t, "", "generate", "-i", "../../eval/requests/acme-payments.json", "--view", "poster"); code != exitUsage || !strings.Contains(stderr, "view") {
		t.Errorf("unknown view: exit %d %s", code, stderr)
	}
}
