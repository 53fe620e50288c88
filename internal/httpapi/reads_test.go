package httpapi_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/httpapi"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/metrics"
	"github.com/rotor-dev/rotor/internal/repository"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/store"
)

// BenchmarkReads measures the server's own work (no network) for GET
// /healthz, a repeated POST /runbooks, GET /runbooks/{id} and its Markdown:
//
//	go test ./internal/httpapi -run '^$' -bench Reads
func BenchmarkReads(b *testing.B) {
	scan, err := secretscan.New()
	if err != nil {
		b.Fatal(err)
	}
	mem := store.NewMemory(64 << 20)
	store := repository.New(mem, time.Hour, repository.Options{Markdown: markdown})
	gen := generate.New(generate.Config{Screener: scan, Linter: lint.New(scan), Cache: generate.CacheConfig{Cache: mem}, Runbooks: store})
	h := httpapi.NewServer(httpapi.Deps{Generator: gen, Checker: gen, Writer: gen, Runbooks: store, Metrics: metrics.New()})
	body, err := os.ReadFile("../../eval/requests/acme-payments.json")
	if err != nil {
		b.Fatal(err)
	}
	do := func(method, target string, body []byte) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, bytes.NewReader(body))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
		}
		return w
	}
	id := do("POST", "/runbooks", body).Header().Get("Content-Location")
	_ = context.Background()
	for _, tc := range []struct {
		name, method, target string
		body                 []byte
	}{
		{"healthz", "GET", "/healthz", nil},
		{"cached-post", "POST", "/runbooks", body},
		{"get-by-id", "GET", id, nil},
		{"cached-markdown", "POST", "/runbooks?format=md", body},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				do(tc.method, tc.target, tc.body)
			}
		})
	}
}
