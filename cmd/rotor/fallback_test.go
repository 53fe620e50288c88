package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
)

// cliEnv runs the command with these variables.
func cliEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, env(vars), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// refusingModel answers every section like the model double except
// those listed, which it refuses.
func refusingModel(t *testing.T, refused ...runbook.SectionID) *llmtest.Server {
	t.Helper()
	req, err := decode.ParseRequest(acme(t))
	if err != nil {
		t.Fatal(err)
	}
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	t.Cleanup(fake.Close)
	fake.Default(func(name string) llmtest.Reply {
		if name == "rotor_judge" {
			return llmtest.OK(`{"score": 8, "reasons": ["ordered and safe"]}`)
		}
		for _, id := range refused {
			if name == schema.Name(id) {
				return llmtest.Reply{Kind: llmtest.Refusal}
			}
		}
		return llmtest.OK(answers[name])
	})
	return fake
}

// TestGenerateFailsWhenSectionsFellBack: a runbook the model did not
// write (some or every section from the offline writer after the model
// failed) is still written, but `rotor generate` exits 1 naming the
// sections and why, unless --allow-fallback says that is fine. Offline
// runs, which asked no model, exit 0.
func TestGenerateFailsWhenSectionsFellBack(t *testing.T) {
	fake := refusingModel(t, runbook.SectionRollback)
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_MAX_ATTEMPTS": "1"}
	out := filepath.Join(t.TempDir(), "rb.json")
	code, _, stderr := cliEnv(t, vars, "generate", "-i", "../../eval/requests/acme-payments.json", "-o", out)
	if code != exitFailure || !strings.Contains(stderr, "rollback") || !strings.Contains(stderr, "--allow-fallback") || !strings.Contains(stderr, "refusal") {
		t.Errorf("one section fell back: exit %d\n%s", code, stderr)
	}
	var rb runbook.Runbook
	if data, err := os.ReadFile(out); err != nil || json.Unmarshal(data, &rb) != nil || rb.SectionStatus[runbook.SectionRollback].Source != runbook.SourceFallback {
		t.Errorf("the runbook was not written: %v", err)
	}
	code, _, stderr = cliEnv(t, vars, "generate", "-i", "../../eval/requests/acme-payments.json", "-o", out, "--allow-fallback")
	if code != exitOK || !strings.Contains(stderr, "rollback") {
		t.Errorf("--allow-fallback: exit %d\n%s", code, stderr)
	}
	// Every section falling back is the same failure, louder.
	all := refusingModel(t, section.IDs()...)
	vars["OPENAI_BASE_URL"] = all.BaseURL()
	code, stdout, stderr := cliEnv(t, vars, "generate", "-i", "../../eval/requests/acme-payments.json", "-f", "md")
	if code != exitFailure || !strings.Contains(stderr, "every section") || !strings.Contains(stdout, "by the offline writer: every section fell back") {
		t.Errorf("every section fell back: exit %d\n%s\n%.400s", code, stderr, stdout)
	}
	if code, _, stderr := cliEnv(t, nil, "generate", "-i", "../../eval/requests/acme-payments.json", "-o", out); code != exitOK {
		t.Errorf("offline: exit %d %s", code, stderr)
	}
}

// TestEvalFailsWhenSectionsFellBack: an eval whose sections fell back
// exits 1, stored runbooks scored with --runbooks included, unless
// --allow-fallback.
func TestEvalFailsWhenSectionsFellBack(t *testing.T) {
	fake := refusingModel(t, runbook.SectionRollback)
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_MAX_ATTEMPTS": "1"}
	cases := "../../eval/cases/acme-payments.yaml"
	code, _, stderr := cliEnv(t, vars, "eval", "--provider", "openai", "--judge-model", "gpt-4o-mini", "--cases", cases)
	if code != exitFailure || !strings.Contains(stderr, "rollback") {
		t.Errorf("openai: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := cliEnv(t, vars, "eval", "--provider", "openai", "--judge-model", "gpt-4o-mini", "--cases", cases, "--allow-fallback")
	if code != exitOK || !strings.Contains(stderr, "rollback") {
		t.Errorf("openai --allow-fallback: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// A stored runbook says itself that a section fell back.
	dir := t.TempDir()
	out := filepath.Join(dir, "acme-payments.json")
	if code, _, stderr := cliEnv(t, vars, "generate", "-i", "../../eval/requests/acme-payments.json", "-o", out, "--allow-fallback"); code != exitOK {
		t.Fatalf("generate: %d %s", code, stderr)
	}
	code, _, stderr = cliEnv(t, nil, "eval", "--runbooks", dir, "--cases", cases)
	if code != exitFailure || !strings.Contains(stderr, "rollback") {
		t.Errorf("--runbooks: exit %d\n%s", code, stderr)
	}
	if code, _, stderr = cliEnv(t, nil, "eval", "--runbooks", dir, "--cases", cases, "--allow-fallback"); code != exitOK {
		t.Errorf("--runbooks --allow-fallback: exit %d\n%s", code, stderr)
	}
}

// TestGPT6SolIsWrittenByTheModel: the issue's own case: gpt-6-sol, which
// go-openai knows to be a reasoning model, used to be sent max_tokens; the
// library refused every call before sending and every section fell back
// while generate exited 0. Now the model writes every section.
func TestGPT6SolIsWrittenByTheModel(t *testing.T) {
	fake := refusingModel(t)
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_MODEL": "gpt-6-sol"}
	code, stdout, stderr := cliEnv(t, vars, "generate", "-i", "../../eval/requests/acme-payments.json")
	var rb runbook.Runbook
	if code != exitOK || json.Unmarshal([]byte(stdout), &rb) != nil {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for id, st := range rb.SectionStatus {
		if st.Source != runbook.SourceLLM {
			t.Errorf("%s: %s (%s)", id, st.Source, st.Reason)
		}
	}
	for _, r := range fake.Requests() {
		if r.MaxTokens == 0 || strings.Contains(string(r.Body), `"max_tokens"`) || strings.Contains(string(r.Body), `"temperature"`) {
			t.Errorf("%s sent %s", r.SchemaName, r.Body[:min(len(r.Body), 200)])
			break
		}
	}
}
