package intake

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"unicode"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// This file resolves what each secret of a request is before anything is
// planned: its provider, its kind and its catalogue entry (ROTATION_RULES.md
// §2b). Spellings are data: the catalogue's aliases plus names.yaml.

//go:embed names.yaml
var namesYAML []byte

// nameLexicon is names.yaml.
type nameLexicon struct {
	Providers []struct {
		Alias    string `yaml:"alias"`
		Provider string `yaml:"provider"`
	} `yaml:"providers"`
	Kinds     []kindRule              `yaml:"kinds"`
	KindNames map[runbook.Kind]string `yaml:"kind_names"`
	Personal  []string                `yaml:"personal"`
	Signer    sideCues                `yaml:"signer"`
	Verifier  sideCues                `yaml:"verifier"`
	NotNames  []string                `yaml:"not_names"`
	// Places are words that put a provider's name where a value went.
	Places []string `yaml:"places"`
	// Unnamed are provider values that name no provider ("other",
	// "unknown", "n/a"): read as no provider given.
	Unnamed []string `yaml:"unnamed"`
	// Qualifiers may stand before a product's alias in a provider value
	// without naming another vendor ("self_hosted_redis", "aws_redis");
	// any other word there is a vendor of its own ("upstash_redis").
	Qualifiers []string `yaml:"qualifiers"`
	Confirm    []struct {
		Entry    string `yaml:"entry"`
		Question string `yaml:"question"`
	} `yaml:"confirm"`
	// Stores read where a secret's own notes say its value lives.
	Stores struct {
		Cues     []string `yaml:"cues"`
		Negators []string `yaml:"negators"`
		NotWith  []string `yaml:"not_with"`
		// MirrorCues and ReadCues say a second store holds the value.
		MirrorCues []string `yaml:"mirror_cues"`
		ReadCues   []string `yaml:"read_cues"`
		Places     []struct {
			Store runbook.SecretStore `yaml:"store"`
			Words []string            `yaml:"words"`
		} `yaml:"places"`
	} `yaml:"stores"`
	// InternalSigner reads a webhook signing secret that only the
	// request's own services use as a key held at both ends.
	InternalSigner struct {
		Entry    string   `yaml:"entry"`
		Unless   []string `yaml:"unless"`
		Question string   `yaml:"question"`
	} `yaml:"internal_signer"`
}

// kindRule is one entry of names.yaml's kinds.
type kindRule struct {
	Kind       runbook.Kind   `yaml:"kind"`
	Words      []string       `yaml:"words"`
	Providers  []string       `yaml:"providers"`
	Database   bool           `yaml:"database"`
	NoProvider bool           `yaml:"no_provider"`
	Unless     []string       `yaml:"unless"`
	Over       []runbook.Kind `yaml:"over"`
	Because    string         `yaml:"because"`
	// Require: the entry chosen must accept one of these kinds, else the
	// catalogue's safe entry is used (a password is not an API key).
	Require []runbook.Kind `yaml:"require"`
}

// sideCues are the words that name one side of a key held at both ends.
type sideCues struct {
	Before []string `yaml:"before"`
	After  []string `yaml:"after"`
	// UnlessNext are words that, right after a `before` cue, make it no
	// cue ("signs off" approves; it signs nothing).
	UnlessNext []string `yaml:"unless_next"`
}

// Names resolves providers and kinds. Build it once (DefaultNames) and
// share it: it only reads.
type Names struct {
	cat *catalog.Catalog
	lex nameLexicon
	// aliases maps a squashed spelling to its provider.
	aliases map[string]*catalog.Provider
	// longest is the most words an alias has, to bound the search.
	longest int
	// squashed holds each lexicon phrase without case and separators.
	squashed map[string]string
	// stop are words that never name a service (names.yaml not_names, and
	// every signer or verifier cue word).
	stop map[string]bool
	// places are names.yaml places, each as its words.
	places [][]string
}

// current is the resolver of the catalogue the process runs with.
var current atomic.Pointer[Names]

// DefaultNames is the resolver over the catalogue the process runs with
// (catalog.Default: the embedded one, or the organisation's merged in at
// start) and the embedded names.yaml, built once per catalogue. A lexicon
// that does not fit the catalogue is refused at start (CheckNames); the
// embedded pair is checked by TestNamesLexicon, so DefaultNames panics only
// on a build defect.
func DefaultNames() *Names {
	cat := catalog.Default()
	if n := current.Load(); n != nil && n.cat == cat {
		return n
	}
	n, err := NewNames(cat, namesYAML)
	if err != nil {
		panic(err)
	}
	current.Store(n)
	return n
}

