package render

import "strings"

// firstSentence is a text's first sentence: up to the first ".", "?" or
// "!" before a space, outside code spans.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	// Skip sentence ends inside code spans and abbreviations such as "e.g.".
	inCode := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '`':
			inCode = !inCode
		case '.', '?', '!':
			if !inCode && (i+1 == len(s) || s[i+1] == ' ') {
				return s[:i+1]
			}
		}
	}
	return s
}

// sentences splits a text into its sentences: at ".", "?" or "!" before a
// space, outside code spans and parentheses (an aside's "e.g." or a console
// path's end never splits a sentence).
func sentences(s string) []string {
	s = strings.Join(strings.Fields(s), " ")
	var out []string
	inCode, depth, start := false, 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '`':
			inCode = !inCode
		case inCode:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth == 0 && (c == '.' || c == '?' || c == '!') && (i+1 == len(s) || s[i+1] == ' '):
			out = append(out, strings.TrimSpace(s[start:i+1]))
			start = i + 1
		}
	}
	if rest := strings.TrimSpace(s[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

// headline is a step's first sentence up to its first ":" or " (" outside
// code: what is done, without how.
func headline(s string) string {
	s = firstSentence(s)
	inCode := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '`':
			inCode = !inCode
		case !inCode && ((s[i] == ':' && i+1 < len(s) && s[i+1] == ' ') || (s[i] == '(' && i > 0 && s[i-1] == ' ')):
			return strings.TrimRight(s[:i], " ") + "."
		}
	}
	return s
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
