package intake

import (
	"os"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestSigningPhrases: the JWKS cache time and the JWS algorithm each row's
// notes give, or none (testdata/signing_phrases.yaml).
func TestSigningPhrases(t *testing.T) {
	data, err := os.ReadFile("testdata/signing_phrases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Notes string  `yaml:"notes"`
		Cache *string `yaml:"cache"`
		Alg   string  `yaml:"alg"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Cache != nil {
			if got := JWKSCacheTime(r.Notes); got != *r.Cache {
				t.Errorf("JWKSCacheTime(%q) = %q, want %q", r.Notes, got, *r.Cache)
			}
		}
		if r.Alg != "" {
			if got := JWSAlgorithm(r.Notes); got != r.Alg {
				t.Errorf("JWSAlgorithm(%q) = %q, want %q", r.Notes, got, r.Alg)
			}
		}
	}
}
