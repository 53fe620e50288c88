package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// ReadingInstruction is how a text written to steer rotor is read: the
// checklist asks a person to settle it.
const ReadingInstruction = "reads like an instruction to rotor"

// Constraint kinds (Constraint.Kinds): what a constraint was read as.
const (
	ckWindow      = "window"
	ckBlackout    = "blackout"
	ckDeadline    = "deadline"
	ckLegacy      = "legacy"
	ckCompliance  = "compliance"
	ckRateLimit   = "rate_limit"
	ckApproval    = "approval"
	ckCustomer    = "customer_impact"
	ckBuildTime   = "build_time"
	ckFreeze      = "change_freeze"
	ckInstruction = "instruction"
	ckChangePath  = "change_path"
	ckDualControl = "dual_control"
	ckDuty        = "duty"
)

// pendingWindow is a window waiting for the blackouts to be known.
type pendingWindow struct {
	win        runbook.TimeWindow
	considered int
	only       bool
	// onlySaid: the text itself makes it the only time ("only"), rather
	// than the request's downtime tolerance.
	onlySaid bool
}

// reading collects what one text was understood as and what it changed.
type reading struct {
	kinds    []string
	readings []string
	effects  []string
	evidence []string
}

func (r *reading) add(kind, read, effect string) {
	if kind != "" {
		r.kinds = appendOnce(r.kinds, kind)
	}
	// Two clauses of one text may say the same ("CAB approval required;
	// file it under change ticket CHG1"): said once.
	if read != "" && runbook.OneOf(r.readings, read) && (effect == "" || runbook.OneOf(r.effects, effect)) {
		return
	}
	if read != "" {
		r.readings = append(r.readings, read)
	}
	if effect != "" {
		r.effects = append(r.effects, effect)
	}
}

func (r *reading) has(kind string) bool { return runbook.OneOf(r.kinds, kind) }

// applyReading plans from intake's reading of the request: every
// constraint, note and structured span becomes a Considered entry saying
// what was made of it, and changes the plan or raises an open item.
func applyReading(f *Facts, rd *intake.Reading) {
	named := map[string]bool{}
	var pending []pendingWindow
	for _, t := range rd.Texts {
		var r reading
		ap := &applier{f: f, t: t, r: &r, named: named, zoneKnown: rd.RequestZone != ""}
		for _, d := range t.Directives {
			for _, e := range d.Evidence {
				r.evidence = appendOnce(r.evidence, e)
			}
			before := len(r.readings)
			if w, ok := ap.apply(d); ok {
				// A maintenance window the downtime tolerance relies on is
				// the only time production changes: every production step
				// that changes something waits for it, revokes and rollouts
				// included (review17 pci-blackout-window).
				only := d.Span.Only || f.DowntimeTolerance == runbook.DowntimeMaintenanceWindow
				pending = append(pending, pendingWindow{win: w, considered: len(f.Considered), only: only, onlySaid: d.Span.Only})
			}
			if d.Reader == intake.ReaderModel {
				// A reading the model made is labelled as the model's.
				for i := before; i < len(r.readings); i++ {
					r.readings[i] += " (the model's reading)"
				}
			}
		}
		gated := false
		for _, g := range f.gates {
			if g.Source == t.Source {
				ap.gate(g)
				gated = true
			}
		}
		for _, sa := range f.soleActors {
			if sa.Source == t.Source {
				ap.soleActor(sa)
				gated = true
			}
		}
		if rule, ok := intake.ReadActRule(t.Text); len(t.Directives) == 0 && !gated && t.Period == "" && len(intake.ChannelNames(t.Text)) > 0 &&
			!(t.Prohibits && ok && (rule.Test || rule.Value)) {
			// "Nothing about this in #general or #deploys. War room is
			// #inc-2291-storefront.": the channels its messages go to and
			// never go to (intake.ReadComms), a rule of the comms that
			// holds no step (review17-cold6 row 7).
			r.add("", "the chat channels messages go to, or never go to", "the messages follow it; no step waits for it")
		} else if (len(t.Directives) == 0 && !gated) || t.Period != "" {
			// Nothing read, or an undated period beside what was read
			// ("..., never on a day before a public holiday"): raised.
			ap.unread()
		}
		if r.evidence == nil {
			r.evidence = []string{}
		}
		f.Considered = append(f.Considered, runbook.Considered{Source: t.Source, Text: t.Text, Reading: strings.Join(r.readings, "; "),
			Effect: strings.Join(r.effects, "; "), Evidence: r.evidence})
		if strings.HasPrefix(t.Source, "constraints[") {
			c := Constraint{Text: t.Text, Kinds: r.kinds, SecretIDs: ap.ids(t.Scope), Effect: strings.Join(r.effects, "; ")}
			if c.Kinds == nil {
				c.Kinds = []string{}
			}
			f.Constraints = append(f.Constraints, c)
		}
	}
	for _, q := range rd.Questions {
		item := q.Item
		ap := &applier{f: f}
		if item.Blocks == nil {
			item.Blocks = ap.scopeIDs(q.Scope)
		}
		f.Raise(item)
	}
	for _, a := range rd.Assumptions {
		f.Assumptions = appendOnce(f.Assumptions, a)
	}
	placeWindows(f, pending)
	f.Controls = controlsFor(f, named)
}

// applier applies the directives of one text.
type applier struct {
	f     *Facts
	t     intake.Text
	r     *reading
	named map[string]bool
	// zoneKnown: the request writes its times in one zone somewhere, which
	// an unzoned time is read in.
	zoneKnown bool
}

// ids are the secret ids a scope binds (every secret for All).
func (a *applier) ids(sc intake.Scope) []string {
	if sc.All {
		out := make([]string, len(a.f.Secrets))
		for i, s := range a.f.Secrets {
			out[i] = s.ID
		}
		return out
	}
	out := []string{}
	for _, i := range sc.Secrets {
		if i >= 0 && i < len(a.f.Secrets) {
			out = append(out, a.f.Secrets[i].ID)
		}
	}
	return out
}

// scopeIDs is a scope as a schedule writes it: empty for every secret.
func (a *applier) scopeIDs(sc intake.Scope) []string {
	if sc.All {
		return []string{}
	}
	return a.ids(sc)
}

// bindsNothing reports a scope that names parts of the job this runbook
// does not have ("No DNS changes" when no secret is the DNS automation's).
func bindsNothing(sc intake.Scope) bool { return !sc.All && len(sc.Secrets) == 0 }

func (a *applier) secret() *Secret {
	if a.t.Secret >= 0 && a.t.Secret < len(a.f.Secrets) {
		return &a.f.Secrets[a.t.Secret]
	}
	return nil
}

