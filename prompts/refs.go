package prompts

import (
	"fmt"
	"regexp"
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

// refLike is anything written like a reference: braces around a c and a
// number, or "{{c}}". Only "{{cN}}" with N as the data block writes it is
// one.
var refLike = regexp.MustCompile(`\{+\s*[cC]\s*\d+\s*\}*|\{\{\s*[cC]\s*\}\}`)

// exactRef is a reference as the data block writes it.
var exactRef = regexp.MustCompile(`^\{\{c([1-9]\d*)\}\}$`)

// Expand writes s with each reference's span in its place. problems says
// what is written like a reference but is none of r's (unknown or
// malformed), each once; such text is left as it was.
func (r *Refs) Expand(s string) (string, []string) {
	if !strings.Contains(s, "{") {
		return s, nil
	}
	locs := refLike.FindAllStringIndex(s, -1)
	if locs == nil {
		return s, nil
	}
	var problems []string
	var b strings.Builder
	last := 0
	for _, loc := range locs {
		ref := s[loc[0]:loc[1]]
		m := exactRef.FindStringSubmatch(ref)
		if m == nil {
			problems = appendOnce(problems, fmt.Sprintf("%q is written like a command reference but is none: copy a reference exactly as the data block writes it ({{cN}}, e.g. {{c1}}), or write the command itself", ref))
			continue
		}
		n, _ := strconv.Atoi(m[1])
		text := r.Text(n)
		if text == "" {
			have := "the data block has no references"
			if r.Len() > 0 {
				have = fmt.Sprintf("the data block's references are {{c1}} to {{c%d}}", r.Len())
			}
			problems = appendOnce(problems, fmt.Sprintf("%s is no command reference of this runbook (%s): copy only the references the data block holds, never invent one", ref, have))
			continue
		}
		b.WriteString(s[last:loc[0]])
		b.WriteString(text)
		last = loc[1]
	}
	b.WriteString(s[last:])
	return b.String(), problems
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

// refsIn finds the references a text writes.
var refsIn = regexp.MustCompile(`\{\{c([1-9]\d*)\}\}`)

// Written are the numbers of the references text writes.
func Written(text string) map[int]bool {
	out := map[int]bool{}
	for _, m := range refsIn.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		out[n] = true
	}
	return out
}
