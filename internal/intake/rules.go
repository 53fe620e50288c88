package intake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// ruleDirectives reads everything but times and details: change paths, dual
// control, duties, freezes, rate limits, frameworks, approval, customer
// impact, legacy consumers, build-time values, a confirmed breach, a request
// to rotate everything, and where a value went.
func (rd *reader) ruleDirectives(p *parsedText, from, to int, timed bool, scope Scope, secret int) []Directive {
	note := secret >= 0
	c := &rd.lex.c
	var out []Directive
	add := func(d Directive) {
		d.Scope = scope
		switch d.Kind {
		case KindChangePath, KindDualControl, KindDuty, KindFreeze:
			// How changes are made concerns the whole job unless a
			// secret is named ("the Terraform pipeline" names no part).
			d.Scope = rd.directScope(p, from, to, secret)
		}
		out = append(out, d)
	}
	toks := p.toks
	negs := c.negators.find(toks, from, to)
	// Change paths.
	tools := c.tools.find(toks, from, to)
	// A console word binds only right after a negator ("no console
	// changes", "never by hand"): "uploaded through their evidence portal,
	// not by email" names how evidence travels (review17-cold5 r44).
	consoles := slices.DeleteFunc(c.console.find(toks, from, to), func(m match) bool {
		return !slices.ContainsFunc(negs, func(n match) bool { return n.to <= m.from && m.from-n.to <= 8 })
	})
	cues := c.pathCues.find(toks, from, to)
	if len(cues) == 0 && !(len(consoles) > 0 && len(negs) > 0) {
		// A tool named in passing ("the deploy key ArgoCD uses to pull")
		// binds nothing.
		tools = nil
	}
	seen := map[string]bool{}
	for _, m := range tools {
		if seen[m.p.label] {
			continue
		}
		seen[m.p.label] = true
		add(Directive{Kind: KindChangePath, Tool: m.p.label, Evidence: evidence([]match{m}, cues, consoles)})
	}
	pathRead := len(tools) > 0
	if len(tools) == 0 && len(consoles) > 0 && len(negs) > 0 {
		add(Directive{Kind: KindChangePath, Tool: ToolConsole, Evidence: evidence(negs, consoles)})
		pathRead = true
	}
	if m := c.dualControl.find(toks, from, to); len(m) > 0 {
		add(Directive{Kind: KindDualControl, Evidence: evidence(m)})
	}
	if d, ok := rd.overlap(p, from, to); ok {
		// "The previous secret must stay valid for at least 48 hours
		// after the new one is live".
		add(d)
	} else if d, ok := rd.switchLead(p, from, to); ok {
		// "Our carriers need 5 business days to switch to a new key": the
		// old credential keeps working that long after they get the new one.
		add(d)
	} else if parties, cues := c.parties.find(toks, from, to), c.dutyCues.find(toks, from, to); len(parties) > 0 && len(cues) > 0 && IsDecision(quote(p, from, to)) {
		// "Breach notification (patients, HHS) is her call only": a
		// decision owned by her, never a duty to notify.
		party := toldParty(toks, parties, cues)
		add(Directive{Kind: KindDetail, Field: FieldDecidedBy, Party: party.p.label, Value: quote(p, from, to), Evidence: evidence([]match{party}, cues)})
	} else if len(parties) > 0 && len(cues) > 0 {
		within, wev, field := rd.within(p, from, to)
		party := toldParty(toks, parties, cues)
		d := Directive{Kind: KindDuty, Party: party.p.label, Within: within, Field: field, Evidence: append(evidence([]match{party}, cues), wev...)}
		if d.Party == PartyTeam || d.Party == PartyPartner {
			// "Inform our Data Protection Officer": the request's words.
			d.Value = partyWords(p, party)
		}
		if d.Party == PartyTeam && within == "" && c.informedCues.has(toks, from, to) {
			// "Keep the CISO informed": no clock, told before and after.
			d.Field = FieldInformed
		}
		add(d)
	} else if len(cues) > 0 {
		// "Patient Comms must be told 3 business days ahead": a team of
		// the organisation, told ahead of the work.
		if within, wev, field := rd.within(p, from, to); field != "" {
			if who := rd.toldWho(p, from, to, cues[0]); who != "" {
				add(Directive{Kind: KindDuty, Party: PartyTeam, Value: who, Within: within, Field: field, Evidence: append(evidence(cues), wev...)})
			}
		} else if inf := c.informedCues.find(toks, from, to); len(inf) > 0 {
			// "Security is informed", "Inform Compliance when it is done":
			// a party kept informed, never dropped (review17-cold3 r5);
			// with a clock ("within 24 hours") a duty like any other.
			if who := rd.informedWho(p, from, to, inf[0]); who != "" {
				d := Directive{Kind: KindDuty, Party: PartyTeam, Value: who, Within: within, Evidence: append(evidence(inf), wev...)}
				if within == "" {
					d.Field = FieldInformed
				}
				add(d)
			}
		}
	}
	if d, ok := rd.maxDowntime(p, from, to); ok {
		add(d)
		return out
	}
	if !timed && !pathRead {
		if d, ok := rd.freeze(p, from, to, negs); ok {
			add(d)
		}
	}
	if m := c.rateLimit.find(toks, from, to); len(m) > 0 {
		add(Directive{Kind: KindRateLimit, Evidence: evidence(m)})
	}
	fwSeen := map[string]bool{}
	requirement := ""
	for _, m := range c.frameworks.find(toks, from, to) {
		if !fwSeen[m.p.label] {
			fwSeen[m.p.label] = true
			d := Directive{Kind: KindCompliance, Value: m.p.label, Evidence: evidence([]match{m})}
			if id := requirementAt(toks, m.to, to); id != "" {
				// "PCI DSS 8.3.9": the requirement the evidence cites.
				d.Values = []string{id}
				if requirement == "" {
					requirement = m.p.label + " " + id
				}
			}
			add(d)
		}
	}
	if every, ev := rd.cadence(p, from, to); every != "" {
		// A cadence is a reason too: said once, with how often.
		add(Directive{Kind: KindCompliance, Field: FieldCadence, Within: every, Value: requirement, Evidence: ev})
	} else if m := c.reasons.find(toks, from, to); len(m) > 0 && len(fwSeen) == 0 {
		add(Directive{Kind: KindCompliance, Field: "reason", Value: m[0].p.text, Evidence: evidence(m)})
	}
	if m := c.approval.find(toks, from, to); len(m) > 0 && c.approvalWaived.has(toks, from, to) {
		// "Emergency change, no CAB": nobody approves before the work.
		add(Directive{Kind: KindDetail, Field: FieldApprovalWaived, Value: quote(p, from, to), Evidence: evidence(m, c.approvalWaived.find(toks, from, to))})
	} else if retro := c.approvalRetro.find(toks, from, to); len(m) > 0 && len(retro) > 0 {
		// "retro CAB ticket within 24h": filed after the work, by a date.
		within, wev, field := rd.within(p, from, to)
		names, _ := rd.approvers(p, from, to, m)
		who := "the change board"
		if len(names) > 0 {
			who = strings.Join(names, " and ")
		}
		add(Directive{Kind: KindDuty, Party: PartyTeam, Value: who + " (a retro change ticket)", Within: within, Field: field,
			Evidence: append(evidence(m, retro), wev...)})
	} else if len(m) > 0 {
		names, ev := rd.approvers(p, from, to, m)
		add(Directive{Kind: KindApproval, Values: names, Evidence: append(evidence(m), ev...)})
		if d := &out[len(out)-1]; len(names) > 0 && len(d.Scope.Words) > 0 && !d.Scope.All &&
			!slices.ContainsFunc(d.Scope.Words, func(w string) bool { return !inAny(names, w) }) {
			// "the Payments team lead must approve": the approver's
			// words are who approves, not what the approval binds.
			d.Scope = Scope{All: true, Secrets: []int{}, Words: []string{}, Consumers: d.Scope.Consumers}
		}
	}
	if m := c.customer.find(toks, from, to); len(m) > 0 && !NamesNoImpact(quote(p, from, to)) {
		add(Directive{Kind: KindCustomerImpact, Evidence: evidence(m)})
	}
	if m := c.legacy.find(toks, from, to); len(m) > 0 {
		d := Directive{Kind: KindLegacy, Evidence: evidence(m)}
		if !note && len(scope.Secrets) == 0 && len(scope.Words) == 0 {
			// "reads the password once at start-up", naming no secret:
			// the database passwords.
			if w, ok := hasPhrase(toks[from:to], "password"); ok {
				var dbs []int
				for i, t := range rd.targets {
					if t.Kind == runbook.KindDatabasePassword {
						dbs = append(dbs, i)
					}
				}
				if len(dbs) > 0 {
					out = append(out, Directive{Kind: KindLegacy, Evidence: evidence(m), Scope: Scope{Secrets: dbs, Words: []string{w}}})
					d.Kind = ""
				}
			}
		}
		if d.Kind != "" {
			add(d)
		}
	}
	if m := c.buildTime.find(toks, from, to); len(m) > 0 {
		add(Directive{Kind: KindBuildTime, Evidence: evidence(m)})
	}
	if m := c.breach.find(toks, from, to); len(m) > 0 {
		out = append(out, Directive{Kind: KindConfirmedBreach, Evidence: evidence(m), Scope: rd.directScope(p, from, to, secret)})
	}
	if m := c.rotateAll.find(toks, from, to); len(m) > 0 {
		out = append(out, Directive{Kind: KindRotateAll, Value: quote(p, m[0].from, to), Evidence: evidence(m), Scope: rd.directScope(p, from, to, secret)})
	}
	if note {
		exposed := false
		for _, e := range []struct {
			value string
			ps    *phrases
		}{{"public", c.public}, {"third_party", c.thirdParty}, {"insider", c.insider}} {
			m := e.ps.find(toks, from, to)
			if e.value == "third_party" {
				// "our Retool instance (vendor SaaS)" says how a consumer
				// runs, not who received the value (review17-cold5 r1).
				rt := runtimeWords().words.find(toks, from, to)
				m = slices.DeleteFunc(m, func(x match) bool {
					return slices.ContainsFunc(rt, func(r match) bool { return r.from <= x.from && x.to <= r.to })
				})
			}
			if len(m) > 0 {
				add(Directive{Kind: KindExposure, Value: e.value, Evidence: evidence(m)})
				exposed = true
				break
			}
		}
		// A person's own copy ("she has the token in her password
		// manager") is what that person holds.
		if own := rd.personalCopies(p, from, to); !exposed && len(own) > 0 {
			add(Directive{Kind: KindExposure, Value: "insider", Evidence: []string{own[0].place}})
		}
	}
	return out
}

