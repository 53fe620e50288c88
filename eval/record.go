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

// exchangeKey identifies a request by its method, path and exact body: a
// changed prompt, schema, model or request is a different exchange.
func exchangeKey(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

var schemaNameRE = regexp.MustCompile(`"json_schema":\{"name":"([^"]+)"|matching the schema \\"([a-zA-Z0-9_-]+)\\"`)

func schemaOf(body []byte) string {
	if m := schemaNameRE.FindSubmatch(body); m != nil {
		if len(m[1]) > 0 {
			return string(m[1])
		}
		return string(m[2])
	}
	return "unknown"
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
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var ex exchange
		if err := json.Unmarshal(data, &ex); err != nil {
			return nil, fmt.Errorf("eval: replay: %s: %w", f, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, ex.Body); err != nil {
			return nil, fmt.Errorf("eval: replay: %s: %w", f, err)
		}
		r.exchanges[exchangeKey(ex.Method, ex.Path, compact.Bytes())] = ex
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
