// Package llmtest is a fake OpenAI-compatible server for tests and
// benchmarks: it speaks POST /v1/chat/completions as OpenAI does, checks the
// bearer token and the request's response_format, and answers from a script
// per schema name and per attempt: valid or broken content, refusals,
// truncation, HTTP errors with Retry-After, hangs and dropped connections. It
// reports usage like a model server (tokens counted with o200k_base, the
// schema and the messages; cached prompt tokens for a prefix, schema first,
// of a prompt it had read, Latency after it arrived, before this one came) and can take time proportional to the answer. It
// records every request.
//
// Model (model.go) answers like a model: plausible sections with seeded
// defects. SchemaValid (standin.go) answers every schema with a document that
// is valid but ignores the facts.
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
)

// Kind is what a scripted reply does.
type Kind int

// Reply kinds.
const (
	// Content answers 200 with Reply.Content as the message content.
	Content Kind = iota
	// Refusal answers 200 with message.refusal set and no content.
	Refusal
	// Truncated answers 200 with finish_reason "length" and partial content.
	Truncated
	// Filtered answers 200 with finish_reason "content_filter".
	Filtered
	// Status answers Reply.Status with an OpenAI error body and Reply.Header.
	Status
	// Hang waits Reply.Delay (or until the client gives up) before answering
	// like Content.
	Hang
	// Drop closes the connection without answering.
	Drop
)

// Reply is one scripted answer.
type Reply struct {
	Kind    Kind
	Content string
	Status  int
	Header  http.Header
	Delay   time.Duration
	// Wait, when set, holds a Hang reply until it is closed instead of for
	// Delay: a test releases the answer on an event it saw, not after a
	// time a loaded machine can outlast.
	Wait <-chan struct{}
	// ErrCode is the error body's code for a Status reply (e.g.
	// "context_length_exceeded", "rate_limit_exceeded").
	ErrCode string
	// Usage reported; zero means measured like a server does: the prompt
	// (schema and messages) and the answer counted with o200k_base, and the
	// prompt's prefix shared with an earlier request, schema first, counted
	// as cached (in 128-token blocks, from 1,024 tokens on, as OpenAI's
	// prompt caching does).
	PromptTokens, CompletionTokens, CachedTokens int
}

// Convenience constructors.

// OK answers with content.
func OK(content string) Reply { return Reply{Kind: Content, Content: content} }

// RateLimited answers 429 with Retry-After in seconds.
func RateLimited(retryAfter string) Reply {
	return Reply{Kind: Status, Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {retryAfter}}, ErrCode: "rate_limit_exceeded"}
}

// ServerError answers 500.
func ServerError() Reply { return Reply{Kind: Status, Status: http.StatusInternalServerError} }

// Unavailable answers 503 with Retry-After in seconds.
func Unavailable(retryAfter string) Reply {
	return Reply{Kind: Status, Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {retryAfter}}}
}

// ContextTooLong answers 400 context_length_exceeded, as OpenAI does for a
// prompt larger than the model's context window.
func ContextTooLong() Reply {
	return Reply{Kind: Status, Status: http.StatusBadRequest, ErrCode: "context_length_exceeded"}
}

// Recorded is one request the server received.
type Recorded struct {
	At             time.Time
	Model          string
	SchemaName     string
	ResponseFormat string
	Strict         bool
	// Schema is the json_schema sent (nil in json_object mode), WireName
	// its name as sent: rotor's one envelope of every section
	// (schema.EnvelopeName), whose section SchemaName names, from the task.
	Schema       json.RawMessage
	WireName     string
	System, User string
	// Body is the request JSON as received.
	Body []byte
	// Path, Query and Header are the HTTP request's (the header as sent:
	// it holds the credential).
	Path, Query string
	Header      http.Header
	// MaxTokens is the request's output budget (max_tokens or
	// max_completion_tokens; 0 when it set none).
	MaxTokens int
	// PromptCacheKey is the request's prompt_cache_key ("" when none).
	PromptCacheKey string
	Answered       Kind
	// Usage is what the answer reported (or would have: see Delivered).
	PromptTokens, CompletionTokens, CachedTokens int
	// Delivered: the answer reached the client whole (a client that gave up
	// waiting, or a status or dropped connection, received no usage).
	Delivered bool
	// DeliveredAt is when the answer started to leave (zero when none did):
	// a test can tell an answer sent long before the client's attempt
	// timeout from one that raced it.
	DeliveredAt time.Time
	// seq identifies the request in the log.
	seq int
}

