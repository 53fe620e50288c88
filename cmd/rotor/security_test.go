package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func TestAPIKeys(t *testing.T) {
	const oldKey, newKey = "rk_test_old_0000000000000001", "rk_test_new_0000000000000002"
	s := startServer(t, map[string]string{"ROTOR_API_KEYS": "ci-old:sha256:" + keyHash(oldKey) + ",ci-new:sha256:" + keyHash(newKey)})
	post := func(auth string) (*http.Response, []byte) {
		h := []string{}
		if auth != "" {
			h = []string{"Authorization", auth}
		}
		return do(t, "POST", s.base+"/runbooks", "application/json", acme(t), h...)
	}
	for name, auth := range map[string]string{"missing": "", "wrong key": "Bearer nope", "no scheme": oldKey, "basic": "Basic " + oldKey} {
		resp, body := post(auth)
		e := decodeError(t, body)
		if resp.StatusCode != 401 || e.Error.Code != "unauthorized" || e.Error.Message != "unauthorized" || len(e.Error.Fields) != 0 {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		}
	}
	// Both keys work at once: rotor's own keys rotate without downtime.
	for _, k := range []string{oldKey, newKey} {
		if resp, body := post("Bearer " + k); resp.StatusCode != 200 {
			t.Errorf("valid key: %d %.200s", resp.StatusCode, body)
		}
	}
	// Health, readiness stay open.
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, _ := do(t, "GET", s.base+p, "", nil); resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
	}
	if resp, _ := do(t, "GET", s.base+"/schemas/inventory", "", nil); resp.StatusCode != 401 {
		t.Errorf("schemas without a key: %d", resp.StatusCode)
	}
	logs := s.logs.String()
	if strings.Contains(logs, oldKey) || strings.Contains(logs, newKey) {
		t.Error("a key reached the logs")
	}
	if !strings.Contains(logs, `"api_key":"ci-new"`) || !strings.Contains(logs, `"api_key":"ci-old"`) {
		t.Error("the key's name is not in the access log")
	}

	var errb bytes.Buffer
	code := run(context.Background(), []string{"serve"}, env(map[string]string{"ROTOR_API_KEYS": "ci:sha256:nothex"}), strings.NewReader(""), io.Discard, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "ROTOR_API_KEYS") {
		t.Errorf("bad key config: %d %s", code, errb.String())
	}
}

func TestOpenAPIWarnsLoudly(t *testing.T) {
	s := startServer(t, nil)
	if !strings.Contains(s.logs.String(), "NO API KEYS CONFIGURED") {
		t.Error("an open API must be announced at start")
	}
}

func TestRateLimitWithRetryAfter(t *testing.T) {
	s := startServer(t, map[string]string{"ROTOR_RATE_LIMIT": "3/m"})
	var last *http.Response
	var body []byte
	for i := 0; i < 4; i++ {
		last, body = do(t, "GET", s.base+"/schemas/inventory", "", nil)
	}
	if last.StatusCode != 429 || decodeError(t, body).Error.Code != "rate_limited" {
		t.Fatalf("%d %s", last.StatusCode, body)
	}
	ra, err := strconv.Atoi(last.Header.Get("Retry-After"))
	if err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", last.Header.Get("Retry-After"))
	}
	// Health is not limited.
	if resp, _ := do(t, "GET", s.base+"/healthz", "", nil); resp.StatusCode != 200 {
		t.Errorf("healthz limited: %d", resp.StatusCode)
	}
	// A forged X-Forwarded-For does not buy a new budget.
	resp, _ := do(t, "GET", s.base+"/schemas/inventory", "", nil, "X-Forwarded-For", "203.0.113.7")
	if resp.StatusCode != 429 {
		t.Errorf("X-Forwarded-For reset the limit: %d", resp.StatusCode)
	}
}

