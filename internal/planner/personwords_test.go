package planner

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestOpenItemsAskAPerson: over every eval request, each open item the
// planner raises (not one quoting the requester's own words) says what is
// missing as a question a person can answer, and neither it nor its
// question's first sentence (what the operator card shows) uses a word of
// rotor's own making (testdata/person_words.yaml; review19 round 3 S7).
func TestOpenItemsAskAPerson(t *testing.T) {
	data, err := os.ReadFile("testdata/person_words.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var words []struct{ Word, Why string }
	if err := yaml.UnmarshalWithOptions(data, &words, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	type rule struct {
		re  *regexp.Regexp
		why string
	}
	var rules []rule
	for _, w := range words {
		pat := `(?i)\b` + regexp.QuoteMeta(w.Word)
		if last := w.Word[len(w.Word)-1]; last >= 'a' && last <= 'z' || last >= 'A' && last <= 'Z' {
			pat += `\b`
		}
		rules = append(rules, rule{regexp.MustCompile(pat), w.Word + ": " + w.Why})
	}
	files, _ := filepath.Glob("../../eval/requests/*.json")
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			f := plan(t, load(t, name))
			for _, it := range f.OpenItems {
				quotes := strings.HasPrefix(it.Source, "constraints") || strings.HasSuffix(it.Source, "notes")
				shown := firstSentenceOf(it.Question)
				if !quotes {
					shown = it.Text + " | " + shown
					if !strings.HasSuffix(strings.TrimSpace(it.Text), "?") {
						t.Errorf("%s (%s): %q is a statement; the card shows it as what is missing: ask the question", it.ID, it.Source, it.Text)
					}
				}
				for _, r := range rules {
					if r.re.MatchString(shown) {
						t.Errorf("%s (%s) shows %q: %s", it.ID, it.Source, shown, r.why)
					}
				}
			}
		})
	}
}

// firstSentenceOf is a question's first sentence (to its first ". " or
// "? "), what the card shows of it.
func firstSentenceOf(q string) string {
	q = strings.Join(strings.Fields(q), " ")
	for i := 0; i+1 < len(q); i++ {
		if (q[i] == '.' || q[i] == '?') && q[i+1] == ' ' {
			return q[:i+1]
		}
	}
	return q
}