// NewNames builds a resolver from a catalogue and a names lexicon (YAML),
// decoded strictly and checked against the catalogue.
func NewNames(cat *catalog.Catalog, lexicon []byte) (*Names, error) {
	n := &Names{cat: cat, aliases: map[string]*catalog.Provider{}}
	if err := yaml.NewDecoder(bytes.NewReader(lexicon), yaml.Strict()).Decode(&n.lex); err != nil {
		return nil, fmt.Errorf("intake: names lexicon: %w", err)
	}
	var problems []string
	add := func(spelling string, p *catalog.Provider, where string) {
		sq := squash(spelling)
		if sq == "" {
			problems = append(problems, fmt.Sprintf("%s: alias %q has no letters or digits", where, spelling))
			return
		}
		if other, dup := n.aliases[sq]; dup && other != p {
			problems = append(problems, fmt.Sprintf("%s: alias %q is also %s's (case, _, -, . and spaces do not count)", where, spelling, other.ID))
			return
		}
		n.aliases[sq] = p
		n.longest = max(n.longest, len(words(spelling)))
	}
	for _, p := range cat.Providers {
		if p.ID == "generic" {
			continue
		}
		for _, a := range append([]string{p.ID, p.Name}, p.Aliases...) {
			add(a, p, "catalogue provider "+p.ID)
		}
	}
	for i, e := range n.lex.Providers {
		where := fmt.Sprintf("names.yaml providers[%d]", i)
		p := cat.Provider(e.Provider)
		if p == nil {
			problems = append(problems, fmt.Sprintf("%s: provider %q is not in the catalogue", where, e.Provider))
			continue
		}
		if n.aliases[squash(e.Alias)] == p {
			problems = append(problems, fmt.Sprintf("%s: alias %q is already the catalogue's", where, e.Alias))
		}
		add(e.Alias, p, where)
	}
	problems = append(problems, n.checkKinds()...)
	n.squashed = map[string]string{}
	for _, list := range n.phraseLists() {
		for _, p := range list {
			n.squashed[p] = squash(p)
		}
	}
	for _, p := range n.lex.Places {
		n.places = append(n.places, words(p))
	}
	n.stop = map[string]bool{}
	for _, list := range [][]string{n.lex.NotNames, n.lex.Signer.Before, n.lex.Signer.After, n.lex.Verifier.Before, n.lex.Verifier.After} {
		for _, p := range list {
			for _, w := range strings.Fields(strings.ToLower(p)) {
				n.stop[w] = true
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("intake: names lexicon: %s", strings.Join(problems, "; "))
	}
	return n, nil
}

func (n *Names) checkKinds() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if len(n.lex.Kinds) == 0 {
		add("kinds: no rules")
	}
	for i, r := range n.lex.Kinds {
		where := fmt.Sprintf("names.yaml kinds[%d]", i)
		if !runbook.OneOf(runbook.Kinds, r.Kind) {
			add("%s: kind %q is not a kind", where, r.Kind)
		}
		if len(r.Words) == 0 {
			add("%s: words are required", where)
		}
		for _, w := range append(slices.Clone(r.Words), r.Unless...) {
			if squash(w) == "" {
				add("%s: word %q has no letters or digits", where, w)
			}
		}
		for _, id := range r.Providers {
			if n.cat.Provider(id) == nil {
				add("%s: provider %q is not in the catalogue", where, id)
			}
		}
		for _, k := range r.Over {
			if !runbook.OneOf(runbook.Kinds, k) || k == r.Kind {
				add("%s: over %q must be another kind", where, k)
			}
		}
		if (len(r.Over) > 0) != (r.Because != "") {
			add("%s: over and because go together (an overridden kind is explained)", where)
		}
		for _, k := range r.Require {
			if !runbook.OneOf(runbook.Kinds, k) {
				add("%s: require %q is not a kind", where, k)
			}
		}
		if r.Database && r.NoProvider {
			add("%s: database and no_provider exclude each other", where)
		}
	}
	for _, k := range runbook.Kinds {
		if n.lex.KindNames[k] == "" {
			add("kind_names: %s is missing", k)
		}
	}
	for k := range n.lex.KindNames {
		if !runbook.OneOf(runbook.Kinds, k) {
			add("kind_names: %q is not a kind", k)
		}
	}
	for i, c := range n.lex.Confirm {
		cr := n.cat.Credential(c.Entry)
		switch {
		case cr == nil:
			add("names.yaml confirm[%d]: entry %q is not in the catalogue", i, c.Entry)
		case len(cr.Match) == 0:
			add("names.yaml confirm[%d]: entry %s has no match phrases, so no words choose it", i, c.Entry)
		}
		if !strings.Contains(c.Question, "{words}") {
			add("names.yaml confirm[%d]: the question must quote the {words} that chose the entry", i)
		}
	}
	if len(n.lex.Personal) == 0 {
		add("personal: no words")
	}
	for i, p := range n.lex.Places {
		if len(words(p)) == 0 {
			add("names.yaml places[%d]: %q has no letters or digits", i, p)
		}
	}
	for _, side := range []struct {
		name string
		cues sideCues
	}{{"signer", n.lex.Signer}, {"verifier", n.lex.Verifier}} {
		if len(side.cues.Before)+len(side.cues.After) == 0 {
			add("%s: no cue words", side.name)
		}
	}
	return out
}

// phraseLists are every list of phrases the lexicon matches.
func (n *Names) phraseLists() [][]string {
	out := [][]string{n.lex.Personal, n.lex.Signer.Before, n.lex.Signer.After, n.lex.Verifier.Before, n.lex.Verifier.After, n.lex.InternalSigner.Unless}
	for _, r := range n.lex.Kinds {
		out = append(out, r.Words, r.Unless)
	}
	return out
}

// first is the first of the lexicon's phrases that occurs in ws, or "".
func (n *Names) first(ws []string, phrases []string) string {
	for _, p := range phrases {
		sq, ok := n.squashed[p]
		if !ok {
			sq = squash(p)
		}
		if _, _, found := find(ws, sq); found {
			return p
		}
	}
	return ""
}

// Resolved is what a secret is: provider, kind and catalogue entry, with the
// reading's assumptions and the questions it raises.
type Resolved struct {
	// Provider is the catalogue provider, or nil when none matched.
	Provider *catalog.Provider
	// Spelled is the provider as the request wrote it (when Provider is nil).
	Spelled string
	Kind    runbook.Kind
	Entry   *catalog.Credential
	// Text is the lower-case text the entry was matched against: name,
	// notes, and the provider and name with separators read as spaces.
	Text string
	// Personal is the structured field `personal`, and nothing else.
	Personal bool
	// Signers and Verifiers name the two sides of a key held at both ends
	// ("orders-api signs, billing-worker verifies").
	Signers, Verifiers []string
	// Mirrors are the other stores the notes say hold the value (a job's
	// mirror, a store a consumer reads it from): the store step makes them
	// hold the new value before consumers reload.
	Mirrors []string
	// Store is where the secret's own notes say its value lives, when that
	// is not the store the request gives it ("" otherwise).
	Store       runbook.SecretStore
	Assumptions []string
	// OpenItems have no ids yet: the planner numbers them as it raises them.
	OpenItems []runbook.OpenItem
}

// Resolve reads secret i of a normalized request (Request.Normalize has run).
func (n *Names) Resolve(req *runbook.Request, i int) Resolved {
	r := n.resolve(req, i)
	// Another secret's rotation replaces this one too (catalogue along).
	if a := r.Entry.AlongOf(); a != nil {
		for j := range req.Secrets {
			if j == i {
				continue
			}
			if o := n.resolve(req, j); o.Entry != nil && o.Entry.ID == a.Credential {
				if e := n.cat.Credential(a.Entry); e != nil {
					r.Entry = e
					r.Assumptions = append(r.Assumptions, fmt.Sprintf("secrets[%d] %q: planned as %s (%s): %s", i, req.Secrets[i].Name, e.Title, e.ID, a.Why))
				}
				break
			}
		}
	}
	return r
}

// resolve is Resolve without the readings that look at the other secrets.
func (n *Names) resolve(req *runbook.Request, i int) Resolved {
	in := req.Secrets[i]
	path := fmt.Sprintf("secrets[%d]", i)
	nameW, notesW, fieldW := words(in.Name), words(in.Notes), words(in.Provider)
	r := Resolved{Personal: in.Personal != nil && *in.Personal}
	// The secret's own notes say where it lives: that beats the request's
	// default store, never a store the secret itself was given.
	if in.SecretStore == req.SecretStore {
		if st, said := n.storeInNotes(in.Notes); st != "" && st != in.SecretStore {
			r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: its notes say it is kept in %s (%q): its store steps write there, not to %s (the request's secret_store)",
				path, in.Name, n.storeName(st), said, n.storeName(in.SecretStore)))
			in.SecretStore, r.Store = st, st
		}
	}
	r.Mirrors = n.mirrorsInNotes(in.Notes, in.SecretStore)
	r.Text = strings.ToLower(in.Name+" "+in.Notes) + "\n" + strings.Join(fieldW, " ") + "\n" + strings.Join(nameW, " ")
	// The words that choose the entry leave out what a consumer is
	// ("debezium-connect is a self-managed Kafka Connect cluster").
	matchText := strings.ToLower(in.Name+" "+aboutSecret(in.Notes, in.Consumers)) + "\n" + strings.Join(fieldW, " ") + "\n" + strings.Join(nameW, " ")

	// Candidates in the order the request says them: the provider field,
	// then the name, then (only when neither names one) the notes.
	var cands, named []*catalog.Provider
	from := ""
	field := strings.TrimSpace(in.Provider)
	if slices.Contains(n.lex.Unnamed, squash(field)) {
		// provider "other": no provider was named; the name and notes
		// may still name one.
		field = ""
	}
	if p := n.Provider(field); p != nil {
		if w := n.otherProduct(fieldW, nameW, p); w != "" {
			// "twilio segment" with the name "Segment write key": the
			// vendor's other product, which none of its entries knows
			// (review17-cold6 row 16: a Segment write key got the Twilio
			// API key's kill, create and check).
			r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: the provider %q names %s's product %q, which rotor's catalogue has no entry for: planned as an unknown product, not as %s's own credential",
				path, in.Name, field, p.Name, w, p.Name))
		} else {
			cands = []*catalog.Provider{p}
		}
	}
	fieldKnown := len(cands) > 0
	if field == "" || fieldKnown {
		named = n.providersIn(nameW)
		if len(cands) == 0 && len(named) > 0 {
			from = "its name"
		}
		cands = appendNew(cands, named...)
		if len(cands) == 0 {
			cands = n.providersIn(notesW)
			if len(cands) > 0 {
				from = "its notes"
			}
		}
	}

	read := func(p *catalog.Provider) reading {
		k := n.readKind(in.Kind, p, nameW, fieldW, notesW)
		e := n.cat.MatchSecret(p, k.kind, in.SecretStore, matchText, r.Personal)
		if k.rule != nil && len(k.rule.Require) > 0 && !slices.ContainsFunc(k.rule.Require, func(want runbook.Kind) bool { return slices.Contains(e.Kinds, want) }) {
			e = n.cat.Generic()
		}
		return reading{p, k, e}
	}
	var best reading
	if len(cands) == 0 {
		best = read(nil)
	} else {
		best = read(cands[0])
		// A provider that has no entry of its own for the secret gives way
		// to another the request names that has one ("Entra ID client
		// secret" with provider azure).
		if !owns(best) {
			for _, c := range cands[1:] {
				if alt := read(c); owns(alt) {
					if fieldKnown {
						r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: provider %s has no entry for %s; the name says %s, whose entry %s is used",
							path, in.Name, best.prov.Name, n.lex.KindNames[best.kind.kind], alt.prov.Name, alt.entry.ID))
					}
					best = alt
					break
				}
			}
		}
	}
	// The provider field and the name name two providers, each with an
	// entry of its own ("Stripe secret key" with provider aws, where the
	// field may say where it runs): the name says what the credential is,
	// so its provider is read, and the choice is raised.
	if fieldKnown && owns(best) && len(named) > 0 && !slices.Contains(named, best.prov) {
		if alt := read(named[0]); owns(alt) {
			r.OpenItems = append(r.OpenItems, runbook.OpenItem{
				Source: path + ".provider",
				Text:   fmt.Sprintf("provider %q, name %q", field, in.Name),
				Question: fmt.Sprintf("The provider says %s but the name says %s. rotor rotates it as %s's credential (%s): the name says what the credential is, and rotating %s's instead would leave it live. If it really is %s's, send a name that says so.",
					best.prov.Name, alt.prov.Name, alt.prov.Name, alt.entry.Title, best.prov.Name, best.prov.Name),
				Blocks: []string{},
			})
			best = alt
		}
	}
	r.Provider, r.Kind, r.Entry = best.prov, best.kind.kind, best.entry
	switch {
	case r.Provider == nil:
		r.Spelled = field
	case field == "" && from != "":
		r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: provider inferred as %s from %s", path, in.Name, r.Provider.Name, from))
	}
	n.explainKind(&r, in, path, best.kind)
	n.kmsHeld(&r, in, path, nameW, notesW)

	r.Signers, r.Verifiers = n.Roles(in.Notes)
	r.Signers, r.Verifiers = OnConsumers(r.Signers, in.Consumers), OnConsumers(r.Verifiers, in.Consumers)
	if len(r.Signers) > 0 && len(r.Verifiers) > 0 && r.Kind != runbook.KindWebhookSecret && r.Kind != runbook.KindSigningKey {
		was := r.Kind
		r.Kind = runbook.KindWebhookSecret
		r.Entry = n.cat.MatchSecret(r.Provider, r.Kind, in.SecretStore, matchText, r.Personal)
		because := fmt.Sprintf("a key we hold at both ends is replaced at the verifier first (%s accepts the old and the new one), then at the signer (%s); rotating it as %s would break verification.",
			strings.Join(r.Verifiers, ", "), strings.Join(r.Signers, ", "), n.lex.KindNames[was])
		if in.Kind == "" || in.Kind == runbook.KindOther {
			r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: the notes name a signer and a verifier: treated as %s (%s)", path, in.Name, r.Kind, because))
		} else {
			r.OpenItems = append(r.OpenItems, n.kindItem(path, in, was, r.Kind, "notes", strings.TrimSpace(in.Notes), because))
		}
	}

	n.internalSigner(&r, req, in, path, field)

	for _, c := range n.lex.Confirm {
		if r.Entry == nil || r.Entry.ID != c.Entry {
			continue
		}
		if w := catalog.FirstWord(r.Text, r.Entry.Match); w != "" {
			source, said := path+".name", in.Name
			if catalog.FirstWord(strings.ToLower(in.Name), []string{w}) == "" && strings.TrimSpace(in.Notes) != "" {
				source, said = path+".notes", in.Notes
			}
			r.OpenItems = append(r.OpenItems, runbook.OpenItem{
				Source:   source,
				Text:     said,
				Question: strings.ReplaceAll(c.Question, "{words}", w),
				Blocks:   []string{},
			})
		}
	}

	if in.Personal == nil && req.Trigger == runbook.TriggerOffboarding {
		w, said := n.first(notesW, n.lex.Personal), in.Notes
		if w == "" {
			w, said = n.first(nameW, n.lex.Personal), in.Name
		}
		if w != "" {
			r.OpenItems = append(r.OpenItems, runbook.OpenItem{
				Source: path + ".personal",
				Text:   said,
				Question: fmt.Sprintf("The words %q may mean %s is the departing person's own credential, but only the field personal says so. It is treated as shared: replaced for its consumers, and the old one killed. If it is theirs alone, send \"personal\": true and it is revoked first.",
					w, in.Name),
				Blocks: []string{},
			})
		}
	}
	return r
}

