package planner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// The clock. A request that gives as_of is planned as of it: its dates are
// facts like any other, in every section. A request that does not is
// planned without a clock: the facts (what every section is written from,
// and what its cache key hashes) carry no date, so a section written a
// minute or a day later is the same section. The runbook is dated when it is
// assembled (DateRunbook): schedule.as_of, each window's next opening, each
// deadline's due, work_starts and the kills' times, from the generation's
// clock; the renderers print them from there.

// dates settles the schedule when the facts are made: as of the request's
// as_of (given), everything is dated; without one, only what no clock
// decides: a window shorter than its steps, and a question for each relative
// day ("today") the request relies on.
func dates(f *Facts, asOf time.Time, given bool) {
	if given && !asOf.IsZero() {
		d := &dating{f: f, sch: &f.Schedule, raise: f.Raise, given: true}
		d.date(asOf)
		for i := range f.Duties {
			dateDuty(&f.Duties[i], asOf)
		}
		return
	}
	for i := range f.Schedule.Windows {
		w := &f.Schedule.Windows[i]
		need, steps := windowNeed(f, w.ID)
		if length := schedule.Length(*w); steps > 0 && length < need {
			f.Raise(runbook.OpenItem{Source: w.Source, Text: w.Note,
				Question: fmt.Sprintf("Window %s (%s) is %d minutes long, and its %d production steps need about %d: may the work spread over several openings, or is there a longer window?", w.ID, w.Label(), length, steps, need),
				Blocks:   windowSecrets(f, w.ID)})
		}
	}
	relative := func(source, text, word string, blocks []string) {
		f.Raise(runbook.OpenItem{Source: source, Text: text,
			Question: fmt.Sprintf("%q is read as counted from the day the runbook is made (the date it is generated): is that the day you meant? If not, give the date in the request (as_of) and generate again.", word),
			Blocks:   blocks})
	}
	for _, d := range f.Schedule.Deadlines {
		if d.Day != "" && !runbook.ValidDate(d.Day) {
			// A deadline only bounds: whatever day was meant, the steps it
			// bounds done sooner meet it. It holds none of them, and a
			// departing person's access and kills never wait for a
			// question about the day (review18 round 4: the Datadog
			// leaver's revokes waited for "does today mean today?").
			f.Raise(runbook.OpenItem{Source: d.Source, Text: d.Note,
				Question: fmt.Sprintf("%q is read as counted from the day the runbook is made (the date it is generated): is that the day you meant? The steps it bounds do not wait: done sooner, they meet it whatever the day. If another day was meant, give the date in the request (as_of) and generate again.", d.Day),
				Blocks:   []string{}})
		}
	}
	for _, list := range [][]runbook.TimeWindow{f.Schedule.Windows, f.Schedule.Blackouts} {
		for _, w := range list {
			if w.RelativeDay != "" {
				ids := w.SecretIDs
				if len(ids) == 0 {
					ids = allIDs(f)
				}
				relative(w.Source, w.Note, w.RelativeDay, ids)
			}
		}
	}
}

// DateRunbook dates an assembled runbook whose request gave no as_of, from
// the generation's clock: the runbook's schedule (a copy: the facts are
// never changed), the kills' times, and the open items and assumption only a
// date decides. A runbook already dated (its request gave as_of) is left as
// it is.
func DateRunbook(rb *runbook.Runbook, f *Facts, now time.Time) {
	if now.IsZero() || rb.Schedule.AsOf != "" {
		return
	}
	sch := cloneSchedule(rb.Schedule)
	// Kill times stay relative to the start ("T0+10 min"): the start is when
	// step 1 is run, not when the runbook was made, so the clock dates only
	// the schedule.
	if len(sch.Windows)+len(sch.Blackouts)+len(sch.Deadlines) == 0 {
		return
	}
	now = now.Truncate(time.Minute)
	raise := func(item runbook.OpenItem) string {
		for _, o := range rb.OpenItems {
			if o.Source == item.Source && o.Question == item.Question {
				return o.ID
			}
		}
		item.ID = fmt.Sprintf("o%d", len(rb.OpenItems)+1)
		if item.Blocks == nil {
			item.Blocks = []string{}
		}
		rb.OpenItems = append(slices.Clone(rb.OpenItems), item)
		return item.ID
	}
	d := &dating{f: f, sch: &sch, raise: raise}
	d.date(now)
	// A kill bounded by a deadline that a blackout pushes past it is
	// asked about here too (the facts had no date to see it).
	killsPastDeadline(f, &sch, rb.TimeToKill, now, raise)
	rb.Schedule = sch
	rb.Assumptions = append(slices.Clone(rb.Assumptions), "dates as of "+runbook.FormatMoment(now, "UTC")+", when the runbook was made (no as_of given)")
}

