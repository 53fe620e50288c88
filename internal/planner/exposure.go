package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// planKills orders the steps and plans their times. A credential exposed
// outside the company that would be replaced before its kill is revoked
// first instead when its kill would wait behind other work: production is
// already down from another credential's kill at containment (its
// replacement first would make that outage longer), another secret's
// replacement comes before its kill, or more than exposure.ReplaceWithin
// minutes of replacement work do. One secret at a time, until every kill is
// in time.
func planKills(f *Facts) {
	for {
		f.Tracks, f.Steps, f.TimeToKill = nil, nil, []runbook.KillTime{}
		order(f)
		timeToKill(f)
		late, why := lateReplacement(f)
		if late == nil {
			raiseLateKills(f)
			return
		}
		late.Strategy = runbook.StrategyRevokeFirst
		late.StrategyReason = fmt.Sprintf("revoke_first: exposed outside the company, and %s; entry %s would otherwise allow: %s", why, late.Entry.ID, late.Entry.Overlap)
		late.RollbackWindow = "none: the exposed credential is revoked and must never be restored"
		late.RotationRisk = rotationRisk(f, late)
		late.Phases = phasesFor(f, late)
	}
}

// lateReplacement is the first credential killed after its replacement
// whose kill would wait behind other work, with why, or nil.
func lateReplacement(f *Facts) (*Secret, string) {
	outage := ""
	for i := range f.Secrets {
		// Pipelines wait for their restoration; a service customers reach
		// does not.
		if s := &f.Secrets[i]; s.RestoresProduction() && restoreRank(s) >= 10 && outage == "" {
			outage = s.Name
		}
	}
	// Deploy pipeline credentials killed at containment: a redeploy through
	// that pipeline waits for their restoration.
	var pathKilled []string
	for i := range f.Secrets {
		if s := &f.Secrets[i]; s.RestoresProduction() && deployPipelineCredential(s) {
			pathKilled = append(pathKilled, s.Name)
		}
	}
	work := 0
	others := map[string]bool{}
	for _, st := range f.Steps {
		s := f.SecretByID(st.SecretID)
		if st.Kill && s.KillsAfterReplace() {
			var before []string
			for _, name := range sortedKeys(others) {
				if name != s.Name {
					before = append(before, name)
				}
			}
			switch {
			case len(pathKilled) > 0 && redeploysThroughPipeline(f, s):
				return s, fmt.Sprintf("its redeploy re-runs the pipeline that renders its consumers' spec, which needs %s, killed at containment: its replacement would wait for that restoration while it stays live (no step relies on a killed credential)", andJoin(pathKilled))
			case outage != "":
				return s, fmt.Sprintf("the kill of %s at containment already takes a production service down: replacing this one first would make that outage longer, and after it this one would stay live", outage)
			case len(before) > 0:
				return s, fmt.Sprintf("its kill would wait behind the replacement of %s (an exposed credential's kill never waits for another secret's work)", andJoin(before))
			case st.Minutes > exposure.KillWithin && !downtimeForbids(f, s):
				return s, fmt.Sprintf("its replacement first would keep it live until %s, past the %d minutes a leaked credential may live; %s accept the gap until the new one is deployed (about %d minutes)",
					exposure.Label(st.Minutes), exposure.KillWithin, downtimeWords(f), killGap(s))
			case work > exposure.ReplaceWithin:
				return s, fmt.Sprintf("more than %d minutes of replacement work would come before its kill", exposure.ReplaceWithin)
			}
		}
		if !st.Kill && st.Phase != runbook.PhaseContain && s != nil {
			work += exposure.StepMinutes(st.Phase, propagation(s))
			if exposure.Replacing(st.Phase) {
				others[s.Name] = true
			}
		}
	}
	return nil, ""
}

// killGap is about how many minutes a credential revoked first leaves its
// production consumers without a working one: a new one is issued (at the
// kill itself when the provider's containment issues it), stored and
// deployed.
func killGap(s *Secret) int {
	gap := exposure.StepMinutes(runbook.PhaseDeploy, 0)
	if s.Entry == nil || !s.Entry.ContainIssues || !s.Stored {
		gap += exposure.StepMinutes(runbook.PhaseCreate, 0) + exposure.StepMinutes(runbook.PhaseStore, 0)
	}
	return gap
}

// downtimeCap is the longest break in service the request accepts, in
// minutes, when it says one: its own words ("a gap longer than 5 minutes
// breaches our SLA"), or a downtime tolerance of none.
func downtimeCap(f *Facts) (int, bool) {
	if d, err := time.ParseDuration(f.MaxDowntime); f.MaxDowntime != "" && err == nil {
		return int(d.Minutes()), true
	}
	if f.DowntimeTolerance == runbook.DowntimeNone {
		return 0, true
	}
	return 0, false
}

