package eval

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeListsEveryOutcomeAssertion: the README's assertion table has a
// row for every outcome assertion, and says how many there are (a re-read
// found production_restored and exists_once, used by cases, missing from
// the table, and "the last thirteen" of fourteen rows).
func TestReadmeListsEveryOutcomeAssertion(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| ((?:`[a-z_]+`(?:, )?)+) \\|").FindAllStringSubmatch(readme, -1) {
		for _, ty := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(m[1], -1) {
			rows[ty[1]] = true
		}
	}
	for ty := range outcomeTypes {
		if !rows[ty] {
			t.Errorf("the README's assertion table has no row for %s", ty)
		}
	}
	words := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
		"twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"}
	if len(outcomeTypes) >= len(words) {
		t.Fatalf("%d outcome assertions: this test needs more number words", len(outcomeTypes))
	}
	if want := "The outcome assertions (the last " + words[len(outcomeTypes)] + ")"; !strings.Contains(readme, want) {
		t.Errorf("the README does not say %q", want)
	}
}
