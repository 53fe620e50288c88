package writer

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// startTime is the start the messages announce, dated whenever the
// schedule knows the date: the window every secret shares (with its next
// opening), when work may start (as of the request), "now" in an incident,
// or a placeholder the operator fills. A planned offboarding is work with a
// deadline, not an incident: it starts at a time, before the deadline.
func startTime(f *planner.Facts) string {
	window := startWindow(f)
	if l := f.Schedule.Label(window); l != "" && !strings.HasPrefix(l, "by ") {
		return l
	}
	// An incident starts now; planned work starts when the request says
	// (its as_of), never at the moment the runbook happened to be written.
	var at string
	if f.Compromised() || f.StartGiven {
		if ws := f.Schedule.WorkStarts; ws != nil && ws.Label != "" {
			at = ws.Label
		} else if t, err := time.Parse(time.RFC3339, f.Schedule.AsOf); err == nil {
			at = runbook.FormatMoment(t, "UTC")
		}
	}
	switch {
	case f.Compromised() && at != "":
		return "now (" + at + ")"
	case f.Compromised():
		return "now (incident response)"
	case at != "":
		return at
	}
	start := "<start time, UTC>"
	if l := f.Schedule.Window(window); l != "" {
		start += ", " + l
	}
	return start
}

func supportFrom(f *planner.Facts, start string) string {
	if f.Compromised() {
		return "From now"
	}
	return "From " + start
}

func hasFreeze(f *planner.Facts) bool {
	for _, st := range f.Steps {
		if st.Phase == runbook.PhaseFreeze {
			return true
		}
	}
	return false
}

// startWindow is the window (or deadline) the whole rotation starts in: the
// one every secret shares, when the plan's first step runs in it. A window
// that holds only the production changes, after a deploy freeze or the
// lower environments' steps, is not the start (review: "starts at Tue
// 02:00-04:00 UTC" while the freeze and staging ran before it).
func startWindow(f *planner.Facts) string {
	window := f.Secrets[0].Window
	for _, s := range f.Secrets {
		if s.Window != window {
			return ""
		}
	}
	// A window holds production changes: a first step that is a freeze,
	// or one of a lower environment, runs before it.
	if first := f.Steps; len(first) > 0 && strings.HasPrefix(window, "w") &&
		(first[0].Phase == runbook.PhaseFreeze || !runbook.IsProduction(first[0].Environment)) {
		return ""
	}
	return window
}

// windowNote names the production changes that wait for a window, when the
// start is not that window.
func windowNote(f *planner.Facts) string {
	var notes []string
	if f.Schedule.Label(startWindow(f)) != "" {
		return "" // the start time is the window
	}
	var windows []string
	names := map[string][]string{}
	for _, s := range f.Secrets {
		if windowLabel(f, s.Window) == "" {
			continue
		}
		if names[s.Window] == nil {
			windows = append(windows, s.Window)
		}
		names[s.Window] = append(names[s.Window], s.Name)
	}
	for _, w := range windows {
		notes = append(notes, fmt.Sprintf("The production changes of %s run in window %s.", andList(names[w]), windowLabel(f, w)))
	}
	for _, b := range f.Schedule.Blackouts {
		notes = append(notes, blackoutNote(f, b))
	}
	return strings.Join(notes, " ")
}

// blackoutNote says what a blackout holds back: the production steps of
// the secrets it names (every secret when it names none), except the kill
// and replacement of an exposed one, which do not wait (as the checklist
// says).
func blackoutNote(f *planner.Facts, b runbook.TimeWindow) string {
	line := fmt.Sprintf("Nothing runs in production during blackout %s (%s)", b.ID, b.Label())
	switch {
	case b.Activity != "":
		line = fmt.Sprintf("No %s runs during blackout %s (%s)", b.Holds(), b.ID, b.Label())
	case b.AllEnvironments && len(b.SecretIDs) == 0:
		line = fmt.Sprintf("Nothing runs in any environment, staging included, during blackout %s (%s)", b.ID, b.Label())
	}
	if len(b.SecretIDs) > 0 && b.Activity == "" {
		var names []string
		for _, s := range f.Secrets {
			if b.Covers(s.ID) {
				names = append(names, s.Name)
			}
		}
		line = fmt.Sprintf("No %s of %s runs during blackout %s (%s)", b.Holds(), andList(names), b.ID, b.Label())
	}
	var exposed []string
	for _, s := range f.LeakedIn(b.SecretIDs) {
		exposed = append(exposed, s.Name)
	}
	if len(exposed) > 0 {
		line += ", except the kill and replacement of the exposed " + andList(exposed)
	}
	return line + "."
}

func secretNames(f *planner.Facts) string {
	names := make([]string, len(f.Secrets))
	for i, s := range f.Secrets {
		names[i] = s.Name
	}
	return andList(names)
}

