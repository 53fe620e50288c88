package render

import (
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// minSlotTokens is the fewest words of a command said once as a procedure
// with named slots: a shorter one costs less to repeat than to name.
const minSlotTokens = 15

// slot is a word of a procedure that each use fills in: the name between
// Pre and Suf ("'.Environment.Variables." VAR "=$v'").
type slot struct {
	pre, suf string
	param    int
}

// pattern is a procedure's words; a nil-slot word is literal.
type pattern struct {
	words []string
	slots []*slot
}

// slotProcedures says a long command that card lines repeat but for names
// (a variable, a function, a workload) once, as a procedure whose slots
// are named ("lambda(NAME, VAR)"); every use, in any line of its phase and
// as often as a line holds it, becomes a call with its values
// ("lambda(`notifications`, `SENDGRID_API_KEY`)"). #20: "a procedure
// repeated across consumers (Lambda: force a cold start) is printed once,
// named, and referred to".
func slotProcedures(groups []Group, names []string) []Procedure {
	out := []Procedure{}
	used := map[string]bool{}
	for range 3 {
		lines := cardLines(groups)
		p, phase := bestPattern(lines, names)
		if p == nil {
			break
		}
		params := paramNames(p, lines, phase, names)
		name := procName(p, used)
		used[name] = true
		var words []string
		for i, w := range p.words {
			if s := p.slots[i]; s != nil {
				w = s.pre + params[s.param] + s.suf
			}
			words = append(words, w)
		}
		n := 0
		for _, l := range lines {
			if l.Phase != phase {
				continue
			}
			text, k := replaceUses(l.Text, p, name, names)
			l.Text, n = text, n+k
		}
		if n < 2 {
			break
		}
		out = append(out, Procedure{Phase: phase, Name: name + "(" + strings.Join(params, ", ") + ")", Text: upper(untokens(words)) + "."})
	}
	return out
}

// glue marks a token that follows the one before without a space: the
// punctuation after a command's closing backtick ("`...`." is "`...`" and
// "."), which belongs to the line, not to the command.
const glue = "\x00"

// tokens splits a text into words, the punctuation after a closing
// backtick apart.
func tokens(text string) []string {
	var out []string
	for _, w := range strings.Fields(text) {
		if i := strings.LastIndex(w, "`"); i >= 0 && i < len(w)-1 && strings.Trim(w[i+1:], ".,;:)") == "" && strings.Count(w, "`")%2 == 1 {
			out = append(out, w[:i+1], glue+w[i+1:])
			continue
		}
		out = append(out, w)
	}
	return out
}

// untokens joins tokens back into a text.
func untokens(toks []string) string {
	var b strings.Builder
	for i, t := range toks {
		if g, ok := strings.CutPrefix(t, glue); ok {
			b.WriteString(g)
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

// cardLines are every line of the card that still says its own text.
func cardLines(groups []Group) []*Line {
	var out []*Line
	for gi := range groups {
		g := &groups[gi]
		for _, ls := range [][]Line{g.Lines, g.After} {
			for i := range ls {
				out = append(out, &ls[i])
			}
		}
		for si := range g.Secrets {
			for li := range g.Secrets[si].Lines {
				out = append(out, &g.Secrets[si].Lines[li])
			}
		}
	}
	return slices.DeleteFunc(out, func(l *Line) bool { return l.Text == "" || l.Value != "" || l.Values != nil })
}

// nameLike reports whether a word is a name a procedure's use fills in: an
// upper-case variable, a placeholder, or one of the runbook's names
// (consumers, functions).
func nameLike(w string, names []string) bool {
	w = strings.Trim(w, "`\"'.,;:()")
	return isName(w) && strings.Contains(w, "_") || slices.Contains(names, w) || strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">")
}

// slotOf is how two different words are one slot filled two ways: the
// affixes they share around names, or nil when they differ otherwise.
func slotOf(a, b string, names []string) *slot {
	pre, suf := commonAffixes([]string{a, b})
	for pre != "" && !nameLike(a[len(pre):len(a)-len(suf)], names) {
		pre = pre[:len(pre)-1]
	}
	if len(pre)+len(suf) >= min(len(a), len(b)) {
		return nil
	}
	if !nameLike(a[len(pre):len(a)-len(suf)], names) || !nameLike(b[len(pre):len(b)-len(suf)], names) {
		return nil
	}
	return &slot{pre: pre, suf: suf}
}

// bestPattern finds the longest run of words two places of one phase share
// but for slots (at least one, and at least one command word), that starts
// and ends a command or a sentence.
func bestPattern(lines []*Line, names []string) (*pattern, runbook.Phase) {
	var best *pattern
	var phase runbook.Phase
	words := make([][]string, len(lines))
	for i, l := range lines {
		words[i] = tokens(l.Text)
	}
	for a := range lines {
		for b := a; b < len(lines); b++ {
			if lines[a].Phase != lines[b].Phase {
				continue
			}
			wa, wb := words[a], words[b]
			for i := range wa {
				if !strings.HasPrefix(wa[i], "`") {
					continue
				}
				for j := range wb {
					if a == b && j <= i || !strings.HasPrefix(wb[j], "`") {
						continue
					}
					p := &pattern{}
					// A slot holds another name than a variable's (a
					// function, a workload): a variable alone is the
					// "Every <phase>" procedure's.
					named := false
					for k := 0; i+k < len(wa) && j+k < len(wb) && (a != b || i+k < j); k++ {
						x, y := wa[i+k], wb[j+k]
						if x == y {
							p.words, p.slots = append(p.words, x), append(p.slots, nil)
							continue
						}
						s := slotOf(x, y, names)
						if s == nil {
							break
						}
						p.words, p.slots = append(p.words, x), append(p.slots, s)
						if v := strings.Trim(x[len(s.pre):len(x)-len(s.suf)], "`\"'.,;:()"); !isName(v) {
							named = true
						}
					}
					if !named {
						continue
					}
					p = trimPattern(p)
					if p == nil || len(p.words) < minSlotTokens || best != nil && len(p.words) <= len(best.words) {
						continue
					}
					named = false
					for k, s := range p.slots {
						if s != nil && !isName(strings.Trim(p.words[k][len(s.pre):len(p.words[k])-len(s.suf)], "`\"'.,;:()")) {
							named = true
						}
					}
					if !named {
						continue
					}
					best, phase = p, lines[a].Phase
				}
			}
		}
	}
	return best, phase
}

// trimPattern cuts a pattern to whole commands: it ends with a word that
// closes a code span, and holds no half of one.
func trimPattern(p *pattern) *pattern {
	end := -1
	open := false
	for i, w := range p.words {
		open = open != (strings.Count(w, "`")%2 == 1)
		if !open && strings.Contains(w, "`") {
			end = i
		}
	}
	if end < 0 {
		return nil
	}
	p.words, p.slots = p.words[:end+1], p.slots[:end+1]
	if strings.Count(strings.Join(p.words, " "), "`")%2 != 0 {
		return nil
	}
	return p
}

// matchAt reports the slot values of the pattern at words[i:], or nil.
func matchAt(p *pattern, words []string, i int, names []string) []string {
	if i+len(p.words) > len(words) {
		return nil
	}
	vals := make([]string, len(p.words))
	for k, pw := range p.words {
		w := words[i+k]
		s := p.slots[k]
		switch {
		case s == nil && w == pw:
		case s != nil && strings.HasPrefix(w, s.pre) && strings.HasSuffix(w, s.suf) && len(w) > len(s.pre)+len(s.suf) && nameLike(w[len(s.pre):len(w)-len(s.suf)], names):
			vals[k] = w[len(s.pre) : len(w)-len(s.suf)]
		default:
			return nil
		}
	}
	return vals
}

// paramNames names the pattern's slots: slots that hold the same value in
// every use are one parameter; a variable's is VAR, another name's NAME.
func paramNames(p *pattern, lines []*Line, phase runbook.Phase, names []string) []string {
	var uses [][]string
	for _, l := range lines {
		if l.Phase != phase {
			continue
		}
		w := tokens(l.Text)
		for i := range w {
			if v := matchAt(p, w, i, names); v != nil {
				uses = append(uses, v)
			}
		}
	}
	var idx []int
	for k, s := range p.slots {
		if s != nil {
			idx = append(idx, k)
		}
	}
	same := func(a, b int) bool {
		for _, u := range uses {
			if u[a] != u[b] {
				return false
			}
		}
		return true
	}
	var params []string
	var first []int
	for _, k := range idx {
		found := -1
		for pi, f := range first {
			if same(f, k) {
				found = pi
				break
			}
		}
		if found < 0 {
			found = len(first)
			first = append(first, k)
			kind := "NAME"
			if len(uses) > 0 && isName(uses[0][k]) {
				kind = "VAR"
			}
			if slices.Contains(params, kind) {
				kind += string(rune('2' + len(params) - 1))
			}
			params = append(params, kind)
		}
		p.slots[k].param = found
	}
	return params
}

// procName names a procedure after the tool its first command runs
// ("lambda" for `aws lambda ...`, "kubectl"), unique on the card.
func procName(p *pattern, used map[string]bool) string {
	name := "run"
	for i, w := range p.words {
		if !strings.HasPrefix(w, "`") {
			continue
		}
		tool := strings.Trim(w, "`")
		if (tool == "aws" || tool == "gcloud" || tool == "az") && i+1 < len(p.words) {
			tool = strings.Trim(p.words[i+1], "`")
		}
		if tool == "read" {
			continue
		}
		name = strings.ToLower(tool)
		break
	}
	base := name
	for n := 2; used[name]; n++ {
		name = base + string(rune('0'+n))
	}
	return name
}

// replaceUses writes every use of the pattern in a text as a call of the
// procedure with its values, and counts them.
func replaceUses(text string, p *pattern, name string, names []string) (string, int) {
	words := tokens(text)
	var out []string
	n := 0
	for i := 0; i < len(words); {
		vals := matchAt(p, words, i, names)
		if vals == nil {
			out = append(out, words[i])
			i++
			continue
		}
		args := map[int]string{}
		maxParam := -1
		for k, s := range p.slots {
			if s != nil {
				args[s.param] = vals[k]
				maxParam = max(maxParam, s.param)
			}
		}
		var call []string
		for pi := 0; pi <= maxParam; pi++ {
			call = append(call, "`"+args[pi]+"`")
		}
		out = append(out, name+"("+strings.Join(call, ", ")+")")
		i += len(p.words)
		n++
	}
	return untokens(out), n
}
