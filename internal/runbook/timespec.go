package runbook

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	// Time zones must resolve the same on every machine, distroless included.
	_ "time/tzdata"
)

// Weekdays in the order TimeSpec.Days are normalised to.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// dayWords maps the spellings a request may use to weekdays.
var dayWords = map[string][]string{
	"weekdays": {"mon", "tue", "wed", "thu", "fri"}, "weekday": {"mon", "tue", "wed", "thu", "fri"},
	"weekends": {"sat", "sun"}, "weekend": {"sat", "sun"},
	"daily": nil, "every day": nil, "everyday": nil,
}

// ParseDay reads one day word ("Tue", "tuesday", "Tuesdays", "weekdays");
// ok is false for an unknown word. A nil list with ok means every day.
func ParseDay(s string) ([]string, bool) {
	w := strings.ToLower(strings.TrimSpace(s))
	if days, ok := dayWords[w]; ok {
		return days, true
	}
	w = strings.TrimSuffix(w, "s")
	for _, d := range Weekdays {
		full := map[string]string{"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday"}[d]
		if w == d || w == full || (len(w) >= 3 && strings.HasPrefix(full, w)) {
			return []string{d}, true
		}
	}
	return nil, false
}

// NormalizeDays turns day words into a sorted, unique list of weekdays; an
// empty result means every day.
func NormalizeDays(words []string) []string {
	set := map[string]bool{}
	every := false
	for _, w := range words {
		days, ok := ParseDay(w)
		if !ok {
			continue
		}
		if days == nil {
			every = true
		}
		for _, d := range days {
			set[d] = true
		}
	}
	if every || len(set) == 7 {
		return []string{}
	}
	out := []string{}
	for _, d := range Weekdays {
		if set[d] {
			out = append(out, d)
		}
	}
	return out
}

// ParseClock reads "HH:MM" (24-hour) into minutes after midnight; "24:00" is
// the end of the day.
func ParseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(m) != 2 || len(h) == 0 || len(h) > 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// FormatClock writes minutes after midnight as HH:MM.
func FormatClock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// zoneAliases are abbreviations people write, mapped to a zone that observes
// them (so daylight saving is taken into account).
var zoneAliases = map[string]string{
	"utc": "UTC", "gmt": "UTC", "z": "UTC", "zulu": "UTC",
	"cet": "Europe/Paris", "cest": "Europe/Paris", "bst": "Europe/London", "wet": "Europe/Lisbon", "eet": "Europe/Athens",
	"et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
	"ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
	"mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
	"pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
	"ist": "Asia/Kolkata", "jst": "Asia/Tokyo", "sgt": "Asia/Singapore", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
}

// LoadZone resolves a time zone name: an IANA name ("Europe/Berlin"), UTC, or
// a common abbreviation ("CET", "PST"). The second result is the canonical
// name.
func LoadZone(name string) (*time.Location, string, error) {
	n := strings.TrimSpace(name)
	if n == "" {
		return time.UTC, "UTC", nil
	}
	if alias, ok := zoneAliases[strings.ToLower(n)]; ok {
		n = alias
	}
	loc, err := time.LoadLocation(n)
	if err != nil || strings.EqualFold(n, "local") {
		return nil, "", fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin, or UTC", name)
	}
	return loc, n, nil
}

func (v *problems) timeSpec(path string, ts TimeSpec) {
	for i, d := range ts.Days {
		if _, ok := ParseDay(d); !ok {
			v.add(fmt.Sprintf("%s.days[%d]", path, i), fmt.Sprintf("%q is not a day (mon … sun, weekdays, weekends or daily)", d))
		}
	}
	if len(ts.Days) > 7 {
		v.add(path+".days", fmt.Sprintf("has %d entries, at most 7 are allowed", len(ts.Days)))
	}
	start, okS := ParseClock(ts.Start)
	if !okS {
		v.add(path+".start", fmt.Sprintf("%q must be a 24-hour time HH:MM", ts.Start))
	}
	end, okE := ParseClock(ts.End)
	if !okE {
		v.add(path+".end", fmt.Sprintf("%q must be a 24-hour time HH:MM", ts.End))
	}
	if okS && okE && start == end {
		v.add(path+".end", "must differ from start (an end before the start crosses midnight)")
	}
	if ts.TZ != "" {
		if _, _, err := LoadZone(ts.TZ); err != nil {
			v.add(path+".tz", err.Error())
		}
	}
	for _, d := range []struct{ name, value string }{{"from", ts.From}, {"until", ts.Until}} {
		if d.value != "" && !ValidDate(d.value) {
			v.add(path+"."+d.name, fmt.Sprintf("%q must be a date YYYY-MM-DD (or --MM-DD for every year)", d.value))
		}
	}
	if ValidDate(ts.From) && ValidDate(ts.Until) && strings.HasPrefix(ts.From, "--") == strings.HasPrefix(ts.Until, "--") &&
		!strings.HasPrefix(ts.From, "--") && ts.Until < ts.From {
		v.add(path+".until", fmt.Sprintf("%q is before from %q", ts.Until, ts.From))
	}
	v.text(path+".note", ts.Note, false)
	v.text(path+".tz", ts.TZ, false)
}

