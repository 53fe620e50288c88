// Package decode reads rotor's JSON strictly: every unknown field (with the
// closest known name), duplicate key, wrong type, syntax error and trailing
// byte is reported with its JSON path as a runbook.ValidationError, and
// every string of the document (keys included, both copies of a duplicate)
// can be screened before anything else reads it. It also walks the strings
// of a decoded value by their JSON paths. The types it decodes into are
// runbook's contract.
package decode

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Screen inspects every string of a JSON document as it was sent (values
// and object keys, unknown fields included, both copies of a duplicate
// key) before anything else reads it; an error stops the decoding. It is
// how a pasted secret is refused before a validation message could quote
// it.
type Screen func(strs []JSONString) error

// Request strictly decodes a JSON request: unknown fields, duplicate
// keys, wrong types, malformed JSON and trailing data are reported with their
// paths. The request is not validated; call Validate.
func Request(data []byte) (*runbook.Request, error) { return request(data, nil) }

func request(data []byte, screen Screen) (*runbook.Request, error) {
	if len(data) > runbook.MaxBodyBytes {
		return nil, runbook.TooLarge(len(data))
	}
	var r runbook.Request
	if err := strict(data, &r, screen); err != nil {
		return nil, err
	}
	return &r, nil
}

// ParseRequest decodes and validates a request, reporting every problem at
// once: when the only decoding problems are unknown fields, the rest of the
// request is still validated and both lists are returned together.
func ParseRequest(data []byte) (*runbook.Request, error) { return ParseRequestScreened(data, nil) }

// ParseRequestScreened is ParseRequest with screen run on every string of
// the body first (nil: none).
func ParseRequestScreened(data []byte, screen Screen) (*runbook.Request, error) {
	r, err := request(data, screen)
	if err == nil {
		if err := r.Validate(); err != nil {
			return nil, err
		}
		return r, nil
	}
	var ve *runbook.ValidationError
	if !errors.As(err, &ve) {
		return nil, err
	}
	for _, f := range ve.Fields {
		if !strings.HasPrefix(f.Problem, "unknown field") {
			return nil, err
		}
	}
	var partial runbook.Request
	if json.Unmarshal(data, &partial) != nil {
		return nil, err
	}
	var more *runbook.ValidationError
	if errors.As(partial.Validate(), &more) {
		ve.Fields = append(ve.Fields, more.Fields...)
	}
	return nil, ve
}

// Runbook strictly decodes a runbook.
func Runbook(data []byte) (*runbook.Runbook, error) {
	var rb runbook.Runbook
	if err := Strict(data, &rb); err != nil {
		return nil, err
	}
	return &rb, nil
}

// Strict decodes JSON into v (a pointer to a struct), reporting every
// unknown field, duplicate key and type mismatch with its JSON path as a
// *ValidationError.
func Strict(data []byte, v any) error { return strict(data, v, nil) }

func strict(data []byte, v any, screen Screen) error {
	if !json.Valid(data) {
		return syntaxError(data)
	}
	generic, strs, dups := parseTree(data, screen != nil)
	if screen != nil {
		if err := screen(strs); err != nil {
			return err
		}
	}
	if len(dups) > 0 {
		return &runbook.ValidationError{Fields: dups}
	}
	w := walker{elsewhere: fieldPathsOf(reflect.TypeOf(v).Elem())}
	w.walk(reflect.TypeOf(v).Elem(), generic)
	if len(w.fields) > 0 {
		return &runbook.ValidationError{Fields: w.fields}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return &runbook.ValidationError{Fields: []runbook.FieldError{{Path: "", Problem: "cannot decode: " + err.Error()}}}
	}
	return nil
}

// syntaxError describes why data is not one JSON value.
func syntaxError(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	var discard any
	problem := "unexpected data after the JSON value"
	if err := dec.Decode(&discard); err != nil {
		problem = syntaxProblem(err, data)
	}
	return &runbook.ValidationError{Fields: []runbook.FieldError{{Path: "", Problem: problem}}}
}

func syntaxProblem(err error, data []byte) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, se.Offset)
		return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "invalid JSON: the body is empty or ends too early"
	}
	return "invalid JSON: " + err.Error()
}

