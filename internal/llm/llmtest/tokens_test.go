package llmtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLineCountsAddUp: counting a text line by line (what the fake does to
// keep counting fast) gives exactly the tokens of the text counted whole,
// on every prompt golden, the prompt templates, the README, rotor's golden
// runbooks and the edge cases of o200k_base's pre-tokenizer around line
// breaks (blank lines, "/" after a break, CRLF, trailing spaces).
func TestLineCountsAddUp(t *testing.T) {
	tok := O200k()
	texts := map[string]string{
		"blank lines":          "a\n\nb\n \n c\n\t\n\nd",
		"slash after a break":  "x,\n/y\n/ z\n}\n//c",
		"indented json":        "{\n \"a\": [\n  1,\n  2\n ],\n \"b\": \"c\\nd\"\n}\n",
		"crlf":                 "one\r\ntwo\r\n\r\nthree\n\r\nfour",
		"trailing spaces":      "a  \n  b \n\n  \n c",
		"punctuation at ends":  "x.\n.y\n:\n-\n- item\n'\n's\n",
		"digits":               "1\n2345\n678\n9",
		"unicode":              "é\nÉcole\n\u00a0\nx\u2028y\n中文\n字",
		"leading break":        "\n\nx\n",
		"only breaks":          "\n\n\n",
		"letters after breaks": "abc\nDef\nghi \nJKL\n",
	}
	for _, glob := range []string{"../../generate/testdata/prompts/*", "../../generate/testdata/*.golden.*", "../../../prompts/*.tmpl",
		"../../../prompts/sections/*.tmpl", "../../../README.md"} {
		names, _ := filepath.Glob(glob)
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			texts[name] = string(data)
		}
	}
	if len(texts) < 30 {
		t.Fatalf("only %d texts", len(texts))
	}
	for name, text := range texts {
		if got := strings.Join(Lines(text), ""); got != text {
			t.Errorf("%s: the lines do not join to the text", name)
		}
		whole := len(tok.enc.EncodeOrdinary(text))
		if lines := tok.CountLines(text); lines != whole {
			t.Errorf("%s: %d tokens line by line, %d whole", name, lines, whole)
		}
	}
}

// TestPrefixCacheIsSchemaFirst: two prompts sharing their messages but not
// their schema share no cached prefix (the schema comes first), while two
// sharing the schema and a long system prompt do, in 128-token blocks and
// never under 1,024 tokens.
func TestPrefixCacheIsSchemaFirst(t *testing.T) {
	long := strings.Repeat("Rotate the key, then verify every consumer reads the new one.\n", 200)
	c := NewPrefixCache(O200k())
	a := Prompt{Schema: "a\n{\"type\":\"object\"}\n", Messages: []string{long, "task a"}}
	if got := c.Cached(a); got != 0 {
		t.Errorf("first prompt: %d cached", got)
	}
	b := Prompt{Schema: "b\n{\"type\":\"object\"}\n", Messages: []string{long, "task b"}}
	if got := c.Cached(b); got != 0 {
		t.Errorf("another schema before the same messages: %d cached, want 0", got)
	}
	same := Prompt{Schema: a.Schema, Messages: []string{long, "task c"}}
	got := c.Cached(same)
	total := O200k().Tokens(same)
	if got < CacheMinTokens || got%CacheBlockTokens != 0 || got > total {
		t.Errorf("same schema and system prompt: %d of %d cached", got, total)
	}
	short := Prompt{Schema: "s\n{}\n", Messages: []string{"short", "x"}}
	c.Cached(short)
	if got := c.Cached(Prompt{Schema: short.Schema, Messages: []string{"short", "y"}}); got != 0 {
		t.Errorf("a shared prefix under 1,024 tokens: %d cached", got)
	}
}