// week is a set of minutes of a week (Monday 00:00 UTC is minute 0).
type week [7 * 1440]bool

const weekMinutes = 7 * 1440

// referenceDates are a winter and a summer day: a span is compared under
// both offsets of its zone, so daylight saving never hides an overlap.
var referenceDates = []time.Time{time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)}

// weekOf lays a recurring span on the week in UTC, for the zone's offset on
// the reference date.
func weekOf(days []string, start, end int, tz string, ref time.Time) week {
	var w week
	loc, _, err := LoadZone(tz)
	if err != nil {
		loc = time.UTC
	}
	_, offset := ref.In(loc).Zone()
	shift := offset / 60
	if end < 0 {
		end = start + 60 // a start alone: assume an hour
	}
	length := end - start
	if length <= 0 {
		length += 1440
	}
	dayList := days
	if len(dayList) == 0 {
		dayList = Weekdays
	}
	for _, d := range dayList {
		base := dayIndex(d)*1440 + start - shift
		for m := 0; m < length; m++ {
			w[((base+m)%weekMinutes+weekMinutes)%weekMinutes] = true
		}
	}
	return w
}

// Overlaps reports whether two recurring spans share a minute, under winter
// and summer offsets alike. End "" means an hour after the start.
func Overlaps(a, b TimeWindow) bool {
	if datesApart(a, b) {
		return false
	}
	for _, ref := range referenceDates {
		wa, oka := windowWeek(a, ref)
		wb, okb := windowWeek(b, ref)
		if !oka || !okb {
			continue
		}
		for i := range wa {
			if wa[i] && wb[i] {
				return true
			}
		}
	}
	return false
}

func windowWeek(w TimeWindow, ref time.Time) (week, bool) {
	s, ok := ParseClock(w.Start)
	if !ok {
		return week{}, false
	}
	e := -1
	if w.End != "" {
		if e, ok = ParseClock(w.End); !ok {
			return week{}, false
		}
	}
	return weekOf(w.Days, s, e, w.TZ, ref), true
}

// CutWindow removes the blackouts from a window. It returns the window
// unchanged when nothing overlaps, the longest remaining part (in UTC) when
// something does, and false when nothing remains.
func CutWindow(win TimeWindow, blackouts []TimeWindow) (TimeWindow, bool, bool) {
	ref := referenceDates[0]
	ww, ok := windowWeek(win, ref)
	if !ok {
		return win, false, true
	}
	cut := false
	for _, b := range blackouts {
		if datesApart(win, b) {
			continue // a dated blackout skips some of the window's days, it does not cut its hours
		}
		for _, r := range referenceDates {
			bw, ok := windowWeek(b, r)
			if !ok {
				continue
			}
			for i := range ww {
				if ww[i] && bw[i] {
					ww[i], cut = false, true
				}
			}
		}
	}
	if !cut {
		return win, false, true
	}
	// The longest run of minutes left, and every day it recurs on.
	type run struct{ start, length int }
	var runs []run
	for i := 0; i < weekMinutes; i++ {
		if ww[i] && !ww[(i-1+weekMinutes)%weekMinutes] {
			n := 0
			for ww[(i+n)%weekMinutes] && n < weekMinutes {
				n++
			}
			runs = append(runs, run{i, n})
		}
	}
	if len(runs) == 0 {
		return TimeWindow{}, true, false
	}
	best := runs[0]
	for _, r := range runs {
		if r.length > best.length {
			best = r
		}
	}
	var days []string
	for _, r := range runs {
		if r.length == best.length && r.start%1440 == best.start%1440 {
			days = append(days, Weekdays[r.start/1440])
		}
	}
	out := win
	out.Days = NormalizeDays(days)
	out.Start = FormatClock(best.start % 1440)
	out.End = FormatClock((best.start + best.length) % 1440)
	out.TZ = "UTC"
	return out, true, true
}

func dayIndex(d string) int {
	for i, w := range Weekdays {
		if w == d {
			return i
		}
	}
	return 0
}