// expectedImpact says what users may notice.
func expectedImpact(f *planner.Facts) string {
	var outage []string
	for _, s := range f.Secrets {
		if !s.Strategy.HasOverlap() {
			outage = append(outage, s.Name)
		}
	}
	if len(outage) == 0 {
		return "none (old and new credentials overlap)"
	}
	if len(outage) == len(f.Secrets) {
		return "brief errors on each consumer until it is redeployed"
	}
	return "brief errors on the consumers of " + andList(outage) + " until they are redeployed"
}

// customerImpact says what customers may notice, for support: the services
// that may fail, not the credentials behind them.
func customerImpact(f *planner.Facts) string {
	var services []string
	for _, s := range f.Secrets {
		if s.Strategy.HasOverlap() {
			continue
		}
		for _, c := range s.Consumers {
			if !runbook.OneOf(services, c.Name) {
				services = append(services, c.Name)
			}
		}
	}
	switch {
	case len(services) > 0:
		return "short failures of " + andList(services) + " around each redeploy"
	case strings.HasPrefix(expectedImpact(f), "none"):
		return "nothing"
	}
	return "short failures around each redeploy"
}

func contacts(f *planner.Facts) string {
	var owners []string
	for _, s := range f.Secrets {
		if !runbook.OneOf(owners, s.Owner) {
			owners = append(owners, s.Owner)
		}
	}
	return andList(owners) + " (owners), " + andList(f.Approvers) + " (approval)"
}

// defaultChannel is where a message rotor adds of its own (support's
// heads-up, leadership's summary) goes: the channels the request names for
// its comms when it names any ("War room is #inc-2291-storefront"), never
// a channel or list the request never named (review17-cold6 P12:
// "#support-escalations", "leadership (email)"); else rotor's default.
func defaultChannel(f *planner.Facts, def string) string {
	if len(f.Told().Channels) > 0 {
		return channel(f)
	}
	return def
}

// InternalComms writes section 7, internal communication, from the facts.
func InternalComms(f *planner.Facts) *runbook.InternalComms {
	ch := channel(f)
	start := startTime(f)
	impact := expectedImpact(f)
	subject := fmt.Sprintf("Secret rotation for %s starts at %s", f.System, start)
	if f.Compromised() {
		subject = fmt.Sprintf("Security incident: exposed credentials of %s are being revoked and replaced", f.System)
	}
	watch := "Watch " + ch + " and consumer alerts for " + signals(f) + "."
	messages := []runbook.Message{
		{Audience: runbook.AudienceEngineering, Channel: ch, Subject: subject,
			Body: strings.Join(strings.Fields(fmt.Sprintf("Rotation of %s (%s) from %s. %s Expected impact: %s. %s %s%s Contact: %s.",
				secretNames(f), f.Trigger, start, windowNote(f), impact, watch, freezeNote(f), neverContact(f), contacts(f))), " "),
			SendWhen: sendWhen(f)},
		{Audience: runbook.AudienceSupport, Channel: defaultChannel(f, "#support-escalations"), Subject: "Heads-up: " + subject,
			Body: fmt.Sprintf("%s until the all-clear in %s we rotate credentials of %s. Customers may notice: %s. Escalate customer reports of failed logins, emails, webhooks or payments in %s with times and examples; never ask a customer for a key or password.",
				supportFrom(f, start), ch, f.System, customerImpact(f), ch),
			SendWhen: "before the start; all-clear after the last check"},
	}
	if !f.Routine {
		// Leadership hears of what carries risk, not of a routine key.
		messages = append(messages, runbook.Message{Audience: runbook.AudienceLeadership, Channel: defaultChannel(f, "email"),
			Subject: fmt.Sprintf("%s: %s credential rotation", f.System, f.Trigger),
			Body: fmt.Sprintf("Why: %s. What: %d secret(s); top priority %s, top rotation risk %s. Customer impact: %s. %s; evidence for %s. Next update: when production is verified.",
				triggerWhy(f), len(f.Secrets), topPriority(f), topRisk(f), impact, approvalNote(f), frameworks(f)),
			SendWhen: "at the start and when production is verified"})
	}
	messages = append(messages, dutyMessages(f, intake.PartyTeam)...)
	messages = append(messages, dutyMessages(f, intake.PartyRegulator)...)
	messages = append(messages, dutyMessages(f, intake.PartyFinance)...)
	return &runbook.InternalComms{Messages: messages}
}