// apply applies one directive; a window is returned for placing once every
// blackout is known.
func (a *applier) apply(d intake.Directive) (runbook.TimeWindow, bool) {
	f, r := a.f, a.r
	targets := a.ids(d.Scope)
	if bindsNothing(d.Scope) && d.Kind != intake.KindPerson {
		r.add("", string(d.Kind)+" for "+strings.Join(d.Scope.Words, ", "),
			"binds none of this runbook's secrets ("+strings.Join(d.Scope.Words, ", ")+" names none of them)")
		return runbook.TimeWindow{}, false
	}
	switch d.Kind {
	case intake.KindTimeRule:
		return a.timeRule(d, targets)
	case intake.KindDeadline:
		a.deadline(d)
	case intake.KindChangePath:
		if d.Tool == intake.ToolConsole {
			f.NoConsole = true
			r.add(ckChangePath, "no console or hand changes", "no step is a console or CLI change of the live value: each is made through the change path the request names, or, with none named, raises an open item")
			if len(f.ChangePaths) == 0 {
				f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote, Question: "Console changes are forbidden, but no change path is named: which tool (Terraform, Ansible, a GitOps repository) makes the create and store steps?",
					Blocks: targets})
			}
			break
		}
		f.ChangePaths = append(f.ChangePaths, ChangePath{Tool: d.Tool, SecretIDs: a.scopeIDs(d.Scope), Consumers: d.Scope.Consumers, Source: a.t.Source})
		r.add(ckChangePath, "changes go through "+toolName(d.Tool), changePathEffect(f, d.Tool, d.Scope.All, targets))
	case intake.KindDualControl:
		f.DualControl = true
		r.add(ckDualControl, "dual control", "every production step names a second engineer who watches it, and the audit evidence records who watched")
	case intake.KindOverlap:
		a.overlapMin(d, targets)
	case intake.KindDuty:
		if d.Party == intake.PartyPartner && (d.Field == intake.FieldSwitchLead || d.Field == intake.FieldSwitchLeadBusinessDays) && d.Within != "" {
			a.switchLead(d, targets)
			break
		}
		due := ""
		if d.Within != "" {
			due = " within " + d.Within
		}
		du := Duty{ID: fmt.Sprintf("c%d", len(f.Duties)+1), Party: d.Party, Within: d.Within, Text: d.Quote, Source: a.t.Source, Label: partyName(d.Party) + due}
		if d.Party == intake.PartyTeam || d.Party == intake.PartyPartner {
			du.Who, du.Label = d.Value, d.Value+due
		}
		du.Every, du.Times, du.TimesTZ = d.Every, d.Times, d.TimesTZ
		if dl := d.Deadline; dl != nil && d.Within == "" {
			du.At, du.Day, du.TZ = dl.At, dl.Date, dl.TZ
			if du.Day == "" {
				du.Day = dl.Day
			}
		}
		if d.Field == intake.FieldInformed {
			// "Security is informed": told before the start and at
			// completion, with the revoke checks' output.
			du.Informed = true
			f.Duties = append(f.Duties, du)
			r.add(ckDuty, du.Who+" is kept informed", "told before the start and at completion with the revoke checks' output (internal comms); the audit evidence records both")
			break
		}
		if (d.Field == intake.FieldAhead || d.Field == intake.FieldAheadBusinessDays) && d.Within != "" {
			// "Patient Comms must be told 3 business days ahead": the
			// notice first, then no production step for the lead time.
			du.Lead = d.Field
			du.Label = fmt.Sprintf("%s at least %s before the first production step", dutyWho(du), du.LeadText())
			f.Duties = append(f.Duties, du)
			if du.Lead == intake.FieldAheadBusinessDays {
				f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
					Question: fmt.Sprintf("The notice to %s counts %s Monday to Friday, with no public holidays: which holiday calendar applies? A holiday in the lead time pushes the first production step later.", dutyWho(du), du.LeadText()),
					Blocks:   []string{}})
			}
			r.add(ckDuty, fmt.Sprintf("a notice to %s %s ahead", dutyWho(du), du.LeadText()),
				fmt.Sprintf("the notice goes out first; no production step starts until %s after it (the schedule's work start and each window's next opening wait for it); dated in the checklist, the comms and the audit evidence", du.LeadText()))
			break
		}
		f.Duties = append(f.Duties, du)
		if d.Party == intake.PartyCustomer {
			f.ExternalComms.Audiences = appendAudience(f.ExternalComms.Audiences, runbook.AudienceCustomer)
			if f.ExternalComms.Reason == "" {
				f.ExternalComms.Reason = "the request sets a duty to tell customers: " + d.Quote
			}
		}
		r.add(ckDuty, "a duty to tell "+partyName(d.Party)+due, "a dated item in the checklist, the comms and the audit evidence")
	case intake.KindFreeze:
		a.freeze(d)
	case intake.KindRateLimit:
		for _, id := range targets {
			f.SecretByID(id).RateLimited = true
		}
		r.add(ckRateLimit, "vendor rate limits", "validation calls "+ofSecrets(f, targets)+"are few and spaced out")
	case intake.KindCompliance:
		if d.Field == intake.FieldCadence {
			a.cadence(d)
			break
		}
		if d.Field == intake.FieldLastRotated {
			r.add(ckCompliance, "the last rotation was on "+d.Value, "a date in the past: it dates the next due date, and is no time to work in")
			break
		}
		if d.Field == "reason" {
			r.add(ckCompliance, "the rotation is due: "+d.Value, "the audit evidence records why the rotation was due")
			break
		}
		a.named[d.Value] = true
		r.add(ckCompliance, d.Value+" evidence", "audit evidence maps to "+d.Value)
	case intake.KindApproval:
		f.ChangeTicket = true
		if len(d.Values) == 0 {
			// "CAB approval required; file it under CHG1": the second
			// clause's approval is the first's, said once.
			if !slices.ContainsFunc(r.readings, func(s string) bool { return strings.HasPrefix(s, "change approval by ") }) {
				r.add(ckApproval, "change approval", "a change ticket is approved before the first step")
			}
			break
		}
		for _, name := range d.Values {
			f.nameApprover(name)
		}
		who := andJoin(d.Values)
		r.add(ckApproval, "change approval by "+who, who+" approves the change ticket before the first step: the card, the checklist, the comms and the audit evidence name "+who+" as the approver")
	case intake.KindCustomerImpact:
		if a.t.Secret < 0 {
			f.ExternalComms.Audiences = appendAudience(f.ExternalComms.Audiences, runbook.AudienceCustomer)
			f.ExternalComms.Reason = "a constraint names customer or partner impact: " + a.t.Text
			r.add(ckCustomer, "customer or partner impact", "customer communication is prepared")
			break
		}
		r.add(ckCustomer, "used with a partner or customers", "the partner or customers are told before the switch (customer and vendor communication)")
	case intake.KindLegacy:
		markLegacy(f, targets, d.Scope.Consumers, a.t.Text)
		r.add(ckLegacy, "a consumer reads the value only at start-up", "legacy consumers get an explicit restart step and raise the rotation risk")
	case intake.KindBuildTime:
		f.BuildTime = true
		r.add(ckBuildTime, "the value is baked in at build time", "consumers are rebuilt, not only restarted, to pick up the new value")
	case intake.KindConfirmedBreach:
		var upgraded []string
		for _, id := range targets {
			if s := f.SecretByID(id); s.Compromise == CompromiseSuspected && s.Exposure != runbook.ExposureInternal {
				s.Compromise, s.Exposed = CompromiseConfirmed, true
				upgraded = append(upgraded, s.Name)
			}
		}
		effect := "nothing changes: no secret of this runbook was only suspected"
		if len(upgraded) > 0 {
			effect = "treated as a confirmed leak of " + andJoin(upgraded) + ": killed first where nothing but pipelines depends on them, replaced and killed at once otherwise"
		}
		r.add("", "a confirmed compromise", effect)
	case intake.KindRotateAll:
		if a.t.Secret >= 0 {
			r.add("", "asks to rotate everything", "kept with this secret's notes; a constraint says it for the whole job")
			break
		}
		f.RotateAll = d.Value
		r.add("", "asks to rotate everything, not only the secrets listed", "the checklist has the operators list every credential the breached place held, rotate the ones this runbook does not name, and look for anything an attacker added")
	case intake.KindInstruction:
		r.add(ckInstruction, ReadingInstruction, "quoted here as data and not followed: every safety step of the plan stays")
	case intake.KindDetail:
		a.detail(d, targets)
	case intake.KindPerson:
		if f.Trigger == runbook.TriggerOffboarding {
			f.Person = d.Value
			r.add("", "the departing person is "+d.Value, "access-removal steps name them")
		} else {
			r.add("", "names "+d.Value, "kept for the comms; not an offboarding, so no access-removal steps")
		}
	case intake.KindExposure:
		a.exposure(d)
	case intake.KindUsage:
		if s := a.secret(); s != nil {
			use := d.Quote
			s.Uses = appendOnce(s.Uses, use)
			r.add("", "how it is used: "+use, "recorded with the facts: no check repeats this use in production")
		}
	}
	return runbook.TimeWindow{}, false
}

