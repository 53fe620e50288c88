package intake

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// structured adds the request's structured windows and blackouts as texts
// whose directives need no reading.
func (rd *reader) structured(req *runbook.Request) {
	for _, l := range []struct {
		name string
		list []runbook.TimeSpec
		pol  Polarity
	}{{"blackouts", req.Blackouts, Forbid}, {"windows", req.Windows, Allow}} {
		for i, ts := range l.list {
			_, tz, err := runbook.LoadZone(ts.TZ)
			if err != nil {
				tz = "UTC"
			}
			sp := &Span{Days: runbook.NormalizeDays(ts.Days), DaysOfMonth: []int{}, Start: ts.Start, End: ts.End, TZ: tz,
				ZoneGiven: ts.TZ != "", From: ts.From, Until: ts.Until}
			rd.out.Texts = append(rd.out.Texts, Text{Source: fmt.Sprintf("%s[%d]", l.name, i), Text: specText(ts), Secret: -1,
				Scope: Scope{All: true, Secrets: []int{}, Words: []string{}},
				Directives: []Directive{{Kind: KindTimeRule, Polarity: l.pol, Span: sp, Scope: Scope{All: true, Secrets: []int{}, Words: []string{}},
					Quote: specText(ts), Evidence: []string{l.name}, Reader: ReaderStructured}}})
		}
	}
}

// specText writes a structured span as text.
func specText(ts runbook.TimeSpec) string {
	days := strings.Join(ts.Days, ", ")
	if days == "" {
		days = "daily"
	}
	t := fmt.Sprintf("%s %s-%s %s", days, ts.Start, ts.End, ts.TZ)
	if ts.Note != "" {
		t += ": " + ts.Note
	}
	return strings.TrimSpace(t)
}