// Billed reports whether the request's usage reached the client: a
// completion (content, refusal, truncated or filtered) delivered whole.
func (r Recorded) Billed() bool {
	return r.Delivered && r.Answered != Status && r.Answered != Drop
}

// Server is the fake. Script replies before use; it is safe for concurrent
// requests.
type Server struct {
	// Server is the listening server of New (nil for NewInMemory).
	*httptest.Server
	APIKey string
	// Latency is added to every answer (for benchmarks): the time the
	// model takes to read the prompt (its prefill), after which the
	// prompt's prefix is cached for later prompts (none is before).
	Latency time.Duration
	// TokenLatency is added per completion token of the answer, so a longer
	// answer takes longer, as a model's decoding does.
	TokenLatency time.Duration
	// ContextTokens is the model's context window (default 128,000): a
	// request whose prompt plus output budget (max_tokens or
	// max_completion_tokens) exceeds it is answered 400
	// context_length_exceeded, as OpenAI does. An answer longer than the
	// output budget stops there with finish_reason "length".
	ContextTokens int
	// AnswerWhole answers a request for a part of a section with the whole
	// section, as a model that ignores the part's instructions does (by
	// default the fake cuts a scripted or default answer to the part).
	AnswerWhole bool
	// Dialect is the provider the fake speaks as (see NewProvider); the
	// zero value is OpenAI.
	Dialect Dialect
	// EntraToken, for DialectAzure, is a Microsoft Entra ID access token it
	// takes as Authorization: Bearer instead of the api-key.
	EntraToken string
	// Models, when set, are the only models (Azure: deployments) served,
	// each with the model name its answers carry ("" = the same name);
	// another is answered as the provider answers an unknown model.
	Models map[string]string
	// NumCtx, for DialectOllama, is the context the model runs with as
	// POST /api/show tells it (num_ctx in its Modelfile's parameters; 0:
	// none set, so Ollama's default 4,096); TrainedContext its model_info
	// context_length (default 131,072).
	NumCtx, TrainedContext int

	// tok counts tokens; cache models the provider's prompt cache.
	tok   *Tokenizer
	cache *PrefixCache

	mu      sync.Mutex
	scripts map[string][]Reply
	// dflt answers when a schema's script is used up.
	dflt     func(r Recorded) Reply
	reader   *Reader
	requests []Recorded
	seq      int
	// active counts the requests being answered; idle is signalled (on
	// mu) when it falls to zero (Settled).
	active int
	idle   *sync.Cond
	// held, while not nil, is what answers wait for (Hold, Release);
	// passes lets single answers through (Allow).
	held, passes chan struct{}

	mux *http.ServeMux
	// mem, memTransport and memDone serve NewInMemory's connections.
	mem          *http.Server
	memListener  *memListener
	memTransport *http.Transport
	memDone      chan struct{}
}

var (
	schemaNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	// In json_object mode the schema name travels in the task message.
	taskSchemaRE = regexp.MustCompile(`matching the schema "([a-zA-Z0-9_-]+)"`)
)

// DefaultContextTokens is the fake model's context window.
const DefaultContextTokens = 128000

// New starts a fake server that expects apiKey as bearer token. By default it
// answers every schema with an empty object, which is schema-invalid for every
// rotor section: script or set Default for useful answers.
func New(apiKey string) *Server {
	s := newServer(apiKey)
	s.Server = httptest.NewServer(s.mux)
	return s
}