// freeze reads a freeze with no span ("Release freeze until the incident is
// closed", "No deploys until the rotation is done"): a freeze word, or a
// negator right before an activity that ships something.
func (rd *reader) freeze(p *parsedText, from, to int, negs []match) (Directive, bool) {
	c := &rd.lex.c
	acts := c.activities.find(p.toks, from, to)
	if len(acts) == 0 {
		return Directive{}, false
	}
	// "No changes during the Christmas period": a period with no dates is
	// no freeze until further notice: unread, so the planner raises it.
	for _, m := range c.periods.find(p.toks, from, to) {
		if !c.before.has(p.toks, from, m.from) {
			return Directive{}, false
		}
	}
	fz := c.freeze.find(p.toks, from, to)
	ok := len(fz) > 0
	act := acts[0]
	for _, n := range negs {
		if n.p.text == "without" {
			// "warm containers pick up a new value … without a redeploy":
			// how it works, no freeze (review17-cold5 r14).
			continue
		}
		if n.from > from && runbook.OneOf([]string{"is", "are", "was", "were", "isn't", "aren't"}, p.toks[n.from-1].low) {
			// "The RabbitMQ user changes are not standard changes": what
			// kind of change they are, no freeze (review17-cold5 r36).
			continue
		}
		for _, a := range acts {
			if a.from >= n.to && a.from-n.to <= 2 && runbook.OneOf([]string{ActivityDeploy, ActivityRelease, ActivityPublish, ActivityChange}, a.p.label) {
				ok, act = true, a
			}
		}
	}
	if !ok {
		return Directive{}, false
	}
	// "Their landing-page work stays paused until ...", "The partner's
	// integration work is on hold": another party's work, no freeze of
	// ours (review17-cold4 r2).
	if c.theirWork.has(p.toks, max(from, act.from-3), act.from) {
		return Directive{}, false
	}
	d := Directive{Kind: KindFreeze, Activity: act.p.label, Evidence: evidence(fz, negs, []match{act})}
	for i := from; i < to; i++ {
		if l := p.toks[i].low; (l == "until" || l == "till") && i+1 < to {
			d.Value = quote(p, i+1, to)
			break
		}
	}
	return d, true
}

