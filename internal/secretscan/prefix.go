package secretscan

import (
	"bufio"
	_ "embed"
	"fmt"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/zricethezav/gitleaks/v8/config"
)

// The prefix rule. gitleaks' rules match each vendor's format exactly: its
// length and alphabet today. A key of an older format, a truncated one or a
// future one gets past them, though its prefix says what it is. This rule
// refuses a token that starts with a known credential prefix and goes on
// with a random-looking body of at least 16 characters, whatever its length.
//
// The prefixes are data: the literal start of every gitleaks rule whose
// expression begins with one (read from the rule's parsed expression, so a
// rule gitleaks adds is known without a change here), plus prefixes.txt for
// the vendors gitleaks misses and the derived prefixes that are no
// credential's (a command name, a hash's possible start).

const rulePrefix = "credential-prefix"

//go:embed prefixes.txt
var prefixesFile string

// credPrefix is one known credential prefix.
type credPrefix struct {
	// text is the prefix, in lower case when fold is set.
	text string
	// fold: the vendor's expression ignores case (NPM_, GLC_).
	fold bool
	// source is the gitleaks rule it was read from, or the vendor named
	// in prefixes.txt.
	source string
	// minBody is the shortest body refused after it.
	minBody int
	// hex: the vendor's body is hexadecimal (Mailgun's key- keys), so the
	// body read is the run of hexadecimal digits after the prefix. Words
	// glued by a hyphen ("signing-key-kx-prod-bq", an id made from a name)
	// are no body.
	hex bool
}

// minBody is the shortest random body the rule refuses after a prefix: at
// 16 characters a random body of any credential alphabet is told from words
// and identifiers (see randomBody); shorter ones would be guesses.
const minBody = 16

// prefixIndex finds known prefixes at the start of tokens.
type prefixIndex struct {
	// byFirst holds the prefixes by their first byte (lower-cased), the
	// longest first, so a token is tried against a few.
	byFirst [256][]credPrefix
	// second has a bit for each byte that follows a first byte in some
	// prefix: most word starts are ruled out by two bytes.
	second [256][4]uint64
	all    []credPrefix
	// pairs are the letter pairs of words (bigrams.txt).
	pairs bigramTable
}

// prefixData is prefixes.txt read: prefixes to add, derived ones to drop.
type prefixData struct {
	add  []credPrefix
	drop map[string]string // prefix -> reason
}

func parsePrefixData(text string) (prefixData, error) {
	d := prefixData{drop: map[string]string{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			return d, fmt.Errorf("prefixes.txt:%d: want 'add|drop PREFIX SOURCE-OR-REASON...'", n)
		}
		switch f[0] {
		case "add":
			p := credPrefix{text: f[1], source: f[2], minBody: minBody}
			for _, opt := range f[3:] {
				if opt == "hex" {
					p.hex = true
					continue
				}
				if v, ok := strings.CutPrefix(opt, "min="); ok {
					m, err := strconv.Atoi(v)
					if err != nil || m < minBody {
						return d, fmt.Errorf("prefixes.txt:%d: min must be a number of at least %d", n, minBody)
					}
					p.minBody = m
					continue
				}
				return d, fmt.Errorf("prefixes.txt:%d: unknown option %q (want min=N or hex)", n, opt)
			}
			d.add = append(d.add, p)
		case "drop":
			d.drop[f[1]] = strings.Join(f[2:], " ")
		default:
			return d, fmt.Errorf("prefixes.txt:%d: %q is neither add nor drop", n, f[0])
		}
	}
	return d, sc.Err()
}

