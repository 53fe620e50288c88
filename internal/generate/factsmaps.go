package generate

import (
	"encoding/json"
	"maps"

	"github.com/rotor-dev/rotor/internal/planner"
)

// factsMaps makes the facts' map of a part (factsMap(partFacts(...)))
// from the job's, without encoding the facts again: a part has every fact
// of the job but the secrets, the tracks, the constraints and the planned
// steps partFacts cuts, and each secret and step it keeps is the job's own,
// so its map is the job's map of it. A 100-secret generation made a map of
// all the facts for each of its parts. The maps are shared between the
// parts, read only: section.Facts.Take and prompts.Tabulate change no map
// they read.
type factsMaps struct {
	all map[string]any
	// secrets by id and steps by order: their maps in all.
	secrets map[string]any
	steps   map[int]any
}

// newFactsMaps indexes the job's map; nil when the facts have two secrets
// of one id or two steps of one number (a part's map is then made whole).
func newFactsMaps(f *planner.Facts, all map[string]any) *factsMaps {
	secs, _ := all["secrets"].([]any)
	steps, _ := all["steps"].([]any)
	if len(secs) != len(f.Secrets) || len(steps) != len(f.Steps) {
		return nil
	}
	m := &factsMaps{all: all, secrets: make(map[string]any, len(secs)), steps: make(map[int]any, len(steps))}
	for i, s := range f.Secrets {
		if _, dup := m.secrets[s.ID]; dup {
			return nil
		}
		m.secrets[s.ID] = secs[i]
	}
	for i, st := range f.Steps {
		if _, dup := m.steps[st.Order]; dup {
			return nil
		}
		m.steps[st.Order] = steps[i]
	}
	return m
}

// of is factsMap(pf), pf being the job's facts or a part of them
// (partFacts).
func (m *factsMaps) of(pf *planner.Facts) (map[string]any, error) {
	if m == nil {
		return factsMap(pf)
	}
	out := maps.Clone(m.all)
	var secrets, steps []any
	if pf.Secrets != nil {
		secrets = make([]any, 0, len(pf.Secrets))
		for _, s := range pf.Secrets {
			v, ok := m.secrets[s.ID]
			if !ok {
				return factsMap(pf)
			}
			secrets = append(secrets, v)
		}
	}
	if pf.Steps != nil {
		steps = make([]any, 0, len(pf.Steps))
		for _, st := range pf.Steps {
			v, ok := m.steps[st.Order]
			if !ok {
				return factsMap(pf)
			}
			steps = append(steps, v)
		}
	}
	out["secrets"], out["steps"] = nilOr(secrets), nilOr(steps)
	// The tracks and the constraints name the part's secrets only: small,
	// encoded for the part.
	for key, v := range map[string]any{"tracks": pf.Tracks, "constraints": pf.Constraints} {
		data, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		var dec any
		if err := json.Unmarshal(data, &dec); err != nil {
			return nil, err
		}
		out[key] = dec
	}
	return out, nil
}

// nilOr is a list as JSON decodes it: null (nil) for a nil slice.
func nilOr(list []any) any {
	if list == nil {
		return nil
	}
	return list
}
