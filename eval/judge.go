package eval

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/prompts"
)

// Completer is the LLM call the judge needs; an adapter's client
// (internal/llm/openai) implements it.
type Completer interface {
	Complete(ctx context.Context, r llm.Request) (llm.Response, error)
}

// verdictDoc is the judge's answer, under a strict schema.
type verdictDoc struct {
	Score   int      `json:"score" jsonschema:"minimum=0,maximum=10"`
	Reasons []string `json:"reasons"`
}

// LLMJudge scores a runbook against rubric criteria with an LLM.
type LLMJudge struct {
	llm    Completer
	schema json.RawMessage
	system string
}

// NewLLMJudge builds a judge asking c with the system prompt given (""
// uses eval/judge.md). The judge's client may be another endpoint than the
// model under test's (--judge-base-url).
func NewLLMJudge(c Completer, system string) (*LLMJudge, error) {
	raw, err := schema.StrictJSON(&verdictDoc{})
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(system) == "" {
		system = judgePrompt
	}
	return &LLMJudge{llm: c, schema: raw, system: strings.TrimSpace(system)}, nil
}

// judgePrompt is the judge's system prompt as shipped: eval/judge.md, a file
// a prompt engineer edits like any prompt (--judge-prompt gives another).
//
//go:embed judge.md
var judgePrompt string

// Score asks the model for a score and its reasons.
func (j *LLMJudge) Score(ctx context.Context, criteria, markdown string) (float64, []string, error) {
	data, err := prompts.EncodeData(map[string]string{"runbook_markdown": markdown})
	if err != nil {
		return 0, nil, err
	}
	user := "Criteria: " + criteria + "\n\nAnswer with JSON matching the schema \"rotor_judge\".\n\n<rotor-data>\n" + data + "\n</rotor-data>\n"
	resp, err := j.llm.Complete(ctx, llm.Request{Messages: prompts.Messages{System: j.system, User: user}, SchemaName: "rotor_judge", Schema: j.schema})
	if err != nil {
		return 0, nil, err
	}
	var v verdictDoc
	if err := decode.Strict(resp.Content, &v); err != nil {
		return 0, nil, fmt.Errorf("judge answer: %w", err)
	}
	if v.Score < 0 || v.Score > 10 {
		return 0, nil, fmt.Errorf("judge score %d out of range", v.Score)
	}
	return float64(v.Score), v.Reasons, nil
}
