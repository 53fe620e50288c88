package section

// All is the registry: every section, in the runbook's order (the seed
// prompt's). A new section is defined in its own file and listed here.
var All = []Section{
	inventory,
	riskTriage,
	preflight,
	rotationSequence,
	validation,
	rollback,
	internalComms,
	externalComms,
	auditEvidence,
	automation,
}
