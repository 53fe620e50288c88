package intake

import (
	"slices"
	"strings"
	"unicode"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// detailDirectives read what a clause says about the infrastructure: values
// the steps would otherwise show as placeholders, a pair of database users,
// workload kinds, other copies, the credential's scope, store paths, a
// product version, and the departing person's name.
func (rd *reader) detailDirectives(p *parsedText, from, to, secret int) []Directive {
	c := &rd.lex.c
	toks := p.toks
	var out []Directive
	add := func(d Directive) {
		if d.Scope.Secrets == nil && secret >= 0 {
			d.Scope = Scope{Secrets: []int{secret}}
		}
		out = append(out, d)
	}
	// A pair of users first: "users ledger_a and ledger_b".
	pair := false
	for _, m := range c.pairs.find(toks, from, to) {
		a, ai := rd.valueAfter(p, m.to, to, "db_user", false)
		if a == "" || ai+1 >= to {
			continue
		}
		if j := c.pairJoin.find(toks, ai+1, min(to, ai+2)); len(j) > 0 && j[0].from == ai+1 {
			if b, _ := rd.valueAfter(p, j[0].to, to, "db_user", false); b != "" {
				add(Directive{Kind: KindDetail, Field: FieldDBUsers, Values: []string{a, b}, Value: a + ", " + b, Evidence: evidence([]match{m})})
				pair = true
				break
			}
		}
	}
	for _, v := range c.values {
		if pair && v.Field == FieldDBUser {
			continue
		}
		found := false
		for _, m := range v.after.find(toks, from, to) {
			if m.from > from && slices.Contains(v.NotAfter, toks[m.from-1].low) {
				continue
			}
			generic := !strings.Contains(m.p.text, " ") && (v.Field == FieldDBUser)
			if val, _ := rd.valueAfter(p, m.to, to, v.Shape, generic); val != "" {
				add(Directive{Kind: KindDetail, Field: v.Field, Value: val, Evidence: evidence([]match{m})})
				found = true
				break
			}
		}
		if found {
			continue
		}
		for _, m := range v.before.find(toks, from, to) {
			k := m.from - 1
			for k >= from && isQuote(toks[k].text) {
				k--
			}
			if k >= from && shapeOK(v.Shape, strings.Trim(toks[k].text, "`'\""), false) && !rd.stop(toks[k].low) {
				add(Directive{Kind: KindDetail, Field: v.Field, Value: strings.ToLower(strings.Trim(toks[k].text, "`'\"")), Evidence: evidence([]match{m})})
				break
			}
		}
	}
	if m := c.workloads.find(toks, from, to); len(m) > 0 && (secret >= 0 || rd.namesAConsumer(p, from, to)) {
		add(Directive{Kind: KindDetail, Field: FieldWorkload, Value: m[0].p.label, Evidence: evidence(m[:1])})
	}
	// A person's own place is what they hold, never a copy to update.
	own := rd.personalCopies(p, from, to)
	for _, pc := range own {
		add(Directive{Kind: KindDetail, Field: FieldPersonalCopy, Value: pc.place, Evidence: evidence([]match{pc.m})})
	}
	for _, m := range c.copies.find(toks, from, to) {
		if c.negators.has(toks, max(from, m.from-4), m.from) {
			// "nothing in the #sre-handover doc", "never in the handover
			// wiki": a place the value must never go, not a copy to
			// update (review17-cold6 row 33).
			continue
		}
		if !slices.ContainsFunc(own, func(pc personalCopy) bool { return pc.m.from <= m.from && m.from < pc.m.to }) {
			add(Directive{Kind: KindDetail, Field: FieldCopy, Value: rd.copyPlace(p, m, to), Evidence: evidence([]match{m})})
			break
		}
	}
	// What the credential may do: the comma-separated part of the clause
	// that holds a scope word or a permission (not what a person could
	// read: that is exposure).
	cue := c.scopeCues.find(toks, from, to)
	if !hasPermission(toks[from:to]) {
		// "this is policy", "their own scoped token": a policy or a token
		// someone else gets is no scope of this credential (review17-cold4
		// P3: pasted as a ceiling).
		cue = slices.DeleteFunc(cue, func(m match) bool {
			if m.p.text == "scoped" {
				return true
			}
			// "the dba-admin policy" names one; "this is policy", "the
			// company policy" do not.
			return (m.p.text == "policy" || m.p.text == "policies") && (m.from == from ||
				runbook.OneOf([]string{"is", "company", "our", "crypto", "security", "rotation", "retention", "a", "internal", "of"}, toks[m.from-1].low))
		})
	}
	if (len(cue) > 0 || hasPermission(toks[from:to])) && !c.insider.has(toks, from, to) {
		ev := evidence(cue)
		lo, hi := from, to
		for i := from; i < to; i++ {
			if !permission(toks[i].text) && !inMatches(cue, i) {
				continue
			}
			for lo = i; lo > from && toks[lo-1].text != ","; lo-- {
			}
			for hi = i + 1; hi < to && toks[hi].text != ","; hi++ {
			}
			break
		}
		if inMatches(cue, lo) {
			// "Scopes: read/write orders, products, inventory AND read
			// customers": the list after the word is the scope, whole
			// (main cut it at its first comma).
			for hi = lo + 1; hi < to && toks[hi].text != "("; hi++ {
			}
		}
		for _, t := range toks[lo:hi] {
			if permission(t.text) {
				ev = append(ev, t.text)
			}
		}
		add(Directive{Kind: KindDetail, Field: FieldScope, Value: quote(p, lo, hi), Evidence: ev})
	}
	for k, t := range toks[from:to] {
		if storePath(t.text) {
			add(Directive{Kind: KindDetail, Field: FieldStorePath, Value: t.text, Evidence: []string{t.text}})
			// The fields the notes name at that path ("(fields
			// private_key_p8, private_key_pass)": holdout3 h3 major 22).
			if fields := storeFields(toks[from+k+1 : to]); len(fields) > 0 {
				add(Directive{Kind: KindDetail, Field: FieldStoreFields, Values: fields, Evidence: fields})
			}
			break
		}
	}
	// A role ARN names the role a key assumes (over a bare role name).
	for _, t := range toks[from:to] {
		if rest, ok := strings.CutPrefix(t.text, "arn:aws:iam::"); ok {
			if acct, role, ok := strings.Cut(rest, ":role/"); ok && len(acct) == 12 && isDigitString(acct) && role != "" {
				name := role[strings.LastIndexByte(role, '/')+1:]
				if shapeOK("iam_name", name, false) {
					add(Directive{Kind: KindDetail, Field: FieldAWSRole, Value: name, Evidence: []string{t.text}})
				}
			}
		}
	}
	for _, t := range toks[from:to] {
		if strings.HasPrefix(t.text, "alias/") && len(t.text) > len("alias/") {
			add(Directive{Kind: KindDetail, Field: FieldKMSAlias, Value: t.text, Evidence: []string{t.text}})
			break
		}
	}
	for _, m := range c.versions.find(toks, from, to) {
		if m.to < to && version(toks[m.to].text) {
			add(Directive{Kind: KindDetail, Field: FieldVersion, Value: quote(p, m.from, m.to+1), Evidence: evidence([]match{m})})
			break
		}
	}
	// Who signs with a key and who verifies it (the names reader's rule).
	if q := quote(p, from, to); mayNameRoles(q) {
		if signers, verifiers := DefaultNames().Roles(q); len(signers)+len(verifiers) > 0 {
			add(Directive{Kind: KindDetail, Field: FieldRoles, Values: signers, Value: strings.Join(verifiers, ", "), Evidence: append(append([]string{}, signers...), verifiers...)})
		}
	}
	if name, ev := rd.person(p, from, to); name != "" {
		add(Directive{Kind: KindPerson, Value: name, Scope: Scope{All: true}, Evidence: ev})
	}
	return out
}

// valueAfter reads the value after a cue at token i: quotes and a ':' are
// skipped; the value must have the shape. A generic cue ("user", "role")
// takes only a quoted value or one with an underscore. It returns the
// value and its token index.
func (rd *reader) valueAfter(p *parsedText, i, to int, shape string, generic bool) (string, int) {
	quoted := false
	for i < to && (isQuote(p.toks[i].text) || p.toks[i].text == ":" || p.toks[i].text == "=") {
		quoted = quoted || isQuote(p.toks[i].text)
		i++
	}
	if i >= to {
		return "", -1
	}
	v := strings.Trim(p.toks[i].text, "`'\"")
	if rd.stop(strings.ToLower(v)) || !shapeOK(shape, v, generic && !quoted) {
		return "", -1
	}
	return v, i
}

func (rd *reader) stop(s string) bool { return runbook.OneOf(rd.lex.Details.StopValues, s) }

func isQuote(s string) bool {
	return s == "`" || s == "'" || s == "\"" || s == "‘" || s == "’" || s == "“" || s == "”"
}

// shapeOK checks a value's shape (not cue words: the syntax of names).
func shapeOK(shape, v string, generic bool) bool {
	if v == "" {
		return false
	}
	allowed := func(extra string, s string) bool {
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(extra, r)) {
				return false
			}
		}
		return true
	}
	switch shape {
	case "iam_name":
		return allowed("+=,.@_-", v) && !strings.HasSuffix(v, ".")
	case "service_account":
		if strings.Contains(v, "@") {
			return allowed("@.-_", v)
		}
		return len(v) >= 5 && len(v) <= 30 && allowed("-", v) && unicode.IsLower([]rune(v)[0])
	case "name":
		return allowed("_-", v)
	case "owner_repo":
		return strings.Count(v, "/") == 1 && allowed("/_.-", v) && !strings.HasPrefix(v, "/") && !strings.HasSuffix(v, "/")
	case "path":
		return strings.Contains(v, "/") && allowed("/_.-", v) && !strings.HasPrefix(v, "/") && !strings.HasSuffix(v, "/") && !strings.Contains(v, "//")
	case "dns_label":
		return len(v) <= 63 && allowed("-", v) && !strings.HasPrefix(v, "-")
	case "db_user":
		r := []rune(v)[0]
		if !(unicode.IsLetter(r) || r == '_') || !allowed("_$-", v) {
			return false
		}
		return !generic || strings.Contains(v, "_")
	}
	return false
}

