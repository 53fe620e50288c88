package decode

import (
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// namedField is a struct field with its JSON name.
type namedField struct {
	name  string
	Index []int
}

var fieldsInOrderCache sync.Map // reflect.Type -> []namedField

// fieldsInOrder are jsonFields(t) in the struct's order (made once per type).
func fieldsInOrder(t reflect.Type) []namedField {
	if v, ok := fieldsInOrderCache.Load(t); ok {
		return v.([]namedField)
	}
	names := jsonFields(t)
	out := make([]namedField, 0, len(names))
	for k, f := range names {
		out = append(out, namedField{name: k, Index: f.Index})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index[0] < out[j].Index[0] })
	v, _ := fieldsInOrderCache.LoadOrStore(t, out)
	return v.([]namedField)
}

// WalkStrings calls fn with the JSON path and value of every string reachable
// from v (structs by their json names, slices, maps with string keys). It is
// how every string of a request or a runbook is screened.
func WalkStrings(v any, fn func(path, s string)) {
	walkStrings(reflect.ValueOf(v), "", fn)
}

func walkStrings(v reflect.Value, path string, fn func(path, s string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, fn)
		}
	case reflect.String:
		fn(path, v.String())
	case reflect.Struct:
		for _, f := range fieldsInOrder(v.Type()) {
			walkStrings(v.FieldByIndex(f.Index), join(path, f.name), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), index(path, i), fn)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			walkStrings(v.MapIndex(k), join(path, fmt.Sprint(k)), fn)
		}
	}
}

// JSONString is one string of a JSON document as it was sent: a value, or
// an object key (Key), with its path.
type JSONString struct {
	Path  string
	Value string
	Key   bool
}

// ReplaceStrings replaces every string reachable from v (a pointer) by what
// fn returns for its JSON path and value. Map values are left alone.
func ReplaceStrings(v any, fn func(path, s string) string) {
	replaceStrings(reflect.ValueOf(v), "", fn)
}

func replaceStrings(v reflect.Value, path string, fn func(path, s string) string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			replaceStrings(v.Elem(), path, fn)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(fn(path, v.String()))
		}
	case reflect.Struct:
		for k, f := range jsonFields(v.Type()) {
			replaceStrings(v.FieldByIndex(f.Index), join(path, k), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			replaceStrings(v.Index(i), index(path, i), fn)
		}
	}
}
