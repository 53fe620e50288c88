package decode

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestUnquoteIsEncodingJSON: the tree reads an escaped string as
// encoding/json does, for every row of testdata/unquote.yaml and for
// random strings (invalid UTF-8, control characters, surrogates, HTML
// characters) as encoding/json and a model escape them.
func TestUnquoteIsEncodingJSON(t *testing.T) {
	same := func(token string) {
		t.Helper()
		var want string
		if err := json.Unmarshal([]byte(`"`+token+`"`), &want); err != nil {
			t.Fatalf("%q is not a JSON string: %v", token, err)
		}
		if got := unquote([]byte(token)); got != want {
			t.Errorf("%q: got %q, want %q", token, got, want)
		}
		// And through the tree, as a value and as a key.
		doc, _, _ := parseTree([]byte(`{"`+token+`":"`+token+`"}`), false)
		for k, v := range doc.(map[string]any) {
			if k != want || v != want {
				t.Errorf("%q in a document: key %q, value %q, want %q", token, k, v, want)
			}
		}
	}
	var rows []string
	data, err := os.ReadFile("testdata/unquote.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		same(r)
	}
	rnd := rand.New(rand.NewPCG(3, 9))
	pieces := []string{"a", "é", "🚀", "<", "&", `\"`, `\\`, `\/`, `\n`, `\t`, `\b`, `\f`, `\r`, `\u0000`, `\u001f`, `\u00e9`, `\u2028`,
		`\ud83d`, `\ude80`, `\ud83d\ude80`, `\uD83D\uDE80`, `\uFFFD`, "\xff", "\xe2\x82", " "}
	for range 5000 {
		var b strings.Builder
		for range rnd.IntN(10) {
			b.WriteString(pieces[rnd.IntN(len(pieces))])
		}
		same(b.String())
		// And as encoding/json writes a Go string (invalid UTF-8 included).
		enc, _ := json.Marshal(b.String())
		same(string(enc[1 : len(enc)-1]))
	}
}