func position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset-1 && i < int64(len(data)); i++ {
		col++
		if data[i] == '\n' {
			line, col = line+1, 1
		}
	}
	return line, col
}

type walker struct {
	// path is where the value being walked is.
	path   steps
	fields []runbook.FieldError
	// elsewhere maps each field name of the document's type to the paths
	// it has there ("exposure" -> secrets[i].exposure), so a field put at
	// the wrong level is told where it goes.
	elsewhere map[string][]string
}

func (w *walker) add(path, problem string) {
	if len(w.fields) < 100 {
		w.fields = append(w.fields, runbook.FieldError{Path: path, Problem: problem})
	}
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// walk checks v, the value at w.path, against t.
func (w *walker) walk(t reflect.Type, v any) {
	if v == nil {
		return // null is "absent"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		if _, ok := v.(string); !ok {
			w.add(w.path.String(), "must be a string, got "+jsonType(v))
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			w.add(w.path.String(), "must be an object, got "+jsonType(v))
			return
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f, ok := fields[k]
			if !ok {
				w.add(join(w.path.String(), k), "unknown field"+w.placeOf(k, w.path.String(), fields))
				continue
			}
			w.path = append(w.path, step{key: k, i: -1})
			w.walk(f.Type, obj[k])
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			w.add(w.path.String(), "must be an array, got "+jsonType(v))
			return
		}
		for i, e := range arr {
			w.path = append(w.path, step{i: i})
			w.walk(t.Elem(), e)
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			w.add(w.path.String(), "must be an object, got "+jsonType(v))
			return
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			w.path = append(w.path, step{key: k, i: -1})
			w.walk(t.Elem(), obj[k])
			w.path = w.path[:len(w.path)-1]
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			w.add(w.path.String(), "must be a string, got "+jsonType(v))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			w.add(w.path.String(), "must be true or false, got "+jsonType(v))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := v.(json.Number)
		if !ok {
			w.add(w.path.String(), "must be an integer, got "+jsonType(v))
			return
		}
		if _, err := n.Int64(); err != nil {
			w.add(w.path.String(), "must be an integer, got "+n.String())
		}
	case reflect.Float32, reflect.Float64:
		if _, ok := v.(json.Number); !ok {
			w.add(w.path.String(), "must be a number, got "+jsonType(v))
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var jsonFieldsCache sync.Map // reflect.Type -> map[string]reflect.StructField

// jsonFields maps JSON names to the struct fields that carry them (made once
// per type; callers must not modify it).
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	if m, ok := jsonFieldsCache.Load(t); ok {
		return m.(map[string]reflect.StructField)
	}
	m, _ := jsonFieldsCache.LoadOrStore(t, fieldsByName(t))
	return m.(map[string]reflect.StructField)
}

// index is path[i].
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

func fieldsByName(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return "null"
}

// placeOf says where a field unknown at path goes: the paths where the
// document's type has a field of that name ("here (it goes at
// secrets[i].exposure)"), else the closest known field at this level when
// it looks like a typo.
func (w *walker) placeOf(k, path string, fields map[string]reflect.StructField) string {
	here := generalPath(join(path, k))
	var at []string
	for _, p := range w.elsewhere[k] {
		if p != here {
			at = append(at, p)
		}
	}
	if len(at) == 0 {
		return suggest(k, fields)
	}
	if len(at) > 3 {
		at = at[:3]
	}
	where := strings.Join(at, " or ")
	if !strings.Contains(where, ".") && !strings.Contains(where, "[") {
		where = "the top level: " + where
	}
	return " here (it goes at " + where + ")"
}

// generalPath writes every index of a path as [i]: secrets[2].x is
// secrets[i].x.
func generalPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '[' {
			b.WriteByte(p[i])
			continue
		}
		j := strings.IndexByte(p[i:], ']')
		if j < 0 {
			b.WriteString(p[i:])
			break
		}
		b.WriteString("[i]")
		i += j
	}
	return b.String()
}

var fieldPathsCache sync.Map // reflect.Type -> map[string][]string

// fieldPathsOf is fieldPaths, computed once per type.
func fieldPathsOf(t reflect.Type) map[string][]string {
	if m, ok := fieldPathsCache.Load(t); ok {
		return m.(map[string][]string)
	}
	m, _ := fieldPathsCache.LoadOrStore(t, fieldPaths(t))
	return m.(map[string][]string)
}

// fieldPaths maps each JSON field name in t's tree (structs, through
// pointers, slices and maps, four levels deep) to its general paths,
// shallowest first.
func fieldPaths(t reflect.Type) map[string][]string {
	out := map[string][]string{}
	type node struct {
		t    reflect.Type
		path string
	}
	level := []node{{t, ""}}
	for depth := 0; depth < 4 && len(level) > 0; depth++ {
		var next []node
		for _, n := range level {
			t := n.t
			suffix := ""
			for {
				switch t.Kind() {
				case reflect.Pointer:
					t = t.Elem()
					continue
				case reflect.Slice, reflect.Array:
					t, suffix = t.Elem(), suffix+"[i]"
					continue
				case reflect.Map:
					t, suffix = t.Elem(), suffix+".<key>"
					continue
				}
				break
			}
			if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(textUnmarshaler) {
				continue
			}
			base := n.path + suffix
			fields := jsonFields(t)
			names := make([]string, 0, len(fields))
			for name := range fields {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				p := join(base, name)
				out[name] = append(out[name], p)
				next = append(next, node{fields[name].Type, p})
			}
		}
		level = next
	}
	return out
}

// suggest names the closest known field when the unknown one looks like a typo.
func suggest(k string, fields map[string]reflect.StructField) string {
	best, bestD := "", 3
	for name := range fields {
		if d := editDistance(strings.ToLower(k), name); d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Parsed is a JSON document read once: its tree (as encoding/json decodes
// into any, numbers as json.Number) and its duplicate keys. A model's
// answer is checked against its schema on the tree and then decoded
// strictly (StrictParsed) without being parsed again for each.
type Parsed struct {
	data []byte
	tree any
	dups []runbook.FieldError
	// members are the root object's members' spans in data.
	members map[string][2]int
}

// Parse reads a JSON document once; an error is the syntax error Strict
// reports.
func Parse(data []byte) (*Parsed, error) {
	if !json.Valid(data) {
		return nil, syntaxError(data)
	}
	t := &tree{data: data, members: map[string][2]int{}}
	doc := t.value()
	return &Parsed{data: data, tree: doc, dups: t.dups, members: t.members}, nil
}

// Tree is the document decoded as encoding/json decodes into any, numbers
// as json.Number (what a JSON Schema validator reads).
func (p *Parsed) Tree() any { return p.tree }

// Dups are the duplicate keys, with their paths.
func (p *Parsed) Dups() []runbook.FieldError { return p.dups }

// Member is the root object's member key as a document of its own: its
// bytes, its tree and its duplicate keys, with paths from it (as if it had
// been parsed alone). ok is false when the root is not an object without
// that key.
func (p *Parsed) Member(key string) (m *Parsed, ok bool) {
	obj, isObj := p.tree.(map[string]any)
	span, has := p.members[key]
	if !isObj || !has {
		return nil, false
	}
	m = &Parsed{data: p.data[span[0]:span[1]], tree: obj[key]}
	for _, d := range p.dups {
		if rest, under := strings.CutPrefix(d.Path, key); under && rest != "" && (rest[0] == '.' || rest[0] == '[') {
			d.Path = strings.TrimPrefix(rest, ".")
			m.dups = append(m.dups, d)
		}
	}
	return m, true
}

// StrictParsed is Strict on a parsed document: its duplicate keys, then
// every unknown field and type mismatch, then the decoding into v.
func StrictParsed(p *Parsed, v any) error {
	if len(p.dups) > 0 {
		return &runbook.ValidationError{Fields: p.dups}
	}
	w := walker{elsewhere: fieldPathsOf(reflect.TypeOf(v).Elem())}
	w.walk(reflect.TypeOf(v).Elem(), p.tree)
	if len(w.fields) > 0 {
		return &runbook.ValidationError{Fields: w.fields}
	}
	if err := json.Unmarshal(p.data, v); err != nil {
		return &runbook.ValidationError{Fields: []runbook.FieldError{{Path: "", Problem: "cannot decode: " + err.Error()}}}
	}
	return nil
}
