package intake

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// FieldCutOff is a detail that says who must never get the new value
// (parties.yaml): Scope.Consumers are the consumers it cuts off, Values the
// parties it names ("Pixelforge"), Value their names joined. Those
// consumers are never redeployed, verified or given the new value, and the
// places those parties can read never get it.
const FieldCutOff = "cut_off"

// FieldNoReplacement is a detail that says nothing replaces a credential
// (parties.yaml no_replacement): it is killed and never issued again.
const FieldNoReplacement = "no_replacement"

//go:embed parties.yaml
var partiesYAML []byte

// partyLexicon is parties.yaml, compiled.
type partyLexicon struct {
	CutOff        []string `yaml:"cut_off"`
	Pronouns      []string `yaml:"pronouns"`
	NoReplacement []string `yaml:"no_replacement"`
	cutOff        *phrases
	noReplacement *phrases
}

var (
	partyOnce sync.Once
	partyLex  *partyLexicon
	partyErr  error
)

func cutOffWords() *partyLexicon {
	partyOnce.Do(func() {
		l := &partyLexicon{}
		if err := yaml.NewDecoder(bytes.NewReader(partiesYAML), yaml.Strict()).Decode(l); err != nil {
			partyErr = fmt.Errorf("intake: parties.yaml: %w", err)
			return
		}
		for _, w := range append(append(append([]string{}, l.CutOff...), l.Pronouns...), l.NoReplacement...) {
			if w != strings.ToLower(w) || strings.TrimSpace(w) == "" {
				partyErr = fmt.Errorf("intake: parties.yaml: %q must be lower case and not empty", w)
				return
			}
		}
		l.cutOff = compilePhrases(l.CutOff, "cut_off", nil)
		l.noReplacement = compilePhrases(l.NoReplacement, "no_replacement", nil)
		partyLex = l
	})
	if partyErr != nil {
		panic(partyErr)
	}
	return partyLex
}

// cutOffDirectives read a sentence that says a consumer or a party must
// never get the new value.
func (rd *reader) cutOffDirectives(p *parsedText, from, to, secret int) []Directive {
	lex := cutOffWords()
	m := lex.cutOff.find(p.toks, from, to)
	if len(m) == 0 {
		return nil
	}
	consumers, parties := rd.consumersByWord(p, from, m[0].from)
	if len(consumers) == 0 && len(parties) == 0 {
		// "They do not get any of the new values": the party that opens
		// the sentence before ("Pixelforge's access ... was removed").
		if from < to && runbook.OneOf(lex.Pronouns, p.toks[from].low) {
			for _, c := range p.clauses {
				if c[1] <= from && c[0] < c[1] {
					if w := properNoun(p.toks[c[0]].text); w != "" {
						parties = []string{w}
					}
				}
			}
		}
		for _, w := range parties {
			consumers = append(consumers, rd.consumersWithWord(w)...)
		}
	}
	if len(consumers) == 0 && len(parties) == 0 {
		return nil
	}
	scope := Scope{All: secret < 0, Secrets: []int{}, Words: append(append([]string{}, consumers...), parties...), Consumers: consumers}
	if secret >= 0 {
		scope.Secrets = []int{secret}
	}
	return []Directive{{Kind: KindDetail, Field: FieldCutOff, Value: strings.Join(append(append([]string{}, parties...), consumers...), ", "),
		Values: parties, Scope: scope, Evidence: evidence(m[:1])}}
}

// noReplacementDirectives read a sentence that says nothing replaces a
// credential: a note's secret, or the secrets a constraint names (never
// every secret).
func (rd *reader) noReplacementDirectives(p *parsedText, from, to, secret int) []Directive {
	m := cutOffWords().noReplacement.find(p.toks, from, to)
	if len(m) == 0 {
		return nil
	}
	scope := rd.clauseScope(p, from, to, secret)
	if scope.All || len(scope.Secrets) == 0 {
		return nil
	}
	// "The CircleCI use goes away with CircleCI" on a key fluent-bit still
	// reads: what goes away is one consumer's use, not the credential
	// (review17-cold6 row 57: the key was revoked with no replacement and
	// fluent-bit dropped). The consumers the words before it name are cut
	// off; the others keep getting the new value.
	if secret >= 0 && secret < len(rd.targets) {
		named, _ := rd.consumersByWord(p, from, m[0].from)
		all := rd.targets[secret].Consumers
		var cut []string
		for _, c := range named {
			if runbook.OneOf(all, c) {
				cut = append(cut, c)
			}
		}
		if len(cut) > 0 && len(cut) < len(all) {
			return []Directive{{Kind: KindDetail, Field: FieldCutOff, Value: strings.Join(cut, ", "), Values: []string{},
				Scope: Scope{Secrets: []int{secret}, Words: cut, Consumers: cut}, Evidence: evidence(m[:1])}}
		}
	}
	return []Directive{{Kind: KindDetail, Field: FieldNoReplacement, Value: m[0].p.text, Scope: scope, Evidence: evidence(m[:1])}}
}

// consumersByWord are the consumers a range names by their whole name or
// by a distinctive word of it (longer than four letters, not a generic
// part such as "service" or "deploy"), and the distinctive words it named
// them by that are proper nouns (a party: "Pixelforge").
func (rd *reader) consumersByWord(p *parsedText, from, to int) (consumers, parties []string) {
	for _, m := range rd.consumerMentions(p, from, to) {
		consumers = appendUnique(consumers, m.name)
	}
	for _, t := range rd.targets {
		for _, c := range t.Consumers {
			for _, w := range distinctiveWords(rd, c) {
				for i := from; i < to; i++ {
					if strings.TrimSuffix(p.toks[i].low, "'s") == w {
						consumers = appendUnique(consumers, c)
						if pn := properNoun(p.toks[i].text); pn != "" {
							parties = appendUnique(parties, pn)
						}
					}
				}
			}
		}
	}
	return consumers, parties
}

// consumersWithWord are the consumers one of whose distinctive words is w.
func (rd *reader) consumersWithWord(w string) []string {
	var out []string
	for _, t := range rd.targets {
		for _, c := range t.Consumers {
			if runbook.OneOf(distinctiveWords(rd, c), strings.ToLower(w)) {
				out = appendUnique(out, c)
			}
		}
	}
	return out
}

// distinctiveWords are the words of a consumer's name that name it alone.
func distinctiveWords(rd *reader, name string) []string {
	var out []string
	for _, w := range strings.Fields(strings.ToLower(name)) {
		w = strings.Trim(w, "()'\",.")
		if len(w) > 4 && !runbook.OneOf(rd.lex.Scopes.GenericParts, w) {
			out = append(out, w)
		}
	}
	return out
}

// properNoun is a capitalised word without its possessive ("Pixelforge's"
// is "Pixelforge"), or "" for any other word.
func properNoun(w string) string {
	w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
	if w == "" || !unicode.IsUpper([]rune(w)[0]) || strings.ToUpper(w) == w && len(w) <= 3 {
		return ""
	}
	for _, r := range w {
		if !unicode.IsLetter(r) && r != '-' {
			return ""
		}
	}
	return w
}
