package runbook

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Dates limit a window or blackout to a period: a change freeze from
// 2026-12-20 to 2027-01-04. A date is YYYY-MM-DD, or --MM-DD when the text
// gave no year (the same days every year). Both ends are whole days,
// inclusive.

var (
	monthNames = map[string]int{"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
		"jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10,
		"nov": 11, "november": 11, "dec": 12, "december": 12}
	monthPart = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?`
	// dateTextRE finds a date written as 2026-12-20, "Dec 20[, 2026]" or
	// "20 December [2026]".
	dateTextRE  = regexp.MustCompile(`(?i)\b(\d{4})-(\d{2})-(\d{2})\b|\b` + monthPart + `\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(\d{4})\b)?|\b(\d{1,2})(?:st|nd|rd|th)?\s+` + monthPart + `\b(?:,?\s+(\d{4})\b)?`)
	dateValueRE = regexp.MustCompile(`^(\d{4}|-)-(\d{2})-(\d{2})$`)
	// avoidBeforeRE, just before a date, says the text avoids it ("not on",
	// "after", "before").
	avoidBeforeRE = regexp.MustCompile(`(?i)\b(not|outside|avoid|except|never|no|after|until|before)\b[^.;]{0,12}$`)
)

// DateMention is a date found in text: Date as TimeWindow.From holds it,
// Year false when the text gave none.
type DateMention struct {
	Date     string
	Year     bool
	From, To int // byte offsets in the text
}

// FindDates lists the dates a text writes, in order.
func FindDates(text string) []DateMention {
	var out []DateMention
	for _, m := range dateTextRE.FindAllStringSubmatchIndex(text, -1) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return text[m[2*i]:m[2*i+1]]
		}
		var y, mo, d int
		switch {
		case g(1) != "":
			y, _ = strconv.Atoi(g(1))
			mo, _ = strconv.Atoi(g(2))
			d, _ = strconv.Atoi(g(3))
		case g(4) != "":
			mo = monthNames[strings.ToLower(strings.TrimSuffix(g(4), "."))]
			d, _ = strconv.Atoi(g(5))
			y, _ = strconv.Atoi(g(6))
		default:
			d, _ = strconv.Atoi(g(7))
			mo = monthNames[strings.ToLower(strings.TrimSuffix(g(8), "."))]
			y, _ = strconv.Atoi(g(9))
		}
		date, ok := formatDate(y, mo, d)
		if !ok {
			continue
		}
		out = append(out, DateMention{Date: date, Year: y != 0, From: m[0], To: m[1]})
	}
	return out
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

// ValidDate reports whether s is YYYY-MM-DD or --MM-DD.
func ValidDate(s string) bool {
	m := dateValueRE.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	y := 0
	if m[1] != "-" {
		y, _ = strconv.Atoi(m[1])
	}
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	_, ok := formatDate(y, mo, d)
	return ok && (y != 0 || m[1] == "-")
}

// Dated reports whether the window is limited to a period.
func (w TimeWindow) Dated() bool { return w.From != "" || w.Until != "" }

// Contains reports whether a date (YYYY-MM-DD or --MM-DD) falls in the
// window's period. A period without a year recurs every year (and may wrap
// around the new year); a date without a year is compared by month and day.
func (w TimeWindow) Contains(date string) bool {
	if !w.Dated() {
		return true
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

// datesApart reports whether two spans can never share a minute because of
// their dates: only one is limited to a period (the recurring one also
// occurs outside it), or both are and the periods are more than a day apart
// (a day: each is read in its own time zone).
func datesApart(a, b TimeWindow) bool {
	switch {
	case !a.Dated() && !b.Dated():
		return false
	case a.Dated() != b.Dated():
		return true
	}
	ends := func(w TimeWindow) (time.Time, time.Time, bool) {
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

// datesLabel writes a period: "2026-12-20 to 2027-01-04", "from 2026-12-20",
// "Dec 20 to Jan 4 (every year)".
func (w TimeWindow) datesLabel() string {
	every := false
	show := func(d string) string {
		if strings.HasPrefix(d, "--") {
			if t, err := time.Parse("01-02", d[2:]); err == nil {
				every = true
				return t.Format("Jan 2")
			}
		}
		return d
	}
	var l string
	switch {
	case w.From != "" && w.From == w.Until:
		l = show(w.From)
	case w.From != "" && w.Until != "":
		l = show(w.From) + " to " + show(w.Until)
	case w.From != "":
		l = "from " + show(w.From)
	default:
		l = "until " + show(w.Until)
	}
	if every {
		l += " (every year)"
	}
	return l
}

// DatesIn lists the dates a text is written for that fall in the window's
// period ("on 2026-12-22"), leaving out the dates it avoids ("not before
// 2027-01-05").
func (w TimeWindow) DatesIn(text string) []string {
	var out []string
	for _, d := range FindDates(text) {
		if w.Contains(d.Date) && !avoidBeforeRE.MatchString(text[max(0, d.From-24):d.From]) {
			out = append(out, text[d.From:d.To])
		}
	}
	return out
}
