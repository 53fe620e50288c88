package runbook

import (
	"strings"
	"testing"
)

func TestDatePeriods(t *testing.T) {
	for _, c := range []struct{ text, from, until string }{
		{"Change freeze 2026-12-20 to 2027-01-04", "2026-12-20", "2027-01-04"},
		{"Code freeze from Dec 20 to Jan 4", "--12-20", "--01-04"},
		{"No deploys 20 December - 4 January 2027", "2026-12-20", "2027-01-04"},
		{"freeze Dec 20, 2026 through Jan 4th", "2026-12-20", "2027-01-04"},
		{"no changes on 2026-12-24", "2026-12-24", "2026-12-24"},
		{"Sept 3 - Sept 5", "--09-03", "--09-05"},
	} {
		from, until, ok := DatePeriod(FindDates(c.text))
		if !ok || from != c.from || until != c.until {
			t.Errorf("%q: %q to %q (%v), want %q to %q", c.text, from, until, ok, c.from, c.until)
		}
	}
	for _, text := range []string{"Tuesdays 02:00-04:00 UTC", "Redis 7 with 30 days of history", "pods may restart at will", "2026-02-30", "version 12-20"} {
		if d := FindDates(text); len(d) != 0 {
			t.Errorf("%q: found dates %+v", text, d)
		}
	}
	if _, _, ok := DatePeriod(FindDates("freeze 2027-01-04 to 2026-12-20")); ok {
		t.Error("a period that ends before it starts is read")
	}
}

func TestDatedSpans(t *testing.T) {
	freeze := TimeWindow{ID: "b1", Start: "00:00", End: "24:00", TZ: "UTC", From: "2026-12-20", Until: "2027-01-04"}
	weekly := TimeWindow{ID: "w1", Days: []string{"tue"}, Start: "02:00", End: "04:00", TZ: "UTC"}
	if got := freeze.Label(); got != "2026-12-20 to 2027-01-04 UTC" {
		t.Errorf("label %q", got)
	}
	if got := (TimeWindow{Start: "02:00", End: "04:00", TZ: "UTC", From: "2026-12-01", Until: "2026-12-01"}).Label(); got != "2026-12-01 02:00-04:00 UTC" {
		t.Errorf("label %q", got)
	}
	if got := (TimeWindow{Start: "00:00", End: "24:00", TZ: "UTC", From: "--12-20", Until: "--01-04"}).Label(); got != "Dec 20 to Jan 4 (every year) UTC" {
		t.Errorf("label %q", got)
	}
	// A weekly window is not swallowed by a dated freeze: it still occurs
	// outside those dates.
	if Overlaps(weekly, freeze) {
		t.Error("a weekly window overlaps a dated freeze")
	}
	if cut, changed, ok := CutWindow(weekly, []TimeWindow{freeze}); !ok || changed || cut.Label() != weekly.Label() {
		t.Errorf("cut %+v changed=%v ok=%v", cut, changed, ok)
	}
	inFreeze := TimeWindow{Start: "02:00", End: "04:00", TZ: "UTC", From: "2026-12-22", Until: "2026-12-22"}
	after := TimeWindow{Start: "02:00", End: "04:00", TZ: "UTC", From: "2027-01-12", Until: "2027-01-12"}
	if !Overlaps(inFreeze, freeze) || Overlaps(after, freeze) {
		t.Errorf("dated window overlap: in=%v after=%v", Overlaps(inFreeze, freeze), Overlaps(after, freeze))
	}
	for date, want := range map[string]bool{"2026-12-20": true, "2027-01-04": true, "2026-12-19": false, "2027-01-05": false, "--12-31": true} {
		if freeze.Contains(date) != want {
			t.Errorf("contains %s = %v", date, !want)
		}
	}
	if got := freeze.DatesIn("Deploy on 2026-12-22 at 02:00, or on 2027-01-12."); len(got) != 1 || got[0] != "2026-12-22" {
		t.Errorf("dates written inside the freeze: %q", got)
	}
	if got := freeze.DatesIn("Wait until 2027-01-04; not before 2026-12-22."); len(got) != 0 {
		t.Errorf("avoided dates read as booked: %q", got)
	}
	every := TimeWindow{From: "--12-20", Until: "--01-04"}
	if !every.Contains("2030-01-02") || every.Contains("2030-02-02") {
		t.Error("a yearly period that wraps the new year")
	}
}

func TestTimeSpecDates(t *testing.T) {
	base := func(from, until string) *Request {
		return &Request{System: "S", Secrets: []Secret{{Name: "Stripe API key"}},
			Blackouts: []TimeSpec{{Start: "00:00", End: "24:00", From: from, Until: until}}}
	}
	if err := base("2026-12-20", "2027-01-04").Validate(); err != nil {
		t.Fatal(err)
	}
	if err := base("--12-20", "--01-04").Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, until, want string }{
		{"2026-13-01", "", "blackouts[0].from"},
		{"20/12/2026", "", "blackouts[0].from"},
		{"2026-12-20", "2026-12-01", "blackouts[0].until"},
	} {
		err := base(c.from, c.until).Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s..%s: %v, want a problem at %s", c.from, c.until, err, c.want)
		}
	}
}

func TestDeadlineLabel(t *testing.T) {
	if got := (Deadline{At: "18:00", TZ: "Europe/London", Day: "fri"}).Label(); got != "by 18:00 Europe/London Fri" {
		t.Errorf("label %q", got)
	}
	if got := (Deadline{At: "17:00", TZ: "UTC", Day: "today"}).Label(); got != "by 17:00 UTC today" {
		t.Errorf("label %q", got)
	}
}
