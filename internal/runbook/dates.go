package runbook

import (
	"strconv"
	"strings"
	"time"
)

// Dates limit a window or blackout to a period: a change freeze from
// 2026-12-20 to 2027-01-04. A date is YYYY-MM-DD, or --MM-DD for the same
// days every year. Both ends are whole days, inclusive. Finding dates in
// text and comparing periods is package schedule's.

// ValidDate reports whether s is YYYY-MM-DD or --MM-DD.
func ValidDate(s string) bool {
	y, md := 0, s
	switch {
	case len(s) == 7 && strings.HasPrefix(s, "--"):
		md = s[2:]
	case len(s) == 10 && s[4] == '-':
		var err error
		if y, err = strconv.Atoi(s[:4]); err != nil || y < 1 || s[0] == '-' || s[0] == '+' {
			return false
		}
		md = s[5:]
	default:
		return false
	}
	if len(md) != 5 || md[2] != '-' || !digits(md[:2]) || !digits(md[3:]) {
		return false
	}
	mo, _ := strconv.Atoi(md[:2])
	d, _ := strconv.Atoi(md[3:])
	if mo < 1 || mo > 12 || d < 1 {
		return false
	}
	check := y
	if check == 0 {
		check = 2024 // a leap year: 29 February exists
	}
	return time.Date(check, time.Month(mo), d, 0, 0, 0, 0, time.UTC).Day() == d
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Dated reports whether the window is limited to a period.
func (w TimeWindow) Dated() bool { return w.From != "" || w.Until != "" || w.RelativeDay != "" }

// datesLabel writes a period: "2026-12-20 to 2027-01-04", "from 2026-12-20",
// "Dec 20 to Jan 4 (every year)".
func (w TimeWindow) datesLabel() string {
	if w.From == "" && w.Until == "" {
		return w.RelativeDay
	}
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
