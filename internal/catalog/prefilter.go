package catalog

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"

	ahocorasick "github.com/BobuSumisu/aho-corasick"
)

// needles are literals (lower case) one of which any match of a pattern
// contains; nil when the pattern requires none. A text holding none of them
// cannot match, which lets ProductsIn skip most regular expressions with a
// substring search.
func needles(pattern string) []string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	return literalsOf(re.Simplify())
}

func literalsOf(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{strings.ToLower(string(re.Rune))}
	case syntax.OpCapture, syntax.OpPlus:
		return literalsOf(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return literalsOf(re.Sub[0])
		}
	case syntax.OpConcat:
		// Any one required part will do: the one whose shortest literal
		// is longest filters best.
		var best []string
		bestLen := 0
		for _, sub := range re.Sub {
			lits := literalsOf(sub)
			if len(lits) == 0 {
				continue
			}
			shortest := len(lits[0])
			for _, l := range lits {
				shortest = min(shortest, len(l))
			}
			if shortest > bestLen {
				best, bestLen = lits, shortest
			}
		}
		return best
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			lits := literalsOf(sub)
			if len(lits) == 0 {
				return nil
			}
			out = append(out, lits...)
		}
		return out
	}
	return nil
}

// mayMatch reports whether a text (lowerASCII: lower-cased, ASCII only) may
// match a pattern with those needles.
func mayMatch(lowerASCII string, needles []string) bool {
	if needles == nil {
		return true
	}
	for _, n := range needles {
		if strings.Contains(lowerASCII, n) {
			return true
		}
	}
	return false
}

// asciiLower lower-cases an ASCII text; ok is false for any other text
// (Unicode case folding is the regular expressions' business).
func asciiLower(text string) (string, bool) {
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			return "", false
		}
	}
	return strings.ToLower(text), true
}

// needleIndex finds in one pass over a text (Aho-Corasick) which of many
// patterns' needles it holds: a text is matched against every product
// pattern and every side-effect pattern, and a substring search per needle
// cost more than the regular expressions it spared (BenchmarkLLMCPU's
// profile: mayMatch 6 % of rotor's CPU in LLM mode).
type needleIndex struct {
	trie *ahocorasick.Trie
	// sets are the patterns' needles, in the order given; owners[k] are
	// the patterns holding unique needle k.
	sets   [][]string
	owners [][]int
}

func newNeedleIndex(sets [][]string) *needleIndex {
	ix := &needleIndex{sets: sets}
	ids := map[string]int{}
	var words []string
	for p, set := range sets {
		for _, n := range set {
			k, ok := ids[n]
			if !ok {
				k = len(words)
				ids[n] = k
				words = append(words, n)
				ix.owners = append(ix.owners, nil)
			}
			ix.owners[k] = append(ix.owners[k], p)
		}
	}
	ix.trie = ahocorasick.NewTrieBuilder().AddStrings(words).Build()
	return ix
}

// candidates says, per pattern, whether a text (lowerASCII: lower-cased,
// ASCII only) may match it: mayMatch(lowerASCII, sets[p]) for every p.
func (ix *needleIndex) candidates(lowerASCII string) []bool {
	out := make([]bool, len(ix.sets))
	for p, set := range ix.sets {
		// No needle, or the empty one: every text may match.
		out[p] = set == nil || slices.Contains(set, "")
	}
	ix.trie.Walk([]byte(lowerASCII), func(_, _, k int64) bool {
		for _, p := range ix.owners[k] {
			out[p] = true
		}
		return true
	})
	return out
}
