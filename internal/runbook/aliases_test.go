package runbook_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestStoreSpellings reads testdata/aliases.yaml: each spelling of
// secret_store, sent in a JSON request (top level and on a secret) and in a
// YAML one (eval cases), is read as its store, or refused with the list of
// stores.
func TestStoreSpellings(t *testing.T) {
	data, err := os.ReadFile("testdata/aliases.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Given   string `yaml:"given"`
		Want    string `yaml:"want"`
		Refused bool   `yaml:"refused"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 20 {
		t.Fatalf("%d rows", len(rows))
	}
	for _, row := range rows {
		given, _ := json.Marshal(row.Given)
		body := `{"system":"x","secret_store":` + string(given) + `,"secrets":[{"name":"a","secret_store":` + string(given) + `}]}`
		req, err := decode.ParseRequest([]byte(body))
		if row.Refused {
			if err == nil || !strings.Contains(err.Error(), "must be one of vault, aws_secrets_manager") {
				t.Errorf("%q: want refused with the list of stores, got %v", row.Given, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", row.Given, err)
			continue
		}
		if req.SecretStore != runbook.SecretStore(row.Want) || req.Secrets[0].SecretStore != runbook.SecretStore(row.Want) {
			t.Errorf("%q read as %q and %q, want %q", row.Given, req.SecretStore, req.Secrets[0].SecretStore, row.Want)
		}
		var y runbook.Request
		if err := yaml.Unmarshal([]byte("system: x\nsecret_store: "+string(given)+"\nsecrets: [{name: a}]\n"), &y); err != nil || y.SecretStore != runbook.SecretStore(row.Want) {
			t.Errorf("%q in YAML read as %q (%v), want %q", row.Given, y.SecretStore, err, row.Want)
		}
	}
}

// TestAliasesAreDocumented: api/openapi.yaml's SecretStore lists every
// alias of aliases.yaml in its enum and x-aliases, and the README's
// secret_store row says each.
func TestAliasesAreDocumented(t *testing.T) {
	aliases := runbook.StoreAliases()
	if len(aliases["vault"]) == 0 {
		t.Fatalf("no aliases of vault: %v", aliases)
	}
	spec, err := os.ReadFile("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Enum    []any               `yaml:"enum"`
				Aliases map[string][]string `yaml:"x-aliases"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	st := doc.Components.Schemas["SecretStore"]
	var want []any
	for _, s := range runbook.SecretStores {
		want = append(want, string(s))
	}
	var row []string
	for _, s := range runbook.SecretStores {
		spellings := aliases[string(s)]
		if len(spellings) == 0 {
			continue
		}
		var quoted []string
		for _, a := range spellings {
			want = append(want, a)
			quoted = append(quoted, "`"+a+"`")
		}
		row = append(row, strings.Join(quoted, ", ")+" as `"+string(s)+"`")
		if !slices.Equal(st.Aliases[string(s)], spellings) {
			t.Errorf("api/openapi.yaml SecretStore x-aliases.%s = %v, want %v", s, st.Aliases[string(s)], spellings)
		}
	}
	want = append(want, nil)
	if len(st.Aliases) != len(aliases) {
		t.Errorf("api/openapi.yaml SecretStore x-aliases has %d stores, aliases.yaml %d", len(st.Aliases), len(aliases))
	}
	if !slices.Equal(st.Enum, want) {
		t.Errorf("api/openapi.yaml SecretStore enum = %v\nwant %v", st.Enum, want)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	phrase := "are also read: " + strings.Join(row, "; ")
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| `secret_store` |") {
			if !strings.Contains(line, phrase) {
				t.Errorf("README's secret_store row lacks %q:\n%s", phrase, line)
			}
			return
		}
	}
	t.Error("README has no secret_store row")
}
