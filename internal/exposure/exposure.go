// Package exposure is rotor's one policy on exposed credentials
// (ROTATION_RULES.md §2 rules 6, 8 and 18): what an exposure calls for (a kill
// within minutes, a kill by a deadline, an assessment, or planned work that
// keeps its overlap), the words a step that kills a credential says, and how
// long steps are planned to take. The planner decides with it and the linter
// checks a runbook with it, each reading its own input: the planner the
// request, the linter the runbook.
package exposure

import (
	"fmt"
	"regexp"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Compromise says whether a credential must be treated as leaked.
type Compromise string

// Compromise levels.
const (
	CompromiseNone      Compromise = "none"
	CompromiseSuspected Compromise = "suspected"
	CompromiseConfirmed Compromise = "confirmed"
)

// CompromiseOf reads the exposure and the trigger the safe way: public is
// always a confirmed leak; a confirmed leak with an unknown or third-party
// exposure is treated as confirmed; internal exposure is assessed before
// acting; a vendor incident makes what the vendor held suspect.
func CompromiseOf(t runbook.Trigger, e runbook.Exposure) Compromise {
	if e == runbook.ExposurePublic {
		return CompromiseConfirmed
	}
	if e == runbook.ExposureNone {
		return CompromiseNone
	}
	switch t {
	case runbook.TriggerConfirmedLeak:
		if e == runbook.ExposureInternal {
			return CompromiseSuspected
		}
		return CompromiseConfirmed
	case runbook.TriggerSuspectedLeak:
		return CompromiseSuspected
	case runbook.TriggerVendorChange:
		if e == runbook.ExposureThirdParty || e == runbook.ExposureUnknown {
			return CompromiseSuspected
		}
	}
	if e == runbook.ExposureThirdParty {
		// Held outside the company inside planned work (an offboarding, a
		// scheduled or compliance rotation): a screenshot in a vendor's
		// support ticket, an agency's copy. ROTATION_RULES.md §2 rule 6
		// binds the exposure, not the trigger: it is suspect, and dies
		// within minutes (review18 round 6 X9, review17-cold6 row 34).
		return CompromiseSuspected
	}
	return CompromiseNone
}

// Class is what an exposure calls for.
type Class string

// Classes, from the most urgent.
const (
	// KillNow: public, or held by a third party (whatever the trigger:
	// planned work that finds a third-party copy is a leak for that one). The old credential is dead within minutes of the start,
	// before any lower-environment step and before any other secret's work.
	KillNow Class = "kill_now"
	// Deadline: a departing person knew it. It is killed by the departure
	// deadline; with an overlap and time left, after its replacement.
	Deadline Class = "deadline"
	// Assess: an internal exposure on a leak. It is assessed, then rotated.
	Assess Class = "assess"
	// Planned: nothing was exposed. Planned work keeps the overlap the
	// provider allows and never revokes first.
	Planned Class = "planned"
)

// Classify says what a credential's exposure under a trigger calls for.
func Classify(t runbook.Trigger, e runbook.Exposure) Class {
	c := CompromiseOf(t, e)
	switch {
	case c == CompromiseConfirmed:
		return KillNow
	case c == CompromiseSuspected && e != runbook.ExposureInternal:
		return KillNow
	case t == runbook.TriggerOffboarding && e != runbook.ExposureNone:
		return Deadline
	case c == CompromiseSuspected:
		return Assess
	}
	return Planned
}

// Exposed reports whether the class makes the old credential die before its
// investigation, whatever windows say (a kill now or by a deadline).
func (c Class) Exposed() bool { return c == KillNow || c == Deadline }

// KillRE is what a step that kills a credential says it does: revoke,
// delete, expire, destroy, disable, deactivate, rotate away, promote over it.
var KillRE = regexp.MustCompile(`(?i)revok|delet|expir|destroy|disabl|deactivat|discard|remov|regenerat|retir|\bunset\b|\bdead\b|\block|nologin|password null|min_decryption_version|promot|invalidat|kill|roll (the )?(exposed|key|secret)|rotate (the )?(exposed|previous)|rotate-role|no longer accept|stop accepting`)

// RestrictRE is how a containment that keeps the credential alive (narrowed
// to its consumers) begins.
var RestrictRE = regexp.MustCompile(`(?i)^\s*restrict\b`)

// ReplaceSteps is how many steps of its own production replacement may come
// before a credential killed now: "replace, then kill" only when the
// replacement goes straight to production.
const ReplaceSteps = 5

// ReplaceWithin is how many planned minutes of replacement work (steps that
// neither contain nor kill) may come before the kill of a credential
// exposed publicly or to a third party: its own production replacement and
// one other's. Past it, the credential is revoked first. Containment ahead
// of it does not count: nothing kills it sooner.
const ReplaceWithin = 60

// KillWithin is the planned minutes, from T0, by which a credential
// exposed publicly or to a third party is dead in every environment
// (hook3 h2 and hook5 k5: a production key replaced first died at T0+35;
// review18 round 4 grades a kill after 30 minutes major). A replacement
// that cannot reach production and kill it by then is not waited for: the
// credential is revoked first, unless the request caps the downtime below
// the gap that leaves its consumers (then the replacement goes first and
// the late kill is raised).
const KillWithin = 15

// ReachKill is the planned minutes, from T0, by which the secrets a
// credential exposed outside the company could read are listed by name and
// each one is killed (revoke first), by a second operator in a lane of its
// own: they are as exposed as the credential (review18 round 4, X1).
const ReachKill = 30

// phaseMinutes is how long one step of a phase is planned to take, done by
// one person after the previous one (a conservative reading: tracks owned by
// different people may run in parallel).
var phaseMinutes = map[runbook.Phase]int{
	runbook.PhaseFreeze: 5, runbook.PhaseContain: 5, runbook.PhaseInvestigate: 30,
	runbook.PhaseCreate: 5, runbook.PhaseStore: 5, runbook.PhaseDeploy: 10, runbook.PhaseSwitch: 10,
	runbook.PhaseVerify: 5, runbook.PhaseRevoke: 5, runbook.PhaseCleanup: 5, runbook.PhaseUnfreeze: 5,
}

// StepMinutes is how long a step of phase p is planned to take; a verify
// step also waits out the provider's propagation delay.
func StepMinutes(p runbook.Phase, propagationSeconds int) int {
	m := phaseMinutes[p]
	if m == 0 {
		m = 5
	}
	if p == runbook.PhaseVerify && propagationSeconds > 0 {
		m += (propagationSeconds + 59) / 60
	}
	return m
}

// Label writes minutes from the start for people: "T0+10 min", "T0+2 h 05 min".
func Label(minutes int) string {
	if minutes < 60 {
		return fmt.Sprintf("T0+%d min", minutes)
	}
	if minutes%60 == 0 {
		return fmt.Sprintf("T0+%d h", minutes/60)
	}
	return fmt.Sprintf("T0+%d h %02d min", minutes/60, minutes%60)
}

// Replacing reports whether a step of phase p is part of putting a new
// credential in place (create to verify).
func Replacing(p runbook.Phase) bool {
	switch p {
	case runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify:
		return true
	}
	return false
}

// ReplaceMinutes is the planned time to replace a credential in n
// environments and kill the old one: create, store, deploy and verify in
// each, then revoke.
func ReplaceMinutes(n int) int {
	per := 0
	for _, p := range []runbook.Phase{runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseVerify, runbook.PhaseRevoke} {
		per += StepMinutes(p, 0)
	}
	return max(n, 1) * per
}

// LeavesTime reports whether a deadline leaves time to replace a credential
// before killing it, needing need minutes from asOf (RFC 3339). With a date
// and a moment to count from, it is arithmetic; a deadline without a date
// is a time later today or on a named day, which the work is planned
// against. One that has passed leaves none: the person may be gone.
func LeavesTime(d runbook.Deadline, asOf string, need int) bool {
	due, err1 := time.Parse(time.RFC3339, d.Due)
	now, err2 := time.Parse(time.RFC3339, asOf)
	if d.Due != "" && asOf != "" && err1 == nil && err2 == nil {
		return due.Sub(now) >= time.Duration(need)*time.Minute
	}
	return d.At != "" || d.Due != ""
}
