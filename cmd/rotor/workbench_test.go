package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/eval"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
)

// twoModels answers like a good model for gpt-4o-mini, and refuses the
// rollback for gpt-4.1 (so the comparison has something to show); the judge
// passes everything.
func twoModels(t *testing.T) *llmtest.Server {
	t.Helper()
	cs, err := eval.LoadCases("../../eval/cases/minimal.yaml", "../../eval/cases/acme-payments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bySystem := map[string]map[string]string{}
	for _, c := range cs {
		bySystem[c.Request.System] = offlineAnswers(t, c.Request)
	}
	fake := llmtest.New("sk-test-fake")
	t.Cleanup(fake.Close)
	fake.DefaultByRequest(func(r llmtest.Recorded) llmtest.Reply {
		if r.SchemaName == "rotor_judge" {
			return llmtest.OK(`{"score": 9, "reasons": ["fine"]}`)
		}
		if r.Model == "gpt-4.1" && r.SchemaName == schema.Name(runbook.SectionRollback) {
			return llmtest.Reply{Kind: llmtest.Refusal}
		}
		for sys, m := range bySystem {
			if llmtest.DataSystem(r.User) == sys {
				return llmtest.OK(m[r.SchemaName])
			}
		}
		return llmtest.OK("{}")
	})
	return fake
}

// TestEvalCompareTwoModels: `rotor eval --compare A B` runs the cases with
// each and writes compare.html and compare.json side by side: each case's
// two scores, the assertions that changed, both runbooks.
func TestEvalCompareTwoModels(t *testing.T) {
	fake := twoModels(t)
	out := t.TempDir()
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_MAX_ATTEMPTS": "1"}
	code, stdout, stderr := cliEnv(t, vars, "eval", "--provider", "openai", "--judge-model", "gpt-4o-mini", "--cases", "../../eval/cases/minimal.yaml",
		"--cases", "../../eval/cases/acme-payments.yaml", "--compare", "gpt-4o-mini", "gpt-4.1", "--out", out)
	if code != exitFailure { // gpt-4.1's rollback fell back
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var cmp eval.Comparison
	data, err := os.ReadFile(filepath.Join(out, "compare.json"))
	if err != nil || json.Unmarshal(data, &cmp) != nil {
		t.Fatalf("compare.json: %v\n%s", err, stderr)
	}
	if cmp.A.Label != "model gpt-4o-mini" || cmp.B.Label != "model gpt-4.1" || len(cmp.Cases) != 2 {
		t.Fatalf("comparison %+v", cmp)
	}
	for _, c := range cmp.Cases {
		if c.RunbookA == "" || c.RunbookB == "" {
			t.Errorf("%s: runbooks not kept", c.Case)
		}
		changed := false
		for _, a := range c.Changed {
			changed = changed || (a.Label == "model wrote sections" || strings.Contains(a.Label, "model"))
		}
		if !changed || c.ScoreB >= c.ScoreA {
			t.Errorf("%s: %.2f → %.2f, changed %+v", c.Case, c.ScoreA, c.ScoreB, c.Changed)
		}
	}
	page, err := os.ReadFile(filepath.Join(out, "compare.html"))
	if err != nil || !strings.Contains(string(page), "model gpt-4.1") || !strings.Contains(string(page), "Rotation Runbook - Acme Payments") {
		t.Errorf("compare.html: %v", err)
	}
	if !strings.Contains(stdout, "gpt-4.1") || !strings.Contains(stdout, "compare.html") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

// TestEvalMatrix: several --model and --prompts run every combination and
// write matrix.html and matrix.json (cases × configurations).
func TestEvalMatrix(t *testing.T) {
	fake := twoModels(t)
	out := t.TempDir()
	edited := filepath.Join(t.TempDir(), "prompts")
	if err := copyTemplates(os.DirFS("../../prompts"), edited); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_MAX_ATTEMPTS": "1"}
	code, stdout, stderr := cliEnv(t, vars, "eval", "--provider", "openai", "--judge-model", "gpt-4o-mini", "--cases", "../../eval/cases/minimal.yaml",
		"--model", "gpt-4o-mini", "--model", "gpt-4.1", "--prompts", "../../prompts", "--prompts", edited, "--out", out, "--allow-fallback")
	if code != exitOK {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var m eval.Matrix
	data, err := os.ReadFile(filepath.Join(out, "matrix.json"))
	if err != nil || json.Unmarshal(data, &m) != nil {
		t.Fatalf("matrix.json: %v\n%s", err, stderr)
	}
	if len(m.Columns) != 4 || len(m.Rows) != 1 || len(m.Rows[0].Scores) != 4 {
		t.Errorf("matrix %+v", m)
	}
	if _, err := os.Stat(filepath.Join(out, "matrix.html")); err != nil {
		t.Error(err)
	}
}

// TestEvalReplayNeedsOnlyTheRecording: a run recorded with its own model,
// judge and edited prompts replays from `--from DIR` alone.
func TestEvalReplayNeedsOnlyTheRecording(t *testing.T) {
	fake := twoModels(t)
	rec := filepath.Join(t.TempDir(), "rec")
	edited := filepath.Join(t.TempDir(), "prompts")
	if err := copyTemplates(os.DirFS("../../prompts"), edited); err != nil {
		t.Fatal(err)
	}
	tmpl := filepath.Join(edited, "sections", "rollback.tmpl")
	b, _ := os.ReadFile(tmpl)
	if err := os.WriteFile(tmpl, append(b, []byte("\nBe brief.\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()}
	code, stdout, stderr := cliEnv(t, vars, "eval", "--provider", "openai", "--model", "gpt-4o-mini", "--judge-model", "gpt-4.1",
		"--prompts", edited, "--cases", "../../eval/cases/minimal.yaml", "--record", rec)
	if code != exitOK {
		t.Fatalf("record: exit %d\n%s\n%s", code, stdout, stderr)
	}
	fake.Close()
	code, stdout, stderr = cliEnv(t, nil, "eval", "--from", rec)
	if code != exitOK || strings.Contains(stderr, "no recording") || !strings.Contains(stdout, "judge gpt-4.1") || !strings.Contains(stdout, "1/1 cases passed") {
		t.Errorf("replay: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestEvalHistory: runs saved with --save show per-case scores over time.
func TestEvalHistory(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		if code, _, stderr := cliEnv(t, nil, "eval", "--cases", "../../eval/cases/minimal.yaml", "--save", dir); code != exitOK {
			t.Fatalf("exit %d %s", code, stderr)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Fatal("nothing saved")
	}
	code, stdout, stderr := cliEnv(t, nil, "eval", "--history", dir)
	if code != exitOK || !strings.Contains(stdout, "minimal") || !strings.Contains(stdout, "CASE") {
		t.Errorf("history: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestEvalJudgeOnItsOwnEndpoint: with --judge-base-url (and
// ROTOR_JUDGE_API_KEY) the judge's calls go to its own server with its own
// key, and the model under test's server sees none of them.
func TestEvalJudgeOnItsOwnEndpoint(t *testing.T) {
	model := twoModels(t)
	judge := llmtest.New("sk-judge-only")
	t.Cleanup(judge.Close)
	judge.Default(func(string) llmtest.Reply { return llmtest.OK(`{"score": 8, "reasons": ["clear"]}`) })
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": model.BaseURL(), "ROTOR_JUDGE_API_KEY": "sk-judge-only"}
	code, stdout, stderr := cliEnv(t, vars, "eval", "--provider", "openai", "--model", "gpt-4o-mini", "--judge-model", "judge-1",
		"--judge-base-url", judge.BaseURL(), "--cases", "../../eval/cases/acme-payments.yaml")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	judged := judge.RequestsFor("rotor_judge")
	if len(judged) == 0 || len(judged) != len(judge.Requests()) {
		t.Errorf("the judge's server got %d judge calls of %d", len(judged), len(judge.Requests()))
	}
	for _, r := range judged {
		if r.Model != "judge-1" {
			t.Errorf("judge call for model %q", r.Model)
		}
	}
	if n := len(model.RequestsFor("rotor_judge")); n != 0 {
		t.Errorf("the model under test's server got %d judge calls", n)
	}
}