// neverContact is what the request forbids in comms (review17-cold4 P6,
// major 50: "Don't contact Ravi or his staffing agency" is a rule for
// messages, never a hold on steps), and who decides on customer notices.
func neverContact(f *planner.Facts) string {
	var out []string
	for _, q := range f.Told().NeverContact {
		out = append(out, "Never: "+strings.TrimSuffix(q, ".")+".")
	}
	if q := f.Told().NoCustomerContact; q != "" {
		line := "Engineers do not contact customers (" + strings.TrimSuffix(q, ".") + ")"
		if f.Told().Decider != "" {
			line += "; findings that customer data could have been read go to " + f.Told().Decider + ", who decides on any notice"
		}
		out = append(out, line+".")
	} else if len(f.Told().Decisions) > 0 {
		// "Breach notification (patients, HHS) is her call only": a
		// decision, never a notice engineers send.
		line := "Engineers send no notice (" + strings.TrimSuffix(strings.Join(f.Told().Decisions, "; "), ".") + ")"
		if f.Told().Decider != "" {
			line += "; the findings on what could have been read go to " + f.Told().Decider + ", who decides"
		}
		out = append(out, line+".")
	}
	if len(out) == 0 {
		return ""
	}
	return " " + strings.Join(out, " ")
}

// approvalNote says who approves, in a message sent at the start: a plan
// that contains is approved after the fact, so nothing is "approved" yet
// then; an approver rotor assumed is said to be assumed.
func approvalNote(f *planner.Facts) string {
	// A go the request demands before named steps is asked now, never
	// after the fact (review17-cold5 P5).
	var gone, gated []string
	for _, g := range f.Gates {
		if len(g.Steps) > 0 && !runbook.OneOf(gated, g.Who) {
			gated = append(gated, g.Who)
			if g.Inform {
				gone = append(gone, fmt.Sprintf("%s is informed before %s (told now)", g.Who, gateSteps(g)))
				continue
			}
			gone = append(gone, fmt.Sprintf("%s says go before %s (asked now)", g.Who, gateSteps(g)))
		}
	}
	var rest []string
	for _, a := range f.Approvers {
		if !runbook.OneOf(gated, a) {
			rest = append(rest, a)
		}
	}
	if len(gone) > 0 {
		note := "Go: " + strings.Join(gone, "; ")
		if len(rest) == 0 {
			return note
		}
		if f.Contains() {
			return fmt.Sprintf("%s. Approval: %s, after the fact (%s for it)", note, andList(rest), neverWaiting(f))
		}
		return note + ". Approved by " + andList(rest)
	}
	who := andList(f.Approvers)
	for _, a := range f.Assumptions {
		if strings.HasPrefix(a, "no approver named") {
			who += " (assumed: the request names no approver)"
		}
	}
	if f.Contains() {
		return fmt.Sprintf("Approval: %s, after the fact (%s for it)", who, neverWaiting(f))
	}
	return "Approved by " + who
}

// sendWhen is when engineering hears about the rotation: a day ahead only
// when the rotation carries risk.
func sendWhen(f *planner.Facts) string {
	if len(f.Told().Channels) > 0 && f.Told().Channels[0].When != "" {
		// The request's cadence ("Status in #inc every 30 min", "the day
		// before each production step").
		when := f.Told().Channels[0].When
		if f.Compromised() {
			return "at once, then " + when
		}
		return when + ", and at the start"
	}
	switch {
	case f.Compromised() || f.Trigger == runbook.TriggerOffboarding:
		return "at once, then at each track's end"
	case f.EngineeringNotice() == 0:
		return "at the start"
	}
	// The planner books no window opening before this notice.
	return fmt.Sprintf("%d h before, and at the start", int(f.EngineeringNotice().Hours()))
}

// freezeNote says what the deploys may do: rotor's own deploy freeze, the
// request's release freezes, or what goes out at once. It names
// containment only where the plan contains, and exposed credentials only
// where one is exposed.
func freezeNote(f *planner.Facts) string {
	if hasFreeze(f) {
		return "Deploy freeze until the last step."
	}
	contained := false
	for _, st := range f.Steps {
		contained = contained || st.Phase == runbook.PhaseContain
	}
	var now []string
	if contained {
		now = append(now, "containment")
	}
	if len(f.LeakedIn(nil)) > 0 {
		now = append(now, "the exposed credentials' replacements")
	}
	goes := func(items []string) string {
		if len(items) == 1 && items[0] == "containment" {
			return "containment goes"
		}
		return andList(items) + " go"
	}
	var notes []string
	for _, z := range f.Schedule.Freezes {
		until := ""
		if z.Until != "" {
			until = " until " + z.Until
		}
		scope := ""
		if len(z.SecretIDs) > 0 {
			scope = " for " + andList(z.SecretIDs)
		}
		notes = append(notes, fmt.Sprintf("Freeze %s%s%s: no %s pipeline runs, not even as a check; new values are proven with dry runs and read-only calls.", z.ID, until, scope, orList(z.Forbids)))
	}
	switch {
	case len(notes) > 0 && len(now) > 0:
		notes = append(notes, upperFirst(goes(now))+" out as soon as ready, outside those pipelines.")
	case len(notes) > 0:
	case len(f.Schedule.Blackouts) == 0 && contained:
		notes = append(notes, "No deploy freeze: containment and replacement deploys go out as soon as they are ready.")
	case len(f.Schedule.Blackouts) == 0:
		notes = append(notes, "No deploy freeze: replacement deploys go out as soon as they are ready.")
	case len(now) > 0:
		notes = append(notes, "No deploy freeze: "+goes(now)+" out as soon as ready; the other deploys keep out of the blackouts.")
	default:
		notes = append(notes, "No deploy freeze: replacement deploys keep out of the blackouts.")
	}
	return strings.Join(notes, " ")
}

