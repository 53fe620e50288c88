package llmtest

import (
	"encoding/json"
	"fmt"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// ForeignSecretIDs lists the secret ids a runbook's JSON refers to (its
// inventory's ids and every secret_id / secret_ids in its sections) that the
// facts do not have: what a served runbook must never carry.
func ForeignSecretIDs(runbookJSON []byte, f *planner.Facts) ([]string, error) {
	known := map[string]bool{"": true}
	for _, s := range f.Secrets {
		known[s.ID] = true
	}
	var doc struct {
		Sections map[string]any `json:"sections"`
	}
	if err := json.Unmarshal(runbookJSON, &doc); err != nil {
		return nil, fmt.Errorf("llmtest: not a runbook: %w", err)
	}
	var bad []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(k, c)
			}
		case []any:
			for _, c := range x {
				walk(key, c)
			}
		case string:
			if (key == "secret_id" || key == "secret_ids") && !known[x] {
				bad = append(bad, x)
			}
		}
	}
	walk("", doc.Sections)
	if inv, ok := doc.Sections[string(runbook.SectionInventory)].(map[string]any); ok {
		secrets, _ := inv["secrets"].([]any)
		for _, s := range secrets {
			if m, ok := s.(map[string]any); ok {
				if id, _ := m["id"].(string); !known[id] {
					bad = append(bad, id)
				}
			}
		}
	}
	return bad, nil
}
