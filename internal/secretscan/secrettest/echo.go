package secrettest

import "strings"

// Windows are the stretches of 12 characters of some texts that have a
// digit in them: the secrets of the corpus and their disguised forms (the
// prose around them has none). Output that repeats one repeats a value.
type Windows map[string]bool

// Add records the windows of texts.
func (w Windows) Add(texts ...string) Windows {
	for _, t := range texts {
		for i := 0; i+12 <= len(t); i++ {
			if s := t[i : i+12]; strings.ContainsAny(s, "0123456789") {
				w[s] = true
			}
		}
	}
	return w
}

// In reports whether out repeats one of the windows.
func (w Windows) In(out string) bool {
	for i := 0; i+12 <= len(out); i++ {
		if w[out[i:i+12]] {
			return true
		}
	}
	return false
}

// Echoes reports whether out repeats a stretch of any of texts.
func Echoes(out string, texts ...string) bool { return Windows{}.Add(texts...).In(out) }