// toldParty is the party a duty is owed to: the one its cue addresses,
// right after it ("Inform our Data Protection Officer", "reported to
// Finance") or right before it ("The DPO must be told"), not a party word
// of its condition ("… of any breach involving customer data"); the first
// party named when none is next to a cue.
func toldParty(toks []token, parties, cues []match) match {
	after := []string{"the", "our", "your", "their", "all", "any", "every", "affected", "to", "relevant", "each"}
	before := []string{"must", "be", "should", "shall", "has", "have", "needs", "need", "is", "are", "will", "always", "get", "gets", "to"}
	only := func(from, to int, words []string) bool {
		for i := from; i < to; i++ {
			if !runbook.OneOf(words, toks[i].low) {
				return false
			}
		}
		return true
	}
	for _, cue := range cues {
		for _, pm := range parties {
			if pm.from >= cue.to && pm.from-cue.to <= 3 && only(cue.to, pm.from, after) {
				return pm
			}
			if pm.to <= cue.from && cue.from-pm.to <= 3 && only(pm.to, cue.from, before) {
				return pm
			}
		}
	}
	return parties[0]
}

// partyWords names a team or partner party in the request's words: "the
// DPO", "the Data Protection Officer", "carriers".
func partyWords(p *parsedText, m match) string {
	w := quote(p, m.from, m.to)
	if m.p.label == PartyTeam {
		return "the " + w
	}
	return w
}

