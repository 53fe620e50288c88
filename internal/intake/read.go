package intake

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// Target is one secret of the request as the planner resolved it: what a
// scope word may bind.
type Target struct {
	Name         string
	Provider     string // catalogue id, "unknown" when none
	ProviderName string
	Kind         runbook.Kind
	Consumers    []string
}

// Options configure Read.
type Options struct {
	// AsOf is the moment relative words are read from ("today", "Friday").
	AsOf time.Time
	// Targets are the request's secrets, in order, with their resolved
	// provider and kind; nil reads them from the request as written.
	Targets []Target
	// Lexicon is the cue words; nil means the embedded one.
	Lexicon *Lexicon
}

// Read turns every constraint and note of a validated request into
// directives. It never fails: a text it cannot read has no directives (and
// the planner raises it), a time rule it cannot classify is Unclear.
func Read(req *runbook.Request, opts Options) *Reading {
	lex := opts.Lexicon
	if lex == nil {
		lex = DefaultLexicon()
	}
	targets := opts.Targets
	if targets == nil {
		targets = Targets(req)
	}
	rd := &reader{lex: lex, asOf: opts.AsOf, targets: targets, out: &Reading{AsOf: opts.AsOf, Texts: []Text{}, Assumptions: []string{}, Questions: []Question{}, Secrets: []SecretReading{}}}
	type input struct {
		source, text string
		secret       int
	}
	var inputs []input
	var sources []string
	for i, c := range req.Constraints {
		inputs = append(inputs, input{fmt.Sprintf("constraints[%d]", i), c, -1})
	}
	for i, s := range req.Secrets {
		if strings.TrimSpace(s.Notes) != "" {
			inputs = append(inputs, input{fmt.Sprintf("secrets[%d].notes", i), s.Notes, i})
		}
	}
	parsed := make([]*parsedText, len(inputs))
	zones := map[string]bool{}
	for i, in := range inputs {
		sources = append(sources, in.source)
		parsed[i] = rd.parse(in.text)
		for _, z := range parsed[i].zones {
			zones[z] = true
		}
	}
	for _, list := range [][]runbook.TimeSpec{req.Windows, req.Blackouts} {
		for _, ts := range list {
			if _, canon, err := runbook.LoadZone(ts.TZ); err == nil && ts.TZ != "" {
				zones[canon] = true
			}
		}
	}
	// A statement of the zone ("All times Pacific") decides; without one,
	// the request's other times all in one zone: an unzoned time is in it.
	rd.keyDay = rd.keyDayOf(parsed)
	if !rd.requestZoneFrom(rd.statedZones(sources, parsed)) && len(zones) == 1 {
		for z := range zones {
			rd.requestZone = z
		}
		rd.out.RequestZone = rd.requestZone
	}
	for i, in := range inputs {
		rd.out.Texts = append(rd.out.Texts, rd.readText(in.source, in.text, in.secret, parsed[i]))
	}
	rd.freezeStartDeadlines(parsed)
	rd.structured(req)
	for _, s := range req.Secrets {
		rd.out.Secrets = append(rd.out.Secrets, rd.secretReading(s))
	}
	return rd.out
}

// secretReading reads a secret's name, notes and consumers together.
func (rd *reader) secretReading(s runbook.Secret) SecretReading {
	text := s.Name + ". " + s.Notes
	for _, c := range s.Consumers {
		text += ". " + c
	}
	out := SecretReading{Evidence: []string{}}
	if ev := rd.heldOutside(tokenize(text)); ev != "" {
		out.HeldOutside, out.Evidence = true, []string{ev}
	}
	// Words of names count apart too: "the dba-admin policy" is admin.
	var own []token
	for _, t := range tokenize(s.Name + ". " + s.Notes) {
		own = append(own, t)
		if parts := strings.FieldsFunc(t.low, isNameSep); len(parts) > 1 {
			for _, part := range parts {
				own = append(own, token{text: part, low: part, from: t.from, to: t.to})
			}
		}
	}
	c := &rd.lex.c
	for _, level := range []string{"admin", "read"} {
		for _, m := range c.privilege.find(own, 0, len(own)) {
			if m.p.label == level && out.Privilege == "" {
				out.Privilege = runbook.Privilege(level)
				out.Evidence = append(out.Evidence, m.p.text)
			}
		}
	}
	if m := c.publicData.find(own, 0, len(own)); len(m) > 0 {
		out.PublicDataOnly = true
		out.Evidence = append(out.Evidence, m[0].p.text)
	}
	if m := c.shared.find(own, 0, len(own)); len(m) > 0 {
		out.Shared = true
		out.Evidence = append(out.Evidence, m[0].p.text)
	}
	return out
}

// heldOutside finds a customer or partner holding or using a credential:
// "<party> <verb>", "<passive> by|with [our|the|a|its] <party>", or a held
// word. It returns the words, or "".
func (rd *reader) heldOutside(toks []token) string {
	c := &rd.lex.c
	n := len(toks)
	if m := c.heldHeld.find(toks, 0, n); len(m) > 0 {
		return m[0].p.text
	}
	for _, p := range c.heldParties.find(toks, 0, n) {
		if v := c.heldVerbs.find(toks, p.to, min(n, p.to+1)); len(v) > 0 && v[0].from == p.to {
			return p.p.text + " " + v[0].p.text
		}
	}
	for _, v := range c.heldPassive.find(toks, 0, n) {
		i := v.to
		if i >= n || (toks[i].low != "by" && toks[i].low != "with") {
			continue
		}
		i++
		if i < n && runbook.OneOf([]string{"our", "the", "a", "its"}, toks[i].low) {
			i++
		}
		if p := c.heldParties.find(toks, i, min(n, i+3)); len(p) > 0 && p[0].from == i {
			return v.p.text + " " + toks[v.to].low + " " + p[0].p.text
		}
	}
	return ""
}

