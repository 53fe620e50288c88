package eval

import "testing"

// TestExchangeKeyIgnoresThePromptCacheKey: prompt_cache_key is a routing hint
// for OpenAI's cache that never changes the answer. A recording made without
// it (another provider, another transport order) must still answer a replay
// that sends it, and the other way round; any other change to the body is a
// different exchange.
func TestExchangeKeyIgnoresThePromptCacheKey(t *testing.T) {
	plain := []byte(`{"model":"m","messages":[{"role":"user","content":"a <b> & c"}]}`)
	for _, c := range []struct {
		name string
		body string
		same bool
	}{
		{"with a cache key", `{"prompt_cache_key":"rotor-abc","model":"m","messages":[{"role":"user","content":"a <b> & c"}]}`, true},
		{"with another cache key", `{"prompt_cache_key":"rotor-xyz","model":"m","messages":[{"role":"user","content":"a <b> & c"}]}`, true},
		{"indented", "{\n \"model\": \"m\",\n \"messages\": [{\"role\": \"user\", \"content\": \"a <b> & c\"}]\n}", true},
		{"HTML-escaped as json.Marshal writes a RawMessage", `{"model":"m","messages":[{"role":"user","content":"a \u003cb\u003e \u0026 c"}]}`, true},
		{"another prompt", `{"prompt_cache_key":"rotor-abc","model":"m","messages":[{"role":"user","content":"a <b> & d"}]}`, false},
		{"another model", `{"model":"n","messages":[{"role":"user","content":"a <b> & c"}]}`, false},
		{"a cache key inside the prompt is the prompt", `{"model":"m","messages":[{"role":"user","content":"a <b> & c","prompt_cache_key":"x"}]}`, false},
	} {
		got := exchangeKey("POST", "/v1/chat/completions", []byte(c.body)) == exchangeKey("POST", "/v1/chat/completions", plain)
		if got != c.same {
			t.Errorf("%s: same key = %v, want %v", c.name, got, c.same)
		}
	}
}
