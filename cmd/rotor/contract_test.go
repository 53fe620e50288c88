package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/rotor-dev/rotor/internal/httpapi"
	"github.com/rotor-dev/rotor/internal/section"
)

// contract is api/openapi.yaml loaded, validated and routed.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

func loadContract(t *testing.T) *contract {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	// Bodies that are text for the contract: validated as strings (event
	// streams are also parsed below, event by event).
	for _, ct := range []string{"text/html", "text/markdown", "text/event-stream", "text/css", "text/javascript"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	openapi3filter.RegisterBodyDecoder("application/schema+json", openapi3filter.JSONBodyDecoder)
	return &contract{doc: doc, router: router}
}

// exchange is one request sent to the real server and what the contract
// should say of it.
type exchange struct {
	name   string
	method string
	path   string
	header http.Header
	body   []byte
	// valid says whether the request should pass the contract: a request
	// the server refuses must be one the contract refuses too, except for
	// what a schema cannot say (a pasted secret, a body over 256 KiB, an
	// unknown id, a rate limit, an altered signature).
	valid bool
	// base, when set, sends it to another server (the rate-limited one).
	base string
}

// headers the contract must declare wherever a response carries them.
var contractHeaders = []string{"X-Request-ID", "Retry-After", "WWW-Authenticate", "Location", "Content-Location", "Link", "Preference-Applied",
	"Allow", "Content-Security-Policy", "Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age"}

// check sends x and returns every way the request or the response departs
// from the contract, with the response.
func (c *contract) check(t *testing.T, base string, x exchange) (problems []string, status int, respHeader http.Header, respBody []byte) {
	t.Helper()
	if x.base != "" {
		base = x.base
	}
	req, err := http.NewRequest(x.method, base+x.path, bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = x.header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	// A redirect is the answer under test (the form's 303), not followed.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", x.name, err)
	}
	respBody, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	status, respHeader = resp.StatusCode, resp.Header

	// The same request, as the contract's server would receive it.
	vreq, _ := http.NewRequest(x.method, "http://localhost:8080"+x.path, bytes.NewReader(x.body))
	vreq.Header = req.Header.Clone()
	route, params, ferr := c.router.FindRoute(vreq)
	if ferr != nil {
		// No operation: an unknown path (404) or method (405).
		if x.valid {
			problems = append(problems, "request: "+ferr.Error())
		}
		want := "NotFound"
		if ferr.Error() == routers.ErrMethodNotAllowed.Error() {
			want = "MethodNotAllowed"
			if resp.Header.Get("Allow") == "" {
				problems = append(problems, "405 without Allow")
			}
		}
		if status != map[string]int{"NotFound": 404, "MethodNotAllowed": 405}[want] {
			problems = append(problems, fmt.Sprintf("no operation (%v) but status %d", ferr, status))
		}
		problems = append(problems, c.matchSchema("Error", respBody)...)
		if r := c.doc.Components.Responses[want]; r != nil && r.Value != nil {
			problems = append(problems, undeclared(r.Value, respHeader)...)
		} else {
			problems = append(problems, "api/openapi.yaml has no response "+want)
		}
		return problems, status, respHeader, respBody
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: bearerPresent}}
	rerr := openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case rerr != nil && x.valid:
		problems = append(problems, "request refused by the contract: "+rerr.Error())
	case rerr == nil && !x.valid:
		problems = append(problems, fmt.Sprintf("request accepted by the contract, yet meant to be refused (server said %d)", status))
	}
	in.Options = &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, AuthenticationFunc: bearerPresent}
	if err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: respHeader, Body: io.NopCloser(bytes.NewReader(respBody)),
		Options: in.Options}); err != nil {
		problems = append(problems, fmt.Sprintf("response %d: %v", status, err))
	}
	if r := route.Operation.Responses.Status(status); r != nil && r.Value != nil {
		problems = append(problems, undeclared(r.Value, respHeader)...)
	}
	if strings.HasPrefix(respHeader.Get("Content-Type"), "text/event-stream") {
		problems = append(problems, c.checkEvents(respBody)...)
	}
	return problems, status, respHeader, respBody
}

func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return errors.New("no bearer key")
	}
	return nil
}