// overlap reads how long the old credential must keep working after the new
// one is live: an overlap cue, a duration of an hour or more, and "after"
// (or "once", "following") later in the clause.
func (rd *reader) overlap(p *parsedText, from, to int) (Directive, bool) {
	c := &rd.lex.c
	cues := c.overlapCues.find(p.toks, from, to)
	if len(cues) == 0 {
		return Directive{}, false
	}
	after := false
	for i := cues[0].to; i < to; i++ {
		after = after || runbook.OneOf([]string{"after", "once", "following", "past"}, p.toks[i].low)
	}
	if !after {
		return Directive{}, false
	}
	n, d, business, words, ok := rd.duration(p, cues[0].to, to)
	if !ok || d < time.Hour {
		return Directive{}, false
	}
	out := Directive{Kind: KindOverlap, Within: formatDuration(time.Duration(n) * d), Evidence: append(evidence(cues), words)}
	if business {
		out.Field = FieldBusinessDays
	}
	return out, true
}

// duration finds the first "N unit" in a range ("48 hours", "3 days", "2
// business days", "a week"): the count, the unit, whether it counts business
// days, and the words.
func (rd *reader) duration(p *parsedText, from, to int) (int, time.Duration, bool, string, bool) {
	c := &rd.lex.c
	word := durationUnitWords(p, to)
	for i := from; i < to; i++ {
		w := p.toks[i].low
		n := countWord(w)
		if n == 0 {
			// "48h": number and unit in one token.
			if k := strings.IndexFunc(w, func(r rune) bool { return r < '0' || r > '9' }); k > 0 {
				if v, err := strconv.Atoi(w[:k]); err == nil && v > 0 {
					if u, ok := rd.lex.Rules.Units[w[k:]]; ok {
						d, _ := time.ParseDuration(u)
						return v, d, false, p.toks[i].text, true
					}
				}
			}
			continue
		}
		unit, next, d, ok := rd.unitAt(word, i+1)
		if !ok {
			continue
		}
		ut := tokenize(unit)
		return n, d, c.businessDays.has(ut, 0, len(ut)), quote(p, i, next), true
	}
	return 0, 0, false, "", false
}

// countWord is the count a word gives ("a", "an", "one", "5"), or 0.
func countWord(w string) int {
	switch w {
	case "a", "an", "one":
		return 1
	}
	if v, err := strconv.Atoi(w); err == nil && v > 0 {
		return v
	}
	return 0
}

// durationUnitWords returns the words of a duration's unit from k on, before to,
// without a possessive ("a week's notice"), "" past the end.
func durationUnitWords(p *parsedText, to int) func(int) string {
	return func(k int) string {
		if k >= to {
			return ""
		}
		return strings.TrimSuffix(strings.TrimSuffix(p.toks[k].low, "'s"), "’s")
	}
}

// switchLead reads a third party's lead time to move to a new credential
// ("Our carriers need 5 business days to switch to a new key", "Partners
// need a week's notice before the old token stops working"): a partner
// party, a switch cue and a duration. Field is FieldSwitchLead or
// FieldSwitchLeadBusinessDays; Value the party in the request's words.
// unitAt reads the unit of a duration at word k: two words ("business
// days") before one ("days"); next is the word after it.
func (rd *reader) unitAt(word func(int) string, k int) (unit string, next int, d time.Duration, ok bool) {
	unit, next = word(k), k+1
	if two := unit + " " + word(k+1); word(k+1) != "" {
		if _, found := rd.lex.Rules.Units[two]; found {
			unit, next = two, k+2
		}
	}
	u, found := rd.lex.Rules.Units[unit]
	if !found {
		return "", 0, 0, false
	}
	d, _ = time.ParseDuration(u)
	return unit, next, d, true
}

