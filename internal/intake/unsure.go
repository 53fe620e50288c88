package intake

import (
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// FieldUnsure is a reading the request itself is not sure of ("It MAY still
// send password resets … Nobody has confirmed", "I think it uses
// tracking-app, but it might still be on the old 'printer' user. Ilse can
// check", "not decided"): an open item at the top that asks whoever the
// request names (Values) to confirm it, holding the steps of the secrets it
// is about (review17-cold5 P8: hedges were dropped or asked as the wrong
// question).
const FieldUnsure = "unsure"

// unsure reads the hedged sentences of a text as one detail: the words of
// the sentences that hedge, who the text names to settle it (a name right
// before "thinks", "can check", "floated", … in the sentence or the next,
// or right after "confirm with", "check with"), and the scope of the text.
func (rd *reader) unsure(p *parsedText, scope Scope) (Directive, bool) {
	c := &rd.lex.c
	hs := c.unsure.find(p.toks, 0, len(p.toks))
	if len(hs) == 0 {
		return Directive{}, false
	}
	var sents, who []string
	name := func(n string) {
		n = strings.TrimSuffix(strings.TrimSuffix(n, "'s"), "’s")
		if n != "" && !runbook.OneOf(who, n) {
			who = append(who, n)
		}
	}
	isName := func(i int) bool {
		t := p.toks[i]
		return capitalised(strings.TrimSuffix(t.text, "'s")) && !runbook.OneOf(rd.lex.Details.NotNames, t.low) && !p.sentenceStart(i)
	}
	hs = slices.DeleteFunc(hs, func(h match) bool {
		if h.p.text == "may have" && h.to < len(p.toks) && p.toks[h.to].low == "been" {
			// "environment variables may have been read by an attacker":
			// a possible exposure, which the plan treats as exposed; no
			// question (the card of ci-breach-doppler-token grew by one).
			return true
		}
		// "Notify customers if any data may have been accessed": a
		// condition, no hedge.
		from, _ := sentenceAt(p, h.from)
		for k := from; k < h.from; k++ {
			if l := p.toks[k].low; l == "if" || l == "unless" {
				return true
			}
		}
		return false
	})
	if len(hs) == 0 {
		return Directive{}, false
	}
	for _, h := range hs {
		from, to := sentenceAt(p, h.from)
		if to-from < 8 && from > 0 {
			// "Not sure that is OK - he would see the new passwords": the
			// sentence before says what.
			from, _ = sentenceAt(p, from-1)
		}
		if s := strings.TrimRight(strings.TrimSpace(quote(p, from, to)), " -–—;"); !runbook.OneOf(sents, s) {
			sents = append(sents, s)
		}
		next := to
		if next < len(p.toks) {
			_, next = sentenceAt(p, next)
		}
		for _, v := range c.askVerbs.find(p.toks, from, next) {
			if strings.HasSuffix(v.p.text, " with") {
				k := v.to
				for k < next && capitalised(p.toks[k].text) {
					k++
				}
				name(quote(p, v.to, k))
				continue
			}
			k := v.from
			for k > from && capitalised(strings.TrimSuffix(p.toks[k-1].text, "'s")) && !runbook.OneOf(rd.lex.Details.NotNames, p.toks[k-1].low) {
				k--
			}
			if k < v.from && (isName(k) || k+1 < v.from || p.sentenceStart(k) && !runbook.OneOf(rd.lex.Details.NotNames, p.toks[k].low)) {
				name(quote(p, k, v.from))
			}
		}
	}
	v := strings.Join(sents, " … ")
	return Directive{Kind: KindDetail, Field: FieldUnsure, Value: v, Values: who, Quote: v, Scope: scope, Evidence: evidence(hs), Reader: ReaderRules}, true
}

// sentenceAt is the token range of the sentence (or the part of it between
// dashes and semicolons) holding token i.
func sentenceAt(p *parsedText, i int) (int, int) {
	from, to := i, i
	for from > 0 && !p.endsSentence(from-1) {
		from--
	}
	for to < len(p.toks) && !p.endsSentence(to) {
		to++
	}
	if to < len(p.toks) {
		to++
	}
	return from, to
}

// sentenceStart reports whether token i opens a sentence (its capital may
// be no name's).
func (p *parsedText) sentenceStart(i int) bool {
	return i == 0 || p.endsSentence(i-1) || p.toks[i-1].text == ":"
}

// endsSentence reports whether token i ends a sentence or a part of one: a
// ".", "!" or "?" before a space (not the dot of "*.run.app"), a ";" or a
// dash.
func (p *parsedText) endsSentence(i int) bool {
	switch p.toks[i].text {
	case ";", "-", "–", "—", "!", "?":
		return true
	case ".":
		end := p.toks[i].to
		return end >= len(p.text) || p.text[end] == ' ' || p.text[end] == '\n'
	}
	return false
}
