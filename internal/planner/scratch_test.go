package planner

import (
	"encoding/json"
	"github.com/rotor-dev/rotor/internal/runbook"
	"os"
	"testing"
)

func TestScratchPlan(t *testing.T) {
	data, _ := os.ReadFile("../../../shared/seeds/acme-payments.input.json")
	r, err := runbook.DecodeRequest(data)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Plan(r)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(f, "", " ")
	os.WriteFile("/tmp/pm/acme.json", b, 0644)
}
