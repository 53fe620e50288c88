// Package render turns a runbook into Markdown shaped like the seed prompt's
// example: a title, a one-screen sequence, then the detail: inventory, triage,
// checklist, the numbered steps, validation, rollback, communication, audit,
// automation, and what was made of every constraint.
package render

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// View is how much of a runbook a rendering shows.
type View string

// The views: the card alone, or the card with the whole runbook behind it.
const (
	ViewFull View = "full"
	ViewCard View = "card"
)

// Views lists the views a client may ask for.
var Views = []View{ViewFull, ViewCard}

// Markdown writes the runbook as Markdown: the operator card, then the
// appendices. Sections absent from the runbook are left out.
func Markdown(w io.Writer, rb *runbook.Runbook) error { return MarkdownView(w, rb, ViewFull) }

// MarkdownView writes the runbook as Markdown in a view: the card alone
// (ViewCard) or followed by the appendices (ViewFull).
func MarkdownView(w io.Writer, rb *runbook.Runbook, view View) error {
	m := &md{}
	if view == ViewCard {
		// The card alone is titled as the card; when and by what it was
		// written is in the full view.
		m.line("# Operator card - %s", text(rb.System))
		m.blank()
		m.line("%s · %s", text(string(rb.Trigger)), codeSpan(rb.ID))
	} else {
		m.line("# API Key and Secret Rotation Runbook - %s", text(rb.System))
		m.blank()
		m.line("Trigger: %s · Written %s by %s · Runbook id %s", text(string(rb.Trigger)), rb.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"),
			text(Credit(rb)), codeSpan(rb.ID))
		m.blank()
		m.line("## Operator card")
	}
	c := BuildCard(rb)
	cardMarkdown(m, c)
	proceduresMarkdown(m, c)
	if view == ViewCard {
		_, err := io.WriteString(w, m.String())
		return err
	}
	m.blank()
	m.line("---")
	m.blank()
	m.line("**Appendices:** the whole runbook behind the card, section by section; the step numbers are the card's.")
	otherOpenItems(m, rb)
	for _, sec := range section.All {
		if !sec.Present(&rb.Sections) {
			continue
		}
		if view := appendix(sec.ID()); view != nil {
			view(m, rb)
			continue
		}
		nodes, err := Outline(sec.Value(&rb.Sections))
		if err != nil {
			return err
		}
		m.h2(sec.ID())
		outlineMarkdown(m, nodes, 0)
	}
	if len(rb.Considered) > 0 {
		m.blank()
		m.line("## Constraints and notes considered")
		m.blank()
		m.line("| From | Text | Read as | Effect |")
		m.line("|---|---|---|---|")
		d := newDitto()
		for _, c := range rb.Considered {
			m.line("| %s | %s | %s | %s |", cell(c.Source), cell(c.Text), cell(d.say(c.Reading, c.Source)), cell(d.say(c.Effect, c.Source)))
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

// appendix is the Markdown view of a section with one of its own; nil for
// a section shown as its outline.
func appendix(id runbook.SectionID) func(*md, *runbook.Runbook) {
	switch id {
	case runbook.SectionInventory:
		return func(m *md, rb *runbook.Runbook) { inventory(m, rb.Sections.Inventory) }
	case runbook.SectionRiskTriage:
		return func(m *md, rb *runbook.Runbook) { triage(m, rb.Sections.RiskTriage) }
	case runbook.SectionPreflight:
		return func(m *md, rb *runbook.Runbook) { preflight(m, rb.Sections.Preflight) }
	case runbook.SectionRotationSequence:
		return func(m *md, rb *runbook.Runbook) { sequence(m, rb, rb.Sections.RotationSequence) }
	case runbook.SectionValidation:
		return func(m *md, rb *runbook.Runbook) { validation(m, rb, rb.Sections.Validation) }
	case runbook.SectionRollback:
		return func(m *md, rb *runbook.Runbook) { rollback(m, rb.Sections.Rollback) }
	case runbook.SectionInternalComms:
		return internalComms
	case runbook.SectionExternalComms:
		return externalComms
	case runbook.SectionAuditEvidence:
		return auditEvidence
	case runbook.SectionAutomation:
		return automation
	}
	return nil
}

func internalComms(m *md, rb *runbook.Runbook) {
	m.h2(runbook.SectionInternalComms)
	for _, msg := range rb.Sections.InternalComms.Messages {
		message(m, msg)
	}
}

func externalComms(m *md, rb *runbook.Runbook) {
	ec := rb.Sections.ExternalComms
	m.h2(runbook.SectionExternalComms)
	applicable := "Not required"
	if ec.Applicable {
		applicable = "Required"
	}
	m.line("**%s:** %s", applicable, text(ec.Reason))
	for _, msg := range ec.Messages {
		message(m, msg)
	}
}

func auditEvidence(m *md, rb *runbook.Runbook) {
	m.h2(runbook.SectionAuditEvidence)
	for _, it := range rb.Sections.AuditEvidence.Items {
		scope := ""
		if it.SecretID != "" {
			scope = " · " + codeSpan(it.SecretID)
		}
		m.line("- [ ] **%s**%s: %s · %s, %s", text(it.Control), scope, text(it.Evidence), text(it.CollectedBy), text(it.When))
	}
}

func automation(m *md, rb *runbook.Runbook) {
	m.h2(runbook.SectionAutomation)
	all := 0
	if rb.Sections.Inventory != nil {
		all = len(rb.Sections.Inventory.Secrets)
	}
	for _, o := range rb.Sections.Automation.Opportunities {
		ids := strings.Join(o.SecretIDs, ", ")
		if len(o.SecretIDs) == all && all > 1 {
			ids = "all secrets"
		}
		m.line("- **%s** (effort %s, risk reduction %s; %s): %s", text(o.Title), text(string(o.Effort)), text(string(o.RiskReduction)), text(ids), text(o.How))
	}
}

// waitsFor says which open items a step waits for (" **Waits for o1, o2.**"),
// or "" when it waits for none.
func waitsFor(ids []string, lead string) string {
	if len(ids) == 0 {
		return ""
	}
	return lead + "**Waits for " + text(strings.Join(ids, ", ")) + ".**"
}

// otherOpenItems writes, after the card, the open items' questions whole
// where the card says them shorter.
func otherOpenItems(m *md, rb *runbook.Runbook) {
	var whole []OpenItem
	for _, o := range OpenItems(rb) {
		if CardShortens(rb, o) {
			whole = append(whole, o)
		}
	}
	if len(whole) == 0 {
		return
	}
	m.blank()
	m.line("## Open items, whole")
	m.blank()
	said := map[string]string{}
	for _, o := range whole {
		holds := "**Holds " + text(o.Holds) + ".**"
		if o.Holds == "" {
			holds = "**Holds no step.**"
		}
		m.line("- **%s** %s: %s %s", text(o.ID), codeSpan(o.Source), text(sayOnce(o.ID, o.Question, said)), holds)
	}
}

// sayOnce replaces a long sentence (12 words or more) an earlier item of
// the list said with a reference to that item ("As o1 says."), and
// records the item's own.
func sayOnce(id, question string, said map[string]string) string {
	var out []string
	for _, sentence := range runbook.Sentences(question) {
		if len(strings.Fields(sentence)) < 12 {
			out = append(out, sentence)
			continue
		}
		if first, ok := said[sentence]; ok {
			if ref := "As " + first + " says."; !slices.Contains(out, ref) {
				out = append(out, ref)
			}
			continue
		}
		said[sentence] = id
		out = append(out, sentence)
	}
	return strings.Join(out, " ")
}

func inventory(m *md, inv *runbook.Inventory) {
	m.blank()
	m.line("## Priority Inventory")
	m.blank()
	m.line("| Secret | Owner | Systems | Rotation Risk | Action |")
	m.line("|---|---|---|---|---|")
	d := newDitto()
	for _, s := range inv.Secrets {
		m.line("| %s | %s | %s | %s | %s |", cell(s.Name), cell(s.Owner), cell(strings.Join(s.Systems, ", ")), cell(title(string(s.RotationRisk))), cell(d.say(s.Action, s.Name)))
	}
	m.blank()
	m.line("| Id | Kind · provider | Strategy | Environments | Stored in |")
	m.line("|---|---|---|---|---|")
	for _, s := range inv.Secrets {
		m.line("| %s | %s · %s | %s | %s | %s |", codeSpan(cell(s.ID)), cell(string(s.Kind)), cell(s.Provider), cell(string(s.Strategy)), cell(strings.Join(s.Environments, ", ")), cell(s.Storage))
	}
	if len(inv.Dependencies) > 0 {
		m.blank()
		m.line("Dependency map (how each consumer reads the value):")
		m.blank()
		// One line per way of loading, listing each secret's consumers.
		var hows []string
		order := map[string][]string{}
		per := map[string]map[string][]string{}
		envs := map[string][]string{}
		for _, d := range inv.Dependencies {
			if _, ok := per[d.HowLoaded]; !ok {
				hows = append(hows, d.HowLoaded)
				per[d.HowLoaded] = map[string][]string{}
			}
			if _, ok := per[d.HowLoaded][d.SecretID]; !ok {
				order[d.HowLoaded] = append(order[d.HowLoaded], d.SecretID)
			}
			if !contains(per[d.HowLoaded][d.SecretID], d.Consumer) {
				per[d.HowLoaded][d.SecretID] = append(per[d.HowLoaded][d.SecretID], d.Consumer)
			}
			if !contains(envs[d.HowLoaded], d.Environment) {
				envs[d.HowLoaded] = append(envs[d.HowLoaded], d.Environment)
			}
		}
		for _, how := range hows {
			var parts []string
			for _, id := range order[how] {
				parts = append(parts, codeSpan(id)+": "+text(strings.Join(per[how][id], ", ")))
			}
			m.line("- %s (%s): %s", strings.Join(parts, "; "), text(strings.Join(envs[how], ", ")), text(how))
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
	// The factors behind the scores matter where they drive the response:
	// the most urgent secrets (the JSON keeps every rationale); a sentence
	// two rationales share is said once.
	first := true
	d := newDitto()
	for _, t := range rt.Items {
		if t.Priority != runbook.P0 && t.Priority != runbook.P1 {
			continue
		}
		if first {
			m.blank()
			first = false
		}
		m.line("- %s: %s", codeSpan(t.SecretID), text(d.sentences(t.Rationale, "`"+t.SecretID+"`")))
	}
}

func preflight(m *md, p *runbook.Preflight) {
	m.h2(runbook.SectionPreflight)
	for _, c := range p.Checklist {
		m.line("- [ ] %s", text(c))
	}
	if len(p.Approvals) > 0 {
		m.blank()
		m.line("Approvals:")
		m.blank()
		// Approvals of the same scope share a line.
		type key struct{ scope, before string }
		var order []key
		who := map[key][]string{}
		for _, a := range p.Approvals {
			k := key{a.Scope, a.Before}
			if _, ok := who[k]; !ok {
				order = append(order, k)
			}
			who[k] = append(who[k], fmt.Sprintf("**%s** (%s)", text(a.Approver), text(strings.Join(a.Secrets, ", "))))
		}
		for _, k := range order {
			m.line("- %s: %s, before %s", strings.Join(who[k], ", "), text(k.scope), text(k.before))
		}
	}
	if len(p.BackupPlan) > 0 {
		m.blank()
		m.line("Backup plan:")
		m.blank()
		for _, b := range p.BackupPlan {
			m.line("- %s", text(b))
		}
	}
}

func sequence(m *md, rb *runbook.Runbook, rs *runbook.RotationSequence) {
	m.blank()
	m.line("## Rotation Sequence")
	// A step that repeats an earlier one in another environment says so
	// instead of repeating it: the JSON keeps every word.
	type seen struct {
		order  int
		env    string
		verify string
		owner  string
	}
	done := map[string]seen{}
	// checked: the first step of a secret and phase, by its check, so a
	// step whose action differs by environment (a freeze gate in
	// production) refers to the same check instead of saying it again.
	checked := map[string]seen{}
	envs := environments(rb)
	// A run of repeated steps (same secret, same environment, following the
	// same run in the earlier environment) becomes one line.
	type repeat struct {
		first, last, from       int
		env, secret, when, wait string
		phases, windowed        []string
	}
	var run *repeat
	reasons := newDitto()
	flush := func() {
		if run == nil {
			return
		}
		nums, refs := fmt.Sprint(run.first), fmt.Sprint(run.from)
		if run.last > run.first {
			nums = fmt.Sprintf("%d-%d", run.first, run.last)
			refs = fmt.Sprintf("steps %d-%d", run.from, run.from+run.last-run.first)
		} else {
			refs = "step " + refs
		}
		when := ""
		if run.when != "" {
			when = fmt.Sprintf(run.when, strings.Join(run.windowed, ", "))
		}
		m.line("%s. **%s · %s · %s**%s%s As %s, in %s.", nums, text(run.env), text(strings.Join(run.phases, ", ")), text(run.secret), when, run.wait, refs, text(run.env))
		run = nil
	}
	for i, t := range rs.Tracks {
		m.blank()
		m.line("### Track %d: %s", i+1, text(t.Name))
		m.blank()
		if t.Reason != "" {
			m.line("_%s_", text(reasons.sentences(t.Reason, fmt.Sprintf("track %d", i+1))))
			m.blank()
		}
		lastOwner := ""
		for _, st := range t.Steps {
			// A twin whose owner differs (a second engineer watches in
			// production under dual control) is still the same step.
			key := st.SecretID + "\x00" + string(st.Phase) + "\x00" + envless(st.Action, envs)
			prev, repeated := done[key]
			repeated = repeated && st.SecretID != "" && prev.env != st.Environment
			wait := waitsFor(runbook.WaitingFor(rb.OpenItems, st), " ")
			if repeated && prev.verify == envless(st.Verify, envs) && prev.owner != st.Owner {
				// The same step under another owner: the owner said, the
				// rest referred to.
				flush()
				when := ""
				if l := rb.Schedule.Window(st.Window); l != "" {
					when = fmt.Sprintf(" **[%s: %s]**", text(st.Window), text(l))
				}
				m.line("%d. **%s · %s · %s**%s%s As step %d, in %s.", st.Order, text(st.Environment), text(st.Phase.Title()), text(st.SecretID), when, wait, prev.order, text(st.Environment))
				m.line("   Owner: %s.", text(st.Owner))
				continue
			}
			if repeated && prev.verify != envless(st.Verify, envs) {
				// The same action with a check of its own (production's
				// "for 30 minutes"): the action is referred to, the check said.
				flush()
				when := ""
				if l := rb.Schedule.Window(st.Window); l != "" {
					when = fmt.Sprintf(" **[%s: %s]**", text(st.Window), text(l))
				}
				m.line("%d. **%s · %s · %s**%s%s As step %d, in %s.", st.Order, text(st.Environment), text(st.Phase.Title()), text(st.SecretID), when, wait, prev.order, text(st.Environment))
				m.line("   Check: %s.", strings.TrimSuffix(text(st.Verify), "."))
				continue
			}
			if repeated {
				// A run of repeated steps says one wait: steps held by
				// different items are not folded together.
				if run == nil || run.secret != st.SecretID || run.env != st.Environment || run.last+1 != st.Order || run.from+(st.Order-run.first) != prev.order || run.wait != wait {
					flush()
					run = &repeat{first: st.Order, last: st.Order - 1, from: prev.order, env: st.Environment, secret: st.SecretID, wait: wait}
				}
				run.last = st.Order
				run.phases = append(run.phases, st.Phase.Title())
				if l := rb.Schedule.Window(st.Window); l != "" {
					run.windowed = append(run.windowed, string(st.Phase))
					run.when = fmt.Sprintf(" **[%%s in %s: %s]**", text(st.Window), text(l))
				}
				continue
			}
			flush()
			head := text(st.Phase.Title())
			if st.Environment != "" {
				head = text(st.Environment) + " · " + head
			}
			if st.SecretID != "" {
				head += " · " + text(st.SecretID)
			}
			when := ""
			if l := rb.Schedule.Window(st.Window); l != "" {
				when = fmt.Sprintf(" **[%s: %s]**", text(st.Window), text(l))
			}
			done[key] = seen{st.Order, st.Environment, envless(st.Verify, envs), st.Owner}
			m.line("%d. **%s**%s%s %s", st.Order, head, when, wait, text(st.Action))
			// The owner is said when it changes within the track.
			owner := ""
			if st.Owner != lastOwner {
				owner = "Owner: " + text(st.Owner) + ". "
				lastOwner = st.Owner
			}
			check := strings.TrimSuffix(text(st.Verify), ".")
			ck := st.SecretID + "\x00" + string(st.Phase)
			if p, ok := checked[ck]; ok && st.SecretID != "" && p.env != st.Environment && p.verify == envless(st.Verify, envs) {
				check = fmt.Sprintf("as step %d", p.order)
			} else if !ok {
				checked[ck] = seen{st.Order, st.Environment, envless(st.Verify, envs), st.Owner}
			}
			m.line("   %sCheck: %s.", owner, check)
		}
		flush()
	}
}

// envless hides the runbook's environment names in a text, so the same step
// in two environments compares equal.
func envless(s string, envs []string) string {
	for _, e := range envs {
		if e != "" && e != "all" {
			s = strings.ReplaceAll(s, e, "\x01")
		}
	}
	return s
}

// environments lists the environments a runbook's steps and checks name.
func environments(rb *runbook.Runbook) []string {
	var out []string
	for _, st := range rb.Sections.RotationSequence.AllSteps() {
		if !contains(out, st.Environment) {
			out = append(out, st.Environment)
		}
	}
	if v := rb.Sections.Validation; v != nil {
		for _, e := range v.Environments {
			if !contains(out, e.Environment) {
				out = append(out, e.Environment)
			}
		}
	}
	return out
}

func validation(m *md, rb *runbook.Runbook, v *runbook.Validation) {
	m.blank()
	m.line("## Validation")
	envs := environments(rb)
	type seenCheck struct{ env, expected string }
	first := map[string]seenCheck{}
	for _, e := range v.Environments {
		m.blank()
		m.line("### %s", text(e.Environment))
		m.blank()
		for _, c := range e.Checks {
			id := ""
			if c.SecretID != "" {
				id = codeSpan(c.SecretID) + " "
			}
			how := strings.TrimSuffix(text(c.How), ".")
			expected := strings.TrimSuffix(text(c.Expected), ".")
			key := c.SecretID + "\x00" + c.Check + "\x00" + envless(c.How, envs)
			if prev, ok := first[key]; ok && prev.env != e.Environment {
				how = "as in " + text(prev.env)
				if rest, ok := strings.CutPrefix(expected, prev.expected); ok {
					m.line("- [ ] %s%s: as in %s%s.", id, text(c.Check), text(prev.env), strings.TrimSuffix(rest, "."))
					continue
				}
			} else {
				first[key] = seenCheck{e.Environment, expected}
			}
			m.line("- [ ] %s%s: %s. Expected: %s.", id, text(c.Check), how, expected)
		}
	}
}

func rollback(m *md, r *runbook.Rollback) {
	m.h2(runbook.SectionRollback)
	m.line("Roll back when: %s.", text(strings.Join(r.Triggers, "; ")))
	m.blank()
	m.line("| Secret | Rollback | Possible until |")
	m.line("|---|---|---|")
	d := newDitto()
	for i, s := range r.Steps {
		m.line("| %s %s | %s | %s |", RollbackLabel(i), codeSpan(cell(s.SecretID)), cell(d.sentences(s.Step, "`"+s.SecretID+"`")), cell(d.say(s.PossibleUntil, "`"+s.SecretID+"`")))
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
	m.line("**%s** (%s, %s): %s", text(title(string(msg.Audience))), text(msg.Channel), text(msg.SendWhen), text(msg.Subject))
	m.blank()
	m.line("> %s", text(msg.Body))
}

type md struct{ strings.Builder }

func (m *md) line(format string, args ...any) {
	fmt.Fprintf(m, format, args...)
	m.WriteByte('\n')
}

func (m *md) blank() { m.WriteByte('\n') }

func (m *md) h2(id runbook.SectionID) {
	m.blank()
	m.line("## %s", section.Title(id))
	m.blank()
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ")
}

// placeholderRE is a <placeholder> an operator fills in.
var placeholderRE = regexp.MustCompile("<[A-Za-z0-9][^<>`\n]{0,79}>")

// text makes free text safe to inline without HTML entities: one line; outside
// `code` spans, a <placeholder> becomes a code span and any other "<" is shown
// as code too, so no raw HTML can start; a leading ">" or "#" is escaped.
func text(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		// An unmatched backtick: treat the whole text as plain.
		parts = []string{strings.ReplaceAll(s, "`", "'")}
	}
	for i := 0; i < len(parts); i += 2 {
		p := placeholderRE.ReplaceAllStringFunc(parts[i], func(ph string) string { return "`" + ph + "`" })
		// What is left of "<" is outside every placeholder span.
		var b strings.Builder
		inCode := false
		for _, r := range p {
			switch {
			case r == '`':
				inCode = !inCode
				b.WriteRune(r)
			case r == '<' && !inCode:
				b.WriteString("`<`")
			default:
				b.WriteRune(r)
			}
		}
		parts[i] = b.String()
	}
	out := strings.Join(parts, "`")
	if strings.HasPrefix(out, ">") {
		out = `\` + out
	}
	return out
}

// codeSpan shows an identifier as code. Backticks inside it cannot end the
// span: they are replaced.
func codeSpan(s string) string {
	return "`" + strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "`", "'") + "`"
}

// cell is text safe inside a table cell.
func cell(s string) string { return strings.ReplaceAll(text(s), "|", `\|`) }

// ditto says a long text once: later, the same text refers to where it was
// said ("as for `aws-key`"). Texts under dittoWords words are short enough
// to repeat.
type ditto struct{ first map[string]string }

const dittoWords = 10

func newDitto() *ditto { return &ditto{first: map[string]string{}} }

// say returns the text the first time, a reference to label's the next.
func (d *ditto) say(s, label string) string {
	key := strings.Join(strings.Fields(s), " ")
	if Words(key) < dittoWords {
		return s
	}
	if at, ok := d.first[key]; ok {
		return "as for " + at
	}
	d.first[key] = label
	return s
}

// sentences says each long sentence of a text once: a sentence said before
// becomes its first words and a reference ("Rotation risk medium: … as for
// `aws-key`.").
func (d *ditto) sentences(s, label string) string {
	var out []string
	for rest := strings.Join(strings.Fields(s), " "); rest != ""; {
		sent := firstSentence(rest)
		rest = strings.TrimSpace(rest[len(sent):])
		key := strings.TrimSuffix(sent, ".")
		if Words(key) >= dittoWords {
			if at, ok := d.first[key]; ok {
				words := strings.Fields(sent)
				sent = strings.Join(words[:3], " ") + " … as for " + at + "."
			} else {
				d.first[key] = label
			}
		}
		out = append(out, sent)
	}
	return strings.Join(out, " ")
}