// undeclared lists contract headers a response carries that its
// description does not declare.
func undeclared(r *openapi3.Response, h http.Header) []string {
	var out []string
	for _, name := range contractHeaders {
		if h.Get(name) == "" {
			continue
		}
		if _, ok := r.Headers[name]; !ok {
			out = append(out, "header "+name+" sent but not declared")
		}
	}
	return out
}

// matchSchema validates a JSON value against a component schema.
func (c *contract) matchSchema(name string, data []byte) []string {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return []string{fmt.Sprintf("%s: not JSON: %.200s", name, data)}
	}
	ref := c.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return []string{"api/openapi.yaml has no schema " + name}
	}
	if err := ref.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	return nil
}

// checkEvents validates each event of a stream against its schema.
func (c *contract) checkEvents(body []byte) []string {
	var out []string
	schemas := map[string]string{"section": "SectionEvent", "done": "Runbook", "error": "ErrorEvent"}
	var name, data string
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<23)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && name != "":
			s, ok := schemas[name]
			if !ok {
				out = append(out, "undocumented event "+name)
			} else {
				out = append(out, c.matchSchema(s, []byte(data))...)
			}
			n++
			name, data = "", ""
		}
	}
	if n == 0 {
		out = append(out, "an event stream with no event")
	}
	return out
}