// DeadlineMissed reports whether a request planned without as_of, made at
// now, kills a departing person's credential after its deadline: the
// deadline has passed, or the replacement first would end after it
// (review20 round 4 C1: "Departure is effective today at 17:00 UTC", run
// that evening, left the departed SRE's copy of the Datadog keys valid for
// hours, with only a question to the requester). The caller then plans it
// again as of now, so what the person knew is overdue and revoked first.
func DeadlineMissed(f *Facts, now time.Time) bool {
	if now.IsZero() || f.Schedule.AsOf != "" || len(f.Schedule.Deadlines) == 0 {
		return false
	}
	now = now.Truncate(time.Minute)
	sch := cloneSchedule(f.Schedule)
	d := &dating{f: f, sch: &sch, raise: func(runbook.OpenItem) string { return "" }}
	d.date(now)
	for _, k := range f.TimeToKill {
		for _, dl := range sch.Deadlines {
			if k.Deadline == "" || dl.ID != k.Deadline {
				continue
			}
			if due, err := time.Parse(time.RFC3339, dl.Due); err == nil && killAt(f, &sch, k, now).After(due) {
				return true
			}
		}
	}
	return false
}

func cloneSchedule(s runbook.Schedule) runbook.Schedule {
	out := s
	out.Windows = slices.Clone(s.Windows)
	out.Blackouts = slices.Clone(s.Blackouts)
	out.Deadlines = slices.Clone(s.Deadlines)
	return out
}

// dating puts one schedule on the calendar.
type dating struct {
	f     *Facts
	sch   *runbook.Schedule
	raise func(runbook.OpenItem) string
	given bool
}