// permission reports a permission written as service:Action
// ("s3:PutObject", "contents:write", "read:org").
func permission(s string) bool {
	a, b, ok := strings.Cut(s, ":")
	if !ok || a == "" || b == "" || strings.Contains(b, ":") || strings.Contains(s, "//") {
		return false
	}
	if isDigitString(a) || isDigitString(b) || looksLikeClock(s) {
		return false
	}
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	for _, r := range b {
		if !(unicode.IsLetter(r) || r == '*' || r == '_') {
			return false
		}
	}
	return true
}

func hasPermission(toks []token) bool {
	for _, t := range toks {
		if permission(t.text) {
			return true
		}
	}
	return false
}

// storePath reports a path in a secret store: a Vault KV path, a Secrets
// Manager ARN, a GCP secret name.
func storePath(s string) bool {
	for _, pre := range []string{"secret/", "kv/", "kv-v2/"} {
		if strings.HasPrefix(s, pre) && len(s) > len(pre) {
			return true
		}
	}
	if strings.HasPrefix(s, "arn:aws:secretsmanager:") && strings.Contains(s, ":secret:") {
		return true
	}
	if strings.HasPrefix(s, "projects/") && strings.Contains(s, "/secrets/") && !strings.HasSuffix(s, "/secrets/") {
		return true
	}
	return false
}