// buildPrefixes derives the prefixes of a gitleaks config and applies
// prefixes.txt.
func buildPrefixes(cfg config.Config, data, bigrams string) (*prefixIndex, error) {
	d, err := parsePrefixData(data)
	if err != nil {
		return nil, fmt.Errorf("secretscan: %w", err)
	}
	pairs, err := parseBigrams(bigrams)
	if err != nil {
		return nil, fmt.Errorf("secretscan: %w", err)
	}
	seen := map[string]bool{}
	idx := &prefixIndex{pairs: pairs}
	add := func(p credPrefix) {
		key := p.text
		if p.fold {
			key = strings.ToLower(key)
		}
		if seen[key] || seen[strings.ToLower(key)] {
			return
		}
		if _, dropped := d.drop[p.text]; dropped {
			return
		}
		seen[key] = true
		idx.all = append(idx.all, p)
	}
	for _, id := range cfg.OrderedRules {
		r := cfg.Rules[id]
		if r.Regex == nil {
			continue
		}
		lits, err := regexPrefixes(r.Regex.String())
		if err != nil {
			return nil, fmt.Errorf("secretscan: rule %s: %w", id, err)
		}
		for _, l := range lits {
			if usablePrefix(l.text) {
				add(credPrefix{text: l.text, fold: l.fold, source: id, minBody: minBody})
			}
		}
	}
	for _, p := range d.add {
		add(p)
	}
	for _, p := range idx.all {
		c := lowerByte(p.text[0])
		idx.byFirst[c] = append(idx.byFirst[c], p)
		for _, d := range []byte{p.text[1], lowerByte(p.text[1]), upperByte(p.text[1])} {
			idx.second[c][d/64] |= 1 << (d % 64)
		}
	}
	for i := range idx.byFirst {
		sort.SliceStable(idx.byFirst[i], func(a, b int) bool { return len(idx.byFirst[i][a].text) > len(idx.byFirst[i][b].text) })
	}
	sort.Slice(idx.all, func(a, b int) bool { return idx.all[a].text < idx.all[b].text })
	return idx, nil
}

// usablePrefix keeps the prefixes that say "credential" on their own: made
// of token characters, starting with a letter or digit, with a letter, and
// either three characters or more or two with a separator ("s."). A prefix
// of hexadecimal digits only is not one: a hash or a UUID can start with it.
func usablePrefix(p string) bool {
	if len(p) < 2 || !isAlnum(p[0]) {
		return false
	}
	letter, sep, hex := false, false, true
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
		case strings.IndexByte("_-.~", c) >= 0:
			sep = true
		default:
			return false
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			hex = false
		}
	}
	return letter && !hex && (len(p) >= 3 || sep)
}

func upperByte(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// literal is a literal start of an expression.
type literal struct {
	text string
	fold bool
}

// regexPrefixes returns the literal strings matches of expr can start
// with, after any zero-width assertion: "ghp_" for ghp_[0-9a-zA-Z]{36};
// "AKIA", "ASIA"... for A(?:KIA|SIA|...)[A-Z2-7]{16}; "sk-", "sk-proj-"...
// for OpenAI's. An expression that can start with anything gives none.
func regexPrefixes(expr string) ([]literal, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, err
	}
	var out []literal
	for _, s := range starts(re) {
		if s.text != "" {
			out = append(out, literal{text: s.text, fold: s.fold})
		}
	}
	return out, nil
}

// start is one literal start of an expression; whole says the expression
// is exactly that literal, so what follows it extends it.
type start struct {
	text  string
	fold  bool
	whole bool
}

// maxStarts bounds the literal starts of one expression (alternations
// multiply them).
const maxStarts = 64

