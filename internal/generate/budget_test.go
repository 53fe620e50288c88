package generate_test

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// TestOverAnsweringModelStaysWithinBudget: a model that answers every part
// of a section with the whole section (each answer as long as it can be,
// none the part asked for: rotor rejects them, or they are cut off and
// asked again smaller) spends at most the default token budget and call cap
// on a 100-secret runbook. The runbook is served without error findings,
// the sections the budget stopped are marked "budget", its usage says so,
// and its usage is still what the model's log says.
func TestOverAnsweringModelStaysWithinBudget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		req := llmtest.LargeRequest(100)
		srv, m := modelFor(t, req)
		srv.AnswerWhole, m.OverAnswers = true, true
		rb := generateWith(t, llmService(t, srv, llmOpts{concurrency: 32, deadline: 10 * time.Minute,
			budget: generate.DefaultTokenBudget, maxCalls: generate.DefaultMaxCalls}), req)
		log := logUsage(srv.Requests(), nil)
		if spent := log.PromptTokens + log.CompletionTokens; spent > generate.DefaultTokenBudget {
			t.Errorf("the model was paid %d tokens: more than the %d-token budget", spent, generate.DefaultTokenBudget)
		}
		if n := len(srv.Requests()); n > generate.DefaultMaxCalls {
			t.Errorf("%d calls: more than the cap of %d", n, generate.DefaultMaxCalls)
		}
		if !rb.Usage.BudgetExhausted {
			t.Errorf("usage does not say the budget was exhausted: %+v", rb.Usage)
		}
		budget := 0
		for _, id := range section.IDs() {
			st := rb.SectionStatus[id]
			if strings.HasPrefix(st.Reason, "budget") {
				budget++
				if st.Source != runbook.SourceFallback {
					t.Errorf("%s: %s with reason %q", id, st.Source, st.Reason)
				}
			}
		}
		if budget == 0 {
			t.Errorf("no section marked budget: %+v", rb.SectionStatus)
		}
		if u := rb.Usage; u.LLMCalls != log.LLMCalls || u.PromptTokens != log.PromptTokens || u.CompletionTokens != log.CompletionTokens {
			t.Errorf("usage %+v; the model's log %+v", u, log)
		}
		t.Logf("%d calls, %d prompt and %d completion tokens; %d sections stopped by the budget", log.LLMCalls, log.PromptTokens, log.CompletionTokens, budget)
	})
}
