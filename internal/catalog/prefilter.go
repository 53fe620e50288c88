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

// needleGroups are the needles of each part of a pattern that requires
// one: a match holds one needle of every group. A text missing every
// needle of some group cannot match; this filters better than needles,
// which keeps one group ("\bnpm (token|whoami|publish|login|access)\b"
// keeps login, access, ...: every text saying "access" passed).
func needleGroups(pattern string) [][]string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil
	}
	re = re.Simplify()
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpConcat {
		if lits := literalsOf(re); len(lits) > 0 {
			return [][]string{lits}
		}
		return nil
	}
	var out [][]string
	for _, sub := range re.Sub {
		if lits := literalsOf(sub); len(lits) > 0 {
			out = append(out, lits)
		}
	}
	return out
}

// needleIndex finds in one pass over a text (Aho-Corasick) which patterns
// it may match: a text is matched against every product pattern and every
// side-effect pattern, and a substring search per needle cost more than
// the regular expressions it spared (BenchmarkLLMCPU's profile: mayMatch
// 6 % of rotor's CPU in LLM mode).
type needleIndex struct {
	trie *ahocorasick.Trie
	// groups are the patterns' needle groups (needleGroups), in the
	// order given; first[p] is the index of pattern p's first group among
	// all groups, and owners[k] the groups holding unique needle k.
	groups [][][]string
	first  []int
	total  int
	owners [][]int
}

func newNeedleIndex(groups [][][]string) *needleIndex {
	ix := &needleIndex{groups: groups}
	ids := map[string]int{}
	var words []string
	for _, gs := range groups {
		ix.first = append(ix.first, ix.total)
		for _, g := range gs {
			for _, n := range g {
				k, ok := ids[n]
				if !ok {
					k = len(words)
					ids[n] = k
					words = append(words, n)
					ix.owners = append(ix.owners, nil)
				}
				if o := ix.owners[k]; len(o) == 0 || o[len(o)-1] != ix.total {
					ix.owners[k] = append(o, ix.total)
				}
			}
			ix.total++
		}
	}
	ix.trie = ahocorasick.NewTrieBuilder().AddStrings(words).Build()
	return ix
}

// candidates says, per pattern, whether a text (lowerASCII: lower-cased,
// ASCII only) may match it: it holds a needle of each of its groups.
func (ix *needleIndex) candidates(lowerASCII string) []bool {
	hit := make([]bool, ix.total)
	for p, gs := range ix.groups {
		for g, set := range gs {
			// The empty needle is in every text.
			hit[ix.first[p]+g] = slices.Contains(set, "")
		}
	}
	ix.trie.Walk([]byte(lowerASCII), func(_, _, k int64) bool {
		for _, g := range ix.owners[k] {
			hit[g] = true
		}
		return true
	})
	out := make([]bool, len(ix.groups))
	for p, gs := range ix.groups {
		out[p] = true
		for g := range gs {
			if !hit[ix.first[p]+g] {
				out[p] = false
				break
			}
		}
	}
	return out
}
