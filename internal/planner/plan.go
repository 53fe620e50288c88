package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Plan computes the facts of a request. The request must have passed Validate;
// Plan normalizes a copy of it and never changes the caller's value.
func Plan(in *runbook.Request) (*Facts, error) {
	if in == nil {
		return nil, fmt.Errorf("planner: nil request")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	req := cloneRequest(in)
	f := &Facts{
		System:            req.System,
		SystemSlug:        slug(req.System),
		Trigger:           req.Trigger,
		Environments:      req.Environments,
		Deployment:        req.Deployment,
		SecretStore:       req.SecretStore,
		DowntimeTolerance: req.DowntimeTolerance,
		Constraints:       []Constraint{},
	}
	f.Assumptions = req.Normalize()
	f.Trigger, f.Environments, f.Deployment = req.Trigger, req.Environments, req.Deployment
	f.SecretStore, f.DowntimeTolerance = req.SecretStore, req.DowntimeTolerance

	services := map[string]Service{}
	for _, s := range req.Services {
		svc := Service{Name: s.Name, Owner: s.Owner, Criticality: s.Criticality}
		services[strings.ToLower(s.Name)] = svc
		f.Services = append(f.Services, svc)
	}
	for _, o := range req.Owners {
		if o.Role == runbook.RoleApprover {
			f.Approvers = append(f.Approvers, o.Name)
		} else {
			f.Owners = append(f.Owners, o.Name)
		}
	}
	if len(f.Approvers) == 0 {
		f.Approvers = []string{"Security"}
		f.Assumptions = append(f.Assumptions, "no approver named: the Security team is assumed to approve")
	}

	ids := map[string]int{}
	var undescribed []string
	for i, in := range req.Secrets {
		s := newSecret(f, in, i, ids, services, &undescribed)
		f.Secrets = append(f.Secrets, s)
	}
	if len(undescribed) > 0 {
		f.Assumptions = append(f.Assumptions, fmt.Sprintf(
			"consumers not listed in services (%s): criticality assumed medium, owner assumed to be the secret's owner", strings.Join(undescribed, ", ")))
	}

	var texts []constraintText
	for _, c := range req.Constraints {
		texts = append(texts, constraintText{text: c})
	}
	for i, s := range req.Secrets {
		if strings.TrimSpace(s.Notes) != "" {
			texts = append(texts, constraintText{text: s.Notes, secretID: f.Secrets[i].ID})
		}
	}
	readConstraints(f, texts)
	for i := range f.Secrets {
		s := &f.Secrets[i]
		for j := range s.Consumers {
			s.Consumers[j].Runtime = consumerRuntime(f, s.Consumers[j].Name)
			s.Consumers[j].HowLoaded = howLoaded(f, s, s.Consumers[j])
		}
	}

	for i := range f.Secrets {
		s := &f.Secrets[i]
		chooseStrategy(f, s)
	}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		s.Urgency = urgency(f, s)
		s.RotationRisk = rotationRisk(f, s)
		s.BusinessImpact = businessImpact(s)
		s.Phases = phasesFor(f, s)
	}
	order(f)
	externalComms(f)
	if f.Assumptions == nil {
		f.Assumptions = []string{}
	}
	return f, nil
}

func cloneRequest(in *runbook.Request) *runbook.Request {
	r := *in
	r.Environments = append([]string(nil), in.Environments...)
	r.Deployment = append([]runbook.Deployment(nil), in.Deployment...)
	r.Services = append([]runbook.Service(nil), in.Services...)
	r.Owners = append([]runbook.Owner(nil), in.Owners...)
	r.Constraints = append([]string(nil), in.Constraints...)
	r.Secrets = make([]runbook.Secret, len(in.Secrets))
	for i, s := range in.Secrets {
		s.Consumers = append([]string(nil), s.Consumers...)
		s.Environments = append([]string(nil), s.Environments...)
		r.Secrets[i] = s
	}
	return &r
}

