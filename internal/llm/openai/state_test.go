package openai_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rotor-dev/rotor/internal/llm"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/prompts"
)

// TestInFlightCountsCallsWaitingForAnAnswer: the gauge of calls in flight
// is 1 while the server holds a call and 0 once it returned, however it
// ended (here: the caller gave up).
func TestInFlightCountsCallsWaitingForAnAnswer(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		case <-release:
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := openai.New(openai.Config{APIKey: key, BaseURL: srv.URL + "/v1", Model: "gpt-4o-mini", Resilience: llm.Resilience{MaxRetries: -1, BreakerFailures: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if n := c.InFlight(); n != 0 {
		t.Fatalf("in flight before any call: %d", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Complete(ctx, llm.Request{Messages: prompts.Messages{System: "s", User: "u"}, SchemaName: "rotor_test", Schema: schemaDoc})
		done <- err
	}()
	<-arrived
	if n := c.InFlight(); n != 1 {
		t.Errorf("in flight while the server holds the call: %d", n)
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("a cancelled call succeeded")
	}
	if n := c.InFlight(); n != 0 {
		t.Errorf("in flight after the call returned: %d", n)
	}
}

// TestBreakerStateNamesTheState: closed at first, open once enough attempts
// failed.
func TestBreakerStateNamesTheState(t *testing.T) {
	srv := llmtest.New(key)
	defer srv.Close()
	srv.Script("rotor_test", llmtest.ServerError(), llmtest.ServerError(), llmtest.ServerError())
	r := fast()
	r.BreakerFailures, r.MaxRetries = 2, 1
	c, err := openai.New(openai.Config{APIKey: key, BaseURL: srv.URL + "/v1", Model: "gpt-4o-mini", Resilience: r})
	if err != nil {
		t.Fatal(err)
	}
	if s := c.BreakerState(); s != "closed" {
		t.Errorf("before any call: %q", s)
	}
	_, _ = ask(t, c)
	if s := c.BreakerState(); s != "open" {
		t.Errorf("after two failed attempts: %q", s)
	}
}
