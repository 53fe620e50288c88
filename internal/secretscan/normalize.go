package secretscan

import (
	"encoding/base64"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/unicode/norm"
)

// The normalising screen. gitleaks' rules match a token only in its plain
// form and only when whitespace, a quote, ';' or the end of the text follows
// it; a careless or hostile user gets a secret past them by ending a sentence
// with it ("our key is sk_live_… ."), by an invisible or lookalike character
// inside it, by encoding it, or by splitting it. derive() writes the
// variants of a text that undo those disguises, for the detectors to scan
// as well:
//
//   - the folded text when it has non-ASCII characters: format characters
//     (zero-width, bidi controls, soft hyphen, BOM) removed, NFKC applied
//     (fullwidth forms, ellipsis), letters of other scripts drawn like Latin
//     ones replaced by them (Unicode confusables);
//   - each token whose surroundings hid it, cut out of its punctuation;
//   - each base64 or percent-encoded token, decoded once (and its tokens);
//   - with glue: runs of token-like pieces separated by spaces, joined.
//
// Only pieces that differ from what the plain scan saw are written, so an
// ordinary text yields few or none and costs little more than before.

// fold removes invisible and directional characters, applies NFKC and maps
// lookalike letters to ASCII. ASCII text is returned as is.
func fold(text string) string {
	if isASCII(text) {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range norm.NFKC.String(stripFormat(text)) {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		if a := asciiSkeleton(r); a != "" {
			b.WriteString(a)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// stripFormat drops format characters (Unicode category Cf: zero-width
// space and joiners, bidi marks, embeddings, overrides and isolates, soft
// hyphen, BOM, word joiner) and variation selectors: they render as
// nothing, so they can sit inside a token unseen.
func stripFormat(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) {
			return -1
		}
		return r
	}, s)
}

// skeletons memoises asciiSkeleton per rune.
var skeletons sync.Map

// asciiSkeleton is the ASCII letter or digit a non-ASCII character is
// confusable with (Cyrillic р -> p, Greek Ο -> O), or "".
func asciiSkeleton(r rune) string {
	if v, ok := skeletons.Load(r); ok {
		return v.(string)
	}
	sk := confusables.Skeleton(string(r))
	out := ""
	if sk != string(r) && len(sk) == 1 && isAlnum(sk[0]) {
		out = sk
	}
	skeletons.Store(r, out)
	return out
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// tokenByte reports whether c can be part of a token: letters, digits and
// the punctuation of the formats (base64, JWT, URL-safe and prefixed keys).
func tokenByte(c byte) bool { return isAlnum(c) || strings.IndexByte("_-+/=.~", c) >= 0 }

// glueByte reports whether c may be part of a piece of a split secret
// (URLs and assignments included): any printable ASCII but quotes,
// brackets (sentence punctuation at its end is cut by trimToken).
func glueByte(c byte) bool { return c > ' ' && c < 0x7f && strings.IndexByte("\"'`()[]{}<>", c) < 0 }

// trimToken cuts the punctuation around a token: what a sentence puts
// before it (brackets, quotes) and after it (full stop, comma, colon,
// closing brackets, quotes, ellipsis).
func trimToken(s string) string {
	for len(s) > 0 && !isAlnum(s[0]) && strings.IndexByte("_-/+", s[0]) < 0 {
		_, n := utf8.DecodeRuneInString(s)
		s = s[n:]
	}
	for len(s) > 0 && !isAlnum(s[len(s)-1]) && strings.IndexByte("_/+=-@~", s[len(s)-1]) < 0 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// tokenish reports whether a piece looks like part of a machine-made value
// rather than a word: a digit, an underscore, or a capital after the first
// letter.
func tokenish(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c == '_' || (i > 0 && c >= 'A' && c <= 'Z') {
			return true
		}
	}
	return false
}

const minToken = 16

// deriver collects the variant pieces of a text, each once. Joined pieces
// go apart (joined): words glued together can read as a key and a value,
// so the assignment rule does not look at them.
type deriver struct {
	b, joined strings.Builder
	seen      map[string]bool
	// limit bounds what is written; capped says something was left out.
	limit  int
	capped bool
	// pairs are the letter pairs of words (bigrams.txt), or nil.
	pairs *bigramTable
}

// deriveLimit bounds the variants of a text of n bytes: any text, however
// made to multiply its variants, costs a bounded multiple of itself.
func deriveLimit(n int) int { return 32*n + 16<<10 }

func (d *deriver) put(b *strings.Builder, s string) {
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	if s == "" || d.seen[s] {
		return
	}
	if d.b.Len()+d.joined.Len()+len(s) > d.limit {
		d.capped = true
		return
	}
	d.seen[s] = true
	b.WriteString(s)
	b.WriteByte('\n')
}

func (d *deriver) emit(s string) { d.put(&d.b, s) }

// emitJoined keeps joined pieces long enough to be a secret.
func (d *deriver) emitJoined(s string) {
	if len(s) >= minToken {
		d.put(&d.joined, s)
	}
}

// derive writes the variants of text (see the package comment above): the
// pieces to screen with every rule, and the joined pieces for the token
// rules. glue adds the joined runs of pieces separated by spaces.
func derive(text string, glue bool, pairs *bigramTable) (pieces, joined string, capped bool) {
	d := deriver{limit: deriveLimit(len(text)), pairs: pairs}
	d.add(text, glue, true)
	return d.b.String(), d.joined.String(), d.capped
}

func (d *deriver) add(text string, glue, decode bool) {
	folded := fold(text)
	if folded != text {
		d.emit(folded)
	}
	chunks := strings.Fields(folded)
	for _, c := range chunks {
		t := trimToken(c)
		if t != c && len(t) >= minToken && tokenish(t) {
			d.emit(t)
		}
		d.innerRuns(t)
		if decode && len(t) >= minToken {
			d.decoded(t, glue)
		}
	}
	if glue {
		d.glue(chunks)
	}
}

// innerRuns emits the runs of token characters inside a piece that other
// characters (quotes, '@', ':', brackets) cut up.
func (d *deriver) innerRuns(t string) {
	start := -1
	runs := 0
	var found []string
	for i := 0; i <= len(t); i++ {
		if i < len(t) && tokenByte(t[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			runs++
			if r := strings.Trim(t[start:i], ".-~"); len(r) >= minToken && tokenish(r) {
				found = append(found, r)
			}
			start = -1
		}
	}
	if runs > 1 {
		for _, r := range found {
			d.emit(r)
		}
	}
}

// decoded emits t decoded once from base64 (standard or URL-safe, padded
// or not) or percent-encoding, when that gives printable text, and the
// tokens inside it.
func (d *deriver) decoded(t string, glue bool) {
	if strings.IndexByte(t, '%') >= 0 {
		if u, err := url.PathUnescape(t); err == nil && u != t && printable(u) {
			d.emit(u)
			d.add(u, glue, false)
		}
	}
	for i := 0; i < len(t); i++ {
		if !isAlnum(t[i]) && strings.IndexByte("+/=_-", t[i]) < 0 {
			return
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(t); err == nil && len(b) >= 8 && printable(string(b)) {
			d.emit(string(b))
			d.add(string(b), glue, false)
			return
		}
	}
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\n' && c != '\r' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

// glue joins consecutive pieces that look machine-made (a secret read out
// in groups, or cut in two), bridging up to two word-like pieces between
// two of them (a random group can be all letters). Each place the run
// could end is emitted, with and without the next one or two pieces, and
// each run also with the piece before it (an assignment's key, or the
// scheme of a URL), so the joined value meets a rule's start and end.
func (d *deriver) glue(chunks []string) {
	// A run is at most 256 bytes (a long token and its key) across at most
	// three word-like groups: bounded work per run, whatever the text.
	const maxRun, maxBridges = 256, 3
	n := len(chunks)
	pieces := make([]string, n)
	ok := make([]bool, n)   // made of piece characters
	tok := make([]bool, n)  // and machine-made
	ends := make([]bool, n) // sentence punctuation after it ends a run
	for i, c := range chunks {
		t := strings.TrimLeft(c, "\"'`([{<")
		t = strings.TrimRight(t, "\"'`)]}>,;:!?.")
		t = strings.TrimFunc(t, func(r rune) bool { return r >= utf8.RuneSelf })
		pieces[i] = t
		ok[i] = t != ""
		for j := 0; j < len(t) && ok[i]; j++ {
			ok[i] = glueByte(t[j])
		}
		// A package at a version run by a package runner (npx --yes
		// promptfoo@0.118.17 eval) is words a run neither takes nor
		// bridges: glued across it, a URL before it and the words after
		// read as user:password@host. Only after a runner: a secret read
		// out in groups can hold a group like a@10.0 too.
		ok[i] = ok[i] && !(versionSpec(t) && afterRunner(chunks[:i]))
		tok[i] = ok[i] && (tokenish(t) || strings.ContainsAny(t, ":/@.+=-") || (len(t) <= 12 && strings.ContainsAny(t[len(t)-1:], "-_~")) ||
			// A group of random letters: pairs words do not have (hbtcijiu).
			d.pairs != nil && len(t) >= 5 && lettersOnly(t) && d.pairs.unseen(t) >= 2)
		ends[i] = !strings.HasSuffix(c, t)
	}
	// A full stop or colon before a machine-made piece is part of the
	// secret (JWTs, SendGrid and Dynatrace keys have dots, URLs and Telegram
	// tokens colons), not the end of a sentence.
	for i := 0; i+1 < n; i++ {
		if ok[i] && tok[i+1] && (chunks[i] == pieces[i]+"." || chunks[i] == pieces[i]+":") {
			pieces[i] = chunks[i]
			ends[i] = false
		}
	}
	// next returns the index of the machine-made piece that continues a run
	// ending at j, across at most two word-like pieces, or -1.
	next := func(j int) int {
		for k := j + 1; k <= j+3 && k < n; k++ {
			if !ok[k] {
				return -1
			}
			if tok[k] {
				return k
			}
			if ends[k] {
				return -1
			}
		}
		return -1
	}
	for i := 0; i < n; i++ {
		if !tok[i] || (i > 0 && tok[i-1] && !ends[i-1]) {
			continue
		}
		// The one or two pieces before the run: the start of a key or of
		// a URL scheme cut off from the rest.
		heads, from := []string{""}, []int{i}
		for m, h := i-1, ""; m >= i-2 && m >= 0 && ok[m] && !ends[m] && len(pieces[m]) <= 8; m-- {
			h = pieces[m] + h
			heads, from = append(heads, h), append(from, m)
		}
		// end emits the run so far (pieces i to j) as a candidate, and with
		// the one or two pieces after it (a last group of letters only).
		end := func(run string, j, words, groups int, strong bool) {
			if !strong {
				return
			}
			// A value: machine-made groups, with at most one group of
			// letters in four (a random group can be all letters), not words.
			value := groups >= 2 && words*4 <= groups
			// A run that starts with a key and its operator ("password=Ab3d",
			// "client_secret:") and then a value is an assignment as written,
			// with its value cut up.
			if value && len(run) >= 24 && (strings.ContainsAny(pieces[i], "=:") || strings.ContainsAny(pieces[i+1][:1], "=:")) &&
				!assignsAgain(pieces[i+1:j+1]) {
				d.emit(run)
			}
			tails := []string{""}
			for m, t := j+1, ""; m <= j+2 && m < n && ok[m] && !ends[m-1] && len(pieces[m]) <= 8; m++ {
				t += pieces[m]
				tails = append(tails, t)
			}
			for _, h := range heads {
				for _, t := range tails {
					d.emitJoined(h + run + t)
				}
			}
			// And after the words before it as written, when they end an
			// assignment: "password =", "client_secret:", "Authorization:
			// Bearer". Only a value (maybe after one short group of
			// letters), long enough to be a secret's, is read so: words
			// joined to a key are not a value.
			for x, h := range heads[:min(2, len(heads))] {
				if m := from[x]; m > 0 && (value || x == 0 && words == 0) && len(h+run) >= minToken && assignsNext(chunks[m-1]) &&
					!assignsAgain(pieces[i:j+1]) {
					d.emit(strings.Join(chunks[max(0, m-2):m], " ") + " " + h + run)
				}
			}
		}
		var b strings.Builder
		b.WriteString(pieces[i])
		j := i
		words, groups, bridges := 0, 1, 0
		isStrong := strongPiece(pieces[i])
		for !ends[j] && b.Len() < maxRun && !d.capped {
			k := next(j)
			if k < 0 {
				break
			}
			if k > j+1 {
				if bridges++; bridges > maxBridges {
					break
				}
				end(b.String(), j, words, groups, isStrong)
				words += k - j - 1
			}
			for m := j + 1; m <= k; m++ {
				b.WriteString(pieces[m])
			}
			isStrong = isStrong || strongPiece(pieces[k])
			groups++
			j = k
		}
		end(b.String(), j, words, groups, isStrong)
	}
}

// versionSpec reports whether a piece names a package at a version
// (promptfoo@0.118.17, @scope/pkg@1.2.3, image@v2.1): words, not a group of
// a secret, so a run never glues it to a URL before it.
// packageRunners are the commands that take a package at a version as
// their argument (npx promptfoo@0.118.17, npm exec @redocly/cli@1.25.0).
var packageRunners = map[string]bool{"npx": true, "pnpx": true, "bunx": true, "exec": true, "dlx": true,
	"install": true, "add": true, "i": true, "get": true}

// afterRunner says whether the words before a piece end with a package
// runner, flags (--yes) aside.
func afterRunner(before []string) bool {
	for j := len(before) - 1; j >= 0; j-- {
		w := strings.ToLower(before[j])
		if strings.HasPrefix(w, "-") {
			continue
		}
		return packageRunners[w]
	}
	return false
}

func versionSpec(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	v := strings.TrimPrefix(s[at+1:], "v")
	if v == "" || v[0] < '0' || v[0] > '9' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !(c >= '0' && c <= '9' || c == '.') {
			return false
		}
	}
	for i := 0; i < at; i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("@/._-", c) >= 0) {
			return false
		}
	}
	return true
}

func lettersOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// strongPiece reports whether a piece holds a digit, '+', '=' or a capital
// inside a word: what random groups have, and identifiers (ci_cd,
// billing-api, aws_secrets_manager) lack. A run is joined only with one.
func strongPiece(p string) bool {
	return strings.ContainsAny(p, "0123456789+=") || innerCapital(p)
}

func innerCapital(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// assignsAgain reports whether one of the pieces after an assignment's
// first is an assignment of its own (KEY=value): side-by-side settings
// ("ROTOR_CONTEXT_TOKENS=32768 ROTOR_MAX_TOKENS=8192") are not one key whose
// value was cut up. A group of a cut-up value has no inner '=' (base64 pads
// only at the end).
func assignsAgain(pieces []string) bool {
	for _, p := range pieces {
		k := strings.IndexByte(p, '=')
		if k <= 0 || k == len(p)-1 || p[k+1] == '=' {
			continue
		}
		letter := false
		for x := 0; x < k; x++ {
			c := p[x]
			if !keyByte(c) {
				letter = false
				break
			}
			letter = letter || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		}
		if letter {
			return true
		}
	}
	return false
}

// assignsNext reports whether a piece of text ends an assignment's key: an
// operator or an authorisation scheme.
func assignsNext(c string) bool {
	switch c {
	case "Bearer", "bearer", "Basic", "Token", "token":
		return true
	}
	return strings.ContainsAny(c[len(c)-1:], ":=")
}

// boundary returns the machine-made pieces a text starts and ends with:
// the halves of a secret cut across two fields. The end comes with the
// words before it when they end an assignment ("password =").
func boundary(text string) (head, tail string) {
	f := strings.Fields(fold(text))
	if len(f) == 0 {
		return "", ""
	}
	h, t := trimToken(f[0]), trimToken(f[len(f)-1])
	if !randomLooking(h) {
		h = ""
	}
	if !randomLooking(t) {
		t = ""
	} else if len(f) > 1 && assignsNext(f[len(f)-2]) {
		t = strings.Join(f[max(0, len(f)-3):len(f)-1], " ") + " " + t
	} else if k := strings.LastIndexAny(t, "=:"); k > 0 && k < len(t)-1 && !strings.Contains(t, "://") {
		t = t[:k+1] + " " + t[k+1:] // key=half: the same, as one piece
	}
	return h, t
}

// randomLooking is a piece of at least 8 characters with a digit or an
// inner capital, and two character classes or all capitals: half of a key,
// not a word; or the part of a URL from the end of a password ('@').
func randomLooking(s string) bool {
	if len(s) >= 8 && strings.Contains(s, "@") && !strings.ContainsAny(s, "\"'`()[]{}<> ") {
		return true
	}
	if len(s) < 8 || !tokenish(s) {
		return false
	}
	k := classify(s)
	return !k.other && (k.count() >= 2 || k.upper && !k.lower)
}
