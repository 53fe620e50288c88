package section

import (
	"encoding/json"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/prompts"
)

// FactsMap is the facts as a JSON-ready map: what the views take their data
// blocks from.
func FactsMap(f *planner.Facts) (map[string]any, error) {
	data, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	var all map[string]any
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	return all, nil
}

// CommandRefs numbers the code spans of a generation's facts (all, from
// FactsMap) in the order the data block of every fact lists them: the
// references every data block of the generation writes, every answer may
// copy and rotor expands (prompts.Refs). The model double numbers them
// with the same function.
func CommandRefs(all map[string]any) *prompts.Refs {
	return prompts.NewRefs(AllFacts.Take(all))
}