// unsure raises what the request itself hedges ("It MAY still send
// password resets … Nobody has confirmed", "I think it uses tracking-app …
// Ilse can check", "not decided"): an open item at the top that asks whoever
// the text names, holding the steps of the secrets it is about (a text that
// names none holds nothing and is answered before closing). An exposed
// credential's kill never waits for it (exposedNeverWait). Review17-cold5
// P8: hedges were dropped, or asked as the wrong question.
func (a *applier) unsure(d intake.Directive) {
	blocks := []string{}
	if !d.Scope.All {
		blocks = a.ids(d.Scope)
	}
	ask := "its owner"
	if len(d.Values) > 0 {
		ask = strings.Join(d.Values, " or ") + " (named in the request)"
	}
	held := "Nothing waits for the answer; settle it before closing."
	if len(blocks) > 0 {
		held = "Until it is settled, the steps " + ofSecrets(a.f, blocks) + "it could change wait."
	}
	id := a.f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
		Question: fmt.Sprintf("The request is not sure of this. Can %s confirm it, and what changes if it is not so? %s", ask, held),
		Blocks:   blocks})
	a.r.add("", "a reading the request is not sure of: raised as open item "+id, "asked at the top, never guessed; "+strings.TrimSuffix(strings.ToLower(held[:1])+held[1:], "."))
}

// unread raises a text intake could not read: it changes nothing until a
// person says what it asks.
func (a *applier) unread() {
	if a.t.Period != "" {
		// A time it forbids work in, with no date: never allowed by
		// default; its secrets wait for the answer.
		blocks := a.ids(a.t.Scope)
		id := a.f.Raise(runbook.OpenItem{Source: a.t.Source, Text: a.t.Text,
			Question: fmt.Sprintf("rotor cannot date %q: which days and hours is it? Until you answer, the production steps %sit holds wait (held as a blackout).", a.t.Period, ofSecrets(a.f, blocks)),
			Blocks:   blocks})
		a.r.add("", "keeps work out of "+a.t.Period+", which rotor cannot date: raised as open item "+id, "the production steps "+ofSecrets(a.f, blocks)+"wait for the answer")
		return
	}
	if a.t.Prohibits {
		if r, ok := intake.ReadActRule(a.t.Text); ok {
			a.actRule(r)
			return
		}
		// A prohibition rotor could not read ("It is forbidden to touch the
		// cluster while a reindex is running"): never as if it said
		// nothing; the production steps it may bind wait.
		blocks := a.ids(a.t.Scope)
		id := a.f.Raise(runbook.OpenItem{Source: a.t.Source, Text: a.t.Text,
			Question: fmt.Sprintf("rotor could not read when or what this forbids: which steps does it keep out, and when? Until you answer, the production steps %sit may bind wait.", ofSecrets(a.f, blocks)),
			Blocks:   blocks})
		if a.f.prohibitions == nil {
			a.f.prohibitions = map[string]bool{}
		}
		a.f.prohibitions[id] = true
		a.r.add("", "a prohibition rotor could not read: raised as open item "+id, "the production steps "+ofSecrets(a.f, blocks)+"wait for the answer")
		return
	}
	blocks := []string{}
	if !a.t.Scope.All {
		blocks = a.ids(a.t.Scope)
	}
	id := a.f.Raise(runbook.OpenItem{Source: a.t.Source, Text: a.t.Text,
		Question: "rotor could not read this: does it limit when or how the rotation runs? Until you answer, nothing in the plan follows from it.",
		Blocks:   blocks})
	a.r.add("", "not understood: raised as open item "+id, "nothing in the plan follows from it until it is answered")
}

// Rule is a prohibition on an act that names no time: it is written on
// the steps of its secrets whose phase does the act (Phases; none for a
// message), and holds nothing.
type Rule struct {
	Source    string          `json:"source"`
	Quote     string          `json:"quote"`
	SecretIDs []string        `json:"secret_ids"`
	Phases    []runbook.Phase `json:"phases,omitempty"`
}

// actRule applies a prohibition on an act that names no time ("Nobody
// contacts the contractor", "Arjun must not receive any of the new
// values", "The live Twilio auth token must not go into GitHub at all";
// review17-cold6 P4 rows 6, 7, 32, 33, 60): a rule on that act, written
// where it happens; a message rule is a rule of the comms. Never an open
// item that holds the plan.
func (a *applier) actRule(r intake.ActRule) {
	f := a.f
	rule := Rule{Source: a.t.Source, Quote: a.t.Text, SecretIDs: a.ids(a.t.Scope)}
	var where []string
	if r.Test {
		rule.Phases = append(rule.Phases, runbook.PhaseVerify)
		where = append(where, "the checks")
	}
	if r.Value {
		rule.Phases = append(rule.Phases, runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy)
		where = append(where, "the create, store and deploy steps")
	}
	if r.Contact {
		if f.Comms == nil {
			f.Comms = &Comms{}
		}
		f.Comms.NeverContact = appendOnce(f.Comms.NeverContact, a.t.Text)
		where = append(where, "every message")
	}
	f.Rules = append(f.Rules, rule)
	effect := "written on " + strings.Join(where, " and ")
	if len(rule.Phases) > 0 {
		effect += " (" + ofSecretsBare(f, rule.SecretIDs) + ")"
	}
	a.r.add("", "a rule on the act it names (it names no time)", effect+"; no step waits for it")
}

