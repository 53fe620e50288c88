package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/section"
)

// chromium finds Debian's Chromium. Where the browser test must run (CI, or
// ROTOR_REQUIRE_BROWSER set) a missing one fails the test; elsewhere it is
// skipped saying how to get it. -short skips it.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("drives Chromium: skipped by -short")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" || os.Getenv("ROTOR_REQUIRE_BROWSER") != "" {
		t.Fatal("Chromium is required here (apt-get install -y chromium; .ci/run installs it)")
	}
	t.Skip("no Chromium: apt-get install -y chromium, or run .ci/run")
	return ""
}

// browser starts a headless Chromium with the flags this closed network
// needs (without them it stalls on background requests) and a fresh
// profile.
func browser(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	// Bounded by the test's deadline (go test -timeout), not by a clock of
	// its own that a loaded machine could run out.
	cancelTimeout := context.CancelFunc(func() {})
	if d, ok := t.Deadline(); ok {
		ctx, cancelTimeout = context.WithDeadline(ctx, d.Add(-30*time.Second))
	}
	return ctx, func() { cancelTimeout(); cancelCtx(); cancelAlloc() }
}

// screenshot saves the page as a PNG under testdata/.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return ""
	}
	path := filepath.Join("testdata", name)
	if err := os.MkdirAll("testdata", 0o755); err == nil {
		if err := os.WriteFile(path, png, 0o644); err == nil {
			abs, _ := filepath.Abs(path)
			return abs
		}
	}
	return ""
}

// foldState is where the card and the appendices are on the first screen.
type foldState struct {
	CardTop       float64 `json:"cardTop"`
	CardBottom    float64 `json:"cardBottom"`
	AppendicesTop float64 `json:"appendicesTop"`
	Viewport      int     `json:"viewport"`
	Details       int     `json:"details"`
	Open          int     `json:"open"`
	VisibleBodies int     `json:"visibleBodies"`
}

