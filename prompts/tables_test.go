package prompts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestTablesReadBack: a data block's lists of objects go as tables, each key
// once, and read back as the same objects (a key an object lacks stays
// lacking); lists of one object, of scalars or of mixed values stay lists.
func TestTablesReadBack(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		// table says a table must appear in the encoding.
		table bool
	}{
		{"secrets", `{"system":"Acme","secrets":[{"id":"a","name":"A","consumers":[{"name":"api","owner":"P"},{"name":"jobs","owner":"Q"},{"name":"web","owner":"Q"}]},{"id":"b","name":"B","urgency":{"priority":"P1"}},{"id":"c","name":"C","urgency":{"priority":"P2"}},{"id":"d","name":"D"}]}`, true},
		{"one object", `{"steps":[{"order":1,"phase":"create"}]}`, false},
		{"scalars", `{"environments":["staging","production"],"n":[1,2]}`, false},
		{"mixed", `{"x":[{"a":1},"b"]}`, false},
		{"nested lists", `[[{"alpha":1,"beta":2},{"alpha":3,"beta":4},{"alpha":5,"beta":6},{"alpha":7}],[]]`, true},
		{"null value kept out", `{"l":[{"alpha":null,"beta":1},{"alpha":3,"beta":2},{"alpha":5,"beta":4},{"alpha":7,"beta":6}]}`, true},
		{"disjoint keys stay objects", `{"l":[{"a":1},{"b":2}]}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in any
			if err := json.Unmarshal([]byte(tc.in), &in); err != nil {
				t.Fatal(err)
			}
			enc, err := EncodeTables(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(enc, `"cols":`); got != tc.table {
				t.Errorf("table in %s: %v, want %v", enc, got, tc.table)
			}
			back, err := DecodeTables([]byte(enc))
			if err != nil {
				t.Fatal(err)
			}
			// In a table, a null value and a missing key read the same.
			want := in
			if tc.table {
				want = dropNulls(in)
			}
			if !reflect.DeepEqual(back, want) {
				t.Errorf("read back %v, want %v (sent %s)", back, want, enc)
			}
			if tc.table && len(enc) >= len(tc.in) {
				t.Errorf("the table (%d bytes) is not shorter than the JSON (%d)", len(enc), len(tc.in))
			}
		})
	}
}

func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = dropNulls(e)
		}
		return out
	}
	return v
}
