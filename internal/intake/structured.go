package intake

import (
	"fmt"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// structured adds the request's structured windows, blackouts, deadlines
// and rules as texts whose directives need no reading; their scope words
// bind like the prose's.
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
			sp := Span{Days: runbook.NormalizeDays(ts.Days), DaysOfMonth: append([]int{}, ts.DaysOfMonth...), Start: ts.Start, End: ts.End, TZ: tz,
				ZoneGiven: ts.TZ != "", From: ts.From, Until: ts.Until}
			if d, ok := runbook.ParseDay(ts.EndDay); ok && len(d) == 1 && len(sp.Days) == 1 {
				sp.EndDay = d[0]
			}
			source := fmt.Sprintf("%s[%d]", l.name, i)
			text := specText(ts)
			scope := rd.scopeWords(ts.Scope)
			var ds []Directive
			spans := []Span{sp}
			if len(ts.Dates) > 0 {
				spans = nil
				for _, d := range ts.Dates {
					dated := sp
					dated.From, dated.Until = d, d
					spans = append(spans, dated)
				}
			}
			for _, s := range spans {
				s := s
				ds = append(ds, Directive{Kind: KindTimeRule, Polarity: l.pol, Span: &s, Scope: scope, Quote: text, Evidence: []string{l.name}, Reader: ReaderStructured})
			}
			rd.out.Texts = append(rd.out.Texts, Text{Source: source, Text: text, Secret: -1, Scope: scope, Directives: ds})
		}
	}
	for i, d := range req.Deadlines {
		_, tz, err := runbook.LoadZone(d.TZ)
		if err != nil {
			tz = "UTC"
		}
		text := strings.TrimSpace(fmt.Sprintf("by %s %s %s %s", d.Date, d.At, tz, d.Note))
		scope := rd.scopeWords(d.Scope)
		rd.out.Texts = append(rd.out.Texts, Text{Source: fmt.Sprintf("deadlines[%d]", i), Text: text, Secret: -1, Scope: scope,
			Directives: []Directive{{Kind: KindDeadline, Deadline: &Deadline{Date: d.Date, Day: d.Date, At: d.At, TZ: tz, ZoneGiven: d.TZ != ""},
				Scope: scope, Quote: text, Evidence: []string{"deadlines"}, Reader: ReaderStructured}}})
	}
	for i, r := range req.Rules {
		scope := rd.scopeWords(r.Scope)
		d := Directive{Kind: Kind(r.Kind), Tool: r.Tool, Party: r.Party, Activity: r.Activity, Value: r.Until, Scope: scope,
			Evidence: []string{"rules"}, Reader: ReaderStructured}
		if r.Within != "" {
			if dur, err := time.ParseDuration(r.Within); err == nil {
				d.Within = formatDuration(dur)
			}
		}
		text := ruleText(r)
		d.Quote = text
		ds := []Directive{d}
		if r.Ticket != "" {
			ds = append(ds, Directive{Kind: KindDetail, Field: FieldChangeTicket, Value: r.Ticket, Quote: text, Evidence: []string{"ticket"},
				Reader: ReaderStructured, Scope: Scope{All: true, Secrets: []int{}, Words: []string{}}})
		}
		rd.out.Texts = append(rd.out.Texts, Text{Source: fmt.Sprintf("rules[%d]", i), Text: text, Secret: -1, Scope: scope, Directives: ds})
	}
}

// scopeWords binds the scope words of a structured entry as the prose's
// scope words bind: by secret name, provider, consumer or part of the job.
// No words: every secret.
func (rd *reader) scopeWords(words []string) Scope {
	if len(words) == 0 {
		return Scope{All: true, Secrets: []int{}, Words: []string{}}
	}
	out := Scope{Secrets: []int{}, Words: []string{}}
	for _, w := range words {
		p := &parsedText{text: w, toks: tokenize(w)}
		s := rd.named(p, 0, len(p.toks))
		for _, i := range s.Secrets {
			if !containsInt(out.Secrets, i) {
				out.Secrets = append(out.Secrets, i)
			}
		}
		out.Words = appendOnce(out.Words, w)
	}
	return out
}

// specText writes a structured span as text.
func specText(ts runbook.TimeSpec) string {
	days := strings.Join(ts.Days, ", ")
	if days == "" {
		days = "daily"
	}
	if len(ts.DaysOfMonth) > 0 {
		var ds []string
		for _, n := range ts.DaysOfMonth {
			ds = append(ds, runbook.Ordinal(n))
		}
		days += " on the " + strings.Join(ds, ", ") + " of the month"
	}
	end := ts.End
	if ts.EndDay != "" {
		end = ts.EndDay + " " + ts.End
	}
	t := fmt.Sprintf("%s %s-%s %s", days, ts.Start, end, ts.TZ)
	if len(ts.Dates) > 0 {
		t += " on " + strings.Join(ts.Dates, ", ")
	}
	if len(ts.Scope) > 0 {
		t += " for " + strings.Join(ts.Scope, ", ")
	}
	if ts.Note != "" {
		t += ": " + ts.Note
	}
	return strings.Join(strings.Fields(t), " ")
}

// ruleText writes a structured rule as text.
func ruleText(r runbook.RuleSpec) string {
	parts := []string{r.Kind}
	for _, v := range []string{r.Tool, r.Party, r.Within, r.Activity, r.Ticket} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	if r.Until != "" {
		parts = append(parts, "until "+r.Until)
	}
	if len(r.Scope) > 0 {
		parts = append(parts, "for "+strings.Join(r.Scope, ", "))
	}
	t := strings.Join(parts, " ")
	if r.Note != "" {
		t += ": " + r.Note
	}
	return t
}
