package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestKillTimesOnTheCard: every exposed credential's kill is on the card,
// as an absolute time with its zone when the runbook has a clock, else as
// the time from the start, with the steps that kill it.
func TestKillTimesOnTheCard(t *testing.T) {
	rb := &runbook.Runbook{ID: "rb_k", System: "CI",
		Sections: runbook.Sections{Inventory: &runbook.Inventory{Secrets: []runbook.InventorySecret{{ID: "aws", Name: "AWS key"}, {ID: "gh", Name: "GitHub token"}}}},
		TimeToKill: []runbook.KillTime{
			{SecretID: "aws", Environment: "production", Step: 2, Minutes: 10, Label: "T0+10 min", At: "2026-11-25T22:10:00Z"},
			{SecretID: "aws", Environment: "staging", Step: 3, Minutes: 15, Label: "T0+15 min", At: "2026-11-25T22:15:00Z"},
			{SecretID: "gh", Environment: "production", Step: 4, Minutes: 20, Label: "T0+20 min", At: "2026-11-25T23:20:00+01:00"},
		}}
	var buf bytes.Buffer
	if err := MarkdownView(&buf, rb, ViewCard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"AWS key: dead by Wed 2026-11-25 22:15 UTC (T0+15 min), steps 2-3",
		"GitHub token: dead by Wed 2026-11-25 23:20 UTC+01:00 (T0+20 min), step 4"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("card lacks %q:\n%s", want, buf.String())
		}
	}
	for i := range rb.TimeToKill {
		rb.TimeToKill[i].At = ""
	}
	buf.Reset()
	if err := MarkdownView(&buf, rb, ViewCard); err != nil {
		t.Fatal(err)
	}
	if want := "**Kill first (T0: when step 1 starts):** AWS key: dead by T0+15 min, steps 2-3"; !strings.Contains(buf.String(), want) {
		t.Errorf("card lacks %q:\n%s", want, buf.String())
	}
}
