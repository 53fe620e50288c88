package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Vars are the names a template may use in {braces}; the writer fills them.
var Vars = []string{
	"env",       // the environment of the step
	"name",      // the secret's name
	"var",       // the variable consumers read the value from
	"path",      // where the value lives in the store for {env}
	"consumer",  // one consumer
	"consumers", // every consumer of the secret
	"namespace", // the Kubernetes namespace of {env}
	"workload",  // a consumer's workload kind (deployment, daemonset, ...)
	"wait",      // the propagation delay in seconds
	"active",    // the database user consumers use now (alternating users)
	"idle",      // the other user of the pair, which gets the new password
	"targets",   // several workloads at once ("deployment/api deployment/jobs")
	"provider",  // the provider's name ("the provider" when unknown)
	"signer",    // the services that sign with the key (internal HMAC, JWT issuer)
	"verifier",  // the services that verify it
	// valid_until: when a password set now may expire at the latest: the
	// next rotation's due date (the request's cadence) plus a margin.
	"valid_until",
	"playbook", // the Ansible play that configures a consumer ("<playbook>" when not said)
	"file",     // the file on its hosts a consumer reads the value from ("<file>" when not said)
}

// Families of products the foreign-command check knows.
var Families = []string{"database", "store", "cloud", "kms", "vendor", "secret_generation", "generic"}

var varRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// Check reports every shape problem of the catalogue: missing or unknown
// values, duplicate ids, actions a strategy needs but the entry lacks,
// templates naming unknown variables, stores and deployment methods not
// covered. Load refuses a catalogue with problems.
func (c *Catalog) Check() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	products := map[string]bool{}
	for _, p := range c.Products {
		if products[p.ID] {
			add("product %s: duplicate id", p.ID)
		}
		products[p.ID] = true
		if p.Name == "" || len(p.Patterns) == 0 {
			add("product %s: name and patterns are required", p.ID)
		}
		if !runbook.OneOf(Families, p.Family) {
			add("product %s: family %q is not one of %s", p.ID, p.Family, strings.Join(Families, ", "))
		}
	}
	checkProducts := func(where string, ids []string) {
		for _, id := range ids {
			if !products[id] {
				add("%s: unknown product %q", where, id)
			}
		}
	}
	ids := map[string]string{}
	aliases := map[string]string{}
	for _, p := range c.Providers {
		where := "provider " + p.ID
		if p.Name == "" {
			add("%s: name is required", where)
		}
		if p.ID != "generic" && len(p.Aliases) == 0 {
			add("%s: at least one alias is required", where)
		}
		for _, a := range p.Aliases {
			if a != strings.ToLower(a) {
				add("%s: alias %q must be lower case", where, a)
			}
			if other, dup := aliases[a]; dup {
				add("%s: alias %q is also %s's", where, a, other)
			}
			aliases[a] = p.ID
		}
		if !runbook.OneOf(Reaches, p.Reach) {
			add("%s: reach %q is not one of %s", where, p.Reach, strings.Join(Reaches, ", "))
		}
		if !runbook.OneOf(runbook.Kinds, p.Kind) {
			add("%s: kind %q is not a kind", where, p.Kind)
		}
		checkProducts(where, p.Products)
		if len(p.Credentials) == 0 {
			add("%s: no credentials", where)
		}
		for i := range p.Credentials {
			cr := &p.Credentials[i]
			w := where + " credential " + cr.ID
			if cr.ID == "" {
				add("%s: credential %d has no id", where, i)
				continue
			}
			if other, dup := ids[cr.ID]; dup {
				add("%s: id also used by %s", w, other)
			}
			ids[cr.ID] = p.ID
			out = append(out, checkCredential(w, cr, func(id string) bool { return c.Product(id) != nil })...)
		}
	}
	// An entry another's rotation replaces names two entries that exist.
	for _, p := range c.Providers {
		for _, cr := range p.Credentials {
			if a := cr.Along; a != nil && (c.Credential(a.Credential) == nil || c.Credential(a.Entry) == nil || a.Why == "") {
				add("provider %s credential %s: along names an unknown entry (%q, %q) or says no why", p.ID, cr.ID, a.Credential, a.Entry)
			}
		}
	}
	if c.generic == nil {
		add("no %s entry", GenericID)
	} else {
		// The safe entry is the last resort of every match: a kind it does
		// not accept would match nothing.
		for _, k := range runbook.Kinds {
			if !runbook.OneOf(c.generic.Kinds, k) {
				add("%s: kinds must list every kind; %s is missing", GenericID, k)
			}
		}
	}
	// References between entries, once every id is known.
	for _, p := range c.Providers {
		for i := range p.Credentials {
			cr := &p.Credentials[i]
			w := "provider " + p.ID + " credential " + cr.ID
			for _, part := range cr.Parts {
				if e := c.Credential(part.Credential); e == nil {
					add("%s: part %q is not a credential entry", w, part.Credential)
				} else if len(e.Parts) > 0 {
					add("%s: part %q is itself compound", w, part.Credential)
				}
				if strings.TrimSpace(part.Name) == "" {
					add("%s: part %q needs a name", w, part.Credential)
				}
			}
			for _, x := range cr.Exposes {
				if x.Credential != "" && c.Credential(x.Credential) == nil {
					add("%s: exposes credential %q, which is not a credential entry", w, x.Credential)
				}
			}
			for _, u := range c.EffectsIn(cr.Actions.Verify) {
				if cr.VerifyEffect != u.Effect.Effect {
					add("%s: actions.verify %s (%q, effect %s) but verify_effect is %q: check with %s", w, u.Effect.ID, u.Match, u.Effect.Effect, cr.VerifyEffect, u.Effect.Instead)
				}
			}
		}
	}
	effects := map[string]bool{}
	for _, e := range c.Effects {
		where := "effect " + e.ID
		if effects[e.ID] {
			add("%s: duplicate id", where)
		}
		effects[e.ID] = true
		if !runbook.OneOf(EffectValues, e.Effect) || e.Effect == EffectNone {
			add("%s: effect %q must be one of customer, page, publish, deploy, write", where, e.Effect)
		}
		if len(e.Patterns) == 0 || strings.TrimSpace(e.Instead) == "" {
			add("%s: patterns and instead are required (a side effect is refused only where an effect-free check exists)", where)
		}
	}
	for _, id := range runbook.SecretStores {
		s := c.Store(id)
		if s == nil {
			add("store %s: missing", id)
			continue
		}
		where := "store " + string(id)
		for name, v := range map[string]string{"name": s.Name, "path": s.Path, "write": s.Write, "write_next": s.WriteNext, "check": s.Check, "rollback": s.Rollback} {
			if strings.TrimSpace(v) == "" {
				add("%s: %s is required", where, name)
			}
			out = append(out, checkVars(where+" "+name, v)...)
		}
		checkProducts(where, s.Products)
		if s.FetchCredential != "" && c.Credential(s.FetchCredential) == nil {
			add("%s: fetch_credential %q is not a credential entry", where, s.FetchCredential)
		}
		for _, d := range runbook.Deployments {
			if strings.TrimSpace(s.Loaded[d]) == "" {
				add("%s: loaded.%s is required", where, d)
			}
			out = append(out, checkVars(where+" loaded", s.Loaded[d])...)
		}
	}
	for _, id := range runbook.Deployments {
		d := c.Deployment(id)
		if d == nil {
			add("deployment %s: missing", id)
			continue
		}
		where := "deployment " + string(id)
		if d.Reload == "" || d.Check == "" {
			add("%s: reload and check are required", where)
		}
		out = append(out, checkVars(where, d.Reload+" "+d.Check+" "+d.ReloadMany+" "+d.CheckMany)...)
		if (d.ReloadMany == "") != (d.CheckMany == "") {
			add("%s: reload_many and check_many go together", where)
		}
		for k, w := range d.Workloads {
			if w.Reload == "" || w.Check == "" {
				add("%s workload %s: reload and check are required", where, k)
			}
			out = append(out, checkVars(where, w.Reload+" "+w.Check)...)
		}
		plats := d.Platforms
		if d.NoPlatform != nil {
			plats = append(slices.Clone(plats), *d.NoPlatform)
		}
		for _, p := range plats {
			w := where + " platform " + p.ID
			if p.ID == "" || p.Name == "" || p.Source == "" {
				add("%s: id, name and source are required", w)
			}
			if (p.Reload == "") != (p.Check == "") || (p.EnvReload == "") != (p.EnvCheck == "") {
				add("%s: reload and check (env_reload and env_check) go together", w)
			}
			for _, st := range p.Stores {
				if !runbook.OneOf(runbook.SecretStores, st) {
					add("%s: store %q is not a secret store", w, st)
				}
			}
			for _, pr := range p.Providers {
				if c.Provider(pr) == nil {
					add("%s: provider %q is not in the catalogue", w, pr)
				}
			}
			out = append(out, checkVars(w, p.Reload+" "+p.Check+" "+p.EnvReload+" "+p.EnvCheck)...)
		}
		for _, k := range d.Known {
			w := where + " known " + k.ID
			if k.ID == "" || len(k.Names)+len(k.Words) == 0 || k.Source == "" {
				add("%s: id, names or words, and source are required", w)
			}
			if k.Workload == "" && len(k.Targets) == 0 {
				add("%s: a workload or targets are required", w)
			}
			for _, n := range k.Names {
				if n != strings.ToLower(n) {
					add("%s: name %q must be lower case", w, n)
				}
			}
			for _, t := range k.Targets {
				if !strings.Contains(t, "/") {
					add("%s: target %q must be kind/name", w, t)
				}
			}
			for _, nr := range k.NoRestart {
				if len(nr.Match) == 0 || nr.Reload == "" || nr.Check == "" {
					add("%s no_restart: match, reload and check are required", w)
				}
				out = append(out, checkVars(w, nr.Reload+" "+nr.Check)...)
			}
		}
	}
	return out
}

