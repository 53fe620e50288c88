package runbook

import "strconv"

// Holds reports whether the open item holds back a step: its Blocks name
// the step's secret or the step itself ("s12"). A step it holds waits for
// the answer.
func (o OpenItem) Holds(st Step) bool {
	ref := "s" + strconv.Itoa(st.Order)
	for _, b := range o.Blocks {
		if b == ref || (st.SecretID != "" && b == st.SecretID) {
			return true
		}
	}
	return false
}

// WaitingFor lists the ids of the open items that hold back a step, in the
// items' order.
func WaitingFor(items []OpenItem, st Step) []string {
	var ids []string
	for _, o := range items {
		if o.Holds(st) {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// HeldSteps lists the orders of the steps an open item holds back, in
// order.
func (o OpenItem) HeldSteps(rs *RotationSequence) []int {
	var out []int
	for _, st := range rs.AllSteps() {
		if o.Holds(st) {
			out = append(out, st.Order)
		}
	}
	return out
}