func (rd *reader) switchLead(p *parsedText, from, to int) (Directive, bool) {
	c := &rd.lex.c
	var partners []match
	for _, m := range c.parties.find(p.toks, from, to) {
		if m.p.label == PartyPartner {
			partners = append(partners, m)
		}
	}
	cues := c.switchCues.find(p.toks, from, to)
	if len(partners) == 0 || len(cues) == 0 {
		return Directive{}, false
	}
	for i := from; i < to; i++ {
		n := countWord(p.toks[i].low)
		if n == 0 {
			continue
		}
		// "5 business days", "a week's notice": a unit of one or two words.
		word := durationUnitWords(p, to)
		unit, next, d, ok := rd.unitAt(word, i+1)
		if !ok {
			continue
		}
		if d < 24*time.Hour {
			continue
		}
		field := FieldSwitchLead
		if ut := tokenize(unit); c.businessDays.has(ut, 0, len(ut)) {
			field = FieldSwitchLeadBusinessDays
		}
		return Directive{Kind: KindDuty, Party: PartyPartner, Value: quote(p, partners[0].from, partners[0].to),
			Within: formatDuration(time.Duration(n) * d), Field: field,
			Evidence: append(evidence(partners, cues), quote(p, i, next))}, true
	}
	return Directive{}, false
}

// toldWho is whom a duty with no known party is owed to: the words before
// the duty cue ("Patient Comms must be told"), or after it up to the clock
// ("Tell the support desk 2 business days in advance").
func (rd *reader) toldWho(p *parsedText, from, to int, cue match) string {
	// "a heads-up in #drivers-ops": the channel is where the notice goes.
	for i := from; i < to; i++ {
		if t := p.toks[i].text; len(t) > 1 && t[0] == '#' && wordy(t[1:]) {
			return t
		}
	}
	modal := []string{"must", "be", "should", "shall", "to", "has", "have", "needs", "need", "is", "are", "will", "always", "get", "gets", "a", "an"}
	end := cue.from
	for end > from && runbook.OneOf(modal, p.toks[end-1].low) {
		end--
	}
	if end > from && !rd.lex.c.negators.has(p.toks, from, end) {
		return quote(p, from, end)
	}
	k := cue.to
	for k < to {
		if _, err := strconv.Atoi(p.toks[k].low); err == nil {
			break
		}
		k++
	}
	if k > cue.to && k < to {
		return quote(p, cue.to, k)
	}
	return ""
}

// informedWho is who a clause keeps informed: the words before the cue
// back to the clause's last comma, "and" or "while" ("IoT Platform lead signs
// off, Security is informed"), without modal verbs; or, with none, the
// capitalised words right after it ("Inform Compliance when it is done").
func (rd *reader) informedWho(p *parsedText, from, to int, cue match) string {
	modal := []string{"must", "be", "should", "shall", "to", "has", "have", "needs", "need", "is", "are", "will", "always", "get", "gets", "kept", "keep", "stays", "stay", "remains", "remain"}
	end := cue.from
	for end > from && runbook.OneOf(modal, p.toks[end-1].low) {
		end--
	}
	start := end
	for start > from && !runbook.OneOf([]string{",", ";", "and", "while", "but", "whereas"}, p.toks[start-1].low) {
		start--
	}
	if start < end && !rd.lex.c.negators.has(p.toks, start, end) && capitalised(p.toks[start].text) {
		return quote(p, start, end)
	}
	k := cue.to
	for k < to && runbook.OneOf([]string{"the", "our"}, p.toks[k].low) {
		k++
	}
	e := k
	for e < to && capitalised(p.toks[e].text) {
		e++
	}
	if e > k {
		return quote(p, cue.to, e)
	}
	return ""
}