// required lists the actions every entry needs, and those its strategy adds.
func required(cr *Credential) map[string]string {
	a := cr.Actions
	r := map[string]string{
		"discover": a.Discover, "create": a.Create, "create_check": a.CreateCheck, "verify": a.Verify,
		"invalidate": a.Invalidate, "invalidate_check": a.InvalidateCheck, "contain": a.Contain,
		"contain_check": a.ContainCheck, "investigate": a.Investigate, "rollback": a.Rollback,
		"rollback_until": a.RollbackUntil,
	}
	switch cr.Strategy {
	case runbook.StrategyDualAccept, runbook.StrategyRekey:
		r["switch"], r["switch_check"] = a.Switch, a.SwitchCheck
	}
	if cr.Strategy.HasOverlap() {
		r["quiet"] = a.Quiet
	}
	return r
}

func checkCredential(where string, cr *Credential, isProduct func(string) bool) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if cr.Title == "" {
		add("%s: title is required", where)
	}
	if len(cr.Kinds) == 0 {
		add("%s: kinds are required", where)
	}
	for _, k := range cr.Kinds {
		if !runbook.OneOf(runbook.Kinds, k) {
			add("%s: kind %q is not a kind", where, k)
		}
	}
	if !runbook.OneOf(runbook.Strategies, cr.Strategy) || cr.Strategy == runbook.StrategyRevokeFirst {
		add("%s: strategy %q must be a rotation strategy (revoke_first is decided by the planner on a leak)", where, cr.Strategy)
	}
	switch {
	case cr.OverlapUnknown:
		// Not known: the plan is the overlap, checked before the create step.
		if cr.MaxLive != 0 || cr.Strategy != runbook.StrategyDualCredential {
			add("%s: overlap_unknown means max_live 0 (not known) and strategy dual_credential, checked first; got max_live %d, %s", where, cr.MaxLive, cr.Strategy)
		}
		if strings.TrimSpace(cr.Actions.Preflight) == "" {
			add("%s: overlap_unknown needs actions.preflight: how to find out whether a second credential can be live", where)
		}
	case cr.MaxLive < 1:
		add("%s: max_live must be at least 1", where)
	}
	// A strategy that keeps two credentials valid needs a provider that
	// allows it (alternating users keep one password per user, rekey keeps
	// old versions for decryption only).
	switch cr.Strategy {
	case runbook.StrategyDualCredential:
		if cr.MaxLive < 2 && !cr.OverlapUnknown {
			add("%s: dual_credential needs max_live >= 2, got %d", where, cr.MaxLive)
		}
	case runbook.StrategyHardCutover:
		if cr.MaxLive != 1 {
			add("%s: hard_cutover means one live credential; max_live is %d (use dual_credential)", where, cr.MaxLive)
		}
	}
	if cr.Overlap == "" {
		add("%s: overlap is required", where)
	}
	if len(cr.Sources) == 0 {
		add("%s: sources are required (where the facts come from)", where)
	}
	if len(cr.Parts) == 0 {
		for name, v := range required(cr) {
			if strings.TrimSpace(v) == "" {
				add("%s: actions.%s is required for %s", where, name, cr.Strategy)
			}
		}
	} else if len(cr.Parts) < 2 || len(cr.Match) == 0 {
		add("%s: a compound entry needs at least two parts and match phrases that name them together", where)
	}
	for i, x := range cr.Exposes {
		if !runbook.OneOf(Reached, x.Reach) {
			add("%s: exposes[%d].reach %q is not one of %s", where, i, x.Reach, strings.Join(Reached, ", "))
		}
		if strings.TrimSpace(x.Text) == "" {
			add("%s: exposes[%d].text is required (what it reaches, for the open item)", where, i)
		}
		if x.Kill == "" && x.Credential == "" && strings.TrimSpace(x.List) == "" {
			add("%s: exposes[%d].list is required for what it reads (how to list those secrets by name, for the open item)", where, i)
		}
		out = append(out, checkVars(where, x.Text+" "+x.Kill+" "+x.Investigate+" "+x.List)...)
	}
	if r := cr.AutoRemediation; r != nil {
		if strings.TrimSpace(r.Does) == "" || strings.TrimSpace(r.Check) == "" {
			add("%s: auto_remediation needs does and check", where)
		}
		out = append(out, checkVars(where, r.Does+" "+r.Check+" "+r.Warn)...)
	}
	if r := cr.Receivers; r != nil {
		if len(r.Words) == 0 || strings.TrimSpace(r.Deploy) == "" || strings.TrimSpace(r.Verify) == "" || strings.TrimSpace(r.Invalidate) == "" || strings.TrimSpace(r.InvalidateCheck) == "" {
			add("%s: receivers need words, deploy, verify, invalidate and invalidate_check", where)
		}
		for _, t := range []string{r.Deploy, r.DeployNote, r.Verify, r.Invalidate, r.InvalidateCheck} {
			for _, v := range ReceiverVars {
				t = strings.ReplaceAll(t, "{"+v+"}", "")
			}
			out = append(out, checkVars(where, t)...)
		}
	}
	if cr.VerifyEffect != "" && !runbook.OneOf(EffectValues, cr.VerifyEffect) {
		add("%s: verify_effect %q is not one of none, customer, page, publish, deploy, write", where, cr.VerifyEffect)
	}
	a := cr.Actions
	if cr.Example.Name == "" {
		add("%s: example.name is required (tests plan a runbook for it)", where)
	}
	if cr.AnyProvider && len(cr.Match) == 0 {
		add("%s: any_provider needs match phrases", where)
	}
	for _, st := range cr.Stores {
		if !runbook.OneOf(runbook.SecretStores, st) {
			add("%s: store %q is not a secret store", where, st)
		}
	}
	if cr.MinVersion != "" && versionRE.FindStringSubmatch(cr.MinVersion) == nil {
		add("%s: min_version %q is not a dotted version", where, cr.MinVersion)
	}
	for _, v := range a.Texts() {
		out = append(out, checkVars(where, *v)...)
	}
	for _, f := range cr.Uses {
		if !runbook.OneOf(Families, f) && !isProduct(f) {
			add("%s: uses %q is neither a product family nor a product", where, f)
		}
	}
	return out
}

func checkVars(where, tmpl string) []string {
	var out []string
	for _, m := range varRE.FindAllStringSubmatch(tmpl, -1) {
		if !runbook.OneOf(Vars, m[1]) {
			out = append(out, fmt.Sprintf("%s: unknown template variable {%s} (known: %s)", where, m[1], strings.Join(Vars, ", ")))
		}
	}
	if strings.Count(tmpl, "`")%2 != 0 {
		out = append(out, fmt.Sprintf("%s: unbalanced backticks in %q", where, tmpl))
	}
	return out
}

// Fill replaces {vars} in a template; unknown names stay as they are.
func Fill(tmpl string, vars map[string]string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	return varRE.ReplaceAllStringFunc(tmpl, func(m string) string {
		if v, ok := vars[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}