func TestRateLimitSharedThroughRedis(t *testing.T) {
	url := redistest.URL(t)
	vars := func() map[string]string {
		return map[string]string{"ROTOR_RATE_LIMIT": "4/h", "REDIS_URL": url + "/9", "ROTOR_API_KEYS": "shared:sha256:" + keyHash("k-shared-1")}
	}
	// Start from a clean budget for this key.
	raw := redistest.Client(t, url+"/9")
	raw.Del(context.Background(), "rate:rotor:v1:key:shared")
	a, b := startServer(t, vars()), startServer(t, vars())
	codes := []int{}
	for i := 0; i < 6; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		resp, _ := do(t, "GET", s.base+"/schemas/inventory", "", nil, "Authorization", "Bearer k-shared-1")
		codes = append(codes, resp.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 200 200 200 429 429]" {
		t.Errorf("two replicas share one budget: %v", codes)
	}
}

// TestPastedSecretAnywhereIsRefused puts a live key in each free-text field:
// 422 naming the path and rule, nothing logged, nothing sent to the LLM,
// nothing cached.
func TestPastedSecretAnywhereIsRefused(t *testing.T) {
	redisSrv := redistest.Start(t)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "REDIS_URL": redisSrv.URL, "ROTOR_LOG_LEVEL": "debug"})
	const live = "sk_live_51HxQkLJtY8aB3cD4eF5gH6iJ7kL8mN9oP0qR"
	fields := map[string]func(r *runbook.Request){
		"system":                   func(r *runbook.Request) { r.System = "Acme " + live },
		"secrets[0].name":          func(r *runbook.Request) { r.Secrets[0].Name = "Stripe " + live },
		"secrets[1].notes":         func(r *runbook.Request) { r.Secrets[1].Notes = "value: " + live },
		"secrets[2].consumers[1]":  func(r *runbook.Request) { r.Secrets[2].Consumers[1] = "jobs " + live },
		"secrets[0].owner":         func(r *runbook.Request) { r.Secrets[0].Owner = live },
		"secrets[0].provider":      func(r *runbook.Request) { r.Secrets[0].Provider = live },
		"services[3].name":         func(r *runbook.Request) { r.Services[3].Name = live },
		"owners[3].name":           func(r *runbook.Request) { r.Owners[3].Name = "Security " + live },
		"constraints[1]":           func(r *runbook.Request) { r.Constraints[1] = "the key is " + live },
		"secrets[2].environments0": nil,
	}
	delete(fields, "secrets[2].environments0")
	for path, mutate := range fields {
		req, _ := decode.ParseRequest(acme(t))
		mutate(req)
		body, _ := json.Marshal(req)
		resp, data := do(t, "POST", s.base+"/runbooks", "application/json", body)
		e := decodeError(t, data)
		if resp.StatusCode != 422 || e.Error.Code != "secret_detected" || len(e.Error.Fields) == 0 || e.Error.Fields[0].Path != path ||
			!strings.Contains(e.Error.Fields[0].Problem, "stripe-access-token") {
			t.Errorf("%s: %d %s", path, resp.StatusCode, data)
		}
		if strings.Contains(string(data), live) {
			t.Errorf("%s: the value was echoed", path)
		}
	}
	if strings.Contains(s.logs.String(), live) || strings.Contains(s.logs.String(), "sk_live") {
		t.Error("the value reached the logs")
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the LLM", n)
	}
	// Rate-limit counters (rate:*) hold an address, not request content.
	if keys := redistest.Client(t, redisSrv.URL).Keys(context.Background(), "rotor:*").Val(); len(keys) != 0 {
		t.Errorf("something was cached: %v", keys)
	}
}