// storeFields reads the field names after a store path: "field x", "fields
// x, y and z", "(fields x, y)", "key x"; nothing when no such word follows
// within two tokens.
func storeFields(toks []token) []string {
	var out []string
	for i, t := range toks {
		if i > 2 {
			return nil
		}
		if t.low != "field" && t.low != "fields" && t.low != "keys" {
			continue
		}
		for _, f := range toks[i+1:] {
			switch {
			case f.text == "," || f.low == "and":
			case fieldName(f.text):
				out = append(out, f.text)
			default:
				return out
			}
		}
		return out
	}
	return nil
}

// fieldName reports an identifier a store field may be named
// ("private_key_p8", "API_KEY", "password").
func fieldName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// version reports a version number ("8.0.36", "7", "14.2").
func version(s string) bool {
	if s == "" || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '.') {
			return false
		}
	}
	return true
}

// copyPlace writes where a copy is kept: "the shared 1Password vault".
func (rd *reader) copyPlace(p *parsedText, m match, to int) string {
	from := m.from
	if from > 0 && p.toks[from-1].low == "shared" {
		from--
	}
	end := m.to
	if end < to && (p.toks[end].low == "vault" || p.toks[end].low == "account") {
		end++
	}
	where := quote(p, from, end)
	l := strings.ToLower(where)
	if !strings.Contains(l, "vault") && !strings.Contains(l, "manager") && !strings.Contains(l, "drive") {
		where += " vault"
	}
	return "the " + where
}

// personalCopy is a person's own place that holds the value: the words
// from the preposition before it ("in her password manager") and the match
// of the place.
type personalCopy struct {
	place string
	m     match
}