func trackOrder(f *planner.Facts) string {
	names := make([]string, len(f.Tracks))
	for i, t := range f.Tracks {
		names[i] = t.Name
	}
	return strings.Join(names, ", then ")
}

func triggerWhy(f *planner.Facts) string {
	switch f.Trigger {
	case runbook.TriggerConfirmedLeak:
		return "credentials were confirmed exposed"
	case runbook.TriggerSuspectedLeak:
		return "credentials may have been exposed"
	case runbook.TriggerOffboarding:
		return "a person with access to these credentials is leaving"
	case runbook.TriggerVendorChange:
		return "a vendor change or vendor incident affects these credentials"
	case runbook.TriggerCompliance:
		return "a compliance requirement"
	}
	return "scheduled rotation"
}

func topPriority(f *planner.Facts) runbook.Priority {
	best := runbook.P3
	for _, s := range f.Secrets {
		if s.Urgency.Priority < best {
			best = s.Urgency.Priority
		}
	}
	return best
}

func topRisk(f *planner.Facts) runbook.Level {
	best := runbook.LevelLow
	for _, s := range f.Secrets {
		if s.RotationRisk.Level == runbook.LevelHigh {
			return runbook.LevelHigh
		}
		if s.RotationRisk.Level == runbook.LevelMedium {
			best = runbook.LevelMedium
		}
	}
	return best
}

func frameworks(f *planner.Facts) string {
	var names []string
	for _, c := range f.Controls {
		if !runbook.OneOf(names, c.Framework) {
			names = append(names, c.Framework)
		}
	}
	return andList(names)
}

// ExternalComms writes section 8, customer and vendor communication, from the facts.
func ExternalComms(f *planner.Facts) *runbook.ExternalComms {
	ec := &runbook.ExternalComms{Applicable: f.ExternalComms.Applicable, Reason: f.ExternalComms.Reason, Messages: []runbook.Message{}}
	for _, a := range f.ExternalComms.Audiences {
		switch a {
		case runbook.AudienceVendor:
			if f.Trigger == runbook.TriggerVendorChange && f.VendorIncident() {
				ec.Messages = append(ec.Messages, outsideRoute(f, vendorChangeMessage(f)))
			}
			// Only those who must act: a partner trusting a certificate.
			// A provider is never asked to confirm a revocation its own
			// console and logs show us.
			for i := range f.Secrets {
				if s := &f.Secrets[i]; s.Kind == runbook.KindTLSPrivateKey && s.Compromise == planner.CompromiseNone {
					ec.Messages = append(ec.Messages, partnerMessage(f, s))
				}
				if s := &f.Secrets[i]; s.Entry != nil && s.Entry.PartnerSigns && s.HeldOutside && s.Compromise == planner.CompromiseNone {
					ec.Messages = append(ec.Messages, webhookPartnerMessage(f, s))
				}
			}
			if held := heldOutside(f); len(held) > 0 {
				ec.Messages = append(ec.Messages, holderMessage(f, held))
			}
		case runbook.AudienceCustomer:
			ec.Messages = append(ec.Messages, runbook.Message{Audience: runbook.AudienceCustomer, Channel: "status page and account-owner email",
				Subject: fmt.Sprintf("%s: credential rotation", f.System),
				Body: fmt.Sprintf("We are rotating credentials used by %s as part of our security practice. Expected impact: %s. You do not need to do anything unless we contact you directly. We will never ask you for a password or key. Questions: reply to this message or contact support.",
					f.System, expectedImpact(f)),
				SendWhen: "before the production steps, once the security lead approves the wording"})
		}
	}
	for i := range f.Secrets {
		if s := &f.Secrets[i]; len(s.Partners) > 0 {
			ec.Messages = append(ec.Messages, outsidePartnerMessage(f, s))
		}
	}
	ec.Messages = append(ec.Messages, dutyMessages(f, intake.PartyCustomer)...)
	if !ec.Applicable && f.Told().NoCustomerContact == "" {
		ec.Messages = append(ec.Messages, runbook.Message{Audience: runbook.AudienceCustomer, Channel: "status page",
			Subject:  fmt.Sprintf("%s: degraded service", f.System),
			Body:     fmt.Sprintf("Some %s requests failed between <start> and <end> UTC during maintenance; it is resolved. Contact support if errors persist.", f.System),
			SendWhen: "only if customers saw errors during the rotation (standby template)"})
	}
	return ec
}

