package secretscan

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite bigrams.txt from rotor's English")

// bigramSources are the English texts the table is read from.
var bigramSources = []string{"../../README.md", "../../prompts", "../catalog", "../../eval"}

// bigramLeast is how often a pair must occur to be a word's.
const bigramLeast = 1

// TestBigramTable: bigrams.txt parses, holds the pairs of common words
// and names (all but one at most) and not those of random letters;
// -update rewrites it from rotor's English.
func TestBigramTable(t *testing.T) {
	if *update {
		var counts [26][26]int
		for _, src := range bigramSources {
			err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				if ext := filepath.Ext(path); ext != ".md" && ext != ".tmpl" && ext != ".yaml" {
					return nil
				}
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				countBigrams(string(data), &counts)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		header := "# Letter pairs inside the words of rotor's README, prompts and provider catalogue\n" +
			"# (seen at least once). Written by: go test ./internal/secretscan -run TestBigramTable -update\n"
		if err := os.WriteFile("bigrams.txt", []byte(formatBigrams(&counts, bigramLeast, header)), 0o644); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile("bigrams.txt")
		bigramsFile = string(data)
	}
	tab, err := parseBigrams(bigramsFile)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range tab {
		for ; m != 0; m &= m - 1 {
			n++
		}
	}
	if n < 350 || n > 600 {
		t.Errorf("%d pairs of 676", n)
	}
	for _, w := range strings.Fields("billing stripe webhook gateway kubernetes postgres rotation worker analytics registry config ledger payments identity platform support grafana terraform argocd nginx redis mongo kafka snowflake shopify anthropic openai cloudflare jenkins production staging") {
		// A name has at most one pair rotor's English lacks (ngi-nx, ka-fk-a).
		if n := tab.unseen(w); n > 1 {
			t.Errorf("%q has %d pairs not in the table", w, n)
		}
	}
	for _, w := range []string{"qkzv", "xjqw", "vhxq"} {
		if n := tab.unseen(w); n < 2 {
			t.Errorf("%q has only %d pairs not in the table", w, n)
		}
	}
}
