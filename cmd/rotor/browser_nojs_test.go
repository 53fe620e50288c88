package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserFormWithoutJavaScript is a person whose browser runs no
// JavaScript: the form comes with a secret row, "Add a secret" adds one
// through the server, a pasted secret is refused on the page (the field
// named, the value gone), and the form, sent as the browser sends it, opens
// the runbook page through its signed link.
func TestBrowserFormWithoutJavaScript(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	const key = "nojs-key-41ab"
	s := startServer(t, map[string]string{"ROTOR_API_KEYS": "ci:sha256:" + keyHash(key), "ROTOR_RATE_LIMIT": "10000/m"})

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	html := func() string {
		t.Helper()
		h, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	type_ := func(sel, text string) chromedp.Action[chromedp.Void] {
		return chromedp.SendKeys(chromedp.CSS(sel), text)
	}
	do("start", chromedp.Navigate("about:blank"), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	do("open the form", chromedp.Navigate(s.base+"/"), chromedp.WaitVisible(chromedp.CSS("#request-form")))
	if n := strings.Count(html(), `name="secret_name" id="secret-`); n != 1 {
		t.Fatalf("the form without JavaScript has %d secret rows, want 1", n)
	}

	// A second secret, through the server.
	do("fill the first secret", type_("#api-key", key), type_("#system", "Acme Payments"),
		type_("#secret-0-name", "Stripe webhook signing secret"), type_("#secret-0-consumers", "billing-api, worker-billing"))
	do("add a secret", chromedp.Click(chromedp.CSS("#add-secret")), chromedp.WaitVisible(chromedp.CSS("#secret-1-name")))
	page := html()
	if !strings.Contains(page, `value="Stripe webhook signing secret"`) || !strings.Contains(page, `value="billing-api, worker-billing"`) {
		t.Errorf("adding a row lost what was typed")
	}

	// A pasted secret: refused on the page, nothing of it shown again.
	const live = "sk_live_" + "51HqLyjWDarjtT1zdp7dcQ9"
	do("paste a secret", type_("#secret-1-name", "SendGrid API key"), type_("#constraints", "old key "+live),
		type_("#api-key", key), chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#form-errors")))
	page = html()
	if strings.Contains(page, "51HqLyjWDarjtT1zdp7dcQ9") || !strings.Contains(page, "<code>constraints[0]</code>") || !strings.Contains(page, "looks like a live secret") {
		t.Fatalf("the refusal page: %.2000s", page)
	}
	if shots := os.Getenv("ROTOR_BROWSER_SCREENSHOTS"); shots != "" {
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[any](`window.scrollTo(0, 0)`))
		if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(filepath.Join(shots, "request-form-nojs.png"), png, 0o644)
		}
	}

	// The form again, sent as the browser sends it.
	do("fill the form", type_("#api-key", key), type_("#system", "Acme Payments"),
		type_("#secret-0-name", "Stripe webhook signing secret"), type_("#secret-0-consumers", "billing-api"),
		chromedp.Click(chromedp.CSS(`input[name=deployment][value=kubernetes]`)),
		type_("#constraints", "Maintenance window Tuesdays 02:00-04:00 UTC"),
		chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#card")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/r/rb_") || !strings.Contains(loc, "sig=") {
		t.Fatalf("the form did not open the runbook's signed page: %q %v", loc, err)
	}
	page = html()
	for _, want := range []string{"Rotation runbook: Acme Payments", "Stripe webhook signing secret", "billing-api", "Operator card"} {
		if !strings.Contains(page, want) {
			t.Errorf("the runbook page lacks %q", want)
		}
	}
	// The page script never ran: no copy buttons (it adds them).
	if !strings.Contains(page, `class="cmd"`) || strings.Contains(page, `class="copy"`) {
		t.Error("JavaScript ran: the page has copy buttons")
	}
}
