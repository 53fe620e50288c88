package lint

import (
	"os"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestReadmeListsEveryRule: the README's safety linter section names every
// rule by its id, the errors before "(errors)" and the warnings after it
// (a newcomer's re-read found three error rules the list had never
// gained: sentence-answered, production-restored-first,
// containment-waits-for-no-approval).
func TestReadmeListsEveryRule(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## The safety linter\n")
	if !ok {
		t.Fatal("README has no safety linter section")
	}
	section, _, _ = strings.Cut(section, "\n\n")
	errorsPart, warningsPart, ok := strings.Cut(section, "(errors)")
	if !ok {
		t.Fatalf("the README's rule list has no \"(errors)\":\n%s", section)
	}
	for _, r := range rules() {
		id := "`" + r.ID + "`"
		part, other := errorsPart, warningsPart
		if r.Severity == runbook.SeverityWarning {
			part, other = warningsPart, errorsPart
		}
		switch {
		case strings.Contains(part, id):
		case strings.Contains(other, id):
			t.Errorf("README lists %s (%s) with the other severity", id, r.Severity)
		default:
			t.Errorf("README's safety linter section does not list %s (%s): %s", id, r.Severity, r.Doc)
		}
	}
}
