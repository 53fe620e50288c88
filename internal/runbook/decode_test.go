package runbook

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDuplicateKeysAreRejectedWithTheirPath: a key given twice in one
// object is a 400 naming the path, at any depth; a lenient decoder would
// keep the last copy and hide the first.
func TestDuplicateKeysAreRejectedWithTheirPath(t *testing.T) {
	for _, tt := range []struct{ body, path string }{
		{`{"system":"A","system":"Billing","secrets":[{"name":"x"}]}`, "system"},
		{`{"system":"A","secrets":[{"name":"x","notes":"a","notes":"b"}]}`, "secrets[0].notes"},
		{`{"system":"A","secrets":[{"name":"x"},{"name":"y","kind":"api_key","kind":"token"}]}`, "secrets[1].kind"},
		{`{"system":"A","secrets":[{"name":"x"}],"remarks":{"a":1,"a":2}}`, "remarks.a"},
	} {
		_, err := ParseRequest([]byte(tt.body))
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Path != tt.path || !strings.Contains(ve.Fields[0].Problem, "duplicate key") {
			t.Errorf("%s: got %v", tt.body, err)
		}
	}
	if _, err := DecodeRunbook([]byte(`{"id":"a","id":"b"}`)); err == nil || !strings.Contains(err.Error(), "duplicate key") {
		t.Errorf("runbooks too: %v", err)
	}
}

// TestScreenSeesEveryStringBeforeValidation: the screen gets every string
// (keys, unknown fields, both copies of a duplicate key) in document order,
// and its error is returned instead of any validation message.
func TestScreenSeesEveryStringBeforeValidation(t *testing.T) {
	body := `{"system":"first","system":"second","trigger":"nonsense","secrets":[{"name":"x","odd\u00e9":"v"}],"extra":["e"]}`
	var got []JSONString
	refused := errors.New("refused")
	_, err := ParseRequestScreened([]byte(body), func(strs []JSONString) error { got = strs; return refused })
	if err != refused {
		t.Fatalf("the screen's error must win: %v", err)
	}
	want := []JSONString{
		{"system", "system", true}, {"system", "first", false},
		{"system", "system", true}, {"system", "second", false},
		{"trigger", "trigger", true}, {"trigger", "nonsense", false},
		{"secrets", "secrets", true},
		{"secrets[0].name", "name", true}, {"secrets[0].name", "x", false},
		{"secrets[0].oddé", "oddé", true}, {"secrets[0].oddé", "v", false},
		{"extra", "extra", true}, {"extra[0]", "e", false},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("strings (-want +got):\n%s", diff)
	}
}

// TestTreeMatchesEncodingJSON: the one-pass decoder gives what
// encoding/json gives for valid input.
func TestTreeMatchesEncodingJSON(t *testing.T) {
	for _, body := range []string{
		`{"a":[1,-2.5e3,true,false,null,"x\"y\\u00e9\n"],"b":{},"c":[],"d":{"e":[{"f":"g"}]}}`,
		` [ 1 , [ ] , { } , "" ] `,
		`"just a string"`,
		"{\"bad utf8\":\"\xff\"}",
	} {
		var want any
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatal(err)
		}
		got, _, dups := parseTree([]byte(body), true)
		if len(dups) > 0 || !reflect.DeepEqual(want, got) {
			t.Errorf("%s: got %#v want %#v", body, got, want)
		}
	}
}

// FuzzTreeMatchesEncodingJSON: on any valid JSON the one-pass decoder gives
// what encoding/json gives (objects without duplicate keys), reports a
// duplicate key exactly when there is one, and collects every string.
func FuzzTreeMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,"x",{"b":null}]}`, `{"a":1,"a":2}`, `"\u00e9\ud83d\ude00"`, `[[],{},-0.5e-3]`, `{"system":"S","secrets":[{"name":"x"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		got, strs, dups := parseTree(data, true)
		var want any
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.UseNumber()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("valid JSON not decoded: %v", err)
		}
		if len(dups) == 0 && !reflect.DeepEqual(want, got) {
			t.Fatalf("got %#v want %#v", got, want)
		}
		n := 0
		var count func(v any)
		count = func(v any) {
			switch x := v.(type) {
			case string:
				n++
			case []any:
				for _, e := range x {
					count(e)
				}
			case map[string]any:
				for _, e := range x {
					n++ // its key
					count(e)
				}
			}
		}
		count(got)
		if len(dups) == 0 && len(strs) != n {
			t.Fatalf("%d strings collected, %d in the document", len(strs), n)
		}
	})
}