// outsidePartnerMessage tells a party outside the company that uses one of
// our credentials on their side (Banco Aurora verifies our JWTs) of the
// change it must follow, the request's way ("anything for them goes
// through partner success (Rafaela Costa)"), before the new credential is
// published and again before we switch to it (review17-cold6 X7).
func outsidePartnerMessage(f *planner.Facts, s *planner.Secret) runbook.Message {
	var first, switched []int
	for _, st := range f.Steps {
		if st.SecretID != s.ID || !runbook.IsProduction(st.Environment) {
			continue
		}
		switch st.Phase {
		case runbook.PhaseStore, runbook.PhaseDeploy:
			if len(first) == 0 {
				first = append(first, st.Order)
			}
		case runbook.PhaseSwitch:
			switched = append(switched, st.Order)
		case runbook.PhaseRevoke:
			if len(switched) == 0 {
				switched = append(switched, st.Order)
			}
		}
	}
	who := andList(s.Partners)
	when := "before the production steps"
	if len(first) > 0 {
		when = "before " + stepRefs(first) + " (the new one is published)"
	}
	if len(switched) > 0 {
		when += " and again before " + stepRefs(switched) + " (the switch)"
	}
	return outsideRoute(f, runbook.Message{Audience: runbook.AudienceVendor, Channel: "to " + who + ", by the route the request names",
		Subject: fmt.Sprintf("%s: %s changes on our side", f.System, s.Name),
		Body: fmt.Sprintf("%s uses %s on their side; it is their system, not ours: we neither freeze nor redeploy it. We will publish a new one alongside the old, then switch to it. Please make sure you accept the new one before the switch and tell us what you see. Contact: %s.",
			who, s.Name, s.Owner),
		SendWhen: when})
}

// vendorChangeMessage asks the vendor behind a vendor change or incident for
// what the runbook cannot know: scope and window.
func vendorChangeMessage(f *planner.Facts) runbook.Message {
	return runbook.Message{Audience: runbook.AudienceVendor, Channel: "the vendor's security contact or support case",
		Subject: fmt.Sprintf("%s: scope of the incident for our account", f.System),
		Body: fmt.Sprintf("We are rotating every credential of %s that your service held (%d in all). Please confirm which of our projects and secrets were in scope, the exposure window (first and last access, UTC), and any access logs you can share for our account. Contact: %s.",
			f.System, len(f.Secrets), andList(f.Approvers)),
		SendWhen: "at once, in parallel with containment; the answer may widen the scope"}
}

// holderMessage asks the third party that received a credential to delete
// every copy; the credential is killed whatever they answer.
func holderMessage(f *planner.Facts, held []*planner.Secret) runbook.Message {
	var names, owners, ids []string
	for _, s := range held {
		names, ids = append(names, s.Name), append(ids, s.ID)
		if !runbook.OneOf(owners, s.Owner) {
			owners = append(owners, s.Owner)
		}
	}
	what := "a credential of ours"
	if len(held) > 1 {
		what = "credentials of ours"
	}
	if f.Told().HolderTo != "" {
		// "tell Jonas Ek at Pixelforge that they're dead. Don't send him
		// anything else" (review17-cold4 major 20): that, and nothing else.
		return runbook.Message{Audience: runbook.AudienceVendor, Channel: "message to " + f.Told().HolderTo,
			Subject:  fmt.Sprintf("%s: the old credentials are dead", f.System),
			Body:     fmt.Sprintf("The request says: tell %s %s. Send only that: no values, no names of new credentials, no other details.", f.Told().HolderTo, f.Told().HolderSays),
			SendWhen: "once, right after " + killSteps(f, ids...) + " are checked dead"}
	}
	if quote, who, rest := forbiddenHolder(f, held); who != "" {
		// "Don't email or call Pixelworks about this. Procurement tells
		// their account manager (Ken Sato) after it's done" (review17-cold6
		// row 37, critical): the holder gets no message from us; whoever
		// the request names tells them, once the kills are done.
		m := runbook.Message{Audience: runbook.AudienceVendor, Channel: "no message to " + who + " from the rotation team",
			Subject:  fmt.Sprintf("%s: %s is not contacted", f.System, who),
			Body:     fmt.Sprintf("The request says: %q. Nobody on the rotation team emails, calls or messages %s.", strings.TrimSuffix(quote, "."), who),
			SendWhen: "never by the rotation team"}
		if rest != "" {
			m.Body += fmt.Sprintf(" %s: that is their duty, not ours; give them the kill times of %s once they are checked dead.", strings.TrimSuffix(rest, "."), killSteps(f, ids...))
			m.SendWhen = "never by the rotation team; the kill times go to whoever the request names, right after " + killSteps(f, ids...)
		}
		return m
	}
	return outsideRoute(f, runbook.Message{Audience: runbook.AudienceVendor, Channel: "whoever received it outside the company (named in the notes), by a channel you already use with them",
		Subject: fmt.Sprintf("%s: please delete your copy of our %s", f.System, andList(names)),
		Body: fmt.Sprintf("You received %s (%s; we refer to them by name only, never the value). They were revoked at <time UTC> and no longer work. Please delete every copy you hold (email, chat, files, password managers, shell history), do not forward them, and confirm in writing by <date>. Tell us at once if anyone else saw them. Contact: %s.",
			what, andList(names), andList(owners)),
		SendWhen: "right after " + killSteps(f, ids...) + ", their kills (the credentials are killed whatever they answer)"})
}