func newSecret(f *Facts, in runbook.Secret, index int, ids map[string]int, services map[string]Service, undescribed *[]string) Secret {
	text := strings.ToLower(in.Name + " " + in.Notes)
	nameText := strings.ToLower(in.Name)
	s := Secret{
		Name:         in.Name,
		Environments: in.Environments,
		Exposure:     in.Exposure,
		Notes:        in.Notes,
		Store:        in.SecretStore,
		Privilege:    in.Privilege,
	}
	s.ID = uniqueID(slug(in.Name), ids)

	prov := providerByID(in.Provider)
	if in.Provider == "" {
		prov = inferProvider(nameText)
		if prov == nil {
			prov = inferProvider(text)
		}
		if prov != nil {
			f.Assumptions = append(f.Assumptions, fmt.Sprintf("secrets[%d] %q: provider inferred as %s from its name", index, in.Name, prov.name))
		}
	}
	switch {
	case prov != nil:
		s.Provider, s.ProviderName = prov.id, prov.name
		s.DataReach, s.Unlocks = prov.reach, prov.unlocks
	case in.Provider != "":
		s.Provider, s.ProviderName = in.Provider, in.Provider
		s.DataReach = reachService
	default:
		s.Provider, s.ProviderName = "unknown", "the provider"
		s.DataReach = reachService
	}

	s.Kind = in.Kind
	if s.Kind == "" {
		kind, ok := inferKind(nameText, prov)
		s.Kind = kind
		if ok {
			f.Assumptions = append(f.Assumptions, fmt.Sprintf("secrets[%d] %q: kind inferred as %s from its name", index, in.Name, kind))
		} else {
			f.Assumptions = append(f.Assumptions, fmt.Sprintf("secrets[%d] %q: kind not given and not recognisable: treated as other (no overlap assumed)", index, in.Name))
		}
	}
	switch s.Kind {
	case runbook.KindDatabasePassword:
		if s.DataReach == reachService && prov == nil {
			s.DataReach = reachPersonal
		}
	case runbook.KindCloudAccessKey, runbook.KindEncryptionKey:
		s.DataReach, s.Unlocks = reachInfra, true
	}

	if s.Privilege == "" {
		switch {
		case hasAny(text, "admin", "administrator", "root", "superuser", "owner", "master", "full access", "org admin"):
			s.Privilege = runbook.PrivilegeAdmin
		case hasAny(text, "read-only", "readonly", "read only", "ro", "viewer"):
			s.Privilege = runbook.PrivilegeRead
		default:
			s.Privilege = runbook.PrivilegeWrite
		}
	}

	if in.Personal != nil {
		s.Personal = *in.Personal
	} else if f.Trigger == runbook.TriggerOffboarding {
		s.Personal = hasAny(text, "personal", "own", "their", "his", "her", "issued to", "pat", "personal access token", "user token")
	}

	for _, c := range in.Consumers {
		svc, known := services[strings.ToLower(c)]
		if !known {
			*undescribed = appendOnce(*undescribed, c)
			svc = Service{Name: c, Owner: in.Owner, Criticality: runbook.CriticalityMedium}
		}
		if svc.Owner == "" {
			svc.Owner = in.Owner
		}
		s.Consumers = append(s.Consumers, Consumer{Name: svc.Name, Owner: svc.Owner, Criticality: svc.Criticality})
	}
	if s.Consumers == nil {
		s.Consumers = []Consumer{}
		f.Assumptions = append(f.Assumptions, fmt.Sprintf("secrets[%d] %q: no consumers listed; the pre-rotation checklist starts by finding them", index, in.Name))
	}

	s.Owner = in.Owner
	if s.Owner == "" {
		for _, c := range s.Consumers {
			if c.Owner != "" {
				s.Owner = c.Owner
				break
			}
		}
	}
	if s.Owner == "" {
		s.Owner = "Platform Security"
		if len(f.Owners) > 0 {
			s.Owner = f.Owners[0]
		}
		f.Assumptions = append(f.Assumptions, fmt.Sprintf("secrets[%d] %q: no owner given: %s assumed", index, in.Name, s.Owner))
	}

	s.Compromise = compromise(f.Trigger, s.Exposure)
	s.EnvVar = strings.ToUpper(strings.ReplaceAll(s.ID, "-", "_"))
	s.StorePaths = map[string]string{}
	for _, e := range s.Environments {
		s.StorePaths[e] = storePath(s.Store, f.SystemSlug, e, s.ID, s.EnvVar)
	}
	return s
}

