package llmtest

import (
	"encoding/json"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/writer"
)

// OfflineAnswers are correct answers for every section of a request, by
// schema name: the offline writer's sections, which satisfy the schema, the
// facts and the linter. Tests use them as a good model's output.
func OfflineAnswers(req *runbook.Request) (map[string]string, error) {
	f, err := planner.Plan(req)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, id := range runbook.SectionIDs {
		sec, err := writer.Offline{}.Section(f, id)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(sec)
		if err != nil {
			return nil, err
		}
		out[schema.Name(id)] = string(b)
	}
	return out, nil
}
