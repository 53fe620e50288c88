package secrettest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Disguise wraps a secret the way a careless or hostile user would. Apply
// returns one text, or two when the secret is split across two fields.
type Disguise struct {
	Name  string
	Apply func(r *rand.Rand, secret string) []string
}

func one(s string) []string { return []string{s} }

// lookalikes maps Latin letters to Cyrillic and Greek letters drawn alike.
var lookalikes = map[rune][]rune{
	'a': {'а'}, 'c': {'с'}, 'e': {'е'}, 'i': {'і'}, 'o': {'о', 'ο'}, 'p': {'р'}, 's': {'ѕ'}, 'x': {'х'}, 'y': {'у'},
	'A': {'А', 'Α'}, 'B': {'В', 'Β'}, 'C': {'С'}, 'E': {'Е', 'Ε'}, 'H': {'Н', 'Η'}, 'K': {'К', 'Κ'}, 'M': {'М', 'Μ'},
	'O': {'О', 'Ο'}, 'P': {'Р', 'Ρ'}, 'T': {'Т', 'Τ'}, 'X': {'Х', 'Χ'},
}

// invisible are characters that render as nothing: zero-width space,
// non-joiner and joiner, word joiner, byte order mark, soft hyphen.
var invisible = []rune{'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad'}

// bidi are the directional controls (marks, embeddings, overrides, isolates).
var bidi = []rune{'\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u061c'}

// insert puts c inside s, after its first few characters (inside the prefix
// a rule keys on, where possible).
func insert(r *rand.Rand, s string, c rune) string {
	n := utf8.RuneCountInString(s)
	at := 2 + r.IntN(max(1, min(n-3, 6)))
	rs := []rune(s)
	return string(rs[:at]) + string(c) + string(rs[at:])
}

// confuse replaces one letter, preferring the first ones (the prefix), by
// a lookalike from another script.
func confuse(r *rand.Rand, s string) string {
	rs := []rune(s)
	for i, c := range rs {
		if alts, ok := lookalikes[c]; ok {
			rs[i] = alts[r.IntN(len(alts))]
			return string(rs)
		}
	}
	return s
}

// fullwidth writes ASCII letters and digits as their fullwidth forms, which
// NFKC folds back.
func fullwidth(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c > ' ' && c < 0x7f && c != '\n' {
			b.WriteRune(c - 0x21 + 0xff01)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func percent(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}

// spaced puts a space every few characters inside the secret: the longest
// part of s between spaces, '=', ';' and line breaks (the value of an
// assignment, the body of a PEM block, the whole of a token or URL).
func spaced(r *rand.Rand, s string) string {
	from, to, start := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || strings.IndexByte(" =;\n", s[i]) >= 0 {
			if i-start > to-from {
				from, to = start, i
			}
			start = i + 1
		}
	}
	var b strings.Builder
	step := 5 + r.IntN(4)
	for i, c := range s[from:to] {
		if i > 0 && i%step == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return s[:from] + b.String() + s[to:]
}

// Disguises lists every disguise of the corpus.
func Disguises() []Disguise {
	d := func(name string, apply func(r *rand.Rand, s string) []string) Disguise {
		return Disguise{Name: name, Apply: apply}
	}
	return []Disguise{
		d("plain", func(_ *rand.Rand, s string) []string { return one("we pasted " + s + " in the ticket") }),
		d("period", func(_ *rand.Rand, s string) []string { return one("our key is " + s + ". Rotate it today") }),
		d("period-end", func(_ *rand.Rand, s string) []string { return one("our key is " + s + ".") }),
		d("comma", func(_ *rand.Rand, s string) []string { return one("keys " + s + ", and the old one") }),
		d("parens", func(_ *rand.Rand, s string) []string { return one("the old key (" + s + ") leaked") }),
		d("colon", func(_ *rand.Rand, s string) []string { return one(s + ": leaked in CI logs") }),
		d("bang", func(_ *rand.Rand, s string) []string { return one("rotate " + s + "!") }),
		d("question", func(_ *rand.Rand, s string) []string { return one("is it " + s + "?") }),
		d("ellipsis", func(_ *rand.Rand, s string) []string { return one("the key " + s + "… was in a screenshot") }),
		d("curly-quotes", func(_ *rand.Rand, s string) []string { return one("set to “" + s + "” yesterday") }),
		d("backticks", func(_ *rand.Rand, s string) []string { return one("run with `" + s + "`") }),
		d("zero-width", func(r *rand.Rand, s string) []string {
			return one("token " + insert(r, s, invisible[r.IntN(len(invisible))]) + " here")
		}),
		d("bidi-control", func(r *rand.Rand, s string) []string {
			return one("token " + insert(r, s, bidi[r.IntN(len(bidi))]) + " here")
		}),
		d("confusable-letter", func(r *rand.Rand, s string) []string { return one("token " + confuse(r, s) + " here") }),
		d("fullwidth", func(_ *rand.Rand, s string) []string { return one("token " + fullwidth(s) + " here") }),
		d("base64", func(_ *rand.Rand, s string) []string {
			return one("encoded " + base64.StdEncoding.EncodeToString([]byte(s)) + " in the manifest")
		}),
		d("base64url", func(_ *rand.Rand, s string) []string {
			return one("encoded " + base64.RawURLEncoding.EncodeToString([]byte(s)) + " in the manifest")
		}),
		d("base64-sentence", func(_ *rand.Rand, s string) []string {
			return one("blob " + base64.StdEncoding.EncodeToString([]byte("the value is "+s+".")) + " from the chart")
		}),
		d("url-encoded", func(_ *rand.Rand, s string) []string { return one("callback?k=" + percent(s) + " logged") }),
		d("split-spaces", func(r *rand.Rand, s string) []string { return one("read it out: " + spaced(r, s) + " done") }),
		d("split-fields", func(_ *rand.Rand, s string) []string {
			h := len(s) / 2
			return []string{"first half " + s[:h], s[h:] + " is the rest"}
		}),
	}
}