// date: relative days become dates; each window gets its next usable
// opening (outside its secrets' blackouts, long enough for its steps), each
// deadline its due time, and production work its start (now, or when the
// blackout now falls in ends). What cannot fit is an open item.
func (d *dating) date(asOf time.Time) {
	f, sch := d.f, d.sch
	asOf = asOf.Truncate(time.Minute)
	sch.AsOf = asOf.Format(time.RFC3339)
	for _, list := range [][]runbook.TimeWindow{sch.Windows, sch.Blackouts} {
		for i := range list {
			w := &list[i]
			if n, ok := relativeDays[w.RelativeDay]; ok {
				loc, _, err := runbook.LoadZone(w.TZ)
				if err != nil {
					loc = time.UTC
				}
				day := asOf.In(loc).AddDate(0, 0, n).Format("2006-01-02")
				w.From, w.Until, w.RelativeDay = day, day, ""
			}
		}
	}
	for i := range sch.Deadlines {
		dl := &sch.Deadlines[i]
		if dl.Due != "" {
			continue
		}
		if day, due, ok := resolveDay(dl.Day, dl.At, dl.TZ, asOf); ok {
			dl.Day, dl.Due = day, due.Format(time.RFC3339)
		}
	}
	blackoutsOf := func(ids []string) []runbook.TimeWindow {
		var out []runbook.TimeWindow
		for _, b := range sch.Blackouts {
			if runbook.ScopesMeet(b.SecretIDs, ids) {
				out = append(out, b)
			}
		}
		return out
	}
	// A blackout on business days of the month is dated: "the last
	// business day of each month" is Thu 2026-12-31 this month (hook3 h2).
	for i := range sch.Blackouts {
		b := &sch.Blackouts[i]
		if len(b.BusinessDaysOfMonth) == 0 {
			continue
		}
		if occ := schedule.Occurrences(*b, asOf, asOf.Add(schedule.Horizon)); len(occ) > 0 {
			b.Next = &runbook.Slot{Start: inZone(occ[0].Start, b.TZ), End: inZone(occ[0].End, b.TZ), Label: schedule.Label(occ[0], b.TZ)}
		}
	}
	for i := range sch.Windows {
		w := &sch.Windows[i]
		need, steps := windowNeed(f, w.ID)
		ids := w.SecretIDs
		if len(ids) == 0 {
			ids = allIDs(f)
		}
		// The first usable opening comes after the runbook's own lead time:
		// engineering hears of the rotation a day ahead (review17: "next:
		// Mon 22:00" on the day itself was impossible).
		lead := f.EngineeringNotice()
		if n := noticeEnd(f, asOf); n.Sub(asOf) > lead {
			lead = n.Sub(asOf)
		}
		length := time.Duration(max(need, 1)) * time.Minute
		slot, ok := schedule.NextSlot(*w, blackoutsOf(ids), asOf.Add(lead), length)
		switch {
		case slot.Start.IsZero():
			d.raise(runbook.OpenItem{Source: w.Source, Text: w.Note,
				Question: fmt.Sprintf("Window %s (%s) never opens outside the blackouts in the next %d days: which time may the rotation use instead?", w.ID, w.Label(), int(schedule.Horizon.Hours()/24)),
				Blocks:   windowSecrets(f, w.ID)})
			continue
		case !ok && (d.given || schedule.Length(*w) >= need):
			// (Without as_of, a window shorter than its steps was raised with
			// the facts already.)
			d.raise(runbook.OpenItem{Source: w.Source, Text: w.Note,
				Question: fmt.Sprintf("Window %s (%s) opens for %d minutes at most, and its %d production steps need about %d: may the work spread over several openings, or is there a longer window?", w.ID, w.Label(), int(slot.Duration().Minutes()), steps, need),
				Blocks:   windowSecrets(f, w.ID)})
		}
		w.Next = &runbook.Slot{Start: inZone(slot.Start, w.TZ), End: inZone(slot.End, w.TZ), Label: schedule.Label(slot, w.TZ)}
		var why []string
		if w.End == "" {
			why = append(why, "end not given: one hour counted, see the open items")
		}
		if early, _ := schedule.NextSlot(*w, blackoutsOf(ids), asOf, length); lead > 0 && !early.Start.Equal(slot.Start) {
			if du := leadDuty(f, asOf); du != nil && lead > f.EngineeringNotice() {
				why = append(why, fmt.Sprintf("the first %s after the notice to %s (%s)", du.LeadText(), dutyWho(*du), du.ID))
			} else {
				why = append(why, fmt.Sprintf("the first after the %d h engineering notice", int(lead.Hours())))
			}
		}
		if last := d.lastBefore(*w, ids, asOf, slot, length, blackoutsOf(ids)); last != "" {
			why = append(why, last)
		}
		w.Next.Why = strings.Join(why, "; ")
	}
	for _, dl := range sch.Deadlines {
		due, err := time.Parse(time.RFC3339, dl.Due)
		if dl.Due == "" || err != nil {
			continue
		}
		ids := dl.SecretIDs
		if len(ids) == 0 {
			ids = allIDs(f)
		}
		if due.Before(asOf) {
			d.raise(runbook.OpenItem{Source: dl.Source, Text: dl.Note, Question: fmt.Sprintf("Deadline %s (%s) has already passed as of %s: is the work overdue, or is the date wrong?", dl.ID, dl.Label(), runbook.FormatMoment(asOf, dl.TZ)),
				Blocks: dl.SecretIDs})
		}
		// "revoked before the freeze starts": a deadline at a blackout's
		// start is no deadline inside it (review17-cold6 r45).
		if in := schedule.In(due, blackoutsOf(ids)); len(in) > 0 && len(schedule.In(due.Add(-time.Minute), blackoutsOf(ids))) > 0 {
			d.raise(runbook.OpenItem{Source: dl.Source, Text: dl.Note,
				Question: fmt.Sprintf("Deadline %s (%s) falls inside blackout %s: may the work it bounds run in the blackout, or must it finish before the blackout starts?", dl.ID, dl.Label(), strings.Join(in, ", ")),
				Blocks:   dl.SecretIDs})
		}
	}
	// When production work may start: now, or when the blackouts now falls
	// in end (an exposed credential does not wait: see the checklist).
	var held []string
	for _, s := range f.Secrets {
		if !s.NeverRestored() {
			held = append(held, s.ID)
		}
	}
	start, waited := asOf, []string(nil)
	var why []string
	if du := leadDuty(f, asOf); du != nil {
		// "Patient Comms must be told 3 business days ahead".
		start = du.LeadEnd(asOf)
		why = append(why, fmt.Sprintf("%s after the notice to %s (%s)", du.LeadText(), dutyWho(*du), du.ID))
	}
	if len(held) > 0 {
		start, waited = schedule.FreeFrom(blackoutsOf(held), start)
	}
	sch.WorkStarts = &runbook.Slot{Start: start.Format(time.RFC3339), Label: runbook.FormatMoment(start, zoneOf(sch)), Why: "as of the request"}
	if len(waited) > 0 {
		why = append(why, "blackout "+strings.Join(waited, ", ")+" holds production steps until then")
	}
	if len(why) > 0 {
		sch.WorkStarts.Why = strings.Join(why, "; ")
	}
}

