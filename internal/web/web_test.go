package web

import (
	"strings"
	"testing"
)

func TestRichEscapesEverything(t *testing.T) {
	for in, want := range map[string]string{
		"run `kubectl get <pod>` now":       "run <code class=\"cmd\">kubectl get &lt;pod&gt;</code> now",
		"<script>alert(1)</script>":         "&lt;script&gt;alert(1)&lt;/script&gt;",
		"unmatched ` <b>":                   "unmatched ` &lt;b&gt;",
		"`</code><script>x</script><code>`": "<code>&lt;/code&gt;&lt;script&gt;x&lt;/script&gt;&lt;code&gt;</code>",
	} {
		if got := string(rich(in)); got != want {
			t.Errorf("rich(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(string(rich(in)), "<script") {
			t.Errorf("rich(%q) lets a tag through", in)
		}
	}
}
