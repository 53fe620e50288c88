// Package llmtest is a fake OpenAI-compatible server for tests: it speaks
// POST /v1/chat/completions as OpenAI does, checks the bearer token and the
// request's response_format, and answers from a script per schema name and
// per attempt: valid or broken content, refusals, truncation, HTTP errors with
// Retry-After, hangs and dropped connections. It records every request.
package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
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
	// Usage reported; zero means a default of 1000 prompt / 500 completion
	// tokens, 200 of them cached.
	PromptTokens, CompletionTokens, CachedTokens int
}

// Convenience constructors.

// OK answers with content.
func OK(content string) Reply { return Reply{Kind: Content, Content: content} }

// RateLimited answers 429 with Retry-After in seconds.
func RateLimited(retryAfter string) Reply {
	return Reply{Kind: Status, Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {retryAfter}}}
}

// ServerError answers 500.
func ServerError() Reply { return Reply{Kind: Status, Status: http.StatusInternalServerError} }

// Recorded is one request the server received.
type Recorded struct {
	At             time.Time
	Model          string
	SchemaName     string
	ResponseFormat string
	Strict         bool
	System, User   string
	Answered       Kind
}

// Server is the fake. Script replies before use; it is safe for concurrent
// requests.
type Server struct {
	*httptest.Server
	APIKey string
	// Latency is added to every answer (for benchmarks).
	Latency time.Duration

	mu      sync.Mutex
	scripts map[string][]Reply
	// dflt answers when a schema's script is used up.
	dflt     func(r Recorded) Reply
	requests []Recorded
}

var (
	schemaNameRE = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)
	// In json_object mode the schema name travels in the task message.
	taskSchemaRE = regexp.MustCompile(`matching the schema "([a-zA-Z0-9_-]+)"`)
)

// New starts a fake server that expects apiKey as bearer token. By default it
// answers every schema with an empty object, which is schema-invalid for every
// rotor section: script or set Default for useful answers.
func New(apiKey string) *Server {
	s := &Server{APIKey: apiKey, scripts: map[string][]Reply{}, dflt: func(Recorded) Reply { return OK("{}") }}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.handle)
	s.Server = httptest.NewServer(mux)
	return s
}

// URL of the API root, for OPENAI_BASE_URL.
func (s *Server) BaseURL() string { return s.Server.URL + "/v1" }

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

// Requests returns a copy of what was received.
func (s *Server) Requests() []Recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
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

// Reset forgets scripts and recorded requests.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts = map[string][]Reply{}
	s.requests = nil
}

type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
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
	if r.Header.Get("Authorization") != "Bearer "+s.APIKey {
		writeError(w, http.StatusUnauthorized, "invalid_api_key", "Incorrect API key provided.")
		return
	}
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "body is not JSON: "+err.Error())
		return
	}
	rec := Recorded{At: time.Now(), Model: req.Model}
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
		writeError(w, http.StatusBadRequest, "invalid_request_error", "response_format is required by this fake")
		return
	case rf.Type == "json_schema":
		if rf.JSONSchema == nil || !schemaNameRE.MatchString(rf.JSONSchema.Name) || !rf.JSONSchema.Strict || !json.Valid(rf.JSONSchema.Schema) {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "json_schema needs a valid name, strict: true and a schema")
			return
		}
		rec.ResponseFormat, rec.SchemaName, rec.Strict = rf.Type, rf.JSONSchema.Name, true
	case rf.Type == "json_object":
		rec.ResponseFormat = rf.Type
		// No schema name on the wire: the task message names it.
		if m := taskSchemaRE.FindStringSubmatch(rec.User); m != nil {
			rec.SchemaName = m[1]
		}
	default:
		writeError(w, http.StatusBadRequest, "invalid_request_error", "unsupported response_format type "+rf.Type)
		return
	}

	s.mu.Lock()
	var reply Reply
	if q := s.scripts[rec.SchemaName]; len(q) > 0 {
		reply, s.scripts[rec.SchemaName] = q[0], q[1:]
	} else {
		reply = s.dflt(rec)
	}
	rec.Answered = reply.Kind
	s.requests = append(s.requests, rec)
	latency := s.Latency
	s.mu.Unlock()

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
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
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return
		}
	case Status:
		for k, vs := range reply.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		writeError(w, reply.Status, "server_error", fmt.Sprintf("scripted %d", reply.Status))
		return
	}
	writeCompletion(w, req.Model, reply)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}})
}

func writeCompletion(w http.ResponseWriter, model string, r Reply) {
	msg := map[string]any{"role": "assistant", "content": r.Content, "refusal": nil}
	finish := "stop"
	switch r.Kind {
	case Refusal:
		msg["content"] = nil
		msg["refusal"] = "I'm sorry, I can't help with that."
	case Truncated:
		finish = "length"
		if c := r.Content; len(c) > 10 {
			msg["content"] = c[:len(c)/2]
		}
	case Filtered:
		finish = "content_filter"
		msg["content"] = ""
	}
	prompt, completion, cached := r.PromptTokens, r.CompletionTokens, r.CachedTokens
	if prompt == 0 && completion == 0 {
		prompt, completion, cached = 1000, 500, 200
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		"usage": map[string]any{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
			"prompt_tokens_details": map[string]any{"cached_tokens": cached}},
	})
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
