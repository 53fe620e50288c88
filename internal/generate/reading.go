package generate

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/prompts"
)

// ProseReader has a model read a request's prose into directives and
// cross-checks its reading with the rules' one; *intake.ModelReader
// implements it.
type ProseReader interface {
	CrossRead(ctx context.Context, req *runbook.Request, rules *intake.Reading) *intake.Reading
}

var _ ProseReader = (*intake.ModelReader)(nil)

// ReadingLabel labels the model's reading calls in metrics and traces.
const ReadingLabel runbook.SectionID = "intake"

// IntakeAsker adapts the LLM to intake's structured call: endpoint and
// model name the reader (part of its cache key), and every call is
// reported to obs like a section's.
func IntakeAsker(l LLM, endpoint string, obs Observer) intake.Asker {
	if obs == nil {
		obs = noObserver{}
	}
	return intakeAsker{llm: l, endpoint: endpoint, obs: obs}
}

type intakeAsker struct {
	llm      LLM
	endpoint string
	obs      Observer
}

func (a intakeAsker) Ask(ctx context.Context, c intake.ModelCall) ([]byte, error) {
	start := time.Now()
	resp, err := a.llm.Complete(ctx, llm.Request{Section: string(ReadingLabel), Messages: prompts.Messages{System: c.System, User: c.User},
		SchemaName: c.SchemaName, Schema: c.Schema})
	u, reached := resp.Usage, resp.Reached
	var le *llm.Error
	if errors.As(err, &le) {
		u, reached = le.Usage, le.Reached
	}
	a.obs.LLMCall(a.llm.Model(), ReadingLabel, time.Since(start), u, err)
	if acc, ok := ctx.Value(readingUsageKey{}).(*readingUsage); ok {
		acc.add(u, reached)
	}
	if err != nil {
		return nil, &intake.ModelFailure{Kind: string(llm.KindOf(err)), Err: err}
	}
	return resp.Content, nil
}

// readingUsage adds up the model's reading calls of one request, for the
// runbook's usage (they are calls like the sections').
type readingUsage struct {
	mu sync.Mutex
	u  runbook.Usage
}

type readingUsageKey struct{}

func (r *readingUsage) add(u llm.Usage, reached int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.u.LLMCalls += reached
	r.u.PromptTokens += u.PromptTokens
	r.u.CompletionTokens += u.CompletionTokens
	r.u.CachedPromptTokens += u.CachedPromptTokens
	r.u.CostUSD += u.CostUSD
	r.u.CostUnknown = r.u.CostUnknown || (reached > 0 && !u.CostKnown && u.PromptTokens+u.CompletionTokens > 0)
}

func (r *readingUsage) total() runbook.Usage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.u
}

func (a intakeAsker) Model() string { return a.endpoint + " " + a.llm.Model() }

// ReadingLock adapts the replicas' lock (the one sections are written
// under) to intake's reading lock; a lock lives ttl.
func ReadingLock(l Locker, ttl time.Duration) intake.ReadingLock {
	return readingLock{l: l, ttl: ttl}
}

type readingLock struct {
	l   Locker
	ttl time.Duration
}

func (r readingLock) Lock(ctx context.Context, key string) (func(), bool, error) {
	lock, ok, err := r.l.TryLock(ctx, key, r.ttl)
	if err != nil || !ok {
		return nil, ok, err
	}
	return func() { _ = lock.Unlock(context.WithoutCancel(ctx)) }, true, nil
}
