package catalog

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// With an LLM configured, a provider the catalogue lacks gets an entry the
// model drafts in the catalogue's own shape (DraftAnswer, asked with a strict
// JSON schema). CheckDraft refuses a draft that breaks the catalogue's Check,
// picks a strategy the kind cannot have or a hard cutover nobody confirmed,
// or uses another product's commands; what it keeps is flagged for a person
// to confirm (the runbook says "model-drafted: confirm" at the top) and is
// returned as a provider file (YAML) for the platform team to commit.

// DraftAnswer is the model's draft of an entry.
type DraftAnswer struct {
	ProviderName string   `json:"provider_name" jsonschema:"description=the provider's product name as its vendor writes it"`
	Aliases      []string `json:"aliases" jsonschema:"description=other names users write for it, lower case"`
	Reach        string   `json:"reach" jsonschema:"enum=money,enum=infrastructure,enum=personal_data,enum=source_code,enum=service_data"`
	Title        string   `json:"title"`
	// OverlapConfirmed is true only when the vendor's documentation says how
	// many credentials of this kind can be live at once.
	OverlapConfirmed bool         `json:"overlap_confirmed" jsonschema:"description=true only if the vendor's documentation states how many can be live at once"`
	MaxLive          int          `json:"max_live" jsonschema:"description=how many can be live at once per the documentation (0 when not confirmed)"`
	Strategy         string       `json:"strategy" jsonschema:"enum=dual_credential,enum=dual_accept,enum=alternating_users,enum=hard_cutover,enum=rekey"`
	Overlap          string       `json:"overlap" jsonschema:"description=one sentence: can an old and a new credential both work, and how"`
	Failures         string       `json:"failures" jsonschema:"description=how a client fails with a wrong credential when it is not HTTP 401/403 (else empty)"`
	Actions          DraftActions `json:"actions"`
	Quirks           []string     `json:"quirks"`
	Sources          []string     `json:"sources" jsonschema:"description=the vendor documentation pages the facts come from"`
}

// DraftActions are the entry's actions; "" for one its strategy does not need.
type DraftActions struct {
	Discover        string `json:"discover"`
	Preflight       string `json:"preflight"`
	Create          string `json:"create"`
	CreateCheck     string `json:"create_check"`
	Switch          string `json:"switch"`
	SwitchCheck     string `json:"switch_check"`
	Verify          string `json:"verify"`
	Quiet           string `json:"quiet"`
	Invalidate      string `json:"invalidate"`
	InvalidateCheck string `json:"invalidate_check"`
	Contain         string `json:"contain"`
	ContainCheck    string `json:"contain_check"`
	Investigate     string `json:"investigate"`
	Rollback        string `json:"rollback"`
	RollbackUntil   string `json:"rollback_until"`
}

// DraftResult is what CheckDraft made of a draft.
type DraftResult struct {
	// Provider is the draft as a provider file's content (nil when the
	// answer could not even be shaped into one); Entry is its credential.
	Provider *Provider
	Entry    *Credential
	// Refused lists why the draft must not be used; Flags what a person
	// must confirm before the steps it writes run.
	Refused, Flags []string
}

// Used reports whether the draft may write steps (labelled for confirmation).
func (r *DraftResult) Used() bool { return r.Entry != nil && len(r.Refused) == 0 }