func newServer(apiKey string) *Server {
	tok := O200k()
	s := &Server{APIKey: apiKey, ContextTokens: DefaultContextTokens, tok: tok, cache: NewPrefixCache(tok), scripts: map[string][]Reply{},
		dflt: func(Recorded) Reply { return OK("{}") }}
	s.idle = sync.NewCond(&s.mu)
	s.mux = http.NewServeMux()
	// Every provider's chat path reaches handle, which answers a path its
	// dialect does not serve with that provider's 404.
	s.mux.HandleFunc("POST /", s.handle)
	return s
}

// BaseURL of the API root, for OPENAI_BASE_URL.
func (s *Server) BaseURL() string {
	if s.Server == nil {
		return "http://" + memHost + "/v1"
	}
	return s.Server.URL + "/v1"
}

// Close stops the server: it drops its connections, in-memory ones too,
// and returns once its goroutines are done (so a synctest bubble can end).
func (s *Server) Close() {
	if s.Server != nil {
		s.Server.Close()
	}
	if s.mem != nil {
		s.memTransport.CloseIdleConnections()
		_ = s.mem.Close()
		<-s.memDone
	}
}

// Script queues replies for a schema name, consumed one per request in order.
func (s *Server) Script(schemaName string, replies ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[schemaName] = append(s.scripts[schemaName], replies...)
}

// Default sets the answer once a schema's script is used up.
func (s *Server) Default(f func(schemaName string) Reply) {
	s.DefaultByRequest(func(r Recorded) Reply { return f(r.SchemaName) })
}

// DefaultByRequest is Default with the whole request to decide from (its
// prompts tell requests for different systems apart).
func (s *Server) DefaultByRequest(f func(r Recorded) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dflt = f
}

// Reads has rd answer rotor's reading of request prose (intake's schema),
// whatever the default answers: a test scripted for sections keeps a model
// that reads like one.
func (s *Server) Reads(rd *Reader) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reader = rd
}

// Requests returns a copy of what was received.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Recorded(nil), s.requests...)
}

// Settled waits until no request is being answered and returns the log
// (as Requests). A test comparing a client's accounting with the log reads
// it so, once the client is done: a request the client gave up on may still
// be in its handler, not yet logged or not yet known as undelivered.
func (s *Server) Settled() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.active > 0 {
		s.idle.Wait()
	}
	return append([]Recorded(nil), s.requests...)
}

// RequestsFor returns the requests for one schema name.
func (s *Server) RequestsFor(schemaName string) []Recorded {
	var out []Recorded
	for _, r := range s.Requests() {
		if r.SchemaName == schemaName {
			out = append(out, r)
		}
	}
	return out
}

// Hold makes every answer wait, once its request is recorded, until
// Release: a test sees what happens while the model has not answered, with
// no clock to outrun.
func (s *Server) Hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held, s.passes = make(chan struct{}), make(chan struct{}, 1024)
	}
}

// Allow lets n answers held by Hold go (those waiting first, then the next
// ones), and holds the rest.
func (s *Server) Allow(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		if s.passes != nil {
			s.passes <- struct{}{}
		}
	}
}

// Release lets the answers held by Hold (and later ones) go.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held != nil {
		close(s.held)
		s.held, s.passes = nil, nil
	}
}

// Reset forgets scripts and recorded requests.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = map[string][]Reply{}
	s.requests = nil
	s.cache.Reset()
}

