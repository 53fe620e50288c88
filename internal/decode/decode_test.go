package decode

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rotor-dev/rotor/internal/runbook"
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
		var ve *runbook.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Path != tt.path || !strings.Contains(ve.Fields[0].Problem, "duplicate key") {
			t.Errorf("%s: got %v", tt.body, err)
		}
	}
	if _, err := Runbook([]byte(`{"id":"a","id":"b"}`)); err == nil || !strings.Contains(err.Error(), "duplicate key") {
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

func fields(t *testing.T, err error) []runbook.FieldError {
	t.Helper()
	var ve *runbook.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %T %v", err, err)
	}
	return ve.Fields
}

func TestDecodeRequestReportsPaths(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []runbook.FieldError
	}{
		{"unknown top-level field with suggestion", `{"system":"x","secrets":[{"name":"a"}],"secret_stor":"vault"}`,
			[]runbook.FieldError{{Path: "secret_stor", Problem: `unknown field (did you mean "secret_store"?)`}}},
		{"unknown nested field", `{"system":"x","secrets":[{"name":"a"},{"name":"b","colour":"red"}]}`,
			[]runbook.FieldError{{Path: "secrets[1].colour", Problem: "unknown field"}}},
		{"wrong types everywhere at once", `{"system":5,"secrets":[{"name":"a","consumers":"api","personal":"yes"}],"environments":{}}`,
			[]runbook.FieldError{
				{Path: "environments", Problem: "must be an array, got an object"},
				{Path: "secrets[0].consumers", Problem: "must be an array, got a string"},
				{Path: "secrets[0].personal", Problem: "must be true or false, got a string"},
				{Path: "system", Problem: "must be a string, got a number"},
			}},
		{"syntax error with position", "{\n  \"system\": \"x\",\n  \"secrets\": [}\n", []runbook.FieldError{{Path: "", Problem: "invalid JSON at line 3, column 15: invalid character '}' looking for beginning of value"}}},
		{"trailing data", `{"system":"x","secrets":[{"name":"a"}]} {}`, []runbook.FieldError{{Path: "", Problem: "unexpected data after the JSON value"}}},
		{"empty body", ``, []runbook.FieldError{{Path: "", Problem: "invalid JSON: the body is empty or ends too early"}}},
		{"not an object", `[1]`, []runbook.FieldError{{Path: "", Problem: "must be an object, got an array"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Request([]byte(tt.body))
			if diff := cmp.Diff(tt.want, fields(t, err)); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeRequestTooLarge(t *testing.T) {
	body := `{"system":"` + strings.Repeat("a", runbook.MaxBodyBytes) + `"}`
	_, err := Request([]byte(body))
	if runbook.ErrorCode(err) != runbook.CodeTooLarge {
		t.Fatalf("code = %s, want too_large (%v)", runbook.ErrorCode(err), err)
	}
}

func TestWalkStringsVisitsEveryStringWithItsPath(t *testing.T) {
	r := runbook.Request{System: "s", Constraints: []string{"c0"}, Secrets: []runbook.Secret{{Name: "n", Consumers: []string{"a", "b"}}}}
	var got []string
	WalkStrings(&r, func(path, s string) {
		if s != "" {
			got = append(got, path+"="+s)
		}
	})
	want := []string{"system=s", "secrets[0].name=n", "secrets[0].consumers[0]=a", "secrets[0].consumers[1]=b", "constraints[0]=c0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseRequestMergesUnknownFieldsWithValidation(t *testing.T) {
	_, err := ParseRequest([]byte(`{"system":"","secrets":[{"name":"a","kind":"apikey","colour":"red"}]}`))
	var got []string
	for _, f := range fields(t, err) {
		got = append(got, f.Path)
	}
	if diff := cmp.Diff([]string{"secrets[0].colour", "system", "secrets[0].kind"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// A type error stops there: the rest cannot be read reliably.
	_, err = ParseRequest([]byte(`{"system":3,"secrets":[{"name":"a","kind":"apikey"}]}`))
	if f := fields(t, err); len(f) != 1 || f[0].Path != "system" {
		t.Errorf("got %v", f)
	}
	r, err := ParseRequest([]byte(`{"system":"s","secrets":[{"name":"a"}]}`))
	if err != nil || r.System != "s" {
		t.Errorf("valid request: %v", err)
	}
}
