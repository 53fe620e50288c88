package runbook

import "strings"

// Sentences splits a text into its sentences: at ".", "?" or "!" before a
// space, outside code spans and parentheses (an aside's "e.g." or a console
// path's end never splits a sentence). Each keeps its full stop; runs of
// white space become one space. The writer and the renderers share it, so
// "said once" means the same sentence to both.
func Sentences(s string) []string {
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
