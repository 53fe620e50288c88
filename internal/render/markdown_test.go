package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

func TestHostileTextCannotBreakTheDocument(t *testing.T) {
	rb := &runbook.Runbook{ID: "rb_x", System: "Evil | <script>alert(1)</script>\n# Fake heading", CreatedAt: time.Unix(0, 0),
		Sections: runbook.Sections{Inventory: &runbook.Inventory{Secrets: []runbook.InventorySecret{{
			ID: "a", Name: "key | with pipe", Owner: "x\n\n## Injected", Systems: []string{"s"}, Action: "`kubectl a | b`",
		}}}}}
	var buf bytes.Buffer
	if err := Markdown(&buf, rb); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, bad := range []string{"\n# Fake heading", "\n## Injected", "| key | with pipe |"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if outsideCode(line, "<") {
			t.Errorf("raw < outside a code span (HTML could start): %q", line)
		}
	}
	for _, want := range []string{"`<script>`", `key \| with pipe`, "`kubectl a \\| b`"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestText(t *testing.T) {
	tests := map[string]string{
		"plain":                   "plain",
		"<start time, UTC>":       "`<start time, UTC>`",
		"run `a <b>` then <c>":    "run `a <b>` then `<c>`",
		"unmatched ` tick <x>":    "unmatched ' tick `<x>`",
		"a < b and 3 > 2":         "a `<` b and 3 > 2",
		"Dashboard > Webhooks":    "Dashboard > Webhooks",
		"two\nlines\n\n# heading": "two lines # heading",
	}
	for in, want := range tests {
		if got := text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAbsentSectionsAreLeftOut(t *testing.T) {
	rb := &runbook.Runbook{ID: "rb_x", System: "S", Sections: runbook.Sections{Rollback: &runbook.Rollback{Triggers: []string{"t"}}}}
	var buf bytes.Buffer
	if err := Markdown(&buf, rb); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Priority Inventory") || !strings.Contains(buf.String(), "## Rollback") {
		t.Errorf("got:\n%s", buf.String())
	}
}
