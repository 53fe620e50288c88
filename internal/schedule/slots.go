package schedule

import (
	"sort"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Horizon is how far ahead slots are looked for.
const Horizon = 400 * 24 * time.Hour

// Interval is one absolute occurrence of a span: [Start, End).
type Interval struct {
	Start, End time.Time
}

// Contains reports whether a moment falls in the interval.
func (iv Interval) Contains(t time.Time) bool { return !t.Before(iv.Start) && t.Before(iv.End) }

// Duration is the interval's length.
func (iv Interval) Duration() time.Duration { return iv.End.Sub(iv.Start) }

// Occurrences lists the span's occurrences that end after from and start
// before to, in order. Each is laid in the span's own zone, so daylight
// saving moves it the way a person's calendar does.
func Occurrences(w runbook.TimeWindow, from, to time.Time) []Interval {
	loc, _, err := runbook.LoadZone(w.TZ)
	if err != nil {
		loc = time.UTC
	}
	start, ok := runbook.ParseClock(w.Start)
	if !ok {
		return nil
	}
	if w.Continuous {
		return continuous(w, loc, start, from, to)
	}
	length := Length(w)
	if length == 0 {
		return nil
	}
	var out []Interval
	first := from.In(loc).AddDate(0, 0, -8)
	day := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	for ; day.Before(to); day = day.AddDate(0, 0, 1) {
		if !onDay(w, day) {
			continue
		}
		s := time.Date(day.Year(), day.Month(), day.Day(), start/60, start%60, 0, 0, loc)
		e := endOf(w, s, length, loc)
		if e.After(from) && s.Before(to) {
			out = append(out, Interval{s, e})
		}
	}
	return out
}

// continuous is the one stretch of a continuous window: from Start on From
// (from before the asked range when From is empty) to End on Until (the
// next occurrence of a date without a year).
func continuous(w runbook.TimeWindow, loc *time.Location, start int, from, to time.Time) []Interval {
	end, ok := runbook.ParseClock(w.End)
	if !ok {
		return nil
	}
	day := func(d string) (time.Time, bool) {
		if strings.HasPrefix(d, "--") {
			return NextAnnual(d, from.In(loc))
		}
		t, err := time.ParseInLocation("2006-01-02", d, loc)
		return t, err == nil
	}
	iv := Interval{Start: from.Add(-24 * time.Hour), End: to.Add(24 * time.Hour)}
	if w.From != "" {
		d, ok := day(w.From)
		if !ok {
			return nil
		}
		iv.Start = time.Date(d.Year(), d.Month(), d.Day(), start/60, start%60, 0, 0, loc)
	}
	if w.Until != "" {
		d, ok := day(w.Until)
		if !ok {
			return nil
		}
		iv.End = time.Date(d.Year(), d.Month(), d.Day(), end/60, end%60, 0, 0, loc)
	}
	if !iv.End.After(from) || !iv.Start.Before(to) || !iv.End.After(iv.Start) {
		return nil
	}
	return []Interval{iv}
}

// endOf is where an occurrence that starts at s ends: at the end clock on
// the day it reaches (by the calendar, not by adding minutes, so a span
// across a daylight-saving change still ends at its written time).
func endOf(w runbook.TimeWindow, s time.Time, length int, loc *time.Location) time.Time {
	if w.End == "" {
		return s.Add(time.Hour)
	}
	end, _ := runbook.ParseClock(w.End)
	start, _ := runbook.ParseClock(w.Start)
	days := (start + length) / 1440
	if end == 1440 {
		end, days = 0, max(days, 1)
	}
	d := s.AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), end/60, end%60, 0, 0, loc)
}

// onDay reports whether a span occurs on a calendar day: its weekdays, its
// days of the month (both when both are given: "the first Sunday"), its
// dates.
func onDay(w runbook.TimeWindow, day time.Time) bool {
	if len(w.Days) > 0 && !runbook.OneOf(w.Days, runbook.Weekdays[(int(day.Weekday())+6)%7]) {
		return false
	}
	if len(w.DaysOfMonth) > 0 {
		last := time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, day.Location()).Day()
		ok := false
		for _, n := range w.DaysOfMonth {
			if n == day.Day() || (n < 0 && last+n+1 == day.Day()) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if len(w.BusinessDaysOfMonth) > 0 && !businessDayOf(day, w.BusinessDaysOfMonth) {
		return false
	}
	return Contains(w, day.Format("2006-01-02"))
}

// businessDayOf reports whether a day is one of the business days of its
// month (Monday to Friday; 1 the first, -1 the last).
func businessDayOf(day time.Time, nths []int) bool {
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	var days []int
	for d := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location()); d.Month() == day.Month(); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days = append(days, d.Day())
		}
	}
	for _, n := range nths {
		i := n - 1
		if n < 0 {
			i = len(days) + n
		}
		if i >= 0 && i < len(days) && days[i] == day.Day() {
			return true
		}
	}
	return false
}

