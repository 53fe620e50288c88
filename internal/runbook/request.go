package runbook

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on a request. Beyond them the request is refused with a clear error.
const (
	MaxBodyBytes      = 256 << 10
	MaxSecrets        = 100
	MaxConsumers      = 50
	MaxTextChars      = 2000
	MaxEnvironments   = 20
	MaxServices       = 200
	MaxOwners         = 100
	MaxConstraints    = 50
	MaxTimeSpecs      = 20
	MaxEnvNameChars   = 64
	MaxSecretEnvNames = MaxEnvironments
)

// Request describes a rotation job. Only System and one secret with a Name are
// required; Normalize fills in the rest.
type Request struct {
	System            string       `json:"system"`
	Trigger           Trigger      `json:"trigger,omitempty"`
	Environments      []string     `json:"environments,omitempty"`
	Deployment        []Deployment `json:"deployment,omitempty"`
	SecretStore       SecretStore  `json:"secret_store,omitempty"`
	DowntimeTolerance Downtime     `json:"downtime_tolerance,omitempty"`
	Secrets           []Secret     `json:"secrets"`
	Services          []Service    `json:"services,omitempty"`
	Owners            []Owner      `json:"owners,omitempty"`
	Constraints       []string     `json:"constraints,omitempty"`
	// Windows are maintenance windows production steps should run in; free
	// text in constraints is read too.
	Windows []TimeSpec `json:"windows,omitempty"`
	// Blackouts are times no production step may run (a batch that must not
	// be interrupted, a freeze).
	Blackouts []TimeSpec `json:"blackouts,omitempty"`
	// Deadlines are moments work must be done by, as data.
	Deadlines []DeadlineSpec `json:"deadlines,omitempty"`
	// Rules are rules that bind steps, as data (change path, dual control,
	// duties, freezes, rate limits, approval).
	Rules []RuleSpec `json:"rules,omitempty"`
	// AsOf fixes "now" (RFC 3339): relative words ("today", "Friday", "end
	// of day") and the first slot of each window are dated from it. Unset:
	// the time the runbook is generated.
	AsOf string `json:"as_of,omitempty"`
}

// AsOfTime parses AsOf; false when it is unset (Validate has checked it).
func (r *Request) AsOfTime() (time.Time, bool) {
	if r.AsOf == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, r.AsOf)
	return t, err == nil
}

// TimeSpec is a recurring span of time: the days it applies to (every day when
// empty), a start and an end in 24-hour HH:MM (an end before the start crosses
// midnight), and the time zone (an IANA name such as Europe/Berlin, or UTC).
type TimeSpec struct {
	Days  []string `json:"days,omitempty"`
	Start string   `json:"start"`
	End   string   `json:"end"`
	TZ    string   `json:"tz,omitempty"`
	// From and Until limit it to a period of whole days, both inclusive:
	// YYYY-MM-DD, or --MM-DD for the same days every year.
	From  string `json:"from,omitempty"`
	Until string `json:"until,omitempty"`
	Note  string `json:"note,omitempty"`
	// EndDay is the weekday a span across days ends on ("days": ["fri"],
	// "start": "18:00", "end": "06:00", "end_day": "mon").
	EndDay string `json:"end_day,omitempty"`
	// DaysOfMonth limits it to days of the month (1 to 31, -1 the last day,
	// -2 the one before ...); with days, both must hold.
	DaysOfMonth []int `json:"days_of_month,omitempty"`
	// Dates lists single days it applies to (YYYY-MM-DD), each on its own.
	Dates []string `json:"dates,omitempty"`
	// Scope names what it binds: secret names, providers, consumers, or parts
	// of the job ("databases", "DNS"); every secret when empty.
	Scope []string `json:"scope,omitempty"`
}

// DeadlineSpec is a moment work must be done by.
type DeadlineSpec struct {
	// Date is YYYY-MM-DD; At is HH:MM in TZ (UTC when empty).
	Date string `json:"date"`
	At   string `json:"at"`
	TZ   string `json:"tz,omitempty"`
	// Scope names what it binds; every secret when empty.
	Scope []string `json:"scope,omitempty"`
	Note  string   `json:"note,omitempty"`
}

