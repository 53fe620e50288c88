package writer

import (
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
	if !hasRoles(c.s) {
		return action, check
	}
	sub := c
	sub.only = roleConsumers(c.s, c.s.Signers)
	hows, checks := reloadAll(sub)
	return strings.TrimSuffix(action, ".") + ": " + sentence(strings.Join(hows, "; ")), check + "; " + strings.Join(checks, "; ")
}