// busy lists the blackout occurrences between two moments, merged and in
// order.
func busy(blackouts []runbook.TimeWindow, from, to time.Time) []Interval {
	var all []Interval
	for _, b := range blackouts {
		all = append(all, Occurrences(b, from, to)...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Start.Before(all[j].Start) })
	var out []Interval
	for _, iv := range all {
		if n := len(out); n > 0 && !iv.Start.After(out[n-1].End) {
			if iv.End.After(out[n-1].End) {
				out[n-1].End = iv.End
			}
			continue
		}
		out = append(out, iv)
	}
	return out
}

// FreeFrom is the first moment at or after t outside every blackout, and
// the ids of the blackouts it had to wait for.
func FreeFrom(blackouts []runbook.TimeWindow, t time.Time) (time.Time, []string) {
	var waited []string
	for range 64 {
		moved := false
		for _, b := range blackouts {
			for _, iv := range Occurrences(b, t, t.Add(time.Minute)) {
				if iv.Contains(t) {
					t, moved = iv.End, true
					if !runbook.OneOf(waited, b.ID) {
						waited = append(waited, b.ID)
					}
				}
			}
		}
		if !moved {
			break
		}
	}
	return t, waited
}

// In lists the ids of the spans a moment falls in.
func In(t time.Time, spans []runbook.TimeWindow) []string {
	var out []string
	for _, s := range spans {
		for _, iv := range Occurrences(s, t, t.Add(time.Minute)) {
			if iv.Contains(t) {
				out = append(out, s.ID)
				break
			}
		}
	}
	return out
}

// NextSlot is the first stretch of a window after asOf that lies outside
// the blackouts and lasts at least need. When no stretch is long enough
// within the horizon, it returns the first free stretch and false; with no
// free stretch at all, a zero interval and false.
func NextSlot(w runbook.TimeWindow, blackouts []runbook.TimeWindow, asOf time.Time, need time.Duration) (Interval, bool) {
	to := asOf.Add(Horizon)
	var first Interval
	for _, occ := range Occurrences(w, asOf, to) {
		if occ.Start.Before(asOf) {
			occ.Start = asOf
		}
		for _, free := range subtract(occ, busy(blackouts, occ.Start, occ.End)) {
			if free.Duration() <= 0 {
				continue
			}
			if first.Start.IsZero() {
				first = free
			}
			if free.Duration() >= need {
				return free, true
			}
		}
	}
	return first, false
}

// subtract removes busy intervals (sorted, merged) from one interval.
func subtract(iv Interval, busy []Interval) []Interval {
	out := []Interval{iv}
	for _, b := range busy {
		var next []Interval
		for _, x := range out {
			if !b.Start.Before(x.End) || !b.End.After(x.Start) {
				next = append(next, x)
				continue
			}
			if b.Start.After(x.Start) {
				next = append(next, Interval{x.Start, b.Start})
			}
			if b.End.Before(x.End) {
				next = append(next, Interval{b.End, x.End})
			}
		}
		out = next
	}
	return out
}

// Label writes an interval in a zone: "Tue 2026-03-10 02:00-04:00 UTC", or
// "Fri 2026-03-06 18:00 to Mon 2026-03-09 06:00 UTC" across days.
func Label(iv Interval, tz string) string {
	loc, name, err := runbook.LoadZone(tz)
	if err != nil {
		loc, name = time.UTC, "UTC"
	}
	s, e := iv.Start.In(loc), iv.End.In(loc)
	if e.Sub(s) <= 24*time.Hour && (s.Format("2006-01-02") == e.Format("2006-01-02") || e.Format("15:04") == "00:00") {
		end := e.Format("15:04")
		if end == "00:00" && s.Format("2006-01-02") != e.Format("2006-01-02") {
			end = "24:00"
		}
		return s.Format("Mon 2006-01-02 15:04") + "-" + end + " " + name
	}
	return s.Format("Mon 2006-01-02 15:04") + " to " + e.Format("Mon 2006-01-02 15:04") + " " + name
}