// RuleSpec is a rule that binds steps, as data.
type RuleSpec struct {
	// Kind is change_path, dual_control, duty, freeze, rate_limit or
	// approval.
	Kind string `json:"kind"`
	// Tool is a change path's tool: terraform, ansible or gitops.
	Tool string `json:"tool,omitempty"`
	// Party is whom a duty is owed to (customer, regulator, finance) and
	// Within its clock as a duration ("72h").
	Party  string `json:"party,omitempty"`
	Within string `json:"within,omitempty"`
	// Activity is what a freeze forbids (release, publish, deploy, change)
	// and Until what it waits for.
	Activity string `json:"activity,omitempty"`
	Until    string `json:"until,omitempty"`
	// Ticket is an approval's change ticket ("CHG0012345"): every audit
	// evidence item is filed under it.
	Ticket string `json:"ticket,omitempty"`
	// Scope names what it binds; every secret when empty.
	Scope []string `json:"scope,omitempty"`
	Note  string   `json:"note,omitempty"`
}

// Values of the structured rules.
var (
	RuleKinds  = []string{"change_path", "dual_control", "duty", "freeze", "rate_limit", "approval"}
	RuleTools  = []string{"terraform", "ansible", "gitops"}
	Parties    = []string{"customer", "regulator", "finance"}
	Activities = []string{"release", "publish", "deploy", "change", "restart", "rotate"}
)

// Secret is one credential to rotate.
type Secret struct {
	Name         string   `json:"name"`
	Kind         Kind     `json:"kind,omitempty"`
	Provider     string   `json:"provider,omitempty"`
	Owner        string   `json:"owner,omitempty"`
	Consumers    []string `json:"consumers,omitempty"`
	Environments []string `json:"environments,omitempty"`
	Exposure     Exposure `json:"exposure,omitempty"`
	Notes        string   `json:"notes,omitempty"`
	// Privilege overrides the planner's reading of what the secret allows.
	Privilege Privilege `json:"privilege,omitempty"`
	// Personal marks a credential issued to one person (their own token or key),
	// as opposed to a shared one; offboarding removes personal ones first.
	Personal *bool `json:"personal,omitempty"`
	// SecretStore overrides the request's secret_store for this secret.
	SecretStore SecretStore `json:"secret_store,omitempty"`
}

// Service is a consumer of secrets.
type Service struct {
	Name        string      `json:"name"`
	Owner       string      `json:"owner,omitempty"`
	Criticality Criticality `json:"criticality,omitempty"`
}

// Owner is a team or person taking part in the rotation.
type Owner struct {
	Name string `json:"name"`
	Role Role   `json:"role,omitempty"`
}

// validEnvName reports a name of lower-case letters, digits, '_', '.' and
// '-', starting with a letter or digit.
func validEnvName(s string) bool {
	for i, r := range s {
		alnum := r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || (r != '_' && r != '.' && r != '-')) {
			return false
		}
	}
	return s != ""
}

