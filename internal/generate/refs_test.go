package generate_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
)

// TestCommandReferencesInAnswers runs the rows of
// testdata/refs_answers.yaml: a rotation sequence whose first action ends
// with the row's text is served with its references expanded, or refused
// and asked again (the reask says why), and the served runbook never holds
// a reference nor the pasted value.
func TestCommandReferencesInAnswers(t *testing.T) {
	data, err := os.ReadFile("testdata/refs_answers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name     string `yaml:"name"`
		Insert   string `yaml:"insert"`
		Refused  string `yaml:"refused"`
		Expanded string `yaml:"expanded"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	req := request(t, "acme-payments")
	seq := schema.Name(runbook.SectionRotationSequence)
	for _, r := range rows {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv, _ := fakeLLM(t, req)
				secret := llmtest.FakeSecret()
				var rs runbook.RotationSequence
				if err := json.Unmarshal([]byte(goodAnswers(t, req)[seq]), &rs); err != nil {
					t.Fatal(err)
				}
				first := &rs.Tracks[0].Steps[0]
				first.Action += strings.ReplaceAll(r.Insert, "SECRET", secret)
				answer, _ := json.Marshal(rs)
				srv.Script(seq, llmtest.OK(string(answer)))
				rb := generateWith(t, llmService(t, srv, llmOpts{}), req)
				st := rb.SectionStatus[runbook.SectionRotationSequence]
				sent := srv.RequestsFor(seq)
				served := rb.Sections.RotationSequence.Tracks[0].Steps[0].Action
				if r.Refused != "" {
					if st.Source != runbook.SourceLLM || st.Attempts != 2 || len(sent) != 2 {
						t.Fatalf("status %+v after %d requests: want the answer refused, then the next served", st, len(sent))
					}
					if !regexp.MustCompile(r.Refused).MatchString(sent[1].User) {
						t.Errorf("the reask does not say %q:\n%s", r.Refused, sent[1].User[strings.Index(sent[1].User, "Your previous answer"):])
					}
				} else {
					if st.Source != runbook.SourceLLM || st.Attempts != 1 {
						t.Fatalf("status %+v: want the answer served", st)
					}
					if !regexp.MustCompile(r.Expanded).MatchString(served) {
						t.Errorf("served action %q does not match %q", served, r.Expanded)
					}
				}
				out, _ := json.Marshal(rb)
				if strings.Contains(string(out), "{{c") || strings.Contains(string(out), "{c2}") || strings.Contains(string(out), secret) {
					t.Errorf("the served runbook holds a reference or the pasted value: %s", served)
				}
			})
		})
	}
}