// within reads a duty's clock: "within 72 hours", "within 24h", "in 3
// days". It returns a Go duration ("72h"), the words, and FieldAhead or
// FieldAheadBusinessDays when the clock is a lead time before the work ("5
// days in advance", "3 business days ahead").
func (rd *reader) within(p *parsedText, from, to int) (string, []string, string) {
	c := &rd.lex.c
	for _, m := range c.within.find(p.toks, from, to) {
		i := m.to
		if i >= to {
			continue
		}
		num, unit := p.toks[i].low, ""
		if i+1 < to {
			unit = p.toks[i+1].low
		}
		// "72h": number and unit in one token.
		if k := strings.IndexFunc(num, func(r rune) bool { return r < '0' || r > '9' }); k > 0 {
			num, unit = num[:k], num[k:]
		}
		n, err := strconv.Atoi(num)
		if err != nil || n <= 0 {
			continue
		}
		u, ok := rd.lex.Rules.Units[unit]
		if !ok && i+2 < to {
			u, ok = rd.lex.Rules.Units[unit+" "+p.toks[i+2].low]
		}
		if !ok {
			continue
		}
		d, _ := time.ParseDuration(u)
		return formatDuration(time.Duration(n) * d), []string{quote(p, m.from, min(to, i+2))}, ""
	}
	// "48 hours notice", "5 days in advance".
	for i := from; i+1 < to; i++ {
		n, err := strconv.Atoi(p.toks[i].low)
		if err != nil || n <= 0 {
			continue
		}
		unit, next := p.toks[i+1].low, i+2
		u, ok := rd.lex.Rules.Units[unit]
		if i+2 < to {
			// "3 business days": a unit of two words.
			if u2, ok2 := rd.lex.Rules.Units[unit+" "+p.toks[i+2].low]; ok2 {
				u, ok, unit, next = u2, true, unit+" "+p.toks[i+2].low, i+3
			}
		}
		if !ok {
			continue
		}
		if m := c.advance.find(p.toks, next, min(to, next+3)); len(m) > 0 && m[0].from == next {
			d, _ := time.ParseDuration(u)
			field := FieldAhead
			if c.businessDays.has(tokenize(unit), 0, len(tokenize(unit))) {
				field = FieldAheadBusinessDays
			}
			return formatDuration(time.Duration(n) * d), []string{quote(p, i, m[0].to)}, field
		}
	}
	return "", nil, ""
}

// formatDuration writes hours ("72h") or minutes ("30m").
func formatDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}

// usageDirectives read how a credential is used, from a clause nothing else
// was read from.
func (rd *reader) usageDirectives(p *parsedText, from, to int, scope Scope) []Directive {
	c := &rd.lex.c
	m := c.usage.find(p.toks, from, to)
	if len(m) == 0 {
		return nil
	}
	act := ""
	if a := c.activities.find(p.toks, from, to); len(a) > 0 {
		act = a[0].p.label
	}
	return []Directive{{Kind: KindUsage, Activity: act, Scope: scope, Evidence: evidence(m)}}
}

// approvers reads who approves, from an approval clause whose approval words
// are cues: a body that is itself an approval word ("CAB approval"), a body
// right before an approval word with only fillers between ("VP Eng must
// approve"), one right after it ("sign-off from the security team"), or, after
// "approved by" and the like, the request's own capitalised words ("approved
// by Jane Doe"). A body with other words between is what the change touches
// ("CAB approval required for security changes" names only the CAB).
func (rd *reader) approvers(p *parsedText, from, to int, cues []match) (names, ev []string) {
	c := &rd.lex.c
	// "the Change Manager's approval", "the CAB's sign-off": a possessive
	// names the approver as the bare word does.
	toks := slices.Clone(p.toks)
	for i := range toks {
		toks[i].low = strings.TrimSuffix(toks[i].low, "'s")
		toks[i].text = strings.TrimSuffix(strings.TrimSuffix(toks[i].text, "'s"), "’s")
	}
	bodies := c.approvers.find(toks, from, to)
	take := func(name, word string) {
		if !runbook.OneOf(names, name) {
			names = append(names, name)
		}
		if !runbook.OneOf(ev, word) {
			ev = append(ev, word)
		}
	}
	skip := func(ps *phrases, i, end, step int) int {
		for n := 0; n < 4 && i >= from && i < end; n++ {
			ms := ps.find(toks, i, i+1)
			if len(ms) == 0 {
				break
			}
			i += step
		}
		return i
	}
	// Bodies in the order the text names them.
	found := map[int]bool{}
	for bi, b := range bodies {
		for _, m := range cues {
			overlap := b.from < m.to && m.from < b.to
			before := b.to <= m.from && skip(c.approverFillers, b.to, m.from, 1) == m.from
			after := m.to <= b.from && skip(c.approverJoins, m.to, b.from, 1) == b.from
			if overlap || before || after {
				found[bi] = true
				break
			}
		}
	}
	captured := map[int]string{}
	// "the IoT Platform lead signs off": a role right before an approval
	// word, with the request's words for it.
	for _, m := range cues {
		i := m.from - 1
		for i >= from && c.approverFillers.has(toks, i, i+1) {
			i--
		}
		if i < from || !c.approverRoles.has(toks, i, i+1) {
			continue
		}
		start := i
		for start-1 >= from && !c.approverJoins.has(toks, start-1, start) && (upperWord(toks[start-1]) || c.approverRoleWords.has(toks, start-1, start)) {
			start--
		}
		if slices.ContainsFunc(bodies, func(b match) bool { return b.from < i+1 && start < b.to }) {
			// "the change manager must approve": the known body.
			continue
		}
		if start < i || upperWord(toks[i]) {
			captured[start] = strings.TrimSuffix(strings.TrimSuffix(quote(p, start, i+1), "'s"), "’s")
		}
	}
	for _, m := range c.approverCues.find(toks, from, to) {
		i := skip(c.approverJoins, m.to, to, 1)
		for _, name := range properNames(toks, i, to) {
			captured[i] = name
			i += len(strings.Fields(name)) + 1
		}
	}
	for i := from; i < to; i++ {
		for bi, b := range bodies {
			if found[bi] && b.from == i {
				take(b.p.label, b.p.text)
				found[bi] = false
			}
		}
		if name, ok := captured[i]; ok {
			// A capitalised name that is a known body reads as the body.
			label, word := name, name
			for _, b := range bodies {
				if b.from == i {
					label, word = b.p.label, b.p.text
				}
			}
			take(label, word)
		}
	}
	return names, ev
}