type chatRequest struct {
	Model               string `json:"model"`
	MaxTokens           int    `json:"max_tokens"`
	MaxCompletionTokens int    `json:"max_completion_tokens"`
	PromptCacheKey      string `json:"prompt_cache_key"`
	Messages            []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	ResponseFormat *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Strict bool            `json:"strict"`
			Schema json.RawMessage `json:"schema"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.active--; s.active == 0 {
			s.idle.Broadcast()
		}
		s.mu.Unlock()
	}()
	if s.Dialect == DialectOllama && r.URL.Path == "/api/show" {
		s.show(w, r)
		return
	}
	deployment, ok := s.route(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(r.Body)
	var req chatRequest
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		s.fail(w, http.StatusBadRequest, "invalid_request_error", "body is not JSON: "+err.Error(), "")
		return
	}
	if model := cmpOr(deployment, req.Model); !s.knownModel(w, model) {
		return
	}
	rec := Recorded{At: time.Now(), Model: req.Model, Body: body, MaxTokens: max(req.MaxTokens, req.MaxCompletionTokens), PromptCacheKey: req.PromptCacheKey,
		Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone()}
	for _, m := range req.Messages {
		switch m.Role {
		case "system":
			rec.System = m.Content
		case "user":
			rec.User = m.Content
		}
	}
	rf := req.ResponseFormat
	switch {
	case rf == nil:
		s.fail(w, http.StatusBadRequest, "invalid_request_error", "response_format is required by this fake", "")
		return
	case rf.Type == "json_schema":
		if rf.JSONSchema == nil || !schemaNameRE.MatchString(rf.JSONSchema.Name) || !rf.JSONSchema.Strict || !json.Valid(rf.JSONSchema.Schema) {
			s.fail(w, http.StatusBadRequest, "invalid_request_error", "json_schema needs a valid name, strict: true and a schema", "")
			return
		}
		rec.ResponseFormat, rec.SchemaName, rec.Strict, rec.Schema = rf.Type, rf.JSONSchema.Name, true, rf.JSONSchema.Schema
		rec.WireName = rec.SchemaName
		if rec.SchemaName == schema.EnvelopeName {
			// One schema for every section: the task names the section's.
			if m := taskSchemaRE.FindStringSubmatch(rec.User); m != nil {
				rec.SchemaName = m[1]
			}
		}
	case rf.Type == "json_object":
		rec.ResponseFormat = rf.Type
		// No schema name on the wire: the task message names it.
		if m := taskSchemaRE.FindStringSubmatch(rec.User); m != nil {
			rec.SchemaName = m[1]
		}
	default:
		s.fail(w, http.StatusBadRequest, "invalid_request_error", "unsupported response_format type "+rf.Type, "")
		return
	}

	s.mu.Lock()
	var reply Reply
	if q := s.scripts[rec.SchemaName]; len(q) > 0 {
		reply, s.scripts[rec.SchemaName] = q[0], q[1:]
	} else if s.reader != nil && rec.SchemaName == intake.ModelSchemaName {
		reply = s.reader.Reply(rec)
	} else {
		reply = s.dflt(rec)
	}
	prompt := PromptOf(rec)
	promptTokens := s.tok.Tokens(prompt)
	if s.ContextTokens > 0 && promptTokens+rec.MaxTokens > s.ContextTokens {
		reply = ContextTooLong()
	}
	content := answerContent(reply)
	if p, ok := dataPart(rec.User, nil); ok && !s.AnswerWhole && (reply.Kind == Content || reply.Kind == Hang) && json.Valid([]byte(content)) {
		// Asked for a part of a section, a model writes that part: a
		// scripted or default answer for the whole section is cut to the
		// items about the part's secrets.
		content = string(p.restrict([]byte(content)))
	}
	if rf.Type == "json_schema" && rf.JSONSchema.Name == schema.EnvelopeName {
		content = envelop(rec.SchemaName, content)
	}
	if n, have := rec.MaxTokens, s.tok.Count(content); (reply.Kind == Content || reply.Kind == Hang) && n > 0 && have > n {
		// The model stops at its output budget.
		reply, content = Reply{Kind: Truncated}, content[:len(content)*n/have]
	}
	rec.Answered = reply.Kind
	remember := func() {}
	rec.PromptTokens, rec.CompletionTokens, rec.CachedTokens = reply.PromptTokens, reply.CompletionTokens, reply.CachedTokens
	if rec.PromptTokens == 0 && rec.CompletionTokens == 0 {
		rec.PromptTokens, rec.CompletionTokens = promptTokens, s.tok.Count(content)
		rec.CachedTokens, remember = s.cache.Lookup(prompt)
	}
	if reply.Kind == Status {
		// Refused before it was read: nothing of it is cached.
		remember = func() {}
	}
	s.seq++
	rec.seq = s.seq
	s.requests = append(s.requests, rec)
	prefill, tokens := s.Latency, time.Duration(rec.CompletionTokens)*s.TokenLatency
	held, passes := s.held, s.passes
	s.mu.Unlock()

	if held != nil {
		select {
		case <-held:
		case <-passes:
		case <-r.Context().Done():
			return
		}
	}
	// The prompt is read in Latency (the prefill), and only then is its
	// prefix in the cache for a later prompt; the answer's tokens follow.
	for i, d := range []time.Duration{prefill, tokens} {
		if d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		if i == 0 {
			remember()
		}
	}
	switch reply.Kind {
	case Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case Hang:
		var timer <-chan time.Time
		if reply.Wait == nil {
			timer = time.After(reply.Delay)
		}
		select {
		case <-timer:
		case <-reply.Wait:
		case <-r.Context().Done():
			return
		}
	case Status:
		for k, vs := range reply.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		s.fail(w, reply.Status, errorType(reply.Status), fmt.Sprintf("scripted %d", reply.Status), reply.ErrCode)
		return
	}
	// Marked before the answer leaves (a client that has read it may look
	// at the log at once), unmarked if it could not be sent.
	s.delivered(rec.seq, true)
	// Flushed here, not after the handler returns, so that an answer the
	// client no longer reads (it gave up waiting) is known as undelivered.
	if s.writeCompletion(w, req.Model, deployment, reply, content, rec) != nil || http.NewResponseController(w).Flush() != nil {
		s.delivered(rec.seq, false)
	}
}

// delivered marks whether a logged request's answer reached the client.
func (s *Server) delivered(seq int, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.requests) - 1; i >= 0; i-- {
		if s.requests[i].seq == seq {
			s.requests[i].Delivered = ok
			if ok {
				s.requests[i].DeliveredAt = time.Now()
			}
			return
		}
	}
}

// envelop puts a section's answer in its property of the schema envelope,
// every other section null (content that is not a JSON object stays as it
// is: the model's broken answer).
func envelop(schemaName, content string) string {
	if !strings.HasPrefix(strings.TrimSpace(content), "{") || !json.Valid([]byte(content)) {
		return content
	}
	var b strings.Builder
	b.WriteString("{")
	for i, id := range section.IDs() {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + string(id) + `":`)
		if schema.Name(id) == schemaName {
			b.WriteString(content)
		} else {
			b.WriteString("null")
		}
	}
	b.WriteString("}")
	return b.String()
}