// compromise reads the exposure and the trigger the safe way (ROTATION_RULES.md
// §2 rule 6): public is always a confirmed leak; a confirmed leak with an
// unknown or third-party exposure is treated as confirmed; internal exposure is
// assessed before acting.
func compromise(t runbook.Trigger, e runbook.Exposure) Compromise {
	if e == runbook.ExposurePublic {
		return CompromiseConfirmed
	}
	if e == runbook.ExposureNone {
		return CompromiseNone
	}
	switch t {
	case runbook.TriggerConfirmedLeak:
		if e == runbook.ExposureInternal {
			return CompromiseSuspected
		}
		return CompromiseConfirmed
	case runbook.TriggerSuspectedLeak:
		return CompromiseSuspected
	case runbook.TriggerVendorChange:
		if e == runbook.ExposureThirdParty || e == runbook.ExposureUnknown {
			return CompromiseSuspected
		}
	}
	return CompromiseNone
}

func chooseStrategy(f *Facts, s *Secret) {
	c := candidate{kind: s.Kind, provider: s.Provider, text: strings.ToLower(s.Name + " " + s.Notes), store: s.Store}
	r := matchStrategy(c)
	s.Rule, s.Strategy, s.Overlap, s.Proof, s.RollbackWindow, s.PropagationSeconds = r.ID, r.Strategy, r.Overlap, r.Proof, r.Rollback, r.Propagation
	s.StrategyReason = fmt.Sprintf("%s (rule %s): %s", s.Strategy, r.ID, r.Overlap)
	switch {
	case s.Compromise == CompromiseConfirmed && s.Strategy != runbook.StrategyRekey:
		publicDataOnly := r.ID == "aws-iam-access-key" && hasAny(c.text, "public data", "public bucket", "public-read")
		var why string
		switch {
		case publicDataOnly:
		case !s.Strategy.HasOverlap():
			why = "no safe overlap exists"
		case r.LeakRevokeFirst:
			why = "the provider's guidance on a leak is to revoke first"
		case s.Kind == runbook.KindWebhookSecret:
			why = "a leaked signing secret must not stay accepted while both are valid"
		case highPrivilege(s):
			why = "its privilege is high (" + reachWords[s.DataReach] + ")"
		}
		if why != "" {
			s.Strategy = runbook.StrategyRevokeFirst
			s.StrategyReason = fmt.Sprintf("revoke_first: confirmed leak and %s; table rule %s would otherwise allow: %s", why, r.ID, r.Overlap)
			s.RollbackWindow = "none: the exposed credential is revoked and must never be restored"
		} else {
			s.StrategyReason += "; leak contained first, then a fast rotation keeping the overlap"
		}
	case f.Trigger == runbook.TriggerOffboarding && s.Personal:
		s.Strategy = runbook.StrategyRevokeFirst
		s.StrategyReason = "revoke_first: the credential belongs to the departing person; their access is removed first"
		s.RollbackWindow = "none: a departed person's credential is never restored"
		if len(s.Consumers) == 0 {
			s.RetireOnly = true
			s.StrategyReason += "; no service uses it, so it is retired, not replaced"
		} else {
			s.StrategyReason += "; the services that used it get a replacement owned by a service account"
		}
	}
}

func phasesFor(f *Facts, s *Secret) []runbook.Phase {
	contain := s.Strategy == runbook.StrategyRevokeFirst || s.Compromise == CompromiseConfirmed ||
		(s.Compromise == CompromiseSuspected && highPrivilege(s))
	investigate := s.Compromise != CompromiseNone || (f.Trigger == runbook.TriggerOffboarding && (s.Personal || s.Privilege == runbook.PrivilegeAdmin))
	// A secret that needs containment or investigation cannot wait for a
	// freeze: those steps run first, on the containment track.
	quiet := !contain && !investigate
	var p []runbook.Phase
	if quiet {
		p = append(p, runbook.PhaseFreeze)
	}
	if contain {
		p = append(p, runbook.PhaseContain)
	}
	if investigate {
		p = append(p, runbook.PhaseInvestigate)
	}
	if s.RetireOnly {
		return append(p, runbook.PhaseVerify, runbook.PhaseCleanup)
	}
	switch s.Strategy {
	case runbook.StrategyDualCredential, runbook.StrategyAlternatingUsers:
		p = append(p, runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseVerify, runbook.PhaseRevoke, runbook.PhaseCleanup)
	case runbook.StrategyDualAccept:
		p = append(p, runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify, runbook.PhaseRevoke, runbook.PhaseCleanup)
	case runbook.StrategyHardCutover, runbook.StrategyRevokeFirst:
		p = append(p, runbook.PhaseCreate, runbook.PhaseStore, runbook.PhaseDeploy, runbook.PhaseVerify, runbook.PhaseCleanup)
	case runbook.StrategyRekey:
		p = append(p, runbook.PhaseCreate, runbook.PhaseDeploy, runbook.PhaseSwitch, runbook.PhaseVerify, runbook.PhaseCleanup)
	}
	if quiet {
		p = append(p, runbook.PhaseUnfreeze)
	}
	return p
}

