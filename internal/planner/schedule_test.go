package planner

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadSpan(t *testing.T) {
	tests := []struct {
		text string
		want span
		ok   bool
	}{
		{"settlement-batch runs 00:00-01:30 UTC and must not be interrupted", span{kind: spanBlackout, days: []string{}, start: 0, end: 90, tz: "UTC", zoneGiven: true}, true},
		{"Maintenance window Tuesdays 02:00-04:00 UTC", span{kind: spanWindow, days: []string{"tue"}, start: 120, end: 240, tz: "UTC", zoneGiven: true}, true},
		{"Tuesdays 02:00-04:00 UTC", span{kind: spanWindow, days: []string{"tue"}, start: 120, end: 240, tz: "UTC", zoneGiven: true}, true},
		{"Departure is effective today at 17:00 UTC", span{kind: spanDeadline, start: 1020, end: -1, tz: "UTC", zoneGiven: true, day: "today"}, true},
		{"Rotate Stripe during the low-traffic window (22:00 UTC)", span{kind: spanWindow, days: []string{}, start: 1320, end: -1, tz: "UTC", zoneGiven: true}, true},
		{"No deploys Mon-Fri 9am-6pm Europe/Berlin", span{kind: spanBlackout, days: []string{"mon", "tue", "wed", "thu", "fri"}, start: 540, end: 1080, tz: "Europe/Berlin", zoneGiven: true}, true},
		{"Maintenance window Saturday 03:30", span{kind: spanWindow, days: []string{"sat"}, start: 210, end: -1, tz: "UTC"}, true},
		{"change window between 22:00 and 23:30 CET on weekends", span{kind: spanWindow, days: []string{"sat", "sun"}, start: 1320, end: 1410, tz: "Europe/Paris", zoneGiven: true}, true},
		{"SOC 2 audit evidence required", span{}, false},
		{"rotate 3-5 secrets per batch", span{}, false},
		{"Stripe and SendGrid API rate limits", span{}, false},
	}
	for _, tt := range tests {
		got, ok := readSpan(tt.text)
		if ok != tt.ok {
			t.Errorf("%q: ok = %v", tt.text, ok)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(span{})); ok && diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.text, diff)
		}
	}
}

func TestWholeDayBlackout(t *testing.T) {
	sp, ok := readSpan("No deploys on Fridays")
	if !ok || sp.kind != spanBlackout || sp.start != 0 || sp.end != 1440 || len(sp.days) != 1 || sp.days[0] != "fri" {
		t.Fatalf("span = %+v, %v", sp, ok)
	}
	if _, ok := readSpan("The team prefers Fridays"); ok {
		t.Error("a day without a blackout cue is not a span")
	}
}