// CheckDraft shapes a draft into a provider of one entry for a secret (its
// name and kind) and checks it against base: the catalogue's Check, the
// strategy its kind and confirmed facts allow, and the products its steps
// use. base is never changed.
func CheckDraft(base *Catalog, d DraftAnswer, secretName string, kind runbook.Kind) *DraftResult {
	res := &DraftResult{}
	refuse := func(format string, args ...any) { res.Refused = append(res.Refused, fmt.Sprintf(format, args...)) }
	name := strings.TrimSpace(d.ProviderName)
	id := Slug(name)
	if id == "" {
		refuse("provider_name %q has no letters or digits", d.ProviderName)
		return res
	}
	if bp := base.Provider(id); bp != nil && bp.ID != "generic" {
		refuse("provider %q is already in the catalogue (%s): the draft must not replace it", name, bp.ID)
	}
	aliases := []string{strings.ToLower(name)}
	for _, a := range d.Aliases {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" || runbook.OneOf(aliases, a) {
			continue
		}
		if owner := base.InferProvider(a); owner != nil && HasWord(a, strings.ToLower(owner.Name)) {
			// An alias another provider answers to would take its
			// secrets over.
			res.Flags = append(res.Flags, fmt.Sprintf("alias %q dropped: it names %s", a, owner.Name))
			continue
		}
		aliases = append(aliases, a)
	}
	cr := Credential{
		ID: id + "-" + strings.ReplaceAll(string(kind), "_", "-") + "-draft", Title: d.Title, Kinds: []runbook.Kind{kind},
		MaxLive: d.MaxLive, Strategy: runbook.Strategy(d.Strategy), Overlap: d.Overlap, Failures: d.Failures,
		Quirks: d.Quirks, Sources: d.Sources,
		Actions: Actions{Discover: d.Actions.Discover, Preflight: d.Actions.Preflight, Create: d.Actions.Create, CreateCheck: d.Actions.CreateCheck,
			Switch: d.Actions.Switch, SwitchCheck: d.Actions.SwitchCheck, Verify: d.Actions.Verify, Quiet: d.Actions.Quiet,
			Invalidate: d.Actions.Invalidate, InvalidateCheck: d.Actions.InvalidateCheck, Contain: d.Actions.Contain, ContainCheck: d.Actions.ContainCheck,
			Investigate: d.Actions.Investigate, Rollback: d.Actions.Rollback, RollbackUntil: d.Actions.RollbackUntil},
		Example: Example{Name: secretName, Kind: kind, Provider: id},
	}
	// A strategy the kind cannot have, or a cutover nobody confirmed.
	switch cr.Strategy {
	case runbook.StrategyRekey:
		if kind != runbook.KindEncryptionKey {
			refuse("strategy rekey is for encryption keys, not a %s", kind)
		}
	case runbook.StrategyDualAccept:
		if kind != runbook.KindWebhookSecret && kind != runbook.KindSigningKey {
			refuse("strategy dual_accept is for signing secrets a receiver verifies, not a %s", kind)
		}
	case runbook.StrategyAlternatingUsers:
		if kind != runbook.KindDatabasePassword {
			refuse("strategy alternating_users is for database users, not a %s", kind)
		}
	case runbook.StrategyHardCutover:
		if !d.OverlapConfirmed || d.MaxLive != 1 {
			refuse("strategy hard_cutover needs the vendor's documentation to confirm one live credential (overlap_confirmed with max_live 1); unconfirmed, the plan is the overlap, checked first")
		}
	}
	if !d.OverlapConfirmed && cr.Strategy == runbook.StrategyDualCredential {
		// Not confirmed either way: the unknown path, in the vendor's words.
		cr.OverlapUnknown, cr.MaxLive, cr.LeakRevokeFirst = true, 0, true
		if strings.TrimSpace(cr.Actions.Preflight) == "" {
			cr.Actions.Preflight = "Find out whether {provider} allows a second live credential (a \"create\" action while one exists, or a list of keys) before the create step."
		}
		res.Flags = append(res.Flags, "the model could not confirm whether "+name+" allows a second live credential: the create step checks first")
	} else if d.OverlapConfirmed {
		res.Flags = append(res.Flags, fmt.Sprintf("the model says %s allows %d live credential(s) at once: confirm it in the vendor's documentation", name, d.MaxLive))
	}
	if len(cr.Sources) == 0 {
		cr.Sources = []string{"model-drafted: no source given"}
		res.Flags = append(res.Flags, "the model named no source")
	} else {
		res.Flags = append(res.Flags, "sources named by the model, unchecked: "+strings.Join(cr.Sources, "; "))
	}
	p := &Provider{ID: id, Name: name, Aliases: aliases, Reach: d.Reach, Kind: kind, Credentials: []Credential{cr}, Origin: "model-drafted"}
	res.Provider = p

	// The catalogue's own Check, on the draft beside the built-in entries.
	c, _, clashes := merge(base, []*Provider{p}, nil)
	res.Refused = append(res.Refused, clashes...)
	if err := c.compile(); err != nil {
		refuse("%v", err)
		return res
	}
	prefix := "provider " + id
	for _, problem := range c.Check() {
		if strings.HasPrefix(problem, prefix+":") || strings.HasPrefix(problem, prefix+" ") {
			res.Refused = append(res.Refused, problem)
		}
	}
	// Another product's commands: the draft's provider has no products of
	// its own, so anything but generic tools and secret generation is foreign.
	entry := &c.Provider(id).Credentials[0]
	allowed := c.Allowed(entry, "")
	for _, t := range entry.Actions.Texts() {
		for _, u := range c.ProductsIn(*t) {
			if !allowed[u.Product.ID] {
				refuse("uses %s's commands (%q), not %s's", u.Product.Name, u.Match, name)
			}
		}
	}
	res.Refused = dedupe(res.Refused)
	if len(res.Refused) == 0 {
		res.Entry = entry
		res.Provider = c.Provider(id)
	}
	return res
}

