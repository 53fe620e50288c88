package openai

import (
	"errors"
	"strings"
	"sync"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/rotor-dev/rotor/internal/llm"
)

// Learned remembers, per model, what a server refused and what was sent
// instead, so a model is asked the right way from its second call on. One
// Learned is shared by the clients of a process.
type Learned struct {
	mu     sync.Mutex
	models map[string]learnedShape
}

type learnedShape struct {
	reasoning, noTemperature bool
}

// NewLearned returns an empty memory.
func NewLearned() *Learned { return &Learned{models: map[string]learnedShape{}} }

func (l *Learned) get(model string) learnedShape {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.models[model]
}

func (l *Learned) update(model string, f func(*learnedShape)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.models[model]
	f(&s)
	l.models[model] = s
}

// reasoningShape decides the request shape from what is known of the
// model: the configuration, the name's family, the table, what a server
// taught, and, last, go-openai's own knowledge (its validator refuses
// max_tokens for the models it knows to reason: gpt-6-sol, ...).
func (c *Client) reasoningShape() bool {
	if c.cfg.Reasoning || IsReasoningModel(c.cfg.Model) || c.learned.get(c.cfg.Model).reasoning {
		return true
	}
	if m, ok := llm.LookupModel(c.cfg.Model); ok && m.Reasoning {
		return true
	}
	probe := goopenai.ChatCompletionRequest{Model: c.cfg.Model, MaxTokens: 1}
	return errors.Is(goopenai.NewReasoningValidator().Validate(probe), goopenai.ErrReasoningModelMaxTokensDeprecated)
}

// shape sets the budget and sampling fields of req for the model.
func (c *Client) shape(req *goopenai.ChatCompletionRequest) {
	req.MaxTokens, req.MaxCompletionTokens, req.Temperature, req.ReasoningEffort = 0, 0, 0, ""
	if c.reasoningShape() {
		// Reasoning models refuse max_tokens and any temperature but 1.
		req.MaxCompletionTokens, req.ReasoningEffort = c.cfg.MaxTokens, c.cfg.ReasoningEffort
		return
	}
	// max_tokens, not max_completion_tokens: vLLM, Ollama, llama.cpp and
	// older Azure API versions only know the former.
	req.MaxTokens = c.cfg.MaxTokens //nolint:staticcheck // see above
	if !c.learned.get(c.cfg.Model).noTemperature {
		req.Temperature = c.cfg.Temperature
	}
}

// learnFrom reads a 400 that names a parameter the model does not take
// (OpenAI: "Unsupported parameter: 'max_tokens' ... Use
// 'max_completion_tokens' instead", "Unsupported value: 'temperature'
// ..."), remembers what to send instead, and says whether asking again
// can help.
func (c *Client) learnFrom(err error, sent *goopenai.ChatCompletionRequest) bool {
	var apiErr *goopenai.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 {
		return false
	}
	param := ""
	if apiErr.Param != nil {
		param = *apiErr.Param
	}
	msg := strings.ToLower(apiErr.Message)
	unsupported := strings.Contains(msg, "unsupported") || strings.Contains(msg, "not supported") || strings.Contains(msg, "does not support")
	switch {
	case (param == "max_tokens" || strings.Contains(msg, "'max_tokens'") || strings.Contains(msg, "max_completion_tokens")) && unsupported && sent.MaxTokens > 0: //nolint:staticcheck // the field this reads
		c.learned.update(c.cfg.Model, func(s *learnedShape) { s.reasoning = true })
		return true
	case (param == "temperature" || strings.Contains(msg, "'temperature'")) && unsupported && sent.Temperature != 0:
		c.learned.update(c.cfg.Model, func(s *learnedShape) { s.noTemperature = true })
		return true
	}
	return false
}
