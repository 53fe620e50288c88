package llmtest

import (
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/section"
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
	offline := section.Offline(f)
	for _, s := range section.All {
		b, err := s.Encode(offline)
		if err != nil {
			return nil, err
		}
		out[schema.Name(s.ID())] = string(b)
	}
	return out, nil
}
