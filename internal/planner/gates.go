package planner

import "github.com/rotor-dev/rotor/internal/runbook"

// NeverWaits reports whether a step never waits for a sign-off: a
// containment step, and the kill and production restoration of a
// credential exposed outside the company. Approvers are told at T0 and
// approve these after the fact (ROTATION_RULES.md §2 rule 6), so no
// approval, evidence line or checklist line may hold them.
func (f *Facts) NeverWaits(st *Step) bool {
	return st.Phase == runbook.PhaseContain || f.Restores(st)
}

// Restores reports whether a step replaces, in production, a credential
// exposed outside the company, or kills it there: the restoration of
// production that follows containment (its investigation and clean-up
// are not).
func (f *Facts) Restores(st *Step) bool {
	switch st.Phase {
	case runbook.PhaseContain, runbook.PhaseInvestigate, runbook.PhaseCleanup:
		return false
	}
	return urgentStep(f, st)
}

// ApprovalGate is the first step a change approval may hold: step 1 when
// nothing is contained, else the step after the last one that never
// waits, or 0 when every step is one of those (the approval then holds no
// step).
func (f *Facts) ApprovalGate() int {
	last := 0
	for i := range f.Steps {
		if f.NeverWaits(&f.Steps[i]) {
			last = f.Steps[i].Order
		}
	}
	if last >= len(f.Steps) {
		return 0
	}
	return last + 1
}

// FirstWaiting is the first step of the given secrets (every step when
// ids is empty) that an approval may hold, or 0 when there is none.
func (f *Facts) FirstWaiting(ids []string) int {
	gate := f.ApprovalGate()
	if gate == 0 {
		return 0
	}
	for _, st := range f.Steps {
		if st.Order >= gate && (len(ids) == 0 || runbook.OneOf(ids, st.SecretID)) {
			return st.Order
		}
	}
	return 0
}

// Contains reports whether the plan contains anything: a step that never
// waits for a sign-off.
func (f *Facts) Contains() bool {
	for i := range f.Steps {
		if f.NeverWaits(&f.Steps[i]) {
			return true
		}
	}
	return false
}