// forbiddenHolder is the request's no-contact sentence about the party that
// held the exposed credentials (a name of it written in their notes), that
// party's name, and what the rest of its constraint says about who tells
// them instead ("Procurement tells their account manager (Ken Sato) after
// it's done"); "" when no such sentence.
func forbiddenHolder(f *planner.Facts, held []*planner.Secret) (string, string, string) {
	var notes string
	for _, s := range held {
		notes += " " + strings.ToLower(s.Notes)
	}
	for _, q := range f.Told().NeverContact {
		words := strings.Fields(q)
		for i := 1; i < len(words); i++ {
			w := strings.Trim(words[i], "(),.;:!?'\"")
			if !capitalised(w) || len(w) < 3 || !strings.Contains(notes, strings.ToLower(w)) {
				continue
			}
			who := w
			if i+1 < len(words) {
				if n := strings.Trim(words[i+1], "(),.;:!?'\""); capitalised(n) && strings.Contains(notes, strings.ToLower(w+" "+n)) {
					who = w + " " + n
				}
			}
			return q, who, restOf(f, q)
		}
	}
	return "", "", ""
}

// restOf is what the constraint holding a quote says after it.
func restOf(f *planner.Facts, quote string) string {
	for _, c := range f.Constraints {
		if k := strings.Index(c.Text, quote); k >= 0 {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(c.Text[k+len(quote):]), "."))
		}
	}
	return ""
}

// outsideRoute sends a message to an outside party the way the request
// says (review17-cold5 rows 18, 70): only through the person it names
// ("All vendor comms go through Felipe Ortiz"), and not before what it
// waits for ("until Meera Iyer (Legal) has reviewed").
func outsideRoute(f *planner.Facts, m runbook.Message) runbook.Message {
	if via := f.Told().Via; via != "" {
		m.Channel = "only through " + via + " (the request's route; nobody else contacts them)"
	}
	if after := f.Told().After; after != "" {
		m.SendWhen = "not before " + after + "; then " + m.SendWhen
	}
	return m
}

// heldOutside lists the exposed credentials a third party received (a
// contractor, a partner); a vendor incident is answered by the vendor
// message instead.
func heldOutside(f *planner.Facts) []*planner.Secret {
	if f.Trigger == runbook.TriggerVendorChange {
		return nil
	}
	var out []*planner.Secret
	for i := range f.Secrets {
		if s := &f.Secrets[i]; s.Exposed && s.Exposure == runbook.ExposureThirdParty {
			out = append(out, s)
		}
	}
	return out
}

// partnerMessage asks a partner who trusts our certificate to trust the new
// one before the switch.
func partnerMessage(f *planner.Facts, s *planner.Secret) runbook.Message {
	return runbook.Message{Audience: runbook.AudienceVendor, Channel: "partner integration contact",
		Subject:  fmt.Sprintf("%s: new client certificate for %s", f.System, s.Name),
		Body:     fmt.Sprintf("We are replacing the certificate we use for %s. Please add the attached new certificate (fingerprint <sha256>) to your allow-list by <date>, keeping the current one trusted until we confirm the switch. Contact: %s.", s.Name, s.Owner),
		SendWhen: "before the create step; the switch waits for their confirmation"}
}

