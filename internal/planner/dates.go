package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// stepMinutes estimates how long a production step takes, to check that a
// window is long enough for the steps booked in it.
var stepMinutes = map[runbook.Phase]int{runbook.PhaseCreate: 10, runbook.PhaseStore: 5, runbook.PhaseDeploy: 15,
	runbook.PhaseSwitch: 10, runbook.PhaseVerify: 10, runbook.PhaseRevoke: 5, runbook.PhaseCleanup: 5, runbook.PhaseContain: 5}

// dates puts the schedule on the calendar as of a moment: each window's
// next usable opening (outside its secrets' blackouts, long enough for its
// steps), each deadline and duty as an absolute time, and when production
// work may start (now, or when the blackout now falls in ends). What cannot
// fit is an open item. With no moment, nothing is dated.
func dates(f *Facts, asOf time.Time, given bool) {
	sch := &f.Schedule
	if asOf.IsZero() {
		return
	}
	if !given && len(sch.Windows)+len(sch.Blackouts)+len(sch.Deadlines)+len(f.Duties) == 0 {
		// Nothing to date: the facts stay the same whenever they are made.
		return
	}
	asOf = asOf.Truncate(time.Minute)
	sch.AsOf = asOf.Format(time.RFC3339)
	if !given {
		f.Assumptions = appendOnce(f.Assumptions, "dates as of "+runbook.FormatMoment(asOf, "UTC")+", when the runbook was made (no as_of given)")
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
	for i := range sch.Windows {
		w := &sch.Windows[i]
		need, steps := 0, 0
		for _, st := range f.Steps {
			if st.Window == w.ID && runbook.IsProduction(st.Environment) {
				need += stepMinutes[st.Phase]
				steps++
			}
		}
		ids := w.SecretIDs
		if len(ids) == 0 {
			ids = allIDs(f)
		}
		slot, ok := schedule.NextSlot(*w, blackoutsOf(ids), asOf, time.Duration(max(need, 1))*time.Minute)
		switch {
		case slot.Start.IsZero():
			f.Raise(runbook.OpenItem{Source: w.Source, Text: w.Note,
				Question: fmt.Sprintf("Window %s (%s) never opens outside the blackouts in the next %d days: which time may the rotation use instead?", w.ID, w.Label(), int(schedule.Horizon.Hours()/24)),
				Blocks:   windowSecrets(f, w.ID)})
			continue
		case !ok:
			f.Raise(runbook.OpenItem{Source: w.Source, Text: w.Note,
				Question: fmt.Sprintf("Window %s (%s) opens for %d minutes at most, and its %d production steps need about %d: may the work spread over several openings, or is there a longer window?", w.ID, w.Label(), int(slot.Duration().Minutes()), steps, need),
				Blocks:   windowSecrets(f, w.ID)})
		}
		w.Next = &runbook.Slot{Start: inZone(slot.Start, w.TZ), End: inZone(slot.End, w.TZ), Label: schedule.Label(slot, w.TZ)}
	}
	for i := range sch.Deadlines {
		d := &sch.Deadlines[i]
		due, err := time.Parse(time.RFC3339, d.Due)
		if d.Due == "" || err != nil {
			continue
		}
		ids := d.SecretIDs
		if len(ids) == 0 {
			ids = allIDs(f)
		}
		if due.Before(asOf) {
			f.Raise(runbook.OpenItem{Source: d.Source, Text: d.Note, Question: fmt.Sprintf("Deadline %s (%s) has already passed as of %s: is the work overdue, or is the date wrong?", d.ID, d.Label(), runbook.FormatMoment(asOf, d.TZ)),
				Blocks: d.SecretIDs})
		}
		if in := schedule.In(due, blackoutsOf(ids)); len(in) > 0 {
			f.Raise(runbook.OpenItem{Source: d.Source, Text: d.Note,
				Question: fmt.Sprintf("Deadline %s (%s) falls inside blackout %s: may the work it bounds run in the blackout, or must it finish before the blackout starts?", d.ID, d.Label(), strings.Join(in, ", ")),
				Blocks:   d.SecretIDs})
		}
	}
	for i := range f.Duties {
		du := &f.Duties[i]
		if du.Within == "" {
			du.Label = partyName(du.Party) + ": as soon as it applies (no clock given)"
			continue
		}
		dur, err := time.ParseDuration(du.Within)
		if err != nil {
			continue
		}
		due := asOf.Add(dur)
		du.Due = due.Format(time.RFC3339)
		du.Label = partyName(du.Party) + " by " + runbook.FormatMoment(due, "UTC") + " (" + du.Within + " from " + runbook.FormatMoment(asOf, "UTC") + ")"
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
	if len(held) > 0 {
		start, waited = schedule.FreeFrom(blackoutsOf(held), asOf)
	}
	sch.WorkStarts = &runbook.Slot{Start: start.Format(time.RFC3339), Label: runbook.FormatMoment(start, zoneOf(f)), Why: "as of the request"}
	if len(waited) > 0 {
		sch.WorkStarts.Why = "blackout " + strings.Join(waited, ", ") + " holds production steps until then"
	}
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
func zoneOf(f *Facts) string {
	for _, b := range f.Schedule.Blackouts {
		return b.TZ
	}
	for _, w := range f.Schedule.Windows {
		return w.TZ
	}
	for _, d := range f.Schedule.Deadlines {
		return d.TZ
	}
	return "UTC"
}