// downtimeForbids reports whether revoking the credential first would break
// its production consumers for longer than the request accepts: then its
// replacement goes first (through the provider's overlap) and a kill later
// than exposure.KillWithin is raised, never hidden (raiseLateKills).
func downtimeForbids(f *Facts, s *Secret) bool {
	c, ok := downtimeCap(f)
	return ok && killGap(s) > c
}

// downtimeWords says what the request accepts as downtime, for a reason.
func downtimeWords(f *Facts) string {
	if f.DowntimeTolerance == "" {
		return "no downtime limit is given, so its consumers"
	}
	return fmt.Sprintf("the downtime tolerance (%s) lets its consumers", f.DowntimeTolerance)
}

// downtimeSaid quotes where the request caps the downtime.
func downtimeSaid(f *Facts) (source, text, words string) {
	if f.MaxDowntime != "" {
		return f.MaxDowntimeSource, f.MaxDowntimeText, "the limit it states"
	}
	return "downtime_tolerance", "downtime_tolerance: none", "a downtime tolerance"
}

// raiseLateKills raises, for each credential exposed outside the company
// whose kill comes after exposure.KillWithin because killing it first would
// break its consumers for longer than the request accepts, the conflict
// between the two (Twilio with an SLA: the secondary keeps sms-sender
// running, but the promotion lands at T0+30). It holds no step: the
// replacement already runs as fast as it can.
func raiseLateKills(f *Facts) {
	for _, k := range f.TimeToKill {
		s := f.SecretByID(k.SecretID)
		if k.Reach || k.Deadline != "" || s == nil || s.Class != exposure.KillNow || s.Strategy == runbook.StrategyRevokeFirst || k.Minutes <= exposure.KillWithin || !downtimeForbids(f, s) {
			continue
		}
		c, _ := downtimeCap(f)
		src, text, words := downtimeSaid(f)
		var users []string
		for _, u := range s.Consumers {
			users = append(users, u.Name)
		}
		if len(users) == 0 {
			users = []string{"whatever uses it (no consumer is listed)"}
		}
		f.Raise(runbook.OpenItem{Source: src, Text: text, Blocks: []string{},
			Question: fmt.Sprintf("Replace %s first through the overlap, %s running throughout, so the exposed credential lives until %s (step %d, past the %d-minute bound for a leaked credential), or revoke it now and leave %s without a working credential for about %d minutes, past %s of %d min?",
				s.Name, andJoin(users), k.Label, k.Step, exposure.KillWithin, andJoin(users), killGap(s), words, c)})
	}
}

func propagation(s *Secret) int {
	if s == nil {
		return 0
	}
	return s.PropagationSeconds
}

