package schema_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// kindLists finds every enum in a decoded JSON or YAML document that lists
// kinds of secret (it holds api_key and oauth_client_secret), with its path.
func kindLists(node any, path string, out map[string][]string) {
	switch n := node.(type) {
	case map[string]any:
		if enum, ok := n["enum"].([]any); ok {
			var vals []string
			for _, v := range enum {
				if s, ok := v.(string); ok {
					vals = append(vals, s)
				}
			}
			if slices.Contains(vals, "api_key") && slices.Contains(vals, "oauth_client_secret") {
				out[path] = vals
			}
		}
		for k, v := range n {
			kindLists(v, path+"."+k, out)
		}
	case []any:
		for _, v := range n {
			kindLists(v, path+"[]", out)
		}
	}
}

func kindStrings() []string {
	var want []string
	for _, k := range runbook.Kinds {
		want = append(want, string(k))
	}
	return want
}

// TestSigningKeyIsAKind: a JWT or token signing key has a kind of its own
// (ROTATION_RULES.md §1), accepted by validation.
func TestSigningKeyIsAKind(t *testing.T) {
	if !slices.Contains(runbook.Kinds, runbook.Kind("signing_key")) {
		t.Fatalf("runbook.Kinds = %v: no signing_key", runbook.Kinds)
	}
	r := &runbook.Request{System: "Auth", Secrets: []runbook.Secret{{Name: "JWT HS256 signing secret", Kind: "signing_key"}}}
	if err := r.Validate(); err != nil {
		t.Errorf("a signing_key secret is refused: %v", err)
	}
}

// TestEveryKindListAgrees: the kinds are listed in several places a person or
// a model reads (the inventory section's schema, the OpenAPI contract, the
// README, the catalogue's safe entry); each lists exactly runbook.Kinds, so a
// new kind cannot be accepted by one and refused by another.
func TestEveryKindListAgrees(t *testing.T) {
	want := kindStrings()
	set, err := section.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := set.JSON(runbook.SectionInventory)
	var inv any
	if err := json.Unmarshal(raw, &inv); err != nil {
		t.Fatal(err)
	}
	lists := map[string][]string{}
	kindLists(inv, "inventory schema", lists)
	spec, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var api any
	if err := yaml.Unmarshal(spec, &api); err != nil {
		t.Fatal(err)
	}
	kindLists(api, "openapi", lists)
	if len(lists) < 3 {
		t.Fatalf("found %d kind lists (want the inventory schema's and two in the OpenAPI spec): %v", len(lists), lists)
	}
	for path, got := range lists {
		got = slices.DeleteFunc(slices.Clone(got), func(s string) bool { return s == "" })
		if !slices.Equal(got, want) {
			t.Errorf("%s lists %v, want %v", path, got, want)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range want {
		if !strings.Contains(string(readme), "`"+k+"`") {
			t.Errorf("README does not document the kind %s", k)
		}
	}
	generic := catalog.Default().Generic()
	for _, k := range runbook.Kinds {
		if !slices.Contains(generic.Kinds, k) {
			t.Errorf("catalogue entry %s does not accept kind %s: a secret of that kind matches no entry", generic.ID, k)
		}
	}
}
