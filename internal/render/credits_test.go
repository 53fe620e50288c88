package render

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

type creditCase struct {
	Name      string
	Generator runbook.Generator
	// Sections asked (default all); Sources by section, "*" for the rest.
	Sections []runbook.SectionID
	Sources  map[string]runbook.Source
	// Reasons of fallbacks by section (default: a model's rejection).
	Reasons map[string]string
	Want    []string
	Not     []string
}

// TestHeaderCreditsWhatWroteEachSection: the Markdown header says who
// wrote the runbook from section_status, not from the configured generator:
// a runbook whose every section fell back is credited to the offline
// writer, and the sections that fell back are named.
func TestHeaderCreditsWhatWroteEachSection(t *testing.T) {
	data, err := os.ReadFile("testdata/credits.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []creditCase
	if err := yaml.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			rb := creditRunbook(c)
			var buf bytes.Buffer
			if err := Markdown(&buf, rb); err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitN(buf.String(), "\n", 4)
			header := lines[2]
			for _, w := range c.Want {
				if !strings.Contains(header, w) {
					t.Errorf("header %q lacks %q", header, w)
				}
			}
			for _, n := range c.Not {
				if strings.Contains(header, n) {
					t.Errorf("header %q has %q", header, n)
				}
			}
		})
	}
}

// creditRunbook builds a runbook with the case's sections and sources.
func creditRunbook(c creditCase) *runbook.Runbook {
	ids := c.Sections
	if ids == nil {
		ids = section.IDs()
	}
	rb := &runbook.Runbook{ID: "rb_credit", System: "Billing", Trigger: runbook.TriggerScheduled, Generator: c.Generator,
		SectionStatus: map[runbook.SectionID]runbook.SectionStatus{}}
	for _, id := range ids {
		src, ok := c.Sources[string(id)]
		if !ok {
			src = c.Sources["*"]
		}
		st := runbook.SectionStatus{Source: src, Attempts: 1}
		if src == runbook.SourceFallback {
			st.Reason = "rejected: max_tokens is not supported with this model"
			if r, ok := c.Reasons[string(id)]; ok {
				st.Reason = r
			}
		}
		rb.SectionStatus[id] = st
	}
	return rb
}
