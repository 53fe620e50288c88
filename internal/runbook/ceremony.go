package runbook

// Routine reports whether a rotation is routine: planned (scheduled, or for
// compliance), every secret of low rotation risk, and none exposed outside
// the company. A routine rotation gets no deploy freeze, no leadership email
// and no day-ahead notice: ceremony follows risk. The planner decides with
// it and the linter checks with it, from the same inputs.
func Routine(trigger Trigger, risks []Level, exposures []Exposure) bool {
	if trigger != TriggerScheduled && trigger != TriggerCompliance || len(risks) == 0 {
		return false
	}
	for _, r := range risks {
		if r != LevelLow {
			return false
		}
	}
	for _, e := range exposures {
		if e == ExposurePublic || e == ExposureThirdParty {
			return false
		}
	}
	return true
}

// Routine reports whether the runbook's rotation is routine (see Routine),
// from its inventory and triage.
func (rb *Runbook) Routine() bool {
	inv, rt := rb.Sections.Inventory, rb.Sections.RiskTriage
	if inv == nil {
		return false
	}
	var risks []Level
	for _, s := range inv.Secrets {
		risks = append(risks, s.RotationRisk)
	}
	var exposures []Exposure
	if rt != nil {
		for _, it := range rt.Items {
			exposures = append(exposures, it.Exposure)
		}
	}
	return Routine(rb.Trigger, risks, exposures)
}
