package writer

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// roleConsumers are the consumers of a secret that play one role (its
// signers or its verifiers), or nil when the request names none of them.
func roleConsumers(s *planner.Secret, names []string) []planner.Consumer {
	var out []planner.Consumer
	for _, c := range s.Consumers {
		for _, n := range names {
			if strings.EqualFold(c.Name, n) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// hasRoles reports whether a dual-accept secret names its signers and
// verifiers among its consumers: the verifiers are rolled out first and
// the signers switch after them.
func hasRoles(s *planner.Secret) bool {
	return s.Strategy == runbook.StrategyDualAccept && len(roleConsumers(s, s.Verifiers)) > 0 && len(roleConsumers(s, s.Signers)) > 0
}

// stepConsumers are the consumers a step of the phase rolls out or checks.
func stepConsumers(s *planner.Secret, p runbook.Phase) []string {
	var cs []planner.Consumer
	switch {
	case hasRoles(s) && p == runbook.PhaseDeploy && s.Entry.JWKS:
		// The issuer publishes the new kid; the verifiers fetch it.
		cs = append(roleConsumers(s, s.Signers), roleConsumers(s, s.Verifiers)...)
	case hasRoles(s) && p == runbook.PhaseDeploy:
		cs = roleConsumers(s, s.Verifiers)
	case hasRoles(s) && p == runbook.PhaseSwitch:
		cs = roleConsumers(s, s.Signers)
	default:
		return consumerNames(s)
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// switchText moves the sender: with named signers, it rolls them out with
// the runtime's own command.
func switchText(c sc) (string, string) {
	a := c.actions()
	action, check := sentence(c.fill(a.Switch)), c.fill(a.SwitchCheck)
	if c.s.Entry.JWKS && c.s.Strategy != runbook.StrategyDualAccept {
		// A leaked key was cut over: nothing waits for the verifiers'
		// cache, which containment emptied, and the JWKS lists only the
		// new kid.
		signer, _ := planner.RoleNames(c.s)
		action = fmt.Sprintf("Roll out %s (issuer) signing with the new key and publishing only its kid in the JWKS, at once: containment already made the verifiers drop their cached JWKS.", signer)
		check = "the JWKS lists only the new kid, and a token " + signer + " issued since its roll-out verifies at every verifier"
	}
	if !hasRoles(c.s) {
		return action, check
	}
	sub := c
	sub.only = roleConsumers(c.s, c.s.Signers)
	hows, checks := reloadAll(sub)
	return strings.TrimSuffix(action, ".") + ": " + sentence(strings.Join(hows, "; ")), check + "; " + strings.Join(checks, "; ")
}
