package intake

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word, number, clock time or punctuation mark of a text.
type token struct {
	text string // as written
	low  string // lower case, curly apostrophes straightened
	from int    // byte offsets in the text
	to   int
	// date is set on the tokens of a date the schedule found ("Dec 20"):
	// they are not clock times or day numbers.
	date bool
}

func (t token) punct() bool {
	r, _ := utf8.DecodeRuneInString(t.text)
	return len(t.text) > 0 && !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// dash reports a range dash ("-", "–", "—").
func (t token) dash() bool { return t.text == "-" || t.text == "–" || t.text == "—" }

// splitters are characters that always stand alone.
const splitters = ",;()[]{}\"!?“”<>–—"

// trimmed are characters taken off the ends of a word as tokens of their own.
const trimmed = ".:'`‘’*"

// tokenize splits text into tokens. Whitespace separates; the splitters
// stand alone; a word keeps its inner '-', '_', '.', ':', '/', '\” and '@'
// ("payments-api", "8.0.36", "s3:PutObject", "Europe/Berlin", "don't"),
// except that a '-' between clock times or weekdays is a range dash
// ("08:00-18:00", "Mon-Fri").
func tokenize(text string) []token {
	var out []token
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsSpace(r):
			i += n
		case strings.ContainsRune(splitters, r):
			out = append(out, newToken(text, i, i+n))
			i += n
		default:
			j := i
			for j < len(text) {
				r2, n2 := utf8.DecodeRuneInString(text[j:])
				if unicode.IsSpace(r2) || strings.ContainsRune(splitters, r2) {
					break
				}
				j += n2
			}
			out = append(out, word(text, i, j)...)
			i = j
		}
	}
	return out
}

func newToken(text string, from, to int) token {
	s := text[from:to]
	return token{text: s, low: strings.ReplaceAll(strings.ToLower(s), "’", "'"), from: from, to: to}
}

// word turns one whitespace-free chunk into tokens: leading and trailing
// marks apart, then a range dash split out.
func word(text string, from, to int) []token {
	var lead, trail []token
	for from < to {
		r, n := utf8.DecodeRuneInString(text[from:])
		if !strings.ContainsRune(trimmed, r) {
			break
		}
		lead = append(lead, newToken(text, from, from+n))
		from += n
	}
	for to > from {
		r, n := utf8.DecodeLastRuneInString(text[from:to])
		if !strings.ContainsRune(trimmed, r) {
			break
		}
		// "a.m." keeps its dots; "e.g." too.
		if r == '.' && strings.Count(text[from:to], ".") > 1 && len(text[from:to]) <= 5 {
			break
		}
		trail = append([]token{newToken(text, to-n, to)}, trail...)
		to -= n
	}
	out := lead
	if from < to {
		out = append(out, splitRange(text, from, to)...)
	}
	return append(out, trail...)
}

// splitRange splits "08:00-18:00", "9-5pm", "9am-6pm", "Mon-Fri" and
// "Friday-Monday" at the dash; anything else stays one token.
func splitRange(text string, from, to int) []token {
	s := text[from:to]
	// "Tue/Wed": two days.
	if a, b, ok := strings.Cut(s, "/"); ok && !strings.Contains(b, "/") {
		_, dayA := dayWord(a)
		_, dayB := dayWord(b)
		if dayA && dayB {
			k := len(a)
			return []token{newToken(text, from, from+k), newToken(text, from+k, from+k+1), newToken(text, from+k+1, to)}
		}
	}
	k := strings.IndexByte(s, '-')
	if k <= 0 || k == len(s)-1 || strings.Count(s, "-") != 1 {
		return []token{newToken(text, from, to)}
	}
	a, b := strings.ToLower(s[:k]), strings.ToLower(s[k+1:])
	clocky := func(x string) bool {
		return x != "" && (isDigitString(x) || looksLikeClock(x))
	}
	_, dayA := dayWord(a)
	_, dayB := dayWord(b)
	if (clocky(a) && clocky(b) && (looksLikeClock(a) || looksLikeClock(b))) || (dayA && dayB) {
		return []token{newToken(text, from, from+k), newToken(text, from+k, from+k+1), newToken(text, from+k+1, to)}
	}
	return []token{newToken(text, from, to)}
}

func isDigitString(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// looksLikeClock reports a clock written in one token: "08:00", "9am",
// "6pm", "18h", "18h30", "9:30pm".
func looksLikeClock(s string) bool {
	_, ok := parseClockToken(s, "")
	return ok
}

// clauseRanges splits a text into clauses: at ';', at a sentence's '.', '!' or
// '?', and at line breaks. A clause is a half-open range of token indexes.
func clauseRanges(toks []token, text string) [][2]int {
	var out [][2]int
	start := 0
	for i, t := range toks {
		end := false
		switch t.text {
		case ";", "!", "?":
			end = true
		case ".":
			// A sentence ends at a '.' followed by a space or the end.
			end = t.to == len(text) || unicode.IsSpace(rune(text[t.to]))
		}
		if !end && i > 0 && strings.ContainsRune(text[toks[i-1].to:t.from], '\n') {
			if i > start {
				out = append(out, [2]int{start, i})
			}
			start = i
		}
		if end {
			if i > start {
				out = append(out, [2]int{start, i})
			}
			start = i + 1
		}
	}
	if start < len(toks) {
		out = append(out, [2]int{start, len(toks)})
	}
	return out
}
