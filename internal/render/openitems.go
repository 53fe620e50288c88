package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// OpenItem is an open item as every rendering shows it: its words, its
// question and what waits for its answer.
type OpenItem struct {
	runbook.OpenItem
	// Holds says what waits for the answer ("steps 12-21, 26"), or "" when
	// the item holds nothing by itself.
	Holds string `json:"holds"`
	// Before is the first step it holds (0 for none): the card asks for
	// the answer before it.
	Before int `json:"before,omitempty"`
	// Ask says who answers it: the requester for what the request says,
	// the owners of the secrets whose steps it holds otherwise (a tabletop
	// reader could not tell whom to ask).
	Ask string `json:"ask,omitempty"`
}

// OpenItems lists the runbook's open items with the steps each holds back.
// A blocked id that names no step of the runbook is said as it is, so
// nothing an item holds is hidden.
func OpenItems(rb *runbook.Runbook) []OpenItem {
	out := make([]OpenItem, 0, len(rb.OpenItems))
	for _, o := range rb.OpenItems {
		var parts []string
		before := 0
		steps := o.HeldSteps(rb.Sections.RotationSequence)
		if len(steps) > 0 {
			parts = append(parts, StepRanges(steps))
			before = slices.Min(steps)
		}
		for _, b := range o.Blocks {
			if !namesAStep(rb.Sections.RotationSequence, b) {
				parts = append(parts, b)
			}
		}
		out = append(out, OpenItem{OpenItem: o, Holds: strings.Join(parts, "; "), Before: before, Ask: asks(rb, o)})
	}
	return out
}

// namesAStep reports whether a blocked id holds some step of the sequence.
func namesAStep(rs *runbook.RotationSequence, b string) bool {
	o := runbook.OpenItem{Blocks: []string{b}}
	return len(o.HeldSteps(rs)) > 0
}

// StepRanges writes step numbers as ranges: "step 4", "steps 12-21, 26".
func StepRanges(orders []int) string {
	word := "steps "
	if len(orders) == 1 {
		word = "step "
	}
	return word + Ranges(orders)
}

// Ranges writes numbers as ranges: "4", "12-21, 26".
func Ranges(orders []int) string {
	var parts []string
	for i := 0; i < len(orders); {
		j := i
		for j+1 < len(orders) && orders[j+1] == orders[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", orders[i], orders[j]))
		} else {
			parts = append(parts, fmt.Sprint(orders[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// lookItUp ends an item's Ask when the cluster or the store shows the
// answer too.
const lookItUp = " (or look it up)"

// asks says who answers an open item: whoever wrote the request for what
// it says (a constraint, a note), the secret's owner for a question about
// one secret, else the owners of the secrets whose steps it holds; what
// the cluster and the store show (workload kinds, namespaces, paths) can
// be read there too.
func asks(rb *runbook.Runbook, o runbook.OpenItem) string {
	if pf := rb.Sections.Preflight; pf != nil {
		// A go the request demands is asked of the person it names.
		for _, a := range pf.Approvals {
			if a.IsRequestedGo() && strings.Contains(a.Scope, "open item "+o.ID+":") {
				return a.Approver
			}
		}
	}
	if strings.HasPrefix(o.Source, "constraints") || o.Source == "notes" || o.Source == "as_of" {
		return "the requester"
	}
	var secrets []runbook.InventorySecret
	if inv := rb.Sections.Inventory; inv != nil {
		secrets = inv.Secrets
	}
	var who []string
	add := func(owner string) {
		// "Support Engineering with Security": the owner answers.
		owner, _, _ = strings.Cut(owner, " with ")
		if owner = strings.TrimSpace(owner); owner != "" && !slices.Contains(who, owner) {
			who = append(who, owner)
		}
	}
	var i int
	if n, _ := fmt.Sscanf(o.Source, "secrets[%d]", &i); n == 1 && i < len(secrets) {
		add(secrets[i].Owner)
	} else {
		ids := map[string]bool{}
		for _, st := range rb.Sections.RotationSequence.AllSteps() {
			if o.Holds(st) && st.SecretID != "" {
				ids[st.SecretID] = true
			}
		}
		for _, s := range secrets {
			if ids[s.ID] {
				add(s.Owner)
			}
		}
	}
	if len(who) == 0 {
		return ""
	}
	out := strings.Join(who, ", ")
	if o.Source == "secret_store" || o.Source == "deployment" && strings.Contains(o.Question, "kind of workload") {
		out += lookItUp
	}
	return out
}