// Targets resolves the request's secrets (provider and kind, as the names
// reader does) into what scope words bind.
func Targets(req *runbook.Request) []Target {
	norm := *req
	norm.Secrets = make([]runbook.Secret, len(req.Secrets))
	for i, s := range req.Secrets {
		s.Environments = append([]string(nil), s.Environments...)
		norm.Secrets[i] = s
	}
	norm.Environments = append([]string(nil), req.Environments...)
	norm.Normalize()
	names := DefaultNames()
	out := make([]Target, len(norm.Secrets))
	for i, s := range norm.Secrets {
		rs := names.Resolve(&norm, i)
		t := Target{Name: s.Name, Provider: "unknown", Kind: rs.Kind, Consumers: s.Consumers}
		switch {
		case rs.Provider != nil:
			t.Provider, t.ProviderName = rs.Provider.ID, rs.Provider.Name
		case rs.Spelled != "":
			t.Provider, t.ProviderName = rs.Spelled, rs.Spelled
		}
		out[i] = t
	}
	return out
}

// reader reads the texts of one request.
type reader struct {
	lex         *Lexicon
	asOf        time.Time
	targets     []Target
	requestZone string
	// zoneStated: the request states requestZone ("All times Pacific"), so
	// a time read in it has its zone given; zoneConflict: it states two.
	zoneStated, zoneConflict bool
	// keyDay is the one date the request gives a departure or an end
	// ("last working day is Friday 18 Dec"): "his last day" in any text.
	keyDay string
	out    *Reading
	// rtPrev is what the last runtime reading of a note bound, and where
	// that text and range end: a clause right after it that names no
	// consumer speaks of the same ones ("build-cache-runner is a
	// self-hosted runner VM; the PAT is in ~/.docker/config.json from a
	// docker login done by Ansible": review17-cold6 row 11).
	rtPrev   []string
	rtPrevP  *parsedText
	rtPrevTo int
}

// parsedText is a text split into tokens and clauses, with its dates marked.
type parsedText struct {
	text    string
	toks    []token
	clauses [][2]int
	dates   []schedule.DateMention
	weeks   []weekMention
	zones   []string // the zones its times are written in
	// zoneClauses are the clauses that state the request's zone, by index.
	zoneClauses map[int]string
}

func (rd *reader) parse(text string) *parsedText {
	p := &parsedText{text: text, toks: tokenize(text), dates: schedule.FindDates(text)}
	for _, d := range p.dates {
		for i := range p.toks {
			if p.toks[i].from >= d.From && p.toks[i].to <= d.To {
				p.toks[i].date = true
			}
		}
	}
	rd.findWeeks(p)
	p.clauses = clauseRanges(p.toks, text)
	for _, c := range p.clauses {
		if exprs := rd.timeExprs(p, c[0], c[1]); len(exprs) > 0 {
			zs := rd.zonesIn(p, c[0], c[1])
			for _, i := range sortedInts(zs) {
				p.zones = append(p.zones, zs[i].zone)
			}
		}
	}
	return p
}

// assume records a reading intake had to choose, once.
func (rd *reader) assume(s string) {
	if !runbook.OneOf(rd.out.Assumptions, s) {
		rd.out.Assumptions = append(rd.out.Assumptions, s)
	}
}

// textState carries what one clause tells the next ("that day").
type textState struct {
	lastDay string // a date (YYYY-MM-DD) or a weekday the text named
	// deadlineDay is the day a clause that sets a deadline named ("her last
	// day is Friday 2026-12-11"): a later deadline with no day is on it.
	deadlineDay string
}