// timeRule turns a time rule into a window or a blackout.
func (a *applier) timeRule(d intake.Directive, targets []string) (runbook.TimeWindow, bool) {
	f, r, sp := a.f, a.r, d.Span
	w := runbook.TimeWindow{Days: sp.Days, Start: sp.Start, End: sp.End, EndDay: sp.EndDay, DaysOfMonth: sp.DaysOfMonth, TZ: sp.TZ,
		From: sp.From, Until: sp.Until, Continuous: sp.Continuous, BusinessDaysOfMonth: sp.BusinessDaysOfMonth, RelativeDay: sp.RelativeDay, Note: d.Quote, Source: a.t.Source}
	if len(w.BusinessDaysOfMonth) == 0 {
		w.BusinessDaysOfMonth = nil
	}
	if w.Days == nil {
		w.Days = []string{}
	}
	if len(w.DaysOfMonth) == 0 {
		w.DaysOfMonth = nil
	}
	zone := ""
	// A dated blackout with no zone is asked, not assumed: near its ends a
	// window may fall inside it in the zone the requester meant (review17
	// "Change freeze 2026-12-20 to 2027-01-04").
	askZone := !sp.ZoneGiven && d.Reader != intake.ReaderStructured && d.Polarity != intake.Allow && w.Dated() && w.RelativeDay == ""
	// A recurring rule with no zone, in a request that gives none anywhere
	// ("The nightly load runs 01:00-04:00", "Changes only Monday to
	// Thursday"): asked, never silently UTC.
	askRecurring := !sp.ZoneGiven && d.Reader != intake.ReaderStructured && !w.Dated() && w.RelativeDay == "" && !a.zoneKnown
	if !sp.ZoneGiven && d.Reader != intake.ReaderStructured {
		zone = " (no time zone given: read as " + sp.TZ + ")"
		if !askZone && !askRecurring {
			f.Assumptions = appendOnce(f.Assumptions, "a time without a time zone is read as "+sp.TZ+"; check "+a.t.Source)
		}
	}
	if d.Polarity == intake.Allow && sp.End == "" && d.Reader != intake.ReaderStructured {
		// A window given only its start: its length is the requester's
		// to say, not rotor's to invent (review17 "the low-traffic window
		// (22:00 UTC)").
		f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
			Question: "When does the window end? One hour is counted meanwhile.",
			Blocks:   []string{}})
	}
	if askRecurring {
		what := "blackout " + fmt.Sprintf("b%d", len(f.Schedule.Blackouts)+1)
		if d.Polarity == intake.Allow {
			what = "the window"
		}
		id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
			Question: fmt.Sprintf("Which time zone is %s (%s) in? The request gives none, and rotor reads it in %s meanwhile; in another zone a step may fall in the hours it keeps clear, or outside the hours it allows.", what, w.Label(), sp.TZ),
			Blocks:   []string{}})
		defer r.add("", "", "its time zone is asked in open item "+id)
	}
	if d.Polarity == intake.Allow {
		w.SecretIDs = targets
		only := ""
		switch {
		case sp.Only:
			only = ", the only time"
		case f.DowntimeTolerance == runbook.DowntimeMaintenanceWindow:
			only = ", the only time for production changes (downtime_tolerance maintenance_window)"
		}
		r.add(ckWindow, "maintenance window: "+w.Label()+zone+only, "")
		return w, true
	}
	scope := a.scopeIDs(d.Scope)
	w.ID, w.SecretIDs = fmt.Sprintf("b%d", len(f.Schedule.Blackouts)+1), scope
	w.AllEnvironments = d.AllEnvironments
	if (d.Activity == intake.ActivityRestart || d.Activity == intake.ActivityDeploy) && len(d.Scope.Consumers) == 0 && len(d.Scope.Unmatched) > 0 && allServices(f, d.Scope.Unmatched) {
		// "No restarts of checkout-api between 17:00 and 21:00 today": a
		// service of the request that is no consumer of these secrets; no
		// step restarts it, so it holds no step (review17-cold6 r4).
		d.Scope.Consumers, d.Scope.Unmatched = slices.Clone(d.Scope.Unmatched), nil
	}
	if (d.Activity == intake.ActivityRestart || d.Activity == intake.ActivityDeploy) && len(d.Scope.Consumers) > 0 {
		// "no restarts of dispatch-api": only the steps that restart or
		// redeploy those services; never the revoke or the kill.
		w.Activity, w.Consumers = d.Activity, slices.Clone(d.Scope.Consumers)
	}
	f.Schedule.Blackouts = append(f.Schedule.Blackouts, w)
	what := map[intake.Polarity]string{intake.Forbid: "forbidden", intake.Busy: "busy: an activity to keep clear of", intake.Unclear: "unclear: held as a blackout until answered"}[d.Polarity]
	if act := activityWords[d.Activity]; act != "" && d.Polarity == intake.Forbid {
		what = "no " + act
	}
	steps := "no " + w.Holds() + " " + ofSecrets(f, scope)
	if w.Activity != "" {
		steps = "no " + w.Holds() + " "
	}
	effect := steps + "runs in it; windows are cut around it"
	if w.Dated() || len(w.DaysOfMonth) > 0 {
		effect = steps + "runs on those dates: the rotation finishes before it or waits until it ends; a weekly window is not used on those dates"
	}
	if w.Activity != "" {
		effect += "; it binds only those restarts and redeploys: the revoke and the kill at the provider are not held by it"
	}
	if w.AllEnvironments {
		effect += "; the staging steps too: run them before it starts or after it ends"
	}
	r.add(ckBlackout, "blackout "+w.ID+": "+w.Label()+zone+" ("+what+")", effect+exposedNote(f, scope))
	if len(d.Scope.Unmatched) > 0 && len(scope) == 0 {
		// "Do not restart the ledger scheduler …": a component no consumer
		// of the request matches. The blackout binds every secret (never
		// guessed narrower), and says so at the top.
		comp := strings.Join(d.Scope.Unmatched, ", ")
		id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
			Question: fmt.Sprintf("Which of this request's services is %q? It matches no consumer of the request, so blackout %s binds every production step meanwhile: name its services (or say it runs none of these secrets' consumers) and only their steps wait for it.", comp, w.ID),
			Blocks:   []string{}})
		r.add("", "", fmt.Sprintf("%q matches no consumer: blackout %s binds every secret until open item %s is answered", comp, w.ID, id))
	}
	if len(w.BusinessDaysOfMonth) > 0 && d.Reader != intake.ReaderStructured {
		// Business days are counted Monday to Friday: a public holiday
		// would move the day, and rotor knows no holiday calendar (hook3 h2).
		id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
			Question: fmt.Sprintf("Blackout %s counts business days Monday to Friday, with no public holidays: which holiday calendar applies? A holiday near the end or start of a month moves the day it falls on; give the dates if so.", w.ID),
			Blocks:   []string{}})
		r.add("", "", "its holiday calendar is asked in open item "+id)
	}
	if askZone {
		last := w.Until
		if last == "" {
			last = w.From
		}
		q := fmt.Sprintf("Which time zone is blackout %s (%s) in, and is %s included? rotor reads it in %s with both days included; in another zone a window near either end may fall inside it.", w.ID, w.Label(), last, sp.TZ)
		asked := "its time zone and last day are asked"
		if intake.SaysInclusive(d) {
			// "2026-12-21 and 2027-01-03 inclusive": only the zone is open.
			q = fmt.Sprintf("Which time zone is blackout %s (%s) in? rotor reads it in %s; in another zone a window near either end may fall inside it.", w.ID, w.Label(), sp.TZ)
			asked = "its time zone is asked"
		}
		id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote, Question: q, Blocks: []string{}})
		r.add("", "", asked+" in open item "+id)
	}
	if d.Polarity == intake.Unclear {
		id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
			Question: fmt.Sprintf("Is %q a time to work in (a window) or a time to keep clear of? Until you answer, rotor keeps production steps %sout of it (blackout %s).", d.Quote, ofSecrets(f, targets), w.ID),
			Blocks:   targets})
		r.add("", "", "raised as open item "+id)
	}
	return runbook.TimeWindow{}, false
}

// activityWords write what a rule forbids.
var activityWords = map[string]string{intake.ActivityChange: "changes", intake.ActivityDeploy: "deploys", intake.ActivityRestart: "restarts",
	intake.ActivityRotate: "rotation", intake.ActivityRelease: "releases", intake.ActivityPublish: "publishing"}

func (a *applier) deadline(d intake.Directive) {
	f, r, dl := a.f, a.r, d.Deadline
	out := runbook.Deadline{ID: fmt.Sprintf("d%d", len(f.Schedule.Deadlines)+1), Day: dl.Day, At: dl.At, TZ: dl.TZ, Note: d.Quote,
		SecretIDs: a.scopeIDs(d.Scope), Source: a.t.Source}
	if dl.Date != "" {
		out.Day = dl.Date
		if t, ok := dl.Due(); ok {
			out.Due = t.Format("2006-01-02T15:04:05Z07:00")
		}
	}
	zone := ""
	if !dl.ZoneGiven {
		zone = " (no time zone given: read as " + dl.TZ + ")"
		f.Assumptions = appendOnce(f.Assumptions, "a time without a time zone is read as "+dl.TZ+"; check "+a.t.Source)
	}
	f.Schedule.Deadlines = append(f.Schedule.Deadlines, out)
	effect := "the work it names is done " + out.Label() + "; it is a deadline, not a maintenance window"
	if f.Trigger == runbook.TriggerOffboarding {
		effect = "the departing person's access is removed " + out.Label() + " (" + out.ID + "); it is a deadline, not a maintenance window"
	}
	r.add(ckDeadline, "deadline "+out.ID+": "+out.Label()+zone, effect)
}

func (a *applier) freeze(d intake.Directive) {
	f, r := a.f, a.r
	fr := Freeze{ID: fmt.Sprintf("f%d", len(f.Freezes)+1), Forbids: []string{d.Activity}, SecretIDs: a.scopeIDs(d.Scope), Until: d.Value, Source: a.t.Source}
	f.Freezes = append(f.Freezes, fr)
	until := ""
	if d.Value != "" {
		until = " until " + d.Value
	}
	// A freeze never holds an exposed credential's kill (review18 round 5
	// X6: "no old credential is revoked before the first pipeline run
	// after it succeeds" left two public credentials live until the
	// incident closed).
	var exposed, waiting []string
	for _, id := range a.ids(d.Scope) {
		if s := f.SecretByID(id); s != nil && s.Exposed {
			exposed = append(exposed, id)
		} else if s != nil {
			waiting = append(waiting, id)
		}
	}
	kills := ""
	if len(exposed) > 0 {
		kills = fmt.Sprintf(", except an exposed one: the freeze never holds the kill of %s, which dies now", andJoin(namesOf(f, exposed)))
	}
	switch d.Activity {
	case intake.ActivityRelease, intake.ActivityPublish:
		r.add(ckFreeze, "release freeze "+fr.ID+until, "no step and no check runs a publish, release or deploy pipeline while it holds: the new values are proven with dry runs and read-only calls; no old credential is revoked before the first pipeline run after it succeeds"+kills)
	default:
		r.add(ckFreeze, "a change freeze "+fr.ID+until, "the rotation's own deploys need an exception to the freeze, recorded on the change ticket; no check re-runs a deploy pipeline")
	}
	if len(schedule.FindDates(d.Value)) > 0 {
		return
	}
	// A freeze with no date leaves the rotation half done for as long as
	// it lasts (the new value stored, the old one alive): when it ends, and
	// whether an unexposed rotation should wait for it, are the requester's
	// call (review17).
	ends := "The request gives it no end"
	if d.Value != "" {
		ends = fmt.Sprintf("The request gives it no date (%q)", "until "+d.Value)
	}
	q := fmt.Sprintf("When does freeze %s end? %s: until it ends, each new value waits in the store and the old credential stays alive.", fr.ID, ends)
	if len(exposed) > 0 {
		q = fmt.Sprintf("When does freeze %s end? %s: until it ends, each new value waits in the store; the freeze never holds the kill of %s, which dies now, but %s consumers run on the new value only once the freeze lets them redeploy (or an exception is recorded).", fr.ID, ends, andJoin(namesOf(f, exposed)), itsTheir(len(exposed)))
		if len(waiting) > 0 {
			q += fmt.Sprintf(" The old credential of %s stays alive until then.", andJoin(namesOf(f, waiting)))
		}
	}
	if len(waiting) > 0 {
		q += fmt.Sprintf(" Should the rotation of %s wait until the freeze ends instead (nothing of it is exposed)?", andJoin(namesOf(f, waiting)))
	}
	id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote, Question: q, Blocks: waiting})
	r.add("", "", "its end is asked in open item "+id)
}

