package intake

import (
	"strings"
	"time"
)

// dutyClock is the moment a duty with a clock is due ("written summary to
// Hannah Brooks by 08:00 PT tomorrow", "Send the CISO a summary by 17:00 ET
// today"): a single time after "by" or "before", dated like a deadline
// (review17-cold5 P9: "as soon as it applies (no clock given)").
func (rd *reader) dutyClock(p *parsedText, from, to int, exprs []timeExpr) *Deadline {
	zoneAt := rd.zonesIn(p, from, to)
	var zones []string
	for _, i := range sortedInts(zoneAt) {
		zones = appendOnce(zones, zoneAt[i].zone)
	}
	st := &textState{}
	for k, x := range exprs {
		if x.end >= 0 || x.whole || (x.prep != "by" && x.prep != "before") {
			continue
		}
		prevEnd, nextFrom := from, to
		if k > 0 {
			prevEnd = exprs[k-1].to
		}
		if k+1 < len(exprs) {
			nextFrom = exprs[k+1].from
		}
		zone, given := rd.exprZone(p, x, prevEnd, nextFrom, zones, zoneAt)
		d := rd.deadline(p, from, to, x, zone, given, st, rd.clauseDay(p, from, to, st))
		return d.Deadline
	}
	return nil
}

// dutyCadence reads how a duty repeats (review17-cold6 P6): "every 30 min",
// "every hour", "hourly", "daily", "twice a day (09:00 and 16:00)", "Daily
// status ... at 10:00", "daily by 09:30". A daily or weekly duty is due at
// each clock the clause writes, in their zone; it then has no one-off
// deadline. A duty that repeats within the day keeps the clocks of what
// follows it ("every hour until ..., then twice a day (09:00 and 16:00)").
func (rd *reader) dutyCadence(p *parsedText, from, to int, exprs []timeExpr, d *Directive) {
	c := &rd.lex.c
	var every time.Duration
	for _, m := range c.dutyEvery.find(p.toks, from, to) {
		if v, err := time.ParseDuration(rd.lex.Time.DutyEvery[m.p.label]); err == nil && (every == 0 || v < every) {
			every = v
		}
	}
	for i := from; i+2 < to; i++ {
		if p.toks[i].low != "every" && p.toks[i].low != "each" {
			continue
		}
		n, ok := rd.count(p.toks[i+1].low)
		if !ok {
			continue
		}
		_, _, u, ok := rd.unitAt(func(k int) string {
			if k >= to {
				return ""
			}
			return p.toks[k].low
		}, i+2)
		if ok && u > 0 && (every == 0 || time.Duration(n)*u < every) {
			every = time.Duration(n) * u
		}
	}
	if every == 0 {
		return
	}
	d.Every = every.String()
	d.Every = strings.TrimSuffix(strings.TrimSuffix(d.Every, "0s"), "0m")
	zoneAt := rd.zonesIn(p, from, to)
	var zones []string
	for _, i := range sortedInts(zoneAt) {
		zones = appendOnce(zones, zoneAt[i].zone)
	}
	for k, x := range exprs {
		if x.end >= 0 || x.whole {
			continue
		}
		prevEnd, nextFrom := from, to
		if k > 0 {
			prevEnd = exprs[k-1].to
		}
		if k+1 < len(exprs) {
			nextFrom = exprs[k+1].from
		}
		zone, _ := rd.exprZone(p, x, prevEnd, nextFrom, zones, zoneAt)
		d.Times = appendOnce(d.Times, formatClock(x.start%1440))
		d.TimesTZ = zone
	}
	if len(d.Times) > 0 {
		// "Status in #ci-migration daily by 09:30": every day, not once.
		d.Deadline = nil
	}
}
