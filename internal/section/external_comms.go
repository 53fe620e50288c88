package section

import (
	"fmt"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// externalComms is section 8: whether customers or vendors must be told,
// and the messages. Never asked in parts.
var externalComms = &def[runbook.ExternalComms]{
	id:    runbook.SectionExternalComms,
	title: "Customer and vendor communication",
	field: func(s *runbook.Sections) **runbook.ExternalComms { return &s.ExternalComms },
	write: writer.ExternalComms,
	check: func(f *planner.Facts, s *runbook.ExternalComms) []string {
		if s.Applicable != f.ExternalComms.Applicable {
			return []string{fmt.Sprintf("external_comms.applicable is %v; the facts say %v (%s)", s.Applicable, f.ExternalComms.Applicable, f.ExternalComms.Reason)}
		}
		return nil
	},
	merge: func(a, b *runbook.ExternalComms) { a.Messages = union(a.Messages, b.Messages) },
}
