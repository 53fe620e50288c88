package intake

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// timeExpr is one time written in a clause: a range, a single time, a named
// span ("business hours") or, with no clock at all, a whole day.
type timeExpr struct {
	from, to   int // token range it covers
	start, end int // minutes after midnight; end -1 for a single time
	// startDay and endDay are set on a span across days ("Friday 18:00 to
	// Monday 06:00").
	startDay, endDay string
	// days come from a named span ("business hours" are Mon-Fri).
	days  []string
	named string
	// prep is the preposition before a single time: before, after, from.
	prep  string
	whole bool
	// namedTime is the named time it was written as ("end of business").
	namedTime string
}

// clockAt reads a clock at token i: "08:00", "9am", "9 pm", "noon", "end of
// business". It returns minutes, the tokens it covers and the named time.
func (rd *reader) clockAt(p *parsedText, i, to int) (int, int, string, bool) {
	t := p.toks[i]
	if t.date {
		return 0, 0, "", false
	}
	if m := rd.lex.c.namedTimes.find(p.toks, i, min(to, i+6)); len(m) > 0 && m[0].from == i &&
		(!runbook.OneOf(rd.lex.Time.SoftNamed, m[0].p.label) || i > 0 && runbook.OneOf(rd.lex.Time.SoftPreps, p.toks[i-1].low)) {
		min, _ := runbook.ParseClock(rd.lex.Time.NamedTimes[m[0].p.label])
		return min, m[0].to - i, m[0].p.label, true
	}
	next := ""
	if i+1 < to {
		next = p.toks[i+1].low
	}
	v, ok := parseClockToken(t.low, next)
	if !ok {
		return 0, 0, "", false
	}
	n := 1
	if meridiem(t.low[max(0, len(t.low)-2):]) == "" && strings.ContainsAny(t.low, "0123456789") && meridiem(next) != "" && !strings.HasSuffix(t.low, "m") {
		n = 2 // "9 pm"
	}
	return v, n, "", true
}

// timeExprs finds the times a clause writes, in order.
func (rd *reader) timeExprs(p *parsedText, from, to int) []timeExpr {
	c := &rd.lex.c
	var out []timeExpr
	i := from
	for i < to {
		if m := c.namedSpans.find(p.toks, i, to); len(m) > 0 && m[0].from == i && !rd.inDeadlinePhrase(p, from, to, m[0]) {
			// "business hours (Mon-Fri 09:00-17:00 CET)": the text defines
			// it; the definition is read instead.
			if m[0].to < to && p.toks[m[0].to].text == "(" {
				i = m[0].to
				continue
			}
			ns := rd.lex.Time.NamedSpans[atoi(m[0].p.label)]
			s, _ := runbook.ParseClock(ns.Start)
			e, _ := runbook.ParseClock(ns.End)
			end := m[0].to
			if hs, he, k, ok := bareHours(p, end, to); ok {
				// "business hours 09–18": the hours after the name are
				// its own (never the lexicon's 09:00-17:00).
				s, e, end = hs, he, k
			}
			out = append(out, timeExpr{from: i, to: end, start: s, end: e, days: ns.Days, named: m[0].p.text})
			i = end
			continue
		}
		s, n, named, ok := rd.clockAt(p, i, to)
		if !ok {
			// "9-5pm": a bare hour takes the meridiem of the end.
			if h, err := strconv.Atoi(p.toks[i].low); err == nil && h >= 1 && h <= 12 && !p.toks[i].date && i+2 < to {
				if jm := c.rangeJoin.find(p.toks, i+1, min(to, i+3)); len(jm) > 0 && jm[0].from == i+1 {
					if e, n2, _, ok := rd.clockAt(p, jm[0].to, to); ok {
						mer := meridiem(lastMeridiem(p.toks[jm[0].to : jm[0].to+n2]))
						st, ok := clockMinutes(p.toks[i].low, "", mer)
						if h24, ok24 := clockMinutes(p.toks[i].low, "", ""); (!ok || st >= e) && ok24 && h24 < e {
							st, ok = h24, true
						}
						if ok && mer != "" && st < e {
							out = append(out, timeExpr{from: i, to: jm[0].to + n2, start: st, end: e})
							i = jm[0].to + n2
							continue
						}
					}
				}
			}
			// "between 8 and 11 Eastern": two bare morning hours, the end
			// after the start (review17-cold4 r3: read as all day).
			if h, err := strconv.Atoi(p.toks[i].low); err == nil && h >= 5 && h <= 11 && !p.toks[i].date && i+2 < to && i > from &&
				c.between.has(p.toks, i-1, i) && c.rangeJoin.has(p.toks, i+1, i+2) {
				if e, err := strconv.Atoi(p.toks[i+2].low); err == nil && e > h && e <= 12 && !p.toks[i+2].date &&
					(i+3 >= to || meridiem(p.toks[i+3].low) == "") {
					rd.assume(fmt.Sprintf("%q is read as %02d:00-%02d:00", quote(p, i-1, i+3), h, e))
					out = append(out, timeExpr{from: i - 1, to: i + 3, start: h * 60, end: e * 60})
					i += 3
					continue
				}
			}
			// "between 8 and 6": bare hours, the start before noon and the
			// end after it (working hours, 08:00-18:00).
			if h, err := strconv.Atoi(p.toks[i].low); err == nil && h >= 5 && h <= 11 && !p.toks[i].date && i+2 < to && i > from &&
				c.between.has(p.toks, i-1, i) && c.rangeJoin.has(p.toks, i+1, i+2) {
				if e, err := strconv.Atoi(p.toks[i+2].low); err == nil && e >= 1 && e < h && e <= 8 && !p.toks[i+2].date &&
					(i+3 >= to || meridiem(p.toks[i+3].low) == "") {
					rd.assume(fmt.Sprintf("%q is read as %02d:00-%02d:00", quote(p, i-1, i+3), h, e+12))
					out = append(out, timeExpr{from: i - 1, to: i + 3, start: h * 60, end: (e + 12) * 60})
					i += 3
					continue
				}
			}
			i++
			continue
		}
		x := timeExpr{from: i, to: i + n, start: s, end: -1, namedTime: named}
		// A range: "08:00 to 18:00", "08:00-18:00", "Friday 18:00 to Monday
		// 06:00", "18:00 Friday until 06:00 Monday", "Thursday 18:00 UTC
		// till Monday 06:00 UTC" (a zone may follow the start).
		j := i + n
		if j < to {
			if _, z := zoneToken(p.toks[j]); z && j+1 < to {
				j++
			}
		}
		startDay := ""
		if i > from {
			if d, ok := dayWord(p.toks[i-1].text); ok && len(d) == 1 {
				startDay = d[0]
			}
		}
		if j+1 < to {
			if d, ok := dayWord(p.toks[j].text); ok && len(d) == 1 && c.rangeJoin.has(p.toks, j+1, min(to, j+2)) {
				startDay, j = d[0], j+1
			}
		}
		if j < to {
			if jm := c.rangeJoin.find(p.toks, j, min(to, j+3)); len(jm) > 0 && jm[0].from == j {
				k := jm[0].to
				endDay := ""
				if k < to {
					if d, ok := dayWord(p.toks[k].text); ok && len(d) == 1 && k+1 < to {
						if _, _, _, ok := rd.clockAt(p, k+1, to); ok {
							endDay, k = d[0], k+1
						}
					}
				}
				if k < to {
					if e, n2, named2, ok := rd.clockAt(p, k, to); ok {
						if named2 == "midnight" || (e == 0 && named2 == "" && p.toks[k].low == "24:00") {
							e = 1440
						}
						end := k + n2
						// "06:00 Monday": the day after the end's clock.
						if endDay == "" && end < to {
							if d, ok := dayWord(p.toks[end].text); ok && len(d) == 1 {
								endDay, end = d[0], end+1
							}
						}
						// "Tuesday 02:00 and Thursday 22:00" are two times, not a
						// span across days: "and" joins a span only after
						// "between".
						and := jm[0].p.text == "and" && !c.between.has(p.toks, max(from, x.from-2), x.from)
						switch {
						case endDay != "" && startDay != "" && endDay != startDay && and:
							// Two times: the next one is read on its own.
						case endDay != "" && startDay != "" && endDay != startDay:
							x.end, x.to = e, end
							x.startDay, x.endDay = startDay, endDay
							if i > from && dayIs(p.toks[i-1].text, startDay) {
								x.from = i - 1
							}
						case and && endDay == "" && startDay == "":
							// "at 06:00 and 14:00": two times, each read on its
							// own ("between 06:00 and 14:00" is a range).
						default:
							x.end, x.to = e, k+n2
							// "2:00-3:30pm": the start takes the end's
							// meridiem (review17-cold4 r3: read as
							// 02:00-15:30).
							if lastMeridiem(p.toks[i:i+n]) == "" && meridiem(lastMeridiem(p.toks[k:k+n2])) == "pm" && x.start < 720 && x.start+720 < e {
								x.start += 720
							}
						}
						if x.end == x.start {
							i = x.to
							continue
						}
					}
				}
			}
		}
		if x.end < 0 {
			x.prep = rd.prepBefore(p, from, i)
		}
		// "between 08:00 and 18:00", "from 08:00 to 18:00": the preposition
		// belongs to the range.
		if x.end >= 0 && i > from {
			if m := c.between.find(p.toks, max(from, i-2), i); len(m) > 0 && m[len(m)-1].to == i {
				x.from = m[len(m)-1].from
			} else if m := c.from.find(p.toks, max(from, i-2), i); len(m) > 0 && m[len(m)-1].to == i {
				x.from = m[len(m)-1].from
			}
		}
		out = append(out, x)
		i = x.to
	}
	// A whole-day named span next to clock times is their days ("22:00-23:30
	// on weekends"): the day reader takes it.
	if len(out) > 1 {
		var kept []timeExpr
		for _, x := range out {
			if !(x.named != "" && x.start == 0 && x.end == 1440) {
				kept = append(kept, x)
			}
		}
		out = kept
	}
	return out
}

