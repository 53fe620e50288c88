package intake

import (
	"strconv"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// FieldExposedSince marks a detail that dates when the value was exposed
// ("Found in a screenshot ... last Thursday", "Committed to a public fork two
// hours ago"): Value is the moment, YYYY-MM-DD or YYYY-MM-DDTHH:MMZ (UTC),
// resolved from as_of; the words themselves when no as_of dates them. It is
// a fact about the exposure (how long the value was live), never a time
// rule.
const FieldExposedSince = "exposed_since"

// exposedSince reads a clause that dates an exposure: a verb that exposes or
// finds the value, and a time in the past ("two hours ago", "last
// Thursday", "yesterday", a date before as_of). The clause's time words
// are that date, not a time to work in or keep clear of.
func (rd *reader) exposedSince(p *parsedText, from, to int) (Directive, bool) {
	c := &rd.lex.c
	verbs := c.exposureVerbs.find(p.toks, from, to)
	if len(verbs) == 0 || c.negators.has(p.toks, from, to) {
		return Directive{}, false
	}
	when, words, ok := rd.pastMoment(p, from, to)
	if !ok {
		return Directive{}, false
	}
	return Directive{Kind: KindDetail, Field: FieldExposedSince, Value: when, Evidence: append(evidence(verbs[:1]), words)}, true
}

// pastMoment finds a time in the past in a clause and resolves it from
// as_of: the moment (a date, or a UTC time for a count of minutes or
// hours), and the words. Without as_of the words are the moment.
func (rd *reader) pastMoment(p *parsedText, from, to int) (string, string, bool) {
	c := &rd.lex.c
	asOf := rd.asOf.UTC()
	date := func(t time.Time) string { return t.Format("2006-01-02") }
	// "two hours ago", "3 days ago", "an hour earlier".
	for _, m := range c.exposureAgo.find(p.toks, from, to) {
		k := m.from - 1
		if k <= from {
			continue
		}
		unit, ok := rd.lex.Rules.Units[p.toks[k].low]
		n, next := 0, k-1
		if !ok && k-1 > from {
			// "2 business days ago".
			unit, ok = rd.lex.Rules.Units[p.toks[k-1].low+" "+p.toks[k].low]
			next = k - 2
		}
		if !ok || next < from {
			continue
		}
		n, ok = rd.count(p.toks[next].low)
		if !ok {
			continue
		}
		words := quote(p, next, m.to)
		if rd.asOf.IsZero() {
			return words, words, true
		}
		d, _ := time.ParseDuration(unit)
		t := asOf.Add(-time.Duration(n) * d)
		if d < 24*time.Hour {
			return t.Format("2006-01-02T15:04Z"), words, true
		}
		return date(t), words, true
	}
	// "last Thursday": the latest such day before as_of's.
	for i := from; i+1 < to; i++ {
		if p.toks[i].low != "last" {
			continue
		}
		d, ok := dayWord(p.toks[i+1].text)
		if !ok || len(d) != 1 {
			continue
		}
		words := quote(p, i, i+2)
		if rd.asOf.IsZero() {
			return words, words, true
		}
		t := asOf.AddDate(0, 0, -1)
		for t.Weekday() != weekday(d[0]) {
			t = t.AddDate(0, 0, -1)
		}
		return date(t), words, true
	}
	// "yesterday", "this morning".
	if m := c.exposureDays.find(p.toks, from, to); len(m) > 0 {
		words := m[0].p.text
		if rd.asOf.IsZero() {
			return words, words, true
		}
		return date(asOf.AddDate(0, 0, -rd.lex.Rules.ExposureDays[m[0].p.label])), words, true
	}
	// A date on or before as_of.
	for _, d := range datesIn(p, from, to) {
		if !runbook.ValidDate(d.Date) || strings.HasPrefix(d.Date, "--") {
			continue
		}
		t, err := time.Parse("2006-01-02", d.Date)
		if err != nil || (!rd.asOf.IsZero() && t.After(asOf)) {
			continue
		}
		return d.Date, p.text[d.From:d.To], true
	}
	return "", "", false
}

// count reads a small count: digits, "a", "an", "one" or a count word.
func (rd *reader) count(w string) (int, bool) {
	switch w {
	case "a", "an", "one":
		return 1, true
	}
	if n, ok := rd.lex.Time.Counts[w]; ok {
		return n, true
	}
	n, err := strconv.Atoi(w)
	return n, err == nil && n > 0
}
