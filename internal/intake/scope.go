package intake

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// clauseScope is what a clause binds: the secrets it names (by name or
// provider), else those whose consumers it names, else those of a part of
// the job it names ("DNS", "databases"). A clause that names nothing gets
// the text's scope (see readText): a note's secret, or every secret.
func (rd *reader) clauseScope(p *parsedText, from, to, secret int) Scope {
	if secret >= 0 {
		return Scope{Secrets: []int{secret}, Words: []string{}}
	}
	return rd.named(p, from, to)
}

// scopeOf is a whole text's scope: its secret for a note, what it names, or
// every secret.
func (rd *reader) scopeOf(p *parsedText, from, to, secret int) Scope {
	if secret >= 0 {
		return Scope{Secrets: []int{secret}, Words: []string{}}
	}
	if s := rd.named(p, from, to); len(s.Words) > 0 {
		return s
	}
	return Scope{All: true, Secrets: []int{}, Words: []string{}}
}

// named finds what a range of tokens names: secrets by name, provider or
// consumer, else a part of the job.
func (rd *reader) named(p *parsedText, from, to int) Scope {
	s := rd.namedDirect(p, from, to)
	if len(s.Secrets) > 0 {
		return s
	}
	for gi, g := range rd.lex.Scopes.Groups {
		m := rd.lex.c.scopeGroups[gi].find(p.toks, from, to)
		if len(m) == 0 {
			continue
		}
		word := quote(p, m[0].from, m[0].to)
		s.Words = appendOnce(s.Words, word)
		for i, t := range rd.targets {
			if groupBinds(g, t) && !containsInt(s.Secrets, i) {
				s.Secrets = append(s.Secrets, i)
			}
		}
	}
	return s
}

// namedDirect finds the secrets a range names by name or provider, else by
// consumer.
func (rd *reader) namedDirect(p *parsedText, from, to int) Scope {
	toks := p.toks[from:to]
	s := Scope{Secrets: []int{}, Words: []string{}}
	bind := func(i int, word string) {
		if !containsInt(s.Secrets, i) {
			s.Secrets = append(s.Secrets, i)
		}
		s.Words = appendOnce(s.Words, word)
	}
	for i, t := range rd.targets {
		if w, ok := hasPhrase(toks, t.Name); ok {
			bind(i, w)
			continue
		}
		for _, prov := range []string{t.Provider, t.ProviderName} {
			if prov == "" || prov == "unknown" {
				continue
			}
			if w, ok := hasPhrase(toks, prov); ok {
				bind(i, w)
				break
			}
		}
	}
	if len(s.Secrets) > 0 {
		return s
	}
	for i, t := range rd.targets {
		for _, cons := range t.Consumers {
			if w, ok := rd.namesConsumer(toks, cons); ok {
				bind(i, w)
				break
			}
		}
	}
	return s
}

// groupBinds reports whether a part of the job holds a secret.
func groupBinds(g ScopeGroup, t Target) bool {
	if runbook.OneOf(g.Kinds, string(t.Kind)) {
		return true
	}
	matched := false
	names := append([]string{t.Name}, t.Consumers...)
	for _, n := range names {
		nt := tokenize(n)
		for _, w := range g.Match {
			if _, ok := hasPhrase(nt, w); ok {
				matched = true
			}
			// A part of a hyphenated name: "external-dns" holds "dns".
			for _, tok := range nt {
				for _, part := range strings.FieldsFunc(tok.low, isNameSep) {
					if part == w {
						matched = true
					}
				}
			}
		}
	}
	if matched {
		return true
	}
	return runbook.OneOf(g.Providers, t.Provider) && !g.NameOnly
}

func isNameSep(r rune) bool { return r == '-' || r == '_' || r == '.' || r == '/' }

