package intake

import (
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// ticketDirectives read the change ticket a text names (lexicon
// details.tickets): an id with a change prefix wherever it stands
// ("CHG0012345", "CHANGE-1234", "CR-77"), or right after a cue word a
// project key and a number ("tracked in SEC-812"), an upper-case id, or a
// bare number ("RFC 2211", "change #7781"). They read the whole text, not a
// clause: "Ticket no. 88123" is cut at its '.' into two sentences. A ticket
// binds the whole job: every evidence item is filed under it.
func (rd *reader) ticketDirectives(p *parsedText) []Directive {
	c, tk := &rd.lex.c, rd.lex.Details.Tickets
	toks := p.toks
	var out []Directive
	seen := map[string]bool{}
	add := func(id string, from, to int, ev []string) {
		if seen[id] {
			return
		}
		seen[id] = true
		out = append(out, Directive{Kind: KindDetail, Field: FieldChangeTicket, Value: id, Quote: quote(p, from, to), Evidence: ev,
			Reader: ReaderRules, Scope: Scope{All: true, Secrets: []int{}, Words: []string{}}})
	}
	type found struct {
		at, from int
		id       string
		ev       []string
	}
	var all []found
	// A change prefix stands on its own.
	for i, t := range toks {
		key, num, dash, ok := ticketShape(t.text)
		if !ok || !runbook.OneOf(tk.Prefixes, strings.ToLower(key)) || (!dash && len(num) < 3) {
			continue
		}
		if strings.EqualFold(key, "rfc") && rd.ietf(p, i, i+1) {
			continue
		}
		all = append(all, found{i, i, strings.ToUpper(t.text), []string{t.text}})
	}
	// After a cue: a key and a number, an upper-case id, or a number.
	for _, weak := range []bool{false, true} {
		cues := c.ticketCues
		if weak {
			cues = c.ticketWeak
		}
		for _, m := range cues.find(toks, 0, len(toks)) {
			if m.from > 0 && c.ticketNotAfter.has(toks, max(0, m.from-2), m.from) {
				continue
			}
			i, marked := m.to, false
			for n := 0; n < 3 && i < len(toks) && runbook.OneOf(tk.Fillers, toks[i].low); n++ {
				marked = marked || toks[i].low == "#" || toks[i].low == "no" || toks[i].low == "number" || toks[i].low == "nr"
				i++
			}
			if i >= len(toks) {
				continue
			}
			t := toks[i]
			text := strings.TrimPrefix(t.text, "#")
			marked = marked || text != t.text
			if id, ok := rd.cuedTicket(p, m, i, text, marked || !weak); ok {
				all = append(all, found{i, m.from, id, []string{m.p.text, t.text}})
			}
		}
	}
	// In the order the text names them: the first is the one evidence is
	// filed under.
	for pos := range toks {
		for _, f := range all {
			if f.at == pos {
				add(f.id, f.from, f.at+1, f.ev)
			}
		}
	}
	return out
}

// cuedTicket reads the token right after a cue (and its fillers) as a
// ticket id: a project key and a number, an upper-case id with four or more
// digits, or, when bare numbers count here, a number of two or more digits
// that is no amount ("48 hours") and no IETF RFC.
func (rd *reader) cuedTicket(p *parsedText, m match, i int, text string, bare bool) (string, bool) {
	tk := rd.lex.Details.Tickets
	if key, num, dash, ok := ticketShape(text); ok {
		if runbook.OneOf(tk.NotKeys, strings.ToLower(key)) || key != strings.ToUpper(key) && !runbook.OneOf(tk.Prefixes, strings.ToLower(key)) {
			return "", false
		}
		if !dash && len(num) < 4 {
			return "", false
		}
		return strings.ToUpper(text), true
	}
	if !bare || len(text) < 2 || !isDigitString(text) {
		return "", false
	}
	if i+1 < len(p.toks) {
		if _, unit := rd.lex.Rules.Units[p.toks[i+1].low]; unit {
			return "", false
		}
	}
	cue := strings.ToUpper(m.p.text)
	switch cue {
	case "RFC":
		if rd.ietf(p, m.from, i+1) {
			return "", false
		}
		return "RFC " + text, true
	case "CR":
		return "CR " + text, true
	}
	return text, true
}

// ietf reports an RFC cited as a standard: a context word within two
// tokens of it ("per RFC 7519", "RFC 6749 compliant").
func (rd *reader) ietf(p *parsedText, from, to int) bool {
	c := &rd.lex.c
	return c.ticketIETF.has(p.toks, max(0, from-2), from) || c.ticketIETF.has(p.toks, to, min(len(p.toks), to+2))
}

// ticketShape splits an id into its letters and its number: "CHG0012345"
// (letters then digits) or "SEC-812" (letters, one dash, digits). dash
// tells which.
func ticketShape(s string) (key, num string, dash, ok bool) {
	if k, n, found := strings.Cut(s, "-"); found {
		if len(k) < 2 || len(k) > 15 || !isLetterString(k) || !isDigitString(n) || len(n) > 12 {
			return "", "", false, false
		}
		return k, n, true, true
	}
	j := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if j < 2 || j > 6 || !isLetterString(s[:j]) || !isDigitString(s[j:]) || len(s)-j > 15 {
		return "", "", false, false
	}
	return s[:j], s[j:], false, true
}

func isLetterString(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return s != ""
}
