package lint

import (
	"strings"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// Decode reads a runbook to lint, strictly (unknown fields, duplicate keys
// and wrong types are refused with their paths), and refuses what is not a
// runbook: `{}`, a request, a runbook without a single section. Every rule
// skips an absent section, so such an input would otherwise lint clean and
// read as a safe runbook.
func Decode(data []byte) (*runbook.Runbook, error) {
	rb, err := decode.Runbook(data)
	if err != nil {
		return nil, err
	}
	var fields []runbook.FieldError
	if strings.TrimSpace(rb.System) == "" {
		fields = append(fields, runbook.FieldError{Path: "system", Problem: "missing: a runbook names the system it is for (is this a runbook from rotor generate or POST /runbooks?)"})
	}
	if rb.Trigger == "" {
		fields = append(fields, runbook.FieldError{Path: "trigger", Problem: "missing: a runbook says what triggered the rotation"})
	}
	present := 0
	for _, s := range section.All {
		if s.Present(&rb.Sections) {
			present++
		}
	}
	if present == 0 {
		fields = append(fields, runbook.FieldError{Path: "sections", Problem: "no section: there is nothing to lint (expected one or more of " + sectionNames() + ")"})
	}
	if len(fields) > 0 {
		return nil, &runbook.ValidationError{Fields: fields}
	}
	return rb, nil
}

func sectionNames() string {
	names := make([]string, len(section.IDs()))
	for i, id := range section.IDs() {
		names[i] = string(id)
	}
	return strings.Join(names, ", ")
}