// hasPhrase reports whether the tokens hold a phrase (case-insensitive,
// whole tokens), and returns it as written.
func hasPhrase(toks []token, phrase string) (string, bool) {
	want := phraseTokens(phrase)
	if len(want) == 0 {
		return "", false
	}
	for i := 0; i+len(want) <= len(toks); i++ {
		ok := true
		for k := range want {
			// "notify-svc's change calendar": the possessive names it too
			// (review17-cold6 r61).
			if got := toks[i+k].low; got != want[k].low && (k+1 < len(want) || strings.TrimSuffix(got, "'s") != want[k].low) {
				ok = false
				break
			}
		}
		if ok {
			return strings.Join(texts(toks[i:i+len(want)]), " "), true
		}
	}
	return "", false
}

func texts(toks []token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.text
	}
	return out
}

// namesConsumer reports whether tokens name a consumer, singular or plural
// ("the legacy job" names "jobs"); a part of a hyphenated name counts when
// it is specific enough ("the backup cron" names "ledger-backup"; "api"
// alone names nothing).
func (rd *reader) namesConsumer(toks []token, name string) (string, bool) {
	n := strings.ToLower(name)
	if w, ok := hasPhrase(toks, n); ok {
		return w, true
	}
	if len(n) > 3 && strings.HasSuffix(n, "s") {
		if w, ok := hasPhrase(toks, strings.TrimSuffix(n, "s")); ok {
			return w, true
		}
	}
	parts := strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '.' })
	if len(parts) < 2 {
		return "", false
	}
	for _, part := range parts {
		if len(part) > 4 && !runbook.OneOf(rd.lex.Scopes.GenericParts, part) {
			if w, ok := hasPhrase(toks, part); ok {
				return w, true
			}
		}
	}
	return "", false
}

// namesAConsumer reports whether a range names a consumer of any secret.
func (rd *reader) namesAConsumer(p *parsedText, from, to int) bool {
	for _, t := range rd.targets {
		for _, c := range t.Consumers {
			if _, ok := rd.namesConsumer(p.toks[from:to], c); ok {
				return true
			}
		}
	}
	return false
}

// directScope is what a range names by secret name, provider or consumer,
// or every secret: for what concerns the whole job (a breach, "rotate
// everything"), a part of the job named in passing ("stored in CI") binds
// nothing narrower.
func (rd *reader) directScope(p *parsedText, from, to, secret int) Scope {
	if secret >= 0 {
		return Scope{Secrets: []int{secret}, Words: []string{}}
	}
	if s := rd.namedDirect(p, from, to); len(s.Secrets) > 0 {
		return s
	}
	return Scope{All: true, Secrets: []int{}, Words: []string{}}
}

// consumersNamed lists the consumers a range names.
func (rd *reader) consumersNamed(p *parsedText, from, to int) []string {
	var out []string
	for _, t := range rd.targets {
		for _, c := range t.Consumers {
			if _, ok := rd.namesConsumer(p.toks[from:to], c); ok {
				out = appendOnce(out, c)
			}
		}
	}
	return out
}

// IsPipeline reports whether a consumer's name says it is a CI/CD pipeline
// (it reads a CI variable on its next run).
func (l *Lexicon) IsPipeline(name string) bool {
	toks := tokenize(name)
	if l.c.pipelines.has(toks, 0, len(toks)) {
		return true
	}
	for _, t := range toks {
		parts := strings.FieldsFunc(t.low, isNameSep)
		pt := make([]token, len(parts))
		for i, part := range parts {
			pt[i] = token{text: part, low: part}
		}
		if l.c.pipelines.has(pt, 0, len(pt)) {
			return true
		}
	}
	return false
}

// phraseTokens tokenizes a name once: secret names, providers and consumers
// are looked for in every clause.
func phraseTokens(phrase string) []token {
	if t, ok := phraseCache.Load(phrase); ok {
		return t.([]token)
	}
	t := tokenize(strings.ToLower(phrase))
	if len(phrase) <= 200 && phraseCached.Add(1) <= maxPhraseCache {
		phraseCache.Store(phrase, t)
	}
	return t
}

// phraseCache holds the tokens of names seen, up to maxPhraseCache of them
// (a long-running server meets ever new names: past the bound they are
// tokenized each time).
var (
	phraseCache  sync.Map
	phraseCached atomic.Int64
)

const maxPhraseCache = 4096