// Provider is the catalogue provider a spelling names ("Azure_AD" is
// Entra ID's), or nil.
func (n *Names) Provider(spelling string) *catalog.Provider {
	if p := n.cat.Provider(strings.TrimSpace(spelling)); p != nil {
		return p
	}
	if p := n.aliases[squash(spelling)]; p != nil {
		return p
	}
	ws := words(spelling)
	if ps := n.providersIn(ws); len(ps) > 0 {
		if n.vendorBefore(ws) {
			// "upstash_redis": Upstash's product, an unknown vendor, not
			// self-hosted Redis (hook9 t2: its open item said "Redis").
			return nil
		}
		return ps[0]
	}
	return nil
}

// alsoDoes adds to a side the name a sentence joins to it with "so
// does" ("wallet-api and partner-gateway verify from our JWKS, and so does
// Banco Aurora on their side": holdout5 q5, where Banco Aurora was left
// out of the verifiers, so no step published the new kid to it and lint
// found 4 errors): the words right after the cue, up to the first word
// that names nothing, in a sentence that names a member of the side
// before it.
func (n *Names) alsoDoes(text string, side []string) []string {
	if len(side) == 0 {
		return side
	}
	cues := []string{"so does", "so do", "as does", "as do", "the same goes for", "same for"}
	for _, sn := range sentences(text) {
		fields := strings.Fields(sn)
		low := strings.ToLower(sn)
		for _, cue := range cues {
			at := strings.Index(low, cue+" ")
			if at < 0 || !slices.ContainsFunc(side, func(m string) bool { return strings.Contains(low[:at], strings.ToLower(m)) }) {
				continue
			}
			// The field index where the cue ends.
			k := len(strings.Fields(sn[:at])) + len(strings.Fields(cue))
			var name []string
			for j := k; j < len(fields) && len(name) < 4; j++ {
				w := strings.TrimFunc(fields[j], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' })
				if !n.meaningful(w) || strings.ContainsAny(fields[j][:max(0, len(fields[j])-1)], ",;()") {
					break
				}
				// "Banco Aurora": capitalised words; "ledger-svc": one word.
				if len(name) > 0 && !unicode.IsUpper([]rune(w)[0]) {
					break
				}
				name = append(name, w)
				if strings.ContainsAny(fields[j], ",;()") || !unicode.IsUpper([]rune(w)[0]) {
					break
				}
			}
			if nm := strings.Join(name, " "); nm != "" && !slices.Contains(side, nm) {
				side = append(side, nm)
			}
		}
	}
	return side
}

// aboutSecret is a secret's notes without the sentences that say what one
// of its consumers is ("debezium-connect is a self-managed Kafka Connect
// cluster"): they describe the consumer, never the credential, so their
// words choose no catalogue entry (review17-cold6 row 52: "self-managed"
// excluded Confluent Cloud's API key, and the key was planned as a SCRAM
// user).
func aboutSecret(notes string, consumers []string) string {
	var keep []string
	for _, s := range sentences(notes) {
		low := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "the ")
		if slices.ContainsFunc(consumers, func(c string) bool {
			c = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(c)), "the ")
			return c != "" && (strings.HasPrefix(low, c+" is a ") || strings.HasPrefix(low, c+" is an ") || strings.HasPrefix(low, c+" are "))
		}) {
			continue
		}
		keep = append(keep, s)
	}
	return strings.Join(keep, ". ")
}