// namesOf are the secrets' names.
func namesOf(f *Facts, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if s := f.SecretByID(id); s != nil {
			out = append(out, s.Name)
		}
	}
	return out
}

// detail applies what a note says about the infrastructure.
func (a *applier) detail(d intake.Directive, targets []string) {
	f, r := a.f, a.r
	lex := intake.DefaultLexicon()
	switch d.Field {
	case intake.FieldScope:
		for _, id := range targets {
			f.SecretByID(id).Scope = d.Value
		}
		r.add("", "the credential's scope: "+d.Value, "the replacement gets this scope or narrower")
	case intake.FieldCopy:
		for _, id := range targets {
			s := f.SecretByID(id)
			s.Copies = appendOnce(s.Copies, d.Value)
			if s.copyQuotes == nil {
				s.copyQuotes = map[string]string{}
			}
			s.copyQuotes[d.Value] += " " + d.Quote
		}
		effect := "the store step also updates the copy in " + d.Value
		if f.Trigger == runbook.TriggerOffboarding {
			effect += "; the departing person's access to it is removed first"
		}
		r.add("", "a copy is kept in "+d.Value, effect)
	case intake.FieldPersonalCopy:
		// A person's own password manager, laptop or notes hold what that
		// person has: the exposure, never a store to update (review17-cold3
		// r4). The new value never goes there, and the old one dies.
		for _, id := range targets {
			s := f.SecretByID(id)
			s.PersonalCopies = appendOnce(s.PersonalCopies, d.Value)
		}
		if f.Trigger == runbook.TriggerOffboarding {
			r.add("", "the departing person's own copy "+d.Value+": what they hold, not a store to update",
				"the new value is never put there nor given to them")
			break
		}
		r.add("", "a person's own copy "+d.Value+": what they hold, not a store to update",
			"the new value is never put there nor given to them; the old value dies at its revoke step")
	case intake.FieldStorePath:
		effect := "store steps use it"
		for _, id := range targets {
			s := f.SecretByID(id)
			path := d.Value
			if cli, ok := kvCLIPath(path); ok && s.Store == runbook.StoreVault {
				// The KV v2 API path: the vault kv commands add /data/
				// themselves (holdout3 h3: secret/data/... would write
				// secret/data/data/...).
				path, effect = cli, "store steps use "+cli+" (the vault kv commands add /data/ to a KV v2 path)"
			}
			for _, env := range s.Environments {
				if namesEnv(path, env) || !namesAnyEnv(path, s.Environments) {
					s.StorePaths[env] = path
				}
			}
		}
		r.add("", "store path "+d.Value, effect)
	case intake.FieldStoreFields:
		for _, id := range targets {
			f.SecretByID(id).StoreFields = d.Values
		}
		r.add("", "store fields "+andJoin(d.Values), "the store step writes those fields, together, in one version")
	case intake.FieldNamespace:
		named := forConsumers(f, targets, d.Scope.Consumers, func(c *Consumer) { c.Namespace = d.Value })
		if len(named) == 0 {
			for _, id := range targets {
				f.SecretByID(id).Namespace = d.Value
			}
		}
		who := ""
		if len(named) > 0 {
			who = " for " + andJoin(named)
		}
		r.add("", "Kubernetes namespace "+d.Value+who, "kubectl steps use -n "+d.Value+who)
	case intake.FieldDecidedBy:
		// "Breach notification (patients, HHS) is her call only": whoever
		// decides gets the findings; nobody is told by the runbook
		// (review17-cold5 rows 7, 23: a duty to notify was invented).
		r.add("", "telling "+partyName(d.Party)+" is a decision the request gives to someone", "no duty and no message to "+partyName(d.Party)+"; the internal comms say who decides and that the findings go to them")
	case intake.FieldApprovalWaived:
		// "Emergency change, no CAB": no change approval holds a step
		// (review17-cold5 row 5: CAB became the approver of every step).
		r.add(ckApproval, "no change approval before the work ("+d.Value+")", "no change ticket approval holds any step; nobody named by it approves")
	case intake.FieldRuntime:
		a.runtime(d)
	case intake.FieldCutOff:
		a.cutOff(d, targets)
	case intake.FieldNoReplacement:
		for _, id := range targets {
			f.SecretByID(id).NotReplaced = d.Value
		}
		r.add("", "nothing replaces "+andJoin(namesOf(f, targets)), "killed and never issued again: no create, store, deploy or check of a new value")
	case intake.FieldWorkload:
		named := forConsumers(f, targets, d.Scope.Consumers, func(c *Consumer) { c.Workload = d.Value })
		if len(named) == 0 {
			r.add("", "a Kubernetes "+d.Value, "no consumer is named, so none is restarted as a "+d.Value)
			break
		}
		if d.Value == "cronjob" {
			// A CronJob is not restarted: its next run reads the new value.
			r.add("", andJoin(named)+" runs as a Kubernetes cronjob", "not restarted: its next run reads the new value (or one run now, `kubectl create job --from=cronjob/…`, if its owner says one run is harmless)")
			break
		}
		r.add("", andJoin(named)+" runs as a Kubernetes "+d.Value, "restarted as a "+d.Value+" (`rollout restart "+d.Value+"/…`)")
	case intake.FieldDBUsers:
		for _, id := range targets {
			f.SecretByID(id).Users = Users{Active: d.Values[0], Idle: d.Values[1]}
		}
		r.add("", "database users "+d.Values[0]+" and "+d.Values[1], "steps alternate "+d.Values[0]+" (active) and "+d.Values[1]+" (idle)")
	case intake.FieldDBUser:
		for _, id := range targets {
			f.SecretByID(id).Users.Active = d.Value
		}
		r.add("", "database user "+d.Value, "steps act on user "+d.Value)
	case intake.FieldRoles:
		var verifiers []string
		if d.Value != "" {
			verifiers = strings.Split(d.Value, ", ")
		}
		var said []string
		signers := d.Values
		for _, id := range targets {
			// Only the secret's consumers sign or verify, when the note
			// names any (holdout3 h4: "Key Vault (kv-ll-identity-stg) and
			// auth-service signs" named the vault a signer).
			s := f.SecretByID(id)
			var consumers []string
			for _, c := range s.Consumers {
				consumers = append(consumers, c.Name)
			}
			if len(d.Values) > 0 {
				s.Signers = intake.OnConsumers(d.Values, consumers)
				signers = s.Signers
			}
			if len(verifiers) > 0 {
				s.Verifiers = intake.OnConsumers(strings.Split(d.Value, ", "), consumers)
				verifiers = s.Verifiers
			}
		}
		if len(signers) > 0 {
			said = append(said, "signed by "+andJoin(signers))
		}
		if len(verifiers) > 0 {
			said = append(said, "verified by "+andJoin(verifiers))
		}
		r.add("", strings.Join(said, ", "), "the verifiers accept the new key before the signers switch")
	case intake.FieldChangeTicket:
		// The first ticket the request names (constraints, then notes) is
		// the one the evidence is filed under; another is said, not taken.
		if f.ChangeTicketID == "" || f.ChangeTicketID == d.Value {
			f.ChangeTicketID = d.Value
			r.add(ckApproval, "the change ticket is "+d.Value, "every audit evidence item is filed under change ticket "+d.Value)
			break
		}
		r.add(ckApproval, "also names change ticket "+d.Value, "the audit evidence stays filed under change ticket "+f.ChangeTicketID+", the first the request names; record "+d.Value+" on it if it belongs to this work")
	case intake.FieldMaxDowntime:
		if f.MaxDowntime == "" {
			f.MaxDowntime, f.MaxDowntimeSource, f.MaxDowntimeText = d.Within, a.t.Source, a.t.Text
		}
		r.add("", "at most "+d.Within+" of downtime ("+ofSecretsBare(f, targets)+")",
			"kept with the facts: no consumer may be left without a working credential longer than that; the downtime tolerance is "+string(f.DowntimeTolerance))
	case intake.FieldExposedSince:
		for _, id := range targets {
			// The earliest moment a note gives: "attached on 3 Dec ...
			// spotted today" was exposed since 3 Dec (review17-cold5 row
			// 77). Words no as_of resolved keep the first.
			if s := f.SecretByID(id); s.ExposedSince == "" || intake.EarlierMoment(d.Value, s.ExposedSince) {
				s.ExposedSince = d.Value
			}
		}
		said := ""
		if n := len(d.Evidence); n > 0 && d.Evidence[n-1] != d.Value {
			said = " (" + d.Evidence[n-1] + ")"
		}
		earliest := d.Value
		for _, id := range targets {
			if s := f.SecretByID(id); s != nil && intake.EarlierMoment(s.ExposedSince, earliest) {
				earliest = s.ExposedSince
			}
		}
		if earliest != d.Value {
			// A later moment (when it was found, seen again): the
			// exposure still dates from the earliest.
			r.add("", "a later moment of the exposure: "+d.Value+said,
				"kept as a fact; the exposure "+ofSecrets(f, targets)+"dates from "+earliest+", the earliest the request gives (the investigation looks back to it)")
			break
		}
		r.add("", "dates the exposure: exposed since "+d.Value+said,
			"kept as a fact of the exposure "+ofSecrets(f, targets)+"(the investigation looks back to it); it is no time to work in or keep clear of")
	case intake.FieldKeepCopy:
		for _, id := range targets {
			if s := f.SecretByID(id); s.KeepCopy == "" {
				s.KeepCopy = d.Quote
			}
		}
		r.add("", "keeps the leaked copy until someone has it", "containment makes the copy private; no step deletes, force-pushes, unpublishes or rewrites it before then; no rotation step waits")
	case intake.FieldUnsure:
		a.unsure(d)
	case intake.FieldZone:
		// "All times Pacific." (review17-cold6 P1).
		r.add("", "the time zone of the request's clocks: "+d.Value,
			"every time the request writes without a zone of its own is read in "+d.Value+" (daylight saving on its date); a time with its own zone keeps it")
	case intake.FieldNever:
		if d.Activity == intake.ActivityRelease || d.Activity == intake.ActivityPublish {
			// "No SDK releases until 12 Jan" (review17-cold6 r55).
			r.add("", "a ban on releasing or publishing "+strings.Join(d.Scope.Unmatched, ", "), "no step of this rotation releases or publishes anything: it holds no step and no step waits")
			break
		}
		r.add("", factReading[d.Field], factEffect[d.Field])
	case intake.FieldReport, intake.FieldSchedule, intake.FieldState, intake.FieldTarget, intake.FieldOutOfScope, intake.FieldCheck, intake.FieldNoContact,
		intake.FieldTheirFreeze, intake.FieldAllowance:
		// A time or a "no" alone makes no rule (#17, review17-cold4).
		r.add("", factReading[d.Field], factEffect[d.Field])
	case intake.FieldIdentity:
		r.add("", "says what the credential is ("+strings.Join(d.Evidence, ", ")+")", "read with its name to choose the catalogue entry ("+entriesOf(f, targets)+")")
	case intake.FieldVersion:
		r.add("", "product version: "+d.Value, "the catalogue entry for that version is used ("+entriesOf(f, targets)+")")
	default:
		ph := lex.Placeholder(d.Field)
		if ph == "" {
			r.add("", d.Field+" "+d.Value, "kept with the facts")
			break
		}
		for _, id := range targets {
			s := f.SecretByID(id)
			if s.Values == nil {
				s.Values = map[string]string{}
			}
			s.Values[ph] = d.Value
		}
		r.add("", ph+" is "+d.Value, "steps use "+d.Value+" where they would say "+ph)
	}
}