// leadDuty is the notice whose lead time ends last, as of a moment, or nil.
func leadDuty(f *Facts, asOf time.Time) *Duty {
	var out *Duty
	for i := range f.Duties {
		d := &f.Duties[i]
		if d.Lead != "" && (out == nil || d.LeadEnd(asOf).After(out.LeadEnd(asOf))) {
			out = d
		}
	}
	return out
}

// noticeEnd is when the notices' lead times end, as of a moment (the moment
// itself with none).
func noticeEnd(f *Facts, asOf time.Time) time.Time {
	if du := leadDuty(f, asOf); du != nil {
		return du.LeadEnd(asOf)
	}
	return asOf
}

// lastBefore names the last usable opening of a window before the dated
// blackout (a freeze) or the deadline that follows its next one, or "": the
// operator must know that a later opening is gone (review17: Dec 15 is the
// last Tuesday before the freeze). A deadline no opening meets is raised.
func (d *dating) lastBefore(w runbook.TimeWindow, ids []string, asOf time.Time, next schedule.Interval, length time.Duration, blackouts []runbook.TimeWindow) string {
	var limit time.Time
	what := ""
	for _, b := range blackouts {
		if !b.Dated() {
			continue
		}
		if occ := schedule.Occurrences(b, next.Start, next.Start.Add(schedule.Horizon)); len(occ) > 0 && (limit.IsZero() || occ[0].Start.Before(limit)) {
			limit, what = occ[0].Start, fmt.Sprintf("blackout %s (%s)", b.ID, b.Label())
		}
	}
	for _, dl := range d.sch.Deadlines {
		due, err := time.Parse(time.RFC3339, dl.Due)
		if err != nil || !runbook.ScopesMeet(dl.SecretIDs, ids) || !due.After(asOf) {
			continue
		}
		if limit.IsZero() || due.Before(limit) {
			limit, what = due, fmt.Sprintf("deadline %s (%s)", dl.ID, dl.Label())
		}
	}
	if limit.IsZero() {
		return ""
	}
	if next.End.After(limit) {
		d.raise(runbook.OpenItem{Source: w.Source, Text: w.Note,
			Question: fmt.Sprintf("Window %s's first usable opening (%s) ends after %s: may the work run outside the window, or is the date movable?", w.ID, schedule.Label(next, w.TZ), what),
			Blocks:   windowSecrets(d.f, w.ID)})
		return ""
	}
	last := next
	for range 400 {
		n, ok := schedule.NextSlot(w, blackouts, last.End, length)
		if !ok || n.End.After(limit) || !n.Start.After(last.Start) {
			break
		}
		last = n
	}
	if last.Start.Equal(next.Start) {
		return "also the last before " + what
	}
	return "the last before " + what + ": " + schedule.Label(last, w.TZ)
}