// TestLLMOutputIsScreenedLikeInput: a section carrying a secret-looking value
// is invalid; the model is asked again, then the offline section is used.
func TestLLMOutputIsScreenedLikeInput(t *testing.T) {
	req, _ := decode.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	leaky := strings.Replace(answers[schema.Name(runbook.SectionRollback)], "Roll back when", "Roll back when", 1)
	leaky = strings.Replace(leaky, `"containment":[`, `"containment":["If all else fails use the backup key sk_live_51HxQkLJtY8aB3cD4eF5gH6iJ7kL8mN9oP0qR",`, 1)
	fake.Script(schema.Name(runbook.SectionRollback), llmtest.OK(leaky), llmtest.OK(leaky), llmtest.OK(leaky))
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()})
	resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t))
	var rb runbook.Runbook
	if resp.StatusCode != 200 || json.Unmarshal(body, &rb) != nil {
		t.Fatalf("%d", resp.StatusCode)
	}
	st := rb.SectionStatus[runbook.SectionRollback]
	if st.Source != runbook.SourceFallback || !strings.Contains(st.Reason, "no-secret-values") {
		t.Errorf("rollback %+v", st)
	}
	if strings.Contains(string(body), "sk_live") {
		t.Error("the leaked value was served")
	}
	reqs := fake.RequestsFor(schema.Name(runbook.SectionRollback))
	if len(reqs) != 3 || !strings.Contains(reqs[1].User, "rule no-secret-values") {
		t.Errorf("%d requests; the reask must name the rule", len(reqs))
	}
	for _, r := range reqs[1:] {
		if strings.Contains(r.User, "sk_live") {
			t.Error("the reask echoed the value back to the model")
		}
	}
}

