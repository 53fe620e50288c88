package writer

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// complianceCase is one row of testdata/compliance.yaml.
type complianceCase struct {
	Name       string         `yaml:"name"`
	File       string         `yaml:"file"`
	Request    map[string]any `yaml:"request"`
	Want       []string       `yaml:"want"`
	Never      []string       `yaml:"never"`
	StepsNever []string       `yaml:"steps_never"`
	StepsWant  []string       `yaml:"steps_want"`
	Ticket     string         `yaml:"ticket"`
}

// TestComplianceMappedRight: audit evidence maps to the controls that
// apply (HIPAA audit controls 164.312(b); PCI 8.3.9 for user passwords,
// 8.6.3 for system and application accounts; 3.6.1.2 for key material,
// generated under split knowledge and dual control), and names the change
// ticket the request names in every item.
func TestComplianceMappedRight(t *testing.T) {
	data, err := os.ReadFile("testdata/compliance.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []complianceCase
	if err := yaml.UnmarshalWithOptions(data, &cases, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			raw, err := json.Marshal(c.Request)
			if c.File != "" {
				raw, err = os.ReadFile("../../eval/requests/" + c.File + ".json")
			}
			if err != nil {
				t.Fatal(err)
			}
			f := planRaw(t, raw)
			if c.Ticket != "" {
				f.ChangeTicketID = c.Ticket
			}
			items := AuditEvidence(f).Items
			var controls []string
			for _, it := range items {
				controls = append(controls, it.Control)
				if c.Ticket != "" && !strings.Contains(it.Evidence+" "+it.When, c.Ticket) {
					t.Errorf("evidence item %q does not name the change ticket %s", it.Evidence, c.Ticket)
				}
			}
			for _, w := range c.Want {
				if !runbook.OneOf(controls, w) {
					t.Errorf("no evidence for %s (controls %v)", w, controls)
				}
			}
			for _, n := range c.Never {
				if runbook.OneOf(controls, n) {
					t.Errorf("evidence mapped to %s, which does not apply", n)
				}
			}
			var steps strings.Builder
			for _, st := range RotationSequence(f).ReadSteps() {
				steps.WriteString(st.Action + "\n" + st.Owner + "\n")
			}
			for _, n := range c.StepsNever {
				if strings.Contains(steps.String(), n) {
					t.Errorf("a step says %q", n)
				}
			}
			for _, w := range c.StepsWant {
				if !strings.Contains(steps.String(), w) {
					t.Errorf("no step says %q", w)
				}
			}
		})
	}
}
