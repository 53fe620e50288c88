package main

import (
	"testing"

	"github.com/rotor-dev/rotor/eval"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
)

// TestEvalModelReadsTheProse: `rotor eval` against a model measures what
// serving does, the model's reading of each constraint and note included
// (one call per text), so a prompt or model change that breaks the reading
// shows in the eval.
func TestEvalModelReadsTheProse(t *testing.T) {
	fake := twoModels(t)
	fake.Reads(llmtest.NewReader())
	cs, err := eval.LoadCases("../../eval/cases/acme-payments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()}
	code, stdout, stderr := cliEnv(t, vars, "eval", "--provider", "openai", "--model", "gpt-4o-mini", "--judge-model", "gpt-4.1",
		"--cases", "../../eval/cases/acme-payments.yaml", "--allow-fallback")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	want := proseTexts(cs[0].Request)
	if want == 0 {
		t.Fatal("the Acme case has no prose: the test lost its ground")
	}
	if n := len(fake.RequestsFor(intake.ModelSchemaName)); n != want {
		t.Errorf("the eval made %d reading calls, want one per constraint or note (%d)", n, want)
	}
}