func dedupe(in []string) []string {
	var out []string
	for _, s := range in {
		if !runbook.OneOf(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Slug turns a name into a lower-case id of letters, digits and dashes (a
// provider id from its name; the planner's secret ids).
func Slug(s string) string {
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
	return strings.TrimSuffix(b.String(), "-")
}

// ProviderYAML writes a provider as a file of the catalogue directory, for
// a person to review and commit (ROTOR_CATALOG_DIR).
func ProviderYAML(p *Provider, header string) string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	list := func(xs []string) string {
		parts := make([]string, len(xs))
		for i, x := range xs {
			parts[i] = q(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(header), "\n") {
		if line != "" {
			b.WriteString("# " + line + "\n")
		}
	}
	fmt.Fprintf(&b, "id: %s\nname: %s\naliases: %s\nreach: %s\nkind: %s\nproducts: []\ncredentials:\n", p.ID, q(p.Name), list(p.Aliases), p.Reach, p.Kind)
	for _, cr := range p.Credentials {
		kinds := make([]string, len(cr.Kinds))
		for i, k := range cr.Kinds {
			kinds[i] = string(k)
		}
		fmt.Fprintf(&b, "  - id: %s\n    title: %s\n    kinds: [%s]\n    max_live: %d\n", cr.ID, q(cr.Title), strings.Join(kinds, ", "), cr.MaxLive)
		if cr.OverlapUnknown {
			b.WriteString("    overlap_unknown: true\n")
		}
		if cr.LeakRevokeFirst {
			b.WriteString("    leak_revoke_first: true\n")
		}
		fmt.Fprintf(&b, "    strategy: %s\n    overlap: %s\n", cr.Strategy, q(cr.Overlap))
		if cr.Failures != "" {
			fmt.Fprintf(&b, "    failures: %s\n", q(cr.Failures))
		}
		b.WriteString("    actions:\n")
		a := cr.Actions
		for _, kv := range []struct{ k, v string }{{"discover", a.Discover}, {"preflight", a.Preflight}, {"create", a.Create}, {"create_check", a.CreateCheck},
			{"switch", a.Switch}, {"switch_check", a.SwitchCheck}, {"verify", a.Verify}, {"quiet", a.Quiet}, {"invalidate", a.Invalidate},
			{"invalidate_check", a.InvalidateCheck}, {"contain", a.Contain}, {"contain_check", a.ContainCheck}, {"investigate", a.Investigate},
			{"rollback", a.Rollback}, {"rollback_until", a.RollbackUntil}} {
			if kv.v != "" {
				fmt.Fprintf(&b, "      %s: %s\n", kv.k, q(kv.v))
			}
		}
		if len(cr.Quirks) > 0 {
			b.WriteString("    quirks:\n")
			for _, x := range cr.Quirks {
				b.WriteString("      - " + q(x) + "\n")
			}
		}
		fmt.Fprintf(&b, "    sources: %s\n    example: {name: %s, kind: %s, provider: %s}\n", list(cr.Sources), q(cr.Example.Name), cr.Example.Kind, cr.Example.Provider)
	}
	return b.String()
}