// otherProduct is the word of a provider value, after the alias of its
// provider p, that names another product of the same vendor ("twilio
// segment", "Atlassian Statuspage"): a meaningful word that is no alias or
// qualifier, that the secret's name also says while the name says no alias
// of p, and that no phrase of p's entries holds. "" when there is none.
func (n *Names) otherProduct(fieldW, nameW []string, p *catalog.Provider) string {
	if len(n.providersIn(nameW)) > 0 {
		return ""
	}
	name := map[string]bool{}
	for _, w := range nameW {
		name[strings.ToLower(w)] = true
	}
	for i := 0; i < len(fieldW); {
		end := i
		sq := ""
		for j := i; j < len(fieldW) && j-i < n.longest*2; j++ {
			sq += fieldW[j]
			if n.aliases[sq] == p {
				end = j + 1
			}
		}
		if end == i {
			i++
			continue
		}
		for _, w := range fieldW[end:] {
			lw := strings.ToLower(w)
			if !n.meaningful(lw) || slices.Contains(n.lex.Qualifiers, lw) || n.aliases[lw] != nil || !name[lw] {
				continue
			}
			if slices.ContainsFunc(p.Credentials, func(cr catalog.Credential) bool {
				return slices.ContainsFunc(cr.Match, func(m string) bool { return catalog.HasWord(m, lw) })
			}) {
				continue
			}
			return lw
		}
		return ""
	}
	return ""
}

