package decode

import (
	"encoding/json"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// tree is a JSON document decoded in one pass, as encoding/json decodes
// into any (objects are map[string]any, numbers json.Number), with what
// that decoding cannot tell: the keys that appear twice in one object (a
// lenient decoder keeps the last, so {"system":"<secret>","system":"x"}
// would hide the first), and every string with its path, for the screen.
type tree struct {
	data []byte
	i    int
	dups []runbook.FieldError
	// strs collects every string, keys included, when not nil.
	strs *[]JSONString
	// path is where the value being read is.
	path steps
	// members, when not nil, keeps where each member of the root object
	// starts and ends in data (the first of a duplicate key).
	members map[string][2]int
}

// parseTree decodes data, which must be valid JSON (json.Valid).
func parseTree(data []byte, collect bool) (doc any, strs []JSONString, dups []runbook.FieldError) {
	t := &tree{data: data}
	if collect {
		t.strs = &strs
	}
	doc = t.value()
	return doc, strs, t.dups
}

// steps is a JSON path kept as a stack while a document is walked, made
// into a string only when it is reported (a duplicate key, a collected
// string, a strict-decoding problem): most values of a document never are.
type steps []step

// step is an object member (key) or, with i >= 0, an array element.
type step struct {
	key string
	i   int
}

func (p steps) String() string {
	out := ""
	for _, s := range p {
		if s.i >= 0 {
			out = index(out, s.i)
		} else {
			out = join(out, s.key)
		}
	}
	return out
}

func (t *tree) ws() {
	for t.i < len(t.data) {
		switch t.data[t.i] {
		case ' ', '\t', '\n', '\r':
			t.i++
		default:
			return
		}
	}
}

// value reads the value at t.path.
func (t *tree) value() any {
	t.ws()
	switch c := t.data[t.i]; c {
	case '{':
		return t.object()
	case '[':
		return t.array()
	case '"':
		s := t.str()
		if t.strs != nil {
			*t.strs = append(*t.strs, JSONString{Path: t.path.String(), Value: s})
		}
		return s
	case 't':
		t.i += 4
		return true
	case 'f':
		t.i += 5
		return false
	case 'n':
		t.i += 4
		return nil
	default:
		start := t.i
		for t.i < len(t.data) && isNumberByte(t.data[t.i]) {
			t.i++
		}
		return json.Number(t.data[start:t.i])
	}
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (t *tree) object() map[string]any {
	t.i++ // {
	m := map[string]any{}
	for {
		t.ws()
		if t.data[t.i] == '}' {
			t.i++
			return m
		}
		if t.data[t.i] == ',' {
			t.i++
			t.ws()
		}
		key := t.str()
		root := len(t.path) == 0
		t.path = append(t.path, step{key: key, i: -1})
		if t.strs != nil {
			*t.strs = append(*t.strs, JSONString{Path: t.path.String(), Value: key, Key: true})
		}
		t.ws()
		t.i++ // :
		start := t.i
		v := t.value()
		_, dup := m[key]
		if dup && len(t.dups) < 100 {
			t.dups = append(t.dups, runbook.FieldError{Path: t.path.String(), Problem: fmt.Sprintf("duplicate key %q: each key may appear once in an object", key)})
		}
		t.path = t.path[:len(t.path)-1]
		if dup {
			continue
		}
		if root && t.members != nil {
			t.members[key] = [2]int{start, t.i}
		}
		m[key] = v
	}
}

func (t *tree) array() []any {
	t.i++ // [
	a := []any{}
	for {
		t.ws()
		switch t.data[t.i] {
		case ']':
			t.i++
			return a
		case ',':
			t.i++
		}
		t.ws()
		if t.data[t.i] == ']' {
			continue
		}
		t.path = append(t.path, step{i: len(a)})
		a = append(a, t.value())
		t.path = t.path[:len(t.path)-1]
	}
}

// str reads a string token; escapes are decoded by encoding/json.
func (t *tree) str() string {
	start := t.i
	t.i++ // "
	escaped := false
	for t.data[t.i] != '"' {
		if t.data[t.i] == '\\' {
			escaped = true
			t.i++
		}
		t.i++
	}
	t.i++
	raw := t.data[start:t.i]
	if !escaped && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1])
	}
	return unquote(raw[1 : len(raw)-1])
}

// unquote decodes the inside of a valid JSON string token as
// encoding/json does: escapes read, a \u surrogate pair joined, a lone
// surrogate and every byte of invalid UTF-8 made U+FFFD.
// TestUnquoteIsEncodingJSON holds it to encoding/json.
func unquote(s []byte) string {
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			e := s[i+1]
			i += 2
			switch e {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i:])
				if r < 0 {
					var out string
					_ = json.Unmarshal(append(append([]byte{'"'}, s...), '"'), &out)
					return out
				}
				i += 4
				if utf16.IsSurrogate(r) {
					if len(s) >= i+6 && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := hex4(s[i+2:]); r2 >= 0 {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								b = utf8.AppendRune(b, dec)
								i += 6
								break
							}
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default: // " \\ / (and ', which valid JSON never escapes)
				b = append(b, e)
			}
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	return string(b)
}

// hex4 reads four hex digits (-1 when they are not).
func hex4(s []byte) rune {
	if len(s) < 4 {
		return -1
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
