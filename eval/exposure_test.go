package eval

import (
	"context"
	"fmt"
	"testing"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestExposedCredentialDeadBeforeLowerEnvironments is the exposure policy's
// property (ROTATION_RULES.md §2 rule 6), over every catalogue entry × {public,
// third party} × {production only, staging + production}: in the served
// runbook the old credential is dead in every environment before the first
// lower-environment step that is not containment, before any other secret's
// work, and its kill steps carry their planned time. It is scored with
// eval's own reading of the runbook (killStep, killedFirst), apart from the
// planner and the linter, and the linter finds no error either.
//
// A KMS-style key (strategy rekey) is left out: it must keep decrypting
// until the data is re-encrypted, so it is restricted at once and disabled
// only after re-encryption (ROTATION_RULES.md §1).
func TestExposedCredentialDeadBeforeLowerEnvironments(t *testing.T) {
	s := scan(t)
	gen := generate.New(generate.Config{Screener: s, Linter: lint.New(s)})
	l := lint.New(s)
	type variant struct {
		exposure runbook.Exposure
		trigger  runbook.Trigger
	}
	variants := []variant{
		{runbook.ExposurePublic, runbook.TriggerConfirmedLeak},
		{runbook.ExposureThirdParty, runbook.TriggerConfirmedLeak},
		{runbook.ExposureThirdParty, runbook.TriggerVendorChange},
	}
	envSets := [][]string{{"production"}, {"staging", "production"}}
	runs := 0
	for _, p := range catalog.Default().Providers {
		for i := range p.Credentials {
			cr := &p.Credentials[i]
			if cr.Strategy == runbook.StrategyRekey {
				continue
			}
			for _, v := range variants {
				for _, envs := range envSets {
					name := fmt.Sprintf("%s/%s/%s/%d-env", cr.ID, v.exposure, v.trigger, len(envs))
					t.Run(name, func(t *testing.T) {
						ex := cr.Example
						req := &runbook.Request{System: "Exposure property", Trigger: v.trigger, Environments: envs,
							Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: ex.Store,
							Secrets: []runbook.Secret{{Name: ex.Name, Kind: ex.Kind, Provider: ex.Provider, Notes: ex.Notes,
								Exposure: v.exposure, Owner: "Platform", Consumers: []string{"api", "worker"}, Environments: envs}}}
						rb, err := gen.Generate(context.Background(), req, generate.Options{})
						if err != nil {
							t.Fatal(err)
						}
						runs++
						steps := rb.Sections.RotationSequence.AllSteps()
						for _, sec := range exposedOutside(rb) {
							dead := 0
							for _, env := range sec.Environments {
								k := killStep(sec, steps, env)
								if k == nil {
									t.Fatalf("%s is never killed in %s", sec.ID, env)
								}
								dead = max(dead, k.Order)
								planned := false
								for _, kt := range rb.TimeToKill {
									planned = planned || (kt.SecretID == sec.ID && kt.Step == k.Order && kt.Label != "")
								}
								if !planned {
									t.Errorf("%s: kill step %d in %s has no planned time", sec.ID, k.Order, env)
								}
							}
							for _, st := range steps {
								lower := !runbook.IsProduction(st.Environment) && st.Environment != "all"
								if lower && st.Phase != runbook.PhaseContain && st.Order < dead {
									t.Errorf("%s: step %d (%s in %s) comes before it is dead at step %d", sec.ID, st.Order, st.Phase, st.Environment, dead)
								}
							}
						}
						// What it could read (an unconditional read reach of
						// its entry) is listed by name and killed from T0 at a
						// containment step of its own, by T0+exposure.ReachKill
						// (review18 round 4, X1).
						reads := 0
						for _, x := range cr.Exposes {
							if len(x.When) == 0 && x.Credential == "" && x.Kill == "" && x.Reach != catalog.ReachReplicaLinks {
								reads++
							}
						}
						reachKills := 0
						for _, kt := range rb.TimeToKill {
							if kt.Reach {
								reachKills++
								if st := stepOf(steps, kt.Step); st == nil || st.Phase != runbook.PhaseContain || kt.Minutes > exposure.ReachKill {
									t.Errorf("what %s could read dies at %s (step %d), not a containment within T0+%d", kt.SecretID, kt.Label, kt.Step, exposure.ReachKill)
								}
							}
						}
						if reachKills < reads {
							t.Errorf("%d of %d sets of secrets the credential could read have a kill time", reachKills, reads)
						}
						if len(exposedOutside(rb)) == 0 {
							t.Fatal("no exposed credential in the runbook")
						}
						for _, b := range killedFirst(rb, "", steps) {
							t.Error(b)
						}
						for _, f := range lint.Errors(l.Lint(rb)) {
							t.Errorf("lint: %s %s: %s", f.Rule, f.SecretID, f.Message)
						}
					})
				}
			}
		}
	}
	if runs < 100 {
		t.Errorf("only %d runbooks checked: the catalogue shrank or the loop broke", runs)
	}
}
