package render

import (
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// Credit says who wrote the runbook, from where each section came from
// (section_status), never from the configured generator alone: a model
// that failed every section wrote nothing, and the header must not say it
// did. Plain text, not escaped:
//
//	gpt-4o-mini (openai)
//	the offline writer (rotor-rules-v2)
//	gpt-4o-mini (openai); rollback by the offline writer after the model failed
//	the offline writer: every section fell back from gpt-6-sol (openai)
//	gpt-4o-mini (openai); validation by the offline writer: the runbook's model budget was spent (...)
func Credit(rb *runbook.Runbook) string {
	model := rb.Generator.Model
	if p := rb.Generator.Provider; p != "" && p != "offline" {
		model += " (" + p + ")"
	}
	var byModel, fellBack, offline []runbook.SectionID
	for _, id := range section.IDs() {
		st, ok := rb.SectionStatus[id]
		if !ok {
			continue
		}
		switch st.Source {
		case runbook.SourceLLM, runbook.SourceCache:
			byModel = append(byModel, id)
		case runbook.SourceFallback:
			fellBack = append(fellBack, id)
		default:
			offline = append(offline, id)
		}
	}
	switch {
	case len(rb.SectionStatus) == 0 && rb.Generator.Provider != "offline" && rb.Generator.Model != "":
		// A runbook that says nothing of its sections (written by hand,
		// or stripped for a judge) is credited to its generator.
		return model
	case len(byModel) == 0 && len(fellBack) == 0:
		if rb.Generator.Provider == "offline" && rb.Generator.Model != "" {
			return "the offline writer (" + rb.Generator.Model + ")"
		}
		return "the offline writer"
	}
	// A section the runbook's budget stopped was not the model's failure.
	var budget []runbook.SectionID
	fellBack = slices.DeleteFunc(fellBack, func(id runbook.SectionID) bool {
		if strings.HasPrefix(rb.SectionStatus[id].Reason, "budget") {
			budget = append(budget, id)
			return true
		}
		return false
	})
	spent := ""
	if len(budget) > 0 {
		spent = sectionNames(budget) + " by the offline writer: the runbook's model budget was spent (ROTOR_RUNBOOK_TOKEN_BUDGET, ROTOR_RUNBOOK_MAX_CALLS)"
	}
	switch {
	case len(byModel) == 0 && len(fellBack) == 0:
		return "the offline writer: the runbook's model budget was spent before " + model +
			" wrote a section (ROTOR_RUNBOOK_TOKEN_BUDGET, ROTOR_RUNBOOK_MAX_CALLS)"
	case len(byModel) == 0:
		// The first section's reason: when the endpoint cannot be reached,
		// the cause (connection refused to a mistyped URL) is what to fix.
		why := ""
		if r := rb.SectionStatus[fellBack[0]].Reason; r != "" {
			why = strings.ReplaceAll(string(fellBack[0]), "_", " ") + ": " + r + "; "
		}
		all := "the offline writer: every section fell back from " + model + ", which answered none usably (" + why + "each section's reason: section_status in the JSON, and stderr)"
		if spent != "" {
			return all + "; " + spent
		}
		return all
	case len(fellBack) == 0 && spent == "":
		return model
	case len(fellBack) == 0:
		return model + "; " + spent
	}
	failed := model + "; " + sectionNames(fellBack) + " by the offline writer after the model failed"
	if spent != "" {
		return failed + "; " + spent
	}
	return failed
}

// sectionNames lists sections as words: "rollback and external comms".
func sectionNames(ids []runbook.SectionID) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = strings.ReplaceAll(string(id), "_", " ")
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