// remediated lists the public credentials whose provider remediates on its
// own (revokes, quarantines, disables): the first step checks whether it
// already did (ROTATION_RULES.md §2 rule 18).
func remediated(f *Facts) []string {
	var ids []string
	for _, s := range f.Secrets {
		if s.Exposure == runbook.ExposurePublic && s.Entry.AutoRemediation != nil {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// timeToKill plans when each step ends, counted from the start, and lists
// the kill steps of every exposed credential with their time.
//
// Every exposed credential's kill is its own lane from T0, one operator per
// credential (review18 round 3: seven kills one after another left the
// last one live for over an hour): its steps up to its kill (containment,
// or its production replacement and the kill) run in that lane, in
// parallel with the other credentials' lanes. The rest of the work starts
// when the last lane ends, one step after another.
func timeToKill(f *Facts) {
	inLane := make([]bool, len(f.Steps))
	first := len(f.Steps)
	for i := range f.Steps {
		st := &f.Steps[i]
		if s := f.SecretByID(st.SecretID); s != nil && s.Exposed && (s.Class == exposure.KillNow && killStep(f, st) || overdueStep(f, st)) {
			inLane[i] = true
			first = min(first, i)
		}
	}
	// What comes before the first kill (a freeze, the providers' own
	// remediation checked) is done first; the lanes start after it. A
	// departing person's access removals are lanes of their own from T0,
	// one operator each, like the kills (review18 round 5 X5: three
	// removals one after another put an overdue leaver's kills at T0+20).
	pre := 0
	for i := 0; i < first; i++ {
		switch st := &f.Steps[i]; {
		case inLane[i]:
		case st.Access != "" && st.Phase == runbook.PhaseContain:
			st.Minutes = exposure.StepMinutes(st.Phase, 0)
		default:
			pre += exposure.StepMinutes(st.Phase, propagation(f.SecretByID(st.SecretID)))
			st.Minutes = pre
		}
	}
	lanes := map[string]int{}
	minutes := pre
	for i := range f.Steps {
		st := &f.Steps[i]
		switch {
		case st.Reach > 0:
			// What an exposed credential could read: listed and killed
			// by another operator in a lane of its own, by
			// T0+exposure.ReachKill; the rest of the work does not wait
			// for it.
			// It starts at T0: the providers' own remediation concerns
			// the credential, not what it could read.
			st.Minutes = exposure.ReachKill
		case inLane[i]:
			if _, ok := lanes[st.SecretID]; !ok {
				lanes[st.SecretID] = pre
			}
			lanes[st.SecretID] += exposure.StepMinutes(st.Phase, propagation(f.SecretByID(st.SecretID)))
			st.Minutes = lanes[st.SecretID]
			minutes = max(minutes, st.Minutes)
		}
	}
	for i := range f.Steps {
		st := &f.Steps[i]
		s := f.SecretByID(st.SecretID)
		if !inLane[i] && i >= first && st.Reach == 0 {
			minutes += exposure.StepMinutes(st.Phase, propagation(s))
			st.Minutes = minutes
		}
		if st.Reach > 0 {
			k := runbook.KillTime{SecretID: st.SecretID, Environment: st.Environment, Step: st.Order,
				Minutes: st.Minutes, Label: exposure.Label(st.Minutes), Exposure: runbook.ExposureThirdParty, Reach: true}
			if s != nil {
				k.Exposure = s.Exposure
			}
			f.TimeToKill = append(f.TimeToKill, k)
			continue
		}
		if s == nil || !st.Kill || !s.Exposed {
			continue
		}
		k := runbook.KillTime{SecretID: s.ID, Environment: st.Environment, Step: st.Order,
			Minutes: st.Minutes, Label: exposure.Label(st.Minutes), Exposure: s.Exposure}
		if d := deadlineFor(f, s.ID); d != nil && s.Class == exposure.Deadline && s.Strategy.HasOverlap() {
			// Planned: it dies after its replacement, by the deadline.
			k.Deadline = d.ID
		}
		f.TimeToKill = append(f.TimeToKill, k)
	}
}

// dateKills writes each planned kill as a date, in the zone of the
// schedule's as_of (the start), once the schedule is dated.
//
// A credential that dies first counts from the start. One whose production
// work a blackout holds (a code freeze in force now) counts from when that
// work may start, never from now: its kill comes after its replacement
// runs in production (hook3 s2). If that is after its deadline, the kill
// cannot be both: an open item asks which gives way.
func dateKills(f *Facts) {
	start, err := time.Parse(time.RFC3339, f.Schedule.AsOf)
	if f.Schedule.AsOf == "" || err != nil {
		return
	}
	for i := range f.TimeToKill {
		k := &f.TimeToKill[i]
		k.At = killAt(f, &f.Schedule, *k, start).Format(time.RFC3339)
	}
	killsPastDeadline(f, &f.Schedule, f.TimeToKill, start, f.Raise)
}

// killAt is when a planned kill ends, counted from the start, or, for a
// credential whose production work a blackout holds, from when that work
// may start (schedule.work_starts).
func killAt(f *Facts, sch *runbook.Schedule, k runbook.KillTime, start time.Time) time.Time {
	from := start
	if s := f.SecretByID(k.SecretID); s != nil && !s.NeverRestored() && sch.WorkStarts != nil {
		if t, err := time.Parse(time.RFC3339, sch.WorkStarts.Start); err == nil && t.After(start) {
			from = t
		}
	}
	return from.Add(time.Duration(k.Minutes) * time.Minute)
}

// killsPastDeadline raises one open item per deadline whose credentials,
// killed after their replacement, would die after it because a blackout
// holds their production work: run those steps in the blackout, or revoke
// first at the deadline? (Asked, never guessed.) It reads the schedule it
// is given: the facts' (as_of given) or the runbook's, dated when it is
// made.
func killsPastDeadline(f *Facts, sch *runbook.Schedule, kills []runbook.KillTime, start time.Time, raise func(runbook.OpenItem) string) {
	type overdue struct {
		d     runbook.Deadline
		names []string
		ids   []string
		users []string
		end   time.Time
	}
	var late []*overdue
	for _, k := range kills {
		s := f.SecretByID(k.SecretID)
		if s == nil || k.Deadline == "" {
			continue
		}
		var d *runbook.Deadline
		for i := range sch.Deadlines {
			if sch.Deadlines[i].ID == k.Deadline {
				d = &sch.Deadlines[i]
			}
		}
		if d == nil {
			continue
		}
		at := killAt(f, sch, k, start)
		due, err := time.Parse(time.RFC3339, d.Due)
		if d.Due == "" || err != nil || !at.After(due) {
			continue
		}
		var o *overdue
		for _, x := range late {
			if x.d.ID == d.ID {
				o = x
			}
		}
		if o == nil {
			o = &overdue{d: *d}
			late = append(late, o)
		}
		o.end = at
		if !slices.Contains(o.ids, s.ID) {
			o.names, o.ids = append(o.names, s.Name), append(o.ids, s.ID)
			for _, c := range s.Consumers {
				o.users = appendOnce(o.users, c.Name)
			}
		}
	}
	for _, o := range late {
		ws := sch.WorkStarts
		raise(runbook.OpenItem{Source: o.d.Source, Text: o.d.Note,
			Question: fmt.Sprintf("%s must be dead %s (%s), but production work waits until %s (%s), and their replacement and kill then end about %s: may their production steps run during the blackout, or are they revoked first at the deadline (%s then fail until the blackout ends)?",
				andJoin(o.names), o.d.Label(), o.d.ID, ws.Label, ws.Why, runbook.FormatMoment(o.end, o.d.TZ), andJoin(o.users)),
			Blocks: o.ids})
	}
}

// reachedItems adds to the request the credentials rotor knows that an
// exposed one reached (ROTATION_RULES.md §2 rule 8), so they are planned as
// secrets of their own: the token CI/CD pipelines fetch secrets with when the
// CI/CD vendor is breached (it is rotated first, or every replacement is
// fetched with a leaked token), and the catalogue credentials an exposed
// entry names. A credential the request already lists is not added again.
func reachedItems(f *Facts, cat *catalog.Catalog, req *runbook.Request) []runbook.Secret {
	listed := map[string]bool{}
	for _, s := range f.Secrets {
		listed[s.Rule] = true
	}
	var out []runbook.Secret
	add := func(entry, why string, in runbook.Secret) {
		if listed[entry] {
			return
		}
		listed[entry] = true
		out = append(out, in)
		f.Assumptions = append(f.Assumptions, fmt.Sprintf("%q is not in the request but %s: added to the inventory and rotated as exposed", in.Name, why))
	}
	if f.Trigger == runbook.TriggerVendorChange && runbook.OneOf(f.Deployment, runbook.DeployCICD) {
		// Stores the vendor's pipelines read, with a fetch token.
		for _, st := range storesOf(f) {
			store := cat.Store(st)
			if store == nil || store.FetchCredential == "" || !exposedIn(f, st) {
				continue
			}
			e := cat.Credential(store.FetchCredential)
			add(e.ID, fmt.Sprintf("the breached CI/CD vendor held it: the pipelines fetch every %s secret with it", store.Name), runbook.Secret{
				Name: e.Provider().Name + " service token of the CI pipelines", Kind: e.Kinds[0], Provider: e.Provider().ID,
				Owner: firstOwner(f), Consumers: pipelineConsumers(f, st), Environments: f.Environments,
				Exposure: runbook.ExposureThirdParty, SecretStore: runbook.StoreEnvVars,
			})
		}
	}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if !s.Exposed {
			continue
		}
		for _, x := range reaches(s) {
			if x.Credential == "" {
				continue
			}
			e := cat.Credential(x.Credential)
			add(e.ID, fmt.Sprintf("%s could read it (%s)", s.Name, s.Known(x.Text)), runbook.Secret{
				Name: e.Title, Kind: e.Kinds[0], Provider: e.Provider().ID, Owner: s.Owner, Environments: s.Environments,
				Exposure: s.Exposure, SecretStore: s.Store,
			})
		}
	}
	return out
}

// reaches lists what an exposed secret's entry says it can read or mint, as
// far as its name and notes say it applies.
func reaches(s *Secret) []catalog.Exposure {
	var out []catalog.Exposure
	text := strings.ToLower(s.Name + " " + s.Notes)
	for _, x := range s.Entry.Exposes {
		if len(x.When) == 0 || catalog.HasAny(text, x.When...) {
			out = append(out, x)
		}
	}
	return out
}

// heldInReach makes a secret of the request exposed when it is kept where a
// credential exposed outside the company could read it (its notes say it is
// a CI/CD variable, and the exposed GitLab token could read CI/CD
// variables): it is as exposed as that credential and dies now, whatever
// its own exposure or notes say ("routine, do it in the Thursday window":
// holdout3 h6, where the attacker's token read exactly the variables that
// held the Confluent key). ROTATION_RULES.md §2 rule 8.
func heldInReach(f *Facts) {
	for i := range f.Secrets {
		x := &f.Secrets[i]
		if x.Class != exposure.KillNow {
			continue
		}
		for _, r := range reaches(x) {
			for j := range f.Secrets {
				s := &f.Secrets[j]
				if j == i || s.Class == exposure.KillNow || len(r.Held) == 0 || !catalog.HasAny(strings.ToLower(s.Name+" "+s.Notes), r.Held...) {
					continue
				}
				s.Exposure = x.Exposure
				s.Compromise = exposure.CompromiseOf(f.Trigger, s.Exposure)
				s.Class = exposure.Classify(f.Trigger, s.Exposure)
				s.Exposed = s.Class.Exposed()
				f.Assumptions = append(f.Assumptions, fmt.Sprintf("%q is kept where %s could read it (%s): treated as exposed like it (%s) and killed now, whatever its own exposure or notes say",
					s.Name, x.Name, x.Known(r.Text), x.Exposure))
			}
		}
	}
}

// createdCues say in a secret's notes that a person made it under their
// own user ("Ravi created this one under HIS Okta admin account", "the
// departing SRE created both keys").
var createdCues = []string{"created", "generated", "under his", "under her", "under their", "his account", "her account", "his admin", "her admin"}

// userBound handles credentials that die with the user who created them
// (catalogue dies_with_user) when the notes say a person created them:
//   - bound by a deadline (IT deactivates that user at a set time), the
//     deactivation is when it dies: it is replaced before then and the old
//     one revoked after the replacement, like a departing person's
//     credential, never left to a later window (holdout3 h6: the Okta SSWS
//     token of a departed contractor's admin user, planned for Thursday,
//     would have broken scim-bridge at 22:00 UTC today); moving the
//     deactivation to right after the revoke is asked;
//   - on an offboarding, removing the person's user kills it: the gap
//     until its replacement is deployed is stated (review20 round 4 M1).
func userBound(f *Facts) {
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if s.Entry == nil || s.Entry.DiesWithUser == "" || !catalog.HasAny(strings.ToLower(s.Notes), createdCues...) {
			continue
		}
		var users []string
		for _, c := range s.Consumers {
			users = append(users, c.Name)
		}
		if len(users) == 0 {
			users = []string{"whatever uses it"}
		}
		d := deadlineFor(f, s.ID)
		switch {
		case f.Trigger == runbook.TriggerOffboarding:
			// Asked after the plan's own items (raiseUserBound), so their
			// numbers stay.
			s.diesWithCreator = andJoin(users)
		case d != nil && (s.Class == exposure.Assess || s.Class == exposure.Planned):
			// No window holds it any more (windows were taken before its
			// class was known).
			s.Class, s.Exposed = exposure.Deadline, true
			s.Window, s.WindowOnly = "", false
			f.Assumptions = append(f.Assumptions, fmt.Sprintf("%q dies with the user who created it (%s), and the request deactivates that user %s (%s): it is replaced before then and the old one revoked after it, whatever window it would otherwise wait for",
				s.Name, s.Entry.DiesWithUser, d.Label(), d.ID))
			f.Raise(runbook.OpenItem{Source: d.Source, Text: d.Note,
				Question: fmt.Sprintf("%s dies with the user who created it (%s), so the deactivation (%s, %s) kills it: its replacement, created under a service account or a dedicated least-privileged admin and never under that user, goes live in %s first, then the old one is revoked. Can the user be deactivated right after that revoke, earlier than %s?",
					s.Name, s.Entry.DiesWithUser, d.Label(), d.ID, andJoin(users), d.Label()),
				Blocks: []string{}})
		}
	}
}

// raiseUserBound states the gap an offboarding opens when it removes the
// departing person's user, which kills a credential they created before
// its replacement exists (review20 round 4 M1).
func raiseUserBound(f *Facts) {
	for _, s := range f.Secrets {
		if s.diesWithCreator == "" {
			continue
		}
		f.Raise(runbook.OpenItem{Source: "catalog",
			Text: fmt.Sprintf("Keep the departing person's %s user until the replacement of %s is live?", s.ProviderName, s.Name),
			Question: fmt.Sprintf("%s dies with the user who created it (%s): removing that user stops it before its replacement exists, and %s fail until the replacement is deployed. Keep the user (sign-in disabled) until the replacement is verified in production, or accept the gap?",
				s.Name, s.Entry.DiesWithUser, s.diesWithCreator),
			Blocks: []string{}})
	}
}

// derivedReach raises what an exposed credential could read as open items,
// and puts the kill of what it could mint (role sessions) on its kill steps.
func derivedReach(f *Facts) {
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if !s.Exposed {
			continue
		}
		for _, x := range reaches(s) {
			vars := secretVars(f, s)
			what := s.Known(catalog.Fill(x.Text, vars))
			switch {
			case x.Kill != "":
				kill := s.Known(catalog.Fill(x.Kill, vars))
				s.DerivedKills = append(s.DerivedKills, kill)
				if x.Investigate != "" {
					s.DerivedReviews = append(s.DerivedReviews, s.Known(catalog.Fill(x.Investigate, vars)))
				}
				if hasPlaceholder(what) {
					f.Raise(runbook.OpenItem{Source: "catalog", Text: fmt.Sprintf("%s could mint %s: which did it mint?", s.Name, what),
						Question: fmt.Sprintf("Which? List them (its use in the provider's logs shows them) so the kill step ends them too, or confirm it minted none."), Blocks: []string{}})
				}
			case x.Credential != "":
				// Added to the inventory by reachedItems.
			case s.Class == exposure.KillNow && x.Reach != catalog.ReachReplicaLinks:
				// As exposed as the credential: listed by name at T0 and
				// killed in a lane of their own, never left to an open
				// item answered at the investigation (review18 round 4,
				// X1).
				s.ReadReach = append(s.ReadReach, ReadReach{What: what, List: strings.TrimSuffix(s.Known(catalog.Fill(x.List, vars)), ".")})
			default:
				id := f.Raise(runbook.OpenItem{Source: "catalog", Text: fmt.Sprintf("%s could read %s: which secrets are they, and which must be rotated?", s.Name, what),
					Question: readQuestion(f, s, x, vars)})
				s.reachItems = appendOnce(s.reachItems, id)
			}
		}
	}
}