// slackRequest signs a slash-command form like Slack does.
func slackRequest(t *testing.T, base, secret string, ts time.Time, form url.Values) *http.Request {
	t.Helper()
	body := form.Encode()
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	req, _ := http.NewRequest("POST", base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req
}

type slackReply struct {
	ResponseType string `json:"response_type"`
	Text         string `json:"text"`
}

func sendSlack(t *testing.T, req *http.Request) (int, slackReply, time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r slackReply
	data, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(data, &r)
	return resp.StatusCode, r, time.Since(start)
}

// hostOf is a URL's host:port, as SLACK_RESPONSE_HOSTS lists it.
func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestSlackHardening: a signed request is accepted once (a replay within
// the window is 401, through Redis across replicas); an allow-listed
// response_url that redirects is not followed; a response_url on an
// allowed host but another port is refused; a secret in any field (the
// channel's name, the user's) is refused without being echoed or logged.
func TestSlackHardening(t *testing.T) {
	const secret = "slack-hardening-secret-1"
	elsewhere := make(chan []byte, 4)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		elsewhere <- b
	}))
	defer other.Close()
	redirected := make(chan string, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected <- r.URL.Path
		http.Redirect(w, r, other.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	defer hook.Close()
	// The shared Redis: the signature (a timestamp and a body of its own)
	// is a key no other test writes.
	redisURL := redistest.URL(t)
	vars := func() map[string]string {
		return map[string]string{"SLACK_SIGNING_SECRETS": secret, "SLACK_RESPONSE_HOSTS": hostOf(t, hook.URL), "REDIS_URL": redisURL}
	}
	a, b := startServer(t, vars()), startServer(t, vars())
	cmd := url.Values{"text": {"Stripe live key for Billing"}, "response_url": {hook.URL + "/commands/T1/2/3"}, "channel_name": {"billing"}, "user_id": {"U1"}}
	signed := slackRequest(t, a.base, secret, time.Now(), cmd)
	body, _ := io.ReadAll(signed.Body)
	send := func(base string) int {
		req, _ := http.NewRequest("POST", base+"/slack/commands", bytes.NewReader(body))
		req.Header = signed.Header.Clone()
		code, _, _ := sendSlack(t, req)
		return code
	}
	if code := send(a.base); code != 200 {
		t.Fatalf("first use: %d", code)
	}
	for _, base := range []string{a.base, b.base, a.base} {
		if code := send(base); code != 401 {
			t.Errorf("replay to %s: %d, want 401", base, code)
		}
	}
	await(t, redirected, "a post to the allowed response_url")
	// rotor logs the redirect as a failed post once it has answered it
	// without following it; had it followed, the other host got the body.
	refused := make(chan struct{})
	go func() {
		a.logs.waitLine(t, nil, "slack response_url post failed")
		close(refused)
	}()
	select {
	case got := <-elsewhere:
		t.Errorf("the redirect was followed: %.200s reached a host not on the list", got)
	case <-refused:
	}

	// Another port on an allowed host.
	wrongPort := url.Values{"text": {"Stripe live key for Billing"}, "response_url": {"http://127.0.0.1:1/commands"}, "channel_name": {"billing"}}
	if code, reply, _ := sendSlack(t, slackRequest(t, a.base, secret, time.Now(), wrongPort)); code != 200 || !strings.Contains(reply.Text, "SLACK_RESPONSE_HOSTS") {
		t.Errorf("another port: %d %+v", code, reply)
	}

	// A secret in the channel's name or the user's name.
	live := "xo" + "xb-2837465019-5829301748-" + "aB3dE5fG7hJ9kL1mN3pQ5rS7"
	for _, field := range []string{"channel_name", "user_name", "team_domain"} {
		f := url.Values{"text": {"Stripe live key for Billing"}, "response_url": {hook.URL}, "channel_name": {"billing"}}
		f.Set(field, "ops "+live+".")
		code, reply, _ := sendSlack(t, slackRequest(t, a.base, secret, time.Now(), f))
		if code != 200 || !strings.Contains(reply.Text, "slack-bot-token") || strings.Contains(reply.Text, live) || strings.Contains(reply.Text, "Writing") {
			t.Errorf("%s: %d %+v", field, code, reply)
		}
	}
	for _, s := range []*server{a, b} {
		if strings.Contains(s.logs.String(), live[5:20]) {
			t.Error("the value reached the logs")
		}
	}
}

func TestSlackCommand(t *testing.T) {
	const oldSecret, newSecret = "slack-signing-old-8f1c", "slack-signing-new-2b7d"
	// The response_url endpoint: a stand-in for hooks.slack.com.
	var mu sync.Mutex
	var posted [][]byte
	got := make(chan struct{}, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posted = append(posted, b)
		mu.Unlock()
		got <- struct{}{}
	}))
	defer hook.Close()
	// An LLM that has not answered yet: the acknowledgement does not wait
	// for it.
	req, _ := decode.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Hold()
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })

	s := startServer(t, map[string]string{"SLACK_SIGNING_SECRETS": oldSecret + "," + newSecret, "SLACK_RESPONSE_HOSTS": hostOf(t, hook.URL),
		"ROTOR_PUBLIC_URL": "https://rotor.example.com", "OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(),
		"ROTOR_API_KEYS": "ci:sha256:" + keyHash("unused-key-1")})
	form := func(text, responseURL string) url.Values {
		return url.Values{"command": {"/rotate"}, "text": {text}, "response_url": {responseURL}, "user_id": {"U123"}, "channel_name": {"payments-ops"}}
	}
	cmd := "Stripe webhook signing secret, SendGrid API key and Postgres app password for Acme Payments in staging, production"

	// Valid with the new secret: acknowledged at once, result posted later.
	code, reply, _ := sendSlack(t, slackRequest(t, s.base, newSecret, time.Now(), form(cmd, hook.URL+"/response")))
	if code != 200 || reply.ResponseType != "ephemeral" || !strings.Contains(reply.Text, "Acme Payments") {
		t.Fatalf("ack: %d %+v", code, reply)
	}
	fake.Release()
	await(t, got, "a message posted to response_url")
	mu.Lock()
	var msg struct {
		Text         string           `json:"text"`
		ResponseType string           `json:"response_type"`
		Blocks       []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(posted[0], &msg); err != nil {
		t.Fatal(err)
	}
	mu.Unlock()
	if len(msg.Blocks) < 5 || len(msg.Blocks) > 50 || msg.Blocks[0]["type"] != "header" {
		t.Errorf("blocks: %d, first %v", len(msg.Blocks), msg.Blocks[0])
	}
	raw, _ := json.Marshal(msg.Blocks)
	// The blocks as Slack reads them: JSON's escapes undone, then mrkdwn's.
	blocks := html.UnescapeString(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(raw)))
	for _, want := range []string{"Rotation runbook: Acme Payments", "Priority inventory", "Postgres app password", "First steps", "<https://rotor.example.com/r/"} {
		if !strings.Contains(blocks, want) {
			t.Errorf("blocks lack %q", want)
		}
	}
	// The "Full runbook" link opens the page in a browser with no API key
	// (keys are on here); altered, it is refused.
	m := regexp.MustCompile(`<https://rotor\.example\.com(/r/[^|>]+)\|Full runbook>`).FindStringSubmatch(blocks)
	if m == nil {
		t.Fatalf("no Full runbook link in %s", raw)
	}
	resp, page := do(t, "GET", s.base+m[1], "", nil, "Accept", "text/html")
	if resp.StatusCode != 200 || !strings.Contains(string(page), "Rotation runbook: Acme Payments") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("signed link: %d %.300s", resp.StatusCode, page)
	}
	if resp, _ := do(t, "GET", s.base+strings.Replace(m[1], "sig=", "sig=A", 1), "", nil, "Accept", "text/html"); resp.StatusCode != 403 {
		t.Errorf("altered link: %d", resp.StatusCode)
	}
	bare, _, _ := strings.Cut(m[1], "?")
	if resp, _ := do(t, "GET", s.base+bare, "", nil); resp.StatusCode != 403 {
		t.Errorf("unsigned link: %d", resp.StatusCode)
	}
	for _, b := range msg.Blocks {
		if txt, ok := b["text"].(map[string]any); ok {
			if s, _ := txt["text"].(string); len([]rune(s)) > 3000 {
				t.Errorf("a block text is %d characters", len([]rune(s)))
			}
		}
	}

	// Valid with the old secret too (rotor's Slack secret rotates without downtime).
	code, reply, _ = sendSlack(t, slackRequest(t, s.base, oldSecret, time.Now(), form("help", hook.URL)))
	if code != 200 || !strings.Contains(reply.Text, "Usage") {
		t.Errorf("old secret: %d %+v", code, reply)
	}
	// Forged, stale, missing.
	if code, _, _ := sendSlack(t, slackRequest(t, s.base, "not-the-secret", time.Now(), form("help", hook.URL))); code != 401 {
		t.Errorf("forged: %d", code)
	}
	if code, _, _ := sendSlack(t, slackRequest(t, s.base, newSecret, time.Now().Add(-6*time.Minute), form("help", hook.URL))); code != 401 {
		t.Errorf("stale: %d", code)
	}
	unsigned, _ := http.NewRequest("POST", s.base+"/slack/commands", strings.NewReader(form("help", hook.URL).Encode()))
	if code, _, _ := sendSlack(t, unsigned); code != 401 {
		t.Errorf("unsigned: %d", code)
	}

	// A pasted secret is refused in the ephemeral reply, never echoed.
	const live = "xoxb-2837465019-5829301748-aB3dE5fG7hJ9kL1mN3pQ5rS7"
	code, reply, _ = sendSlack(t, slackRequest(t, s.base, newSecret, time.Now(), form("rotate our Slack bot token "+live+" for Chat Ops", hook.URL)))
	if code != 200 || !strings.Contains(reply.Text, "slack-bot-token") || !strings.Contains(reply.Text, "rotate it now") || strings.Contains(reply.Text, live) {
		t.Errorf("pasted secret: %+v", reply)
	}
	if strings.Contains(s.logs.String(), live) {
		t.Error("the pasted value reached the logs")
	}

	// A response_url elsewhere is never followed.
	code, reply, _ = sendSlack(t, slackRequest(t, s.base, newSecret, time.Now(), form(cmd, "https://evil.example.net/steal")))
	if code != 200 || !strings.Contains(reply.Text, "SLACK_RESPONSE_HOSTS") {
		t.Errorf("foreign response_url: %+v", reply)
	}
	// Nothing readable: with an LLM configured the intake tries in the
	// background, and when it cannot read it either, the reply explains.
	code, reply, _ = sendSlack(t, slackRequest(t, s.base, newSecret, time.Now(), form("please do the thing", hook.URL)))
	if code != 200 || reply.ResponseType != "ephemeral" {
		t.Errorf("unreadable: %+v", reply)
	}
	await(t, got, "an answer posted for the unreadable command")
	mu.Lock()
	defer mu.Unlock()
	if len(posted) != 2 || !strings.Contains(string(posted[1]), "could not read that") {
		t.Errorf("%d messages posted; last %.200s", len(posted), posted[len(posted)-1])
	}
}

