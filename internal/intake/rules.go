package intake

import (
	"fmt"
	"strconv"
	"strings"
	"time"

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
	consoles := c.console.find(toks, from, to)
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
	if parties, cues := c.parties.find(toks, from, to), c.dutyCues.find(toks, from, to); len(parties) > 0 && len(cues) > 0 {
		within, wev, field := rd.within(p, from, to)
		add(Directive{Kind: KindDuty, Party: parties[0].p.label, Within: within, Field: field, Evidence: append(evidence(parties, cues), wev...)})
	} else if len(cues) > 0 {
		// "Patient Comms must be told 3 business days ahead": a team of
		// the organisation, told ahead of the work.
		if within, wev, field := rd.within(p, from, to); field != "" {
			if who := rd.toldWho(p, from, to, cues[0]); who != "" {
				add(Directive{Kind: KindDuty, Party: PartyTeam, Value: who, Within: within, Field: field, Evidence: append(evidence(cues), wev...)})
			}
		}
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
	for _, m := range c.frameworks.find(toks, from, to) {
		if !fwSeen[m.p.label] {
			fwSeen[m.p.label] = true
			add(Directive{Kind: KindCompliance, Value: m.p.label, Evidence: evidence([]match{m})})
		}
	}
	if m := c.reasons.find(toks, from, to); len(m) > 0 && len(fwSeen) == 0 {
		add(Directive{Kind: KindCompliance, Field: "reason", Value: m[0].p.text, Evidence: evidence(m)})
	}
	if m := c.approval.find(toks, from, to); len(m) > 0 {
		add(Directive{Kind: KindApproval, Evidence: evidence(m)})
	}
	if m := c.customer.find(toks, from, to); len(m) > 0 {
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
		for _, e := range []struct {
			value string
			ps    *phrases
		}{{"public", c.public}, {"third_party", c.thirdParty}, {"insider", c.insider}} {
			if m := e.ps.find(toks, from, to); len(m) > 0 {
				add(Directive{Kind: KindExposure, Value: e.value, Evidence: evidence(m)})
				break
			}
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
		for _, a := range acts {
			if a.from >= n.to && a.from-n.to <= 2 && runbook.OneOf([]string{ActivityDeploy, ActivityRelease, ActivityPublish, ActivityChange}, a.p.label) {
				ok, act = true, a
			}
		}
	}
	if !ok {
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

// toldWho is whom a duty with no known party is owed to: the words before
// the duty cue ("Patient Comms must be told"), or after it up to the clock
// ("Tell the support desk 2 business days in advance").
func (rd *reader) toldWho(p *parsedText, from, to int, cue match) string {
	modal := []string{"must", "be", "should", "shall", "to", "has", "have", "needs", "need", "is", "are", "will", "always", "get", "gets"}
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