// readText reads one constraint or note.
func (rd *reader) readText(source, text string, secret int, p *parsedText) Text {
	st := &textState{}
	textScope := rd.scopeOf(p, 0, len(p.toks), secret)
	t := Text{Source: source, Text: text, Secret: secret, Directives: []Directive{}, Scope: textScope}
	// first[k] is the index of clause k's first directive.
	first := make([]int, len(p.clauses))
	for k, c := range p.clauses {
		first[k] = len(t.Directives)
		if z, ok := p.zoneClauses[k]; ok {
			// "All times Pacific.": a fact, the zone of every unzoned clock.
			d := fact(FieldZone, z)
			d.Scope, d.Quote, d.Reader = Scope{All: true, Secrets: []int{}, Words: []string{}}, quote(p, c[0], c[1]), ReaderRules
			d.Evidence = []string{quote(p, c[0], c[1])}
			t.Directives = append(t.Directives, d)
			continue
		}
		if k > 0 && len(rd.timeExprs(p, c[0], c[1])) == 0 && rd.marginRef(p, c[0], c[1], t.Directives) {
			// "…; nobody may redeploy invoice-worker within an hour of the
			// run": the times before, kept clear by that margin.
			continue
		}
		if k > 0 && len(rd.timeExprs(p, c[0], c[1])) == 0 && rd.deadlineRef(p, c[0], c[1], t.Directives) {
			// "…is deleted Fri 18 Dec 17:00; … the old value is dead
			// before then": that moment is a deadline.
			continue
		}
		if k > 0 && len(rd.timeExprs(p, c[0], c[1])) == 0 && rd.lex.c.thenRefs.has(p.toks, c[0], c[1]) && rd.thenRef(p, c[0], c[1], t.Directives) {
			// "Core banking nightly batch runs 23:00-01:30 ET; no database
			// credential changes during it": the batch kept clear, not a
			// freeze of every change (review17-cold5 r46).
			continue
		}
		if len(rd.timeExprs(p, c[0], c[1])) == 0 {
			// "The agreement expired Monday 7 Dec; all their keys had to
			// be revoked by 17:00 on that date": a clause with a date and
			// no time still names the day "that date" means.
			if ds := datesIn(p, c[0], c[1]); len(ds) > 0 {
				if d := rd.nearDate(p, c[0], c[1], ds[0].Date); d != "" {
					st.lastDay = d
				}
			}
		}
		ds := rd.readClause(p, c[0], c[1], secret, st, source)
		if len(ds) == 0 && k > 0 {
			// "Invoices run on the last business day of the month; do
			// not restart invoice-worker then": the clause before holds
			// the time.
			if rd.thenRef(p, c[0], c[1], t.Directives) {
				continue
			}
		}
		for i := range ds {
			if ds[i].Reader == "" {
				ds[i].Reader = ReaderRules
			}
			if ds[i].Quote == "" {
				ds[i].Quote = quote(p, c[0], c[1])
			}
			if ds[i].Evidence == nil {
				ds[i].Evidence = []string{}
			}
			if !ds[i].Scope.All && len(ds[i].Scope.Secrets) == 0 && len(ds[i].Scope.Words) == 0 {
				ds[i].Scope = textScope
				if ds[i].Kind == KindTimeRule && ds[i].Polarity.Blocks() && textScope.All && secret < 0 {
					// "Do not restart the ledger scheduler …": a component
					// nothing here matches; the rule binds every secret,
					// and the planner asks which services it means.
					ds[i].Scope.Unmatched = rd.unmatchedObject(p, c[0], c[1])
				}
			}
			if cons := rd.consumersNamed(p, c[0], c[1]); len(cons) > 0 && len(ds[i].Scope.Consumers) == 0 {
				ds[i].Scope.Consumers = cons
			}
			if ds[i].Scope.Secrets == nil {
				ds[i].Scope.Secrets = []int{}
			}
			if ds[i].Kind == KindTimeRule && ds[i].Polarity.Blocks() && rd.lex.c.allEnvs.has(p.toks, c[0], c[1]) {
				// "No changes at all": staging too, not only production.
				ds[i].AllEnvironments = true
			}
			if ds[i].Scope.Words == nil {
				ds[i].Scope.Words = []string{}
			}
		}
		if len(ds) == 0 {
			// "…; nothing outside it": the window before is the only time.
			if m := rd.lex.c.onlyAfter.find(p.toks, c[0], c[1]); len(m) > 0 {
				for k := len(t.Directives) - 1; k >= 0; k-- {
					if d := &t.Directives[k]; d.Kind == KindTimeRule && d.Polarity == Allow {
						d.Span.Only = true
						d.Evidence = append(d.Evidence, m[0].p.text)
						break
					}
				}
			}
		}
		t.Directives = append(t.Directives, ds...)
	}
	t.Directives = rd.releaseBan(p, rd.allowance(p, rd.theirFreeze(p, settleFacts(rd.definedDays(p, first, t.Directives)))))
	if d, ok := rd.unsure(p, textScope); ok {
		// A hedge is asked, never guessed nor dropped.
		t.Directives = append(t.Directives, d)
	}
	t.Directives = append(t.Directives, rd.ticketDirectives(p)...)
	t.Directives = append(t.Directives, rd.dueDate(p, t.Directives)...)
	t.Period = rd.undatedPeriod(p, t.Directives)
	if len(t.Directives) == 0 {
		n := len(p.toks)
		t.Prohibits = rd.lex.c.negators.has(p.toks, 0, n) || rd.lex.c.forbid.has(p.toks, 0, n) ||
			// "Unpublish 1.4.2 only after Security has a copy": an
			// ordering gate on the steps it names (hook8 s1).
			(rd.lex.c.only.has(p.toks, 0, n) && (rd.lex.c.after.has(p.toks, 0, n) || rd.lex.c.before.has(p.toks, 0, n)))
	}
	if len(t.Directives) == 0 && secret >= 0 {
		// A note that only says what the credential is ("Vault database
		// static role"): the names reader reads it with the name to choose
		// the catalogue entry.
		if d, ok := rd.identity(text, secret); ok {
			t.Directives = append(t.Directives, d)
		}
	}
	return t
}

// identity reads a note that names a product or a kind of credential.
func (rd *reader) identity(text string, secret int) (Directive, bool) {
	n := DefaultNames()
	ws := words(text)
	var ev []string
	for _, p := range n.providersIn(ws) {
		ev = append(ev, p.Name)
	}
	if r, w := n.firstRule(ws, nil, false); r != nil {
		ev = append(ev, w)
	}
	// The words that choose a generic entry ("SASL/SCRAM-SHA-256 user")
	// say what the credential is too.
	ev = append(ev, n.cat.GenericWordsIn(text)...)
	if len(ev) == 0 {
		return Directive{}, false
	}
	return Directive{Kind: KindDetail, Field: FieldIdentity, Value: text, Quote: text, Evidence: ev, Reader: ReaderRules,
		Scope: Scope{Secrets: []int{secret}, Words: []string{}}}, true
}

// quote is the text of a token range, as written.
func quote(p *parsedText, from, to int) string {
	if from >= to {
		return ""
	}
	return strings.TrimSpace(p.text[p.toks[from].from:p.toks[to-1].to])
}

