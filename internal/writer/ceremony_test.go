package writer

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// ceremonyCase is one row of testdata/ceremony.yaml.
type ceremonyCase struct {
	Name             string         `yaml:"name"`
	File             string         `yaml:"file"`
	Request          map[string]any `yaml:"request"`
	Freeze           *bool          `yaml:"freeze"`
	Internal         []string       `yaml:"internal"`
	CustomerRequired *bool          `yaml:"customer_required"`
	VendorLetters    *int           `yaml:"vendor_letters"`
	HolderLetter     *bool          `yaml:"holder_letter"`
	Never            []string       `yaml:"never"`
	Want             []string       `yaml:"want"`
}

// TestCeremonyInProportion: ceremony follows risk (no freeze, leadership
// email or day-ahead notice for a routine low-risk rotation), customers hear
// only when they are affected, vendors only when they must act, and no
// message says what is not known (a start of "now" for planned work, "no
// data was exposed" before any investigation).
func TestCeremonyInProportion(t *testing.T) {
	data, err := os.ReadFile("testdata/ceremony.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []ceremonyCase
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
			seq, ic, ec := RotationSequence(f), InternalComms(f), ExternalComms(f)
			if c.Freeze != nil {
				frozen := slices.ContainsFunc(seq.AllSteps(), func(s runbook.Step) bool { return s.Phase == runbook.PhaseFreeze })
				if frozen != *c.Freeze {
					t.Errorf("freeze step %v, want %v", frozen, *c.Freeze)
				}
			}
			var all []runbook.Message
			var audiences []string
			for _, m := range ic.Messages {
				audiences = append(audiences, string(m.Audience))
				all = append(all, m)
			}
			if c.Internal != nil && !slices.Equal(audiences, c.Internal) {
				t.Errorf("internal audiences %v, want %v", audiences, c.Internal)
			}
			vendors, holder, customer := 0, false, false
			for _, m := range ec.Messages {
				all = append(all, m)
				switch {
				case m.Audience == runbook.AudienceVendor && strings.Contains(strings.ToLower(m.Subject), "delete your copy"):
					holder = true
				case m.Audience == runbook.AudienceVendor:
					vendors++
				case m.Audience == runbook.AudienceCustomer && ec.Applicable:
					customer = true
				}
			}
			if c.CustomerRequired != nil && customer != *c.CustomerRequired {
				t.Errorf("customer comms required %v, want %v (%s)", customer, *c.CustomerRequired, ec.Reason)
			}
			if c.VendorLetters != nil && vendors != *c.VendorLetters {
				t.Errorf("%d vendor letters, want %d: %+v", vendors, *c.VendorLetters, ec.Messages)
			}
			if c.HolderLetter != nil && holder != *c.HolderLetter {
				t.Errorf("delete-your-copy letter %v, want %v", holder, *c.HolderLetter)
			}
			var text strings.Builder
			for _, m := range all {
				text.WriteString(strings.ToLower(m.Channel + "\n" + m.Subject + "\n" + m.Body + "\n" + m.SendWhen + "\n"))
			}
			text.WriteString(strings.ToLower(ec.Reason))
			for _, n := range c.Never {
				if strings.Contains(text.String(), strings.ToLower(n)) {
					t.Errorf("a message says %q", n)
				}
			}
			for _, w := range c.Want {
				if !strings.Contains(text.String(), strings.ToLower(w)) {
					t.Errorf("no message says %q", w)
				}
			}
		})
	}
}
