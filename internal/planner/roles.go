package planner

import (
	"regexp"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// roleRE reads "ledger signs, notifier verifies", "signed by ledger",
// "verified by notifier and billing". Intake takes this reading over (issue
// #17); until then it is the planner's one rule for signer and verifier.
var roleRE = regexp.MustCompile(`(?i)\b((?:[a-z0-9][a-z0-9_.-]*)(?:\s*(?:,|and|&)\s*[a-z0-9][a-z0-9_.-]*)*)\s+(signs|sign|verifies|verify|issues|issue)\b|\b(signed|verified|issued)\s+by\s+((?:[a-z0-9][a-z0-9_.-]*)(?:\s*(?:,|and|&)\s*[a-z0-9][a-z0-9_.-]*)*)`)

var roleSplitRE = regexp.MustCompile(`\s*(?:,|\band\b|&)\s*`)

// readRoles finds which services sign and which verify a key in a text.
func readRoles(text string) (signers, verifiers []string) {
	for _, m := range roleRE.FindAllStringSubmatch(text, -1) {
		names, verb := m[1], strings.ToLower(m[2])
		if names == "" {
			names, verb = m[4], strings.ToLower(m[3])
		}
		for _, n := range roleSplitRE.Split(strings.TrimSpace(names), -1) {
			n = strings.Trim(n, ".")
			if n == "" || notNames[strings.ToLower(n)] || strings.EqualFold(n, "it") || strings.EqualFold(n, "who") {
				continue
			}
			if strings.HasPrefix(verb, "verif") {
				verifiers = appendOnce(verifiers, n)
			} else {
				signers = appendOnce(signers, n)
			}
		}
	}
	return signers, verifiers
}

// usesRoles reports whether a secret's entry names a signer or a verifier.
func usesRoles(s *Secret) bool {
	for _, t := range s.Entry.Actions.Texts() {
		if strings.Contains(*t, "{signer}") || strings.Contains(*t, "{verifier}") {
			return true
		}
	}
	return false
}

// roles settles the signer and the verifier of each secret whose entry
// names them: read from the request, or <placeholders> and a question.
func roles(f *Facts) {
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if !usesRoles(s) || (len(s.Signers) > 0 && len(s.Verifiers) > 0) {
			continue
		}
		var names []string
		for _, c := range s.Consumers {
			names = append(names, c.Name)
		}
		who := "its consumers"
		if len(names) > 0 {
			who = andJoin(names)
		}
		f.Raise(runbook.OpenItem{Source: "planner", Text: s.Name + ": which service signs (issues) it and which verify it is not said",
			Question: "Which of " + who + " signs with " + s.Name + ", and which verify it? The steps show <signer> and <verifier> until then: the verifiers must accept the new key before the signer switches.",
			Blocks:   []string{s.ID}})
	}
}

// RoleNames are the template values of a secret's signer and verifier.
func RoleNames(s *Secret) (signer, verifier string) {
	signer, verifier = "<signer>", "<verifier>"
	if len(s.Signers) > 0 {
		signer = andJoin(s.Signers)
	}
	if len(s.Verifiers) > 0 {
		verifier = andJoin(s.Verifiers)
	}
	return signer, verifier
}
