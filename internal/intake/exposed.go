package intake

import (
	"fmt"
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
	v, w, ok := rd.relativeMoment(p, from, to)
	// "Emailed to the agency on 30 November; Security found it this
	// morning": the earliest moment the clause gives dates the exposure
	// (review17-cold5 row 77).
	if dv, dw, dok := rd.datedMoment(p, from, to); dok && (!ok || !rd.asOf.IsZero() && EarlierMoment(dv, v)) {
		return dv, dw, true
	}
	return v, w, ok
}

// EarlierMoment reports whether a resolved exposure moment (YYYY-MM-DD or
// YYYY-MM-DDTHH:MMZ) is before another; a day alone is its start.
func EarlierMoment(a, b string) bool {
	parse := func(v string) (time.Time, bool) {
		for _, layout := range []string{"2006-01-02T15:04Z", "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	ta, ok1 := parse(a)
	tb, ok2 := parse(b)
	return ok1 && ok2 && ta.Before(tb)
}

// relativeMoment is a past moment a clause writes relative to as_of ("two
// hours ago", "last Thursday", "yesterday").
func (rd *reader) relativeMoment(p *parsedText, from, to int) (string, string, bool) {
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
	return rd.datedMoment(p, from, to)
}

// datedMoment is a date on or before as_of a clause writes, with the clock
// time and zone after it when it gives them.
func (rd *reader) datedMoment(p *parsedText, from, to int) (string, string, bool) {
	asOf := rd.asOf.UTC()
	date := func(t time.Time) string { return t.Format("2006-01-02") }
	// A date on or before as_of; one without a year ("3 Dec") is the
	// latest such day on or before as_of (review17-cold5 row 77: "attached
	// it to Jira ticket OPS-4412 on 3 Dec at 11:20 IST" was never read).
	for _, d := range datesIn(p, from, to) {
		day := d.Date
		if md, ok := strings.CutPrefix(day, "--"); ok {
			if rd.asOf.IsZero() {
				continue
			}
			t, err := time.Parse("2006-01-02", fmt.Sprintf("%04d-%s", asOf.Year(), md))
			if err != nil {
				continue
			}
			if t.After(asOf) {
				t = t.AddDate(-1, 0, 0)
			}
			day = date(t)
		}
		if !runbook.ValidDate(day) {
			continue
		}
		t, err := time.Parse("2006-01-02", day)
		if err != nil || (!rd.asOf.IsZero() && t.After(asOf)) {
			continue
		}
		words := p.text[d.From:d.To]
		// "on 3 Dec at 11:20 IST": the clock time right after the date,
		// in the zone it names, is the moment (UTC). Without a zone the
		// day alone says it (never a guessed zone).
		if at, end, ok := rd.clockAfter(p, d.To, to); ok {
			if loc, _, err := runbook.LoadZone(at.zone); err == nil && at.zone != "" {
				m := time.Date(t.Year(), t.Month(), t.Day(), at.minutes/60, at.minutes%60, 0, 0, loc).UTC()
				if rd.asOf.IsZero() || !m.After(asOf) {
					return m.Format("2006-01-02T15:04Z"), p.text[d.From:end], true
				}
			}
		}
		return day, words, true
	}
	return "", "", false
}

// clockAt is a clock time a clause writes and the zone after it.
type clockAtZone struct {
	minutes int
	zone    string
}

// clockAfter reads a clock time within three tokens after the byte offset
// at (a date's end: "at 11:20 IST", "around 09:15 CET"), with the zone
// right after it; it returns the time and the byte offset its words end at.
func (rd *reader) clockAfter(p *parsedText, at, to int) (clockAtZone, int, bool) {
	i := 0
	for i < to && p.toks[i].from < at {
		i++
	}
	for k := i; k < min(to, i+3); k++ {
		v, n, named, ok := rd.clockAt(p, k, to)
		if !ok || named != "" {
			continue
		}
		out, end := clockAtZone{minutes: v}, k+n
		zones := rd.zonesIn(p, end, min(to, end+3))
		if z, ok := zones[end]; ok {
			out.zone, end = z.zone, z.to
		}
		return out, p.toks[end-1].to, true
	}
	return clockAtZone{}, 0, false
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