func starts(re *syntax.Regexp) []start {
	none := []start{{}}
	switch re.Op {
	case syntax.OpLiteral:
		fold := re.Flags&syntax.FoldCase != 0
		s := string(re.Rune)
		if fold {
			s = strings.ToLower(s)
		}
		return []start{{text: s, fold: fold, whole: true}}
	case syntax.OpCharClass:
		// A few characters (xox[pe], gh[su]_) are spelled out.
		var out []start
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if r > unicode.MaxASCII || len(out) >= 4 {
					return none
				}
				out = append(out, start{text: string(r), whole: true})
			}
		}
		if len(out) == 0 {
			return none
		}
		return out
	case syntax.OpCapture:
		return starts(re.Sub[0])
	case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpEmptyMatch:
		return []start{{whole: true}}
	case syntax.OpAlternate:
		var out []start
		for _, sub := range re.Sub {
			out = append(out, starts(sub)...)
			if len(out) > maxStarts {
				return none
			}
		}
		return out
	case syntax.OpConcat:
		cur := []start{{whole: true}}
		for _, sub := range re.Sub {
			var next []start
			extended := false
			for _, c := range cur {
				if !c.whole {
					next = append(next, c)
					continue
				}
				extended = true
				for _, s := range starts(sub) {
					next = append(next, start{text: c.text + s.text, fold: c.fold || s.fold, whole: s.whole})
				}
			}
			if len(next) > maxStarts {
				return none
			}
			cur = next
			if !extended {
				break
			}
		}
		return cur
	case syntax.OpPlus:
		// At least one: its starts, then anything.
		var out []start
		for _, s := range starts(re.Sub[0]) {
			out = append(out, start{text: s.text, fold: s.fold})
		}
		return out
	case syntax.OpRepeat:
		if re.Min >= 1 {
			var out []start
			for _, s := range starts(re.Sub[0]) {
				out = append(out, start{text: s.text, fold: s.fold, whole: s.whole && re.Min == 1 && re.Max == 1})
			}
			return out
		}
	}
	return none
}

// each calls f for every known prefix at the start of a token in text,
// the longest first where several start there (glrt-t and glrt-), with the
// body after it, until f returns false.
func (x *prefixIndex) each(text string, f func(at int, p credPrefix, body string) bool) {
	for i := 0; i+3 <= len(text); i++ {
		c, d := lowerByte(text[i]), text[i+1]
		if x.second[c][d/64]&(1<<(d%64)) == 0 || (i > 0 && isAlnum(text[i-1])) {
			continue
		}
		cands := x.byFirst[c]
		for _, p := range cands {
			if len(text)-i < len(p.text) || !hasPrefix(text[i:], p) {
				continue
			}
			b := body(text[i+len(p.text):])
			if p.hex {
				b = hexRun(b)
			}
			if !f(i, p, b) {
				return
			}
		}
	}
}

// find reports the first known prefix at the start of a token in text
// followed by a random body. Skipped are the tokens that start with one of
// settled: a variant of a text (words glued across spaces, a token cut out
// of its punctuation) repeats the tokens the text has as written, maybe with
// words glued on, and those were judged as written.
func (x *prefixIndex) find(text string, settled *settledTokens) (credPrefix, bool) {
	var hit credPrefix
	found := false
	x.each(text, func(at int, p credPrefix, b string) bool {
		if !x.randomBody(b, p.minBody) {
			return true
		}
		n := settledLen(text[at:], settled.get())
		if n == 0 {
			hit, found = p, true
			return false
		}
		// Words glued after a settled token: what follows it is read as
		// a token of its own ("NPM_TOKEN npm_Ab12 Cd34..." glued is
		// NPM_TOKENnpm_Ab12Cd34...: the npm_ token is judged).
		if end := at + len(p.text) + len(b); at+n < end {
			if h, ok := x.find(text[at+n:end], settled); ok {
				hit, found = h, true
				return false
			}
		}
		return true
	})
	return hit, found
}

// settledLen is the length of the longest settled token s starts with, or 0.
func settledLen(s string, settled []string) int {
	n := 0
	for _, t := range settled {
		if len(t) > n && strings.HasPrefix(s, t) {
			n = len(t)
		}
	}
	return n
}

// settledTokens are the settled tokens of a text, listed when first asked
// for: most texts never need them (nothing random follows a prefix).
type settledTokens struct {
	x    *prefixIndex
	text string
	done bool
	list []string
}

// settled returns the settled tokens of text, listed on demand.
func (x *prefixIndex) settled(text string) *settledTokens { return &settledTokens{x: x, text: text} }

func (t *settledTokens) get() []string {
	if t == nil {
		return nil
	}
	if !t.done {
		t.list, t.done = t.x.written(t.text), true
	}
	return t.list
}

