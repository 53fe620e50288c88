package main

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/llm/llmtest"
)

// formPost posts values as a browser without JavaScript does, without
// following the redirect.
func formPost(t *testing.T, base string, values url.Values, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/", strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// acmeForm is the Acme request as the form's fields: two secret rows (each
// field once per row), the context as lines.
func acmeForm(key string) url.Values {
	return url.Values{
		"api_key":             {key},
		"system":              {"Acme Payments"},
		"trigger":             {"scheduled"},
		"environments":        {"staging, production"},
		"deployment":          {"kubernetes", "ci_cd"},
		"secret_store":        {"aws_secrets_manager"},
		"downtime_tolerance":  {"none"},
		"secret_name":         {"Stripe webhook signing secret", "SendGrid API key"},
		"secret_kind":         {"webhook_signing_secret", ""},
		"secret_provider":     {"stripe", "sendgrid"},
		"secret_owner":        {"Payments", "Growth Eng"},
		"secret_consumers":    {"billing-api, worker-billing", "lifecycle-email"},
		"secret_environments": {"staging, production", ""},
		"secret_exposure":     {"", "internal"},
		"secret_notes":        {"", "Used by the lifecycle mailer only"},
		"services":            {"billing-api, Payments, high\r\n\r\nlifecycle-email, Growth Eng, medium"},
		"owners":              {"Security, approver"},
		"constraints":         {"Maintenance window Tuesdays 02:00-04:00 UTC"},
	}
}

// TestFormWorksWithoutJavaScript posts the request form as a browser
// without JavaScript does (application/x-www-form-urlencoded, the API key a
// field) to POST /: a good form is a 303 to the runbook's signed page,
// which shows the runbook and belongs to the key; a bad one is the form
// again, each problem named by its field, values kept; a pasted secret is a
// 422 form that repeats nothing of it (nor any other value), and nothing
// reaches the model or the log; a wrong key is a 401 form; a post from
// another site is refused; "Add a secret" adds a row through the server.
func TestFormWorksWithoutJavaScript(t *testing.T) {
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	const key = "form-key-9d1e"
	s := startServer(t, map[string]string{"ROTOR_API_KEYS": "ci:sha256:" + keyHash(key), "ROTOR_RATE_LIMIT": "10000/m",
		"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_MAX_ATTEMPTS": "1"})
	fake.Default(func(string) llmtest.Reply { return llmtest.Reply{Kind: llmtest.Refusal} })

	// Nothing is sent to the model until a form passes the screen.
	calls := func() int { return len(fake.Requests()) }

	t.Run("pasted secret", func(t *testing.T) {
		const live = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
		for _, place := range []struct{ field, value string }{
			{"constraints", "Maintenance window Tuesdays\nthe old key was " + live},
			{"secret_notes", "|" + live},
			{"system", "Acme " + live},
		} {
			v := acmeForm(key)
			if place.field == "secret_notes" {
				v.Set("secret_notes", "")
				v["secret_notes"] = []string{"", live}
			} else {
				v.Set(place.field, place.value)
			}
			before := calls()
			resp, body := formPost(t, s.base, v)
			if resp.StatusCode != 422 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("%s: %d %s %.300s", place.field, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if strings.Contains(body, "4eC39HqLyjWDarjtT1zdp7dc") || strings.Contains(body, `value="Acme Payments"`) || strings.Contains(body, "lifecycle mailer") {
				t.Errorf("%s: the refusal shows what was posted", place.field)
			}
			if !strings.Contains(body, "looks like a live secret") {
				t.Errorf("%s: the page does not say why: %.600s", place.field, body)
			}
			want := map[string]string{"constraints": "constraints[1]", "secret_notes": "secrets[1].notes", "system": "system"}[place.field]
			if !strings.Contains(body, "<code>"+want+"</code>") {
				t.Errorf("%s: the page does not name %s", place.field, want)
			}
			if calls() != before {
				t.Errorf("%s: the model was called", place.field)
			}
		}
		if strings.Contains(s.logs.String(), "4eC39HqLyjWDarjtT1zdp7dc") {
			t.Error("the log holds the secret")
		}
	})

	t.Run("invalid fields are named, values kept", func(t *testing.T) {
		v := acmeForm(key)
		v["secret_kind"] = []string{"webhook_signing_secret", "apikey"}
		v.Set("services", "billing-api, Payments, urgent")
		resp, body := formPost(t, s.base, v)
		if resp.StatusCode != 400 {
			t.Fatalf("%d %.300s", resp.StatusCode, body)
		}
		for _, want := range []string{`<code>secrets[1].kind</code>`, `href="#secret-1-kind">Secret 2, kind</a>`,
			`<code>services[0].criticality</code>`, `Services, line 1 (criticality)`,
			`id="secret-1-kind" class="invalid" aria-invalid="true"`, `value="Acme Payments"`, `value="SendGrid API key"`,
			`Used by the lifecycle mailer only</textarea>`, `<option value="aws_secrets_manager" selected>`,
			`name="deployment" value="kubernetes" checked`} {
			if !strings.Contains(body, want) {
				t.Errorf("the form shown again lacks %s", want)
			}
		}
		if strings.Contains(body, key) {
			t.Error("the form shows the API key again")
		}
		resp, body = formPost(t, s.base, url.Values{"api_key": {key}, "system": {"Billing"}, "secret_name": {"Mailgun API key"}, "sytem": {"x"}})
		if resp.StatusCode != 400 || !strings.Contains(body, "<code>sytem</code>") || !strings.Contains(body, "not a field of the request form") {
			t.Errorf("an unknown field: %d %.400s", resp.StatusCode, body)
		}
		resp, body = formPost(t, s.base, url.Values{"api_key": {key}, "system": {"Billing"}})
		if resp.StatusCode != 400 || !strings.Contains(body, "<code>secrets</code>") {
			t.Errorf("no secret: %d %.400s", resp.StatusCode, body)
		}
	})

	t.Run("keys and origins", func(t *testing.T) {
		v := acmeForm("not-the-key-0000")
		resp, body := formPost(t, s.base, v)
		if resp.StatusCode != 401 || !strings.Contains(body, `href="#api-key">API key</a>`) || strings.Contains(body, "not-the-key-0000") ||
			!strings.Contains(body, `value="Acme Payments"`) {
			t.Errorf("a wrong key: %d %.400s", resp.StatusCode, body)
		}
		resp, body = formPost(t, s.base, acmeForm(key), "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if resp.StatusCode != 403 || !strings.Contains(body, "another site") {
			t.Errorf("a post from another site: %d %.300s", resp.StatusCode, body)
		}
		resp, body = formPost(t, s.base, acmeForm(key), "Content-Type", "application/json")
		if resp.StatusCode != 400 || !strings.Contains(body, "application/x-www-form-urlencoded") {
			t.Errorf("JSON to the form: %d %.300s", resp.StatusCode, body)
		}
	})

	t.Run("add and remove a secret row", func(t *testing.T) {
		v := acmeForm("")
		v.Set("add_secret", "1")
		resp, body := formPost(t, s.base, v)
		if resp.StatusCode != 200 || strings.Count(body, `name="secret_name" id="secret-`) != 3 || !strings.Contains(body, `id="secret-2-name"`) {
			t.Errorf("add a secret: %d, %d rows", resp.StatusCode, strings.Count(body, `name="secret_name" id="secret-`))
		}
		v = acmeForm("")
		v.Set("remove_secret", "0")
		_, body = formPost(t, s.base, v)
		if strings.Count(body, `name="secret_name" id="secret-`) != 1 || strings.Contains(body, `value="Stripe webhook signing secret"`) || !strings.Contains(body, `value="SendGrid API key"`) {
			t.Errorf("remove the first secret: %d rows", strings.Count(body, `name="secret_name" id="secret-`))
		}
	})

	t.Run("a good form opens its runbook", func(t *testing.T) {
		resp, body := formPost(t, s.base, acmeForm(key))
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/r/rb_") || !strings.Contains(loc, "sig=") {
			t.Fatalf("%d %q %.300s", resp.StatusCode, loc, body)
		}
		page, html := doGet(t, s.base+loc)
		if page.StatusCode != 200 {
			t.Fatalf("the page: %d", page.StatusCode)
		}
		for _, want := range []string{"Rotation runbook: Acme Payments", "Stripe webhook signing secret", "SendGrid API key", "lifecycle-email", "Operator card"} {
			if !strings.Contains(string(html), want) {
				t.Errorf("the runbook page lacks %q", want)
			}
		}
		// It belongs to the key that posted the form, and it is the runbook
		// the same request as JSON makes.
		id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/r/")
		r, js := do(t, "GET", s.base+"/runbooks/"+id, "", nil, "Authorization", "Bearer "+key)
		if r.StatusCode != 200 || !bytes.Contains(js, []byte(`"Growth Eng"`)) || !bytes.Contains(js, []byte("Used by the lifecycle mailer only")) {
			t.Errorf("GET /runbooks/%s with the key: %d %.200s", id, r.StatusCode, js)
		}
	})
}
