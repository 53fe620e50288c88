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
