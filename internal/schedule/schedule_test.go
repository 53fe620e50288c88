package schedule

import (
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

func TestDatePeriods(t *testing.T) {
	for _, c := range []struct{ text, from, until string }{
		{"Change freeze 2026-12-20 to 2027-01-04", "2026-12-20", "2027-01-04"},
		{"Code freeze from Dec 20 to Jan 4", "--12-20", "--01-04"},
		{"No deploys 20 December - 4 January 2027", "2026-12-20", "2027-01-04"},
		{"freeze Dec 20, 2026 through Jan 4th", "2026-12-20", "2027-01-04"},
		{"no changes on 2026-12-24", "2026-12-24", "2026-12-24"},
		{"Sept 3 - Sept 5", "--09-03", "--09-05"},
		{"freeze from Dec. 20 to 4th January", "--12-20", "--01-04"},
	} {
		from, until, ok := DatePeriod(FindDates(c.text))
		if !ok || from != c.from || until != c.until {
			t.Errorf("%q: %q to %q (%v), want %q to %q", c.text, from, until, ok, c.from, c.until)
		}
	}
	for _, text := range []string{"Tuesdays 02:00-04:00 UTC", "Redis 7 with 30 days of history", "pods may restart at will", "2026-02-30", "version 12-20", "may 2026 budget"} {
		if d := FindDates(text); len(d) != 0 {
			t.Errorf("%q: found dates %+v", text, d)
		}
	}
	if _, _, ok := DatePeriod(FindDates("freeze 2027-01-04 to 2026-12-20")); ok {
		t.Error("a period that ends before it starts is read")
	}
}

func TestDatedSpans(t *testing.T) {
	freeze := runbook.TimeWindow{ID: "b1", Start: "00:00", End: "24:00", TZ: "UTC", From: "2026-12-20", Until: "2027-01-04"}
	weekly := runbook.TimeWindow{ID: "w1", Days: []string{"tue"}, Start: "02:00", End: "04:00", TZ: "UTC"}
	// A weekly window is not swallowed by a dated freeze: it still occurs
	// outside those dates.
	if Overlaps(weekly, freeze) {
		t.Error("a weekly window overlaps a dated freeze")
	}
	if cut, changed, ok := CutWindow(weekly, []runbook.TimeWindow{freeze}); !ok || changed || cut.Label() != weekly.Label() {
		t.Errorf("cut %+v changed=%v ok=%v", cut, changed, ok)
	}
	inFreeze := runbook.TimeWindow{Start: "02:00", End: "04:00", TZ: "UTC", From: "2026-12-22", Until: "2026-12-22"}
	after := runbook.TimeWindow{Start: "02:00", End: "04:00", TZ: "UTC", From: "2027-01-12", Until: "2027-01-12"}
	if !Overlaps(inFreeze, freeze) || Overlaps(after, freeze) {
		t.Errorf("dated window overlap: in=%v after=%v", Overlaps(inFreeze, freeze), Overlaps(after, freeze))
	}
	for date, want := range map[string]bool{"2026-12-20": true, "2027-01-04": true, "2026-12-19": false, "2027-01-05": false, "--12-31": true} {
		if Contains(freeze, date) != want {
			t.Errorf("contains %s = %v", date, !want)
		}
	}
	if got := DatesIn(freeze, "Deploy on 2026-12-22 at 02:00, or on 2027-01-12."); len(got) != 1 || got[0] != "2026-12-22" {
		t.Errorf("dates written inside the freeze: %q", got)
	}
	if got := DatesIn(freeze, "Wait until 2027-01-04; not before 2026-12-22."); len(got) != 0 {
		t.Errorf("avoided dates read as booked: %q", got)
	}
	// A date inside a command or URL is part of it (Twilio's API version
	// in https://api.twilio.com/2010-04-01/...), not a day the step is
	// written for: an open-ended freeze ("until 2027-01-12") held it.
	open := runbook.TimeWindow{Until: "2027-01-12"}
	for _, text := range []string{
		"check again: `curl -sS -u <sid> https://api.twilio.com/2010-04-01/Accounts/<sid>.json` returns 200",
		"`aws s3 ls s3://backups/2026-12-22/` lists the dump",
		"open https://status.example.com/incidents/2026-12-22 and read it",
	} {
		if got := DatesIn(open, text); len(got) != 0 {
			t.Errorf("a date inside a command or URL read as the step's day: %q in %q", got, text)
		}
	}
	if got := DatesIn(open, "Deploy on 2026-12-22 (`kubectl rollout restart deploy/api`)."); len(got) != 1 {
		t.Errorf("a date outside the command not read: %q", got)
	}
	every := runbook.TimeWindow{From: "--12-20", Until: "--01-04"}
	if !Contains(every, "2030-01-02") || Contains(every, "2030-02-02") {
		t.Error("a yearly period that wraps the new year")
	}
}

func TestOverlapsAndCut(t *testing.T) {
	blackout := runbook.TimeWindow{Start: "00:00", End: "01:30", TZ: "UTC"}
	win := runbook.TimeWindow{Days: []string{"tue"}, Start: "02:00", End: "04:00", TZ: "UTC"}
	if Overlaps(win, blackout) {
		t.Error("02:00-04:00 does not overlap 00:00-01:30")
	}
	inside := runbook.TimeWindow{Start: "00:00", End: "", TZ: "UTC"}
	if !Overlaps(inside, blackout) {
		t.Error("a window starting at 00:00 overlaps the 00:00-01:30 blackout")
	}
	// Berlin 01:00-03:00 is 00:00-02:00 UTC in winter, 23:00-01:00 in summer.
	berlin := runbook.TimeWindow{Start: "01:00", End: "03:00", TZ: "Europe/Berlin"}
	if !Overlaps(berlin, blackout) {
		t.Error("time zones are applied")
	}
	cut, changed, ok := CutWindow(runbook.TimeWindow{Start: "23:00", End: "02:00", TZ: "UTC"}, []runbook.TimeWindow{blackout})
	if !ok || !changed || cut.Start != "23:00" || cut.End != "00:00" {
		t.Errorf("cut = %+v changed %v ok %v", cut, changed, ok)
	}
	if _, _, ok := CutWindow(runbook.TimeWindow{Start: "00:15", End: "01:00", TZ: "UTC"}, []runbook.TimeWindow{blackout}); ok {
		t.Error("a window inside a blackout leaves nothing")
	}
	// A span across days: Friday evening to Monday morning covers Sunday.
	weekend := runbook.TimeWindow{Days: []string{"fri"}, EndDay: "mon", Start: "18:00", End: "06:00", TZ: "UTC"}
	for _, w := range []runbook.TimeWindow{
		{Days: []string{"sun"}, Start: "12:00", End: "13:00", TZ: "UTC"},
		{Days: []string{"mon"}, Start: "05:00", End: "07:00", TZ: "UTC"},
		{Days: []string{"fri"}, Start: "19:00", End: "20:00", TZ: "UTC"},
	} {
		if !Overlaps(w, weekend) {
			t.Errorf("%s does not overlap %s", w.Label(), weekend.Label())
		}
	}
	if Overlaps(runbook.TimeWindow{Days: []string{"mon"}, Start: "06:00", End: "08:00", TZ: "UTC"}, weekend) {
		t.Error("Monday 06:00 is after the span")
	}
	if Length(weekend) != 60*60 {
		t.Errorf("length %d", Length(weekend))
	}
	// The first of each month is not every Tuesday.
	monthly := runbook.TimeWindow{DaysOfMonth: []int{1}, Start: "00:00", End: "06:00", TZ: "UTC"}
	if Overlaps(runbook.TimeWindow{Days: []string{"tue"}, Start: "02:00", End: "04:00", TZ: "UTC"}, monthly) {
		t.Error("a weekly window is cut by a monthly blackout")
	}
}

func TestSlots(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	weekend := runbook.TimeWindow{ID: "b1", Days: []string{"fri"}, EndDay: "mon", Start: "18:00", End: "06:00", TZ: "UTC"}
	// Written on a Sunday: work waits for Monday 06:00.
	free, waited := FreeFrom([]runbook.TimeWindow{weekend}, at("2026-03-08T09:00:00Z"))
	if !free.Equal(at("2026-03-09T06:00:00Z")) || len(waited) != 1 || waited[0] != "b1" {
		t.Errorf("free from %s (waited %v)", free, waited)
	}
	if got := In(at("2026-03-06T18:30:00Z"), []runbook.TimeWindow{weekend}); len(got) != 1 {
		t.Errorf("Friday 18:30 is in the blackout: %v", got)
	}
	if got := In(at("2026-03-09T06:00:00Z"), []runbook.TimeWindow{weekend}); len(got) != 0 {
		t.Errorf("Monday 06:00 is after it: %v", got)
	}
	w := runbook.TimeWindow{ID: "w1", Days: []string{"mon", "tue", "wed", "thu"}, Start: "14:00", End: "16:00", TZ: "UTC"}
	slot, ok := NextSlot(w, nil, at("2026-03-04T10:00:00Z"), time.Hour)
	if !ok || Label(slot, "UTC") != "Wed 2026-03-04 14:00-16:00 UTC" {
		t.Errorf("slot %s %v", Label(slot, "UTC"), ok)
	}
	// Inside today's slot already: the rest of it.
	slot, ok = NextSlot(w, nil, at("2026-03-04T15:00:00Z"), 30*time.Minute)
	if !ok || Label(slot, "UTC") != "Wed 2026-03-04 15:00-16:00 UTC" {
		t.Errorf("slot %s %v", Label(slot, "UTC"), ok)
	}
	// Too little left today: tomorrow's.
	slot, ok = NextSlot(w, nil, at("2026-03-04T15:00:00Z"), 90*time.Minute)
	if !ok || Label(slot, "UTC") != "Thu 2026-03-05 14:00-16:00 UTC" {
		t.Errorf("slot %s %v", Label(slot, "UTC"), ok)
	}
	// A blackout on the 5th pushes it to Monday.
	fifth := runbook.TimeWindow{ID: "b2", DaysOfMonth: []int{5}, Start: "00:00", End: "24:00", TZ: "UTC"}
	slot, _ = NextSlot(w, []runbook.TimeWindow{fifth}, at("2026-03-04T17:00:00Z"), time.Hour)
	if Label(slot, "UTC") != "Mon 2026-03-09 14:00-16:00 UTC" {
		t.Errorf("slot %s", Label(slot, "UTC"))
	}
	// The first Sunday of the month; Berlin in summer time.
	first := runbook.TimeWindow{Days: []string{"sun"}, DaysOfMonth: []int{1, 2, 3, 4, 5, 6, 7}, Start: "02:00", End: "06:00", TZ: "Europe/Berlin"}
	slot, _ = NextSlot(first, nil, at("2026-03-04T10:00:00Z"), time.Hour)
	if Label(slot, "Europe/Berlin") != "Sun 2026-04-05 02:00-06:00 Europe/Berlin" || !slot.Start.Equal(at("2026-04-05T00:00:00Z")) {
		t.Errorf("slot %s (%s)", Label(slot, "Europe/Berlin"), slot.Start.UTC())
	}
	// A window a blackout always covers has no slot.
	if _, ok := NextSlot(runbook.TimeWindow{Days: []string{"sat"}, Start: "10:00", End: "12:00", TZ: "UTC"}, []runbook.TimeWindow{weekend}, at("2026-03-04T10:00:00Z"), time.Minute); ok {
		t.Error("a Saturday window inside a Friday-to-Monday blackout")
	}
}
