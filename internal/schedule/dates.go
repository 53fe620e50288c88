// Package schedule is rotor's time algebra: recurring and dated spans laid on
// a week (overlap, cutting a window around blackouts), the dates a text
// writes, and, from a moment "as of", the absolute slots a window opens, the
// first moment outside every blackout and where a deadline falls. The span
// types are runbook's (runbook.TimeWindow, runbook.Deadline); this package
// reads no request prose (that is intake's job).
package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Dates limit a window or blackout to a period: a change freeze from
// 2026-12-20 to 2027-01-04. A date is YYYY-MM-DD, or --MM-DD when the text
// gave no year (the same days every year). Both ends are whole days,
// inclusive.

var monthNames = map[string]int{"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
	"jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
	"nov": 11, "november": 11, "dec": 12, "december": 12}

// DateMention is a date found in text: Date as TimeWindow.From holds it,
// Year false when the text gave none.
type DateMention struct {
	Date     string
	Year     bool
	From, To int // byte offsets in the text
}

// word is a run of letters or digits (with the '-' of an ISO date) and its
// byte offsets.
type word struct {
	text     string
	from, to int
}

// words splits text into runs of letters and digits; '-' between digits
// stays inside ("2026-12-20"), a trailing '.' of a month ("Dec.") and an
// ordinal suffix ("4th") stay attached and are read by the date parser.
func words(text string) []word {
	var out []word
	start := -1
	for i, r := range text {
		in := unicode.IsLetter(r) || unicode.IsDigit(r) ||
			(r == '-' && start >= 0 && i+1 < len(text) && isDigitByte(text[i-1]) && isDigitByte(text[i+1]))
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			out = append(out, word{text[start:i], start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, word{text[start:], start, len(text)})
	}
	return out
}

func isDigitByte(b byte) bool { return b >= '0' && b <= '9' }

// FindDates lists the dates a text writes, in order: 2026-12-20,
// "Dec 20[, 2026]" and "20 December [2026]" (ordinals too: "Jan 4th").
func FindDates(text string) []DateMention {
	ws := words(text)
	var out []DateMention
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		// "24 to 26 December", "24-26 Dec", "the 24th to the 26th of
		// December", "December 24-26": two days of one month, each a date.
		if a, b, next, ok := dayRange(text, ws, i); ok {
			out = append(out, a, b)
			i = next - 1
			continue
		}
		// "the 26th of December".
		if d, ok := dayNumber(w.text); ok && i+2 < len(ws) && strings.EqualFold(ws[i+1].text, "of") && gapIs(text, w, ws[i+1], "") && gapIs(text, ws[i+1], ws[i+2], "") {
			if mo, ok := month(ws[i+2].text); ok {
				if date, ok := formatDate(0, mo, d); ok {
					out = append(out, DateMention{Date: date, From: w.from, To: ws[i+2].to})
					i += 2
					continue
				}
			}
		}
		if y, mo, d, ok := isoDate(w.text); ok {
			if date, ok := formatDate(y, mo, d); ok {
				out = append(out, DateMention{Date: date, Year: true, From: w.from, To: w.to})
			}
			continue
		}
		// "Dec 20[, 2026]"
		if mo, ok := month(w.text); ok && i+1 < len(ws) && adjacent(text, w, ws[i+1]) {
			if d, ok := dayNumber(ws[i+1].text); ok {
				end, y := ws[i+1].to, 0
				if i+2 < len(ws) && adjacent(text, ws[i+1], ws[i+2]) {
					if yy, ok := year(ws[i+2].text); ok {
						end, y = ws[i+2].to, yy
						i++
					}
				}
				if date, ok := formatDate(y, mo, d); ok {
					out = append(out, DateMention{Date: date, Year: y != 0, From: w.from, To: end})
				}
				i++
				continue
			}
		}
		// "20 December [2026]"
		if d, ok := dayNumber(w.text); ok && i+1 < len(ws) && adjacent(text, w, ws[i+1]) {
			if mo, ok := month(ws[i+1].text); ok {
				end, y := ws[i+1].to, 0
				if i+2 < len(ws) && adjacent(text, ws[i+1], ws[i+2]) {
					if yy, ok := year(ws[i+2].text); ok {
						end, y = ws[i+2].to, yy
						i++
					}
				}
				if date, ok := formatDate(y, mo, d); ok {
					out = append(out, DateMention{Date: date, Year: y != 0, From: w.from, To: end})
				}
				i++
			}
		}
	}
	return out
}

