package planner

import (
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

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
		f.Raise(runbook.OpenItem{Source: "planner", Text: s.Name + ": which service signs (issues) it, and which verify it?",
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