// readQuestion is the open item of what an exposed credential could read:
// how to list those secrets by name, which of them this runbook already
// rotates, and what to do with every other one (review18 C6).
func readQuestion(f *Facts, s *Secret, x catalog.Exposure, vars map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Which secrets are they? List them by name, never by value: %s.", strings.TrimSuffix(s.Known(catalog.Fill(x.List, vars)), "."))
	var rotated []string
	for _, o := range f.Secrets {
		if o.ID != s.ID && o.Stored && string(o.Store) == s.Provider {
			rotated = append(rotated, o.Name)
		}
	}
	if len(rotated) > 0 {
		fmt.Fprintf(&b, " This runbook already rotates %s.", andJoin(rotated))
	}
	if x.Reach == catalog.ReachReplicaLinks {
		b.WriteString(" Each one takes the new password together with the primary (or replication breaks and the old value lives on in its configuration): add them to the request and generate again.")
		return b.String()
	}
	fmt.Fprintf(&b, " Every other one was readable for as long as %s was exposed: rotate each one after %s is dead (add it to the request as a secret and generate again), or record in the incident ticket why not (for example: not a secret).", s.Name, s.Name)
	return b.String()
}

// reachHoldsInvestigation has the open items of what an exposed credential
// could read hold its investigation: the investigation is not closed until
// those secrets are listed, and the card shows the item beside it.
func reachHoldsInvestigation(f *Facts) {
	for _, s := range f.Secrets {
		refs := []string{}
		for _, st := range f.Steps {
			if st.SecretID == s.ID && st.Phase == runbook.PhaseInvestigate {
				refs = append(refs, fmt.Sprintf("s%d", st.Order))
			}
		}
		for i := range f.OpenItems {
			if it := &f.OpenItems[i]; runbook.OneOf(s.reachItems, it.ID) {
				for _, r := range refs {
					it.Blocks = appendOnce(it.Blocks, r)
				}
			}
		}
	}
}

