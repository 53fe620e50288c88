package intake

import (
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/catalog"
)

// TestNamesLexicon: the embedded lexicon decodes and fits the catalogue (no
// spelling names two providers once case and separators are gone).
func TestNamesLexicon(t *testing.T) {
	if _, err := NewNames(catalog.Default(), namesYAML); err != nil {
		t.Fatal(err)
	}
}

// TestBrokenNamesLexiconIsRefused: a lexicon with an unknown field, an
// unknown provider, a spelling of two providers, an override without its
// reason and a kind without words is refused, each problem named.
func TestBrokenNamesLexiconIsRefused(t *testing.T) {
	base := string(namesYAML)
	for _, tc := range []struct {
		name, edit, want string
	}{
		{"unknown field", base + "\nsynonyms: []\n", "unknown field \"synonyms\""},
		{"unknown provider", strings.Replace(base, "{alias: hashicorp, provider: vault}", "{alias: hashicorp, provider: hashicorp-vault}", 1), `provider "hashicorp-vault" is not in the catalogue`},
		{"two providers", strings.Replace(base, "{alias: hashicorp, provider: vault}", "{alias: Azure_AD, provider: azure}", 1), `alias "Azure_AD" is also entra's`},
		{"catalogue's own", strings.Replace(base, "{alias: hashicorp, provider: vault}", "{alias: HashiCorp-Vault, provider: vault}", 1), `alias "HashiCorp-Vault" is already the catalogue's`},
		{"override without reason", strings.Replace(base, `    because: "the URL itself`, `    #because: "the URL itself`, 1), "over and because go together"},
		{"kind without words", strings.Replace(base, "  - kind: signing_key\n    words: [signing key, signing keys]", "  - kind: signing_key\n    words: []", 1), "words are required"},
		{"not a kind", strings.Replace(base, "  - kind: signing_key\n    words: [signing key, signing keys]", "  - kind: jwt\n    words: [signing key]", 1), `kind "jwt" is not a kind`},
		{"confirm unknown entry", strings.Replace(base, "  - entry: postgres-owner-role", "  - entry: postgres-owner", 1), `entry "postgres-owner" is not in the catalogue`},
		{"confirm without words", strings.Replace(base, `The request says \"{words}\": a role`, `A role`, 1), "must quote the {words}"},
		{"kind unnamed", strings.Replace(base, "  signing_key: a token signing key\n", "", 1), "kind_names: signing_key is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.edit == base {
				t.Fatal("the edit changed nothing: the test lost its target")
			}
			_, err := NewNames(catalog.Default(), []byte(tc.edit))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %s", err, tc.want)
			}
		})
	}
}
