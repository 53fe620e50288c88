package intake

import "strings"

// phrase is one lexicon entry compiled to the tokens it matches: a word, "*"
// for any one word, "**" for up to three, "word*" for any word it starts.
type phrase struct {
	text  string
	label string // what the entry stands for (an activity, a tool, a field)
	parts []part
}

type part struct {
	word   string
	any    bool // "*"
	gap    bool // "**"
	prefix bool // "word*"
}

// phrases is a compiled list, indexed by its first literal word.
type phrases struct {
	byFirst map[string][]*phrase
	wild    []*phrase
}

// match is a phrase found in a text: the token indexes [from, to).
type match struct {
	p        *phrase
	from, to int
}

func compilePhrases(entries []string, label string, into *phrases) *phrases {
	if into == nil {
		into = &phrases{byFirst: map[string][]*phrase{}}
	}
	for _, e := range entries {
		p := &phrase{text: e, label: label}
		toks := tokenize(e)
		for k, t := range toks {
			w := t.low
			switch {
			case w == "*" && k > 0 && toks[k-1].to == t.from:
				// "exfiltrat*": the word before is a prefix.
				p.parts[len(p.parts)-1].prefix = true
			case w == "*":
				p.parts = append(p.parts, part{any: true})
			case w == "**":
				p.parts = append(p.parts, part{gap: true})
			case strings.HasSuffix(w, "*") && len(w) > 1:
				p.parts = append(p.parts, part{word: strings.TrimSuffix(w, "*"), prefix: true})
			default:
				p.parts = append(p.parts, part{word: w})
			}
		}
		if len(p.parts) == 0 {
			continue
		}
		if first := p.parts[0]; first.any || first.gap || first.prefix {
			into.wild = append(into.wild, p)
		} else {
			into.byFirst[first.word] = append(into.byFirst[first.word], p)
		}
	}
	return into
}

// find lists the phrases found in toks[from:to], longest first at each
// start; a token may be covered by several matches.
func (ps *phrases) find(toks []token, from, to int) []match {
	if ps == nil {
		return nil
	}
	var out []match
	for i := from; i < to; i++ {
		best := -1
		var bestP *phrase
		try := func(p *phrase) {
			if end, ok := matchAt(p.parts, toks, i, to); ok && end > best {
				best, bestP = end, p
			}
		}
		for _, p := range ps.byFirst[toks[i].low] {
			try(p)
		}
		for _, p := range ps.wild {
			try(p)
		}
		if bestP != nil {
			out = append(out, match{p: bestP, from: i, to: best})
		}
	}
	return out
}

// has reports whether any phrase of the list is in toks[from:to].
func (ps *phrases) has(toks []token, from, to int) bool { return len(ps.find(toks, from, to)) > 0 }

// matchAt matches parts at toks[i:], not beyond end; it returns the index
// after the match.
func matchAt(parts []part, toks []token, i, end int) (int, bool) {
	if len(parts) == 0 {
		return i, true
	}
	p := parts[0]
	if p.gap {
		for n := 0; n <= 3 && i+n <= end; n++ {
			if e, ok := matchAt(parts[1:], toks, i+n, end); ok {
				return e, true
			}
		}
		return 0, false
	}
	if i >= end {
		return 0, false
	}
	t := toks[i]
	switch {
	case p.any:
		if t.punct() {
			return 0, false
		}
	case p.prefix:
		if !strings.HasPrefix(t.low, p.word) {
			return 0, false
		}
	case t.low != p.word:
		return 0, false
	}
	return matchAt(parts[1:], toks, i+1, end)
}