// written lists the settled tokens of a text as written: a prefix with a
// body long enough to judge that was judged not random, or a prefix
// named in prose (followed by punctuation, "the sk- prefix."). A fragment
// (the first piece of a key split by spaces) is not settled: its variants
// join it to the rest.
func (x *prefixIndex) written(text string) []string {
	var out []string
	last := -1
	x.each(text, func(at int, p credPrefix, b string) bool {
		if at == last {
			return true // the longest prefix there was judged
		}
		last = at
		end := at + len(p.text) + len(b)
		named := b == "" && end < len(text) && strings.IndexByte(".,;:!?)", text[end]) >= 0 &&
			(end+1 == len(text) || text[end+1] == ' ' || text[end+1] == '\n')
		// A repeated pattern is left out: tests build keys so, and the
		// exact rules judge their variants (see notSecret).
		if named || envName(text[at:end]) && x.wordy(b) || len(b) >= minBody && (filler(b) || entropy(b) < bodyEntropy(len(b)) || x.wordy(b)) {
			out = append(out, text[at:end])
		}
		return true
	})
	return out
}

// envName reports an environment variable's name written in capitals
// (NPM_TOKEN, NPM_AUTH_TOKEN, GLPAT_FILE): a prefix in capitals, as no
// vendor writes its tokens, then capitals, digits and underscores. It is
// settled as written, so the words a variant glues after it ("NPM_TOKEN in
// CircleCI." read as NPM_TOKENinCircleCI.) are not read as its body.
func envName(tok string) bool {
	letter := false
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		switch {
		case c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '_':
		default:
			return false
		}
	}
	return letter && strings.IndexByte(tok, '_') > 0
}

// notSecret reports whether a value an exact rule found is, after a known
// prefix, a placeholder or a name: the judgment of the prefix rule applied
// to the exact rules' findings, more strictly, since their formats are
// random by construction. A name needs words between separators
// (rollout-billing-v2-enabled); a repeated pattern is left to the rules
// (tests build their keys so).
func (x *prefixIndex) notSecret(v string) bool {
	if v == "" {
		return false
	}
	for _, p := range x.byFirst[lowerByte(v[0])] {
		if len(v) >= len(p.text) && hasPrefix(v, p) {
			b := v[len(p.text):]
			return len(b) >= minBody && (filler(b) || x.wordy(b) && separatedWords(b) >= 2)
		}
	}
	return false
}

// separatedWords counts the parts between separators that are words of
// four letters or more.
func separatedWords(b string) int {
	n := 0
	for _, p := range strings.FieldsFunc(b, func(r rune) bool { return strings.ContainsRune("_-.+/=~", r) }) {
		if len(p) >= 4 && lettersOnly(p) {
			n++
		}
	}
	return n
}

func hasPrefix(s string, p credPrefix) bool {
	if p.fold {
		return strings.EqualFold(s[:len(p.text)], p.text)
	}
	return strings.HasPrefix(s, p.text)
}

// bodyByte is a character of a credential's body: base64 (standard and
// URL-safe) and the separators of structured tokens.
func bodyByte(c byte) bool { return isAlnum(c) || strings.IndexByte("_-.+/=~", c) >= 0 }

// hexRun is the run of hexadecimal digits s starts with.
func hexRun(s string) string {
	n := 0
	for n < len(s) && (s[n] >= '0' && s[n] <= '9' || s[n] >= 'a' && s[n] <= 'f' || s[n] >= 'A' && s[n] <= 'F') {
		n++
	}
	return s[:n]
}

// maxBody bounds the body read (the longest formats are about 250).
const maxBody = 512

// body is the run of body characters s starts with, without the
// punctuation that ends a sentence after it.
func body(s string) string {
	n := 0
	for n < len(s) && n < maxBody && bodyByte(s[n]) {
		n++
	}
	return strings.TrimRight(s[:n], ".")
}

