package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// signedPage posts a request and returns the path of its runbook page (the
// signed link of the answer's Link header).
func signedPage(t *testing.T, base, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, "POST", base+"/runbooks", "application/json", data)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	link := resp.Header.Get("Link")
	start, end := strings.Index(link, "<"), strings.Index(link, ">")
	if start < 0 || end < start {
		t.Fatalf("no page link: %q", link)
	}
	return link[start+1 : end]
}

// TestBrowserPageForPeople: the runbook page in Chromium has a table of
// contents whose every link lands on the page, downloads the runbook as
// Markdown and JSON (no key: the signed link), puts a copy button on every
// command, keeps ticked boxes per runbook across a reload (and not on
// another runbook), and shows no empty "· ·" chip.
func TestBrowserPageForPeople(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	s := startServer(t, nil)
	acmePage := signedPage(t, s.base, "../../eval/requests/acme-payments.json")
	otherPage := signedPage(t, s.base, "../../eval/requests/minimal.json")

	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return n
	}
	do("open the page", chromedp.Navigate(s.base+acmePage), chromedp.WaitVisible(chromedp.CSS("#card")))

	// Contents: every entry points at something on the page.
	links := eval(`document.querySelectorAll('#toc a').length`)
	dead := eval(`[...document.querySelectorAll('#toc a')].filter(a => !document.getElementById(a.getAttribute('href').slice(1))).length`)
	if links < 12 || dead != 0 {
		t.Errorf("contents: %d links, %d lead nowhere", links, dead)
	}

	// Following an appendix's entry opens that appendix (a collapsed
	// <details>), and the contents are one line of the header, so the card
	// still starts on the first screen.
	do("follow an appendix link", chromedp.Click(chromedp.CSS(`#toc a[href="#appendix-rollback"]`)))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('appendix-rollback').open`,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(0))); err != nil {
		t.Errorf("the rollback appendix did not open: %v", err)
	}
	if top := eval(`(() => { window.scrollTo(0, 0); return Math.round(document.getElementById('card').getBoundingClientRect().top); })()`); top > 280 {
		t.Errorf("the card starts at %d px, below the first screen's top third", top)
	}

	// Downloads, through the signed link (a browser sends no key).
	for sel, want := range map[string]string{"#download-md": "# API Key and Secret Rotation Runbook - Acme Payments", "#download-json": `"system": "Acme Payments"`} {
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+sel+`').getAttribute('href')`))
		if err != nil || href == "" {
			t.Fatalf("%s: %q %v", sel, href, err)
		}
		resp, body := doGet(t, s.base+href)
		if resp.StatusCode != 200 || !strings.Contains(strings.ReplaceAll(string(body), `":"`, `": "`), want) || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s %s: %d %q %.120s", sel, href, resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
		}
	}

	// A copy button on every command, and it copies.
	cmds, buttons := eval(`document.querySelectorAll('code.cmd').length`), eval(`document.querySelectorAll('code.cmd + button.copy').length`)
	if cmds == 0 || buttons != cmds {
		t.Errorf("%d commands, %d copy buttons", cmds, buttons)
	}
	do("copy a command", chromedp.Click(chromedp.CSS("code.cmd + button.copy")))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('code.cmd + button.copy').dataset.copied === '1'`,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(0))); err != nil {
		t.Errorf("the copy button did not copy: %v", err)
	}

	// Ticked boxes survive a reload, for this runbook only.
	do("tick a box", chromedp.Click(chromedp.CSS(`#card input[type=checkbox]`)))
	eval(`(() => { document.querySelectorAll('#card input[type=checkbox]')[1].click(); return 1; })()`)
	do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#card")))
	if n := eval(`document.querySelectorAll('#card input[type=checkbox]:checked').length`); n != 2 {
		t.Errorf("%d boxes ticked after a reload, want 2", n)
	}
	do("another runbook", chromedp.Navigate(s.base+otherPage), chromedp.WaitVisible(chromedp.CSS("#card")))
	if n := eval(`document.querySelectorAll('input[type=checkbox]:checked').length`); n != 0 {
		t.Errorf("another runbook shows %d ticked boxes", n)
	}

	// No empty chip anywhere.
	do("back", chromedp.Navigate(s.base+acmePage), chromedp.WaitVisible(chromedp.CSS("#card")))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "· ·") || strings.Contains(text, "·  ·") {
		t.Error("the page shows an empty chip")
	}
	if dir := os.Getenv("ROTOR_BROWSER_SCREENSHOTS"); dir != "" {
		if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "runbook-page-contents.png"), png, 0o644)
		}
	}
}

func doGet(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	return do(t, "GET", url, "", nil)
}

// TestBrowserSequenceOnce: the Acme runbook page, as printed (print media
// in Chromium, the text a reader sees), holds the rotation sequence once:
// each step of the sequence is printed in exactly one line of the card's
// steps ("2/6 create: ...", "10-11 revoke: ..."), and no step's action is
// printed more often than the sequence has it (the card and an expanded
// appendix both printing it). It logs the page's height (the issue
// measured 14,358 px with the sequence twice).
func TestBrowserSequenceOnce(t *testing.T) {
	ctx, cancel := browser(t)
	defer cancel()
	s := startServer(t, nil)
	data, err := os.ReadFile("../../eval/requests/acme-payments.json")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, "POST", s.base+"/runbooks", "application/json", data)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var rb struct {
		Sections struct {
			RotationSequence struct {
				Tracks []struct {
					Steps []struct {
						Order  int
						Action string
					}
				}
			} `json:"rotation_sequence"`
		}
	}
	if err := json.Unmarshal(body, &rb); err != nil {
		t.Fatal(err)
	}
	link := resp.Header.Get("Link")
	page := link[strings.Index(link, "<")+1 : strings.Index(link, ">")]

	norm := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "`", "")), " ") }
	actions := map[string]int{}
	var orders []int
	for _, tr := range rb.Sections.RotationSequence.Tracks {
		for _, st := range tr.Steps {
			orders = append(orders, st.Order)
			if a := norm(st.Action); len(a) >= 40 {
				actions[a[:40]]++
			}
		}
	}
	if len(orders) < 20 {
		t.Fatalf("the sequence has %d steps", len(orders))
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+page), chromedp.WaitVisible(chromedp.CSS("main")),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		})); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	height, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
	t.Logf("the Acme page, printed: %d px tall at 1280 px, %d characters", height, len(text))

	// The card's step lines: "N phase:", "N/M phase:" (staging/production),
	// "N-M phase:" (a run of steps).
	printed := map[int]int{}
	stepLine := regexp.MustCompile(`(?m)^\s*(\d+)(?:([/-])(\d+))?\s+[a-z][a-z ]*:`)
	for _, m := range stepLine.FindAllStringSubmatch(text, -1) {
		a, _ := strconv.Atoi(m[1])
		b := a
		if m[3] != "" {
			b, _ = strconv.Atoi(m[3])
		}
		switch m[2] {
		case "/":
			printed[a]++
			printed[b]++
		default:
			for o := a; o <= b; o++ {
				printed[o]++
			}
		}
	}
	for _, o := range orders {
		if printed[o] != 1 {
			t.Errorf("step %d is printed in %d of the card's step lines, want 1", o, printed[o])
		}
	}
	text = norm(text)
	for a, n := range actions {
		if got := strings.Count(text, a); got > n {
			t.Errorf("printed %d times, the sequence has it %d: %q", got, n, a)
		}
	}
}