// hasPlaceholder reports whether a filled catalogue text still holds a
// <placeholder> ("<aws-role>"): a value the request did not give.
func hasPlaceholder(text string) bool {
	for {
		i := strings.IndexByte(text, '<')
		if i < 0 || i+1 >= len(text) {
			return false
		}
		j := strings.IndexByte(text[i:], '>')
		if j < 0 {
			return false
		}
		inner := text[i+1 : i+j]
		if inner != "" && inner[0] >= 'a' && inner[0] <= 'z' && strings.Trim(inner, "abcdefghijklmnopqrstuvwxyz0123456789/-") == "" {
			return true
		}
		text = text[i+1:]
	}
}

// storesOf lists the stores the request's secrets live in.
func storesOf(f *Facts) []runbook.SecretStore {
	var out []runbook.SecretStore
	for _, s := range f.Secrets {
		if s.Stored && !runbook.OneOf(out, s.Store) {
			out = append(out, s.Store)
		}
	}
	return out
}

// exposedIn reports whether a secret kept in the store is exposed outside
// the company.
func exposedIn(f *Facts, st runbook.SecretStore) bool {
	for _, s := range f.Secrets {
		if s.Store == st && s.Class == exposure.KillNow {
			return true
		}
	}
	return false
}

// pipelineConsumers lists the consumers of the store's secrets that are
// CI/CD pipelines by their names.
func pipelineConsumers(f *Facts, st runbook.SecretStore) []string {
	var out []string
	for _, s := range f.Secrets {
		if s.Store != st {
			continue
		}
		for _, c := range s.Consumers {
			if intake.DefaultLexicon().IsPipeline(c.Name) && !runbook.OneOf(out, c.Name) {
				out = append(out, c.Name)
			}
		}
	}
	return out
}

