package intake

import (
	"strconv"
	"strings"
	"sync"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Clock syntax (not cue words): 24-hour "08:00", "8:00", "18h", "18h30", and
// 12-hour "9am", "9:30pm", "9 pm", "9 a.m.".

// meridiem reads "am", "pm", "a.m.", "p.m." as "am" or "pm".
func meridiem(s string) string {
	switch strings.ReplaceAll(strings.ToLower(s), ".", "") {
	case "am":
		return "am"
	case "pm":
		return "pm"
	}
	return ""
}

// parseClockToken reads a clock written in one token (next is the token
// after it, for "9 pm"). It returns minutes after midnight; 24:00 is 1440.
func parseClockToken(s, next string) (int, bool) {
	l := strings.ToLower(s)
	m := ""
	for _, suf := range []string{"a.m.", "p.m.", "am", "pm"} {
		if strings.HasSuffix(l, suf) && len(l) > len(suf) {
			m, l = meridiem(suf), strings.TrimSuffix(l, suf)
			break
		}
	}
	if m == "" {
		m = meridiem(next)
	}
	h, min := l, ""
	switch {
	case strings.Contains(l, ":"):
		h, min, _ = strings.Cut(l, ":")
		if len(min) != 2 {
			return 0, false
		}
	case strings.Contains(l, "h") && m == "":
		// "18h30"; a bare "24h" is a duration, not a time.
		h, min, _ = strings.Cut(l, "h")
		if len(min) != 2 {
			return 0, false
		}
	case m == "":
		return 0, false // a bare number is not a time
	}
	if !isDigitString(h) || len(h) > 2 || (min != "" && !isDigitString(min)) {
		return 0, false
	}
	return clockMinutes(h, min, m)
}

// clockMinutes turns hour, minutes and an optional meridiem into minutes
// after midnight.
func clockMinutes(h, m, mer string) (int, bool) {
	hh, err := strconv.Atoi(h)
	if err != nil {
		return 0, false
	}
	mm := 0
	if m != "" {
		if mm, err = strconv.Atoi(m); err != nil || mm > 59 {
			return 0, false
		}
	}
	switch mer {
	case "am":
		if hh < 1 || hh > 12 {
			return 0, false
		}
		if hh == 12 {
			hh = 0
		}
	case "pm":
		if hh < 1 || hh > 12 {
			return 0, false
		}
		if hh != 12 {
			hh += 12
		}
	}
	if hh > 24 || (hh == 24 && mm > 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// formatClock writes minutes after midnight as HH:MM; 1440 is "24:00".
func formatClock(min int) string {
	if min == 1440 {
		return "24:00"
	}
	return strconv.Itoa(min/600) + strconv.Itoa(min/60%10) + ":" + strconv.Itoa(min%60/10) + strconv.Itoa(min%10)
}

// dayWord reads one weekday word ("Tue", "tuesdays", "weekdays", "daily");
// nil days with ok means every day. The spellings runbook.ParseDay accepts
// are listed once (tokens are read by the thousand).
func dayWord(s string) ([]string, bool) {
	switch s {
	case "sat", "sun", "wed":
		// Written lower case these are words ("it sat in the vault"), not
		// Saturday (review17-cold4 r2: "It sat in the same 1Password item"
		// became a Saturday blackout).
		return nil, false
	}
	l := strings.TrimSuffix(strings.ToLower(s), ".")
	if len(l) < 3 || len(l) > 10 {
		return nil, false
	}
	dayOnce.Do(func() {
		dayTable = map[string][]string{}
		add := func(w string) {
			if d, ok := runbook.ParseDay(w); ok {
				dayTable[w] = d
			}
		}
		for _, w := range []string{"weekdays", "weekday", "weekends", "weekend", "daily", "everyday"} {
			add(w)
		}
		for _, full := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
			for n := 3; n <= len(full); n++ {
				add(full[:n])
				add(full[:n] + "s")
			}
		}
	})
	d, ok := dayTable[l]
	return d, ok
}

var (
	dayOnce  sync.Once
	dayTable map[string][]string
)