// personalCopies reads the places in a clause that are a person's own
// (lexicon details.personal_places): a copies word or a personal place
// right after an owner word or a possessive name ("her 1Password", "his
// own vault", "Marta's password manager"), or a personal place in a clause
// that says someone kept a copy ("he kept a copy in notes"). A shared
// owner ("the team's shared vault") makes it a company copy.
func (rd *reader) personalCopies(p *parsedText, from, to int) []personalCopy {
	c, d := &rd.lex.c, &rd.lex.Details
	toks := p.toks
	owner := func(j int) bool {
		if runbook.OneOf(d.Owners, toks[j].low) {
			return true
		}
		base, ok := strings.CutSuffix(strings.ReplaceAll(toks[j].text, "’", "'"), "'s")
		return ok && capitalised(base) && !runbook.OneOf(d.NotNames, strings.ToLower(base)) && !runbook.OneOf(d.Shared, strings.ToLower(base)+"'s")
	}
	kept := c.insider.has(toks, from, to)
	var out []personalCopy
	try := func(m match, bare bool) {
		for _, pc := range out {
			if m.from < pc.m.to && pc.m.from < m.to {
				return
			}
		}
		start := -1
		for j := m.from - 1; j >= from && j >= m.from-2; j-- {
			if runbook.OneOf(d.Shared, toks[j].low) {
				return
			}
			if owner(j) {
				start = j
			}
		}
		if start < 0 {
			if !bare || !kept {
				return
			}
			start = m.from
		}
		for j := start - 1; j >= from && j >= start-3; j-- {
			if runbook.OneOf(d.Holders, toks[j].low) {
				return
			}
		}
		end := m.to
		if end < to && (toks[end].low == "vault" || toks[end].low == "account") {
			end++
		}
		if start > from && runbook.OneOf([]string{"in", "on", "at", "inside"}, toks[start-1].low) {
			start--
		}
		out = append(out, personalCopy{place: quote(p, start, end), m: m})
	}
	for _, m := range c.personalPlaces.find(toks, from, to) {
		try(m, true)
	}
	for _, m := range c.copies.find(toks, from, to) {
		try(m, false)
	}
	slices.SortFunc(out, func(a, b personalCopy) int { return a.m.from - b.m.from })
	return out
}

// person reads a departing person's name: capitalised words right before
// "leaves", "is leaving", ..., or "Dana's last day".
func (rd *reader) person(p *parsedText, from, to int) (string, []string) {
	c := &rd.lex.c
	name := func(end int) string {
		k := end
		for k > from && capitalised(p.toks[k-1].text) && !runbook.OneOf(rd.lex.Details.NotNames, p.toks[k-1].low) {
			k--
		}
		if k == end {
			return ""
		}
		n := strings.ReplaceAll(quote(p, k, end), "’", "'")
		return strings.TrimSuffix(n, "'s")
	}
	for _, m := range c.personAfter.find(p.toks, from, to) {
		if n := name(m.from); n != "" {
			return n, evidence([]match{m})
		}
	}
	for i := from; i < to; i++ {
		t := p.toks[i].text
		if base, ok := strings.CutSuffix(strings.ReplaceAll(t, "’", "'"), "'s"); ok && capitalised(base) && !runbook.OneOf(rd.lex.Details.NotNames, strings.ToLower(base)) {
			if m := c.personPoss.find(p.toks, i+1, min(to, i+4)); len(m) > 0 && m[0].from == i+1 {
				n := base
				if prev := name(i); prev != "" {
					n = prev + " " + base
				}
				return n, evidence(m)
			}
		}
	}
	return "", nil
}

// capitalised reports a word like a name: "Dana", "O'Neil", "Smith-Jones".
func capitalised(s string) bool {
	r := []rune(s)
	if len(r) < 2 || !unicode.IsUpper(r[0]) {
		return false
	}
	for _, x := range r[1:] {
		if !(unicode.IsLower(x) || x == '\'' || x == '-' || x == '’') {
			return false
		}
	}
	return true
}

func inMatches(ms []match, i int) bool {
	for _, m := range ms {
		if i >= m.from && i < m.to {
			return true
		}
	}
	return false
}

// mayNameRoles is a cheap test before the names reader's role rule: a
// clause that holds no form of sign, verify or issue names no roles.
func mayNameRoles(text string) bool {
	l := strings.ToLower(text)
	return strings.Contains(l, "sign") || strings.Contains(l, "verif") || strings.Contains(l, "issu")
}