func firstOwner(f *Facts) string {
	if len(f.Owners) > 0 {
		return f.Owners[0]
	}
	return ""
}

// markFetchTokens marks the tokens pipelines fetch the other secrets with,
// on a vendor incident that reached the pipelines.
func markFetchTokens(f *Facts, cat *catalog.Catalog) {
	if f.Trigger != runbook.TriggerVendorChange || !runbook.OneOf(f.Deployment, runbook.DeployCICD) {
		return
	}
	for _, st := range storesOf(f) {
		store := cat.Store(st)
		if store == nil || store.FetchCredential == "" || !exposedIn(f, st) {
			continue
		}
		for i := range f.Secrets {
			if s := &f.Secrets[i]; s.Rule == store.FetchCredential && s.Exposed {
				s.FetchToken = true
			}
		}
	}
}

// splitCompound replaces a secret whose entry is compound ("Datadog API key
// and application key") with one secret per part, each rotated and killed
// on its own; windows, blackouts and deadlines naming it name the parts.
func splitCompound(f *Facts, cat *catalog.Catalog, ids map[string]int) {
	var out []Secret
	renamed := map[string][]string{}
	for _, s := range f.Secrets {
		if len(s.Entry.Parts) == 0 {
			out = append(out, s)
			continue
		}
		var names []string
		for _, part := range s.Entry.Parts {
			p := s
			p.Entry = cat.Credential(part.Credential)
			p.Rule, p.Stored = p.Entry.ID, p.Entry.IsStored()
			p.Name = s.ProviderName + " " + part.Name
			p.ID = uniqueID(slug(p.Name), ids)
			p.EnvVar = strings.ToUpper(strings.ReplaceAll(p.ID, "-", "_"))
			p.StorePaths = map[string]string{}
			p.Consumers = append([]Consumer(nil), s.Consumers...)
			renamed[s.ID] = append(renamed[s.ID], p.ID)
			names = append(names, p.Name)
			out = append(out, p)
		}
		f.Assumptions = append(f.Assumptions, fmt.Sprintf("%q is %d credentials (catalogue entry %s): %s, each rotated and killed", s.Name, len(names), s.Entry.ID, andJoin(names)))
	}
	if len(renamed) == 0 {
		return
	}
	f.Secrets = out
	rename := func(list []string) []string {
		res := make([]string, 0, len(list))
		for _, id := range list {
			if parts, ok := renamed[id]; ok {
				res = append(res, parts...)
			} else {
				res = append(res, id)
			}
		}
		return res
	}
	for i := range f.Schedule.Windows {
		f.Schedule.Windows[i].SecretIDs = rename(f.Schedule.Windows[i].SecretIDs)
	}
	for i := range f.Schedule.Blackouts {
		f.Schedule.Blackouts[i].SecretIDs = rename(f.Schedule.Blackouts[i].SecretIDs)
	}
	for i := range f.Schedule.Deadlines {
		f.Schedule.Deadlines[i].SecretIDs = rename(f.Schedule.Deadlines[i].SecretIDs)
	}
	for i := range f.Constraints {
		f.Constraints[i].SecretIDs = rename(f.Constraints[i].SecretIDs)
	}
	for i := range f.OpenItems {
		f.OpenItems[i].Blocks = rename(f.OpenItems[i].Blocks)
	}
}