// factReading and factEffect say what a clause that is no rule was read
// as, and what follows from it.
var (
	factReading = map[string]string{
		intake.FieldReport:      "a report of what happened (its time is a fact)",
		intake.FieldSchedule:    "when a job runs (a fact)",
		intake.FieldState:       "how things are (a fact)",
		intake.FieldTarget:      "a target date (a soft deadline)",
		intake.FieldOutOfScope:  "not part of this change",
		intake.FieldCheck:       "a constraint on the checks",
		intake.FieldNoContact:   "someone nobody contacts",
		intake.FieldNever:       "a ban on what is done to infrastructure no step of this rotation touches",
		intake.FieldTheirFreeze: "another system's freeze, or one that says it is not about this work",
		intake.FieldAllowance:   "an allowance: what may break, and for how long",
	}
	factEffect = map[string]string{
		intake.FieldReport:      "no window, blackout or freeze: it dates a fact for the investigation",
		intake.FieldSchedule:    "no window or blackout: a busy period only where a rule keeps work clear of it",
		intake.FieldState:       "no window or blackout: kept with the facts",
		intake.FieldTarget:      "aimed for, never a blackout; the hard deadline (if any) decides",
		intake.FieldOutOfScope:  "no step does it; no freeze",
		intake.FieldCheck:       "every check is read-only: no check re-runs a pipeline, publishes or deploys; no freeze",
		intake.FieldNoContact:   "no step and no message contacts them; no step waits",
		intake.FieldNever:       "no step does it: no rotation step restarts, fails over, resizes or rebuilds that infrastructure; no step waits",
		intake.FieldTheirFreeze: "binds no step of this rotation: no blackout, no freeze",
		intake.FieldAllowance:   "a tolerance, kept with the facts: no window for every step and no blackout; the plan still keeps the break as short as it can",
	}
)

// exposure compares what a note says about where the value went with the
// secret's exposure: a note that says more than the field is a question.
func (a *applier) exposure(d intake.Directive) {
	s := a.secret()
	if s == nil {
		return
	}
	rank := map[runbook.Exposure]int{runbook.ExposureNone: 0, runbook.ExposureInternal: 1, runbook.ExposureUnknown: 1, runbook.ExposureThirdParty: 2, runbook.ExposurePublic: 3}
	says := map[string]runbook.Exposure{"public": runbook.ExposurePublic, "third_party": runbook.ExposureThirdParty, "insider": runbook.ExposureInternal}[d.Value]
	words := map[string]string{"public": "it was public", "third_party": "a third party received it", "insider": "someone inside could read it"}[d.Value]
	if rank[s.Exposure] >= rank[says] {
		effect := "agrees with its exposure (" + string(s.Exposure) + ")"
		if f := a.f; f.Trigger == runbook.TriggerOffboarding && d.Value == "insider" {
			effect = "the departing person could read it: its old value dies by the deadline"
		}
		a.r.add("", "the notes say "+words, effect)
		return
	}
	id := a.f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
		Question: fmt.Sprintf("The notes of %s say %s (%q), but its exposure is %s: should it be treated as %s? rotor plans with the exposure field until you answer.", s.Name, words, d.Quote, s.Exposure, says),
		Blocks:   []string{s.ID}})
	a.r.add("", "the notes say "+words+", more than its exposure ("+string(s.Exposure)+")", "raised as open item "+id)
}

