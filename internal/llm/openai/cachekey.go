package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// go-openai's request type has no prompt_cache_key (v1.43.0), so the key
// rides in the call's context and this transport writes it into the JSON
// body of each attempt.
type cacheKeyCtx struct{}

// withPromptCacheKey makes the calls under ctx carry key as OpenAI's
// prompt_cache_key.
func withPromptCacheKey(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return context.WithValue(ctx, cacheKeyCtx{}, key)
}

// promptCacheKeyTransport adds "prompt_cache_key" to a request's JSON body
// when its context carries one.
type promptCacheKeyTransport struct{ inner http.RoundTripper }

func (t promptCacheKeyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	key, _ := r.Context().Value(cacheKeyCtx{}).(string)
	if key == "" || r.Body == nil {
		return t.inner.RoundTrip(r)
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 1 && trimmed[0] == '{' {
		field, _ := json.Marshal(key)
		var b bytes.Buffer
		b.WriteString(`{"prompt_cache_key":`)
		b.Write(field)
		if rest := bytes.TrimLeft(trimmed[1:], " \t\r\n"); len(rest) > 0 && rest[0] != '}' {
			b.WriteByte(',')
		}
		b.Write(trimmed[1:])
		body = b.Bytes()
	}
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return t.inner.RoundTrip(r)
}
