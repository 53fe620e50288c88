package llmtest

import (
	"encoding/json"
	"strings"

	"github.com/rotor-dev/rotor/prompts"
)

// part is what a prompt's data block says about the part of a section it
// asks for: rotor asks a section too large for one answer in parts, each
// restricted to some of the secrets (and, for the rotation sequence, to the
// planned steps the data block lists).
type part struct {
	secrets map[string]bool
	// names are the part's secrets' names, to tell its free-text items
	// from another part's.
	names []string
	// others are the names of the request's other secrets.
	others []string
	// steps are the planned step orders in the data block (nil: none
	// listed).
	steps map[int]bool
	// sectionWide: this part also carries the items about no secret in
	// particular (checklists, triggers, section-wide evidence).
	sectionWide bool
}

// dataPart reads the part a prompt asks for from its data block; ok is false
// for a whole section. all names every secret of the request by id (nil:
// only the part's secrets are known, by the data block).
func dataPart(user string, all map[string]string) (part, bool) {
	data, ok := dataBlock(user)
	if !ok {
		return part{}, false
	}
	var v struct {
		Part *struct {
			SecretIDs   []string `json:"secret_ids"`
			SectionWide bool     `json:"section_wide"`
		} `json:"part"`
		Steps []struct {
			Order int `json:"order"`
		} `json:"steps"`
		Secrets []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"secrets"`
	}
	// The data block's lists of objects are tables (prompts.Tabulate).
	decoded, err := prompts.DecodeTables([]byte(data))
	if err != nil {
		return part{}, false
	}
	plain, _ := json.Marshal(decoded)
	if json.Unmarshal(plain, &v) != nil || v.Part == nil {
		return part{}, false
	}
	if all == nil {
		all = map[string]string{}
		for _, s := range v.Secrets {
			all[s.ID] = s.Name
		}
	}
	p := part{secrets: map[string]bool{}, sectionWide: v.Part.SectionWide}
	for _, id := range v.Part.SecretIDs {
		p.secrets[id] = true
	}
	for id, name := range all {
		if p.secrets[id] {
			p.names = append(p.names, name)
		} else {
			p.others = append(p.others, name)
		}
	}
	if v.Steps != nil {
		p.steps = map[int]bool{}
		for _, s := range v.Steps {
			p.steps[s.Order] = true
		}
	}
	return p, true
}

// Relevance of an item to a part.
const (
	neutral = iota // names no secret: section-wide
	mine           // about one of the part's secrets
	foreign        // about other secrets only
)

// restrict keeps what a careful model writes for one part of a section: the
// items about the part's secrets (by secret_id, id or secret_ids; by name in
// free text), the planned steps the data block lists, and the section-wide
// items only in the part that carries them. It works on the section's JSON,
// knowing nothing of rotor's types or of how rotor merges the parts.
func (p part) restrict(section []byte) []byte {
	var v any
	if json.Unmarshal(section, &v) != nil {
		return section
	}
	kept, _ := p.filter(v, false)
	out, err := json.Marshal(kept)
	if err != nil {
		return section
	}
	return out
}

// filter returns what to keep of v and how v relates to the part. Inside an
// item about one of the part's secrets (owned), everything is kept.
func (p part) filter(v any, owned bool) (any, int) {
	switch x := v.(type) {
	case map[string]any:
		own := neutral
		if o, ok := x["order"].(float64); ok && p.steps != nil {
			if !p.steps[int(o)] {
				return nil, foreign
			}
			own = mine
		}
		for _, k := range []string{"secret_id", "id"} {
			if id, ok := x[k].(string); ok && id != "" {
				if p.secrets[id] {
					own = mine
				} else if own != mine {
					own = foreign
				}
			}
		}
		out := map[string]any{}
		// items: what the object's lists say; text: its own words.
		items, text := neutral, neutral
		for k, val := range x {
			var kept any
			r := neutral
			if k == "secret_ids" {
				ids, _ := val.([]any)
				keep := []any{}
				for _, id := range ids {
					if s, _ := id.(string); p.secrets[s] {
						keep = append(keep, id)
					}
				}
				kept = keep
				switch {
				case len(keep) > 0:
					r = mine
				case len(ids) > 0:
					r = foreign
				}
			} else {
				kept, r = p.filter(val, owned || own == mine)
			}
			out[k] = kept
			rel := &items
			if _, ok := val.(string); ok {
				rel = &text
			}
			if r == mine || (r == foreign && *rel == neutral) {
				*rel = r
			}
		}
		// An item is the part's when it is about the part's secrets (by id,
		// then by what it lists, then by its words); another part's when it
		// is about other secrets only.
		for _, rel := range []int{own, items, text} {
			if rel != neutral {
				return out, rel
			}
		}
		return out, neutral
	case []any:
		out := []any{}
		rel := neutral
		for _, el := range x {
			kept, r := p.filter(el, owned)
			switch {
			case r == mine:
				rel = mine
				out = append(out, kept)
			case r == neutral && (p.sectionWide || owned):
				out = append(out, kept)
			case r == foreign && rel == neutral:
				rel = foreign
			}
		}
		if len(x) > 0 && len(out) == 0 && rel == neutral && !owned {
			// Only section-wide items, which another part carries.
			rel = foreign
		}
		return out, rel
	case string:
		return x, p.textRelevance(x)
	}
	return v, neutral
}

// textRelevance tells a free-text item about the part's secrets (it names
// one) from one about other secrets (it names only those) and a
// section-wide one (it names none).
func (p part) textRelevance(s string) int {
	for _, n := range p.names {
		if names(s, n) {
			return mine
		}
	}
	for _, n := range p.others {
		if names(s, n) {
			return foreign
		}
	}
	return neutral
}

// names reports whether text names the secret called name, as a whole name
// ("Stripe API key 1" is not named by "Stripe API key 12").
func names(text, name string) bool {
	for i := 0; ; {
		k := strings.Index(text[i:], name)
		if k < 0 {
			return false
		}
		end := i + k + len(name)
		if end == len(text) || !isWordByte(text[end]) {
			return true
		}
		i += k + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
