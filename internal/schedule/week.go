package schedule

import (
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// week is a set of minutes of a week (Monday 00:00 UTC is minute 0).
type week [weekMinutes]bool

const weekMinutes = 7 * 1440

// referenceDates are a winter and a summer day: a span is compared under
// both offsets of its zone, so daylight saving never hides an overlap.
var referenceDates = []time.Time{time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC), time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC)}

// Length is how long one occurrence of a span lasts, in minutes: to its end
// clock (the next day when the end is before the start), to its end day
// when it crosses days, or an hour for a start alone.
func Length(w runbook.TimeWindow) int {
	start, ok := runbook.ParseClock(w.Start)
	if !ok {
		return 0
	}
	if w.End == "" {
		return 60
	}
	end, ok := runbook.ParseClock(w.End)
	if !ok {
		return 0
	}
	if w.EndDay != "" && len(w.Days) == 1 {
		n := (dayIndex(w.EndDay)*1440 + end) - (dayIndex(w.Days[0])*1440 + start)
		for n <= 0 {
			n += weekMinutes
		}
		return n
	}
	n := end - start
	if n <= 0 {
		n += 1440
	}
	return n
}

// windowWeek lays a recurring span on the week in UTC, for its zone's offset
// on the reference date. A span limited to days of the month is laid on
// every day (it may fall on any weekday).
func windowWeek(w runbook.TimeWindow, ref time.Time) (week, bool) {
	var out week
	start, ok := runbook.ParseClock(w.Start)
	length := Length(w)
	if !ok || length == 0 {
		return out, false
	}
	loc, _, err := runbook.LoadZone(w.TZ)
	if err != nil {
		loc = time.UTC
	}
	_, offset := ref.In(loc).Zone()
	shift := offset / 60
	days := w.Days
	if len(days) == 0 {
		days = runbook.Weekdays
	}
	for _, d := range days {
		base := dayIndex(d)*1440 + start - shift
		for m := 0; m < length && m < weekMinutes; m++ {
			out[((base+m)%weekMinutes+weekMinutes)%weekMinutes] = true
		}
	}
	return out, true
}

// Overlaps reports whether two recurring spans share a minute, under winter
// and summer offsets alike. End "" means an hour after the start. A span that
// occurs on some dates only (a period, days of the month) does not overlap a
// weekly one: the weekly one also occurs outside those dates (the slots and
// the checklist avoid the dates).
func Overlaps(a, b runbook.TimeWindow) bool {
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

// CutWindow removes the blackouts from a window. It returns the window
// unchanged when nothing overlaps, the longest remaining part (in UTC) when
// something does, and false when nothing remains.
func CutWindow(win runbook.TimeWindow, blackouts []runbook.TimeWindow) (runbook.TimeWindow, bool, bool) {
	ww, ok := windowWeek(win, referenceDates[0])
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
		return runbook.TimeWindow{}, true, false
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
			days = append(days, runbook.Weekdays[r.start/1440])
		}
	}
	out := win
	out.Days = runbook.NormalizeDays(days)
	out.Start = runbook.FormatClock(best.start % 1440)
	out.End = runbook.FormatClock((best.start + best.length) % 1440)
	out.EndDay = ""
	if best.length > 1440 && len(out.Days) == 1 {
		out.EndDay = runbook.Weekdays[((best.start+best.length)/1440)%7]
	}
	out.TZ = "UTC"
	return out, true, true
}

func dayIndex(d string) int {
	for i, w := range runbook.Weekdays {
		if w == d {
			return i
		}
	}
	return 0
}