// TestSlackLLMIntake: with an LLM configured, a command the deterministic
// parser cannot read is read by the intake prompt (strict schema), and the
// runbook is posted.
func TestSlackLLMIntake(t *testing.T) {
	got := make(chan []byte, 2)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer hook.Close()
	req, _ := decode.ParseRequest(acme(t))
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	fake.Script("rotor_intake", llmtest.OK(`{"system":"Acme Payments","trigger":"scheduled","environments":["staging","production"],"secrets":[
		{"name":"Stripe webhook signing secret","kind":"webhook_signing_secret","provider":"stripe","exposure":"internal","consumers":["billing-api","worker-billing"]},
		{"name":"SendGrid API key","kind":"api_key","provider":"sendgrid","exposure":"internal","consumers":["lifecycle-email"]},
		{"name":"Postgres app password","kind":"database_password","provider":"postgres","exposure":"internal","consumers":["api","jobs","analytics-export"]}]}`))
	s := startServer(t, map[string]string{"SLACK_SIGNING_SECRETS": "intake-secret", "SLACK_RESPONSE_HOSTS": hostOf(t, hook.URL),
		"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL()})
	text := "the usual quarterly thing for billing, email and the main db please"
	form := url.Values{"text": {text}, "response_url": {hook.URL}, "channel_name": {"payments"}}
	code, reply, _ := sendSlack(t, slackRequest(t, s.base, "intake-secret", time.Now(), form))
	if code != 200 || !strings.Contains(reply.Text, "Writing a rotation runbook") {
		t.Fatalf("%d %+v", code, reply)
	}
	if body := await(t, got, "the runbook posted"); !strings.Contains(string(body), "Rotation runbook: Acme Payments") || !strings.Contains(string(body), "Postgres app password") {
		t.Errorf("posted: %.400s", body)
	}
	intake := fake.RequestsFor("rotor_intake")
	if len(intake) != 1 || !strings.Contains(intake[0].User, "the usual quarterly thing") || !strings.Contains(intake[0].User, "<rotor-data>") {
		t.Errorf("intake requests: %d", len(intake))
	}
}

func TestSlackWithoutLLMAnswersParseErrorsAtOnce(t *testing.T) {
	s := startServer(t, map[string]string{"SLACK_SIGNING_SECRETS": "plain-secret", "SLACK_RESPONSE_HOSTS": "127.0.0.1"})
	form := url.Values{"text": {"please do the thing"}, "response_url": {"http://127.0.0.1:1/x"}, "channel_name": {"ops"}}
	code, reply, _ := sendSlack(t, slackRequest(t, s.base, "plain-secret", time.Now(), form))
	if code != 200 || !strings.Contains(reply.Text, "no secret named") || !strings.Contains(reply.Text, "Usage") {
		t.Errorf("%d %+v", code, reply)
	}
	// Slack is off without signing secrets.
	off := startServer(t, nil)
	if code, _, _ := sendSlack(t, slackRequest(t, off.base, "x", time.Now(), form)); code != 404 {
		t.Errorf("unconfigured slack: %d", code)
	}
}
