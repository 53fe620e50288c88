package generate

import (
	"fmt"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Work is what writing a request costs: its planned steps (the rotation
// sequence, and the rollback and evidence that follow them) and its
// consumer-environment pairs (the inventory's dependencies and the
// validation checks list every one). Output size, time and memory grow
// with their sum, the request's work units.
type Work struct {
	Steps int
	Pairs int
}

// Units is the request's weight: what it counts against a budget.
func (w Work) Units() int { return w.Steps + w.Pairs }

func (w Work) String() string {
	return fmt.Sprintf("%d work units (%d planned steps, %d consumer-environment pairs)", w.Units(), w.Steps, w.Pairs)
}

// WorkOf weighs planned facts.
func WorkOf(f *planner.Facts) Work {
	w := Work{Steps: len(f.Steps)}
	for _, s := range f.Secrets {
		w.Pairs += len(s.Consumers) * len(s.Environments)
	}
	return w
}

// tooMuchWork is the 413 for a request over limit work units, saying what to
// shrink: the consumers or environments of a secret that is too big alone,
// else how many secrets to send per request.
func tooMuchWork(f *planner.Facts, w Work, limit int) error {
	steps := map[string]int{}
	for _, st := range f.Steps {
		steps[st.SecretID]++
	}
	shared := steps[""]
	var fields []runbook.FieldError
	biggest, alone := 0, 0
	for i, s := range f.Secrets {
		units := steps[s.ID] + len(s.Consumers)*len(s.Environments)
		biggest = max(biggest, units)
		if units+shared <= limit {
			continue
		}
		if alone++; alone <= 3 {
			fields = append(fields, runbook.FieldError{Path: fmt.Sprintf("secrets[%d].consumers", i), Problem: fmt.Sprintf(
				"this secret alone is %d work units (%d steps; %d consumers in %d environments): at most %d fit in one request; list fewer consumers or environments for it, or split them across requests",
				units, steps[s.ID], len(s.Consumers), len(s.Environments), limit)})
		}
	}
	if alone > 3 {
		fields = append(fields, runbook.FieldError{Path: "secrets", Problem: fmt.Sprintf("%d more secrets are too big alone in the same way", alone-3)})
	}
	if len(fields) == 0 {
		per := max(1, (limit-shared)/max(1, biggest))
		fields = append(fields, runbook.FieldError{Path: "secrets", Problem: fmt.Sprintf(
			"%d secrets in %d environments: send at most %d secrets per request (about %d requests), or fewer environments or consumers per secret",
			len(f.Secrets), len(f.Environments), per, (len(f.Secrets)+per-1)/per)})
	}
	return &runbook.Error{Code: runbook.CodeTooLarge, Fields: fields,
		Message: fmt.Sprintf("the request is too big to write at once: %s, at most %d per request (ROTOR_MAX_WORK)", w, limit)}
}