// rangeJoins join the two days of a range of one month ("24 to 26 December").
var rangeJoins = []string{"to", "through", "thru", "till", "until"}

// dayRange reads two days of one month at word i: "24 to 26 December",
// "24–26 Dec" (or one word "24-26"), "the 24th to the 26th of December",
// "December 24-26", "Dec 24 to 26". It returns the two dates (no year) and
// the word after the range.
func dayRange(text string, ws []word, i int) (DateMention, DateMention, int, bool) {
	var none DateMention
	at := func(k int) string {
		if k < len(ws) {
			return strings.ToLower(ws[k].text)
		}
		return ""
	}
	// days reads "d1 <join> [the] d2" or "d1-d2" from word k: the days,
	// the byte spans they are written in, and the word after them.
	type span struct{ from, to int }
	days := func(k int) (int, int, span, span, int, bool) {
		var no span
		if k >= len(ws) {
			return 0, 0, no, no, 0, false
		}
		if a, b, ok := strings.Cut(ws[k].text, "-"); ok && len(ws[k].text) <= 5 {
			d1, ok1 := dayNumber(a)
			d2, ok2 := dayNumber(b)
			dash := ws[k].from + len(a)
			return d1, d2, span{ws[k].from, dash}, span{dash + 1, ws[k].to}, k + 1, ok1 && ok2 && d1 < d2
		}
		d1, ok := dayNumber(ws[k].text)
		if !ok || k+1 >= len(ws) {
			return 0, 0, no, no, 0, false
		}
		j := k + 1
		switch {
		case gapIs(text, ws[k], ws[j], "-") || gapIs(text, ws[k], ws[j], "–") || gapIs(text, ws[k], ws[j], "—"):
		case containsWord(rangeJoins, at(j)) && gapIs(text, ws[k], ws[j], ""):
			j++
			if at(j) == "the" {
				j++
			}
		default:
			return 0, 0, no, no, 0, false
		}
		d2, ok := dayNumber(at(j))
		if !ok || d1 >= d2 {
			return 0, 0, no, no, 0, false
		}
		return d1, d2, span{ws[k].from, ws[k].to}, span{ws[j].from, ws[j].to}, j + 1, true
	}
	mention := func(mo, d, from, to int) (DateMention, bool) {
		date, ok := formatDate(0, mo, d)
		return DateMention{Date: date, From: from, To: to}, ok
	}
	// Month first: "December 24-26".
	if mo, ok := month(ws[i].text); ok {
		if d1, d2, sa, sb, next, ok := days(i + 1); ok {
			a, okA := mention(mo, d1, ws[i].from, sa.to)
			b, okB := mention(mo, d2, sb.from, sb.to)
			return a, b, next, okA && okB
		}
		return none, none, 0, false
	}
	d1, d2, sa, sb, next, ok := days(i)
	if !ok {
		return none, none, 0, false
	}
	k := next
	if at(k) == "of" {
		k++
	}
	mo, ok := month(at(k))
	if !ok {
		return none, none, 0, false
	}
	a, okA := mention(mo, d1, sa.from, sa.to)
	b, okB := mention(mo, d2, sb.from, ws[k].to)
	return a, b, k + 1, okA && okB
}

// gapIs reports whether only spaces and sep separate two words.
func gapIs(text string, a, b word, sep string) bool {
	gap := strings.TrimSpace(text[a.to:b.from])
	return gap == sep
}