// Validate reports every problem of the request at once, each with its JSON
// path. It returns nil or a *ValidationError.
func (r *Request) Validate() error {
	v := &problems{}
	v.text("system", r.System, true)
	checkEnum(v, "trigger", r.Trigger, Triggers)
	v.count("environments", len(r.Environments), MaxEnvironments)
	envs := map[string]bool{}
	for i, e := range r.Environments {
		p := fmt.Sprintf("environments[%d]", i)
		v.envName(p, e)
		if envs[NormalizeEnv(e)] {
			v.add(p, fmt.Sprintf("duplicate environment %q", e))
		}
		envs[NormalizeEnv(e)] = true
	}
	for i, d := range r.Deployment {
		if d == "" {
			v.add(fmt.Sprintf("deployment[%d]", i), "is required")
		}
		checkEnum(v, fmt.Sprintf("deployment[%d]", i), d, Deployments)
	}
	checkEnum(v, "secret_store", r.SecretStore, SecretStores)
	checkEnum(v, "downtime_tolerance", r.DowntimeTolerance, Downtimes)
	if len(r.Secrets) == 0 {
		v.add("secrets", "at least one secret is required")
	}
	v.count("secrets", len(r.Secrets), MaxSecrets)
	names := map[string]int{}
	for i, s := range r.Secrets {
		p := fmt.Sprintf("secrets[%d]", i)
		v.text(p+".name", s.Name, true)
		key := strings.ToLower(strings.TrimSpace(s.Name))
		if j, dup := names[key]; dup && key != "" {
			v.add(p+".name", fmt.Sprintf("duplicate secret name %q (also secrets[%d].name)", s.Name, j))
		} else {
			names[key] = i
		}
		checkEnum(v, p+".kind", s.Kind, Kinds)
		v.text(p+".provider", s.Provider, false)
		v.text(p+".owner", s.Owner, false)
		v.count(p+".consumers", len(s.Consumers), MaxConsumers)
		for j, c := range s.Consumers {
			v.text(fmt.Sprintf("%s.consumers[%d]", p, j), c, true)
		}
		v.count(p+".environments", len(s.Environments), MaxSecretEnvNames)
		for j, e := range s.Environments {
			ep := fmt.Sprintf("%s.environments[%d]", p, j)
			v.envName(ep, e)
			if len(envs) > 0 && validEnvName(NormalizeEnv(e)) && !envs[NormalizeEnv(e)] {
				v.add(ep, fmt.Sprintf("%q is not one of the request's environments (%s)", e, strings.Join(r.Environments, ", ")))
			}
		}
		checkEnum(v, p+".exposure", s.Exposure, Exposures)
		v.text(p+".notes", s.Notes, false)
		checkEnum(v, p+".privilege", s.Privilege, Privileges)
		checkEnum(v, p+".secret_store", s.SecretStore, SecretStores)
	}
	v.count("services", len(r.Services), MaxServices)
	svc := map[string]bool{}
	for i, s := range r.Services {
		p := fmt.Sprintf("services[%d]", i)
		v.text(p+".name", s.Name, true)
		if key := strings.ToLower(strings.TrimSpace(s.Name)); svc[key] {
			v.add(p+".name", fmt.Sprintf("duplicate service %q", s.Name))
		} else {
			svc[key] = true
		}
		v.text(p+".owner", s.Owner, false)
		checkEnum(v, p+".criticality", s.Criticality, Criticalities)
	}
	v.count("owners", len(r.Owners), MaxOwners)
	for i, o := range r.Owners {
		p := fmt.Sprintf("owners[%d]", i)
		v.text(p+".name", o.Name, true)
		v.text(p+".role", string(o.Role), false)
	}
	v.count("constraints", len(r.Constraints), MaxConstraints)
	for i, c := range r.Constraints {
		v.text(fmt.Sprintf("constraints[%d]", i), c, true)
	}
	v.count("deadlines", len(r.Deadlines), MaxTimeSpecs)
	for i, d := range r.Deadlines {
		v.deadlineSpec(fmt.Sprintf("deadlines[%d]", i), d)
	}
	v.count("rules", len(r.Rules), MaxConstraints)
	for i, rs := range r.Rules {
		v.ruleSpec(fmt.Sprintf("rules[%d]", i), rs)
	}
	if r.AsOf != "" {
		if _, err := time.Parse(time.RFC3339, r.AsOf); err != nil {
			v.add("as_of", fmt.Sprintf("%q must be an RFC 3339 time such as 2026-03-04T10:00:00Z", r.AsOf))
		}
	}
	for _, list := range []struct {
		name  string
		specs []TimeSpec
	}{{"windows", r.Windows}, {"blackouts", r.Blackouts}} {
		v.count(list.name, len(list.specs), MaxTimeSpecs)
		for i, ts := range list.specs {
			v.timeSpec(fmt.Sprintf("%s[%d]", list.name, i), ts)
		}
	}
	return v.err()
}

// Normalize applies the documented defaults in place and returns, in plain
// words, every assumption it made so the runbook can state them. Call it after
// Validate succeeded.
func (r *Request) Normalize() []string {
	var assumed []string
	r.System = strings.TrimSpace(r.System)
	if r.Trigger == "" {
		r.Trigger = TriggerScheduled
		assumed = append(assumed, "trigger not given: treated as a scheduled rotation")
	}
	for i := range r.Environments {
		r.Environments[i] = NormalizeEnv(r.Environments[i])
	}
	if len(r.Environments) == 0 {
		seen := map[string]bool{}
		for _, s := range r.Secrets {
			for _, e := range s.Environments {
				if e := NormalizeEnv(e); !seen[e] {
					seen[e] = true
					r.Environments = append(r.Environments, e)
				}
			}
		}
		if len(r.Environments) == 0 {
			r.Environments = []string{"staging", "production"}
			assumed = append(assumed, "environments not given: assumed staging and production; drop staging steps if it does not exist")
		}
	}
	r.Environments = SortEnvironments(r.Environments)
	if len(r.Deployment) == 0 {
		r.Deployment = []Deployment{DeployCICD}
		assumed = append(assumed, "deployment method not given: assumed a CI/CD pipeline redeploys consumers")
	}
	if r.SecretStore == "" {
		r.SecretStore = StoreOther
		assumed = append(assumed, "secret store not given: steps say \"the secret store\"; record where each secret lives before starting")
	}
	if r.DowntimeTolerance == "" {
		r.DowntimeTolerance = DowntimeNone
		assumed = append(assumed, "downtime tolerance not given: assumed none (the safe reading)")
	}
	for i := range r.Secrets {
		s := &r.Secrets[i]
		s.Name = strings.TrimSpace(s.Name)
		s.Provider = strings.ToLower(strings.TrimSpace(s.Provider))
		for j := range s.Environments {
			s.Environments[j] = NormalizeEnv(s.Environments[j])
		}
		if len(s.Environments) == 0 {
			s.Environments = append([]string(nil), r.Environments...)
		}
		s.Environments = SortEnvironments(s.Environments)
		if s.SecretStore == "" {
			s.SecretStore = r.SecretStore
		}
		if s.Exposure == "" {
			s.Exposure = ExposureUnknown
			if !r.Trigger.IsLeak() && r.Trigger != TriggerVendorChange {
				s.Exposure = ExposureInternal
			}
		}
	}
	for i := range r.Services {
		if r.Services[i].Criticality == "" {
			r.Services[i].Criticality = CriticalityMedium
		}
	}
	for i := range r.Owners {
		r.Owners[i].Role = Role(strings.TrimSpace(string(r.Owners[i].Role))).Known()
		if r.Owners[i].Role == "" {
			r.Owners[i].Role = RoleOwner
		}
	}
	return assumed
}

