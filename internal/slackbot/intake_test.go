package slackbot

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
)

// TestIntakeSchemaListsEveryKind: the model reading a /rotate command may
// answer any kind the request accepts (signing_key included), and no other.
func TestIntakeSchemaListsEveryKind(t *testing.T) {
	raw, err := schema.StrictJSON(&intakeDoc{})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Properties struct {
			Secrets struct {
				Items struct {
					Properties struct {
						Kind struct {
							Enum []runbook.Kind `json:"enum"`
						} `json:"kind"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"secrets"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Properties.Secrets.Items.Properties.Kind.Enum
	if !slices.Equal(got, runbook.Kinds) || !slices.Contains(got, "signing_key") {
		t.Errorf("intake schema kinds %v, want runbook.Kinds with signing_key (%v)", got, runbook.Kinds)
	}
}