// TestBrowserRequestToRunbookPage is a person in Chromium: open the form,
// enter the API key, fill the Acme request, submit, watch the sections
// arrive, read the runbook page; then the page's signed link opens alone and
// an altered one is refused.
func TestBrowserRequestToRunbookPage(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	t.Cleanup(func() {
		if t.Failed() {
			if p := screenshot(t, ctx, fmt.Sprintf("failed-browser-%d.png", time.Now().Unix())); p != "" {
				t.Logf("screenshot of the failure: %s", p)
			}
		}
	})

	// A model held back, so the page shows sections arriving: one answer
	// at first, the others once the page has shown it.
	req, err := decode.ParseRequest(acme(t))
	if err != nil {
		t.Fatal(err)
	}
	answers := offlineAnswers(t, req)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	defer fake.Release()
	fake.Hold()
	fake.Default(func(name string) llmtest.Reply { return llmtest.OK(answers[name]) })
	fake.Reads(llmtest.NewReader())
	const key = "browser-key-5c2e"
	s := startServer(t, map[string]string{"ROTOR_API_KEYS": "ci:sha256:" + keyHash(key), "OPENAI_API_KEY": "sk-test-fake",
		"OPENAI_BASE_URL": fake.BaseURL(), "ROTOR_LLM_CONCURRENCY": "2", "ROTOR_RATE_LIMIT": "10000/m"})

	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	set := func(sel, value string) chromedp.Action[chromedp.Void] {
		return chromedp.SetValue(chromedp.CSS(sel), value)
	}
	click := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }
	run("open the form", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(chromedp.CSS("#request-form")))
	run("fill the request",
		set("#api-key", key),
		set("#system", req.System),
		set("#trigger", string(req.Trigger)),
		set("#environments", "staging, production"),
		click(`input[name=deployment][value=kubernetes]`),
		click(`input[name=deployment][value=ci_cd]`),
		set("#secret_store", string(req.SecretStore)),
		set("#downtime_tolerance", string(req.DowntimeTolerance)),
	)
	for i, sec := range req.Secrets {
		if i > 0 {
			run("add a secret", click("#add-secret"))
		}
		row := fmt.Sprintf("#secret-list > .secret:nth-child(%d) ", i+1)
		run("fill secret "+sec.Name,
			set(row+"[name=secret_name]", sec.Name),
			set(row+"[name=secret_kind]", string(sec.Kind)),
			set(row+"[name=secret_provider]", sec.Provider),
			set(row+"[name=secret_owner]", sec.Owner),
			set(row+"[name=secret_consumers]", strings.Join(sec.Consumers, ", ")),
			set(row+"[name=secret_environments]", strings.Join(sec.Environments, ", ")),
			set(row+"[name=secret_exposure]", string(sec.Exposure)),
		)
	}
	var services, owners []string
	for _, sv := range req.Services {
		services = append(services, fmt.Sprintf("%s, %s, %s", sv.Name, sv.Owner, sv.Criticality))
	}
	for _, o := range req.Owners {
		owners = append(owners, fmt.Sprintf("%s, %s", o.Name, o.Role))
	}
	run("fill the context",
		set("#services", strings.Join(services, "\n")),
		set("#owners", strings.Join(owners, "\n")),
		set("#constraints", strings.Join(req.Constraints, "\n")),
	)
	shots := os.Getenv("ROTOR_BROWSER_SCREENSHOTS") // a directory, to look at the pages
	if shots != "" {
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[any](`window.scrollTo(0, 0)`))
		if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(filepath.Join(shots, "request-form.png"), png, 0o644)
		}
	}
	run("submit", click("#submit"))

	// The runbook page: progress while sections arrive, then the runbook.
	// The progress page, or the form showing why it refused the request.
	run("open the progress page", chromedp.WaitVisible(chromedp.CSS("#progress, #form-errors")))
	if errs, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('form-errors') || {}).textContent || ''`)); errs != "" {
		t.Fatalf("the form was refused: %s", errs)
	}
	// The model reads the request's prose first (one call per text), then
	// one section may arrive.
	fake.Allow(proseTexts(req) + 1)
	// Waits on the page's DOM changes, for as long as the test may run.
	arrived, err := chromedp.Run(ctx, chromedp.Poll[int](`document.querySelectorAll('#progress li:not(.state-pending)').length`,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(0)))
	if err != nil || arrived == 0 {
		t.Fatalf("the page never showed a section arriving: %d %v", arrived, err)
	}
	fake.Release()
	// When the last section arrives the page reloads as the runbook.
	run("the runbook", chromedp.WaitVisible(chromedp.CSS("#sections")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#sections section.runbook-section').length`)); err != nil || n != len(section.IDs()) {
		t.Fatalf("the runbook page shows %d sections: %v", n, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Rotation runbook: Acme Payments", "Operator card", "Growth Eng", "Check: ",
		"Stripe webhook signing secret", "SendGrid API key", "Postgres app password", "billing-api", "analytics-export",
		"inventory: llm", "automation: llm", "Appendices"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for i, id := range section.IDs() {
		if want := fmt.Sprintf("%d. %s", i+1, section.Title(id)); !strings.Contains(text, want) {
			t.Errorf("the page lacks the section %q", want)
		}
	}
	boxes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#card input[type=checkbox]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if boxes < 10 {
		t.Errorf("%d checkboxes on the card", boxes)
	}
	// At 1280×800 the first screen is the card (right under the header,
	// filling the rest of the screen), and the appendices are collapsed:
	// their titles show, their bodies do not.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatal(err)
	}
	fold, err := chromedp.Run(ctx, chromedp.Evaluate[foldState](`(() => { window.scrollTo(0, 0);
			const card = document.getElementById('card').getBoundingClientRect();
			const app = document.getElementById('appendices').getBoundingClientRect();
			const details = [...document.querySelectorAll('#appendices details')];
			return {cardTop: card.top, cardBottom: card.bottom, appendicesTop: app.top, viewport: window.innerHeight,
				details: details.length, open: details.filter(d => d.open).length,
				visibleBodies: details.filter(d => [...d.children].some(c => c.tagName !== 'SUMMARY' && c.checkVisibility())).length};
		})()`))
	if err != nil {
		t.Fatal(err)
	}
	if fold.Viewport != 800 || fold.CardTop > 0.35*800 || fold.CardBottom < 800 || fold.AppendicesTop < fold.CardBottom {
		t.Errorf("the card is not the first screen at 1280×800: %+v", fold)
	}
	if fold.Details < len(section.IDs()) || fold.Open != 0 || fold.VisibleBodies != 0 {
		t.Errorf("the appendices are not collapsed: %+v", fold)
	}
	if strings.Contains(text, "Dependency map") || strings.Contains(text, "Business impact") {
		t.Error("appendix bodies are visible")
	}
	if shots != "" {
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(filepath.Join(shots, "runbook-page-full.png"), png, 0o644)
		}
		if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(filepath.Join(shots, "runbook-page.png"), png, 0o644)
		}
	}

	// The link opens in a browser that never had the key (a fresh tab
	// with no session storage), for this runbook only.
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/r/") || u.Query().Get("sig") == "" || u.Query().Get("exp") == "" {
		t.Fatalf("the page is not behind a signed link: %q", link)
	}
	tab, closeTab := chromedp.NewContext(ctx)
	defer closeTab()
	if err := chromedp.Do(tab, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	again, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(again, "Rotation runbook: Acme Payments") {
		t.Errorf("the signed link in a fresh tab: %.300s", again)
	}
	q := u.Query()
	q.Set("exp", fmt.Sprint(time.Now().Add(365*24*time.Hour).Unix()))
	altered := *u
	altered.RawQuery = q.Encode()
	if err := chromedp.Do(tab, chromedp.Navigate(altered.String())); err != nil {
		t.Fatal(err)
	}
	refused, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refused, "Link refused") || strings.Contains(refused, "Acme") {
		t.Errorf("an altered link (expiry pushed back): %.300s", refused)
	}
}