// readClause reads one clause: an instruction to rotor (nothing else is
// read from it), time rules or deadlines, then everything else.
func (rd *reader) readClause(p *parsedText, from, to, secret int, st *textState, source string) []Directive {
	c := &rd.lex.c
	exprs := rd.timeExprs(p, from, to)
	if m := c.instructions.find(p.toks, from, to); len(m) > 0 {
		return []Directive{{Kind: KindInstruction, Evidence: evidence(m), Scope: rd.clauseScope(p, from, to, secret)}}
	}
	// "Do not rotate on Fridays", "Never rotate during Nov 27 – Nov 30":
	// a time rule, when a day or a date is named.
	if m := c.instructionsUntimed.find(p.toks, from, to); len(m) > 0 && len(exprs) == 0 && len(datesIn(p, from, to)) == 0 && !rd.namesDay(p, from, to) {
		return []Directive{{Kind: KindInstruction, Evidence: evidence(m), Scope: rd.clauseScope(p, from, to, secret)}}
	}
	// "Changes are only allowed Tuesday to Thursday, never after 15:00": two
	// rules with opposite polarities joined by a comma are read apart (the
	// second keeps the first's activity).
	if k, ok := rd.polaritySplit(p, from, to); ok {
		left := rd.readClause(p, from, k, secret, st, source)
		right := rd.readClause(p, k+1, to, secret, st, source)
		act := ""
		for _, d := range left {
			if d.Kind == KindTimeRule && d.Activity != "" {
				act = d.Activity
			}
		}
		for i := range right {
			if right[i].Kind == KindTimeRule && right[i].Activity == "" {
				right[i].Activity = act
			}
		}
		return append(left, right...)
	}
	var out []Directive
	scope := rd.clauseScope(p, from, to, secret)
	if d, ok := rd.lastRotated(p, from, to); ok {
		// "last rotation was 2026-06-20": a date in the past that dates
		// the cadence, never a time to work in.
		out = append(out, d)
	} else if d, ok := rd.exposedSince(p, from, to); ok {
		// "Found in a screenshot ... last Thursday": a date that dates the
		// exposure, never a time to work in or keep clear of.
		out = append(out, d)
	} else if ds, ok := rd.notARule(p, from, to, exprs); ok {
		// A report, a duty, a target, a check constraint, an out-of-scope
		// note: never a window, a blackout or a freeze.
		out = append(out, ds...)
		for _, d := range rd.ruleDirectives(p, from, to, true, scope, secret) {
			if d.Kind == KindDuty && len(ds) > 0 && ds[0].Kind == KindDuty {
				// The rules read the duty better (its party, its clock).
				if d.Deadline == nil && d.Within == "" {
					// "written summary to Hannah Brooks by 08:00 PT
					// tomorrow": the clock the comms reading found.
					d.Deadline = ds[0].Deadline
				}
				out[0] = d
				continue
			}
			out = append(out, d)
		}
		if !(len(ds) > 0 && ds[0].Field == FieldCheck) {
			// "Checks must be read-only" is no scope of the credential.
			out = append(out, rd.detailDirectives(p, from, to, secret)...)
		}
		// A clause that is no rule still says how its consumers run and
		// who never gets the new value ("the nightly tfc-drift-check
		// GitHub Actions workflow (06:00 UTC)").
		out = append(out, rd.runtimeDirectives(p, from, to, secret)...)
		out = append(out, rd.cutOffDirectives(p, from, to, secret)...)
		out = append(out, rd.noReplacementDirectives(p, from, to, secret)...)
		return out
	} else {
		ts := rd.listedApart(p, from, to, rd.timeDirectives(p, from, to, exprs, scope, st))
		for i := range ts {
			if !rd.untilOver(p, from, to, &ts[i]) {
				rd.factOfRule(p, from, to, &ts[i])
			}
		}
		out = append(out, ts...)
	}
	out = append(out, rd.ruleDirectives(p, from, to, len(out) > 0, scope, secret)...)
	out = append(out, rd.detailDirectives(p, from, to, secret)...)
	if len(out) == 0 && secret >= 0 {
		out = append(out, rd.usageDirectives(p, from, to, scope)...)
	}
	out = append(out, rd.runtimeDirectives(p, from, to, secret)...)
	out = append(out, rd.cutOffDirectives(p, from, to, secret)...)
	out = append(out, rd.noReplacementDirectives(p, from, to, secret)...)
	return out
}

// undatedPeriod is a period a text keeps work out of without a date ("No
// changes during the Christmas period"), when no time was read from it.
func (rd *reader) undatedPeriod(p *parsedText, ds []Directive) string {
	c := &rd.lex.c
	timed := false
	for _, d := range ds {
		if d.Kind == KindTimeRule || d.Kind == KindDeadline || d.Kind == KindFreeze {
			timed = true
		}
		// "No SDK releases until 12 Jan - we promised customers a quiet
		// period": its dated time was read (a release ban, another team's
		// freeze, an allowance); the period names the same time.
		if d.Kind == KindDetail && (d.Field == FieldTheirFreeze || d.Field == FieldAllowance || d.Field == FieldNever && d.Activity != "") {
			timed = true
		}
	}
	if !timed {
		n := len(p.toks)
		if !c.negators.has(p.toks, 0, n) && !c.forbid.has(p.toks, 0, n) {
			return ""
		}
		if m := c.periods.find(p.toks, 0, n); len(m) > 0 {
			return quote(p, m[0].from, m[0].to)
		}
		return ""
	}
	// A text that dates something may still forbid an undated period in a
	// clause of its own ("Changes only Monday to Thursday, never on a day
	// before a public holiday"): that clause is raised, never dropped.
	for _, cl := range rd.subClauses(p) {
		a, b := cl[0], cl[1]
		if !c.negators.has(p.toks, a, b) && !c.forbid.has(p.toks, a, b) {
			continue
		}
		if len(rd.timeExprs(p, a, b)) > 0 || rd.namesDay(p, a, b) || len(datesIn(p, a, b)) > 0 {
			continue
		}
		if m := c.periods.find(p.toks, a, b); len(m) > 0 {
			return quote(p, m[0].from, m[0].to)
		}
	}
	return ""
}