// inDeadlinePhrase reports a named span that is part of a deadline phrase
// ("last working day" names a day, never working hours).
func (rd *reader) inDeadlinePhrase(p *parsedText, from, to int, m match) bool {
	for _, d := range rd.lex.c.deadline.find(p.toks, from, to) {
		if d.from <= m.from && m.to <= d.to {
			return true
		}
	}
	return false
}

// dayIs reports whether a word names exactly that weekday.
func dayIs(word, day string) bool {
	d, ok := dayWord(word)
	return ok && len(d) == 1 && d[0] == day
}

// lastMeridiem finds "am" or "pm" at the end of a clock's tokens.
func lastMeridiem(toks []token) string {
	for k := len(toks) - 1; k >= 0; k-- {
		l := toks[k].low
		for _, suf := range []string{"a.m.", "p.m.", "am", "pm"} {
			if strings.HasSuffix(l, suf) {
				return suf
			}
		}
	}
	return ""
}

// prepBefore names the preposition right before token i: before, after,
// from, by, or "".
func (rd *reader) prepBefore(p *parsedText, from, i int) string {
	c := &rd.lex.c
	lo := max(from, i-3)
	for _, l := range []struct {
		name string
		ps   *phrases
	}{{"before", c.before}, {"after", c.after}, {"from", c.from}, {"by", c.by}} {
		for _, m := range l.ps.find(p.toks, lo, i) {
			if m.to == i || (m.to == i-1 && p.toks[i-1].low == "the") {
				// "wait until after 18:00": not before it.
				if l.name == "after" && m.from > from && c.before.has(p.toks, m.from-1, m.from) {
					return "before"
				}
				return l.name
			}
		}
	}
	return ""
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// zoneToken reads a time zone: an IANA name ("Europe/Berlin") or an
// abbreviation in capitals ("UTC", "CET").
func zoneToken(t token) (string, bool) {
	s := t.text
	if s == "" || t.date {
		return "", false
	}
	slash := strings.Contains(s, "/")
	if !slash {
		if len(s) > 5 {
			return "", false
		}
		for _, r := range s {
			if !unicode.IsUpper(r) {
				return "", false
			}
		}
	} else if r := []rune(s)[0]; !unicode.IsUpper(r) {
		return "", false
	}
	if z, ok := zoneCache.Load(s); ok {
		return z.(string), z.(string) != ""
	}
	_, canon, err := runbook.LoadZone(s)
	if err != nil {
		canon = ""
	}
	// Loading a zone reads the embedded database: each spelling once.
	zoneCache.Store(s, canon)
	return canon, canon != ""
}

var zoneCache sync.Map

// zoneMention is a time zone written in a clause: its zone and the token
// after it.
type zoneMention struct {
	zone string
	to   int
}

// zonesIn finds the time zones a range writes, by the index of their first
// token: IANA names, abbreviations in capitals, and the lexicon's words
// ("Eastern", "London time").
func (rd *reader) zonesIn(p *parsedText, from, to int) map[int]zoneMention {
	out := map[int]zoneMention{}
	for _, m := range rd.lex.c.zones.find(p.toks, from, to) {
		out[m.from] = zoneMention{rd.lex.Time.Zones[m.p.label], m.to}
	}
	for i := from; i < to; i++ {
		if _, taken := out[i]; taken {
			continue
		}
		if z, ok := zoneToken(p.toks[i]); ok {
			out[i] = zoneMention{z, i + 1}
		}
	}
	return out
}

func sortedInts[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// dayItem is a weekday, a range of weekdays or "every day" in a clause.
type dayItem struct {
	from, to int
	days     []string // nil: every day
}

// dayItems lists the weekdays a clause names outside the times.
func (rd *reader) dayItems(p *parsedText, from, to int, used []bool) []dayItem {
	c := &rd.lex.c
	var out []dayItem
	for i := from; i < to; i++ {
		if used[i-from] || p.toks[i].date {
			continue
		}
		if m := c.everyDay.find(p.toks, i, min(to, i+3)); len(m) > 0 && m[0].from == i {
			out = append(out, dayItem{from: i, to: m[0].to, days: nil})
			i = m[0].to - 1
			continue
		}
		d, ok := dayWord(p.toks[i].text)
		if !ok || d == nil && !strings.EqualFold(p.toks[i].low, "daily") {
			continue
		}
		// "Mon-Fri", "Monday to Friday", "Monday through Friday".
		if i+2 < to && !used[i+2-from] {
			// "Tuesdays and Thursdays" are two days; "between Monday and
			// Friday" is a range.
			if jm := c.rangeJoin.find(p.toks, i+1, min(to, i+3)); len(jm) > 0 && jm[0].from == i+1 && jm[0].to < to &&
				(jm[0].p.text != "and" || c.between.has(p.toks, max(from, i-1), i)) {
				if e, ok := dayWord(p.toks[jm[0].to].text); ok && len(d) == 1 && len(e) == 1 {
					out = append(out, dayItem{from: i, to: jm[0].to + 1, days: dayRange(d[0], e[0])})
					i = jm[0].to
					continue
				}
			}
		}
		out = append(out, dayItem{from: i, to: i + 1, days: d})
	}
	return out
}

func dayRange(a, b string) []string {
	i, j := dayIndex(a), dayIndex(b)
	var out []string
	for k := i; ; k = (k + 1) % 7 {
		out = append(out, runbook.Weekdays[k])
		if k == j {
			break
		}
	}
	return out
}

func dayIndex(d string) int {
	for i, w := range runbook.Weekdays {
		if w == d {
			return i
		}
	}
	return 0
}

// daysOfMonth reads "the 1st of each month", "on the 1st and 15th of every
// month", "monthly on the 15th", "the last day of the month".
func (rd *reader) daysOfMonth(p *parsedText, from, to int) ([]int, []int) {
	c := &rd.lex.c
	months := c.month.find(p.toks, from, to)
	if len(months) == 0 {
		return nil, nil
	}
	var days, at []int
	for i := from; i < to; i++ {
		if p.toks[i].date {
			continue
		}
		// "the last 3 days of the month", "the last two days".
		if n, ok := rd.lastCount(p, i, to); ok {
			if m := c.businessDays.find(p.toks, i+2, min(to, i+5)); len(m) > 0 && m[0].from == i+2 {
				i = m[0].to - 1 // business days (businessDaysOfMonth)
				continue
			}
			if p.toks[i+2].low == "days" || p.toks[i+2].low == "day" {
				for k := -n; k <= -1; k++ {
					days = append(days, k)
				}
				at = append(at, i, i+1, i+2)
				i += 2
				continue
			}
		}
		n, ok := rd.ordinal(p.toks[i].low)
		if !ok {
			continue
		}
		if m := c.businessDays.find(p.toks, i+1, min(to, i+4)); len(m) > 0 && m[0].from == i+1 {
			continue // a business day of the month (businessDaysOfMonth)
		}
		// "the first Sunday of each month": that weekday in the first week.
		if i+1 < to && n >= 1 && n <= 4 {
			if d, isDay := dayWord(p.toks[i+1].text); isDay && len(d) == 1 {
				for k := (n-1)*7 + 1; k <= n*7; k++ {
					days = append(days, k)
				}
				at = append(at, i)
				continue
			}
		}
		for _, m := range months {
			// "last month", "the first months" are not days of a month.
			if m.from == i+1 && (m.p.text == "month" || m.p.text == "months") {
				continue
			}
			if (m.from > i && m.from-i <= 6) || (m.to <= i && i-m.to <= 3) {
				if !containsInt(days, n) {
					days = append(days, n)
				}
				at = append(at, i)
				break
			}
		}
	}
	return days, at
}

// lastCount reads "last N" at token i, N in digits or a count word (2-7):
// "the last two days", "the last 3 business days". The unit starts at i+2.
func (rd *reader) lastCount(p *parsedText, i, to int) (int, bool) {
	if p.toks[i].low != "last" || i+2 >= to {
		return 0, false
	}
	w := p.toks[i+1].low
	n, ok := rd.lex.Time.Counts[w]
	if !ok {
		v, err := strconv.Atoi(w)
		n, ok = v, err == nil
	}
	return n, ok && n >= 1 && n <= 7
}

// ordinal reads "1st", "15th", "first", "last".
func (rd *reader) ordinal(s string) (int, bool) {
	if n, ok := rd.lex.Time.Ordinals[s]; ok {
		return n, true
	}
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		if strings.HasSuffix(s, suf) {
			n, err := strconv.Atoi(strings.TrimSuffix(s, suf))
			return n, err == nil && n >= 1 && n <= 31
		}
	}
	return 0, false
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// cueSet is what a clause says about its times.
type cueSet struct {
	negators, forbid, allow, only, busy, protect, vague, activity []match
}

func (cs cueSet) evidence() []string {
	return evidence(cs.forbid, cs.negators, cs.allow, cs.only, cs.busy, cs.protect, cs.vague, cs.activity)
}

// cues finds the cue words of a clause outside the tokens masked (times,
// dates, days, zones).
func (rd *reader) cues(p *parsedText, from, to int, masked []bool) cueSet {
	c := &rd.lex.c
	free := func(ms []match) []match {
		var out []match
		for _, m := range ms {
			ok := true
			for k := m.from; k < m.to; k++ {
				if masked[k-from] {
					ok = false
				}
			}
			if ok {
				out = append(out, m)
			}
		}
		return out
	}
	return cueSet{
		negators: free(c.negators.find(p.toks, from, to)),
		forbid:   free(c.forbid.find(p.toks, from, to)),
		allow:    free(c.allow.find(p.toks, from, to)),
		only:     free(c.only.find(p.toks, from, to)),
		busy:     free(c.busy.find(p.toks, from, to)),
		protect:  free(c.protect.find(p.toks, from, to)),
		vague:    free(c.vague.find(p.toks, from, to)),
		activity: free(c.activities.find(p.toks, from, to)),
	}
}

// negations counts what negates in a clause: forbid words, and negators
// not part of one ("not allowed" is one).
func (cs cueSet) negations() int {
	n := len(cs.forbid)
	for _, m := range cs.negators {
		inside := false
		for _, f := range cs.forbid {
			if m.from >= f.from && m.to <= f.to {
				inside = true
			}
		}
		if !inside {
			n++
		}
	}
	return n
}

// polarity decides what a clause's cues make of its times.
func (cs cueSet) polarity() Polarity {
	switch {
	case len(cs.vague) > 0 && len(cs.forbid) == 0 && len(cs.negators) == 0:
		return Unclear
	case len(cs.forbid) > 0:
		return Forbid
	case len(cs.negators) > 0 && (len(cs.busy) > 0 || len(cs.protect) > 0) && len(cs.allow) == 0 && len(cs.activity) == 0:
		return Busy
	case len(cs.negators) > 0:
		return Forbid
	case len(cs.allow) > 0:
		return Allow
	case len(cs.busy) > 0:
		return Busy
	case len(cs.activity) > 0 || len(cs.only) > 0:
		// An activity at a time ("Rotate Stripe Tuesdays 02:00"), or "only"
		// a time, says when the work goes.
		return Allow
	}
	return Unclear
}

// activity is the activity a clause's prohibition governs (the first one
// right after a negator or forbid word: "FreightCo carrier cutover tonight:
// no DNS record changes" governs changes, not the cutover), else the first
// activity it names, "" when none.
func (cs cueSet) activityName() string {
	if len(cs.activity) == 0 {
		return ""
	}
	for _, n := range append(append([]match{}, cs.negators...), cs.forbid...) {
		for _, m := range cs.activity {
			if m.from >= n.to && m.from-n.to <= 3 {
				return m.p.label
			}
		}
	}
	first := cs.activity[0]
	for _, m := range cs.activity {
		if m.from < first.from {
			first = m
		}
	}
	return first.p.label
}

// timeDirectives reads the time rules and deadlines of a clause.
func (rd *reader) timeDirectives(p *parsedText, from, to int, exprs []timeExpr, scope Scope, st *textState) []Directive {
	c := &rd.lex.c
	n := to - from
	masked := make([]bool, n)
	mask := func(a, b int) {
		for k := max(a, from); k < min(b, to); k++ {
			masked[k-from] = true
		}
	}
	for _, x := range exprs {
		mask(x.from, x.to)
	}
	var zones []string
	zoneAt := rd.zonesIn(p, from, to)
	for i := from; i < to; i++ {
		if p.toks[i].date {
			masked[i-from] = true
		}
	}
	for _, i := range sortedInts(zoneAt) {
		zones = appendOnce(zones, zoneAt[i].zone)
		mask(i, zoneAt[i].to)
	}
	// What day the clause names, for "that day" in the next one.
	day := rd.clauseDay(p, from, to, st)
	if day != "" {
		st.lastDay = day
		if rd.isDeadline(p, from, to) {
			// "Marta's last day is Friday 2026-12-11; her access ends
			// 18:00": the next clause's deadline falls on that day.
			st.deadlineDay = day
		}
	}
	dom, domAt := rd.daysOfMonth(p, from, to)
	for _, k := range domAt {
		masked[k-from] = true
	}
	// "the last business day of the month": a day counted Monday to
	// Friday, all day ("business day" names no hours here).
	bdom, bdomAt := rd.businessDaysOfMonth(p, from, to)
	if len(bdom) > 0 {
		for _, k := range bdomAt {
			masked[k-from] = true
		}
		exprs = slices.DeleteFunc(slices.Clone(exprs), func(x timeExpr) bool { return x.named != "" && slices.Contains(bdomAt, x.from) })
	}
	// A busy phrase may hold a day ("Black Friday"): it is not a weekday.
	for _, m := range c.busy.find(p.toks, from, to) {
		if m.to-m.from > 1 {
			mask(m.from, m.to)
		}
	}
	items := rd.dayItems(p, from, to, masked)
	for _, it := range items {
		mask(it.from, it.to)
	}
	for _, m := range c.month.find(p.toks, from, to) {
		if len(dom) > 0 || len(bdom) > 0 {
			mask(m.from, m.to)
		}
	}
	for _, m := range c.relativeDays.find(p.toks, from, to) {
		mask(m.from, m.to)
	}
	for _, m := range c.sameDay.find(p.toks, from, to) {
		mask(m.from, m.to)
	}
	dates := datesIn(p, from, to)
	weeks := weeksIn(p, from, to)
	if len(exprs) == 0 {
		if rd.isDeadline(p, from, to) {
			if d, ok := rd.periodDeadline(p, from, to); ok {
				return []Directive{d}
			}
		}
		if d, ok := rd.dateDeadline(p, from, to, dates); ok {
			return []Directive{d}
		}
		// No clock: whole days, when the clause names days, dates, weeks or
		// days of the month.
		if len(items) == 0 && len(dates) == 0 && len(weeks) == 0 && len(dom) == 0 && len(bdom) == 0 && !rd.relativeDay(p, from, to) {
			return nil
		}
		exprs = []timeExpr{{from: from, to: from, start: 0, end: 1440, whole: true}}
	}
	periods := rd.datePeriods(p, dates)
	// "begins 2026-12-19 at 18:00 UTC and ends 2027-01-04 at 08:00 UTC": one
	// span across the dates, held on the whole days it touches (a span has
	// one start and end a day, so the superset is the safe reading).
	if len(dates) == 2 && len(exprs) == 2 && exprs[0].end < 0 && exprs[1].end < 0 && !exprs[0].whole && !exprs[1].whole {
		d0, d1 := dates[0], dates[1]
		t0, t1 := p.toks[exprs[0].from].from, p.toks[exprs[1].from].from
		if (d0.To <= t0 && t0 < d1.From && d1.To <= t1) || (t0 < d0.From && d0.To <= t1 && t1 < d1.From) {
			if f, u, ok := schedule.DatePeriod(dates); ok {
				rd.assume(fmt.Sprintf("%q is held on the whole days from %s to %s", quote(p, from, to), f, u))
				periods = [][2]string{{f, u}}
				exprs = []timeExpr{{from: from, to: from, start: 0, end: 1440, whole: true}}
			}
		}
	}
	for _, w := range weeks {
		pr := [2]string{w.monday, w.sunday}
		if !slices.Contains(periods, pr) {
			periods = append(periods, pr)
		}
	}
	cs := rd.cues(p, from, to, masked)
	isDeadline := rd.isDeadline(p, from, to)
	// "the code freeze, which ends 2026-12-09 at 09:00": one stretch from
	// now until that moment, not 09:00 onwards on that day.
	until := rd.endsAt(p, from, to, dates, exprs, weeks)
	// "by 16:00 on Fridays", "by 18:00 every day": every week, not once.
	recurring := false
	for _, it := range items {
		if it.days == nil || strings.HasSuffix(p.toks[it.to-1].low, "s") {
			recurring = true
		}
	}
	// "by end of day on his last day (23:59 Fri)": the clock says what
	// the named time means; one deadline, not two.
	clock := slices.ContainsFunc(exprs, func(x timeExpr) bool { return x.namedTime == "" && x.end < 0 && !x.whole })
	var out []Directive
	for k, x := range exprs {
		prevEnd := from
		if k > 0 {
			prevEnd = exprs[k-1].to
		}
		nextFrom := to
		if k+1 < len(exprs) {
			nextFrom = exprs[k+1].from
		}
		zone, given := rd.exprZone(p, x, prevEnd, nextFrom, zones, zoneAt)
		if isDeadline && x.end < 0 && !x.whole && !recurring && x.namedTime != "" && clock {
			continue
		}
		if ms := c.mustSucceed.find(p.toks, from, to); len(ms) > 0 && x.from > ms[0].from {
			// "The 06:00 Power BI refresh must not fail, Finance reads it
			// at 07:30": the run before the phrase is the deadline; a
			// time after it is a fact.
			continue
		}
		if isDeadline && x.end < 0 && !x.whole && !recurring {
			out = append(out, rd.deadline(p, from, to, x, zone, given, st, day))
			continue
		}
		if x.whole && isDeadline && len(dom) == 0 && len(bdom) == 0 {
			continue
		}
		single := false
		sp := &Span{Days: []string{}, DaysOfMonth: dom, BusinessDaysOfMonth: bdom, TZ: zone, ZoneGiven: given, Start: formatClock(x.start)}
		if sp.DaysOfMonth == nil {
			sp.DaysOfMonth = []int{}
		}
		if sp.BusinessDaysOfMonth == nil {
			sp.BusinessDaysOfMonth = []int{}
		}
		if until == "" && cs.polarity().Blocks() {
			if u, end, ok := rd.untilMoment(p, from, to, x, zone); ok {
				sp.Start, sp.End, sp.Until, sp.Continuous = "00:00", end, u, true
				ev := append(cs.evidence(), evidence(c.untilWords.find(p.toks, from, to))...)
				out = append(out, Directive{Kind: KindTimeRule, Polarity: cs.polarity(), Activity: cs.activityName(), Span: sp, Scope: scope, Evidence: ev})
				continue
			}
		}
		if until != "" && cs.polarity().Blocks() {
			sp.Start, sp.End, sp.Until, sp.Continuous = "00:00", formatClock(x.start), until, true
			ev := append(cs.evidence(), evidence(c.endsAt.find(p.toks, from, to))...)
			out = append(out, Directive{Kind: KindTimeRule, Polarity: cs.polarity(), Activity: cs.activityName(), Span: sp, Scope: scope, Evidence: ev})
			continue
		}
		switch {
		case x.end >= 0:
			sp.End = formatClock(x.end)
		case x.prep == "before":
			sp.Start, sp.End = "00:00", formatClock(x.start)
		case x.prep == "after", x.prep == "by":
			sp.End = "24:00"
		case cs.polarity() == Busy && x.prep == "":
			// "a CronJob that runs every night at 01:30": a run, kept clear
			// for a while, not from then on.
			n := rd.lex.Time.BusyMinutes
			sp.End = formatClock((x.start + n) % 1440)
			single = true
			rd.assume(fmt.Sprintf("%q gives a start and no end: kept clear %s-%s (%d minutes)", quote(p, from, to), sp.Start, sp.End, n))
		}
		if x.startDay != "" {
			sp.Days, sp.EndDay = []string{x.startDay}, x.endDay
		} else {
			sp.Days = rd.exprDays(p, x, k, exprs, items, from, to)
			if len(sp.Days) == 0 && len(x.days) > 0 {
				sp.Days = append([]string{}, x.days...)
			}
		}
		if d := rd.relativeDate(p, from, to, zone); d != "" && len(periods) == 0 {
			sp.From, sp.Until = d, d
		} else if rd.asOf.IsZero() && len(periods) == 0 {
			if m := c.relativeDays.find(p.toks, from, to); len(m) > 0 {
				sp.RelativeDay = relativeWord(rd.lex.Time.RelativeDays[m[0].p.label])
			}
		}
		pol := cs.polarity()
		ev := cs.evidence()
		if pol == Allow && len(cs.allow) == 0 && len(cs.only) == 0 && c.approval.has(p.toks, from, to) {
			// "Weekend deploys require VP approval": the time says when an
			// approval is needed, not when work may go (the rules read the
			// approval).
			continue
		}
		if x.prep == "by" {
			// Work done by a time every week: nothing after it.
			pol = Forbid
			ev = append(ev, "by")
		}
		// "outside business hours", "except Tuesdays 02:00-04:00": the span
		// after the word is the complement of what the clause says.
		if om := c.outside.find(p.toks, prevEnd, x.from); len(om) > 0 || (x.whole && len(c.outside.find(p.toks, from, to)) > 0) {
			ev = append(ev, evidence(om)...)
			switch {
			case cs.negations() > 1:
				pol = Unclear // "no … not outside": too many negations to trust
			case pol == Allow:
				pol = Forbid
			case pol == Forbid:
				pol = Allow
				sp.Only = true
			case pol == Busy && len(cs.negators) == 0 && (len(cs.only) > 0 || len(cs.activity) > 0):
				// "event-forwarder prod deploys only outside the ingest
				// peak (08:00-18:00)": the work keeps clear of the busy
				// span (review17-cold6 r20).
				pol = Forbid
			default:
				pol = Unclear
			}
		} else if pol == Allow && len(cs.only) > 0 {
			sp.Only = true
		}
		if x.named != "" {
			ev = append(ev, x.named)
		}
		if x.namedTime != "" {
			ev = append(ev, x.namedTime)
		}
		if sp.Start == "00:00" && sp.End == "24:00" && len(sp.Days) == 0 && len(sp.DaysOfMonth) == 0 && len(sp.BusinessDaysOfMonth) == 0 && sp.From == "" && len(periods) == 0 && pol != Allow {
			// Every day, all day, with no date: a rule with no time in it
			// (a freeze): read by the rules, not as a span.
			continue
		}
		if len(periods) == 0 {
			out = append(out, Directive{Kind: KindTimeRule, Polarity: pol, Activity: cs.activityName(), Span: sp, Scope: scope, Evidence: ev,
				keptFrom: x.start, assumed: single, activityOnly: pol == Allow && len(cs.allow) == 0 && len(cs.only) == 0})
		}
		// One rule per period: "Dec 24, Dec 25 and Dec 31" are three days.
		for _, pr := range periods {
			dated := *sp
			pr = rd.nextPeriod(pr, zone)
			dated.From, dated.Until = pr[0], pr[1]
			if rd.weekdaysNameDates(p, from, to) {
				// "Mon 2026-12-21": the weekday names the date, it is no
				// weekly day.
				dated.Days = []string{}
			}
			if pr[0] != pr[1] && x.end < 0 && !x.whole && x.startDay == "" {
				// "from Mon 2026-12-21 00:00 ET through Mon 2027-01-04":
				// one stretch, held on the whole days it touches.
				dated.Start, dated.End = "00:00", "24:00"
				rd.assume(fmt.Sprintf("%q is held on the whole days from %s to %s", quote(p, from, to), pr[0], pr[1]))
			}
			dev := ev
			if pr[0] != pr[1] {
				// "inclusive": the last day is said to be included.
				dev = append(slices.Clone(ev), evidence(c.inclusive.find(p.toks, from, to))...)
			}
			out = append(out, Directive{Kind: KindTimeRule, Polarity: pol, Activity: cs.activityName(), Span: &dated, Scope: scope, Evidence: dev})
		}
	}
	return out
}

// datePeriods groups a clause's dates: two joined by "to", "-", "through"
// are one period; others are days of their own.
func (rd *reader) datePeriods(p *parsedText, dates []schedule.DateMention) [][2]string {
	var out [][2]string
	for i := 0; i < len(dates); i++ {
		if i+1 < len(dates) {
			gap := strings.TrimSpace(p.text[dates[i].To:dates[i+1].From])
			gt := rd.rangeGap(tokenize(gap))
			// "Dec 24, Dec 25 and Dec 31" are days of their own; "between
			// 2026-12-21 and 2027-01-03" is one period.
			and := len(gt) > 0 && gt[0].low == "and" && !rd.betweenBefore(p, dates[i].From)
			if len(gt) > 0 && len(gt) <= 2 && rd.lex.c.rangeJoin.has(gt, 0, len(gt)) && !and {
				if f, u, ok := schedule.DatePeriod(dates[i : i+2]); ok {
					out = append(out, [2]string{f, u})
					i++
					continue
				}
			}
		}
		out = append(out, [2]string{dates[i].Date, dates[i].Date})
	}
	// A year given at one end only: the others take it.
	return out
}

// rangeGap drops from the words between two dates the clocks, zones and
// weekdays that qualify them ("Mon 2026-12-21 00:00 ET through Mon
// 2027-01-04"): what is left joins them or not (review17-cold5 r45: the
// year-end freeze became two single days).
func (rd *reader) rangeGap(gt []token) []token {
	for i := range gt {
		gt[i].low = strings.ToLower(gt[i].text)
	}
	var out []token
	for i := 0; i < len(gt); i++ {
		t := gt[i]
		if _, ok := dayWord(t.text); ok && unicode.IsUpper([]rune(t.text)[0]) {
			continue
		}
		if _, n, _, ok := rd.clockAt(&parsedText{toks: gt}, i, len(gt)); ok && n > 0 {
			i += n - 1
			continue
		}
		if _, ok := rd.lex.Time.Zones[t.low]; ok {
			continue
		}
		if t.low == "at" || t.low == "," {
			continue
		}
		out = append(out, t)
	}
	return out
}

// betweenBefore reports whether the word right before a text offset opens a
// range ("between").
func (rd *reader) betweenBefore(p *parsedText, at int) bool {
	k := -1
	for i, t := range p.toks {
		if t.to <= at {
			k = i
		}
	}
	return k >= 0 && rd.lex.c.periodBetween.has(p.toks, k, k+1)
}

// endsAt is the date a clause's one span runs until without a break ("the
// code freeze, which ends 2026-12-09 at 09:00", "in force until 2026-12-09
// 09:00"), or "": one date, one single time that is not a start, and a word
// that ends the span before both.
func (rd *reader) endsAt(p *parsedText, from, to int, dates []schedule.DateMention, exprs []timeExpr, weeks []weekMention) string {
	if len(dates) != 1 || len(exprs) != 1 || len(weeks) > 0 {
		return ""
	}
	x := exprs[0]
	if x.end >= 0 || x.whole || x.prep == "after" || x.prep == "from" || x.startDay != "" {
		return ""
	}
	c := &rd.lex.c
	if c.from.has(p.toks, from, to) {
		return "" // "from … until …": a start is given
	}
	for _, m := range c.endsAt.find(p.toks, from, to) {
		if m.to <= x.from && p.toks[m.to-1].to <= dates[0].From {
			return dates[0].Date
		}
	}
	return ""
}

// businessDaysOfMonth reads "the last business day of the month", "the
// first working day of each month": the days, and the tokens that say them.
func (rd *reader) businessDaysOfMonth(p *parsedText, from, to int) ([]int, []int) {
	c := &rd.lex.c
	if !c.month.has(p.toks, from, to) {
		return nil, nil
	}
	var days, at []int
	for i := from; i+1 < to; i++ {
		if p.toks[i].date {
			continue
		}
		// "the last 3 business days of the month".
		if n, ok := rd.lastCount(p, i, to); ok {
			if m := c.businessDays.find(p.toks, i+2, min(to, i+5)); len(m) > 0 && m[0].from == i+2 {
				for k := -n; k <= -1; k++ {
					if !containsInt(days, k) {
						days = append(days, k)
					}
				}
				for k := i; k < m[0].to; k++ {
					at = append(at, k)
				}
				i = m[0].to - 1
				continue
			}
		}
		n, ok := rd.ordinal(p.toks[i].low)
		if !ok || n > 23 {
			continue
		}
		m := c.businessDays.find(p.toks, i+1, min(to, i+4))
		if len(m) == 0 || m[0].from != i+1 {
			continue
		}
		if !containsInt(days, n) {
			days = append(days, n)
		}
		for k := i; k < m[0].to; k++ {
			at = append(at, k)
		}
	}
	return days, at
}

// isDeadline reports whether a clause sets a moment work must be done by: a
// deadline phrase, or "by"/"before" with a completion word in a clause that
// negates nothing ("must be gone by 17:00"; "never rotate before 10:00" is
// a time rule).
func (rd *reader) isDeadline(p *parsedText, from, to int) bool {
	c := &rd.lex.c
	if c.deadline.has(p.toks, from, to) || c.mustSucceed.has(p.toks, from, to) {
		return true
	}
	if c.negators.has(p.toks, from, to) || !c.completion.has(p.toks, from, to) {
		return false
	}
	if rd.byMoment(p, from, to) {
		return true
	}
	// "his accounts are disabled at 18:00 that day": the moment access
	// ends.
	for _, m := range c.completion.find(p.toks, from, to) {
		if at := c.completionAt.find(p.toks, m.to, min(to, m.to+1)); len(at) > 0 && at[0].from == m.to {
			return true
		}
		// "IT plans to deactivate it today at 5pm", "gets disabled
		// tomorrow at 18:00", "shuts the v1 API off on 2026-12-14 at
		// 09:00": the moment it ends, a few words on (review17-cold4 r6).
		for k := m.to; k < min(to, m.to+5); k++ {
			if c.completionAt.has(p.toks, k, k+1) && k+1 < to && len(rd.timeExprs(p, k+1, min(to, k+4))) > 0 {
				return true
			}
		}
	}
	return false
}

// byMoment reports a "by" that names a moment: a time, a day, a date, a
// relative day or a by_moment word (lexicon/time.yaml) after it, before the
// next comma ("by 18:00", "by Friday", "by end of day", "by 18 Dec", "by
// tomorrow"). "by mistake", "by a new hire" say how or who, not when.
func (rd *reader) byMoment(p *parsedText, from, to int) bool {
	c := &rd.lex.c
	for _, m := range c.by.find(p.toks, from, to) {
		end := m.to
		for end < min(to, m.to+5) && p.toks[end].text != "," && p.toks[end].text != ";" {
			end++
		}
		if len(rd.timeExprs(p, m.to, end)) > 0 || c.relativeDays.has(p.toks, m.to, end) || c.byMoment.has(p.toks, m.to, end) {
			return true
		}
		for _, t := range p.toks[m.to:end] {
			if _, ok := dayWord(t.text); ok || strings.ContainsAny(t.text, "0123456789") {
				return true
			}
		}
	}
	return false
}

// exprZone is the zone of one time: one written right after it (before the
// next time), or before it, or the clause's, the text's, the request's, or
// UTC.
func (rd *reader) exprZone(p *parsedText, x timeExpr, prevEnd, nextFrom int, clauseZones []string, zoneAt map[int]zoneMention) (string, bool) {
	for i := x.to; i < nextFrom; i++ {
		if z, ok := zoneAt[i]; ok {
			return z.zone, true
		}
	}
	for i := x.from - 1; i >= prevEnd; i-- {
		if z, ok := zoneAt[i]; ok {
			return z.zone, true
		}
	}
	if len(clauseZones) == 1 {
		return clauseZones[0], true
	}
	if rd.zoneStated {
		// "All times Pacific": every clock without its own zone.
		return rd.requestZone, true
	}
	if len(p.zones) > 0 && allSame(p.zones) {
		return p.zones[0], true
	}
	if rd.requestZone != "" {
		return rd.requestZone, false
	}
	return "UTC", false
}

func allSame(list []string) bool {
	for _, s := range list {
		if s != list[0] {
			return false
		}
	}
	return true
}

// exprDays assigns the weekdays of a clause to one of its times: a day right
// after a time ("08:00-10:00 on Mondays") is that time's; otherwise a day
// belongs to the time after it; a clause with one time takes every day.
func (rd *reader) exprDays(p *parsedText, x timeExpr, k int, exprs []timeExpr, items []dayItem, from, to int) []string {
	if len(exprs) == 1 || exprs[0].whole {
		var words []string
		for _, it := range items {
			if it.days == nil {
				return []string{}
			}
			words = append(words, it.days...)
		}
		return runbook.NormalizeDays(words)
	}
	owner := func(it dayItem) int {
		// The time just before it, when only "on", "the", zones or commas
		// stand between.
		for j := len(exprs) - 1; j >= 0; j-- {
			if exprs[j].to <= it.from {
				gap := true
				for t := exprs[j].to; t < it.from; t++ {
					l := p.toks[t].low
					if _, z := zoneToken(p.toks[t]); !(z || l == "on" || l == "the" || l == "," || l == "every" || l == "each") {
						gap = false
					}
				}
				if gap {
					return j
				}
				break
			}
		}
		for j := range exprs {
			if exprs[j].from >= it.to {
				return j
			}
		}
		return len(exprs) - 1
	}
	var words []string
	for _, it := range items {
		if owner(it) != k {
			continue
		}
		if it.days == nil {
			return []string{}
		}
		words = append(words, it.days...)
	}
	return runbook.NormalizeDays(words)
}

// datesIn lists the dates written in a clause.
func datesIn(p *parsedText, from, to int) []schedule.DateMention {
	if from >= to {
		return nil
	}
	lo, hi := p.toks[from].from, p.toks[to-1].to
	var out []schedule.DateMention
	for _, d := range p.dates {
		if d.From >= lo && d.To <= hi {
			out = append(out, d)
		}
	}
	return out
}

// relativeDay reports whether a clause names a day relative to now.
func (rd *reader) relativeDay(p *parsedText, from, to int) bool {
	return rd.lex.c.relativeDays.has(p.toks, from, to)
}

// relativeDate is the date a relative day names ("today", "tomorrow") in a
// zone, or "".
func (rd *reader) relativeDate(p *parsedText, from, to int, zone string) string {
	m := rd.lex.c.relativeDays.find(p.toks, from, to)
	if len(m) == 0 || rd.asOf.IsZero() {
		return ""
	}
	loc, _, err := runbook.LoadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	n := rd.lex.Time.RelativeDays[m[0].p.label]
	return rd.asOf.In(loc).AddDate(0, 0, n).Format("2006-01-02")
}

// clauseDay is the day a clause names for a deadline: a date, a relative
// day (as a word until a zone resolves it), the day the text named before
// ("that day"), or a weekday; "" when none.
func (rd *reader) clauseDay(p *parsedText, from, to int, st *textState) string {
	if ds := datesIn(p, from, to); len(ds) > 0 {
		return ds[0].Date // "--03-10" without a year: its next occurrence
	}
	if rd.keyDay != "" && rd.lex.c.keyDayRefs.has(p.toks, from, to) {
		// "by end of day on his last day (23:59 Fri)": the date the
		// request gave his last day, not the next Friday (review17-cold6
		// r29, r30, r36).
		return rd.keyDay
	}
	if m := rd.lex.c.relativeDays.find(p.toks, from, to); len(m) > 0 {
		return "+" + strconv.Itoa(rd.lex.Time.RelativeDays[m[0].p.label])
	}
	if rd.lex.c.sameDay.has(p.toks, from, to) && st.lastDay != "" {
		return st.lastDay
	}
	for i := from; i < to; i++ {
		if d, ok := dayWord(p.toks[i].text); ok && len(d) == 1 && unicode.IsUpper([]rune(p.toks[i].text)[0]) {
			return d[0]
		}
	}
	return ""
}

// deadline makes a deadline of a single time, dated against as_of.
func (rd *reader) deadline(p *parsedText, from, to int, x timeExpr, zone string, given bool, st *textState, day string) Directive {
	dl := &Deadline{At: formatClock(x.start % 1440), TZ: zone, ZoneGiven: given}
	ev := evidence(rd.lex.c.deadline.find(p.toks, from, to), rd.lex.c.by.find(p.toks, from, to), rd.lex.c.completion.find(p.toks, from, to))
	if x.namedTime != "" {
		ev = append(ev, x.namedTime)
		if x.namedTime != "midnight" {
			rd.assume("\"" + x.namedTime + "\" is read as " + dl.At + " in the deadline's time zone")
		}
	}
	if day == "" && rd.lex.c.sameDay.has(p.toks, from, to) {
		day = st.lastDay
	}
	if day == "" && st.deadlineDay != "" {
		// The day an earlier clause set for the departure ("her last day
		// is Friday 2026-12-11; her access ends 18:00").
		day = st.deadlineDay
		ev = append(ev, "the day the text named before")
	}
	if x.namedTime == "midnight" || x.start == 1440 {
		rd.assume("\"midnight\" in a deadline is read as the end of its day (00:00 the next day)")
		switch {
		case strings.HasPrefix(day, "+"):
			day = "+" + strconv.Itoa(atoi(day[1:])+1)
		case runbook.OneOf(runbook.Weekdays, day):
			day = runbook.Weekdays[(dayIndex(day)+1)%7]
		case runbook.ValidDate(day) && !strings.HasPrefix(day, "--"):
			if t, err := time.Parse("2006-01-02", day); err == nil {
				day = t.AddDate(0, 0, 1).Format("2006-01-02")
			}
		case strings.HasPrefix(day, "--"):
			if t, err := time.Parse("2006-01-02", "2000"+day[1:]); err == nil {
				day = t.AddDate(0, 0, 1).Format("--01-02")
			}
		}
	}
	loc, _, err := runbook.LoadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	now := rd.asOf.In(loc)
	switch sd := rd.lex.c.sameDay.find(p.toks, from, to); {
	case rd.asOf.IsZero():
		// Kept as a word the runbook's dating resolves: "today",
		// "tomorrow", a weekday, or "" (the next time the clock shows it).
		dl.Day = day
		if strings.HasPrefix(day, "+") {
			dl.Day = relativeWord(atoi(day[1:]))
		}
	case rd.relativeWord(p, from, to) != "":
		dl.Day = rd.relativeWord(p, from, to)
	case len(sd) > 0:
		dl.Day = sd[0].p.text
	case !strings.HasPrefix(day, "+"):
		dl.Day = day
	}
	// "by midnight tonight", "by midnight Friday": the end of that day,
	// the next day's 00:00 (not the midnight that began it).
	if !rd.asOf.IsZero() {
		switch {
		case strings.HasPrefix(day, "+"):
			dl.Date = now.AddDate(0, 0, atoi(day[1:])).Format("2006-01-02")
		case runbook.ValidDate(day) && !strings.HasPrefix(day, "--"):
			dl.Date = day
		case strings.HasPrefix(day, "--"):
			if d, ok := schedule.NextAnnual(day, now); ok {
				dl.Date = d.Format("2006-01-02")
			}
		case runbook.OneOf(runbook.Weekdays, day):
			d := now
			for d.Weekday() != weekday(day) {
				d = d.AddDate(0, 0, 1)
			}
			dl.Date = d.Format("2006-01-02")
		default:
			// No day: the next time the clock shows it.
			d := time.Date(now.Year(), now.Month(), now.Day(), x.start/60%24, x.start%60, 0, 0, loc)
			if !d.After(now) {
				d = d.AddDate(0, 0, 1)
			}
			dl.Date = d.Format("2006-01-02")
			rd.assume("a deadline without a day is read as the next " + dl.At + " after the request's as_of")
		}
		if runbook.ValidDate(dl.Date) {
			st.lastDay = dl.Date
		}
	}
	return Directive{Kind: KindDeadline, Deadline: dl, Evidence: ev}
}

// relativeWord is the relative day as the text wrote it ("today").
func (rd *reader) relativeWord(p *parsedText, from, to int) string {
	if m := rd.lex.c.relativeDays.find(p.toks, from, to); len(m) > 0 {
		return m[0].p.text
	}
	return ""
}

func weekday(d string) time.Weekday {
	return time.Weekday((dayIndex(d) + 1) % 7)
}

func appendOnce(list []string, v string) []string {
	if runbook.OneOf(list, v) {
		return list
	}
	return append(list, v)
}

// relativeWord is the canonical word of a day n days from now, as the
// schedule keeps it until the runbook is dated.
func relativeWord(n int) string {
	switch n {
	case 0:
		return "today"
	case 1:
		return "tomorrow"
	}
	return "the day after tomorrow"
}

// bareHours reads two bare hours at token i, "09–18" or "9-18" (one token
// or three), start before end: the hours a named span is given ("business
// hours 09–18"). It returns minutes and the token after them.
func bareHours(p *parsedText, i, to int) (int, int, int, bool) {
	hour := func(s string) (int, bool) {
		h, err := strconv.Atoi(s)
		return h * 60, err == nil && isDigitString(s) && len(s) <= 2 && h >= 0 && h <= 24
	}
	if i >= to || p.toks[i].date {
		return 0, 0, 0, false
	}
	if a, b, ok := strings.Cut(p.toks[i].low, "-"); ok {
		s, ok1 := hour(a)
		e, ok2 := hour(b)
		if ok1 && ok2 && s < e {
			return s, e, i + 1, true
		}
		return 0, 0, 0, false
	}
	if i+2 < to+1 && i+2 < len(p.toks) && p.toks[i+1].dash() && !p.toks[i+2].date {
		s, ok1 := hour(p.toks[i].low)
		e, ok2 := hour(p.toks[i+2].low)
		if ok1 && ok2 && s < e && i+2 < to {
			return s, e, i + 3, true
		}
	}
	return 0, 0, 0, false
}

// untilMoment reads a blocking clause that runs until a moment ("No
// restarts of catalog-indexer until Wed 12:00 ET", "tonight until about
// 22:00 ET", "in a change freeze until Dec 15", "until Friday"): one
// stretch from now until then, the date of its end and the clock it ends at
// ("24:00" when the moment is a whole day). A date without a year is its next
// occurrence from as_of; a weekday its next one (today when its moment is
// still ahead). It reports false when the clause gives a start ("from …
// until …") or the word is not right before the moment (review17-cold5 P2:
// "until Wed 12:00" became "from Wed 12:00", "until Dec 15" "Dec 15 every
// year").
func (rd *reader) untilMoment(p *parsedText, from, to int, x timeExpr, zone string) (string, string, bool) {
	c := &rd.lex.c
	if rd.asOf.IsZero() || x.startDay != "" || (x.end >= 0 && !x.whole) || x.prep == "after" || x.prep == "from" || c.from.has(p.toks, from, to) {
		return "", "", false
	}
	us := c.untilWords.find(p.toks, from, to)
	if len(us) == 0 {
		return "", "", false
	}
	u := us[0]
	if !x.whole {
		// Only day words, dates, "about" and "the" between the word and
		// the clock.
		if x.from < u.to || x.from-u.to > 3 {
			return "", "", false
		}
		for k := u.to; k < x.from; k++ {
			t := p.toks[k]
			if _, ok := dayWord(t.text); ok || t.date || c.approximate.has(p.toks, k, k+1) || t.low == "the" || t.low == "on" {
				continue
			}
			return "", "", false
		}
	}
	loc, _, err := runbook.LoadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	now := rd.asOf.In(loc)
	end, clock := "24:00", 1440
	if !x.whole {
		end, clock = formatClock(x.start), x.start
	}
	// The moment's day stands between the word and the clock ("until Wed
	// 12:00"); "till 10:00 on Monday" says when on Mondays, not once.
	scanTo := min(to, u.to+5)
	if !x.whole {
		scanTo = x.from
		for k := x.to; k < min(to, x.to+3); k++ {
			if _, ok := dayWord(p.toks[k].text); ok && unicode.IsUpper([]rune(p.toks[k].text)[0]) {
				return "", "", false
			}
		}
	}
	ahead := func(d time.Time) bool {
		return d.After(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)) || clock > now.Hour()*60+now.Minute()
	}
	// A date: its day (the next one, without a year).
	if ds := datesIn(p, u.to, scanTo); len(ds) > 0 {
		if !strings.HasPrefix(ds[0].Date, "--") {
			return ds[0].Date, end, true
		}
		if d, ok := schedule.NextAnnual(ds[0].Date, now); ok {
			return d.Format("2006-01-02"), end, true
		}
		return "", "", false
	}
	if len(datesIn(p, from, to)) > 0 {
		return "", "", false // a date elsewhere: not this reading
	}
	// A weekday: its next occurrence.
	for k := u.to; k < scanTo; k++ {
		t := p.toks[k]
		days, ok := dayWord(t.text)
		if !ok || len(days) != 1 || !unicode.IsUpper([]rune(t.text)[0]) {
			continue
		}
		d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
		for d.Weekday() != weekday(days[0]) || !ahead(d) {
			d = d.AddDate(0, 0, 1)
		}
		return d.Format("2006-01-02"), end, true
	}
	if x.whole {
		return "", "", false
	}
	// "tonight until 22:00", "until 14:00 UTC tomorrow": the day it names.
	if d := rd.relativeDate(p, from, to, zone); d != "" {
		return d, end, true
	}
	// A bare clock: today when it is still ahead, else tomorrow.
	d := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	if !ahead(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format("2006-01-02"), end, true
}

// nextPeriod dates a period written without a year ("21 Dec through 4
// Jan", "Dec 24"): the end is its next occurrence from as_of, the start the
// last one on or before that end, so a freeze already running stays one
// span; never every year (review17-cold5 P2). Dated ends are kept.
func (rd *reader) nextPeriod(pr [2]string, zone string) [2]string {
	if rd.asOf.IsZero() || !strings.HasPrefix(pr[0], "--") || !strings.HasPrefix(pr[1], "--") {
		return pr
	}
	loc, _, err := runbook.LoadZone(zone)
	if err != nil {
		loc = time.UTC
	}
	u, ok := schedule.NextAnnual(pr[1], rd.asOf.In(loc))
	if !ok {
		return pr
	}
	y := u.Year()
	if pr[0][2:] > pr[1][2:] {
		y--
	}
	f := fmt.Sprintf("%04d%s", y, pr[0][1:])
	if _, err := time.Parse("2006-01-02", f); err != nil {
		return pr
	}
	return [2]string{f, u.Format("2006-01-02")}
}

// weekdaysNameDates reports whether every weekday a clause names stands
// right next to a date ("Thursday 10 Dec", "Mon 2026-12-21"), so names the
// date, not a day of every week.
func (rd *reader) weekdaysNameDates(p *parsedText, from, to int) bool {
	seen := false
	for i := from; i < to; i++ {
		t := p.toks[i]
		if days, ok := dayWord(t.text); !ok || len(days) != 1 || !unicode.IsUpper([]rune(t.text)[0]) {
			continue
		}
		seen = true
		next := i + 1
		if next < to && p.toks[next].text == "," {
			next++
		}
		if !(next < to && p.toks[next].date) && !(i > from && p.toks[i-1].date) {
			return false
		}
	}
	return seen
}
