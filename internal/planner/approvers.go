package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// assumedApprover is the assumption written when nobody is named to approve.
const assumedApprover = "no approver named: the Security team is assumed to approve"

// nameApprover makes an approver the request names in its text ("CAB
// approval required") an approver of the runbook. It replaces the assumed
// Security team: a named approval body is never swapped for the default.
func (f *Facts) nameApprover(name string) {
	if f.approverAssumed {
		f.Approvers = nil
		f.Assumptions = slices.DeleteFunc(f.Assumptions, func(a string) bool { return a == assumedApprover })
		f.approverAssumed = false
	}
	// "the Change Manager's approval" with the structured approver "Change
	// Manager (Priya Raman)": one approver, named as the request's field does.
	if slices.ContainsFunc(f.Approvers, func(a string) bool { return strings.Contains(strings.ToLower(a), strings.ToLower(name)) }) {
		return
	}
	f.Approvers = append(f.Approvers, name)
}

// askApprover raises who approves when the request asks for change approval
// but names nobody (no owner with the approver role, no body in the text):
// the runbook shows the assumed Security team until the answer, and says so
// at the top rather than in the assumptions alone.
func askApprover(f *Facts) {
	if !f.approverAssumed {
		return
	}
	if f.assumedNamed != "" {
		// "Security is informed": the request gives the assumed approver
		// another role, so assuming it approves contradicts the request.
		f.Raise(runbook.OpenItem{Source: "owners", Text: fmt.Sprintf("Who approves (no approver is named, and %s is named as %s)?", f.assumedNamed, f.assumedRole),
			Question: fmt.Sprintf("Who approves this rotation? The request names %s only as %s, not as an approver; the runbook shows %s as the approver until you answer, and no step starts before that approval.", f.assumedNamed, f.assumedRole, f.assumedNamed),
			Blocks:   []string{}})
		return
	}
	if !f.ChangeTicket {
		return
	}
	f.Raise(runbook.OpenItem{Source: "constraints", Text: "Who approves the change ticket (change approval is required, nobody is named)?",
		Question: "Who approves the change ticket (a CAB, a change manager, a named person)? The runbook shows Security as the approver until you answer; no step starts before that approval.",
		Blocks:   []string{}})
}

// cadence records how often the rotation is due: the shortest period the
// request names wins, and the step that records the next due date and the
// audit evidence give it.
func (a *applier) cadence(d intake.Directive) {
	every, err := time.ParseDuration(d.Within)
	if err != nil || every < 24*time.Hour {
		return
	}
	days := int(every / (24 * time.Hour))
	f := a.f
	due := ""
	if d.Deadline != nil {
		due = d.Deadline.Date
	}
	if f.Cadence == nil || days < f.Cadence.Days {
		f.Cadence = &Cadence{Days: days, Requirement: d.Value, Text: a.t.Text, Due: due}
	}
	cites := ""
	if d.Value != "" {
		cites = " citing " + d.Value
	}
	reading := fmt.Sprintf("the rotation is due every %d days", days)
	if due != "" {
		// "last rotation was 2026-06-20": the due date is a deadline
		// (intake reads it as one while it is ahead).
		reading += "; next due " + due
		if end, ok := d.Deadline.Due(); ok && !f.readAsOf.IsZero() && !end.After(f.readAsOf) {
			reading += " (overdue: the rotation is due now)"
		}
	}
	a.r.add(ckCompliance, reading,
		fmt.Sprintf("the last step records the next due date, at most %d days after this rotation finishes, and the audit evidence records it%s", days, cites))
}

// informedOwners makes each owner whose role says it is only kept informed
// ("informed") a party the runbook tells: before the start and at
// completion with the revoke checks' output, recorded in the audit evidence
// (review17-cold3 r5: Security, "informed", was in no message). A text that
// already keeps it informed ("Security is informed") is that duty.
func informedOwners(f *Facts, req *runbook.Request) {
	for i, o := range req.Owners {
		if !strings.Contains(strings.ToLower(string(o.Role)), "inform") {
			continue
		}
		if slices.ContainsFunc(f.Duties, func(d Duty) bool {
			return strings.EqualFold(strings.TrimPrefix(d.Who, "the "), o.Name)
		}) {
			continue
		}
		f.Duties = append(f.Duties, Duty{ID: fmt.Sprintf("c%d", len(f.Duties)+1), Party: intake.PartyTeam, Who: o.Name, Label: o.Name,
			Text: fmt.Sprintf("%s (role: %s)", o.Name, o.Role), Source: fmt.Sprintf("owners[%d]", i), Informed: true})
	}
}