// BeforeT0 starts the question of an open item that is answered while the
// incident opens: the kill of an exposed credential and the restoration of
// production after it never wait for an answer (ROTATION_RULES.md §2 rule 6).
const BeforeT0 = "Before step 1 (T0): "

// exposedNeverWait frees the kill and the production restoration of every
// credential exposed outside the company from the open items raised on it
// (an unread note, a question on its entry): such an item holds only its
// lower-environment steps, and is asked before T0.
func exposedNeverWait(f *Facts) {
	for i := range f.OpenItems {
		it := &f.OpenItems[i]
		if f.gated(it.ID) {
			// A sign-off the request demands before the kill is asked
			// at once, and the kill waits for it (gateSteps).
			continue
		}
		// A fact-finding item (store paths, namespaces, how values reach
		// the pods, workload kinds) frees only the kill and what comes
		// before it: the production restoration steps after a kill that
		// need its facts wait for it, and it is
		// never asked before T0 (review19 round 2, B1/B2).
		facts := it.Source == "secret_store" || it.Source == "deployment"
		// An unread prohibition holds the production steps it may govern
		// too; only the kill (and what comes before it) never waits
		// (review17-cold4 P4, critical 1).
		prohibits := f.prohibitions[it.ID]
		urgent := func(st *Step) bool {
			if facts || prohibits {
				return killStep(f, st)
			}
			return urgentStep(f, st)
		}
		freed := false
		var blocks []string
		for _, b := range it.Blocks {
			s := f.SecretByID(b)
			if s == nil {
				if st := stepByRef(f, b); st != nil && urgent(st) {
					freed = true
					continue
				}
				blocks = append(blocks, b)
				continue
			}
			if s.Class != exposure.KillNow {
				blocks = append(blocks, b)
				continue
			}
			freed = true
			for _, st := range f.Steps {
				if st.SecretID == s.ID && !urgent(&st) {
					blocks = appendOnce(blocks, fmt.Sprintf("s%d", st.Order))
				}
			}
		}
		if !freed {
			continue
		}
		if blocks == nil {
			blocks = []string{}
		}
		it.Blocks = blocks
		switch {
		case facts:
			// Its own text says containment never waits for it.
		case prohibits:
			if !strings.HasPrefix(it.Question, BeforeT0) {
				it.Question = BeforeT0 + it.Question
			}
			it.Question += " The kill of the exposed credential does not wait for the answer; the steps after it do."
		case !strings.HasPrefix(it.Question, BeforeT0):
			it.Question = BeforeT0 + it.Question + " The kill of the exposed credential and the restoration of production do not wait for the answer."
		case !strings.Contains(it.Question, "wait"):
			it.Question += " The kill of the exposed credential and the restoration of production do not wait for the answer."
		}
	}
}

