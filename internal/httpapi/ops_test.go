package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/httpapi"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
)

// opsServer is the fixture's handler behind a real HTTP server: HEAD
// semantics (no body on the wire) are the server's, not a recorder's.
func opsServer(t *testing.T) (*fixture, *httptest.Server) {
	t.Helper()
	schemas, err := section.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	scan, err := secretscan.New()
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(d *httpapi.Deps) {
		d.Schemas = schemas
		d.Linter = lint.New(scan)
	})
	s := httptest.NewServer(f.h)
	t.Cleanup(s.Close)
	return f, s
}

func send(t *testing.T, method, url string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// TestEveryGETRouteAnswersHEAD: a monitor or a link checker sends HEAD;
// every GET route answers it like GET (status, type), without a body,
// never 405. The routes come from the router's own table, so a new GET
// route is covered the day it is added.
func TestEveryGETRouteAnswersHEAD(t *testing.T) {
	f, s := opsServer(t)
	concrete := map[string]string{
		"/":                            "/",
		"/assets/:name":                "/assets/style.css",
		"/runbooks/:id":                "/runbooks/rb_one",
		"/runbooks/:id/events":         "/runbooks/rb_one/events",
		"/runbooks/:id/catalog-drafts": "/runbooks/rb_one/catalog-drafts",
		"/r/:id":                       f.links.Page("rb_one"),
		"/r/:id/events":                f.links.Events("rb_one"),
		"/schemas/:section":            "/schemas/rollback",
		"/healthz":                     "/healthz",
		"/readyz":                      "/readyz",
		"/metrics":                     "/metrics",
		"/openapi.yaml":                "/openapi.yaml",
	}
	gets := 0
	for _, r := range httpapi.RouteTable() {
		if r.Method != "GET" {
			continue
		}
		gets++
		target, ok := concrete[r.Path]
		if !ok {
			t.Errorf("GET %s: add a concrete path for it to this test", r.Path)
			continue
		}
		t.Run(r.Path, func(t *testing.T) {
			get, body := send(t, "GET", s.URL+target, nil, "Authorization", "Bearer "+testKey)
			if get.StatusCode != 200 || len(body) == 0 {
				t.Fatalf("GET %s: %d, %d bytes", target, get.StatusCode, len(body))
			}
			head, hbody := send(t, "HEAD", s.URL+target, nil, "Authorization", "Bearer "+testKey)
			if head.StatusCode != get.StatusCode {
				t.Errorf("HEAD %s: %d, GET %d", target, head.StatusCode, get.StatusCode)
			}
			if len(hbody) != 0 {
				t.Errorf("HEAD %s sent a body of %d bytes", target, len(hbody))
			}
			gt, ht := get.Header.Get("Content-Type"), head.Header.Get("Content-Type")
			if gt != ht {
				t.Errorf("HEAD %s: Content-Type %q, GET %q", target, ht, gt)
			}
		})
	}
	if gets < len(concrete) {
		t.Errorf("%d GET routes, %d expected (is /openapi.yaml served?)", gets, len(concrete))
	}
	// HEAD still needs what GET needs.
	if resp, _ := send(t, "HEAD", s.URL+"/runbooks/rb_one", nil); resp.StatusCode != 401 {
		t.Errorf("HEAD without a key: %d", resp.StatusCode)
	}
	// A 405 names HEAD among what is allowed.
	if resp, _ := send(t, "DELETE", s.URL+"/healthz", nil); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("DELETE /healthz: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	// And a route that has no GET still has no HEAD.
	if resp, _ := send(t, "HEAD", s.URL+"/slack/commands", nil); resp.StatusCode != 405 {
		t.Errorf("HEAD on a POST-only route: %d", resp.StatusCode)
	}
}

// TestOpenAPISpecServed: GET /openapi.yaml serves api/openapi.yaml as it is
// in the repository, without a key (it says nothing a client may not know).
func TestOpenAPISpecServed(t *testing.T) {
	_, s := opsServer(t)
	want, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := send(t, "GET", s.URL+"/openapi.yaml", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /openapi.yaml: %d %.200s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") {
		t.Errorf("Content-Type %q", ct)
	}
	if !bytes.Equal(body, want) {
		t.Errorf("served spec differs from api/openapi.yaml (%d bytes, want %d)", len(body), len(want))
	}
}

// TestLintEndpointRefusesWhatIsNotARunbook: POST /runbooks/lint answers
// `{}`, a request and a runbook without sections with 400 invalid_request
// naming the field, not with an empty list of findings.
func TestLintEndpointRefusesWhatIsNotARunbook(t *testing.T) {
	_, s := opsServer(t)
	files, err := filepath.Glob("../lint/testdata/not-runbooks/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := send(t, "POST", s.URL+"/runbooks/lint", data, "Authorization", "Bearer "+testKey, "Content-Type", "application/json")
		var e struct {
			Error struct {
				Code   string
				Fields []struct{ Path, Problem string }
			}
		}
		_ = json.Unmarshal(body, &e)
		if resp.StatusCode != 400 || e.Error.Code != "invalid_request" || len(e.Error.Fields) == 0 {
			t.Errorf("%s: %d %.300s", filepath.Base(file), resp.StatusCode, body)
		}
	}
	// A runbook is still linted.
	rb, _ := json.Marshal(hostileRunbook("rb_lint"))
	resp, body := send(t, "POST", s.URL+"/runbooks/lint", rb, "Authorization", "Bearer "+testKey, "Content-Type", "application/json")
	if resp.StatusCode != 200 || !regexp.MustCompile(`"findings":\[`).Match(body) {
		t.Errorf("a runbook: %d %.300s", resp.StatusCode, body)
	}
}
