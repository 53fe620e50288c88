package intake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// FieldZone is a statement of the zone every clock of the request is
// written in ("All times Pacific.", "Berlin time throughout.", "IST
// everywhere.", "Horario de Brasilia (UTC-3) for everything below."): a
// fact; Value is the IANA zone. Every clock the request writes without a
// zone of its own is read in it (review17-cold6 P1).
const FieldZone = "zone"

// zoneStated is one statement of the request's zone.
type zoneStated struct {
	source, zone, quote string
}

// offsetZone is the IANA zone of a whole-hour offset written as a zone
// ("UTC-3" is Etc/GMT+3: the Etc names count the other way; "GMT+4",
// "UTC+02:00").
func offsetZone(s string) (string, bool) {
	low := strings.ToLower(s)
	if len(low) < 5 || (low[:3] != "utc" && low[:3] != "gmt") {
		return "", false
	}
	rest := strings.Replace(low[3:], "−", "-", 1)
	sign := rest[0]
	if sign != '+' && sign != '-' {
		return "", false
	}
	hours, mins, _ := strings.Cut(rest[1:], ":")
	if mins != "" && mins != "00" {
		return "", false
	}
	h, err := strconv.Atoi(hours)
	if err != nil || len(hours) > 2 || h > 14 {
		return "", false
	}
	if h == 0 {
		return "UTC", true
	}
	// Etc/GMT+3 is three hours behind UTC.
	etc := "+"
	if sign == '+' {
		etc = "-"
	}
	return fmt.Sprintf("Etc/GMT%s%d", etc, h), true
}

// zoneStatement reads a clause that states the zone of the request's clocks:
// zones and zone_statement_words only, with a cue ("all times",
// "throughout", "everywhere", "below") unless the clause is a zone alone
// ("NZ time (Auckland)."). A place names a zone only here ("Times below are
// Toronto"); a fixed offset beside a place ("Horario de Brasilia (UTC-3)")
// gives way to the place's zone, which keeps daylight saving. Two zones of
// different offsets at as_of make no statement.
func (rd *reader) zoneStatement(p *parsedText, from, to int) (string, bool) {
	c := &rd.lex.c
	type found struct {
		zone string
		rank int // 0 a named zone or place, 1 an abbreviation, 2 an offset
	}
	var zones []found
	others := 0
	for i := from; i < to; {
		t := p.toks[i]
		best, bestTo, rank := "", i, 0
		for _, m := range c.zones.find(p.toks, i, to) {
			if m.from == i && m.to > bestTo {
				best, bestTo, rank = rd.lex.Time.Zones[m.p.label], m.to, 0
			}
			break
		}
		for _, m := range c.zonePlaces.find(p.toks, i, to) {
			if m.from == i && m.to > bestTo {
				best, bestTo, rank = rd.lex.Time.ZonePlaces[m.p.label], m.to, 0
			}
			break
		}
		if best == "" {
			if z, ok := zoneToken(t); ok {
				best, bestTo, rank = z, i+1, 1
			} else if z, ok := zoneToken(token{text: strings.ToUpper(t.text), low: t.low}); ok && len(t.text) <= 4 && !c.zoneWords.has(p.toks, i, i+1) {
				// "ist everywhere": an abbreviation in lower case.
				best, bestTo, rank = z, i+1, 1
			} else if z, ok := offsetZone(t.text); ok {
				best, bestTo, rank = z, i+1, 2
			}
		}
		if best != "" {
			zones = append(zones, found{best, rank})
			i = bestTo
			continue
		}
		if m := c.zoneWords.find(p.toks, i, to); len(m) > 0 && m[0].from == i {
			if t.low != "time" && !t.punct() {
				others++
			}
			i = m[0].to
			continue
		}
		if t.text == "." || t.text == "!" {
			i++
			continue
		}
		return "", false
	}
	if len(zones) == 0 || (others > 0 && !c.zoneCues.has(p.toks, from, to)) {
		return "", false
	}
	pick := zones[0]
	for _, z := range zones[1:] {
		if z.rank < pick.rank {
			pick = z
		}
	}
	at := rd.asOf
	if at.IsZero() {
		at = time.Now()
	}
	_, want := zoneOffset(pick.zone, at)
	for _, z := range zones {
		if _, off := zoneOffset(z.zone, at); off != want {
			return "", false
		}
	}
	return pick.zone, true
}

// zoneOffset is a zone's offset from UTC, in seconds, at a moment.
func zoneOffset(zone string, at time.Time) (string, int) {
	loc, _, err := runbook.LoadZone(zone)
	if err != nil {
		return zone, 0
	}
	return at.In(loc).Zone()
}

// statedZones finds the statements of the request's zone in every text; it
// marks their clauses so they are read as facts.
func (rd *reader) statedZones(sources []string, parsed []*parsedText) []zoneStated {
	var out []zoneStated
	for i, p := range parsed {
		for k, cl := range p.clauses {
			if z, ok := rd.zoneStatement(p, cl[0], cl[1]); ok {
				if p.zoneClauses == nil {
					p.zoneClauses = map[int]string{}
				}
				p.zoneClauses[k] = z
				out = append(out, zoneStated{sources[i], z, quote(p, cl[0], cl[1])})
			}
		}
	}
	return out
}

