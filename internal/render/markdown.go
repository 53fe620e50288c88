// Package render turns a runbook into Markdown shaped like the seed prompt's
// example: a title, a priority inventory table, a numbered rotation sequence,
// validation, communication, and the sections the example leaves out.
package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Markdown writes the runbook as Markdown. Sections absent from the runbook are
// left out.
func Markdown(w io.Writer, rb *runbook.Runbook) error {
	m := &md{}
	m.line("# API Key and Secret Rotation Runbook - %s", text(rb.System))
	m.blank()
	m.line("Trigger: %s · Generated %s by %s (%s) · Runbook id %s", text(string(rb.Trigger)), rb.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"),
		text(rb.Generator.Provider), text(rb.Generator.Model), codeSpan(rb.ID))
	s := rb.Sections
	if s.Inventory != nil {
		inventory(m, s.Inventory)
	}
	if s.RiskTriage != nil {
		triage(m, s.RiskTriage)
	}
	if s.Preflight != nil {
		preflight(m, s.Preflight)
	}
	if s.RotationSequence != nil {
		sequence(m, s.RotationSequence)
	}
	if s.Validation != nil {
		validation(m, s.Validation)
	}
	if s.Rollback != nil {
		rollback(m, s.Rollback)
	}
	if s.InternalComms != nil {
		m.h2(runbook.SectionInternalComms)
		for _, msg := range s.InternalComms.Messages {
			message(m, msg)
		}
	}
	if s.ExternalComms != nil {
		m.h2(runbook.SectionExternalComms)
		applicable := "Not required"
		if s.ExternalComms.Applicable {
			applicable = "Required"
		}
		m.line("**%s:** %s", applicable, text(s.ExternalComms.Reason))
		for _, msg := range s.ExternalComms.Messages {
			message(m, msg)
		}
	}
	if s.AuditEvidence != nil {
		m.h2(runbook.SectionAuditEvidence)
		for _, it := range s.AuditEvidence.Items {
			scope := ""
			if it.SecretID != "" {
				scope = " · " + codeSpan(it.SecretID)
			}
			m.line("- [ ] %s (%s%s) · collected by %s, %s", text(it.Evidence), text(it.Control), scope, text(it.CollectedBy), text(it.When))
		}
	}
	if s.Automation != nil {
		m.h2(runbook.SectionAutomation)
		m.line("| Opportunity | Secrets | Effort | Risk reduction | How |")
		m.line("|---|---|---|---|---|")
		for _, o := range s.Automation.Opportunities {
			m.line("| %s | %s | %s | %s | %s |", cell(o.Title), cell(strings.Join(o.SecretIDs, ", ")), cell(title(string(o.Effort))), cell(title(string(o.RiskReduction))), cell(o.How))
		}
	}
	if len(rb.Assumptions) > 0 {
		m.blank()
		m.line("## Assumptions")
		m.blank()
		for _, a := range rb.Assumptions {
			m.line("- %s", text(a))
		}
	}
	if len(rb.InputWarnings) > 0 {
		m.blank()
		m.line("## Input warnings")
		m.blank()
		for _, w := range rb.InputWarnings {
			m.line("- %s: %s", codeSpan(w.Path), text(w.Problem))
		}
	}
	if len(rb.Findings) > 0 {
		m.blank()
		m.line("## Lint findings")
		m.blank()
		for _, f := range rb.Findings {
			m.line("- **%s** %s (%s): %s", text(string(f.Severity)), codeSpan(f.Rule), text(string(f.Section)), text(f.Message))
		}
	}
	_, err := io.WriteString(w, m.String())
	return err
}

func inventory(m *md, inv *runbook.Inventory) {
	m.blank()
	m.line("## Priority Inventory")
	m.blank()
	m.line("| Secret | Owner | Systems | Rotation Risk | Action |")
	m.line("|---|---|---|---|---|")
	names := map[string]string{}
	for _, s := range inv.Secrets {
		names[s.ID] = s.Name
		m.line("| %s | %s | %s | %s | %s |", cell(s.Name), cell(s.Owner), cell(strings.Join(s.Systems, ", ")), cell(title(string(s.RotationRisk))), cell(s.Action))
	}
	m.blank()
	m.line("| Secret | Id | Kind | Provider | Strategy | Environments | Storage |")
	m.line("|---|---|---|---|---|---|---|")
	for _, s := range inv.Secrets {
		m.line("| %s | %s | %s | %s | %s | %s | %s |", cell(s.Name), codeSpan(cell(s.ID)), cell(string(s.Kind)), cell(s.Provider), cell(string(s.Strategy)), cell(strings.Join(s.Environments, ", ")), cell(s.Storage))
	}
	if len(inv.Dependencies) > 0 {
		m.blank()
		m.line("### Dependency map")
		m.blank()
		m.line("| Secret | Consumer | Environment | How it is loaded |")
		m.line("|---|---|---|---|")
		for _, d := range inv.Dependencies {
			name := names[d.SecretID]
			if name == "" {
				name = d.SecretID
			}
			m.line("| %s | %s | %s | %s |", cell(name), cell(d.Consumer), cell(d.Environment), cell(d.HowLoaded))
		}
	}
}