func containsWord(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

// adjacent reports whether only spaces, a '.' or a ',' separate two words.
func adjacent(text string, a, b word) bool {
	gap := text[a.to:b.from]
	return len(gap) <= 3 && strings.Trim(gap, " .,") == "" && !strings.Contains(gap, "..")
}

func isoDate(s string) (y, mo, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, e1 := strconv.Atoi(s[:4])
	mo, e2 := strconv.Atoi(s[5:7])
	d, e3 := strconv.Atoi(s[8:])
	return y, mo, d, e1 == nil && e2 == nil && e3 == nil
}

func month(s string) (int, bool) {
	mo, ok := monthNames[strings.ToLower(s)]
	return mo, ok
}

// dayNumber reads "20", "4th", "1st".
func dayNumber(s string) (int, bool) {
	l := strings.ToLower(s)
	for _, suf := range []string{"st", "nd", "rd", "th"} {
		l = strings.TrimSuffix(l, suf)
	}
	if len(l) == 0 || len(l) > 2 {
		return 0, false
	}
	d, err := strconv.Atoi(l)
	return d, err == nil && d >= 1 && d <= 31
}

func year(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	y, err := strconv.Atoi(s)
	return y, err == nil && y >= 1900 && y <= 2999
}

// formatDate writes a valid date; year 0 means none was given.
func formatDate(y, mo, d int) (string, bool) {
	if mo < 1 || mo > 12 || d < 1 {
		return "", false
	}
	check := y
	if check == 0 {
		check = 2024 // a leap year: 29 February exists
	}
	if t := time.Date(check, time.Month(mo), d, 0, 0, 0, 0, time.UTC); t.Day() != d {
		return "", false
	}
	if y == 0 {
		return fmt.Sprintf("--%02d-%02d", mo, d), true
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, mo, d), true
}

// DatePeriod turns the first one or two dates of a text into a period. A
// missing year is taken from the other end; an end before its start in the
// same year is in the next one.
func DatePeriod(dates []DateMention) (from, until string, ok bool) {
	switch len(dates) {
	case 0:
		return "", "", false
	case 1:
		return dates[0].Date, dates[0].Date, true
	}
	a, b := dates[0], dates[1]
	switch {
	case a.Year && !b.Year:
		y, _ := strconv.Atoi(a.Date[:4])
		if b.Date[2:] < a.Date[5:] {
			y++
		}
		b.Date = fmt.Sprintf("%04d%s", y, b.Date[1:])
	case !a.Year && b.Year:
		y, _ := strconv.Atoi(b.Date[:4])
		if a.Date[2:] > b.Date[5:] {
			y--
		}
		a.Date = fmt.Sprintf("%04d%s", y, a.Date[1:])
	}
	if a.Year || b.Year {
		if b.Date < a.Date {
			return "", "", false
		}
	}
	return a.Date, b.Date, true
}

// Contains reports whether a date (YYYY-MM-DD or --MM-DD) falls in the
// window's period. A period without a year recurs every year (and may wrap
// around the new year); a date without a year is compared by month and day.
func Contains(w runbook.TimeWindow, date string) bool {
	if !w.Dated() || (w.From == "" && w.Until == "") {
		return true // undated, or a relative day not dated yet
	}
	from, until := w.From, w.Until
	yearless := strings.HasPrefix(from, "--") || strings.HasPrefix(until, "--") || strings.HasPrefix(date, "--")
	if yearless {
		md := func(s string) string {
			if s == "" {
				return ""
			}
			return s[len(s)-5:]
		}
		d, f, u := md(date), md(from), md(until)
		switch {
		case f == "":
			return d <= u
		case u == "":
			return d >= f
		case f <= u:
			return d >= f && d <= u
		default: // wraps around the new year
			return d >= f || d <= u
		}
	}
	return (from == "" || date >= from) && (until == "" || date <= until)
}

// partial reports whether a span occurs only on some dates: limited to a
// period, or to days of the month.
func partial(w runbook.TimeWindow) bool {
	return w.Dated() || len(w.DaysOfMonth) > 0 || len(w.BusinessDaysOfMonth) > 0
}

// datesApart reports whether two spans never share a minute because of
// their dates, as far as a week can tell: only one occurs on some dates
// only (the recurring one also occurs outside them), or both are limited to
// periods more than a day apart (a day: each is read in its own zone), or
// to days of the month that differ by more than one.
func datesApart(a, b runbook.TimeWindow) bool {
	switch {
	case !partial(a) && !partial(b):
		return false
	case partial(a) != partial(b):
		return true
	case len(a.DaysOfMonth) > 0 && len(b.DaysOfMonth) > 0 && !a.Dated() && !b.Dated():
		for _, x := range a.DaysOfMonth {
			for _, y := range b.DaysOfMonth {
				if x == y || x-y == 1 || y-x == 1 || x < 0 || y < 0 {
					return false
				}
			}
		}
		return true
	case !a.Dated() || !b.Dated():
		// A period against days of the month: the monthly span also
		// occurs outside the period ("the first Wednesday of the month"
		// against "2026-12-21 to 2027-01-03"), and the slots subtract the
		// period's own dates exactly (hook3 h1: the window was dropped as
		// "inside" the freeze, leaving its steps unbound).
		return true
	}
	ends := func(w runbook.TimeWindow) (time.Time, time.Time, bool) {
		from, until := w.From, w.Until
		if from == "" {
			from = "0001-01-01"
		}
		if until == "" {
			until = "9999-12-31"
		}
		f, err1 := time.Parse("2006-01-02", from)
		u, err2 := time.Parse("2006-01-02", until)
		return f, u, err1 == nil && err2 == nil
	}
	af, au, ok1 := ends(a)
	bf, bu, ok2 := ends(b)
	if !ok1 || !ok2 {
		return false // a period without a year: compared by weekday only
	}
	day := 24 * time.Hour
	return bf.Sub(au) > day || af.Sub(bu) > day
}

// avoidWords, just before a date in a step's text, say the text avoids it
// ("not on", "after", "before").
var avoidWords = []string{"not", "outside", "avoid", "except", "never", "no", "after", "until", "before"}

// DatesIn lists the dates a text (a step's action) is written for that fall
// in the window's period ("on 2026-12-22"), leaving out the dates it avoids
// ("not before 2027-01-05").
func DatesIn(w runbook.TimeWindow, text string) []string {
	var out []string
	for _, d := range FindDates(text) {
		if Contains(w, d.Date) && !avoided(text, d.From) && !inCommand(text, d.From, d.To) {
			out = append(out, text[d.From:d.To])
		}
	}
	return out
}

// inCommand reports whether text[from:to] is part of a command or an
// address rather than prose: inside a code span (an odd number of
// backticks before it), or inside a path or URL (a '/' touching it).
func inCommand(text string, from, to int) bool {
	if strings.Count(text[:from], "`")%2 == 1 {
		return true
	}
	return (from > 0 && text[from-1] == '/') || (to < len(text) && text[to] == '/')
}

// avoided reports whether an avoid word ends at most 12 characters before a
// date, within its clause.
func avoided(text string, at int) bool {
	before := text[max(0, at-32):at]
	if i := strings.LastIndexAny(before, ".;"); i >= 0 {
		before = before[i+1:]
	}
	for _, w := range words(before) {
		if len(before)-w.to <= 12 && runbook.OneOf(avoidWords, strings.ToLower(w.text)) {
			return true
		}
	}
	return false
}

// NextAnnual dates a day written without its year ("--03-10") as its next
// occurrence on or after day's date; false when it is not such a day.
func NextAnnual(mmdd string, day time.Time) (time.Time, bool) {
	rest, ok := strings.CutPrefix(mmdd, "--")
	if !ok {
		return time.Time{}, false
	}
	for y := day.Year(); y <= day.Year()+4; y++ {
		t, err := time.ParseInLocation("2006-01-02", fmt.Sprintf("%04d-%s", y, rest), day.Location())
		if err != nil {
			continue // 29 February of a common year
		}
		if !t.Before(time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location())) {
			return t, true
		}
	}
	return time.Time{}, false
}