// errorType is the OpenAI error type of a status.
func errorType(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "requests"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request_error"
}

// Tokens is how the fake counts a text's tokens: with o200k_base, as
// OpenAI's current models do.
func Tokens(text string) int { return O200k().CountLines(text) }

// answerContent is the message content a reply carries.
func answerContent(r Reply) string {
	switch r.Kind {
	case Refusal, Filtered, Status, Drop:
		return ""
	case Truncated:
		if c := r.Content; len(c) > 10 {
			return c[:len(c)/2]
		}
	}
	return r.Content
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// writeCompletion answers a completion, framed by its Content-Length and
// flushed; an error means the client did not read it whole.
func (s *Server) writeCompletion(w http.ResponseWriter, model, deployment string, r Reply, content string, rec Recorded) error {
	msg := map[string]any{"role": "assistant", "content": content, "refusal": nil}
	finish := "stop"
	switch r.Kind {
	case Refusal:
		msg["content"] = nil
		msg["refusal"] = "I'm sorry, I can't help with that."
	case Truncated:
		finish = "length"
	case Filtered:
		finish = "content_filter"
	}
	prompt, completion, cached := rec.PromptTokens, rec.CompletionTokens, rec.CachedTokens
	resp := map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage": map[string]any{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
			"prompt_tokens_details": map[string]any{"cached_tokens": cached}},
	}
	s.dress(resp, deployment)
	body, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if _, err := w.Write(body); err != nil {
		return err
	}
	return http.NewResponseController(w).Flush()
}

// Contains reports whether any recorded request's user message for the
// schema contains s (for asserting that a reask listed a violation).
func Contains(reqs []Recorded, s string) bool {
	for _, r := range reqs {
		if strings.Contains(r.User, s) {
			return true
		}
	}
	return false
}