func toolName(tool string) string {
	return map[string]string{intake.ToolTerraform: "Terraform", intake.ToolAnsible: "Ansible", intake.ToolGitOps: "the GitOps repository (Argo CD)"}[tool]
}

// switchLead applies a third party's lead time to move to a new credential
// ("Our carriers need 5 business days to switch to a new key"). Planned
// work keeps the old credential valid that long after they get the new one:
// its revoke waits for an open item that dates the earliest revoke and asks
// who confirms the switch. An exposed credential cannot wait: it is killed
// at once, and an open item asks who decides how the third parties are
// warned through their outage; it holds nothing.
func (a *applier) switchLead(d intake.Directive, targets []string) {
	f, r := a.f, a.r
	lead := Duty{Within: d.Within, Lead: d.Field}
	var planned, exposed, plannedNames, exposedNames []string
	for _, id := range targets {
		s := f.SecretByID(id)
		if s == nil {
			continue
		}
		if s.Exposed {
			exposed, exposedNames = append(exposed, id), append(exposedNames, s.Name)
		} else {
			planned, plannedNames = append(planned, id), append(plannedNames, s.Name)
		}
	}
	calendar := ""
	if d.Field == intake.FieldSwitchLeadBusinessDays {
		calendar = " Business days are counted Monday to Friday with no public holidays: say which holiday calendar applies if one does."
	}
	var items []string
	if len(planned) > 0 {
		when := "at least " + lead.LeadText() + " after they get it"
		if !f.readAsOf.IsZero() {
			at := f.readAsOf.Truncate(time.Minute)
			when = fmt.Sprintf("until at least %s, %s from now", runbook.FormatMoment(lead.LeadEnd(at), "UTC"), lead.LeadText())
		}
		blocks := []string{}
		for _, id := range planned {
			blocks = append(blocks, killMark+id)
		}
		id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
			Question: fmt.Sprintf("The old %s must keep working while %s switch: they need %s.%s Who tells %s the new value is live, and confirms they have all switched before the revoke, which waits %s?",
				andJoin(plannedNames), d.Value, lead.LeadText(), calendar, d.Value, when),
			Blocks: blocks})
		items = append(items, id)
	}
	if len(exposed) > 0 {
		id := f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
			Question: fmt.Sprintf("%s need %s to switch, but the exposed %s cannot wait %s: it is killed now, and any of %s still using it fail until they switch. Who decides how %s are warned and helped through that outage (the security lead with the owner)?",
				d.Value, lead.LeadText(), andJoin(exposedNames), lead.LeadText(), d.Value, d.Value),
			Blocks: []string{}})
		items = append(items, id)
	}
	r.add(ckDuty, fmt.Sprintf("%s need %s to switch to a new credential", d.Value, lead.LeadText()),
		"a planned revoke waits at least that long after they get the new value; an exposed credential is still killed at once (open item "+strings.Join(items, ", ")+")")
}

// overlapMin applies how long the old credential must keep working after
// the new one is live ("The previous secret must stay valid for at least 48
// hours after the new one is live"). A planned secret's revoke waits for an
// open item that dates the earliest revoke; a secret whose provider's own
// rotation ends the old value (one credential at a time, or a rotation that
// expires it by itself) is a conflict, raised and holding its first change;
// an exposed secret is killed at once, and an item asks who handles what
// still needs it.
func (a *applier) overlapMin(d intake.Directive, targets []string) {
	f, r := a.f, a.r
	field := intake.FieldSwitchLead
	if d.Field == intake.FieldBusinessDays {
		field = intake.FieldSwitchLeadBusinessDays
	}
	lead := Duty{Within: d.Within, Lead: field}
	long := lead.LeadText()
	if dur, err := time.ParseDuration(d.Within); err == nil && field == intake.FieldSwitchLead && dur < 72*time.Hour {
		long = fmt.Sprintf("%d hours", int(dur.Hours())) // "48 hours", as requests say it
	}
	var items, planned, names []string
	for _, id := range targets {
		s := f.SecretByID(id)
		if s == nil {
			continue
		}
		switch e := s.Entry; {
		case s.Exposed:
			items = append(items, f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
				Question: fmt.Sprintf("The old %s should stay valid %s after the new one is live, but it is exposed and is killed now. Who finds what still needs it and helps it through the gap (the security lead with the owner)?", s.Name, long),
				Blocks:   []string{}}))
		case e != nil && (!e.Strategy.HasOverlap() || e.SelfInvalidates):
			items = append(items, f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
				Question: fmt.Sprintf("Can the old %s stay valid %s after the new one is live, though %s's own rotation ends the old value by itself (%s), or does that minimum give way? A longer expiry or a second credential would keep it.", s.Name, long, s.ProviderName, e.Overlap),
				Blocks:   []string{s.ID}}))
		default:
			planned, names = append(planned, id), append(names, s.Name)
		}
	}
	if len(planned) > 0 {
		when := "at least " + long + " after the new one is live"
		if !f.readAsOf.IsZero() {
			at := f.readAsOf.Truncate(time.Minute)
			when = fmt.Sprintf("until at least %s, %s from now, later as the new one goes live later", runbook.FormatMoment(lead.LeadEnd(at), "UTC"), long)
		}
		blocks := []string{}
		for _, id := range planned {
			blocks = append(blocks, killMark+id)
		}
		items = append(items, f.Raise(runbook.OpenItem{Source: a.t.Source, Text: d.Quote,
			Question: fmt.Sprintf("The old %s must stay valid %s after the new one is live. Who confirms the new one has been live that long, and nothing still uses the old one, before the revoke, which waits %s?", andJoin(names), long, when),
			Blocks:   blocks}))
	}
	r.add(ckDuty, fmt.Sprintf("the old credential stays valid %s after the new one is live", long),
		"a planned revoke waits that long; a provider rotation that ends the old value sooner is raised; an exposed credential is still killed at once (open item "+strings.Join(items, ", ")+")")
}

// dutyWho is whom a duty is owed to, in words.
func dutyWho(d Duty) string {
	if d.Who != "" {
		return d.Who
	}
	return partyName(d.Party)
}

func partyName(party string) string {
	return map[string]string{intake.PartyCustomer: "customers", intake.PartyRegulator: "the regulator", intake.PartyFinance: "Finance"}[party]
}

// changePathEffect says what a change path does to the steps.
func changePathEffect(f *Facts, tool string, all bool, targets []string) string {
	whose := "every secret's"
	if !all {
		whose = ofSecretsBare(f, targets) + "'s"
	}
	switch tool {
	case intake.ToolTerraform:
		return "create and store steps of " + whose + " are a Terraform change: `terraform plan` reviewed by a second person before `terraform apply`; console and CLI alternatives are dropped (the next apply would revert them)"
	case intake.ToolAnsible:
		return "store and deploy steps of " + whose + " are an Ansible play run with `serial` batches; no host is changed by hand"
	case intake.ToolGitOps:
		ids := targets
		if all {
			ids = nil
			for _, s := range f.Secrets {
				ids = append(ids, s.ID)
			}
		}
		inRepo := false
		for _, id := range ids {
			if s := f.SecretByID(id); s != nil && InRepoStore(s.Store) {
				inRepo = true
			}
		}
		if !inRepo {
			return "deploy steps of " + whose + " are a commit to the GitOps repository that Argo CD syncs (the reference or version the cluster reads); the new value is still written to its store first, which Argo CD does not manage; no kubectl change by hand (the sync would revert it)"
		}
		return "store and deploy steps of " + whose + " are a commit to the GitOps repository that Argo CD syncs; no kubectl change by hand (the sync would revert it)"
	}
	return ""
}

// kvCLIPath is the path the vault kv commands take for a KV v2 API path
// ("secret/data/a/b" is "secret/a/b"), and whether it was one.
func kvCLIPath(path string) (string, bool) {
	mount, rest, ok := strings.Cut(path, "/")
	if !ok {
		return path, false
	}
	if after, ok := strings.CutPrefix(rest, "data/"); ok && after != "" {
		return mount + "/" + after, true
	}
	return path, false
}

