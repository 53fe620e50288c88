package intake

import (
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

var negators = []string{"not", "never", "no", "do not", "nobody may"}

// negate puts a negator before the verb of the clause a window was read
// from: its first activity word, or, with none, its first permission word.
// ok is false when it has neither.
func negate(text string, window Directive, neg string) (string, bool) {
	c := &DefaultLexicon().c
	toks := tokenize(text)
	start := strings.Index(text, window.Quote)
	if start < 0 {
		return "", false
	}
	from, to := len(toks), 0
	for i, t := range toks {
		if t.from >= start && t.to <= start+len(window.Quote) {
			from, to = min(from, i), max(to, i+1)
		}
	}
	at := -1
	for _, ps := range []*phrases{c.activities, c.allow} {
		if m := ps.find(toks, from, to); len(m) > 0 {
			at = m[0].from
			for _, x := range m {
				at = min(at, x.from)
			}
			break
		}
	}
	if at < 0 {
		return "", false
	}
	i := toks[at].from
	return text[:i] + neg + " " + text[i:], true
}

func allows(ds []Directive) bool {
	_, ok := window(ds)
	return ok
}

// window is the first directive read as a window.
func window(ds []Directive) (Directive, bool) {
	for _, d := range ds {
		if d.Kind == KindTimeRule && d.Polarity == Allow {
			return d, true
		}
	}
	return Directive{}, false
}

func readOne(req *runbook.Request, opts Options, text string) []Directive {
	r := *req
	r.Constraints = []string{text}
	return Read(&r, opts).Texts[0].Directives
}

// TestNegatedAllowIsNeverAllow: putting a negator before the verb of every
// corpus row read as a window never leaves a window.
func TestNegatedAllowIsNeverAllow(t *testing.T) {
	_, rows, opts, base := loadCorpus(t)
	// The held-out windows too (their own targets and as_of).
	_, held, hopts, hbase := loadTable(t, "testdata/heldout.yaml")
	type sample struct {
		text string
		opts Options
		base *runbook.Request
	}
	var samples []sample
	for _, row := range rows {
		samples = append(samples, sample{row.Text, opts, base})
	}
	for _, row := range held {
		samples = append(samples, sample{row.Text, hopts, hbase})
	}
	checked := 0
	for _, sm := range samples {
		opts, base, row := sm.opts, sm.base, struct{ Text string }{sm.text}
		w, ok := window(readOne(base, opts, row.Text))
		if !ok {
			continue
		}
		for _, neg := range negators {
			text, ok := negate(row.Text, w, neg)
			if !ok {
				continue
			}
			checked++
			if got := readOne(base, opts, text); allows(got) {
				t.Errorf("%q is read as a window: %v", text, got)
			}
		}
	}
	t.Logf("%d negated variants of the corpus's windows checked", checked)
	if checked < 100 {
		t.Errorf("only %d variants checked", checked)
	}
}

// FuzzNegatedAllowIsNeverAllow: the same over any text the fuzzer makes.
func FuzzNegatedAllowIsNeverAllow(f *testing.F) {
	_, rows, opts, base := loadCorpus(f)
	// Seeds: every phrasing of the corpus, the held-out table and the
	// strangers' table (read with the corpus's targets).
	for _, table := range []string{"testdata/heldout.yaml", "testdata/strangers.yaml"} {
		_, more, _, _ := loadTable(f, table)
		rows = append(rows, more...)
	}
	for _, row := range rows {
		f.Add(row.Text, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, which uint8) {
		if len(text) > runbook.MaxTextChars {
			return
		}
		w, ok := window(readOne(base, opts, text))
		if !ok {
			return
		}
		neg := negators[int(which)%len(negators)]
		negated, ok := negate(text, w, neg)
		if !ok {
			return
		}
		// Only the window's own clause is negated: the clause the negator
		// landed in must not read as a window any more.
		if got := readOne(base, opts, negated); clauseAllows(got, negated, neg) {
			t.Errorf("%q is read as a window: %v", negated, got)
		}
	})
}

// TestLexiconIsWellFormed: the embedded lexicon loads and passes its checks;
// a broken copy is refused with the problem named.
func TestLexiconIsWellFormed(t *testing.T) {
	l := DefaultLexicon()
	if p := l.Check(); len(p) > 0 {
		t.Fatal(p)
	}
	bad := *l
	bad.Time.Negators = append(append([]string{}, l.Time.Negators...), "may")
	bad.Time.Activities = map[string][]string{"deploy": {"Deploy"}}
	bad.Time.NamedTimes = map[string]string{"noon": "12"}
	bad.Rules.Units = map[string]string{"hours": "h"}
	problems := bad.Check()
	for _, want := range []string{`"may" is both a negator and a permission`, `"Deploy" must be lower case`, `"noon" is "12", not HH:MM`,
		`"hours" is "h", not a duration`, "change has no words"} {
		found := false
		for _, p := range problems {
			if containsStr(p, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("problems lack %q: %v", want, problems)
		}
	}
}

func containsStr(s, sub string) bool {
	return len(sub) <= len(s) && (s == sub || len(s) > 0 && (s[:len(sub)] == sub || containsStr(s[1:], sub)))
}

// clauseAllows reports a window read from the clause holding the negator.
func clauseAllows(ds []Directive, text, neg string) bool {
	for _, d := range ds {
		if d.Kind == KindTimeRule && d.Polarity == Allow && strings.Contains(d.Quote, neg+" ") {
			return true
		}
	}
	return false
}
