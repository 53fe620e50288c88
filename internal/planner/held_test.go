package planner

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// heldRow is one row of testdata/held.yaml.
type heldRow struct {
	ID          string          `yaml:"id"`
	Why         string          `yaml:"why"`
	Request     map[string]any  `yaml:"request"`
	RequestFile string          `yaml:"request_file"`
	Source      string          `yaml:"source"`
	Secret      string          `yaml:"secret"`
	Holds       []runbook.Phase `yaml:"holds"`
	Never       []runbook.Phase `yaml:"never"`
}

// TestProseItemsHoldOnlyWhatTheyMayBind plans the rows of testdata/held.yaml
// and checks which of the secret's steps the open item of a text holds.
func TestProseItemsHoldOnlyWhatTheyMayBind(t *testing.T) {
	data, err := os.ReadFile("testdata/held.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []heldRow
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		t.Run(row.ID, func(t *testing.T) {
			body, err := json.Marshal(row.Request)
			if row.RequestFile != "" {
				body, err = os.ReadFile(row.RequestFile)
			}
			if err != nil {
				t.Fatal(err)
			}
			req, err := decode.ParseRequest(body)
			if err != nil {
				t.Fatalf("request refused: %v", err)
			}
			f, err := Plan(req)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(f.OpenItems, func(o runbook.OpenItem) bool { return o.Source == row.Source })
			if i < 0 {
				t.Fatalf("no open item of %s; items: %+v", row.Source, f.OpenItems)
			}
			item := f.OpenItems[i]
			held := map[runbook.Phase][]string{}
			for _, st := range f.Steps {
				if st.SecretID != row.Secret {
					continue
				}
				if item.Holds(runbook.Step{Order: st.Order, SecretID: st.SecretID}) {
					held[st.Phase] = append(held[st.Phase], strconv.Itoa(st.Order))
				}
			}
			for _, p := range row.Holds {
				if len(held[p]) == 0 {
					t.Errorf("%s holds no %s step of %s (blocks %v)", item.ID, p, row.Secret, item.Blocks)
				}
			}
			for _, p := range row.Never {
				if len(held[p]) > 0 {
					t.Errorf("%s holds %s steps %s of %s (blocks %v)", item.ID, p, strings.Join(held[p], ", "), row.Secret, item.Blocks)
				}
			}
			if t.Failed() && row.Why != "" {
				t.Logf("defect guarded: %s", row.Why)
			}
		})
	}
}