// vendorBefore reports whether a provider value names an unknown vendor
// before the first product alias it holds: a word that is no alias, no
// qualifier and no stop word.
func (n *Names) vendorBefore(ws []string) bool {
	for i := range ws {
		sq := ""
		for j := i; j < len(ws) && j-i < n.longest*2; j++ {
			sq += ws[j]
			if n.aliases[sq] != nil {
				for _, w := range ws[:i] {
					if n.meaningful(w) && !slices.Contains(n.lex.Qualifiers, strings.ToLower(w)) {
						return true
					}
				}
				return false
			}
		}
	}
	return false
}

// reading is one candidate provider with the kind and entry it gives.
type reading struct {
	prov  *catalog.Provider
	kind  kindReading
	entry *catalog.Credential
}

// owns reports whether a reading's entry is its provider's own, not one of
// the generic entries every provider falls back to.
func owns(r reading) bool {
	return r.prov != nil && r.entry != nil && (r.entry.Provider() == r.prov || r.entry.AnyProvider)
}

// kindReading is how a kind was read.
type kindReading struct {
	kind runbook.Kind
	// from is "request", "name", "notes", "provider" or "" (not recognised).
	from string
	// rule and evidence are the rule and the words that decided, when the
	// kind was read (from "name" or "notes") or a given kind overridden
	// (from "request" with a rule).
	rule     *kindRule
	evidence string
	where    string
}

