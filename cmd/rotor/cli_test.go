package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
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
	// Move the first contain step to the end: the leak is no longer contained first.
	tr := &rb.Sections.RotationSequence.Tracks[0]
	tr.Steps[0].Phase = runbook.PhaseCleanup
	broken, _ := json.Marshal(rb)
	code, stdout, _ = cli(t, string(broken), "lint", "-i", "-", "-f", "json")
	if code != exitFailure || !strings.Contains(stdout, `"rule": "leak-contained-first"`) {
		t.Errorf("broken: exit %d %s", code, stdout)
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
