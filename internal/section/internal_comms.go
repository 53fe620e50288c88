package section

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// internalComms is section 7: the messages to engineering, support and
// (when the rotation is not routine) leadership. A handful of messages
// about every secret: never asked in parts.
var internalComms = &def[runbook.InternalComms]{
	id:    runbook.SectionInternalComms,
	title: "Internal communication",
	field: func(s *runbook.Sections) **runbook.InternalComms { return &s.InternalComms },
	write: writer.InternalComms,
	check: checkInternalComms,
	merge: func(a, b *runbook.InternalComms) { a.Messages = union(a.Messages, b.Messages) },
}

func checkInternalComms(f *planner.Facts, s *runbook.InternalComms) []string {
	var v []string
	has := map[runbook.Audience]bool{}
	for _, m := range s.Messages {
		has[m.Audience] = true
	}
	audiences := []runbook.Audience{runbook.AudienceEngineering, runbook.AudienceSupport, runbook.AudienceLeadership}
	if f.Routine {
		// Ceremony follows risk: a routine rotation tells no leadership.
		audiences = audiences[:2]
		if has[runbook.AudienceLeadership] {
			v = append(v, "internal_comms has a leadership message: the facts say the rotation is routine, which needs none; leave it out")
		}
	}
	for _, a := range audiences {
		if !has[a] {
			v = append(v, fmt.Sprintf("internal_comms has no message for %s: write one for each of %s", a, audienceList(audiences)))
		}
	}
	return v
}

// audienceList writes audiences as "engineering, support and leadership".
func audienceList(as []runbook.Audience) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = string(a)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
