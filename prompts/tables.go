package prompts

import (
	"encoding/json"
	"fmt"
	"sort"
)

// A list of objects is the bulk of a data block (the secrets, their
// consumers, the planned steps, the open items), and JSON repeats every key
// in every object: a fleet of a hundred secrets spent more tokens on its
// keys than on its facts. EncodeTables writes such a list as a table, its
// keys once:
//
//	{"cols":["id","name"],"rows":[["stripe-webhook","Stripe webhook"],...]}
//
// (the task message tells the model how to read it). DecodeTables reads it
// back into the objects, a value a row lacks (null) left out.

// EncodeTables is EncodeData with every list of objects that is shorter as
// a table written as one.
func EncodeTables(v any) (string, error) {
	// Through JSON first: v may be a struct.
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("prompts: encode data: %w", err)
	}
	var generic any
	if err := json.Unmarshal(data, &generic); err != nil {
		return "", fmt.Errorf("prompts: encode data: %w", err)
	}
	return EncodeData(Tabulate(generic))
}

// Tabulate returns v (JSON-decoded values: maps, slices, scalars) with each
// list of objects that is shorter as a table made one; v is not changed.
func Tabulate(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Tabulate(e)
		}
		return out
	case []any:
		keys, ok := tableKeys(x)
		if !ok {
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = Tabulate(e)
			}
			return out
		}
		rows := make([]any, len(x))
		for i, e := range x {
			obj := e.(map[string]any)
			row := make([]any, len(keys))
			for j, k := range keys {
				if val, ok := obj[k]; ok {
					row[j] = Tabulate(val)
				}
			}
			rows[i] = row
		}
		cols := make([]any, len(keys))
		for i, k := range keys {
			cols[i] = k
		}
		return map[string]any{"cols": cols, "rows": rows}
	}
	return v
}

// tableKeys is the sorted union of the keys of a list of two or more
// objects, when the list is shorter as a table (false for any other list):
// each key written once instead of once per object, against a null for
// each key an object lacks and the table's own frame.
func tableKeys(list []any) ([]string, bool) {
	if len(list) < 2 {
		return nil, false
	}
	seen := map[string]bool{}
	var keys []string
	asObjects, present := 0, 0
	for _, e := range list {
		obj, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		for k := range obj {
			asObjects += len(k) + 3 // "k":
			present++
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	asTable := len(`{"cols":[],"rows":[]}`) + 5*(len(keys)*len(list)-present) // null,
	for _, k := range keys {
		asTable += len(k) + 3 // "k",
	}
	if asTable >= asObjects {
		return nil, false
	}
	sort.Strings(keys)
	return keys, true
}

// Untabulate is Tabulate undone: every {"cols","rows"} table is made a list
// of objects again (a null cell left out).
func Untabulate(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if cols, rows, ok := asTable(x); ok {
			out := make([]any, len(rows))
			for i, r := range rows {
				row, _ := r.([]any)
				obj := map[string]any{}
				for j, c := range cols {
					if j < len(row) && row[j] != nil {
						obj[c] = Untabulate(row[j])
					}
				}
				out[i] = obj
			}
			return out
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Untabulate(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Untabulate(e)
		}
		return out
	}
	return v
}

// asTable reads a table's columns and rows.
func asTable(m map[string]any) ([]string, []any, bool) {
	if len(m) != 2 {
		return nil, nil, false
	}
	rawCols, ok1 := m["cols"].([]any)
	rows, ok2 := m["rows"].([]any)
	if !ok1 || !ok2 {
		return nil, nil, false
	}
	cols := make([]string, len(rawCols))
	for i, c := range rawCols {
		s, ok := c.(string)
		if !ok {
			return nil, nil, false
		}
		cols[i] = s
	}
	return cols, rows, true
}

// DecodeTables decodes a data block written by EncodeTables into JSON
// values, its tables made lists of objects again.
func DecodeTables(data []byte) (any, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("prompts: decode data: %w", err)
	}
	return Untabulate(v), nil
}
