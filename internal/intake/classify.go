package intake

import (
	"strings"
	"unicode"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// What a clause with a time (or a "no") is when it is no rule (#17,
// review17-cold4 P1-P4). A time or a "no" alone makes no rule: a rule needs
// a directive (prohibit, allow only, require) whose subject is work we do.
// Everything else is classified, never guessed, and kept as a detail (Value:
// the request's words) the considered table shows: no window, no blackout,
// no freeze.
const (
	// FieldReport is a past event ("SendGrid emailed us at 08:52", "the PAT
	// was used at 03:12 UTC today"): its time is a fact.
	FieldReport = "report"
	// FieldSchedule is when a job of the system runs ("backup-verifier is a
	// k8s CronJob at 02:30 UTC"): a busy period only when a rule refers to
	// it ("...; do not restart it then").
	FieldSchedule = "schedule"
	// FieldState is how things are ("All four use key1 today").
	FieldState = "state"
	// FieldTarget is a soft deadline ("Ideally by Friday").
	FieldTarget = "target"
	// FieldOutOfScope is what is not part of this change ("managed identity
	// eventually but NOT in this change").
	FieldOutOfScope = "out_of_scope"
	// FieldCheck is a constraint on checks ("Don't re-run the release
	// pipeline to 'test' anything", "the check must not publish anything"):
	// every check is read-only; Activity is what no check may do.
	FieldCheck = "check"
	// FieldKeepCopy keeps the leaked copy until someone has it ("Nobody
	// force-pushes or deletes that fork until Security has exported it",
	// "Unpublish 1.4.2 only after Security has a copy"): containment makes
	// the copy private; deleting, force-pushing, unpublishing or rewriting
	// it waits. It holds no rotation step.
	FieldKeepCopy = "keep_copy"
	// FieldNoContact is someone nobody contacts ("Don't contact Ravi or his
	// staffing agency"): a comms rule; it holds no step of the rotation.
	FieldNoContact = "no_contact"
	// FieldNever is a ban on actions on infrastructure that is no consumer
	// of ours ("Do not restart, fail over or resize the Cloud SQL primary
	// or replicas"): a rule on the work that no rotation step breaks; it
	// holds no step (review17-cold5 P1). Activity is the first action.
	FieldNever = "never"
	// FieldAllowance is what may break, and for how long ("Ops dashboards
	// can go blank for an hour overnight", "Braze Android push can be
	// broken for a few hours"): a tolerance, never a window for every step
	// nor a blackout (review17-cold6 P2).
	FieldAllowance = "allowance"
	// FieldTheirFreeze is another system's freeze, or one the text says is
	// not about this work ("The Redox EHR integration is in a change freeze
	// until Dec 15. Unrelated, don't touch it", "that's only about merging
	// features"): it binds no step of ours (review17-cold5 P2).
	FieldTheirFreeze = "their_freeze"
)

// FactFields lists the fields of a clause that is no rule.
var FactFields = []string{FieldReport, FieldSchedule, FieldState, FieldTarget, FieldOutOfScope, FieldCheck, FieldNoContact, FieldKeepCopy,
	FieldNever, FieldTheirFreeze, FieldAllowance}

// IsFact reports whether a detail is one of FactFields.
func IsFact(d Directive) bool {
	if d.Kind != KindDetail {
		return false
	}
	for _, f := range FactFields {
		if d.Field == f {
			return true
		}
	}
	return false
}

// directive reports whether a clause says something about work we do: a
// forbid word (not a past passive: "his user was blocked on Friday"), a
// modal ("must", "can't be", "only"), or a negator right before an activity
// or a work verb ("no DNS record changes", "don't kill that token"); "an IP
// we don't own" and "not when we noticed" say nothing about work.
func (rd *reader) directive(p *parsedText, from, to int) bool {
	c := &rd.lex.c
	for _, m := range c.forbid.find(p.toks, from, to) {
		if m.from > from {
			if prev := p.toks[m.from-1].low; prev == "was" || prev == "were" || prev == "been" {
				continue
			}
		}
		return true
	}
	for _, m := range c.directiveModals.find(p.toks, from, to) {
		if m.to < to && (p.toks[m.to].low == "have" || p.toks[m.to].low == "has") {
			// "may have been revoked": a hedge about the past.
			continue
		}
		return true
	}
	for _, n := range c.negators.find(p.toks, from, to) {
		end := min(to, n.to+4)
		if c.activities.has(p.toks, n.to, end) || c.workVerbs.has(p.toks, n.to, end) {
			return true
		}
	}
	return false
}

// fact is a clause read as one of FactFields.
func fact(field, value string, ev ...[]match) Directive {
	return Directive{Kind: KindDetail, Field: field, Value: value, Evidence: evidence(ev...)}
}

// notARule reads a clause that carries a time or a "no" but is no rule
// about our work: a check constraint, an out-of-scope note, a comms
// prohibition, a duty with a clock, a report, a target. It returns what the
// clause is, and false when it may be a rule (the time reader decides).
func (rd *reader) notARule(p *parsedText, from, to int, exprs []timeExpr) ([]Directive, bool) {
	c := &rd.lex.c
	toks := p.toks
	negs := c.negators.find(toks, from, to)
	forbids := c.forbid.find(toks, from, to)
	q := quote(p, from, to)
	// "Don't re-run the release pipeline to 'test' anything", "Whatever you
	// do to check the npm token must not publish anything", "Checks must be
	// read-only": what no check may do, never a freeze.
	if chk := c.checkWords.find(toks, from, to); len(chk) > 0 && (len(negs) > 0 || len(forbids) > 0 || c.directiveModals.has(toks, from, to)) {
		act := ""
		for _, a := range c.activities.find(toks, from, to) {
			if act == "" {
				act = a.p.label
			}
		}
		d := fact(FieldCheck, q, chk, negs)
		d.Activity = act
		return []Directive{d}, true
	}
	// "Tama (security) is on leave until 14 Dec", "He is on leave until
	// Wed noon": a fact about a person, never a deadline.
	if ab := c.absence.find(toks, from, to); len(ab) > 0 && len(forbids) == 0 {
		return []Directive{fact(FieldState, q, ab)}, true
	}
	// "We want managed identity eventually but NOT in this change", "a
	// separate ticket", "just not this week".
	if oos := c.outOfScope.find(toks, from, to); len(oos) > 0 {
		return []Directive{fact(FieldOutOfScope, q, oos)}, true
	}
	// "Nobody force-pushes or deletes that fork until Security has
	// exported it": a gate on removing the leaked copy.
	if v := c.keepCopyVerbs.find(toks, from, to); len(v) > 0 && c.keepCopyObjects.has(toks, v[0].to, to) &&
		(len(negs) > 0 || c.only.has(toks, from, to)) && (c.by.has(toks, v[0].to, to) || c.after.has(toks, v[0].to, to)) {
		return []Directive{fact(FieldKeepCopy, q, v[:1])}, true
	}
	// "Don't contact Ravi or his staffing agency", "Please don't page the
	// customer-ops on-call", "Don't post in #engineering": nobody contacts
	// them; no step waits. "Kestrel QA must not be contacted until Legal
	// has reviewed": the party comes first.
	if len(negs) > 0 {
		for _, v := range c.noContact.find(toks, from, to) {
			if v.from < negs[0].to || v.from-negs[0].to > 2 {
				continue
			}
			passive := strings.HasSuffix(toks[v.from].low, "ed") && rd.personAfter(p, from, negs[0].from)
			if !passive && !rd.personAfter(p, v.to, min(to, v.to+5)) {
				continue
			}
			return []Directive{fact(FieldNoContact, q, negs[:1], []match{v})}, true
		}
	}
	if d, ok := rd.never(p, from, to, negs, exprs); ok {
		return []Directive{d}, true
	}
	if len(negs) > 0 {
		// "We are not waiting for Algolia support before killing the
		// keys", "No need to wait for the vendor": nothing waits.
		for _, w := range c.waitVerbs.find(toks, from, to) {
			if w.from >= negs[0].to && w.from-negs[0].to <= 3 {
				return []Directive{fact(FieldState, q, negs[:1], []match{w})}, true
			}
		}
	}
	if len(negs) > 0 && !c.directiveModals.has(toks, from, to) {
		// "no restart or redeploy is needed", "There is no customer-facing
		// change here": how things are.
		if nn := c.notNeeded.find(toks, from, to); len(nn) > 0 {
			return []Directive{fact(FieldState, q, nn)}, true
		}
	}
	// "refunds-worker has nothing to do Sat/Sun", "Nobody uses the admin
	// console at weekends": a fact, never a blackout.
	if idle := c.idle.find(toks, from, to); len(idle) > 0 && !c.directiveModals.has(toks, from, to) {
		return []Directive{fact(FieldState, q, idle)}, true
	}
	timed := len(exprs) > 0 || rd.namesDay(p, from, to) || len(datesIn(p, from, to)) > 0 || rd.relativeDay(p, from, to)
	if !timed && len(negs) == 0 && len(forbids) == 0 && c.commsCues.has(toks, from, to) {
		// "Post a status in #payments-ops every 2 hours": a duty that
		// repeats has its clock in its period.
		var d Directive
		rd.dutyCadence(p, from, to, nil, &d)
		timed = d.Every != ""
	}
	if !timed {
		return nil, false
	}
	deadline := rd.isDeadline(p, from, to) && !rd.pastCompletion(p, from, to)
	// "a short summary to Ben (CTO) by end of day", "Heads-up in
	// #platform-changes the day before each production step": someone to
	// tell, with its clock; the rules read the duty.
	if cues := c.commsCues.find(toks, from, to); len(cues) > 0 && len(negs) == 0 && len(forbids) == 0 {
		if who := rd.recipient(p, from, to); who != "" {
			d := Directive{Kind: KindDuty, Party: PartyTeam, Value: who, Evidence: evidence(cues), Deadline: rd.dutyClock(p, from, to, exprs)}
			rd.dutyCadence(p, from, to, exprs, &d)
			return []Directive{d}, true
		}
	}
	// "Ideally by Friday", "Aim for Thursday if you can": a soft deadline.
	if tc := c.targetCues.find(toks, from, to); len(tc) > 0 && len(negs) == 0 && (c.by.has(toks, from, to) || strings.Contains(tc[0].p.text, "for") || strings.Contains(tc[0].p.text, "if")) {
		return []Directive{fact(FieldTarget, q, tc)}, true
	}
	// "SendGrid emailed us at 08:52", "his contract ended Friday Dec 4",
	// "CAB approved CHG0049321 on Friday": a past event.
	if rv := c.reportVerbs.find(toks, from, to); len(rv) > 0 && !deadline && !rd.directive(p, from, to) {
		return []Directive{fact(FieldReport, q, rv)}, true
	}
	return nil, false
}

// never reads a ban on actions done to infrastructure that is no consumer
// of ours ("Do not restart, fail over or resize the Cloud SQL primary or
// replicas", "Don't fail over the Redis cluster"): no time, every action
// after the negator is one no rotation step takes, and no consumer is
// named. A named consumer ("Do not restart checkout-api") is left to the
// rules: a rotation step may restart it.
func (rd *reader) never(p *parsedText, from, to int, negs []match, exprs []timeExpr) (Directive, bool) {
	c := &rd.lex.c
	if len(negs) == 0 || len(exprs) > 0 || rd.namesDay(p, from, to) || len(datesIn(p, from, to)) > 0 {
		return Directive{}, false
	}
	acts := c.neverActions.find(p.toks, negs[0].to, to)
	if len(acts) == 0 || acts[0].from-negs[0].to > 1 {
		return Directive{}, false
	}
	// The actions run as a list up to the object: "restart, fail over or
	// resize the …".
	end := acts[0].to
	for _, a := range acts[1:] {
		gap := quote(p, end, a.from)
		if a.from-end > 1 || (gap != "" && gap != "," && gap != "or" && gap != "and" && gap != "nor") {
			break
		}
		end = a.to
	}
	if len(rd.consumersNamed(p, from, to)) > 0 {
		return Directive{}, false
	}
	for _, a := range c.activities.find(p.toks, end, to) {
		if a.p.label == ActivityRotate || a.p.label == ActivityDeploy {
			return Directive{}, false // "… or rotate its password"
		}
	}
	d := fact(FieldNever, quote(p, from, to), negs[:1], acts)
	d.Activity = acts[0].p.label
	return d, true
}

// personAfter reports whether toks[from:to] names a person or a party to
// contact: a capitalised word, a pronoun, customers, the on-call.
func (rd *reader) personAfter(p *parsedText, from, to int) bool {
	for i := from; i < to; i++ {
		t := p.toks[i]
		switch t.low {
		case "him", "her", "them", "customer", "customers", "merchants", "on-call", "oncall", "agency", "vendor", "partner",
			"partners", "users", "banks", "anyone", "anybody":
			return true
		}
		if r := []rune(t.text); len(r) > 1 && (unicode.IsUpper(r[0]) || r[0] == '#') {
			return true
		}
	}
	return false
}

// recipient is whom a comms clause goes to: a #channel, or the capitalised
// words after "to", "tell", "send" ("Ben (CTO)", "the CISO").
func (rd *reader) recipient(p *parsedText, from, to int) string {
	var names []string
	for i := from; i < to; i++ {
		t := p.toks[i].text
		if strings.HasPrefix(t, "#") && len(t) > 1 {
			names = append(names, t)
		}
		// "legal@ (Aiko Tanaka)", "sec-leads@": a mailbox, with the
		// person in brackets after it.
		if at := strings.Index(t, "@"); at > 0 {
			name := t
			if i+2 < to && p.toks[i+1].text == "(" && capitalised(p.toks[i+2].text) {
				e := i + 2
				for e < to && p.toks[e].text != ")" && e-i < 6 {
					e++
				}
				if e < to {
					name = quote(p, i, e+1)
				}
			}
			names = append(names, name)
		}
	}
	for i := from; i < to-1; i++ {
		switch p.toks[i].low {
		case "to", "tell", "send", "email", "ping", "notify", "message", "brief":
		default:
			continue
		}
		k := i + 1
		if p.toks[k].low == "the" && k+1 < to {
			k++
		}
		if r := []rune(p.toks[k].text); len(r) > 1 && unicode.IsUpper(r[0]) {
			if _, ok := dayWord(p.toks[k].text); ok {
				continue
			}
			// "Hannah Brooks": the whole name.
			e := k + 1
			for e < to && capitalised(p.toks[e].text) {
				if _, ok := dayWord(p.toks[e].text); ok {
					break
				}
				e++
			}
			names = append(names, quote(p, k, e))
		}
	}
	return strings.Join(names, ", ")
}

// factOfRule marks a time rule read from a clause with no directive: a
// busy time that only says when a job runs, or an unclear time that says
// how things are. readText turns it into a detail unless a later clause
// keeps work clear of it ("...; do not restart invoice-worker then").
func (rd *reader) factOfRule(p *parsedText, from, to int, d *Directive) {
	c := &rd.lex.c
	if d.Kind != KindTimeRule || rd.directive(p, from, to) {
		return
	}
	for _, v := range c.vague.find(p.toks, from, to) {
		if !c.approximate.has(p.toks, v.from, v.to) {
			// "would like", "ideally": a preference, an unclear rule;
			// "lands around 21:00" is still a fact.
			return
		}
	}
	switch d.Polarity {
	case Allow:
		// "claims-api releases go out Tuesdays and Thursdays 6-7pm": when
		// their releases go, not a window of ours.
		if d.activityOnly && c.scheduleWords.has(p.toks, from, to) && !c.reportVerbs.has(p.toks, from, to) && !c.activities.has(p.toks, from, from+1) {
			d.fact = FieldSchedule
		}
	case Busy:
		if c.negators.has(p.toks, from, to) || c.protect.has(p.toks, from, to) {
			return
		}
		d.fact = FieldSchedule
	case Unclear:
		if rd.contentWords(p, from, to) < 2 {
			// "Tuesdays 02:00-04:00 UTC": a bare time, asked.
			return
		}
		d.fact = FieldState
		if c.scheduleWords.has(p.toks, from, to) || c.busy.has(p.toks, from, to) {
			d.fact = FieldSchedule
		}
	}
}

// contentWords counts the words of a clause that are not times, dates,
// days, zones or fillers.
func (rd *reader) contentWords(p *parsedText, from, to int) int {
	n := 0
	skip := map[int]bool{}
	for _, x := range rd.timeExprs(p, from, to) {
		for k := x.from; k < x.to; k++ {
			skip[k] = true
		}
	}
	for k, z := range rd.zonesIn(p, from, to) {
		for i := k; i < z.to; i++ {
			skip[i] = true
		}
	}
	for i := from; i < to; i++ {
		t := p.toks[i]
		if skip[i] || t.date {
			continue
		}
		if _, ok := dayWord(t.text); ok {
			continue
		}
		switch t.low {
		case "on", "at", "from", "to", "every", "each", "and", "the", "a", "in", "between", "utc", "gmt", "-", "–", ",", ".", "(", ")", ":":
			continue
		}
		if r := []rune(t.text); len(r) > 0 && (unicode.IsLetter(r[0])) {
			n++
		}
	}
	return n
}

// settleFacts turns the time rules marked as facts that no later clause
// made a rule of into details.
func settleFacts(ds []Directive) []Directive {
	for i := range ds {
		d := &ds[i]
		if d.fact == "" || d.Kind != KindTimeRule || d.Polarity == Forbid {
			continue
		}
		*d = Directive{Kind: KindDetail, Field: d.fact, Value: d.Quote, Scope: d.Scope, Quote: d.Quote, Evidence: d.Evidence, Reader: d.Reader}
	}
	return ds
}

// untilOver reads "don't kill that token before the session is over" after
// a span on one weekday ("on Thursday 2:00-3:30pm PT"): the activity waits
// until that span's end on its next date, one stretch from now, never a
// weekly blackout of the span itself (review17-cold4 critical 9). It
// reports false when the clause is not so.
func (rd *reader) untilOver(p *parsedText, from, to int, d *Directive) bool {
	c := &rd.lex.c
	sp := d.Span
	if d.Kind != KindTimeRule || !d.Polarity.Blocks() || sp == nil || sp.End == "" || len(sp.Days) != 1 || sp.From != "" || rd.asOf.IsZero() {
		return false
	}
	ok := false
	for _, b := range c.before.find(p.toks, from, to) {
		if c.negators.has(p.toks, from, b.from) && c.sessionOver.has(p.toks, b.to, to) {
			ok = true
		}
	}
	if !ok {
		return false
	}
	loc, _, err := runbook.LoadZone(sp.TZ)
	if err != nil {
		return false
	}
	now := rd.asOf.In(loc)
	day := now
	for day.Weekday() != weekday(sp.Days[0]) {
		day = day.AddDate(0, 0, 1)
	}
	d.Span = &Span{Days: []string{}, DaysOfMonth: []int{}, BusinessDaysOfMonth: []int{}, Start: "00:00", End: sp.End, TZ: sp.TZ,
		ZoneGiven: sp.ZoneGiven, Until: day.Format("2006-01-02"), Continuous: true}
	d.Polarity = Forbid
	d.Evidence = append(d.Evidence, evidence(c.sessionOver.find(p.toks, from, to))...)
	return true
}

// pastCompletion reports a completion word in the past passive ("access to
// the vault was removed at 12:10 ET", "was already revoked"): what
// happened, not a moment work must be done by (review17-cold4 r2).
func (rd *reader) pastCompletion(p *parsedText, from, to int) bool {
	c := &rd.lex.c
	if c.deadline.has(p.toks, from, to) {
		return false
	}
	for _, m := range c.completion.find(p.toks, from, to) {
		for k := m.from - 1; k >= max(from, m.from-3); k-- {
			switch p.toks[k].low {
			case "was", "were", "been", "had":
				return true
			}
		}
	}
	return false
}