// webhookPartnerMessage hands a partner that signs the webhooks we receive
// the new secret: it switches itself, on a date agreed with it.
func webhookPartnerMessage(f *planner.Facts, s *planner.Secret) runbook.Message {
	ask := "Please sign your requests to us with the new secret from <date agreed with you>; we accept both the current and the new secret until <date>, then only the new one. Confirm in writing once you have switched"
	return runbook.Message{Audience: runbook.AudienceVendor, Channel: "partner integration contact; the secret itself only over the agreed secure channel, never in this message",
		Subject:  fmt.Sprintf("%s: new signing secret for %s", f.System, s.Name),
		Body:     fmt.Sprintf("We are replacing the signing secret for %s. You will receive the new secret separately over the agreed secure channel. %s. Contact: %s.", s.Name, ask, s.Owner),
		SendWhen: "before the switch step, with the lead time the partner needs; the revoke waits for every partner's confirmation"}
}

// AuditEvidence lists one record per control (never one per secret): the
// rotation log covers every secret, each control says what it needs.
func AuditEvidence(f *planner.Facts) *runbook.AuditEvidence {
	ae := &runbook.AuditEvidence{Items: []runbook.EvidenceItem{}}
	approver := andList(f.Approvers)
	owners := andList(ownersOf(f))
	last := len(f.Steps)
	ae.Items = append(ae.Items, runbook.EvidenceItem{
		Evidence:    "Rotation log of every step: who, what, when (UTC), approval reference, result, old and new version or key ids; never a value",
		Control:     "rotation record",
		SecretID:    "",
		CollectedBy: owners, When: fmt.Sprintf("steps 1 to %d, as they happen", last)})
	for _, c := range f.Controls {
		control := c.Framework + " " + c.ID
		item := runbook.EvidenceItem{Control: control, SecretID: "", CollectedBy: owners, When: "after the last step"}
		switch c.ID {
		case "CC8.1", "A.5.17", "6.5.1":
			item.Evidence, item.CollectedBy, item.When = "Approved change ticket with this runbook attached", approver, "before step 1"
			if f.Contains() {
				// Containment never waits for a sign-off (ROTATION_RULES.md
				// §2 rule 6): the emergency change is approved after the
				// fact, before the first step that may wait for it.
				item.Evidence = fmt.Sprintf("Emergency change ticket with this runbook attached, opened at T0 and approved after the fact (%s for it)", neverWaiting(f))
				item.When = "approved before " + gateWords(f, f.ApprovalGate(), "the first step")
				if f.ApprovalGate() == 0 {
					item.When = "approved after the last step"
				}
			}
		case "CC7.3":
			item.Evidence, item.CollectedBy, item.When = "Incident ticket with the triage decision, priorities and UTC timeline", approver, "when the incident is opened"
		case "CC6.1":
			// Containment is named only where the plan contains.
			checks := "revoke checks"
			for _, st := range f.Steps {
				if st.Phase == runbook.PhaseContain {
					checks = "revoke and containment checks"
					break
				}
			}
			item.Evidence = "Output of the " + checks + ": each old credential disabled or deleted, the new one's id, timestamps"
		case "CC7.4":
			item.Evidence = "Containment and revocation records, the exposure-window log review of each secret, and the post-incident review"
		case "3.7.4", "3.7.5":
			item.Evidence = "Why the keys changed (" + c.Title + ") and the retirement record of each old credential"
		case "3.6.1.2":
			item.Evidence, item.When = "Key generation record: generated inside the HSM or KMS, or by two custodians each holding one component; both custodians' names", "at each create step"
		case "8.3.9":
			item.Evidence = "The date each user's password was changed, and why (departure or compromise)"
		case "164.312(b)":
			item.Evidence = "The audit log of every change to these credentials and of their use during the rotation, exported and kept"
		case "8.6.2":
			item.Evidence = "Evidence that every consumer reads its secret from the store, not from code or committed config"
		case "A.8.24":
			var keys []string
			for _, s := range f.Secrets {
				if s.Kind.IsKey() {
					keys = append(keys, s.Name)
				}
			}
			item.Evidence = "Key generation, rotation, revocation and destruction records for " + andList(keys)
		default:
			item.Evidence = upperFirst(c.Evidence)
		}
		ae.Items = append(ae.Items, item)
	}
	approved := slices.ContainsFunc(f.Controls, func(c planner.Control) bool { return runbook.OneOf([]string{"CC8.1", "A.5.17", "6.5.1"}, c.ID) })
	if f.ChangeTicket && !approved {
		// The request asks for change approval: its approver is on record
		// whatever the framework's controls ask.
		ae.Items = append(ae.Items, runbook.EvidenceItem{Evidence: "Change ticket approved by " + approver + " with this runbook attached",
			Control: "change approval", CollectedBy: approver, When: "before step 1"})
	}
	if c := f.Cadence; c != nil {
		control := c.Requirement
		if control == "" {
			control = "rotation cadence"
		}
		due := ""
		if c.Due != "" {
			due = " (it was due by " + c.Due + ")"
		}
		ae.Items = append(ae.Items, runbook.EvidenceItem{
			Evidence: fmt.Sprintf("The date this rotation finished%s and the next due date, at most %d days on (%q)", due, c.Days, c.Text),
			Control:  control, CollectedBy: owners, When: "after the last step"})
	}
	ae.Items = append(ae.Items, bindingEvidence(f)...)
	if id := f.ChangeTicketID; id != "" {
		// The change ticket the request names is the key every record is
		// filed under.
		for i := range ae.Items {
			ae.Items[i].Evidence += " (change ticket " + id + ")"
		}
	}
	return ae
}