func triage(m *md, rt *runbook.RiskTriage) {
	m.h2(runbook.SectionRiskTriage)
	m.line("| Priority | Secret | Exposure | Urgency | Rotation Risk | Business impact |")
	m.line("|---|---|---|---:|---|---|")
	for _, t := range rt.Items {
		m.line("| %s | %s | %s | %d | %s | %s |", cell(string(t.Priority)), codeSpan(cell(t.SecretID)), cell(string(t.Exposure)), t.Score, cell(title(string(t.RotationRisk))), cell(t.BusinessImpact))
	}
	m.blank()
	for _, t := range rt.Items {
		m.line("- %s: %s", codeSpan(t.SecretID), text(t.Rationale))
	}
}

func preflight(m *md, p *runbook.Preflight) {
	m.h2(runbook.SectionPreflight)
	for _, c := range p.Checklist {
		m.line("- [ ] %s", text(c))
	}
	if len(p.Approvals) > 0 {
		m.blank()
		m.line("### Approvals")
		m.blank()
		for _, a := range p.Approvals {
			m.line("- **%s** approves %s, before %s (%s)", text(a.Approver), text(a.Scope), text(a.Before), text(strings.Join(a.Secrets, ", ")))
		}
	}
	if len(p.BackupPlan) > 0 {
		m.blank()
		m.line("### Backup plan")
		m.blank()
		for _, b := range p.BackupPlan {
			m.line("- %s", text(b))
		}
	}
}

func sequence(m *md, rs *runbook.RotationSequence) {
	m.blank()
	m.line("## Rotation Sequence")
	for i, t := range rs.Tracks {
		m.blank()
		m.line("### Track %d: %s", i+1, text(t.Name))
		m.blank()
		if t.Reason != "" {
			m.line("_%s_", text(t.Reason))
			m.blank()
		}
		for _, st := range t.Steps {
			m.line("%d. **%s · %s · %s** %s", st.Order, text(title(string(st.Phase))), text(st.SecretID), text(st.Environment), text(st.Action))
			m.line("   Owner: %s. Check: %s.", text(st.Owner), strings.TrimSuffix(text(st.Verify), "."))
		}
	}
}

func validation(m *md, v *runbook.Validation) {
	m.blank()
	m.line("## Validation")
	for _, e := range v.Environments {
		m.blank()
		m.line("### %s", text(e.Environment))
		m.blank()
		for _, c := range e.Checks {
			who := ""
			switch {
			case c.SecretID != "" && c.Consumer != "":
				who = fmt.Sprintf(" (%s, %s)", codeSpan(c.SecretID), text(c.Consumer))
			case c.SecretID != "":
				who = fmt.Sprintf(" (%s)", codeSpan(c.SecretID))
			}
			m.line("- [ ] %s%s: %s. Expected: %s.", text(c.Check), who, strings.TrimSuffix(text(c.How), "."), strings.TrimSuffix(text(c.Expected), "."))
		}
	}
}

func rollback(m *md, r *runbook.Rollback) {
	m.h2(runbook.SectionRollback)
	m.line("Roll back when:")
	m.blank()
	for _, t := range r.Triggers {
		m.line("- %s", text(t))
	}
	m.blank()
	m.line("| Secret | Rollback | Possible until |")
	m.line("|---|---|---|")
	for _, s := range r.Steps {
		m.line("| %s | %s | %s |", codeSpan(cell(s.SecretID)), cell(s.Step), cell(s.PossibleUntil))
	}
	if len(r.Containment) > 0 {
		m.blank()
		m.line("Emergency containment:")
		m.blank()
		for _, c := range r.Containment {
			m.line("- %s", text(c))
		}
	}
}

func message(m *md, msg runbook.Message) {
	m.blank()
	m.line("### %s: %s", text(title(string(msg.Audience))), text(msg.Channel))
	m.blank()
	m.line("**%s**", text(msg.Subject))
	m.blank()
	m.line("> %s", text(msg.Body))
	m.blank()
	m.line("_Send: %s_", text(msg.SendWhen))
}

type md struct{ strings.Builder }

func (m *md) line(format string, args ...any) {
	fmt.Fprintf(m, format, args...)
	m.WriteByte('\n')
}

func (m *md) blank() { m.WriteByte('\n') }

func (m *md) h2(id runbook.SectionID) {
	m.blank()
	m.line("## %s", runbook.SectionTitles[id])
	m.blank()
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ")
}

// text makes free text safe to inline: one line, and outside `code` spans no
// raw HTML (so "<start time>" placeholders stay visible).
func text(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		// An unmatched backtick: treat the whole text as plain.
		return strings.NewReplacer("<", "&lt;", ">", "&gt;", "`", "'").Replace(s)
	}
	for i := 0; i < len(parts); i += 2 {
		parts[i] = strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(parts[i])
	}
	return strings.Join(parts, "`")
}

// codeSpan shows an identifier as code. Backticks inside it cannot end the
// span: they are replaced.
func codeSpan(s string) string {
	return "`" + strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "`", "'") + "`"
}

// cell is text safe inside a table cell.
func cell(s string) string { return strings.ReplaceAll(text(s), "|", `\|`) }
