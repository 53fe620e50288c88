package planner

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// highPrivilege is the "privilege is high" of the leak rule: admin rights, or
// write access to money or infrastructure.
func highPrivilege(s *Secret) bool {
	return s.Privilege == runbook.PrivilegeAdmin ||
		(s.Privilege == runbook.PrivilegeWrite && (s.DataReach == reachMoney || s.DataReach == reachInfra))
}

var reachWords = map[string]string{
	reachMoney:    "moves or reads money",
	reachInfra:    "controls infrastructure",
	reachPersonal: "reaches personal data",
	reachCode:     "reaches source code and build pipelines",
	reachService:  "reaches service data",
}

// urgency scores how soon a secret must be rotated (ROTATION_RULES.md §3).
func urgency(f *Facts, s *Secret) Urgency {
	score := 0
	var factors []string
	add := func(points int, why string) {
		if points > 0 {
			score += points
			factors = append(factors, fmt.Sprintf("+%d %s", points, why))
		}
	}
	switch s.Exposure {
	case runbook.ExposurePublic:
		add(40, "exposed publicly")
	case runbook.ExposureThirdParty:
		add(28, "exposed to a third party")
	case runbook.ExposureUnknown:
		if f.Trigger.IsLeak() || f.Trigger == runbook.TriggerVendorChange {
			add(30, "exposure unknown during a leak: treated as exposed")
		} else {
			add(15, "exposure unknown")
		}
	case runbook.ExposureInternal:
		add(10, "known inside the company")
	}
	switch f.Trigger {
	case runbook.TriggerConfirmedLeak:
		add(25, "leak confirmed")
	case runbook.TriggerSuspectedLeak:
		add(15, "leak suspected")
	case runbook.TriggerOffboarding:
		add(12, "a person who knew it is leaving")
		if s.Personal {
			add(8, "issued to the departing person")
		}
	case runbook.TriggerVendorChange:
		add(10, "vendor change or vendor incident")
	case runbook.TriggerCompliance:
		add(5, "compliance deadline")
	}
	switch {
	case s.Privilege == runbook.PrivilegeAdmin:
		add(20, "admin privilege; "+reachWords[s.DataReach])
	case highPrivilege(s):
		add(16, "write access; "+reachWords[s.DataReach])
	case s.Privilege == runbook.PrivilegeWrite && (s.DataReach == reachPersonal || s.DataReach == reachCode):
		add(12, "write access; "+reachWords[s.DataReach])
	case s.Privilege == runbook.PrivilegeWrite:
		add(8, "write access")
	default:
		add(4, "read access")
	}
	blast := 0
	if hasProduction(s.Environments) {
		blast += 4
	}
	blast += min(len(s.Consumers), 4) * 3 / 2
	if criticalConsumer(s) {
		blast += 4
	}
	add(min(blast, 14), fmt.Sprintf("blast radius (%d consumers, %s)", len(s.Consumers), strings.Join(s.Environments, ", ")))
	if s.Unlocks {
		add(6, "unlocks other secrets")
	}
	score = min(score, 100)
	p := runbook.P3
	switch {
	case score >= 70:
		p = runbook.P0
	case score >= 45:
		p = runbook.P1
	case score >= 25:
		p = runbook.P2
	}
	return Urgency{Score: score, Priority: p, Factors: factors}
}

// rotationRisk scores how likely the rotation is to break something.
func rotationRisk(f *Facts, s *Secret) RotationRisk {
	score := 0
	var factors []string
	add := func(points int, why string) {
		if points > 0 {
			score += points
			factors = append(factors, fmt.Sprintf("+%d %s", points, why))
		}
	}
	switch s.Strategy {
	case runbook.StrategyHardCutover, runbook.StrategyRevokeFirst:
		add(3, "no overlap: the old credential stops working before every consumer has the new one")
	case runbook.StrategyDualAccept:
		add(1, "receivers must first be deployed to accept both secrets")
	case runbook.StrategyAlternatingUsers:
		add(1, "two users with identical grants must be kept in step")
	case runbook.StrategyRekey:
		add(1, "data written under the old key version must stay decryptable")
	}
	if s.Entry != nil && s.Entry.OverlapUnknown && s.Strategy.HasOverlap() {
		add(2, "the provider is not in rotor's catalogue: whether it allows a second live credential is not confirmed")
	}
	switch n := len(s.Consumers); {
	case n == 0:
		add(1, "consumers unknown: a missed dependency is likely")
	case n == 2:
		add(1, "2 consumers")
	case n >= 3 && n <= 5:
		add(2, fmt.Sprintf("%d consumers", n))
	case n >= 6:
		add(3, fmt.Sprintf("%d consumers", n))
	}
	if s.Legacy {
		add(2, "legacy consumer: "+s.LegacyNote)
	}
	if s.Kind == runbook.KindTLSPrivateKey && partnerHeld(s) {
		add(2, "a partner must trust the new certificate before the switch")
	}
	if f.DowntimeTolerance == runbook.DowntimeNone && !s.Strategy.HasOverlap() {
		add(1, "no downtime tolerated")
	}
	if criticalConsumer(s) {
		add(1, "a high-criticality service depends on it")
	}
	if manualOnly(f.Deployment) {
		add(1, "manual deploys")
	}
	if f.BuildTime {
		add(1, "value baked in at build time: consumers must be rebuilt")
	}
	lvl := runbook.LevelLow
	switch {
	case score >= 4:
		lvl = runbook.LevelHigh
	case score >= 2:
		lvl = runbook.LevelMedium
	}
	if len(factors) == 0 {
		factors = []string{"overlap supported, one consumer, nothing legacy"}
	}
	return RotationRisk{Level: lvl, Score: score, Factors: factors}
}

func hasProduction(envs []string) bool {
	for _, e := range envs {
		if runbook.IsProduction(e) {
			return true
		}
	}
	return false
}

func criticalConsumer(s *Secret) bool {
	for _, c := range s.Consumers {
		if c.Criticality == runbook.CriticalityHigh {
			return true
		}
	}
	return false
}

func manualOnly(ds []runbook.Deployment) bool {
	for _, d := range ds {
		if d != runbook.DeployManual && d != runbook.DeployVM {
			return false
		}
	}
	return len(ds) > 0
}

// businessImpact says in a sentence what breaks, or who is hurt, if the secret
// is abused or the rotation goes wrong.
func businessImpact(s *Secret) string {
	var consumers []string
	for _, c := range s.Consumers {
		consumers = append(consumers, fmt.Sprintf("%s (%s)", c.Name, c.Criticality))
	}
	who := "no consumer listed"
	if len(consumers) > 0 {
		who = strings.Join(consumers, ", ")
	}
	if s.ReachAssumed {
		// A guess is said as one: an engine rotor does not know may hold
		// anything, and the request did not say.
		return fmt.Sprintf("Not known (assumed: %s, %s); %s", reachWords[s.DataReach], s.Privilege, who)
	}
	return fmt.Sprintf("%s (%s); %s", upperFirstWord(reachWords[s.DataReach]), s.Privilege, who)
}

func upperFirstWord(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// partnerHeld reports whether a customer or partner holds, uses or trusts
// the credential, as intake read it in its name, notes and consumers.
func partnerHeld(s *Secret) bool { return s.HeldOutside }
