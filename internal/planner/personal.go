package planner

import (
	"fmt"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// askPersonalUse raises who still uses a departing person's own credential
// that the request places in production but gives no consumer: "no service
// uses it" is then a guess, and a CI job, a bot or a deploy script that
// authenticates with someone's personal token breaks the moment it is
// revoked. The kill waits for the answer (holdKills), and an exposed
// credential's kill never does; the deadline still bounds it.
func askPersonalUse(f *Facts, in *runbook.Request) {
	if f.Trigger != runbook.TriggerOffboarding {
		return
	}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if !s.Personal || len(s.Consumers) > 0 || i >= len(in.Secrets) {
			continue
		}
		var envs []string
		for _, e := range in.Secrets[i].Environments {
			envs = append(envs, runbook.NormalizeEnv(e))
		}
		if !hasProduction(envs) {
			continue
		}
		by := ""
		if d := deadlineFor(f, s.ID); d != nil {
			by = " " + d.Label()
		}
		f.Raise(runbook.OpenItem{Source: fmt.Sprintf("secrets[%d].personal", i),
			Text:     fmt.Sprintf("Does anything in production still use %s (the departing person's own, listed in production, no consumer named)?", s.Name),
			Question: fmt.Sprintf("Does anything in production (a CI job, a bot, a deploy or cron script) still authenticate with %s? The request lists it in production but names no consumer, so rotor retires it without a replacement; its revoke does not wait for this answer (it dies whatever the answer, at the start and%s). If something uses it, name it: it gets a replacement owned by a service account (for GitHub, a GitHub App or a bot account's fine-grained token), and fails until then.", s.Name, by),
			Blocks:   []string{}})
	}
}
