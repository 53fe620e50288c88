package intake

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// weekMention is an ISO week a text names: its tokens and its Monday and
// Sunday (YYYY-MM-DD).
type weekMention struct {
	from, to       int
	monday, sunday string
}

// findWeeks marks the ISO weeks of a text ("ISO week 52", "KW 12 2027",
// "2026-W52") as dates: in as_of's year unless the text gives one (the next
// year when that week is over). Without as_of a week with no year is not
// read: the text is raised rather than dated in a guessed year.
func (rd *reader) findWeeks(p *parsedText) {
	n := len(p.toks)
	add := func(from, to, year, week int) {
		if year == 0 {
			if rd.asOf.IsZero() {
				return
			}
			year, _ = rd.asOf.ISOWeek()
			if _, sun, ok := isoWeek(year, week); ok && sun.Before(rd.asOf.Truncate(24*time.Hour)) {
				year++
			}
		}
		mon, sun, ok := isoWeek(year, week)
		if !ok {
			return
		}
		for k := from; k < to; k++ {
			p.toks[k].date = true
		}
		p.weeks = append(p.weeks, weekMention{from: from, to: to, monday: mon.Format("2006-01-02"), sunday: sun.Format("2006-01-02")})
	}
	for i := 0; i < n; i++ {
		if y, w, ok := isoWeekToken(p.toks[i].text); ok {
			add(i, i+1, y, w)
			continue
		}
		m := rd.lex.c.weeks.find(p.toks, i, min(n, i+3))
		if len(m) == 0 || m[0].from != i || m[0].to >= n {
			continue
		}
		w, err := strconv.Atoi(p.toks[m[0].to].low)
		if err != nil || w < 1 || w > 53 {
			continue
		}
		end, year := m[0].to+1, 0
		if end < n && len(p.toks[end].low) == 4 && isDigitString(p.toks[end].low) {
			year, _ = strconv.Atoi(p.toks[end].low)
			end++
		}
		add(i, end, year, w)
		i = end - 1
	}
}

// isoWeekToken reads "2026-W52" or "2026W52".
func isoWeekToken(s string) (year, week int, ok bool) {
	l := strings.ToLower(s)
	k := strings.Index(l, "w")
	if k < 4 {
		return 0, 0, false
	}
	y := strings.TrimSuffix(l[:k], "-")
	if len(y) != 4 || !isDigitString(y) || !isDigitString(l[k+1:]) || len(l)-k-1 > 2 {
		return 0, 0, false
	}
	year, _ = strconv.Atoi(y)
	week, _ = strconv.Atoi(l[k+1:])
	return year, week, week >= 1 && week <= 53
}

// isoWeek is the Monday and Sunday of an ISO week; false when the year has
// no such week.
func isoWeek(year, week int) (time.Time, time.Time, bool) {
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, time.UTC)
	mon := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(week-1))
	if y, w := mon.ISOWeek(); y != year || w != week {
		return time.Time{}, time.Time{}, false
	}
	return mon, mon.AddDate(0, 0, 6), true
}

// weeksIn lists the weeks written in a clause.
func weeksIn(p *parsedText, from, to int) []weekMention {
	var out []weekMention
	for _, w := range p.weeks {
		if w.from >= from && w.to <= to {
			out = append(out, w)
		}
	}
	return out
}

// periodDeadline reads a deadline at the end of a period ("by the end of
// the quarter", "by the end of Q2", "by the end of ISO week 12", "by
// month-end"): its last day at end of business, dated from as_of.
func (rd *reader) periodDeadline(p *parsedText, from, to int) (Directive, bool) {
	c := &rd.lex.c
	if rd.asOf.IsZero() {
		// No clock: the period's end as a word the runbook's dating
		// resolves (and the planner asks about, as for "today").
		for _, m := range c.periodEnds.find(p.toks, from, to) {
			if day, ok := PeriodEndDays[m.p.label]; ok {
				zone := rd.requestZone
				if zone == "" {
					zone = "UTC"
				}
				at := rd.lex.Time.NamedTimes["end of business"]
				return Directive{Kind: KindDeadline, Deadline: &Deadline{Day: day, At: at, TZ: zone, ZoneGiven: rd.requestZone != ""},
					Evidence: append(evidence(c.by.find(p.toks, from, to), c.completion.find(p.toks, from, to)), m.p.text)}, true
			}
		}
		return Directive{}, false
	}
	zone := rd.requestZone
	for _, i := range sortedInts(rd.zonesIn(p, from, to)) {
		zone = rd.zonesIn(p, from, to)[i].zone
		break
	}
	if zone == "" {
		zone = "UTC"
	}
	loc, _, err := runbook.LoadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	now := rd.asOf.In(loc)
	var last time.Time
	var words string
	// "the end of Q2": that quarter, this year or the next.
	for i := from + 2; i < to; i++ {
		l := p.toks[i].low
		if len(l) == 2 && l[0] == 'q' && l[1] >= '1' && l[1] <= '4' && p.toks[i-2].low == "end" && p.toks[i-1].low == "of" {
			q := int(l[1] - '0')
			last = time.Date(now.Year(), time.Month(3*q)+1, 0, 0, 0, 0, 0, loc)
			if last.Before(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)) {
				last = last.AddDate(1, 0, 0)
				last = time.Date(last.Year(), time.Month(3*q)+1, 0, 0, 0, 0, 0, loc)
			}
			words = quote(p, i-2, i+1)
		}
	}
	if words == "" {
		for _, m := range c.periodEnds.find(p.toks, from, to) {
			switch m.p.label {
			case "quarter":
				q := (int(now.Month()) + 2) / 3
				last = time.Date(now.Year(), time.Month(3*q)+1, 0, 0, 0, 0, 0, loc)
			case "month":
				last = time.Date(now.Year(), now.Month()+1, 0, 0, 0, 0, 0, loc)
			case "year":
				last = time.Date(now.Year(), 12, 31, 0, 0, 0, 0, loc)
			case "week":
				ws := weeksIn(p, m.from, to)
				if len(ws) == 0 {
					continue // "the end of the week": Friday or Sunday? raised
				}
				last, _ = time.ParseInLocation("2006-01-02", ws[0].sunday, loc)
			}
			words = m.p.text
			break
		}
	}
	if words == "" {
		return Directive{}, false
	}
	at := rd.lex.Time.NamedTimes["end of business"]
	rd.assume(fmt.Sprintf("%q is read as %s %s, end of business on its last day", words, last.Format("2006-01-02"), at))
	return Directive{Kind: KindDeadline, Deadline: &Deadline{Date: last.Format("2006-01-02"), Day: words, At: at, TZ: zone, ZoneGiven: zone != "UTC" || rd.requestZone != ""},
		Evidence: append(evidence(c.by.find(p.toks, from, to), c.completion.find(p.toks, from, to)), words)}, true
}