// readKind reads a secret's kind: the given one unless decisive words of
// the name (then the notes) contradict it; else the first rule the name
// or the provider as written fits; else decisive words of the notes; else
// the provider's usual kind.
func (n *Names) readKind(given runbook.Kind, p *catalog.Provider, nameW, fieldW, notesW []string) kindReading {
	if given != "" {
		for _, src := range []struct {
			ws    []string
			where string
		}{{nameW, "name"}, {notesW, "notes"}} {
			if rule, ev := n.firstRule(src.ws, p, true); rule != nil {
				if rule.Kind != given && runbook.OneOf(rule.Over, given) {
					return kindReading{kind: rule.Kind, from: "request", rule: rule, evidence: ev, where: src.where}
				}
				break
			}
		}
		return kindReading{kind: given, from: "request"}
	}
	if rule, ev := n.firstRule(append(slices.Clone(nameW), fieldW...), p, false); rule != nil {
		return kindReading{kind: rule.Kind, from: "name", rule: rule, evidence: ev}
	}
	if rule, ev := n.firstRule(notesW, p, true); rule != nil {
		return kindReading{kind: rule.Kind, from: "notes", rule: rule, evidence: ev}
	}
	if p != nil {
		return kindReading{kind: p.Kind, from: "provider"}
	}
	return kindReading{kind: runbook.KindOther}
}

// firstRule is the first kind rule (only those with `over` when decisive)
// whose words occur in ws, with the words that matched.
func (n *Names) firstRule(ws []string, p *catalog.Provider, decisive bool) (*kindRule, string) {
	for i := range n.lex.Kinds {
		r := &n.lex.Kinds[i]
		switch {
		case decisive && len(r.Over) == 0:
			continue
		case len(r.Providers) > 0 && (p == nil || !slices.Contains(r.Providers, p.ID)):
			continue
		case r.Database && (p == nil || !p.Database):
			continue
		case r.NoProvider && p != nil:
			continue
		case n.first(ws, r.Unless) != "":
			continue
		}
		if w := n.first(ws, r.Words); w != "" {
			return r, w
		}
	}
	return nil, ""
}

// explainKind records how the kind was read: an assumption when it was
// inferred, an open item when a given kind was overridden.
func (n *Names) explainKind(r *Resolved, in runbook.Secret, path string, k kindReading) {
	switch {
	case k.from == "request" && k.rule != nil && in.Kind == runbook.KindOther:
		r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: kind other, but its %s says %q: treated as %s", path, in.Name, k.where, k.evidence, k.kind))
	case k.from == "request" && k.rule != nil:
		r.OpenItems = append(r.OpenItems, n.kindItem(path, in, in.Kind, k.kind, k.where, k.evidence, k.rule.Because))
	case k.from == "name" || k.from == "provider":
		r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: kind inferred as %s from its name", path, in.Name, k.kind))
	case k.from == "notes":
		r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: kind inferred as %s from its notes (%q)", path, in.Name, k.kind, k.evidence))
	case k.from == "":
		r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: kind not given and not recognisable: treated as other (no overlap assumed)", path, in.Name))
	}
}

// kindItem is the open item of a given kind the name or notes contradict.
func (n *Names) kindItem(path string, in runbook.Secret, given, read runbook.Kind, where, evidence, because string) runbook.OpenItem {
	return runbook.OpenItem{
		Source: path + ".kind",
		Text:   fmt.Sprintf("%q sent with kind %s; its %s says %q", in.Name, given, where, evidence),
		Question: fmt.Sprintf("Is %s %s or %s? rotor treats it as %s (%s): %s If it really is %s, send it with a name that says so.",
			in.Name, n.lex.KindNames[read], n.lex.KindNames[given], read, n.lex.KindNames[read], because, n.lex.KindNames[given]),
		Blocks: []string{},
	}
}

// HoldsKill is the mark in an open item's Blocks that the secret's kill
// waits for the answer: the planner replaces it with the kill steps.
const HoldsKill = "kill"

// internalSigner reads a webhook signing secret with no provider whose
// consumers are all services of the request (two or more) and whose name
// says nothing of a webhook as a key we hold at both ends (an internal
// HMAC, "Tokenization HMAC signing secret" used by card-api and
// token-verifier): there are no vendor webhook settings to switch, the
// verifiers accept both keys before the signer's own configuration
// switches. Who signs, and whether what it signed outlives the overlap, is
// asked at the top, and the kill waits for the answer.
func (n *Names) internalSigner(r *Resolved, req *runbook.Request, in runbook.Secret, path, field string) {
	is := n.lex.InternalSigner
	if r.Kind != runbook.KindWebhookSecret || r.Provider != nil || field != "" || len(in.Consumers) < 2 ||
		(r.Entry != nil && r.Entry.ID == is.Entry) || len(r.Signers) > 0 {
		return
	}
	if n.first(words(in.Name+" "+in.Notes), is.Unless) != "" {
		return
	}
	for _, c := range in.Consumers {
		if !slices.ContainsFunc(req.Services, func(s runbook.Service) bool { return strings.EqualFold(s.Name, c) }) {
			return
		}
	}
	e := n.cat.Credential(is.Entry)
	if e == nil {
		return
	}
	r.Entry = e
	q := strings.NewReplacer("{name}", in.Name, "{consumers}", andWords(in.Consumers)).Replace(is.Question)
	r.OpenItems = append(r.OpenItems, runbook.OpenItem{Source: path + ".kind", Text: fmt.Sprintf("Do signatures made with %s (kind %s, no provider, used only by %s) outlive 24 hours?", in.Name, in.Kind, andWords(in.Consumers)),
		Question: q, Blocks: []string{HoldsKill}})
}

