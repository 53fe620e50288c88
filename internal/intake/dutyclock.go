package intake

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