// PeriodEndDays are the words a deadline at the end of a period keeps as
// its day until the runbook is dated (no as_of).
var PeriodEndDays = map[string]string{"month": "end of the month", "quarter": "end of the quarter", "year": "end of the year"}

// PeriodEnd is the last day of the period a PeriodEndDays word names, as of
// a moment; false for any other word.
func PeriodEnd(day string, now time.Time) (time.Time, bool) {
	y, m, loc := now.Year(), now.Month(), now.Location()
	switch day {
	case PeriodEndDays["month"]:
		return time.Date(y, m+1, 0, 0, 0, 0, 0, loc), true
	case PeriodEndDays["quarter"]:
		q := (int(m) + 2) / 3
		return time.Date(y, time.Month(3*q)+1, 0, 0, 0, 0, 0, loc), true
	case PeriodEndDays["year"]:
		return time.Date(y, 12, 31, 0, 0, 0, 0, loc), true
	}
	return time.Time{}, false
}

// dateDeadline reads a date with no clock right after "before" or "by", in
// a clause that forbids and permits nothing ("Annual rotation required ...
// before 31 December"): a deadline, not a day to work on. "before" is the
// date's 00:00; "by" is its end of business. A date without a year is its
// next one.
func (rd *reader) dateDeadline(p *parsedText, from, to int, dates []schedule.DateMention) (Directive, bool) {
	c := &rd.lex.c
	if len(dates) != 1 {
		return Directive{}, false
	}
	k := from
	for k < to && p.toks[k].to <= dates[0].From {
		k++
	}
	j := k - 1
	if j >= from && p.toks[j].low == "the" {
		j--
	}
	if j >= from {
		// "by Friday 2026-12-18": the weekday names the date.
		if days, ok := dayWord(p.toks[j].text); ok && len(days) == 1 && unicode.IsUpper([]rune(p.toks[j].text)[0]) {
			j--
		}
	}
	if j >= from && p.toks[j].low == "on" && j > from && c.expiry.has(p.toks, j-1, j) {
		j-- // "expires on 2027-01-04"
	}
	if j < from {
		return Directive{}, false
	}
	// "(due Dec 15), not part of the incident": a due date, whatever the
	// rest of the clause denies (review17-cold4 r6). "Prod secret expires
	// 2027-01-04": the credential stops working then; its replacement is
	// live before (review17-cold5 r53).
	expires := c.expiry.has(p.toks, j, j+1)
	due := p.toks[j].low == "due" || expires
	// What the clause denies after the date ("…, not by email") says
	// nothing about it.
	if !due && (c.negators.has(p.toks, from, k) || c.forbid.has(p.toks, from, k) || c.allow.has(p.toks, from, k)) {
		return Directive{}, false
	}
	m := c.by.find(p.toks, max(from, j-1), j+1)
	if due {
		m = []match{{p: &phrase{text: p.toks[j].low}, from: j, to: j + 1}}
	}
	if len(m) == 0 || m[len(m)-1].to != j+1 {
		return Directive{}, false
	}
	prep := m[len(m)-1].p.text
	at := rd.lex.Time.NamedTimes["end of business"]
	if c.before.has(p.toks, m[len(m)-1].from, j+1) && prep != "until" && prep != "till" || expires {
		at = "00:00"
	}
	zone := rd.requestZone
	if zone == "" {
		zone = "UTC"
	}
	dl := &Deadline{Day: dates[0].Date, At: at, TZ: zone, ZoneGiven: rd.requestZone != ""}
	if !rd.asOf.IsZero() {
		loc, _, err := runbook.LoadZone(zone)
		if err != nil {
			loc = time.UTC
		}
		switch d := dates[0].Date; {
		case strings.HasPrefix(d, "--"):
			if t, ok := schedule.NextAnnual(d, rd.asOf.In(loc)); ok {
				dl.Date = t.Format("2006-01-02")
			}
		default:
			dl.Date = d
		}
	}
	rd.assume(fmt.Sprintf("%q is read as a deadline at %s %s", quote(p, m[len(m)-1].from, to), dl.At, zone))
	return Directive{Kind: KindDeadline, Deadline: dl, Evidence: []string{prep, quote(p, k, to)}}, true
}
