package prompts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Refs are a generation's command references (issue #22): the code spans of
// the planner's facts (the text between two backticks) of at least
// MinRefRunes characters, numbered c1, c2, ... in the order a data block of
// every fact lists them. A data block carries `{{cN}}` in place of such a
// span, the model copies the reference as written, and rotor expands it in
// the answer before any check: the model neither pays for a command twice
// (in its prompt and in its answer) nor can it mistype one. Refs are read
// only once made: every call of a generation shares them.
type Refs struct {
	texts []string       // the span of reference N is texts[N-1]
	index map[string]int // a span's reference number
}

// MinRefRunes is the shortest code span referred to: a shorter one costs
// about as many tokens as its reference.
const MinRefRunes = 12

// NewRefs numbers the code spans of v's strings (map values, in sorted key
// order, as EncodeData writes them; not the keys). v is what a data block
// of every fact encodes.
func NewRefs(v any) *Refs {
	r := &Refs{index: map[string]int{}}
	walkData(v, func(s string) {
		for _, span := range codeSpans(s) {
			text := s[span[0]:span[1]]
			if _, ok := r.index[text]; !ok && utf8.RuneCountInString(text) >= MinRefRunes {
				r.texts = append(r.texts, text)
				r.index[text] = len(r.texts)
			}
		}
	})
	return r
}

// Len is the number of references.
func (r *Refs) Len() int {
	if r == nil {
		return 0
	}
	return len(r.texts)
}

// Text is reference n's span ("" when there is none).
func (r *Refs) Text(n int) string {
	if r == nil || n < 1 || n > len(r.texts) {
		return ""
	}
	return r.texts[n-1]
}

// Ref is the reference written in place of span text, "{{cN}}" ("" when
// text has none).
func (r *Refs) Ref(text string) string {
	if r == nil {
		return ""
	}
	if n, ok := r.index[text]; ok {
		return "{{c" + strconv.Itoa(n) + "}}"
	}
	return ""
}

// Write writes s with a reference in place of each referred code span (the
// backticks kept around it).
func (r *Refs) Write(s string) string {
	if r.Len() == 0 || !strings.Contains(s, "`") {
		return s
	}
	spans := codeSpans(s)
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		ref := r.Ref(s[sp[0]:sp[1]])
		if ref == "" {
			continue
		}
		b.WriteString(s[last:sp[0]])
		b.WriteString(ref)
		last = sp[1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// Expand writes s with each reference's span in its place. problems says
// what is written like a reference but is none of r's (unknown or
// malformed), each once; such text is left as it was. Written like a
// reference: two braces and a c with a number (spaces, a capital, a brace
// too many or too few), one brace around a lower-case c and a number
// ("{c1}"), or "{{c}}"; only "{{cN}}" with N as the data block writes it
// is one.
func (r *Refs) Expand(s string) (string, []string) {
	if !strings.Contains(s, "{") {
		return s, nil
	}
	var problems []string
	var b strings.Builder
	last := 0
	scanRefs(s, func(start, end, n int) {
		ref := s[start:end]
		if n == 0 {
			problems = appendOnce(problems, fmt.Sprintf("%q is written like a command reference but is none: copy a reference exactly as the data block writes it ({{cN}}, e.g. {{c1}}), or write the command itself", ref))
			return
		}
		text := r.Text(n)
		if text == "" {
			have := "the data block has no references"
			if r.Len() > 0 {
				have = fmt.Sprintf("the data block's references are {{c1}} to {{c%d}}", r.Len())
			}
			problems = appendOnce(problems, fmt.Sprintf("%s is no command reference of this runbook (%s): copy only the references the data block holds, never invent one", ref, have))
			return
		}
		b.WriteString(s[last:start])
		b.WriteString(text)
		last = end
	})
	if last == 0 {
		return s, problems
	}
	b.WriteString(s[last:])
	return b.String(), problems
}

// scanRefs calls fn on each stretch of s written like a reference, with
// its number n when it is written exactly as "{{cN}}" (0: malformed).
func scanRefs(s string, fn func(start, end, n int)) {
	space := func(i int) int {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f') {
			i++
		}
		return i
	}
	for i := 0; i < len(s); {
		if s[i] != '{' {
			i++
			continue
		}
		start := i
		for i < len(s) && s[i] == '{' {
			i++
		}
		opens := i - start
		j := space(i)
		spaced := j > i
		if j >= len(s) || (s[j] != 'c' && s[j] != 'C') {
			continue
		}
		capital := s[j] == 'C'
		k := space(j + 1)
		spaced = spaced || k > j+1
		d := k
		for d < len(s) && s[d] >= '0' && s[d] <= '9' {
			d++
		}
		digits := s[k:d]
		e := space(d)
		closes := e
		for closes < len(s) && s[closes] == '}' {
			closes++
		}
		switch {
		case digits != "" && opens == 1 && (closes == e || capital):
			// One brace and no closing one ("{c1,c2}", a shell's brace
			// expansion) or a capital ("${C1}", a variable): no
			// reference was meant.
			i = d
		case digits != "":
			end := closes
			if closes == e {
				end = d // no closing brace: the spaces after are not the reference's
			} else {
				spaced = spaced || e > d
			}
			n := 0
			if opens == 2 && closes-e == 2 && !spaced && !capital && digits[0] != '0' {
				n, _ = strconv.Atoi(digits)
			}
			fn(start, end, n)
			i = end
		case opens == 2 && closes-e == 2:
			fn(start, closes, 0)
			i = closes
		}
	}
}

// Written are the numbers of the references text writes.
func Written(text string) map[int]bool {
	out := map[int]bool{}
	scanRefs(text, func(_, _, n int) {
		if n > 0 {
			out[n] = true
		}
	})
	return out
}

func appendOnce(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// codeSpans are the byte ranges of s's code spans' text: between a backtick
// and the next.
func codeSpans(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		open := strings.IndexByte(s[i:], '`')
		if open < 0 {
			break
		}
		open += i + 1
		end := strings.IndexByte(s[open:], '`')
		if end < 0 {
			break
		}
		out = append(out, [2]int{open, open + end})
		i = open + end + 1
	}
	return out
}

// walkData calls fn on every string value of v (a data block's values), in
// the order EncodeData writes them.
func walkData(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walkData(x[k], fn)
		}
	case []any:
		for _, e := range x {
			walkData(e, fn)
		}
	case []string:
		for _, e := range x {
			fn(e)
		}
	}
}

// Only is r writing only the references keep accepts (their numbers and
// spans unchanged; Expand still knows every one).
func (r *Refs) Only(keep func(n int) bool) *Refs {
	if r == nil {
		return nil
	}
	out := &Refs{texts: r.texts, index: map[string]int{}}
	for text, n := range r.index {
		if keep(n) {
			out.index[text] = n
		}
	}
	return out
}
