package writer

import (
	"strings"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/planner"
)

// receiverConsumers are the consumers of a secret that receive what the
// provider signs with it (its entry's Receivers: Twilio's webhooks, signed
// with the primary auth token): a consumer whose name holds one of the
// words, or one the notes name in a sentence holding one.
func receiverConsumers(s *planner.Secret) []planner.Consumer {
	if s.Entry == nil || s.Entry.Receivers == nil {
		return nil
	}
	words := s.Entry.Receivers.Words
	var sentences []string
	for _, part := range strings.FieldsFunc(strings.ToLower(s.Notes), func(r rune) bool { return r == '.' || r == ';' || r == '\n' }) {
		if catalog.HasAny(part, words...) {
			sentences = append(sentences, part)
		}
	}
	var out []planner.Consumer
	for _, c := range s.Consumers {
		name := strings.ToLower(c.Name)
		named := false
		for _, part := range sentences {
			if catalog.HasWord(part, name) {
				named = true
				break
			}
		}
		if named || catalog.HasAny(name, words...) {
			out = append(out, c)
		}
	}
	return out
}

// receiverText fills one of the entry's receiver texts for the receivers.
func receiverText(c sc, tmpl string, rs []planner.Consumer) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name
	}
	one := len(rs) == 1
	pick := func(a, b string) string {
		if one {
			return a
		}
		return b
	}
	return c.fill(strings.NewReplacer("{receivers}", andList(names), "{s}", pick("s", ""), "{them}", pick("it", "them"), "{their}", pick("its", "their")).Replace(tmpl))
}

// callers are the consumers that are not receivers.
func callers(s *planner.Secret, rs []planner.Consumer) []string {
	var out []string
	for _, c := range s.Consumers {
		recv := false
		for _, r := range rs {
			recv = recv || r.Name == c.Name
		}
		if !recv {
			out = append(out, c.Name)
		}
	}
	return out
}