// NormalizeEnv is the canonical spelling of an environment name.
func NormalizeEnv(e string) string {
	e = strings.ToLower(strings.TrimSpace(e))
	switch e {
	case "prod", "prd", "live":
		return "production"
	case "stage", "stg":
		return "staging"
	case "development":
		return "dev"
	}
	return e
}

// envRank orders environments: lower environments first, production last.
func envRank(e string) int {
	switch {
	case e == "production":
		return 100
	case strings.Contains(e, "prod") || strings.Contains(e, "dr"):
		return 90
	case strings.Contains(e, "preprod") || strings.Contains(e, "uat") || strings.Contains(e, "sandbox"):
		return 60
	case strings.Contains(e, "stag"):
		return 50
	case strings.Contains(e, "qa") || strings.Contains(e, "test"):
		return 30
	case strings.Contains(e, "dev") || strings.Contains(e, "local"):
		return 10
	}
	return 40
}

// IsProduction reports whether an environment is production-grade.
func IsProduction(e string) bool { return envRank(NormalizeEnv(e)) >= 90 }

// SortEnvironments orders environments lower first, production last, stably.
func SortEnvironments(envs []string) []string {
	out := append([]string(nil), envs...)
	sort.SliceStable(out, func(i, j int) bool { return envRank(out[i]) < envRank(out[j]) })
	return out
}

// problems collects field problems in the order they are found.
type problems struct{ fields []FieldError }

func (v *problems) add(path, problem string) {
	v.fields = append(v.fields, FieldError{Path: path, Problem: problem})
}

func (v *problems) count(path string, n, max int) {
	if n > max {
		v.add(path, fmt.Sprintf("has %d entries, at most %d are allowed", n, max))
	}
}

func (v *problems) text(path, s string, required bool) {
	if required && strings.TrimSpace(s) == "" {
		v.add(path, "is required")
		return
	}
	if n := utf8.RuneCountInString(s); n > MaxTextChars {
		v.add(path, fmt.Sprintf("is %d characters long, at most %d are allowed", n, MaxTextChars))
	}
	if !utf8.ValidString(s) {
		v.add(path, "is not valid UTF-8")
		return
	}
	for _, c := range s {
		if unicode.IsControl(c) && c != '\n' && c != '\t' && c != '\r' {
			v.add(path, "contains control characters")
			return
		}
	}
}

func (v *problems) envName(path, e string) {
	n := NormalizeEnv(e)
	switch {
	case n == "":
		v.add(path, "is required")
	case len(n) > MaxEnvNameChars:
		v.add(path, fmt.Sprintf("is %d characters long, at most %d are allowed", len(n), MaxEnvNameChars))
	case !validEnvName(n):
		v.add(path, fmt.Sprintf("%q must be a name of letters, digits, '-', '_' or '.'", e))
	}
}

func (v *problems) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: v.fields}
}

// checkEnum adds a problem when got is set and not one of allowed.
func checkEnum[T ~string](v *problems, path string, got T, allowed []T) {
	if got == "" || OneOf(allowed, got) {
		return
	}
	parts := make([]string, len(allowed))
	for i, a := range allowed {
		parts[i] = string(a)
	}
	v.add(path, fmt.Sprintf("%q must be one of %s", got, strings.Join(parts, ", ")))
}