// properNames reads the names at toks[i:]: words that start with a capital
// letter, joined by "of" or "&" ("Head of Payments"), several names split at
// "and" or "," ("Finance and Legal"). It stops at any other word.
func properNames(toks []token, i, to int) []string {
	var names []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			names = append(names, strings.Join(cur, " "))
		}
		cur = nil
	}
	upper := func(k int) bool { return k < to && upperWord(toks[k]) }
	for ; i < to && len(names) < 4; i++ {
		t := toks[i]
		switch {
		case upper(i) && len(cur) < 5:
			cur = append(cur, t.text)
		case (t.low == "of" || t.low == "&") && len(cur) > 0 && upper(i+1):
			cur = append(cur, t.text)
		case (t.low == "and" || t.text == ",") && len(cur) > 0 && upper(i+1):
			flush()
		default:
			flush()
			return names
		}
	}
	flush()
	return names
}

// cadence reads how often a rotation is due ("every 90 days", "quarterly",
// "12-month cryptoperiod"), as a Go duration, when the clause speaks of
// rotating, changing or a key's life; "" otherwise (a "monthly maintenance
// window" is no cadence).
func (rd *reader) cadence(p *parsedText, from, to int) (string, []string) {
	c := &rd.lex.c
	ctx := c.cadenceContext.find(p.toks, from, to)
	if len(ctx) == 0 {
		return "", nil
	}
	for _, m := range c.cadenceEvery.find(p.toks, from, to) {
		i := m.to
		if i+1 >= to {
			continue
		}
		n, err := strconv.Atoi(p.toks[i].low)
		if err != nil || n <= 0 {
			continue
		}
		u, ok := rd.lex.Rules.Units[p.toks[i+1].low]
		if !ok {
			continue
		}
		d, _ := time.ParseDuration(u)
		if d < 24*time.Hour {
			continue
		}
		month, _ := time.ParseDuration(rd.lex.Rules.Units["month"])
		if year, _ := time.ParseDuration(rd.lex.Rules.Units["year"]); d == month && n%12 == 0 {
			// "12 months" is a year, not 360 days.
			d, n = year, n/12
		}
		return formatDuration(time.Duration(n) * d), append([]string{quote(p, m.from, i+2)}, evidence(ctx)...)
	}
	if m := c.cadences.find(p.toks, from, to); len(m) > 0 {
		return m[0].p.label, evidence(m, ctx)
	}
	return "", nil
}

// requirementAt reads a framework's requirement number right after its name
// ("PCI DSS 8.3.9", "SOC 2 CC6.1", "ISO 27001 A.8.24", "requirement 3.7.4"):
// a word with a digit and a dot, of letters, digits, dots and brackets.
func requirementAt(toks []token, i, to int) string {
	if i < to && runbook.OneOf([]string{"requirement", "req", "section", "clause", "control", "§"}, toks[i].low) {
		i++
	}
	if i >= to {
		return ""
	}
	w := toks[i].text
	digit, dot := false, false
	for _, r := range w {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case r == '.':
			dot = true
		case unicode.IsLetter(r) || r == '(' || r == ')':
		default:
			return ""
		}
	}
	if !digit || !dot {
		return ""
	}
	return w
}