func externalComms(f *Facts) {
	ec := &f.ExternalComms
	for _, s := range f.Secrets {
		partner := partnerHeld(&s)
		switch {
		case s.Compromise == CompromiseConfirmed && s.Provider != "unknown":
			ec.Audiences = appendAudience(ec.Audiences, runbook.AudienceVendor)
			if ec.Reason == "" {
				ec.Reason = fmt.Sprintf("%s was exposed: %s is told so it can review usage and confirm revocation", s.Name, s.ProviderName)
			}
			if s.DataReach == reachMoney || s.DataReach == reachPersonal {
				ec.Audiences = appendAudience(ec.Audiences, runbook.AudienceCustomer)
			}
		case s.Kind == runbook.KindTLSPrivateKey && partner:
			ec.Audiences = appendAudience(ec.Audiences, runbook.AudienceVendor)
			if ec.Reason == "" {
				ec.Reason = fmt.Sprintf("%s is trusted by a partner: the new certificate must be on their allow-list before the switch", s.Name)
			}
		case partner:
			ec.Audiences = appendAudience(ec.Audiences, runbook.AudienceCustomer)
			if ec.Reason == "" {
				ec.Reason = fmt.Sprintf("%s is used with customers or partners", s.Name)
			}
		}
	}
	if f.Trigger == runbook.TriggerVendorChange {
		ec.Audiences = appendAudience(ec.Audiences, runbook.AudienceVendor)
		if ec.Reason == "" {
			ec.Reason = "vendor change: the vendor confirms the affected credentials and the timeline"
		}
	}
	ec.Applicable = len(ec.Audiences) > 0
	sort.Slice(ec.Audiences, func(i, j int) bool { return ec.Audiences[i] < ec.Audiences[j] })
	if !ec.Applicable {
		ec.Reason = "no customer-facing or partner-held credential is affected and no credential was exposed outside the company; vendor consoles are self-service"
		ec.Audiences = []runbook.Audience{}
	}
}

// slug turns a name into a lower-case id of letters, digits and dashes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimSuffix(b.String(), "-")
	if len(out) > 48 {
		out = strings.TrimSuffix(out[:48], "-")
	}
	if out == "" {
		out = "secret"
	}
	return out
}

func uniqueID(base string, ids map[string]int) string {
	ids[base]++
	if n := ids[base]; n > 1 {
		id := fmt.Sprintf("%s-%d", base, n)
		for ids[id] > 0 {
			n++
			id = fmt.Sprintf("%s-%d", base, n)
		}
		ids[id]++
		return id
	}
	return base
}

// storePath says where a secret's value for one environment lives.
func storePath(store runbook.SecretStore, system, env, id, envVar string) string {
	switch store {
	case runbook.StoreAWSSecretsManager:
		return fmt.Sprintf("%s/%s/%s", system, env, id)
	case runbook.StoreVault:
		return fmt.Sprintf("secret/%s/%s/%s", system, env, id)
	case runbook.StoreGCPSecretManager:
		return fmt.Sprintf("projects/<project>/secrets/%s-%s-%s", system, env, id)
	case runbook.StoreAzureKeyVault:
		return fmt.Sprintf("https://<vault>.vault.azure.net/secrets/%s-%s", env, id)
	case runbook.StoreDoppler:
		return fmt.Sprintf("project %s, config %s, key %s", system, env, envVar)
	case runbook.StoreInfisical:
		return fmt.Sprintf("project %s, environment %s, key %s", system, env, envVar)
	case runbook.StoreKubernetesSecrets:
		return fmt.Sprintf("namespace %s, Secret %s, key %s", env, id, envVar)
	case runbook.StoreEnvVars:
		return fmt.Sprintf("%s environment variable in %s", envVar, env)
	}
	return fmt.Sprintf("%s (%s)", envVar, env)
}
