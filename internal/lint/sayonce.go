package lint

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// sayOnceWords is the length from which a sentence said twice in one
// runbook is a finding: a procedure repeated across consumers is printed
// once and referred to; a check is the step's, not the step's again.
const sayOnceWords = 12

// sayItOnce finds a sentence of sayOnceWords words or more said twice in a
// runbook's prose: steps (a step's twin in another environment, same
// secret and phase, may repeat it: renderings fold those), track notes,
// checklist, validation, rollback triggers and containment, messages,
// evidence and automation. Per-secret table fields (inventory action,
// triage rationale, rollback per secret) repeat by structure and are said
// once by the renderings.
func sayItOnce(c *context) []finding {
	type place struct {
		section runbook.SectionID
		secret  string
		phase   runbook.Phase
		where   string
	}
	first := map[string]place{}
	reported := map[string]bool{}
	var out []finding
	add := func(p place, text string) {
		for _, s := range proseSentences(text) {
			if len(strings.Fields(s)) < sayOnceWords {
				continue
			}
			key := strings.ToLower(strings.TrimSuffix(s, "."))
			f, ok := first[key]
			if !ok {
				first[key] = p
				continue
			}
			// A step's or a check's twin in another environment.
			twin := p.section == f.section && (p.section == seq || p.section == val) && p.secret != "" && p.secret == f.secret && p.phase == f.phase
			if twin || reported[key] {
				continue
			}
			reported[key] = true
			out = append(out, finding{section: p.section, secretID: p.secret,
				message: fmt.Sprintf("%s repeats a sentence of %d words from %s (%q): say it once and refer to it", p.where, len(strings.Fields(s)), f.where, clipWords(s, 8))})
		}
	}
	s := c.rb.Sections
	if rs := s.RotationSequence; rs != nil {
		for i, t := range rs.Tracks {
			add(place{section: seq, where: fmt.Sprintf("track %d's note", i+1)}, t.Reason)
			for _, st := range t.Steps {
				p := place{section: seq, secret: st.SecretID, phase: st.Phase, where: fmt.Sprintf("step %d", st.Order)}
				add(p, st.Action)
				add(p, st.Verify)
			}
		}
	}
	if p := s.Preflight; p != nil {
		for _, t := range append(append([]string{}, p.Checklist...), p.BackupPlan...) {
			add(place{section: pre, where: "the checklist"}, t)
		}
	}
	if v := s.Validation; v != nil {
		for _, e := range v.Environments {
			for _, ch := range e.Checks {
				add(place{section: val, secret: ch.SecretID, where: "validation in " + e.Environment}, ch.Check+". "+ch.How+". "+ch.Expected)
			}
		}
	}
	if r := s.Rollback; r != nil {
		for _, t := range append(append([]string{}, r.Triggers...), r.Containment...) {
			add(place{section: rbk, where: "the rollback section"}, t)
		}
	}
	if ic := s.InternalComms; ic != nil {
		for _, m := range ic.Messages {
			add(place{section: icom, where: "the " + string(m.Audience) + " message"}, m.Body)
		}
	}
	if ec := s.ExternalComms; ec != nil {
		for _, m := range ec.Messages {
			add(place{section: xcom, where: "the " + string(m.Audience) + " message"}, m.Body)
		}
	}
	if ae := s.AuditEvidence; ae != nil {
		for _, it := range ae.Items {
			add(place{section: aud, secret: it.SecretID, where: "the evidence checklist"}, it.Evidence)
		}
	}
	if a := s.Automation; a != nil {
		for _, o := range a.Opportunities {
			add(place{section: auto, where: "automation"}, o.How)
		}
	}
	return out
}

// proseSentences splits a text at sentence ends (".", "!", "?" before a
// space) outside code spans.
func proseSentences(s string) []string {
	s = strings.Join(strings.Fields(s), " ")
	var out []string
	inCode, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '`':
			inCode = !inCode
		case !inCode && (c == '.' || c == '!' || c == '?') && (i+1 == len(s) || s[i+1] == ' '):
			out = append(out, strings.TrimSpace(s[start:i+1]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// clipWords shortens a text to its first n words.
func clipWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) <= n {
		return s
	}
	return strings.Join(w[:n], " ") + " …"
}