// polaritySplit finds the comma between a permission and a prohibition in
// one clause: the permission with a time of its own, the prohibition with
// one or none ("Changes are only made Monday to Thursday, never on a day
// before a public holiday": the "never" does not reach the days before it,
// and the undated period is raised).
func (rd *reader) polaritySplit(p *parsedText, from, to int) (int, bool) {
	c := &rd.lex.c
	permits := func(a, b int) bool { return c.allow.has(p.toks, a, b) || c.only.has(p.toks, a, b) }
	forbids := func(a, b int) bool { return c.negators.has(p.toks, a, b) || c.forbid.has(p.toks, a, b) }
	timed := func(a, b int) bool {
		return len(rd.timeExprs(p, a, b)) > 0 || rd.namesDay(p, a, b) || len(datesIn(p, a, b)) > 0
	}
	for k := from + 1; k < to-1; k++ {
		if p.toks[k].text != "," {
			continue
		}
		switch {
		case permits(from, k) && !forbids(from, k) && forbids(k+1, to) && !permits(k+1, to) && timed(from, k):
			return k, true
		case forbids(from, k) && !permits(from, k) && permits(k+1, to) && !forbids(k+1, to) && timed(k+1, to):
			return k, true
		}
	}
	return 0, false
}

// subClauses are a text's clauses with each split where polaritySplit
// reads a permission and a prohibition apart.
func (rd *reader) subClauses(p *parsedText) [][2]int {
	var out [][2]int
	var split func(a, b int)
	split = func(a, b int) {
		if k, ok := rd.polaritySplit(p, a, b); ok {
			split(a, k)
			split(k+1, b)
			return
		}
		out = append(out, [2]int{a, b})
	}
	for _, cl := range p.clauses {
		split(cl[0], cl[1])
	}
	return out
}

// namesDay reports a weekday or a day of the month in a clause.
func (rd *reader) namesDay(p *parsedText, from, to int) bool {
	for i := from; i < to; i++ {
		if d, ok := dayWord(p.toks[i].text); ok && d != nil {
			return true
		}
	}
	dom, _ := rd.daysOfMonth(p, from, to)
	return len(dom) > 0
}

// evidence lists the lexicon phrases that matched, as the request wrote them.
func evidence(ms ...[]match) []string {
	var out []string
	for _, list := range ms {
		for _, m := range list {
			if !runbook.OneOf(out, m.p.text) {
				out = append(out, m.p.text)
			}
		}
	}
	return out
}

// thenRef applies a clause with no time of its own that refers to the time
// before ("do not restart invoice-worker then") to the last time rule read:
// an activity kept clear of it is forbidden then, for the scope the clause
// names. It reports whether the clause was read so.
func (rd *reader) thenRef(p *parsedText, from, to int, prev []Directive) bool {
	c := &rd.lex.c
	refs := c.thenRefs.find(p.toks, from, to)
	// "leave the migrator password alone during those" forbids too
	// (review17-cold4 r3).
	leave := c.directiveModals.find(p.toks, from, to)
	leave = slices.DeleteFunc(leave, func(m match) bool { return !strings.HasPrefix(m.p.text, "leave ") })
	if len(refs) == 0 || (!c.negators.has(p.toks, from, to) && !c.forbid.has(p.toks, from, to) && len(leave) == 0) {
		return false
	}
	for k := len(prev) - 1; k >= 0; k-- {
		d := &prev[k]
		if d.Kind != KindTimeRule {
			continue
		}
		if d.Polarity == Allow && !d.activityOnly {
			return false // "a window …; never restart then": unread, raised
		}
		// "claims-api releases go out Tuesdays and Thursdays 6-7pm; leave
		// the migrator password alone during those": their releases, kept
		// clear.
		d.Polarity, d.Span.Only, d.fact = Forbid, false, ""
		d.Activity = ""
		if a := c.activities.find(p.toks, from, to); len(a) > 0 {
			d.Activity = a[0].p.label
		}
		if sc := rd.clauseScope(p, from, to, -1); !sc.All && len(sc.Secrets) > 0 {
			d.Scope = sc
		}
		d.Evidence = append(d.Evidence, evidence(refs, c.negators.find(p.toks, from, to), c.forbid.find(p.toks, from, to))...)
		d.Quote = quote(p, 0, to)
		return true
	}
	return false
}

