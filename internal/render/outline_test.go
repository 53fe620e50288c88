package render

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestOutline: a section without a view of its own is shown as its fields in
// the Go type's order, names in words, list items numbered, empty fields
// left out, yes/no for a flag; text is escaped like every other Markdown
// line.
func TestOutline(t *testing.T) {
	v := &runbook.ExternalComms{Applicable: true, Reason: "Customers call the <webhook URL>",
		Messages: []runbook.Message{{Audience: "customers", Subject: "Key rotation"}}}
	nodes, err := Outline(v)
	if err != nil {
		t.Fatal(err)
	}
	want := []Node{
		{Key: "applicable", Value: "yes"},
		{Key: "reason", Value: "Customers call the <webhook URL>"},
		{Key: "messages", Children: []Node{{Key: "1", Children: []Node{
			{Key: "audience", Value: "customers"}, {Key: "subject", Value: "Key rotation"}}}}},
	}
	if diff := cmp.Diff(want, nodes); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	m := &md{}
	outlineMarkdown(m, nodes, 0)
	got := m.String()
	for _, line := range []string{"- **applicable:** yes", "- **reason:** Customers call the `<webhook URL>`", "- **messages**", "  - **1**", "    - **audience:** customers"} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("no line %q in:\n%s", line, got)
		}
	}
}