// Automation writes section 10, automation opportunities, from the facts.
func Automation(f *planner.Facts) *runbook.Automation {
	a := &runbook.Automation{Opportunities: []runbook.Opportunity{}}
	add := func(o runbook.Opportunity) {
		if len(o.SecretIDs) > 0 {
			a.Opportunities = append(a.Opportunities, o)
		}
	}
	ids := func(pred func(*planner.Secret) bool) []string {
		var out []string
		for i := range f.Secrets {
			if pred(&f.Secrets[i]) {
				out = append(out, f.Secrets[i].ID)
			}
		}
		return out
	}
	add(runbook.Opportunity{Title: "Managed rotation for database passwords",
		SecretIDs: ids(func(s *planner.Secret) bool { return s.Kind == runbook.KindDatabasePassword }),
		Effort:    runbook.LevelMedium, RiskReduction: runbook.LevelHigh,
		How: "Let the store rotate it on a schedule (a Secrets Manager alternating-users function, or Vault static roles or dynamic credentials), so no person handles the password."})
	add(runbook.Opportunity{Title: "Keep dual-secret verification in webhook receivers",
		SecretIDs: ids(func(s *planner.Secret) bool { return s.Entry.Strategy == runbook.StrategyDualAccept }),
		Effort:    runbook.LevelLow, RiskReduction: runbook.LevelMedium,
		How: "Receivers always read a list of accepted signing secrets, so the next rotation needs no code deploy."})
	add(runbook.Opportunity{Title: "Scheduled API-key rotation job",
		SecretIDs: ids(func(s *planner.Secret) bool {
			return s.Strategy == runbook.StrategyDualCredential && (s.Kind == runbook.KindAPIKey || s.Kind == runbook.KindCloudAccessKey)
		}),
		Effort: runbook.LevelMedium, RiskReduction: runbook.LevelMedium,
		How: "A job creates the key by API, stores it, rolls the consumers, waits until the old key is quiet, kills it, and alerts on any failure."})
	add(runbook.Opportunity{Title: "Replace long-lived tokens with short-lived credentials",
		SecretIDs: ids(func(s *planner.Secret) bool {
			return s.Kind == runbook.KindToken || s.Kind == runbook.KindCloudAccessKey || s.Rule == "github-pat"
		}),
		Effort: runbook.LevelHigh, RiskReduction: runbook.LevelHigh,
		How: "OIDC federation from CI instead of static cloud keys, a GitHub App instead of personal tokens, Vault logins instead of long-lived Vault tokens."})
	add(runbook.Opportunity{Title: "Restart consumers automatically when a secret changes",
		SecretIDs: ids(func(s *planner.Secret) bool { return len(s.Consumers) > 0 }),
		Effort:    runbook.LevelLow, RiskReduction: runbook.LevelMedium,
		How: reloadAutomation(f)})
	add(runbook.Opportunity{Title: "Secret scanning before and after commit",
		SecretIDs: allIDs(f), Effort: runbook.LevelLow, RiskReduction: runbook.LevelHigh,
		How: "gitleaks as a pre-commit hook and in CI, and the source host's push protection, stop a secret before it leaks."})
	add(runbook.Opportunity{Title: "Inventory as code with rotation due dates",
		SecretIDs: allIDs(f), Effort: runbook.LevelLow, RiskReduction: runbook.LevelMedium,
		How: "This inventory (owners, consumers, paths, next due date) in a repository, with alerts on overdue rotations and on authentication failures per consumer."})
	return a
}

func reloadAutomation(f *planner.Facts) string {
	if runtime(f) == runbook.DeployKubernetes {
		return "Roll workloads when their Secret changes (a controller such as Stakater Reloader) and sync from the store on a short interval."
	}
	return "The deploy pipeline redeploys every consumer in the inventory when a secret version changes, or consumers re-read the store on a timer."
}

// capitalised reports a word that starts with a capital letter.
func capitalised(w string) bool {
	r := []rune(w)
	return len(r) > 0 && unicode.IsUpper(r[0])
}