// readmeExamples returns the README's curl commands (the ones that call the
// API) and its JSON request examples.
func readmeExamples(t *testing.T) (curls [][]string, requests [][]byte) {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```(sh|json)\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	for _, b := range blocks {
		if b[1] == "json" {
			if strings.Contains(b[2], `"system"`) {
				requests = append(requests, []byte(b[2]))
			}
			continue
		}
		text := strings.ReplaceAll(b[2], "\\\n", " ")
		for _, line := range strings.Split(text, "\n") {
			line, _, _ = strings.Cut(line, " | ")
			line, _, _ = strings.Cut(line, " #")
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "curl ") {
				curls = append(curls, shellWords(line))
			}
		}
	}
	return curls, requests
}

// shellWords splits a command line the way sh does for these examples
// (single and double quotes, no expansion).
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// fromCurl turns a README curl command into an exchange; <id> stands for the
// id of the runbook the previous example created.
func fromCurl(t *testing.T, args []string, id string) exchange {
	t.Helper()
	x := exchange{name: strings.Join(args, " "), method: "GET", header: http.Header{}, valid: true}
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-X":
			i++
			x.method = args[i]
		case a == "-o" || a == "-w":
			i++ // where the body goes, what curl prints: not the request
		case a == "-H":
			i++
			k, v, _ := strings.Cut(args[i], ":")
			x.header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		case a == "--data" || a == "-d" || a == "--data-binary":
			i++
			if f, ok := strings.CutPrefix(args[i], "@"); ok {
				b, err := os.ReadFile(filepath.Join("../..", f))
				if err != nil {
					t.Fatalf("%s: %v", x.name, err)
				}
				x.body = b
			} else {
				x.body = []byte(args[i])
			}
			if x.method == "GET" {
				x.method = "POST"
			}
		case strings.HasPrefix(a, "-"):
		default:
			u, err := url.Parse("http://" + strings.TrimPrefix(strings.ReplaceAll(a, "<id>", id), "http://"))
			if err != nil || u.Host != "localhost:8080" {
				t.Fatalf("README example %q: URL %q is not on localhost:8080", x.name, a)
			}
			x.path = u.RequestURI()
		}
	}
	return x
}

// TestContract sends every README example, every eval request and a set of
// bad requests to a real server, and validates each request and response
// against api/openapi.yaml (kin-openapi's openapi3filter), event streams
// event by event. It also checks the routes and the operations are the same
// set and every operation has an operationId.
func TestContract(t *testing.T) {
	c := loadContract(t)
	const key = "contract-key-7f3a"
	slackSecret := "slack-signing-contract"
	s := startServer(t, map[string]string{"ROTOR_API_KEYS": "ci:sha256:" + keyHash(key), "ROTOR_RATE_LIMIT": "100000/m",
		"ROTOR_CORS_ORIGINS": "https://tools.example.com", "SLACK_SIGNING_SECRETS": slackSecret})
	limited := startServer(t, map[string]string{"ROTOR_API_KEYS": "ci:sha256:" + keyHash(key), "ROTOR_RATE_LIMIT": "1/h"})

	// Routes and operations are one set; every operation is named.
	ops := map[string]bool{}
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = true
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
		}
	}
	for _, r := range httpapi.RouteTable() {
		p := regexp.MustCompile(`:(\w+)`).ReplaceAllString(r.Path, "{$1}")
		if !ops[r.Method+" "+p] {
			t.Errorf("route %s %s is not in api/openapi.yaml", r.Method, p)
		}
		delete(ops, r.Method+" "+p)
	}
	for op := range ops {
		t.Errorf("api/openapi.yaml has %s, which no route serves", op)
	}

	auth := func(h ...string) http.Header {
		hd := http.Header{"Authorization": {"Bearer " + key}}
		for i := 0; i+1 < len(h); i += 2 {
			hd.Set(h[i], h[i+1])
		}
		return hd
	}
	jsonH := func(h ...string) http.Header {
		return auth(append([]string{"Content-Type", "application/json"}, h...)...)
	}

	pairs, mismatches := 0, 0
	run := func(x exchange, wantStatus int) (http.Header, []byte) {
		t.Helper()
		problems, status, h, body := c.check(t, s.base, x)
		pairs++
		if wantStatus != 0 && status != wantStatus {
			problems = append(problems, fmt.Sprintf("status %d, want %d: %.300s", status, wantStatus, body))
		}
		if len(problems) > 0 {
			mismatches++
			t.Errorf("%s %s (%s):\n  %s", x.method, x.path, x.name, strings.Join(problems, "\n  "))
		}
		return h, body
	}
	idOf := func(body []byte) string {
		var v struct{ ID string }
		_ = json.Unmarshal(body, &v)
		return v.ID
	}

	// The README's examples, as written (plus the key this server wants).
	curls, requests := readmeExamples(t)
	if len(curls) < 5 || len(requests) < 1 {
		t.Fatalf("README examples: %d curl commands, %d requests", len(curls), len(requests))
	}
	lastID := ""
	for _, args := range curls {
		x := fromCurl(t, args, lastID)
		for k, v := range auth() {
			x.header[k] = v
		}
		h, body := run(x, 0)
		if id := idOf(body); id != "" {
			lastID = id
		}
		if loc := h.Get("Location"); loc != "" {
			lastID = strings.TrimPrefix(loc, "/runbooks/")
		}
	}
	for _, r := range requests {
		run(exchange{name: "README request", method: "POST", path: "/runbooks", header: jsonH(), body: r, valid: true}, 200)
	}

	// Every eval request: synchronous, as Markdown and as a page, queued,
	// its job, its stream, its signed page and stream.
	files, _ := filepath.Glob("../../eval/requests/*.json")
	if len(files) < 5 {
		t.Fatalf("eval requests: %d", len(files))
	}
	var sample []byte
	for i, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		_, rb := run(exchange{name: name, method: "POST", path: "/runbooks", header: jsonH(), body: body, valid: true}, 200)
		if i == 0 {
			sample = rb
		}
		switch i % 3 {
		case 0:
			run(exchange{name: name + " md", method: "POST", path: "/runbooks?format=md", header: jsonH(), body: body, valid: true}, 200)
		case 1:
			run(exchange{name: name + " html", method: "POST", path: "/runbooks", header: jsonH("Accept", "text/html"), body: body, valid: true}, 200)
		case 2:
			run(exchange{name: name + " stream", method: "POST", path: "/runbooks?stream=1", header: jsonH(), body: body, valid: true}, 200)
		}
		h, job := run(exchange{name: name + " async", method: "POST", path: "/runbooks", header: jsonH("Prefer", "respond-async"), body: body, valid: true}, 202)
		id := strings.TrimPrefix(h.Get("Location"), "/runbooks/")
		run(exchange{name: name + " job", method: "GET", path: "/runbooks/" + id, header: auth(), valid: true}, 0)
		run(exchange{name: name + " events", method: "GET", path: "/runbooks/" + id + "/events", header: auth(), valid: true}, 200)
		var j struct{ Page string }
		_ = json.Unmarshal(job, &j)
		run(exchange{name: name + " page", method: "GET", path: j.Page, header: http.Header{"Accept": {"text/html"}}, valid: true}, 200)
		if i == 0 {
			pu, _ := url.Parse(j.Page)
			run(exchange{name: "signed events", method: "GET", path: pu.Path + "/events?" + pu.RawQuery, valid: true}, 200)
			run(exchange{name: "reconnect after done", method: "GET", path: "/runbooks/" + id + "/events", header: auth("Last-Event-ID", "end"), valid: true}, 204)
			run(exchange{name: "runbook as markdown", method: "GET", path: "/runbooks/" + id + "?format=md", header: auth(), valid: true}, 200)
			run(exchange{name: "runbook page with a key", method: "GET", path: "/runbooks/" + id, header: auth("Accept", "text/html"), valid: true}, 200)
			// The operator card alone, in every format, and behind the link.
			for _, f := range []string{"json", "md", "html"} {
				run(exchange{name: "card " + f, method: "GET", path: "/runbooks/" + id + "?view=card&format=" + f, header: auth(), valid: true}, 200)
				run(exchange{name: "new card " + f, method: "POST", path: "/runbooks?view=card&format=" + f, header: jsonH(), body: body, valid: true}, 200)
			}
			run(exchange{name: "full view", method: "GET", path: "/runbooks/" + id + "?view=full", header: auth(), valid: true}, 200)
			run(exchange{name: "signed card", method: "GET", path: j.Page + "&view=card", header: http.Header{"Accept": {"text/html"}}, valid: true}, 200)
			run(exchange{name: "signed page, unknown view", method: "GET", path: j.Page + "&view=everything", header: http.Header{"Accept": {"text/html"}}}, 400)
			q := pu.Query()
			q.Set("sig", alterSig(q.Get("sig")))
			run(exchange{name: "altered link", method: "GET", path: pu.Path + "?" + q.Encode(), header: http.Header{"Accept": {"text/html"}}, valid: true}, 403)
			run(exchange{name: "link without signature", method: "GET", path: pu.Path, valid: false}, 403)
		}
	}

	// The rest of the API.
	run(exchange{name: "health", method: "GET", path: "/healthz", valid: true}, 200)
	run(exchange{name: "ready", method: "GET", path: "/readyz", valid: true}, 200)
	run(exchange{name: "metrics", method: "GET", path: "/metrics", header: auth(), valid: true}, 200)
	run(exchange{name: "form", method: "GET", path: "/", valid: true}, 200)
	// The form as a browser without JavaScript posts it.
	formH := func(h ...string) http.Header {
		hd := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		for i := 0; i+1 < len(h); i += 2 {
			hd.Set(h[i], h[i+1])
		}
		return hd
	}
	form := acmeForm(key)
	fh, _ := run(exchange{name: "form post", method: "POST", path: "/", header: formH(), body: []byte(form.Encode()), valid: true}, 303)
	if loc := fh.Get("Location"); loc != "" {
		run(exchange{name: "form's runbook page", method: "GET", path: loc, header: http.Header{"Accept": {"text/html"}}, valid: true}, 200)
	}
	form.Set("add_secret", "1")
	run(exchange{name: "form: add a row", method: "POST", path: "/", header: formH(), body: []byte(form.Encode()), valid: true}, 200)
	badForm := acmeForm(key)
	badForm["secret_kind"] = []string{"webhook_signing_secret", "apikey"}
	run(exchange{name: "form: a bad kind", method: "POST", path: "/", header: formH(), body: []byte(badForm.Encode()), valid: true}, 400)
	run(exchange{name: "form: a wrong key", method: "POST", path: "/", header: formH(), body: []byte(acmeForm("not-the-key").Encode()), valid: true}, 401)
	run(exchange{name: "form from another site", method: "POST", path: "/", header: formH("Sec-Fetch-Site", "cross-site"), body: []byte(acmeForm(key).Encode()), valid: true}, 403)
	pasted := acmeForm(key)
	pasted.Set("constraints", "the old key was sk_live_"+"4eC39HqLyjWDarjtT1zdp7dc")
	run(exchange{name: "form: a pasted secret", method: "POST", path: "/", header: formH(), body: []byte(pasted.Encode()), valid: true}, 422)
	for _, a := range []string{"style.css", "form.js", "progress.js"} {
		run(exchange{name: "asset", method: "GET", path: "/assets/" + a, valid: true}, 200)
	}
	for _, id := range section.IDs() {
		run(exchange{name: "schema", method: "GET", path: "/schemas/" + string(id), header: auth(), valid: true}, 200)
	}
	run(exchange{name: "lint", method: "POST", path: "/runbooks/lint", header: jsonH(), body: sample, valid: true}, 200)
	run(exchange{name: "subset", method: "POST", path: "/runbooks?sections=inventory,rotation_sequence", header: jsonH(), body: acme(t), valid: true}, 200)
	run(exchange{name: "preflight", method: "OPTIONS", path: "/runbooks", header: http.Header{"Origin": {"https://tools.example.com"}, "Access-Control-Request-Method": {"POST"}}, valid: true}, 204)
	run(exchange{name: "trigger null", method: "POST", path: "/runbooks", header: jsonH(), body: []byte(`{"system":"Billing","trigger":null,"secrets":[{"name":"Mailgun API key","kind":null}]}`), valid: true}, 200)

	// Bad requests: the server refuses them with the status the contract
	// gives, and the contract refuses them too.
	minimal := func(extra string) []byte {
		return []byte(`{"system":"Billing","secrets":[{"name":"Mailgun API key"}]` + extra + `}`)
	}
	many := func(field, item string, n int) []byte {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf(item, i)
		}
		return minimal(`,"` + field + `":[` + strings.Join(items, ",") + `]`)
	}
	bad := []struct {
		x    exchange
		want int
	}{
		{exchange{name: "no key", method: "POST", path: "/runbooks", header: http.Header{"Content-Type": {"application/json"}}, body: minimal("")}, 401},
		{exchange{name: "wrong key", method: "GET", path: "/runbooks/rb_x", header: http.Header{"Authorization": {"Bearer nope"}}, valid: true}, 401},
		{exchange{name: "no key", method: "GET", path: "/runbooks/rb_x/events"}, 401},
		{exchange{name: "no key", method: "GET", path: "/schemas/inventory"}, 401},
		{exchange{name: "no key", method: "GET", path: "/metrics"}, 401},
		{exchange{name: "duplicate key", method: "POST", path: "/runbooks", header: jsonH(), body: []byte(`{"system":"A","system":"B","secrets":[{"name":"x"}]}`), valid: true}, 400},
		{exchange{name: "no key", method: "POST", path: "/runbooks/lint", header: http.Header{"Content-Type": {"application/json"}}, body: []byte(`{}`)}, 401},
		{exchange{name: "format=xml", method: "POST", path: "/runbooks?format=xml", header: jsonH(), body: minimal("")}, 400},
		{exchange{name: "format=xml", method: "GET", path: "/runbooks/rb_x?format=xml", header: auth()}, 400},
		{exchange{name: "view=everything", method: "POST", path: "/runbooks?view=everything", header: jsonH(), body: minimal("")}, 400},
		{exchange{name: "view=everything", method: "GET", path: "/runbooks/rb_x?view=everything", header: auth()}, 400},
		{exchange{name: "unknown field", method: "POST", path: "/runbooks", header: jsonH(), body: minimal(`,"sytem":"x"`)}, 400},
		{exchange{name: "no system", method: "POST", path: "/runbooks", header: jsonH(), body: []byte(`{"secrets":[{"name":"Mailgun API key"}]}`)}, 400},
		{exchange{name: "blank system", method: "POST", path: "/runbooks", header: jsonH(), body: []byte(`{"system":"  ","secrets":[{"name":"Mailgun API key"}]}`)}, 400},
		{exchange{name: "no secrets", method: "POST", path: "/runbooks", header: jsonH(), body: []byte(`{"system":"Billing","secrets":[]}`)}, 400},
		{exchange{name: "bad kind", method: "POST", path: "/runbooks", header: jsonH(), body: []byte(`{"system":"Billing","secrets":[{"name":"k","kind":"apikey"}]}`)}, 400},
		{exchange{name: "bad trigger", method: "POST", path: "/runbooks", header: jsonH(), body: minimal(`,"trigger":"whenever"`)}, 400},
		{exchange{name: "deployment as a string", method: "POST", path: "/runbooks", header: jsonH(), body: minimal(`,"deployment":"kubernetes"`)}, 400},
		{exchange{name: "201 services", method: "POST", path: "/runbooks", header: jsonH(), body: many("services", `{"name":"svc-%d"}`, 201)}, 400},
		{exchange{name: "101 owners", method: "POST", path: "/runbooks", header: jsonH(), body: many("owners", `{"name":"team-%d"}`, 101)}, 400},
		{exchange{name: "environment of 65", method: "POST", path: "/runbooks", header: jsonH(), body: minimal(`,"environments":["` + strings.Repeat("e", 65) + `"]`)}, 400},
		{exchange{name: "environment with a space", method: "POST", path: "/runbooks", header: jsonH(), body: minimal(`,"environments":["prod eu"]`)}, 400},
		{exchange{name: "51 constraints", method: "POST", path: "/runbooks", header: jsonH(), body: many("constraints", `"c%d"`, 51)}, 400},
		{exchange{name: "text over 2000", method: "POST", path: "/runbooks", header: jsonH(), body: []byte(`{"system":"` + strings.Repeat("s", 2001) + `","secrets":[{"name":"k"}]}`)}, 400},
		{exchange{name: "malformed JSON", method: "POST", path: "/runbooks", header: jsonH(), body: []byte(`{"system":`)}, 400},
		{exchange{name: "not JSON", method: "POST", path: "/runbooks", header: auth("Content-Type", "text/plain"), body: minimal("")}, 400},
		{exchange{name: "bad sections", method: "POST", path: "/runbooks?sections=inventory,everything", header: jsonH(), body: minimal("")}, 400},
		{exchange{name: "pasted secret", method: "POST", path: "/runbooks", header: jsonH(), body: minimal(`,"constraints":["the key is sk_live_` + "4eC39HqLyjWDarjtT1zdp7dc" + `"]`), valid: true}, 422},
		{exchange{name: "over 256 KiB", method: "POST", path: "/runbooks", header: jsonH(), body: append(minimal(""), bytes.Repeat([]byte(" "), 300<<10)...), valid: true}, 413},
		{exchange{name: "unknown runbook", method: "GET", path: "/runbooks/rb_nope", header: auth(), valid: true}, 404},
		{exchange{name: "unknown runbook events", method: "GET", path: "/runbooks/rb_nope/events", header: auth(), valid: true}, 404},
		{exchange{name: "unknown section", method: "GET", path: "/schemas/everything", header: auth()}, 404},
		{exchange{name: "unknown asset", method: "GET", path: "/assets/evil.js"}, 404},
		{exchange{name: "unknown path", method: "GET", path: "/nowhere"}, 404},
		{exchange{name: "DELETE", method: "DELETE", path: "/runbooks", header: auth()}, 405},
		{exchange{name: "PUT", method: "PUT", path: "/runbooks/lint", header: auth()}, 405},
		{exchange{name: "preflight from elsewhere", method: "OPTIONS", path: "/runbooks", header: http.Header{"Origin": {"https://evil.example.com"}, "Access-Control-Request-Method": {"POST"}}, valid: true}, 405},
		{exchange{name: "plain OPTIONS", method: "OPTIONS", path: "/healthz", valid: true}, 405},
		{exchange{name: "lint a non-runbook", method: "POST", path: "/runbooks/lint", header: jsonH(), body: []byte(`{"id":1}`)}, 400},
		{exchange{name: "slack unsigned", method: "POST", path: "/slack/commands", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, body: []byte("text=x"), valid: true}, 401},
	}
	for _, b := range bad {
		run(b.x, b.want)
	}
	// Over the rate limit: 429 with Retry-After.
	run(exchange{name: "first", method: "GET", path: "/schemas/inventory", header: auth(), valid: true, base: limited.base}, 200)
	run(exchange{name: "rate limited", method: "GET", path: "/schemas/inventory", header: auth(), valid: true, base: limited.base}, 429)
	run(exchange{name: "form: rate limited", method: "POST", path: "/", header: formH(), body: []byte(acmeForm(key).Encode()), valid: true, base: limited.base}, 429)

	t.Logf("%d request/response pairs checked against api/openapi.yaml, %d mismatches", pairs, mismatches)
	if pairs < 50 {
		t.Errorf("only %d pairs", pairs)
	}
}