// marginRef applies a clause with no time of its own that keeps an activity
// a margin clear of the times before ("Payout batches run at 06:00 and
// 14:00 UTC; nobody is to restart payout-runner within 30 minutes of a
// batch"): each busy time of the clause before becomes a prohibition of
// that activity, for the scope the clause names, grown by the margin on
// both sides (05:30-06:30 and 13:30-14:30; a single time is no span of its
// own then). It reports whether the clause was read so.
func (rd *reader) marginRef(p *parsedText, from, to int, prev []Directive) bool {
	c := &rd.lex.c
	if !c.negators.has(p.toks, from, to) && !c.forbid.has(p.toks, from, to) {
		return false
	}
	margin, words := time.Duration(0), ""
	for _, m := range c.marginRefs.find(p.toks, from, to) {
		k := m.to
		if k+1 >= to {
			continue
		}
		n, ok := rd.count(p.toks[k].low)
		if !ok {
			continue
		}
		unit, next, d, ok := rd.unitAt(func(i int) string {
			if i >= to {
				return ""
			}
			return p.toks[i].low
		}, k+1)
		if !ok || d >= 24*time.Hour || unit == "" {
			continue
		}
		if e := c.marginEnds.find(p.toks, next, min(to, next+4)); len(e) == 0 || e[0].from != next {
			continue
		}
		margin, words = time.Duration(n)*d, quote(p, m.from, next+1)
		break
	}
	if margin == 0 {
		return false
	}
	// The busy times of the text so far (the clause before).
	var idx []int
	for k := range prev {
		if d := prev[k]; d.Kind == KindTimeRule && d.Span != nil && (d.Polarity == Busy || d.Polarity == Forbid) {
			idx = append(idx, k)
		}
	}
	if len(idx) == 0 {
		return false
	}
	mins := int(margin / time.Minute)
	act := ""
	if a := c.activities.find(p.toks, from, to); len(a) > 0 {
		act = a[0].p.label
	}
	sc := rd.clauseScope(p, from, to, -1)
	cons := rd.consumersNamed(p, from, to)
	for _, k := range idx {
		d := &prev[k]
		start, _ := runbook.ParseClock(d.Span.Start)
		end, _ := runbook.ParseClock(d.Span.End)
		if d.assumed {
			// A single time: the margin is its span, the assumed length
			// is dropped.
			end = d.keptFrom
			rd.dropAssumption(fmt.Sprintf("%q gives a start and no end", d.Quote))
		}
		d.Span.Start = formatClock(((start-mins)%1440 + 1440) % 1440)
		d.Span.End = formatClock((end + mins) % 1440)
		if d.Span.End == "00:00" {
			d.Span.End = "24:00"
		}
		d.Polarity = Forbid
		if act != "" {
			d.Activity = act
		}
		if !sc.All && len(sc.Secrets) > 0 {
			d.Scope = sc
		}
		if len(cons) > 0 {
			d.Scope.Consumers = cons
		}
		d.Evidence = append(d.Evidence, words)
		d.Evidence = append(d.Evidence, evidence(c.negators.find(p.toks, from, to), c.forbid.find(p.toks, from, to))...)
		d.Quote = quote(p, 0, to)
		d.assumed = false
	}
	return true
}

// dropAssumption removes the assumptions that start with prefix (a reading
// a later clause settled).
func (rd *reader) dropAssumption(prefix string) {
	out := rd.out.Assumptions[:0]
	for _, a := range rd.out.Assumptions {
		if !strings.HasPrefix(a, prefix) {
			out = append(out, a)
		}
	}
	rd.out.Assumptions = out
}

// definedDays reads a clause that says which days a word means ("clinics
// run Monday to Saturday") into the time rule of another clause that uses
// the word ("never rotate on a clinic day before 19:00"): the rule holds on
// those days, and the definition is no rule of its own.
func (rd *reader) definedDays(p *parsedText, first []int, ds []Directive) []Directive {
	drop := map[int]bool{}
	for k, cl := range p.clauses {
		end := len(ds)
		if k+1 < len(first) {
			end = first[k+1]
		}
		if end-first[k] != 1 {
			continue
		}
		def := ds[first[k]]
		if def.Kind != KindTimeRule || def.Polarity != Busy || len(def.Span.Days) == 0 || def.Span.Start != "00:00" || def.Span.End != "24:00" || def.Span.From != "" {
			continue
		}
		// The word defined: the clause's first word ("clinics").
		i := cl[0]
		for i < cl[1] && runbook.OneOf([]string{"the", "our", "all"}, p.toks[i].low) {
			i++
		}
		if i >= cl[1] {
			continue
		}
		word := strings.TrimSuffix(p.toks[i].low, "s")
		for j, o := range p.clauses {
			if j == k {
				continue
			}
			uses := false
			for n := o[0]; n+1 < o[1]; n++ {
				uses = uses || (p.toks[n].low == word && (p.toks[n+1].low == "day" || p.toks[n+1].low == "days"))
			}
			if !uses {
				continue
			}
			jEnd := len(ds)
			if j+1 < len(first) {
				jEnd = first[j+1]
			}
			for n := first[j]; n < jEnd; n++ {
				if d := &ds[n]; d.Kind == KindTimeRule && len(d.Span.Days) == 0 && d.Span.From == "" {
					d.Span.Days = append([]string{}, def.Span.Days...)
					d.Evidence = append(d.Evidence, quote(p, cl[0], cl[1]))
					d.Quote = p.text
					drop[first[k]] = true
				}
			}
		}
	}
	if len(drop) == 0 {
		return ds
	}
	out := ds[:0:0]
	for n, d := range ds {
		if !drop[n] {
			out = append(out, d)
		}
	}
	return out
}

// unmatchedObject is the object of a prohibition's activity when it names a
// component ("the ledger scheduler", "ingest", "the matching engine"): the
// words after the activity word, past skip words, up to a stop word, a
// time, a day, a zone or a mark; nil when there are none or they are
// generic ("production", "anything"). Called only for a clause that named
// no secret, consumer or part of the job.
func (rd *reader) unmatchedObject(p *parsedText, from, to int) []string {
	c := &rd.lex.c
	sc := &rd.lex.Scopes
	for _, m := range c.activities.find(p.toks, from, to) {
		i := m.to
		for i < to && runbook.OneOf(sc.ObjectSkips, p.toks[i].low) {
			i++
		}
		k, timeNoun := i, false
		for k < to && k-i < 4 {
			t := p.toks[k]
			if runbook.OneOf(sc.ObjectTimes, t.low) {
				timeNoun = true
				break
			}
			if t.date || runbook.OneOf(sc.ObjectStops, t.low) || !wordy(t.text) || looksLikeClock(t.low) {
				break
			}
			if _, day := dayWord(t.text); day {
				break
			}
			if _, z := zoneToken(t); z {
				break
			}
			if c.activities.has(p.toks, k, k+1) || c.negators.has(p.toks, k, k+1) {
				break
			}
			k++
		}
		if k == i || timeNoun {
			continue
		}
		w := quote(p, i, k)
		if runbook.OneOf(sc.GenericObjects, strings.ToLower(w)) {
			continue
		}
		return []string{w}
	}
	return nil
}