// InRepoStore reports a store whose values live in the cluster's manifests
// (Kubernetes Secrets, environment variables): under GitOps their store step
// is the commit too; an external store (Vault, a cloud secret manager) keeps
// its own write.
func InRepoStore(store runbook.SecretStore) bool {
	return store == runbook.StoreKubernetesSecrets || store == runbook.StoreEnvVars
}

func ofSecretsBare(f *Facts, ids []string) string {
	var names []string
	for _, id := range ids {
		names = append(names, f.SecretByID(id).Name)
	}
	return andJoin(names)
}

func entriesOf(f *Facts, ids []string) string {
	var out []string
	for _, id := range ids {
		out = appendOnce(out, f.SecretByID(id).Rule)
	}
	return strings.Join(out, ", ")
}

func namesEnv(path, env string) bool {
	l := strings.ToLower(path)
	return strings.Contains(l, env) || (env == "production" && strings.Contains(l, "prod")) || (env == "staging" && strings.Contains(l, "stag"))
}

func namesAnyEnv(path string, envs []string) bool {
	for _, e := range envs {
		if namesEnv(path, e) {
			return true
		}
	}
	return false
}

// placeWindows cuts each window around the blackouts that apply to its
// secrets, gives it an id and assigns it to the secrets that may use it. An
// exposed credential does not wait for a window.
func placeWindows(f *Facts, pending []pendingWindow) {
	for _, p := range pending {
		w := p.win
		targets := w.SecretIDs
		if len(targets) == 0 {
			for _, s := range f.Secrets {
				targets = append(targets, s.ID)
			}
		}
		var blackouts []runbook.TimeWindow
		var cutBy []string
		for _, b := range f.Schedule.Blackouts {
			if runbook.ScopesMeet(b.SecretIDs, targets) {
				blackouts = append(blackouts, b)
				if schedule.Overlaps(w, b) {
					cutBy = append(cutBy, b.ID)
				}
			}
		}
		cut, changed, ok := schedule.CutWindow(w, blackouts)
		var effects []string
		if !ok {
			effects = append(effects, fmt.Sprintf("not used: it lies inside blackout %s", strings.Join(cutBy, ", ")))
			appendEffect(f, p.considered, effects)
			continue
		}
		cut.ID = fmt.Sprintf("w%d", len(f.Schedule.Windows)+1)
		if changed {
			effects = append(effects, fmt.Sprintf("cut around blackout %s to %s", strings.Join(cutBy, ", "), cut.Label()))
		}
		var uses, exposed, taken []string
		for _, id := range targets {
			s := f.SecretByID(id)
			switch {
			case s.Exposed:
				exposed = append(exposed, s.Name)
			case s.Window != "":
				taken = append(taken, s.Name)
			default:
				s.Window, s.WindowOnly = cut.ID, p.only
				uses = append(uses, s.Name)
			}
		}
		if len(uses) > 0 {
			cut.SecretIDs = w.SecretIDs
			f.Schedule.Windows = append(f.Schedule.Windows, cut)
			what := "production changes"
			if p.only {
				what = "every production step"
			}
			effects = append(effects, fmt.Sprintf("%s of %s run%s in %s (%s)", what, andJoin(uses), map[bool]string{true: "s", false: ""}[p.only], cut.ID, cut.Label()))
			if p.onlySaid {
				askLowerEnvironments(f, p, cut, uses)
			}
			for _, b := range blackouts {
				if (b.Dated() || len(b.DaysOfMonth) > 0) && !cut.Dated() {
					effects = append(effects, fmt.Sprintf("not on the dates of blackout %s (%s)", b.ID, b.Label()))
				}
			}
		}
		if len(exposed) > 0 {
			effects = append(effects, fmt.Sprintf("not waited for by %s: an exposed credential is replaced and killed now", andJoin(exposed)))
		}
		if len(taken) > 0 {
			effects = append(effects, fmt.Sprintf("%s already run in an earlier window; %s is another opening for the same work", andJoin(taken), cut.ID))
			if len(uses) == 0 {
				cut.SecretIDs = w.SecretIDs
				f.Schedule.Windows = append(f.Schedule.Windows, cut)
			}
		}
		appendEffect(f, p.considered, effects)
	}
}

// askLowerEnvironments raises an "only" window that names no environment
// while its secrets run through lower ones too: rotor binds the production
// steps only, a reading the requester confirms (review17 "Rotate databases
// Tuesday 02:00-04:00 UTC only").
func askLowerEnvironments(f *Facts, p pendingWindow, w runbook.TimeWindow, uses []string) {
	if p.considered < 0 || p.considered > len(f.Considered) {
		return
	}
	var lower []string
	for _, s := range f.Secrets {
		if s.Window != w.ID {
			continue
		}
		for _, env := range s.Environments {
			if !runbook.IsProduction(env) {
				lower = appendOnce(lower, env)
			}
		}
	}
	if len(lower) == 0 || namesAnyEnv(p.win.Note, lower) || namesEnv(p.win.Note, "production") {
		return
	}
	source := ""
	if p.considered < len(f.Considered) {
		source = f.Considered[p.considered].Source
	} else if p.win.Source != "" {
		source = p.win.Source
	}
	f.Raise(runbook.OpenItem{Source: source, Text: p.win.Note,
		Question: fmt.Sprintf("Does %s bind the %s steps of %s too? rotor runs only their production steps in it (the text names no environment); the %s steps run at any time until you answer.",
			w.ID, strings.Join(lower, " and "), andJoin(uses), strings.Join(lower, " and ")),
		Blocks: []string{}})
}

func appendEffect(f *Facts, i int, effects []string) {
	if i < 0 || i >= len(f.Considered) || len(effects) == 0 {
		return
	}
	c := &f.Considered[i]
	if c.Effect != "" {
		c.Effect += "; "
	}
	c.Effect += strings.Join(effects, "; ")
}

// exposedNote says which exposed credentials a blackout does not hold back:
// a leaked credential is replaced and killed now, under the incident's
// exception.
func exposedNote(f *Facts, scope []string) string {
	var names []string
	for _, s := range f.LeakedIn(scope) {
		names = append(names, s.Name)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "; the exposed " + names[0] + " does not wait for it: it is replaced and killed now, an exception recorded on the incident ticket"
	}
	return "; the exposed " + andJoin(names) + " do not wait for it: they are replaced and killed now, an exception recorded on the incident ticket"
}

func ofSecrets(f *Facts, ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	var names []string
	for _, id := range ids {
		names = append(names, f.SecretByID(id).Name)
	}
	return "of " + andJoin(names) + " "
}

func andJoin(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// markLegacy marks the consumers a legacy note names (all of the secret's
// when it names none) as reading the value only at start-up.
func markLegacy(f *Facts, targets, consumers []string, text string) {
	for _, id := range targets {
		s := f.SecretByID(id)
		s.Legacy = true
		if s.LegacyNote == "" {
			s.LegacyNote = text
		}
		named := false
		for i := range s.Consumers {
			if runbook.OneOf(consumers, s.Consumers[i].Name) {
				s.Consumers[i].Legacy = true
				named = true
			}
		}
		if !named {
			for i := range s.Consumers {
				s.Consumers[i].Legacy = true
			}
		}
	}
}

// forConsumers applies set to every consumer of the target secrets that the
// text named, and returns their names.
func forConsumers(f *Facts, targets, consumers []string, set func(*Consumer)) []string {
	var named []string
	for _, id := range targets {
		s := f.SecretByID(id)
		for i := range s.Consumers {
			if runbook.OneOf(consumers, s.Consumers[i].Name) {
				set(&s.Consumers[i])
				named = appendOnce(named, s.Consumers[i].Name)
			}
		}
	}
	return named
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func itsTheir(n int) string {
	if n == 1 {
		return "its"
	}
	return "their"
}

// allServices reports whether every name is a service of the request.
func allServices(f *Facts, names []string) bool {
	for _, n := range names {
		if !slices.ContainsFunc(f.Services, func(s Service) bool { return strings.EqualFold(s.Name, n) }) {
			return false
		}
	}
	return len(names) > 0
}
