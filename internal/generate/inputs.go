package generate

import (
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// factsView is a view of the facts: which facts a prompt's data block
// carries. Each section declares its own in the registry
// (section.Section.Facts, internal/section/facts.go), so each is sent only
// the facts it reads; the sections of a view share one data block, so their
// calls share one prompt prefix, and a section's cache key covers its view's
// block.
type factsView = section.Facts

// viewOf is the view section id is sent.
func viewOf(id runbook.SectionID) *factsView { return section.Must(id).Facts() }

// factsMap is the facts as a JSON-ready map, computed once per facts and
// shared by the views taken of it.
func factsMap(f *planner.Facts) (map[string]any, error) { return section.FactsMap(f) }