// wordy reports a token that starts with a letter and holds only letters,
// digits, '-', '_' or '.' (a name: "ingest", "invoice-worker"; never "15th").
func wordy(s string) bool {
	for i, r := range s {
		switch {
		case unicode.IsLetter(r):
		case i > 0 && (unicode.IsDigit(r) || r == '-' || r == '_' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// listedApart splits a time rule that joined weekdays and dates listed as
// two items ("Deploys are blocked on weekends and from 24 to 26 December":
// every weekend, and 24-26 December) into one rule each; read together
// they meant only the weekend days inside the dates. Weekdays that qualify
// the dates ("on Saturdays between 1 and 15 December") stay one rule.
func (rd *reader) listedApart(p *parsedText, from, to int, ds []Directive) []Directive {
	first := -1
	for i := from; i < to; i++ {
		if p.toks[i].date {
			first = i
			break
		}
	}
	if first < 0 {
		return ds
	}
	lastDay := -1
	for i := from; i < to; i++ {
		if d, ok := dayWord(p.toks[i].text); ok && d != nil && !p.toks[i].date {
			if i > first {
				return ds // a weekday after the dates qualifies them
			}
			lastDay = i
		}
	}
	if lastDay < 0 {
		return ds
	}
	joined := false
	for i := lastDay + 1; i < first; i++ {
		switch l := p.toks[i].low; {
		case runbook.OneOf([]string{"and", "or", ",", "plus"}, l):
			joined = true
		case runbook.OneOf([]string{"from", "on", "between", "during", "over", "the", "also", "as", "well"}, l):
		default:
			return ds
		}
	}
	if !joined {
		return ds
	}
	var out []Directive
	for _, d := range ds {
		if d.Kind != KindTimeRule || d.Span == nil || len(d.Span.Days) == 0 || (d.Span.From == "" && d.Span.Until == "") {
			out = append(out, d)
			continue
		}
		days, dates := d, d
		ds, dt := *d.Span, *d.Span
		ds.From, ds.Until, ds.Continuous = "", "", false
		dt.Days = []string{}
		days.Span, dates.Span = &ds, &dt
		out = append(out, days, dates)
	}
	return out
}

// theirFreeze turns the freezes and blocking time rules of a text that says
// they are not about this work into details that bind nothing: "The Redox
// EHR integration is in a change freeze until Dec 15. Unrelated, don't touch
// it", "The release train freeze … that's only about merging features",
// "no Vault config, auth method or policy changes until Friday. Writing new
// secret values into KV is fine" (review17-cold5 P2: each became a blackout
// of every production step).
func (rd *reader) theirFreeze(p *parsedText, ds []Directive) []Directive {
	c := &rd.lex.c
	n := len(p.toks)
	ev := c.notOurs.find(p.toks, 0, n)
	if len(ev) == 0 {
		// "…is node pools only, app deploys are fine": our own work, right
		// before the word that exempts it (review17-cold6 r21).
		for _, e := range c.exempt.find(p.toks, 0, n) {
			if w := c.ourWrites.find(p.toks, max(0, e.from-4), e.from); len(w) > 0 && len(rd.timeExprs(p, w[0].from, e.to)) == 0 {
				ev = []match{w[0], e}
				break
			}
		}
	}
	if len(ev) == 0 {
		for _, cl := range p.clauses {
			if e := c.exempt.find(p.toks, cl[0], cl[1]); len(e) > 0 && c.ourWrites.has(p.toks, cl[0], cl[1]) && len(rd.timeExprs(p, cl[0], cl[1])) == 0 && !rd.namesDay(p, cl[0], cl[1]) {
				ev = e
				break
			}
		}
	}
	if len(ev) == 0 {
		return ds
	}
	for i := range ds {
		d := &ds[i]
		if d.Kind == KindFreeze || (d.Kind == KindTimeRule && d.Polarity.Blocks()) {
			*d = Directive{Kind: KindDetail, Field: FieldTheirFreeze, Value: d.Quote, Scope: d.Scope, Quote: d.Quote,
				Evidence: append(d.Evidence, evidence(ev)...), Reader: d.Reader}
		}
	}
	return ds
}

// allowance reads a text that says what may break ("Ops dashboards can go
// blank for an hour overnight, nobody will notice", "Braze Android push can
// be broken for a few hours, marketing said no campaigns until Friday"): a
// tolerance, so its times are no window for every step and no blackout
// (review17-cold6 P2 r38, r63). A text that says its time is no deadline
// ("that's just where we'll talk about it, not a deadline") has none.
func (rd *reader) allowance(p *parsedText, ds []Directive) []Directive {
	c := &rd.lex.c
	n := len(p.toks)
	if nd := c.notDeadline.find(p.toks, 0, n); len(nd) > 0 {
		for i := range ds {
			if d := &ds[i]; d.Kind == KindDeadline {
				*d = Directive{Kind: KindDetail, Field: FieldState, Value: d.Quote, Scope: d.Scope, Quote: d.Quote,
					Evidence: append(d.Evidence, evidence(nd)...), Reader: d.Reader}
			}
		}
	}
	var ev []match
	for _, cl := range p.clauses {
		if a := c.allowance.find(p.toks, cl[0], cl[1]); len(a) > 0 && !c.forbid.has(p.toks, cl[0], cl[1]) &&
			!slices.ContainsFunc(c.negators.find(p.toks, cl[0], cl[1]), func(m match) bool { return m.to <= a[0].from }) {
			ev = a
			break
		}
	}
	if len(ev) == 0 {
		return ds
	}
	q := ""
	for i := range ds {
		if d := &ds[i]; d.Kind == KindFreeze || d.Kind == KindTimeRule {
			q = d.Quote
			*d = Directive{Kind: KindDetail, Field: FieldAllowance, Value: d.Quote, Scope: d.Scope, Quote: d.Quote,
				Evidence: append(d.Evidence, evidence(ev)...), Reader: d.Reader}
		}
	}
	if q == "" && !slices.ContainsFunc(ds, func(d Directive) bool { return d.Kind == KindDetail && d.Field == FieldAllowance }) {
		d := fact(FieldAllowance, quote(p, 0, n), ev)
		d.Scope, d.Quote, d.Reader = rd.scopeOf(p, 0, n, -1), quote(p, 0, n), ReaderRules
		ds = append(ds, d)
	}
	return ds
}

// releaseBan reads a ban on releasing or publishing a product that is
// none of ours ("No SDK releases until 12 Jan - we promised customers a
// quiet period"): no rotation step releases or publishes anything, so it
// holds no step; it was a blackout of every production step until 12 Jan
// (review17-cold6 r55). A ban with no object ("No releases on Friday")
// stays a blackout.
func (rd *reader) releaseBan(p *parsedText, ds []Directive) []Directive {
	c := &rd.lex.c
	for i := range ds {
		d := &ds[i]
		if d.Kind != KindTimeRule || !d.Polarity.Blocks() || (d.Activity != ActivityRelease && d.Activity != ActivityPublish) || len(d.Scope.Consumers) > 0 {
			continue
		}
		object := slices.Clone(d.Scope.Unmatched)
		if len(object) == 0 {
			// "No SDK releases": the object before the activity.
			for _, n := range c.negators.find(p.toks, 0, len(p.toks)) {
				for _, a := range c.activities.find(p.toks, n.to, min(len(p.toks), n.to+4)) {
					if a.p.label != d.Activity || a.from == n.to {
						continue
					}
					words := quote(p, n.to, a.from)
					if !runbook.OneOf(rd.lex.Scopes.GenericObjects, strings.ToLower(words)) && !rd.namesAConsumer(p, n.to, a.from) && len(rd.directScope(p, n.to, a.from, -1).Secrets) == 0 {
						object = append(object, words)
					}
					break
				}
			}
		}
		if len(object) == 0 {
			continue
		}
		d.Scope.Unmatched = object
		*d = Directive{Kind: KindDetail, Field: FieldNever, Activity: d.Activity, Value: d.Quote, Scope: d.Scope, Quote: d.Quote,
			Evidence: d.Evidence, Reader: d.Reader}
	}
	return ds
}

// freezeStartDeadlines reads "Old material has to be revoked before the
// freeze starts - the QSA looks at the dates" (review17-cold6 r45): the
// start of the one dated freeze of every step another text names is its
// deadline. It was a fact, and a revoke could slip into the freeze.
func (rd *reader) freezeStartDeadlines(parsed []*parsedText) {
	c := &rd.lex.c
	var starts []*Span
	for _, t := range rd.out.Texts {
		for _, d := range t.Directives {
			if (d.Kind == KindTimeRule && d.Polarity == Forbid || d.Kind == KindFreeze) && d.Span != nil && d.Span.From != "" &&
				!strings.HasPrefix(d.Span.From, "--") && d.Scope.All && d.Activity != ActivityRestart {
				if !slices.ContainsFunc(starts, func(s *Span) bool { return s.From == d.Span.From && s.Start == d.Span.Start }) {
					starts = append(starts, d.Span)
				}
			}
		}
	}
	if len(starts) != 1 {
		return
	}
	sp := starts[0]
	for i, p := range parsed {
		t := &rd.out.Texts[i]
		n := len(p.toks)
		refs := c.freezeStarts.find(p.toks, 0, n)
		if len(refs) == 0 {
			continue
		}
		// "All old keys must be gone before the code freeze": the freeze
		// is the one the request dates, not one of this text.
		kept := slices.DeleteFunc(slices.Clone(t.Directives), func(d Directive) bool { return d.Kind == KindFreeze && d.Span == nil })
		if slices.ContainsFunc(kept, func(d Directive) bool {
			return d.Kind == KindDeadline || d.Kind == KindTimeRule || d.Kind == KindFreeze
		}) ||
			!(c.completion.has(p.toks, 0, n) || c.directiveModals.has(p.toks, 0, n)) {
			continue
		}
		start := sp.Start
		if start == "" {
			start = "00:00"
		}
		q := quote(p, 0, n)
		for _, cl := range p.clauses {
			if c.freezeStarts.has(p.toks, cl[0], cl[1]) {
				q = quote(p, cl[0], cl[1])
			}
		}
		// The freeze's start replaces what the clause was read as.
		t.Directives = slices.DeleteFunc(kept, func(d Directive) bool {
			return d.Kind == KindDetail && IsFact(d) && c.freezeStarts.has(tokenize(d.Quote), 0, len(tokenize(d.Quote)))
		})
		t.Directives = append(t.Directives, Directive{Kind: KindDeadline, Deadline: &Deadline{Date: sp.From, Day: sp.From, At: start, TZ: sp.TZ, ZoneGiven: sp.ZoneGiven},
			Scope: t.Scope, Quote: q, Evidence: evidence(refs), Reader: ReaderRules})
	}
}
