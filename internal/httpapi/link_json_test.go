package httpapi_test

import (
	"strings"
	"testing"
)

// TestLinkCopiedFromRawJSONSaysSo: the page link of an async answer, copied
// from the raw JSON, has \u0026 where the link has & (and a browser sends
// it as %5Cu0026). The refusal says that, not "altered or cut ... /rotate in
// Slack", which speaks to no API user.
func TestLinkCopiedFromRawJSONSaysSo(t *testing.T) {
	f := newFixture(t, nil)
	link := f.links.Page("rb_one")
	for _, tc := range []struct{ name, target string }{
		{"as curl sends it", strings.ReplaceAll(link, "&", `\u0026`)},
		{"as a browser sends it", strings.ReplaceAll(link, "&", `%5Cu0026`)},
		{"upper-case escape", strings.ReplaceAll(link, "&", `%5CU0026`)},
	} {
		for _, accept := range []string{"text/html", "application/json"} {
			w := f.do("GET", tc.target, "Accept", accept)
			body := w.Body.String()
			if w.Code != 403 || !strings.Contains(body, `\u0026`) || !strings.Contains(body, "jq -r") || strings.Contains(body, "Slack") {
				t.Errorf("%s (%s): %d %s", tc.name, accept, w.Code, body)
			}
		}
	}
	// A link altered otherwise keeps the general refusal.
	if w := f.do("GET", strings.Replace(link, "sig=", "sig=0", 1), "Accept", "application/json"); w.Code != 403 || strings.Contains(w.Body.String(), "u0026") {
		t.Errorf("altered: %d %s", w.Code, w.Body.String())
	}
}