// relativeDays are the relative days a schedule keeps as words until it is
// dated (intake's canonical words).
var relativeDays = map[string]int{"today": 0, "tomorrow": 1, "the day after tomorrow": 2}

// resolveDay dates a deadline's day (a date, a relative day, a weekday, or
// none: the next time the clock shows its hour) as of a moment.
func resolveDay(day, at, tz string, asOf time.Time) (string, time.Time, bool) {
	loc, _, err := runbook.LoadZone(tz)
	if err != nil {
		loc = time.UTC
	}
	clock, ok := runbook.ParseClock(at)
	if !ok {
		return "", time.Time{}, false
	}
	now := asOf.In(loc)
	var d time.Time
	switch n, rel := relativeDays[day]; {
	case runbook.ValidDate(day) && !strings.HasPrefix(day, "--"):
		t, err := time.ParseInLocation("2006-01-02", day, loc)
		if err != nil {
			return "", time.Time{}, false
		}
		d = t
	case strings.HasPrefix(day, "--"):
		if d, ok = schedule.NextAnnual(day, now); !ok {
			return "", time.Time{}, false
		}
	case intake.PeriodEndDays["month"] == day || intake.PeriodEndDays["quarter"] == day || intake.PeriodEndDays["year"] == day:
		d, _ = intake.PeriodEnd(day, now)
	case rel:
		d = now.AddDate(0, 0, n)
	case slices.Contains(runbook.Weekdays, day):
		d = now
		for runbook.Weekdays[(int(d.Weekday())+6)%7] != day {
			d = d.AddDate(0, 0, 1)
		}
	case day == "":
		d = now
		if time.Date(d.Year(), d.Month(), d.Day(), clock/60%24, clock%60, 0, 0, loc).Before(now) {
			d = d.AddDate(0, 0, 1)
		}
	default:
		return "", time.Time{}, false
	}
	due := time.Date(d.Year(), d.Month(), d.Day(), clock/60%24, clock%60, 0, 0, loc)
	return due.Format("2006-01-02"), due, true
}

// dateDuty dates a duty's clock from a moment.
func dateDuty(du *Duty, asOf time.Time) {
	if du.Lead != "" {
		// A notice ahead of the work: sent now, production waits for the
		// lead time after it.
		at := asOf.Truncate(time.Minute)
		end := du.LeadEnd(at)
		du.Due, du.NotBefore = at.Format(time.RFC3339), end.Format(time.RFC3339)
		du.Label = fmt.Sprintf("%s by %s, %s before the first production step (none before %s)", dutyWho(*du), runbook.FormatMoment(at, "UTC"), du.LeadText(), runbook.FormatMoment(end, "UTC"))
		return
	}
	if du.Every != "" && du.Within == "" && du.At == "" {
		// "every 30 min", "daily at 10:00", "every hour ..., then twice a
		// day (09:00 and 16:00)": the cadence and the first time it is due.
		every, err := time.ParseDuration(du.Every)
		if err != nil {
			return
		}
		first := asOf.Truncate(time.Minute).Add(every)
		var at []string
		for _, t := range du.Times {
			if _, due, ok := resolveDay("", t, du.TimesTZ, asOf); ok {
				at = append(at, t)
				if every >= 24*time.Hour && (len(at) == 1 || due.Before(first)) {
					first = due
				}
			}
		}
		label := "every " + cadenceWords(every)
		if len(at) > 0 {
			zone := du.TimesTZ
			if zone == "" {
				zone = "UTC"
			}
			daily := "daily at " + andJoin(at) + " " + zone
			if every >= 24*time.Hour {
				label = daily
			} else {
				label += ", then " + daily
			}
		}
		du.Due = first.UTC().Format(time.RFC3339)
		du.Cadence = label + " (first " + runbook.FormatMoment(first, "UTC")
		if z := firstZone(du.TimesTZ); z != "UTC" {
			loc, _, _ := runbook.LoadZone(z)
			du.Cadence += ", " + first.In(loc).Format("15:04") + " " + z
		}
		du.Cadence += ")"
		du.Label = dutyWho(*du) + ": " + du.Cadence
		return
	}
	if du.Within == "" && du.At != "" {
		if _, due, ok := resolveDay(du.Day, du.At, du.TZ, asOf); ok {
			du.Due = due.UTC().Format(time.RFC3339)
			du.Label = dutyWho(*du) + " by " + runbook.FormatMoment(due, du.TZ)
			return
		}
	}
	if du.Within == "" {
		du.Label = dutyWho(*du) + ": as soon as it applies (no clock given)"
		return
	}
	dur, err := time.ParseDuration(du.Within)
	if err != nil {
		return
	}
	due := asOf.Truncate(time.Minute).Add(dur)
	du.Due = due.Format(time.RFC3339)
	du.Label = dutyWho(*du) + " by " + runbook.FormatMoment(due, "UTC") + " (" + du.Within + " from " + runbook.FormatMoment(asOf, "UTC") + ")"
}