// bodyEntropy is the least Shannon entropy (bits per character) of a body
// of n characters the rule refuses: 2.1 bits at 16 characters, rising to
// 2.8 at 32 and more, as a random body's entropy rises with its length.
// Calibrated by TestPrefixEntropyCalibration: above the low-variety fillers
// of the benign corpus (AKIA1212121234343434 has 2.0 bits,
// ghp_aabbaabbccdd... 2.6), below all but at most one in a thousand random
// bodies of the least varied alphabet (hexadecimal) at every length.
func bodyEntropy(n int) float64 {
	return 2.1 + 0.7*float64(min(max(n-16, 0), 16))/16
}

// randomBody reports whether a body after a known prefix is random: long
// enough, no placeholder, varied (entropy), and not made of words.
func (x *prefixIndex) randomBody(b string, least int) bool {
	if len(b) < least || placeholderBody(b) || entropy(b) < bodyEntropy(len(b)) {
		return false
	}
	return !x.wordy(b)
}

// placeholderBody reports the fillers of documentation: XXXX, EXAMPLE,
// your_key, a piece that is a placeholder word, a character seven times in a
// row or blocks of one (AAAABBBBCCCC), a run of eight of the alphabet or of
// digits or runs of them (abcd1234abcd), a pattern repeated
// (deadbeefdeadbeef).
func placeholderBody(b string) bool { return filler(b) || periodic(strings.ToLower(b)) }

// filler is placeholderBody but for the repeated pattern.
func filler(b string) bool {
	l := strings.ToLower(b)
	if x := strings.Count(l, "x"); x*2 >= len(b) || x*4 >= len(b) && (strings.Contains(b, "xxxx") || strings.Contains(b, "XXXX")) {
		return true
	}
	// Written in one case or capitalised, as people write them: anywhere
	// for the long words, first for the short ones.
	cased := func(w string) []string { return []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]} }
	for _, w := range []string{"example", "redacted", "placeholder", "changeme", "secret", "sample", "dummy", "replace"} {
		for _, c := range cased(w) {
			if strings.Contains(b, c) {
				return true
			}
		}
	}
	for _, w := range []string{"your", "fake", "test", "demo"} {
		for _, c := range cased(w) {
			if strings.HasPrefix(b, c) {
				return true
			}
		}
	}
	same, up, inRuns, inSteps := 1, 1, 0, 0
	for i := 1; i <= len(b); i++ {
		if (i == len(b) || b[i] != b[i-1]) && same >= 3 {
			inRuns += same
		}
		if (i == len(b) || !(isAlnum(b[i]) && b[i] == b[i-1]+1)) && up >= 4 {
			inSteps += up
		}
		if i == len(b) {
			break
		}
		if b[i] == b[i-1] {
			same++
		} else {
			same = 1
		}
		if isAlnum(b[i]) && b[i] == b[i-1]+1 {
			up++
		} else {
			up = 1
		}
		if same >= 7 || up >= 8 {
			return true
		}
	}
	// Blocks of one character (AAAABBBBCCCC), runs of the alphabet or of
	// digits (abcdef123456).
	return inRuns*2 >= len(b) || inSteps*2 >= len(b)
}

// periodic reports a string that repeats one shorter unit (abcabcab).
func periodic(s string) bool {
	for p := 1; p <= len(s)/2; p++ {
		if s[p:] == s[:len(s)-p] {
			return true
		}
	}
	return false
}

// wordy reports whether a body is a name made of words and short numbers
// (billing-api-key-v2, ProdBillingKey2024, NPM_CONFIG_REGISTRY) rather
// than random characters: every part between separators is a word or
// camel-case words, maybe with a number of at most four digits after it,
// or a short piece (v2, eu1, 2024). A random body of 16 characters or more
// has a part that is none of these: letters and digits mixed, cases mixed,
// or letters no one can say.
func (x *prefixIndex) wordy(b string) bool {
	named, alnum, unseen := 0, 0, 0
	for _, p := range strings.FieldsFunc(b, func(r rune) bool { return strings.ContainsRune("_-.+/=~", r) }) {
		if !namePart(p) {
			return false
		}
		alnum += len(p)
		if len(p) >= 4 {
			named += len(p)
		}
		for _, w := range nameWords(strings.TrimRight(p, "0123456789")) {
			unseen += x.pairs.unseen(w)
		}
	}
	// Mostly words, not a run of short random pieces between separators,
	// and words' letter pairs: a name may have one pair rotor's English
	// lacks (nginx), random letters have several.
	return named*2 >= alnum && unseen <= 1
}