// andWords joins names as "a, b and c".
func andWords(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}

// Roles reads which services sign (or issue) with a key and which verify
// it: "orders-api signs, billing-worker verifies", "signed by ledger",
// "verified by notifier and billing".
func (n *Names) Roles(text string) (signers, verifiers []string) {
	return n.alsoDoes(text, n.side(text, n.lex.Signer)), n.alsoDoes(text, n.side(text, n.lex.Verifier))
}

// side finds the services a side's cue words name: the list of names right
// before a `before` cue ("a, b and c sign") or right after an `after` cue
// ("verified by x and y").
func (n *Names) side(text string, cues sideCues) []string {
	fields := strings.Fields(text)
	clean := make([]string, len(fields))
	for i, f := range fields {
		clean[i] = strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	// comma reports whether fields[i] ends a list item ("a, b").
	comma := func(i int) bool { return strings.HasSuffix(fields[i], ",") }
	connector := func(w string) bool { w = strings.ToLower(w); return w == "and" || w == "&" || w == "or" }
	var out []string
	add := func(name string) {
		if n.meaningful(name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for i := range clean {
		for _, c := range cues.Before {
			k := n.cueAt(clean, i, c)
			if k == 0 || i == 0 || comma(i-1) || strings.HasSuffix(fields[i-1], ".") {
				continue
			}
			if i+k < len(clean) && slices.Contains(cues.UnlessNext, strings.ToLower(clean[i+k])) {
				continue
			}
			// Walk back over "a, b and c". A one-word aside names the
			// service before it ("api-gateway (Kong), statements-api and
			// payments-api verify": api-gateway, never Kong), and a word
			// that closes a longer parenthesis ends the list ("Key Vault
			// (kv-prod / kv-stg) and auth-service signs": holdout3 h4).
			var names []string
			for j := i - 1; j >= 0; j-- {
				if aside(fields[j]) && j >= 1 {
					j--
				}
				if !n.meaningful(clean[j]) || closes(fields[j]) {
					break
				}
				names = append([]string{clean[j]}, names...)
				switch {
				case j >= 2 && connector(clean[j-1]):
					j--
				case j >= 1 && comma(j-1):
				default:
					j = 0
				}
			}
			for _, nm := range names {
				add(nm)
			}
		}
		for _, c := range cues.After {
			k := n.cueAt(clean, i, c)
			if k == 0 {
				continue
			}
			for j := i + k; j < len(clean) && n.meaningful(clean[j]); j++ {
				add(clean[j])
				switch {
				case j+2 < len(clean) && connector(clean[j+1]):
					j++
				case comma(j):
				default:
					j = len(clean)
				}
			}
		}
	}
	return out
}

// storeInNotes reads where a secret's notes say its value lives
// (names.yaml stores): the store and the words that said it, or "".
func (n *Names) storeInNotes(notes string) (runbook.SecretStore, string) {
	st := &n.lex.Stores
	has := func(ws []string, phrase string) bool { _, _, ok := find(ws, squash(phrase)); return ok }
	for _, sentence := range sentences(notes) {
		ws := words(sentence)
		if slices.ContainsFunc(st.NotWith, func(w string) bool { return has(ws, w) }) {
			continue
		}
		var best runbook.SecretStore
		bestAt, said := len(ws)+1, ""
		for _, pl := range st.Places {
			for _, w := range pl.Words {
				at, _, ok := find(ws, squash(w))
				if !ok || at >= bestAt {
					continue
				}
				cue, neg := false, false
				for _, b := range ws[max(0, at-6):at] {
					cue = cue || slices.Contains(st.Cues, b)
					neg = neg || slices.Contains(st.Negators, b)
				}
				if cue && !neg {
					best, bestAt, said = pl.Store, at, w
				}
			}
		}
		if best != "" {
			return best, said
		}
	}
	return "", ""
}

// mirrorsInNotes reads the other stores a secret's notes say hold its value
// (names.yaml stores: mirror_cues, read_cues): "AWS Secrets Manager
// (prod/tracking/redis-auth), copied by a sync job", one per store, never
// the secret's own store.
func (n *Names) mirrorsInNotes(notes string, own runbook.SecretStore) []string {
	st := &n.lex.Stores
	var out []string
	seen := map[runbook.SecretStore]bool{own: true}
	for _, sentence := range sentences(notes) {
		ws := words(sentence)
		for _, pl := range st.Places {
			if seen[pl.Store] {
				continue
			}
			for _, w := range pl.Words {
				at, end, ok := find(ws, squash(w))
				if !ok {
					continue
				}
				before := ws[max(0, at-6):at]
				mirror := slices.ContainsFunc(st.MirrorCues, func(c string) bool { return slices.Contains(before, c) })
				read := false
				// "reads it via the AWS Parameters and Secrets Lambda
				// Extension": an article may stand between cue and place.
				cut := before
				for len(cut) > 0 && slices.Contains([]string{"the", "a", "an", "our", "its", "their", "aws"}, cut[len(cut)-1]) {
					cut = cut[:len(cut)-1]
				}
				for _, c := range st.ReadCues {
					cw := words(c)
					for _, b := range [][]string{before, cut} {
						if len(cw) <= len(b) && slices.Equal(b[len(b)-len(cw):], cw) {
							read = true
						}
					}
				}
				if slices.ContainsFunc(before, func(b string) bool { return slices.Contains(st.Negators, b) }) || !mirror && !read {
					continue
				}
				desc := n.storeName(pl.Store)
				// The path in parentheses right after it ("(prod/x)").
				if end < len(ws) {
					if p := pathAfter(sentence, w); p != "" {
						desc += " (" + p + ")"
					}
				}
				if mirror {
					desc += ", copied there by a job"
				} else {
					desc += ", where a consumer reads it"
				}
				out = append(out, desc)
				seen[pl.Store] = true
				break
			}
		}
	}
	return out
}

// pathAfter is the path in parentheses right after a place in a sentence
// ("Secrets Manager (prod/tracking/redis-auth)"), or "".
func pathAfter(sentence, place string) string {
	low := strings.ToLower(sentence)
	i := strings.Index(low, strings.ToLower(place))
	if i < 0 {
		return ""
	}
	rest := strings.TrimSpace(sentence[i+len(place):])
	if !strings.HasPrefix(rest, "(") {
		return ""
	}
	p, _, ok := strings.Cut(rest[1:], ")")
	if !ok || strings.ContainsAny(p, " ,;") || !strings.Contains(p, "/") {
		return ""
	}
	return p
}

// storeName is a store's name ("GCP Secret Manager").
func (n *Names) storeName(id runbook.SecretStore) string {
	if st := n.cat.Store(id); st != nil {
		return st.Name
	}
	return string(id)
}

// OnConsumers keeps, of the services a note names on one side, those that
// are consumers of the secret, when any is: a word that is none of them is
// where the key lives or what runs the operation ("Vault transit
// (transit/keys/x) and session-api signs" names session-api, never
// transit). Names are compared with case and separators ignored. When no
// name is a consumer (a partner signs), every name stays.
func OnConsumers(names, consumers []string) []string {
	var out []string
	for _, nm := range names {
		for _, c := range consumers {
			if squash(c) == squash(nm) && !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 {
		return names
	}
	return out
}

// aside reports whether a field is a one-word parenthesis ("(Kong)",
// "(Envoy),").
func aside(field string) bool {
	f := strings.TrimRight(field, ",.;:")
	return len(f) > 2 && f[0] == '(' && f[len(f)-1] == ')'
}

// closes reports whether a field ends a parenthesis it did not open
// ("kv-ll-identity-stg)"): what it holds is an aside, never a service.
func closes(field string) bool {
	f := strings.TrimRight(field, ",.;:")
	return strings.HasSuffix(f, ")") && !strings.HasPrefix(f, "(")
}

// cueAt is how many fields a cue phrase spans at clean[i], or 0.
func (n *Names) cueAt(clean []string, i int, cue string) int {
	k := len(strings.Fields(cue))
	if i+k > len(clean) || squash(strings.Join(clean[i:i+k], " ")) != n.squashed[cue] {
		return 0
	}
	return k
}

// meaningful rejects words that cannot name a service (pronouns, articles,
// the cue words themselves).
func (n *Names) meaningful(w string) bool {
	return w != "" && !n.stop[strings.ToLower(w)]
}

// providersIn lists the providers a text names, in the order it names them;
// at one place the longest spelling wins ("azure ad" over "azure"). A
// provider named as the place a value went ("pushed to a public GitHub
// repository") is not listed: where a credential leaked is not whose it is.
func (n *Names) providersIn(ws []string) []*catalog.Provider {
	var out []*catalog.Provider
	for i := 0; i < len(ws); {
		var best *catalog.Provider
		bestEnd := i
		sq := ""
		for j := i; j < len(ws) && j-i < n.longest*2; j++ {
			sq += ws[j]
			if p := n.aliases[sq]; p != nil {
				best, bestEnd = p, j+1
			}
		}
		if best != nil {
			if !n.isPlace(ws, i) {
				out = appendNew(out, best)
			}
			i = bestEnd
			continue
		}
		i++
	}
	return out
}

// placeGap is how many words may stand between a place cue and the
// provider it puts a value in ("posted in the eng channel on Slack").
const placeGap = 4

// isPlace reports whether the words before ws[i] say a value went there
// (names.yaml places).
func (n *Names) isPlace(ws []string, i int) bool {
	for end := i; end >= 0 && i-end <= placeGap; end-- {
		for _, cue := range n.places {
			if start := end - len(cue); start >= 0 && slices.Equal(ws[start:end], cue) {
				return true
			}
		}
	}
	return false
}

// appendNew appends the values not yet in list, never into list's own
// backing array (a directive's evidence may be shared by concurrent
// readings of one cached answer).
func appendNew[T comparable](list []T, ps ...T) []T {
	list = slices.Clip(list)
	for _, p := range ps {
		if !slices.Contains(list, p) {
			list = append(list, p)
		}
	}
	return list
}

// words splits text into lower-case words of letters and digits; case and
// every other character (`_`, `-`, `.`, spaces, ...) only separate.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// squash is a spelling with case and separators gone ("Azure_AD" is "azuread").
func squash(text string) string { return strings.Join(words(text), "") }

// find is where consecutive words spell sq (separators ignored): the first
// word and one past the last.
func find(ws []string, sq string) (int, int, bool) {
	if sq == "" {
		return 0, 0, false
	}
	for i := range ws {
		rest := sq
		for j := i; j < len(ws) && strings.HasPrefix(rest, ws[j]); j++ {
			rest = rest[len(ws[j]):]
			if rest == "" {
				return i, j + 1, true
			}
		}
	}
	return 0, 0, false
}