// windowNeed is how long the production steps booked in a window take, and
// how many there are (the durations the time to kill is planned with).
func windowNeed(f *Facts, id string) (need, steps int) {
	for _, st := range f.Steps {
		if st.Window == id && runbook.IsProduction(st.Environment) {
			prop := 0
			if s := f.SecretByID(st.SecretID); s != nil {
				prop = s.PropagationSeconds
			}
			need += exposure.StepMinutes(st.Phase, prop)
			steps++
		}
	}
	return need, steps
}

// stepsIn lists the steps bound to a window or deadline, as s<order>.
func stepsIn(f *Facts, id string) []string {
	out := []string{}
	for _, st := range f.Steps {
		if st.Window == id {
			out = append(out, fmt.Sprintf("s%d", st.Order))
		}
	}
	return out
}

// trackOf is the departing person's access track when a deadline dates it:
// every step that removes their access, the store access too (it has no
// deadline of its own: it goes before the first new value is written), so
// that none runs now while its siblings wait for the deadline's date.
func trackOf(f *Facts, id string) []string {
	dated := false
	for _, a := range f.Access {
		dated = dated || a.Deadline == id
	}
	out := []string{}
	for _, st := range f.Steps {
		if dated && st.Access != "" && st.Window != id {
			out = append(out, fmt.Sprintf("s%d", st.Order))
		}
	}
	return out
}

func allIDs(f *Facts) []string {
	out := make([]string, len(f.Secrets))
	for i, s := range f.Secrets {
		out[i] = s.ID
	}
	return out
}

// windowSecrets are the secrets whose steps wait for a window.
func windowSecrets(f *Facts, id string) []string {
	var out []string
	for _, s := range f.Secrets {
		if s.Window == id {
			out = append(out, s.ID)
		}
	}
	return out
}

func inZone(t time.Time, tz string) string {
	if t.IsZero() {
		return ""
	}
	loc, _, err := runbook.LoadZone(tz)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.RFC3339)
}

// zoneOf is the zone the schedule mostly uses, for printing when work
// starts.
func zoneOf(sch *runbook.Schedule) string {
	for _, b := range sch.Blackouts {
		return b.TZ
	}
	for _, w := range sch.Windows {
		return w.TZ
	}
	for _, d := range sch.Deadlines {
		return d.TZ
	}
	return "UTC"
}

// StaleAfter is how long before the generation's clock a request's as_of
// may be before the runbook says, at the top, that it is planned from then;
// AheadAfter is how long after it.
const (
	StaleAfter = 24 * time.Hour
	AheadAfter = time.Hour
)