// upperWord reports a word that starts with a capital letter.
func upperWord(t token) bool {
	r, _ := utf8.DecodeRuneInString(t.text)
	return unicode.IsUpper(r)
}

// inAny reports whether a word occurs in one of the names (case folded).
func inAny(names []string, w string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.Contains(strings.ToLower(n), strings.ToLower(w)) })
}

// lastRotated reads when the rotation last happened ("last rotation was
// 2026-06-20", "the key was last rotated on 20 June 2026"): a last_rotated
// cue and one dated day in the clause.
func (rd *reader) lastRotated(p *parsedText, from, to int) (Directive, bool) {
	m := rd.lex.c.lastRotated.find(p.toks, from, to)
	if len(m) == 0 {
		return Directive{}, false
	}
	dates := datesIn(p, from, to)
	if len(dates) != 1 || !dates[0].Year {
		return Directive{}, false
	}
	return Directive{Kind: KindCompliance, Field: FieldLastRotated, Value: dates[0].Date,
		Evidence: append(evidence(m), p.text[dates[0].From:dates[0].To])}, true
}

// dueDate dates a text's cadence from the last rotation it names ("Rotate
// every 180 days; last rotation was 2026-06-20": due 2026-12-17): the
// cadence's Deadline holds the due date, and while it is ahead of as_of it
// is a deadline too (end of business on that day). An overdue rotation is
// due now: no deadline in the past is made.
func (rd *reader) dueDate(p *parsedText, ds []Directive) []Directive {
	cad, last := -1, -1
	for i, d := range ds {
		switch {
		case d.Kind == KindCompliance && d.Field == FieldCadence && cad < 0:
			cad = i
		case d.Kind == KindCompliance && d.Field == FieldLastRotated && last < 0:
			last = i
		}
	}
	if cad < 0 || last < 0 {
		return nil
	}
	every, err := time.ParseDuration(ds[cad].Within)
	if err != nil {
		return nil
	}
	zone := rd.requestZone
	if zone == "" {
		zone = "UTC"
	}
	loc, _, err := runbook.LoadZone(zone)
	if err != nil {
		return nil
	}
	lastDay, err := time.ParseInLocation("2006-01-02", ds[last].Value, loc)
	if err != nil {
		return nil
	}
	due := lastDay.AddDate(0, 0, int(every/(24*time.Hour)))
	at := rd.lex.Time.NamedTimes["end of business"]
	dl := &Deadline{Date: due.Format("2006-01-02"), Day: "next due date", At: at, TZ: zone, ZoneGiven: rd.requestZone != ""}
	ds[cad].Deadline = dl
	for _, e := range ds[last].Evidence {
		ds[cad].Evidence = appendOnce(ds[cad].Evidence, e)
	}
	// Without as_of the date stands as written: the runbook's dating
	// checks it against the clock it is written by.
	if end, ok := dl.Due(); !ok || (!rd.asOf.IsZero() && !end.After(rd.asOf)) {
		return nil
	}
	rd.assume(fmt.Sprintf("%q: the rotation is next due on %s (%s after %s), read as end of business, %s %s", p.text, dl.Date, formatDays(every), ds[last].Value, at, zone))
	return []Directive{{Kind: KindDeadline, Deadline: dl, Scope: ds[cad].Scope, Quote: strings.TrimSpace(p.text),
		Evidence: slices.Clone(ds[cad].Evidence), Reader: ReaderRules}}
}

// formatDays writes a period of whole days ("180 days").
func formatDays(d time.Duration) string {
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}

// maxDowntime reads the longest break in service the request accepts ("a
// gap longer than 5 minutes is not acceptable", "no more than 2 minutes of
// downtime"): a downtime word, a limit word and a duration under a day.
func (rd *reader) maxDowntime(p *parsedText, from, to int) (Directive, bool) {
	c := &rd.lex.c
	w := c.downtimeWords.find(p.toks, from, to)
	l := c.downtimeLimits.find(p.toks, from, to)
	if len(w) == 0 || len(l) == 0 {
		return Directive{}, false
	}
	n, d, _, words, ok := rd.duration(p, l[0].to, to)
	if !ok || d >= 24*time.Hour {
		return Directive{}, false
	}
	return Directive{Kind: KindDetail, Field: FieldMaxDowntime, Within: formatDuration(time.Duration(n) * d), Evidence: append(evidence(w[:1], l[:1]), words)}, true
}
