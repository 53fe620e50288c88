package prompts

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// jsonEncoded is what EncodeData wrote with encoding/json.
func jsonEncoded(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(true)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(buf.String(), "\n")
}

// TestEncodeDataIsEncodingJSON: EncodeData writes a data block byte for
// byte as encoding/json does (the prompts' cached prefix and their cache
// keys depend on it): every row of testdata/encode_values.yaml, every eval
// request's JSON as a block, its tabulated form, a part's header and
// random strings.
func TestEncodeDataIsEncodingJSON(t *testing.T) {
	same := func(name string, v any) {
		t.Helper()
		got, err := EncodeData(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := jsonEncoded(t, v); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	var rows []struct{ Name, JSON, Text string }
	data, err := os.ReadFile("testdata/encode_values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Text != "" {
			same(r.Name, map[string]any{"v": r.Text, r.Text: []any{r.Text}})
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(r.JSON), &v); err != nil {
			t.Fatalf("%s: %v", r.Name, err)
		}
		same(r.Name, v)
		same(r.Name+" (tables)", Tabulate(v))
	}
	files, _ := filepath.Glob("../eval/requests/*.json")
	if len(files) == 0 {
		t.Fatal("no eval requests")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		same(filepath.Base(f), v)
		same(filepath.Base(f)+" (tables)", Tabulate(v))
	}
	same("a part's header", map[string]any{"part": map[string]any{"index": 2, "of": 7, "secret_ids": []string{"a", "b<c"}, "tracks": []string(nil), "section_wide": false}})
	rnd := rand.New(rand.NewPCG(7, 22))
	alphabet := []rune("ab<>&\"\\\n\t\x00\x1f\x7fé😀\u2028\u2029`'/ ")
	for i := range 2000 {
		var b strings.Builder
		for range rnd.IntN(12) {
			b.WriteRune(alphabet[rnd.IntN(len(alphabet))])
		}
		s := b.String()
		if i%5 == 0 && len(s) > 1 {
			s = s[:len(s)-1] // may cut a rune: invalid UTF-8
		}
		same("random "+strings.ToValidUTF8(s, "?"), map[string]any{s: s, "n": rnd.NormFloat64() * float64(int64(1)<<rnd.IntN(80)), "m": rnd.Float64() / float64(int64(1)<<rnd.IntN(60))})
	}
}
