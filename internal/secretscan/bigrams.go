package secretscan

import (
	"bufio"
	_ "embed"
	"fmt"
	"strings"
)

// bigrams.txt lists, for each letter, the letters that follow it inside the
// words of rotor's own English (README, prompts, the provider catalogue):
// the pairs words and names are made of. Random letters have many pairs no
// word has (qk, zx, vh). TestBigramTable writes it with -update.
//
//go:embed bigrams.txt
var bigramsFile string

// bigramTable holds, for each letter, a bit per letter that may follow it.
type bigramTable [26]uint32

func parseBigrams(text string) (bigramTable, error) {
	var t bigramTable
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		first, next, ok := strings.Cut(line, ":")
		if !ok || len(first) != 1 || first[0] < 'a' || first[0] > 'z' {
			return t, fmt.Errorf("bigrams.txt:%d: want 'x: letters'", n)
		}
		for _, c := range strings.TrimSpace(next) {
			if c < 'a' || c > 'z' {
				return t, fmt.Errorf("bigrams.txt:%d: %q is not a small letter", n, c)
			}
			t[first[0]-'a'] |= 1 << (c - 'a')
		}
	}
	return t, sc.Err()
}

// unseen counts the pairs of letters in w that are not in the table.
func (t *bigramTable) unseen(w string) int {
	n := 0
	for i := 1; i < len(w); i++ {
		a, b := lowerByte(w[i-1])-'a', lowerByte(w[i])-'a'
		if a < 26 && b < 26 && t[a]&(1<<b) == 0 {
			n++
		}
	}
	return n
}

// countBigrams counts the letter pairs inside the words of text (camel case
// cut into its words, case folded).
func countBigrams(text string, counts *[26][26]int) {
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }) {
		for _, w := range camelWords(f) {
			for i := 1; i < len(w); i++ {
				counts[lowerByte(w[i-1])-'a'][lowerByte(w[i])-'a']++
			}
		}
	}
}

// formatBigrams writes the pairs seen at least least times.
func formatBigrams(counts *[26][26]int, least int, header string) string {
	var b strings.Builder
	b.WriteString(header)
	for a := range 26 {
		b.WriteByte(byte('a' + a))
		b.WriteString(":")
		sep := " "
		for c := range 26 {
			if counts[a][c] >= least {
				b.WriteString(sep)
				sep = ""
				b.WriteByte(byte('a' + c))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
