package web

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// TestPageCreditsWhatWroteTheRunbook: a runbook whose every section fell
// back from the model is credited to the offline writer on the page too;
// one section that fell back is named.
func TestPageCreditsWhatWroteTheRunbook(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		fallback []runbook.SectionID
		want     string
		not      string
	}{
		{section.IDs(), "by the offline writer: every section fell back from gpt-6-sol (openai)", "by openai"},
		{[]runbook.SectionID{runbook.SectionRollback}, "by gpt-6-sol (openai); rollback by the offline writer after the model failed", "by openai"},
	} {
		rb := &runbook.Runbook{ID: "rb_c", System: "Billing", Trigger: runbook.TriggerScheduled, CreatedAt: time.Unix(0, 0),
			Generator: runbook.Generator{Provider: "openai", Model: "gpt-6-sol"}, SectionStatus: map[runbook.SectionID]runbook.SectionStatus{}}
		for _, id := range section.IDs() {
			rb.SectionStatus[id] = runbook.SectionStatus{Source: runbook.SourceLLM}
		}
		for _, id := range tt.fallback {
			rb.SectionStatus[id] = runbook.SectionStatus{Source: runbook.SourceFallback, Reason: "rejected"}
		}
		var b bytes.Buffer
		if err := p.Runbook(&b, RunbookPage{ID: rb.ID, Runbook: rb}); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		if !strings.Contains(page, tt.want) || strings.Contains(page, tt.not) {
			i := strings.Index(page, "written ")
			t.Errorf("page credits %q, want %q", page[i:min(len(page), i+160)], tt.want)
		}
	}
}