// maxWord is the longest run of letters in one case read as a word (or a
// few run together): English words are shorter (responsibilities is 16).
const maxWord = 20

// maxCapitals is the longest run of capitals read as a word.
const maxCapitals = 12

// maxCamel is the most words a camel-case name is read as.
const maxCamel = 4

// namePart reports whether a part between separators is a word, a name or
// a short number.
func namePart(p string) bool {
	if len(p) <= 3 {
		return true
	}
	// A number after the words (billing2024, worker02), or a number alone.
	end := len(p)
	for end > 0 && p[end-1] >= '0' && p[end-1] <= '9' {
		end--
	}
	if end == 0 {
		return len(p) <= 8 // a date or a version, not a long id
	}
	if len(p)-end > 4 {
		return false
	}
	letters := p[:end]
	for i := 0; i < len(letters); i++ {
		if !(letters[i] >= 'a' && letters[i] <= 'z' || letters[i] >= 'A' && letters[i] <= 'Z') {
			return false
		}
	}
	if len(letters) > 1 && strings.ToUpper(letters) == letters {
		// Capitals: an environment variable's short words
		// (NPM_CONFIG_REGISTRY); random capitals (base32, AWS) are
		// longer or unsayable.
		return len(letters) <= maxCapitals && sayableStrict(letters)
	}
	if strings.ToLower(letters[1:]) == letters[1:] {
		// One word, or words run together.
		return len(letters) <= maxWord && sayable(letters)
	}
	// camelCase or PascalCase: a few words, each a capital and small
	// letters.
	words := camelWords(letters)
	if len(words) > maxCamel {
		return false
	}
	for _, w := range words {
		if len(w) < 3 || len(w) > maxWord || !sayable(w) {
			return false
		}
	}
	return true
}

// nameWords cuts a name's letters into words: camel case before each
// capital, one case (or capitalised) as one run.
func nameWords(letters string) []string {
	if letters == "" || strings.ToUpper(letters) == letters || strings.ToLower(letters[1:]) == letters[1:] {
		return []string{letters}
	}
	return camelWords(letters)
}

// camelWords cuts letters before each capital.
func camelWords(s string) []string {
	var out []string
	start := 0
	for i := 1; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			out = append(out, s[start:i])
			start = i
		}
	}
	return append(out, s[start:])
}

// sayable reports letters that read like words: vowels (y counted) in at
// least a fifth of them (passwords; a third beyond 12 letters: authentication,
// infrastructure), never more than four consonant sounds
// in a row (clickstream: ck, s, t, r; a digraph ch, ck, gh, ph, sh, th, wh
// is one) or three vowels. Random letters often are not; the letter pairs
// (bigrams.txt) tell the rest.
func sayable(w string) bool { return sayableWithin(w, 4) }

// sayableStrict allows three consonants in a row, not four.
func sayableStrict(w string) bool { return sayableWithin(w, 3) }

func sayableWithin(w string, most int) bool {
	vowels, cons, vows := 0, 0, 0
	for i := 0; i < len(w); i++ {
		c := lowerByte(w[i])
		switch c {
		case 'a', 'e', 'i', 'o', 'u', 'y':
			vowels++
			cons = 0
			if vows++; vows > 3 {
				return false
			}
			continue
		}
		vows = 0
		if i > 0 && cons > 0 && (c == 'h' && strings.IndexByte("cgpstw", lowerByte(w[i-1])) >= 0 || c == 'k' && lowerByte(w[i-1]) == 'c') {
			continue // the second letter of a digraph
		}
		if cons++; cons > most {
			return false
		}
	}
	// Long words have more vowels (authentication, infrastructure).
	if len(w) > 12 {
		return vowels*3 >= len(w)
	}
	return vowels*5 >= len(w)
}