// StaleAsOf puts one open item at the very top of a runbook whose
// request's as_of is more than StaleAfter before the generation's clock
// (now), or more than AheadAfter after it (review18 round 5, X4). rotor
// honours as_of: the plan's T0 is as_of, so the item says the request is
// dated then, that every time on the card is planned from then, names each
// deadline and kill time that has passed since as_of, and asks to re-send
// with as_of now (or confirm) before any planned step runs. It holds every
// step that waits for a sign-off, never a containment step or the kill and
// production restoration of an exposed credential: "if it is still live,
// kill it now". A zero now (a replay) raises nothing; the item is the one
// thing of such a runbook that depends on the wall clock. Its id is o0, so
// the ids the sections name stay as raised.
func StaleAsOf(rb *runbook.Runbook, f *Facts, asOf, now time.Time) {
	if now.IsZero() || asOf.IsZero() {
		return
	}
	now, asOf = now.Truncate(time.Minute).UTC(), asOf.Truncate(time.Minute).UTC()
	behind, ahead := now.Sub(asOf), asOf.Sub(now)
	if behind <= StaleAfter && ahead <= AheadAfter {
		return
	}
	ago := func(d time.Duration) string {
		unit, n := "day", int(d.Hours()/24)
		if n == 0 {
			unit, n = "hour", int(d.Hours())
		}
		if n != 1 {
			unit += "s"
		}
		return fmt.Sprintf("%d %s", n, unit)
	}
	when := ago(behind) + " ago"
	if ahead > 0 {
		when = ago(ahead) + " from now"
	}
	names := map[string]string{}
	for _, sec := range f.Secrets {
		names[sec.ID] = sec.Name
	}
	// What has passed since as_of: deadlines, and kill times (each
	// credential once, at its last kill, with its step).
	var passed []string
	for _, dl := range rb.Schedule.Deadlines {
		if due, err := time.Parse(time.RFC3339, dl.Due); err == nil && due.Before(now) {
			passed = append(passed, fmt.Sprintf("deadline %s (%s)", dl.ID, dl.Label()))
		}
	}
	type kill struct {
		step int
		at   time.Time
		by   string
	}
	last, order := map[string]kill{}, []string{}
	freed := map[int]bool{}
	var killNow []int
	for _, k := range rb.TimeToKill {
		at, err := time.Parse(time.RFC3339, k.At)
		if k.Deadline == "" {
			freed[k.Step] = true
			killNow = append(killNow, k.Step)
		}
		if err != nil || !at.Before(now) {
			continue
		}
		key := k.SecretID
		if key == "" {
			key = "reach"
		}
		by := "dead by "
		if k.Deadline != "" {
			by = "by "
		}
		if _, ok := last[key]; !ok {
			order = append(order, key)
		}
		if p, ok := last[key]; !ok || at.After(p.at) {
			last[key] = kill{k.Step, at, by + runbook.FormatMoment(at, "UTC")}
		}
	}
	for _, key := range order {
		name := names[key]
		if key == "reach" || name == "" {
			name = "what the exposed credentials could read"
		}
		passed = append(passed, fmt.Sprintf("the kill of %s (step %d, %s)", name, last[key].step, last[key].by))
	}
	// A credential whose deadline has passed by now is overdue whichever
	// date is right: its track (all but its investigation and clean-up:
	// the replacement, the kill and the restoration after a kill) never
	// waits for the
	// answer either (review18 round 6 X3: a stale as_of held the
	// dual-credential rotation of a leaver's deploy key, Stripe key and
	// AppRole secret-id, overdue for days, until the requester answered).
	lastKill, overdueOrder := map[string]int{}, []string{}
	for _, k := range rb.TimeToKill {
		if k.Reach || k.SecretID == "" {
			continue
		}
		dl := scheduleDeadline(rb.Schedule, k.Deadline, k.SecretID)
		if dl == nil {
			continue
		}
		if due, err := time.Parse(time.RFC3339, dl.Due); err != nil || !due.Before(now) {
			continue
		}
		if _, ok := lastKill[k.SecretID]; !ok {
			overdueOrder = append(overdueOrder, k.SecretID)
		}
		lastKill[k.SecretID] = max(lastKill[k.SecretID], k.Step)
	}
	overdueSteps := map[string][]int{}
	var blocks []string
	for i := range f.Steps {
		st := &f.Steps[i]
		if _, ok := lastKill[st.SecretID]; ok && !freed[st.Order] && st.Phase != runbook.PhaseInvestigate && st.Phase != runbook.PhaseCleanup {
			freed[st.Order] = true
			overdueSteps[st.SecretID] = append(overdueSteps[st.SecretID], st.Order)
		}
		if f.NeverWaits(st) || freed[st.Order] {
			continue
		}
		blocks = append(blocks, fmt.Sprintf("s%d", st.Order))
	}
	text := fmt.Sprintf("The request is dated %s, %s (this runbook was made %s): every time on the card is planned from then.",
		runbook.FormatMoment(asOf, "UTC"), when, runbook.FormatMoment(now, "UTC"))
	if len(passed) > 0 {
		text += fmt.Sprintf(" Passed since then: %s.", strings.Join(passed, "; "))
	}
	q := fmt.Sprintf("The request is dated %s, %s; every time on the card is planned from then", runbook.FormatMoment(asOf, "UTC"), when)
	if len(passed) > 0 {
		q += fmt.Sprintf("; passed since then: %s", strings.Join(passed, "; "))
	}
	q += ". Re-send the request with as_of now, or confirm these times, before any planned step runs?"
	if len(killNow) > 0 {
		slices.Sort(killNow)
		killNow = slices.Compact(killNow)
		var refs []string
		for _, n := range killNow {
			refs = append(refs, strconv.Itoa(n))
		}
		word := "step "
		if len(refs) > 1 {
			word = "steps "
		}
		q += fmt.Sprintf(" This never holds the kill of a credential killed first (%s%s): if it is still live, kill it now.", word, strings.Join(refs, ", "))
	}
	var run []string
	for _, id := range overdueOrder {
		if steps := overdueSteps[id]; len(steps) > 0 {
			run = append(run, fmt.Sprintf("%s, %s", names[id], stepRange(steps)))
		}
	}
	if len(run) > 0 {
		lead := " Nor does it hold"
		if len(killNow) == 0 {
			lead = " It never holds"
		}
		q += fmt.Sprintf("%s the rotation of a credential whose deadline has passed (%s): run it now.", lead, strings.Join(run, "; "))
	}
	if blocks == nil {
		blocks = []string{}
	}
	rb.OpenItems = append([]runbook.OpenItem{{ID: "o0", Source: "as_of", Text: text, Question: q, Blocks: blocks}}, rb.OpenItems...)
}