// urgentStep is a step of a credential exposed outside the company that
// comes no later than its production restoration: its kill, and its
// replacement in production (or in every environment at once).
func urgentStep(f *Facts, st *Step) bool {
	s := f.SecretByID(st.SecretID)
	if s == nil || s.Class != exposure.KillNow {
		return false
	}
	return st.Kill || st.Phase == runbook.PhaseContain || runbook.IsProduction(st.Environment) || st.Environment == AllEnvironments
}

// killStep is a step of a credential exposed outside the company that
// comes no later than its kill (the kill itself, and under an overlap the
// replacement steps before it): what a fact-finding item never holds.
func killStep(f *Facts, st *Step) bool {
	if !urgentStep(f, st) {
		return false
	}
	for _, k := range f.Steps {
		if k.SecretID == st.SecretID && (k.Kill || k.Phase == runbook.PhaseContain) && k.Order >= st.Order {
			return true
		}
	}
	return false
}

// overdue reports whether a departing person knew the credential and its
// deadline has passed as of the request's own as_of (a departure effective
// 17:00 in a request dated 18:00): it dies first, like a leaked one.
func overdue(f *Facts, s *Secret) bool {
	d := deadlineFor(f, s.ID)
	return s.Class == exposure.Deadline && d != nil && f.asOf != "" && !exposure.LeavesTime(*d, f.asOf, 0)
}

// overdueStep is a step of an overdue credential (overdue) that comes no
// later than its last kill: its own lane from T0, one operator per
// credential, as a leaked credential's (postgres-vault planned past its
// deadline killed three overdue credentials one after another, the last at
// T0+130).
func overdueStep(f *Facts, st *Step) bool {
	s := f.SecretByID(st.SecretID)
	if s == nil || !overdue(f, s) {
		return false
	}
	for _, k := range f.Steps {
		if k.SecretID == st.SecretID && (k.Kill || k.Phase == runbook.PhaseContain) && k.Order >= st.Order {
			return true
		}
	}
	return false
}

// stepByRef is the step a block reference ("s4") names, or nil.
func stepByRef(f *Facts, ref string) *Step {
	var n int
	if _, err := fmt.Sscanf(ref, "s%d", &n); err != nil || n < 1 || n > len(f.Steps) || f.Steps[n-1].Order != n {
		return nil
	}
	return &f.Steps[n-1]
}
