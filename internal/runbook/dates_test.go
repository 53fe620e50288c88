package runbook

import (
	"strings"
	"testing"
)

func TestDatedLabels(t *testing.T) {
	freeze := TimeWindow{ID: "b1", Start: "00:00", End: "24:00", TZ: "UTC", From: "2026-12-20", Until: "2027-01-04"}
	if got := freeze.Label(); got != "2026-12-20 to 2027-01-04 UTC" {
		t.Errorf("label %q", got)
	}
	if got := (TimeWindow{Start: "02:00", End: "04:00", TZ: "UTC", From: "2026-12-01", Until: "2026-12-01"}).Label(); got != "2026-12-01 02:00-04:00 UTC" {
		t.Errorf("label %q", got)
	}
	if got := (TimeWindow{Start: "00:00", End: "24:00", TZ: "UTC", From: "--12-20", Until: "--01-04"}).Label(); got != "Dec 20 to Jan 4 (every year) UTC" {
		t.Errorf("label %q", got)
	}
	if got := (TimeWindow{Days: []string{"fri"}, EndDay: "mon", Start: "18:00", End: "06:00", TZ: "UTC"}).Label(); got != "Fri 18:00 to Mon 06:00 UTC" {
		t.Errorf("label %q", got)
	}
	if got := (TimeWindow{DaysOfMonth: []int{1, 15}, Start: "00:00", End: "06:00", TZ: "UTC"}).Label(); got != "the 1st, 15th of each month 00:00-06:00 UTC" {
		t.Errorf("label %q", got)
	}
	for _, d := range []string{"2026-12-20", "--12-20", "2024-02-29", "--02-29"} {
		if !ValidDate(d) {
			t.Errorf("%s is a date", d)
		}
	}
	for _, d := range []string{"2026-13-01", "2026-02-30", "20/12/2026", "---12-20", "2026-1-01", "2025-02-29", "--1-20", "0000-01-01"} {
		if ValidDate(d) {
			t.Errorf("%s is not a date", d)
		}
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
