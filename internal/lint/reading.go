package lint

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// sentenceAnswered: every constraint and note either changed the plan (it
// has a reading) or is raised at the top as an open item (ROTATION_RULES.md
// §2 invariant 20). A sentence kept at the bottom with "no rule matched" is
// the silent drop this rule exists to catch.
func sentenceAnswered(c *context) []finding {
	raised := map[string]bool{}
	for _, o := range c.rb.OpenItems {
		raised[o.Source] = true
	}
	var out []finding
	for _, k := range c.rb.Considered {
		read := strings.TrimSpace(k.Reading) != "" && !strings.HasPrefix(k.Reading, "not understood") &&
			!strings.Contains(k.Reading, "no rule of the planner matched")
		if read || raised[k.Source] {
			continue
		}
		out = append(out, finding{section: runbook.SectionPreflight,
			message: fmt.Sprintf("%s (%q) was neither applied nor raised: it must change the plan or be an open item at the top", k.Source, k.Text)})
	}
	return out
}
