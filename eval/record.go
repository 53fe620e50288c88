package eval

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"github.com/rotor-dev/rotor/internal/schema"
)

// An exchange is one recorded LLM call: the request body (never the
// Authorization header) and the response.
type exchange struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Schema string            `json:"schema"`
	Body   json.RawMessage   `json:"request"`
	Status int               `json:"status"`
	Header map[string]string `json:"header"`
	Reply  json.RawMessage   `json:"response"`
}

// exchangeKey identifies a request by its method, path and body: a changed
// prompt, schema, model or request is a different exchange. The body is
// compared as JSON (spacing and string escapes aside) and without its
// top-level prompt_cache_key: a routing hint for OpenAI's prompt cache that
// never changes the answer, sent only to OpenAI, so a recording made through
// another endpoint still answers the same prompts.
func exchangeKey(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(canonicalBody(body))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// canonicalBody is body re-encoded from its decoded JSON (object keys sorted,
// numbers kept as written) without prompt_cache_key; a body that is not JSON
// is itself.
func canonicalBody(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return body
	}
	if obj, ok := v.(map[string]any); ok {
		delete(obj, "prompt_cache_key")
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

var schemaNameRE = regexp.MustCompile(`"json_schema":\{"name":"([^"]+)"|matching the schema \\"([a-zA-Z0-9_-]+)\\"`)

// schemaOf names the schema a recorded request asks for: its json_schema's
// name, or the section's schema its task names (in json_object mode, and
// inside rotor's envelope of every section's schema).
func schemaOf(body []byte) string {
	name := ""
	for _, m := range schemaNameRE.FindAllSubmatch(body, -1) {
		switch {
		case len(m[1]) > 0 && name == "":
			name = string(m[1])
		case len(m[2]) > 0 && (name == "" || name == schema.EnvelopeName):
			name = string(m[2])
		}
	}
	if name == "" {
		return "unknown"
	}
	return name
}

func readBody(r io.ReadCloser) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	defer r.Close()
	return io.ReadAll(r)
}

// Recorder is an http.RoundTripper that saves every exchange to a directory.
// A successful answer is never overwritten by a failed one for the same
// request (a retried 429 keeps the final 200).
type Recorder struct {
	Dir   string
	Inner http.RoundTripper
	mu    sync.Mutex
}

// NewRecorder records into dir (created if needed).
func NewRecorder(dir string, inner http.RoundTripper) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("eval: record: %w", err)
	}
	if inner == nil {
		inner = http.DefaultTransport
	}
	return &Recorder{Dir: dir, Inner: inner}, nil
}

// RoundTrip performs the request and records it.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req.Body)
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := r.Inner.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	reply, err := readBody(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(reply))
	if !json.Valid(body) || !json.Valid(reply) {
		return resp, nil
	}
	key := exchangeKey(req.Method, req.URL.Path, body)
	path := filepath.Join(r.Dir, key+".json")
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, err := os.ReadFile(path); err == nil && resp.StatusCode != http.StatusOK {
		var old exchange
		if json.Unmarshal(prev, &old) == nil && old.Status == http.StatusOK {
			return resp, nil
		}
	}
	ex := exchange{Method: req.Method, Path: req.URL.Path, Schema: schemaOf(body), Body: body, Status: resp.StatusCode,
		Header: map[string]string{"Content-Type": resp.Header.Get("Content-Type")}, Reply: reply}
	data, _ := json.MarshalIndent(ex, "", " ")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return nil, fmt.Errorf("eval: record: %w", err)
	}
	return resp, nil
}

// ErrNoRecording is returned for a request no recording matches.
var ErrNoRecording = errors.New("no recording matches this request")

// Replayer is an http.RoundTripper that answers from recorded exchanges and
// never touches the network. It notes every request it could not answer.
type Replayer struct {
	exchanges map[string]exchange
	mu        sync.Mutex
	misses    map[string]int
}

// NewReplayer loads the recordings of dir.
func NewReplayer(dir string) (*Replayer, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("eval: replay: no recordings in %s", dir)
	}
	r := &Replayer{exchanges: map[string]exchange{}, misses: map[string]int{}}
	for _, f := range files {
		if filepath.Base(f) == manifestFile {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var ex exchange
		if err := json.Unmarshal(data, &ex); err != nil {
			return nil, fmt.Errorf("eval: replay: %s: %w", f, err)
		}
		if !json.Valid(ex.Body) {
			return nil, fmt.Errorf("eval: replay: %s: the recorded request is not JSON", f)
		}
		r.exchanges[exchangeKey(ex.Method, ex.Path, ex.Body)] = ex
	}
	return r, nil
}

// RoundTrip answers from the recordings.
func (r *Replayer) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req.Body)
	if err != nil {
		return nil, err
	}
	ex, ok := r.exchanges[exchangeKey(req.Method, req.URL.Path, body)]
	if !ok {
		schema := schemaOf(body)
		r.mu.Lock()
		r.misses[schema]++
		r.mu.Unlock()
		return nil, fmt.Errorf("replay (%s): %w", schema, ErrNoRecording)
	}
	h := http.Header{}
	for k, v := range ex.Header {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: ex.Status, Status: http.StatusText(ex.Status), Header: h, Request: req,
		Body: io.NopCloser(bytes.NewReader(ex.Reply)), ContentLength: int64(len(ex.Reply)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// Misses lists the requests no recording matched, by schema, as "name ×n".
func (r *Replayer) Misses() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for s, n := range r.misses {
		out = append(out, fmt.Sprintf("%s ×%d", s, n))
	}
	sort.Strings(out)
	return out
}

// manifestFile is the recording's own description, beside the exchanges.
const manifestFile = "manifest.json"

// Manifest says what a recording was made with, so replaying it needs no
// flag beyond the directory: the model and judge, the request's shape
// (mode, budget, reasoning), the endpoints and the cases. The prompts and
// the judge's instructions are copied beside it (prompts/, judge.md).
type Manifest struct {
	Model      string `json:"model"`
	JudgeModel string `json:"judge_model"`
	BaseURL    string `json:"base_url,omitempty"`
	// Provider is the provider the calls were shaped for (OpenAI's carry
	// prompt_cache_key, others do not), so a replay sends the same bodies.
	Provider        string    `json:"provider,omitempty"`
	JudgeBaseURL    string    `json:"judge_base_url,omitempty"`
	Mode            string    `json:"mode,omitempty"`
	MaxTokens       int       `json:"max_tokens,omitempty"`
	Reasoning       bool      `json:"reasoning,omitempty"`
	ReasoningEffort string    `json:"reasoning_effort,omitempty"`
	Cases           []string  `json:"cases,omitempty"`
	RecordedAt      time.Time `json:"recorded_at"`
	Commit          string    `json:"commit,omitempty"`
}

// WriteManifest writes dir/manifest.json.
func WriteManifest(dir string, m *Manifest) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("eval: record: %w", err)
	}
	data, _ := json.MarshalIndent(m, "", "  ")
	return os.WriteFile(filepath.Join(dir, manifestFile), append(data, '\n'), 0o644)
}

// ReadManifest reads dir/manifest.json (fs.ErrNotExist for a recording
// made before manifests).
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("eval: replay: %s: %w", manifestFile, err)
	}
	return &m, nil
}
