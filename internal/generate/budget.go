package generate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/rotor-dev/rotor/internal/llm"
)

// Defaults of rotor's configuration (ROTOR_RUNBOOK_TOKEN_BUDGET,
// ROTOR_RUNBOOK_MAX_CALLS), sized from the cost benchmark
// (scripts/cost.sh): a 100-secret runbook written entirely by the model
// takes 44 calls and 0.6M tokens (0.37M in, 0.23M out; 1.45M before the
// parts carried only their section's facts), so the defaults leave room
// for every call asked twice (the reasks a weak model needs, 1.2M) and for
// the worst case of 32 calls in flight (each reserved at its prompt at a
// token a byte plus the 16k output budget, about 50k: 1.6M), and a model
// that over-answers every part (827 calls and 21.7M tokens without them)
// stops at a fifth of that.
const (
	DefaultTokenBudget = 4_000_000
	DefaultMaxCalls    = 200
)

// errBudget is the error of a call the runbook's budget refuses: the
// section (or part) falls back to the offline writer with reason "budget".
var errBudget = errors.New("budget")

// budget bounds what one generation may spend on the model, whatever the
// model answers: tokens (input and output, as the provider reports them) and
// calls. A call is sent only if its worst case fits what is left: its prompt
// counted at one token a byte (no tokenizer makes more tokens than bytes)
// plus the whole output budget it is sent with. That worst case is reserved
// while the call is in flight and replaced by what the provider reports
// once it answers, so calls that would fit once those in flight have
// answered wait for them, and a call whose worst case cannot fit even then
// is never sent. A nil budget bounds nothing.
type budget struct {
	tokens, calls int

	mu       sync.Mutex
	spent    int
	reserved int
	started  int
	// changed is closed (and replaced) whenever a call settles.
	changed chan struct{}
	// exhausted: a call was refused.
	exhausted bool
}

// newBudget returns the budget of one generation: at most tokens tokens
// and calls calls (0: no bound on that).
func newBudget(tokens, calls int) *budget {
	if tokens <= 0 && calls <= 0 {
		return nil
	}
	return &budget{tokens: tokens, calls: calls}
}

// promptBound is an upper bound of a prompt's tokens, however the model
// tokenizes it: one token a byte of its texts and schema, and the chat
// format's framing of each message.
func promptBound(r llm.Request) int {
	const framing = 16
	return len(r.Messages.System) + len(r.Messages.User) + len(r.SchemaName) + len(r.Schema) + 3*framing
}

// reserve waits until a call of prompt tokens at most and an answer of at
// most maxOut fits the budget, and reserves it; settle, called once the
// call ended, replaces the reservation with what was spent. It returns an
// error wrapping errBudget when the call can never fit (the budget is
// spent, or the call cap reached), or ctx's error.
func (b *budget) reserve(ctx context.Context, prompt, maxOut int) (settle func(spent int), err error) {
	if b == nil {
		return func(int) {}, nil
	}
	need := prompt + maxOut
	for {
		b.mu.Lock()
		if b.calls > 0 && b.started >= b.calls {
			b.exhausted = true
			b.mu.Unlock()
			return nil, fmt.Errorf("%w: the runbook's call cap (%d calls) is reached", errBudget, b.calls)
		}
		if b.tokens > 0 && b.spent+need > b.tokens {
			b.exhausted = true
			spent := b.spent
			b.mu.Unlock()
			return nil, fmt.Errorf("%w: the runbook's token budget (%d tokens) cannot pay for another call (%d spent, this one may cost %d)",
				errBudget, b.tokens, spent, need)
		}
		if b.tokens == 0 || b.spent+b.reserved+need <= b.tokens {
			b.started++
			b.reserved += need
			b.mu.Unlock()
			var once sync.Once
			return func(spent int) {
				once.Do(func() {
					b.mu.Lock()
					defer b.mu.Unlock()
					b.reserved -= need
					b.spent += spent
					if b.changed != nil {
						close(b.changed)
						b.changed = nil
					}
				})
			}, nil
		}
		// It fits once calls in flight have answered (they may spend less
		// than their worst case): wait for one.
		if b.changed == nil {
			b.changed = make(chan struct{})
		}
		changed := b.changed
		b.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// state reports what was spent and whether a call was refused.
func (b *budget) state() (spent int, exhausted bool) {
	if b == nil {
		return 0, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent, b.exhausted
}

// spentBy is what a finished call costs the budget: the tokens the provider
// reported; a call that reached the server and ended with no report (a
// timeout, a dropped connection: the provider may still bill it) is
// counted at its prompt's bound for each request that reached it. A status
// answer (429, 5xx, 4xx) costs nothing.
func spentBy(u llm.Usage, err error, reached, prompt int) int {
	if n := u.PromptTokens + u.CompletionTokens; n > 0 {
		return n
	}
	var le *llm.Error
	if errors.As(err, &le) && le.Status == 0 && reached > 0 {
		return reached * prompt
	}
	return 0
}
