package planner

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// How a free-text constraint about time is read.
const (
	spanWindow   = "window"
	spanBlackout = "blackout"
	spanDeadline = "deadline"
)

var (
	// blackoutRE marks a time nothing may touch: a job that must not be
	// interrupted, a freeze, a peak. It wins over a window cue.
	blackoutRE = regexp.MustCompile(`(?i)must not be (interrupted|disrupted|touched|restarted|stopped)|(do not|don't|never|cannot|can't|must not) (touch|deploy|restart|rotate|interrupt|change|run|be)|\bno (deploys?|deployments?|changes|restarts|rotations?)\b|\b(freeze|frozen|blackout|black-out|off-limits)\b|\bavoid\b|\bnot (during|between)\b|\b(runs|running|batch|peak|busy)\b`)
	windowRE2  = regexp.MustCompile(`(?i)maintenance|\bwindow\b|low[- ]traffic|off[- ]peak|quiet (hours|period)|\b(rotate|deploy|switch)s? (during|between|at|on|in)\b|\b(allowed|permitted|only) (between|during|at|on)\b|change window`)
	deadlineRE = regexp.MustCompile(`(?i)\beffective\b|\bleav(es|ing)\b|\bdepart(ure|s|ing)?\b|\blast day\b|\bdeadline\b|no later than|must be (done|complete|completed|finished|removed|revoked) by|\baccess ends\b|\bterminat(ed|ion)\b|\bby \d{1,2}(:\d{2})?\b`)

	clockPart  = `(\d{1,2})(?:[:h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?`
	rangeRE    = regexp.MustCompile(`(?i)\b` + clockPart + `\s*(?:-|–|—|to|until|till|and)\s*` + clockPart + `\b`)
	pointRE    = regexp.MustCompile(`(?i)\b(\d{1,2})[:h](\d{2})\s*(am|pm|a\.m\.|p\.m\.)?|\b(\d{1,2})\s*(am|pm|a\.m\.|p\.m\.)(?:\s|$|[,.;)])|\b(midnight|noon)\b`)
	zoneRE     = regexp.MustCompile(`\b([A-Z][a-z]+/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?)\b|\b(UTC|GMT|Z|CET|CEST|BST|WET|EET|ET|EST|EDT|CT|CST|CDT|MT|MST|MDT|PT|PST|PDT|IST|JST|SGT|AEST|AEDT)\b`)
	dayWordRE  = regexp.MustCompile(`(?i)\b(mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun|weekdays?|weekends?|daily|nightly|every ?day)\b`)
	dayRangeRE = regexp.MustCompile(`(?i)\b(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs?(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)s?\s*(?:-|–|to|through|thru)\s*(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs?(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)s?\b`)
	strictRE   = regexp.MustCompile(`(?i)\bonly\b|\bmust\b|\bexclusively\b|\bnever outside\b`)
	dateRE     = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2})\b|(?i)\b(today|tomorrow|tonight)\b`)
)

// span is a time constraint read from text.
type span struct {
	kind  string
	days  []string
	start int // minutes after midnight
	end   int // -1 when the text gives only a start
	tz    string
	// zoneGiven is false when no time zone was written (UTC assumed).
	zoneGiven bool
	day       string // a deadline's day ("today", a date, a weekday)
	// from and until limit a window or blackout to a period of days.
	from, until string
	// strict is a window the text makes the only time ("only", "must"):
	// every production change of its secrets waits for it.
	strict bool
}

// readSpan finds a window, blackout or deadline in text, or returns false.
func readSpan(full string) (span, bool) {
	sp := span{end: -1}
	// Dates are read apart; the clock and weekday readers see the text
	// without them ("20 December - 4 January" is not a time range).
	dates := schedule.FindDates(full)
	text := full
	for i := len(dates) - 1; i >= 0; i-- {
		text = text[:dates[i].From] + strings.Repeat(" ", dates[i].To-dates[i].From) + text[dates[i].To:]
	}
	isDeadline := deadlineRE.MatchString(full) && !blackoutRE.MatchString(full)
	if m := rangeRE.FindStringSubmatchIndex(text); m != nil && (hasClockDetail(text, m[2:8]) || hasClockDetail(text, m[8:14])) {
		g := submatches(text, m)
		s, ok1 := clock(g[1], g[2], g[3])
		e, ok2 := clock(g[4], g[5], g[6])
		if !ok1 || !ok2 || s == e {
			return span{}, false
		}
		// "9-5pm": the first part takes the second's meridiem.
		if g[3] == "" && g[6] != "" && g[2] == "" {
			if s2, ok := clock(g[1], "", g[6]); ok && s2 < e {
				s = s2
			}
		}
		sp.start, sp.end = s, e
	} else if m := pointRE.FindStringSubmatch(text); m != nil {
		var ok bool
		switch {
		case m[6] != "":
			sp.start, ok = map[string]int{"midnight": 0, "noon": 720}[strings.ToLower(m[6])], true
		case m[1] != "":
			sp.start, ok = clock(m[1], m[2], m[3])
		default:
			sp.start, ok = clock(m[4], "", m[5])
		}
		if !ok {
			return span{}, false
		}
	} else if days := readDays(text); (len(days) > 0 || len(dates) > 0) && blackoutRE.MatchString(text) {
		// "No deploys on Fridays", "Change freeze 2026-12-20 to 2027-01-04":
		// the whole of those days.
		sp.start, sp.end = 0, 1440
	} else if len(dates) > 0 && !isDeadline && windowRE2.MatchString(text) {
		// "Maintenance window on 2026-12-01": the whole day.
		sp.start, sp.end = 0, 1440
	} else {
		return span{}, false
	}
	sp.tz, sp.zoneGiven = "UTC", false
	if z := zoneRE.FindStringSubmatch(full); z != nil {
		name := z[1] + z[2]
		if _, canon, err := runbook.LoadZone(name); err == nil {
			sp.tz, sp.zoneGiven = canon, true
			if strings.EqualFold(name, "utc") || strings.EqualFold(name, "gmt") || name == "Z" {
				sp.tz = "UTC"
			}
		}
	}
	sp.days = readDays(text)
	switch {
	case isDeadline:
		sp.kind = spanDeadline
		if d := dateRE.FindStringSubmatch(full); d != nil {
			sp.day = strings.ToLower(d[1] + d[2])
			if sp.day == "tonight" {
				sp.day = "today"
			}
		} else if len(dates) > 0 && dates[0].Year {
			sp.day = dates[0].Date
		} else if len(sp.days) == 1 {
			sp.day = sp.days[0]
		}
		sp.days = nil
	case blackoutRE.MatchString(text):
		sp.kind = spanBlackout
	default:
		// A time with a window cue, or a bare range ("Tuesdays 02:00-04:00
		// UTC"), is a window; a bare single time with no cue says too little.
		if !windowRE2.MatchString(text) && sp.end < 0 {
			return span{}, false
		}
		sp.kind = spanWindow
		sp.strict = strictRE.MatchString(text)
	}
	if sp.kind != spanDeadline && len(dates) > 0 {
		var ok bool
		if sp.from, sp.until, ok = schedule.DatePeriod(dates); !ok {
			return span{}, false
		}
	}
	return sp, true
}

func hasClockDetail(text string, idx []int) bool {
	// idx holds hour, minutes and meridiem pairs; a bare "3-5" is not a time.
	return (idx[2] >= 0 && idx[3] > idx[2]) || (idx[4] >= 0 && idx[5] > idx[4])
}

func submatches(text string, m []int) []string {
	out := make([]string, len(m)/2)
	for i := range out {
		if m[2*i] >= 0 {
			out[i] = text[m[2*i]:m[2*i+1]]
		}
	}
	return out
}

// clock turns hour, minutes and an optional meridiem into minutes after
// midnight.
func clock(h, m, meridiem string) (int, bool) {
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
	switch strings.ToLower(strings.ReplaceAll(meridiem, ".", "")) {
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

// readDays lists the weekdays a text names (ranges included); empty means
// every day.
func readDays(text string) []string {
	var words []string
	for _, m := range dayRangeRE.FindAllStringSubmatch(text, -1) {
		a, okA := runbook.ParseDay(m[1])
		b, okB := runbook.ParseDay(m[2])
		if !okA || !okB {
			continue
		}
		i, j := indexDay(a[0]), indexDay(b[0])
		for k := i; ; k = (k + 1) % 7 {
			words = append(words, runbook.Weekdays[k])
			if k == j {
				break
			}
		}
	}
	for _, w := range dayWordRE.FindAllString(dayRangeRE.ReplaceAllString(text, " "), -1) {
		l := strings.ToLower(w)
		if l == "nightly" {
			l = "daily"
		}
		words = append(words, l)
	}
	return runbook.NormalizeDays(words)
}

func indexDay(d string) int {
	for i, w := range runbook.Weekdays {
		if w == d {
			return i
		}
	}
	return 0
}