// scheduleDeadline is the deadline a kill names, else the first one that
// covers its secret, or nil.
func scheduleDeadline(sch runbook.Schedule, id, secretID string) *runbook.Deadline {
	for i, d := range sch.Deadlines {
		if id != "" && d.ID == id {
			return &sch.Deadlines[i]
		}
	}
	if id != "" {
		return nil
	}
	for i, d := range sch.Deadlines {
		if len(d.SecretIDs) == 0 || runbook.OneOf(d.SecretIDs, secretID) {
			return &sch.Deadlines[i]
		}
	}
	return nil
}

// stepRange says steps in order: "step 4", "steps 4-9", "steps 4, 6-8".
func stepRange(steps []int) string {
	slices.Sort(steps)
	steps = slices.Compact(steps)
	var parts []string
	for i := 0; i < len(steps); {
		j := i
		for j+1 < len(steps) && steps[j+1] == steps[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", steps[i], steps[j]))
		} else {
			parts = append(parts, strconv.Itoa(steps[i]))
		}
		i = j + 1
	}
	if len(steps) == 1 {
		return "step " + parts[0]
	}
	return "steps " + strings.Join(parts, ", ")
}

// cadenceWords says a duty's period: "30 min", "hour", "2 hours", "day".
func cadenceWords(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hour"
	case d == 24*time.Hour:
		return "day"
	case d == 168*time.Hour:
		return "week"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d min", d/time.Minute)
}

func firstZone(tz string) string {
	if tz == "" {
		return "UTC"
	}
	return tz
}
