package lint_test

import (
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/catalog"
)

// TestSideEffectPhrasings: every phrasing of a check with a side effect in
// testdata/side_effect_phrasings.yaml is found by the catalogue's effects
// table (what checks-without-side-effects reads), with its effect, and
// every read-only probe there passes (review18 round 2: "one real request",
// "clone, push, API write", "one call the consumer really makes", "a test
// send … is delivered").
func TestSideEffectPhrasings(t *testing.T) {
	data, err := os.ReadFile("testdata/side_effect_phrasings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Text   string `yaml:"text"`
		Effect string `yaml:"effect"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	cat := catalog.Default()
	for _, r := range rows {
		var got []string
		for _, u := range cat.EffectsIn(r.Text) {
			got = append(got, string(u.Effect.Effect)+" ("+u.Match+")")
		}
		switch {
		case r.Effect == "none" && len(got) > 0:
			t.Errorf("%q is a read-only probe, but the effects table finds %s", r.Text, strings.Join(got, ", "))
		case r.Effect != "none" && !strings.Contains(" "+strings.Join(got, " ")+" ", " "+r.Effect+" "):
			t.Errorf("%q has effect %s, but the effects table finds %q", r.Text, r.Effect, strings.Join(got, ", "))
		}
	}
}