// requestZoneFrom settles the request's zone from its statements: one zone
// is every unzoned clock's; two different ones are asked, and no unzoned
// clock is read in either.
func (rd *reader) requestZoneFrom(stated []zoneStated) bool {
	var distinct []zoneStated
	for _, s := range stated {
		if !slicesContainsZone(distinct, s.zone) {
			distinct = append(distinct, s)
		}
	}
	switch {
	case len(distinct) == 1:
		rd.requestZone, rd.zoneStated = distinct[0].zone, true
		rd.out.RequestZone = rd.requestZone
		return true
	case len(distinct) > 1:
		var said []string
		for _, s := range distinct {
			said = append(said, fmt.Sprintf("%q (%s, %s)", s.quote, s.source, s.zone))
		}
		rd.out.Questions = append(rd.out.Questions, Question{Item: runbook.OpenItem{Source: distinct[0].source,
			Text: strings.Join(said, "; "),
			Question: "The request states two time zones for all its times. Which zone are the times written without one in? " +
				"Until it is answered each such time is read as UTC and asked on its own."},
			Scope: Scope{Secrets: []int{}, Words: []string{}}})
		rd.zoneConflict = true
		return true
	}
	return false
}

func slicesContainsZone(list []zoneStated, zone string) bool {
	for _, s := range list {
		if s.zone == zone {
			return true
		}
	}
	return false
}

// keyDayOf is the one date the request gives a departure or an end ("last
// working day is Friday 18 Dec", "contract ended Tuesday 8 Dec"); "" when
// none or several.
func (rd *reader) keyDayOf(parsed []*parsedText) string {
	day := ""
	for _, p := range parsed {
		for _, cl := range p.clauses {
			if !rd.lex.c.keyDayCues.has(p.toks, cl[0], cl[1]) {
				continue
			}
			ds := datesIn(p, cl[0], cl[1])
			if len(ds) == 0 || !runbook.ValidDate(ds[0].Date) {
				continue
			}
			d := rd.nearDate(p, cl[0], cl[1], ds[0].Date)
			if d == "" || day != "" && day != d {
				return ""
			}
			day = d
		}
	}
	return day
}

// deadlineRef reads a clause with no time of its own that makes the moment
// of the clause before a deadline ("The CircleCI org 'kiwifreight' is
// deleted Fri 18 Dec 17:00 when the contract ends; … the old value is dead
// before then", review17-cold6 r54): the last single moment read before
// it, a fact until now, becomes the deadline.
func (rd *reader) deadlineRef(p *parsedText, from, to int, prev []Directive) bool {
	c := &rd.lex.c
	refs := c.deadlineRefs.find(p.toks, from, to)
	if len(refs) == 0 || c.negators.has(p.toks, from, to) ||
		!(c.completion.has(p.toks, from, to) || c.directiveModals.has(p.toks, from, to) || c.deadline.has(p.toks, from, to)) {
		return false
	}
	for k := len(prev) - 1; k >= 0; k-- {
		d := &prev[k]
		if d.Kind == KindDeadline {
			return false // already one
		}
		if d.Kind != KindTimeRule || d.Span == nil || d.fact == "" {
			continue
		}
		sp := d.Span
		day := sp.From
		if day == "" || day != sp.Until || !runbook.ValidDate(day) || strings.HasPrefix(day, "--") {
			return false
		}
		*d = Directive{Kind: KindDeadline, Deadline: &Deadline{Date: day, Day: day, At: sp.Start, TZ: sp.TZ, ZoneGiven: sp.ZoneGiven},
			Scope: d.Scope, Quote: quote(p, 0, to), Reader: ReaderRules,
			Evidence: append(slices.Clone(d.Evidence), evidence(refs)...)}
		return true
	}
	return false
}

// nearDate dates a year-less date ("Friday 18 Dec", "ended Tuesday 8 Dec")
// in the year that puts it on the weekday the clause names, else nearest
// the request's as_of: a departure or an end may be past ("We missed that").
func (rd *reader) nearDate(p *parsedText, from, to int, date string) string {
	if !strings.HasPrefix(date, "--") {
		return date
	}
	if rd.asOf.IsZero() {
		return ""
	}
	var want []string
	for i := from; i < to; i++ {
		if d, ok := dayWord(p.toks[i].text); ok && len(d) == 1 {
			want = append(want, d[0])
		}
	}
	best, bestGap := "", time.Duration(1<<62)
	for y := rd.asOf.Year() - 1; y <= rd.asOf.Year()+1; y++ {
		t, err := time.Parse("2006-01-02", fmt.Sprint(y)+date[1:])
		if err != nil {
			continue
		}
		gap := t.Sub(rd.asOf)
		if gap < 0 {
			gap = -gap
		}
		if len(want) > 0 && !slices.Contains(want, runbook.Weekdays[(int(t.Weekday())+6)%7]) {
			gap += 1 << 61
		}
		if gap < bestGap {
			best, bestGap = t.Format("2006-01-02"), gap
		}
	}
	return best
}
