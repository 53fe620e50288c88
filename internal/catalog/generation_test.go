package catalog

import (
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestGenerationTable reads testdata/generation.yaml: the entry the
// catalogue picks for each secret generates its value in the format its
// consumers parse.
func TestGenerationTable(t *testing.T) {
	data, err := os.ReadFile("testdata/generation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Rows []struct {
			Name      string       `yaml:"name"`
			Kind      runbook.Kind `yaml:"kind"`
			Provider  string       `yaml:"provider"`
			Notes     string       `yaml:"notes"`
			CreateHas []string     `yaml:"create_has"`
			CreateNot []string     `yaml:"create_not"`
		} `yaml:"rows"`
	}
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	c := Default()
	for _, row := range table.Rows {
		text := strings.ToLower(row.Name + " " + row.Notes)
		prov := c.Provider(row.Provider)
		if prov == nil {
			prov = c.InferProvider(text)
		}
		cr := c.Match(prov, row.Kind, "", text)
		create := cr.Actions.Create + " " + cr.Actions.Replace
		for _, s := range row.CreateHas {
			if !strings.Contains(create, s) {
				t.Errorf("%s: entry %s does not generate with %q: %s", row.Name, cr.ID, s, create)
			}
		}
		for _, s := range row.CreateNot {
			if strings.Contains(create, s) {
				t.Errorf("%s: entry %s generates with %q: %s", row.Name, cr.ID, s, create)
			}
		}
	}
}

// TestURLSafeValuesAreGeneratedURLSafe: an entry whose value is url-safe
// base64 (value_format urlsafe_base64: a Fernet key) never generates it
// with `openssl rand -base64` unless the output is translated to the
// url-safe alphabet (tr '+/' '-_').
func TestURLSafeValuesAreGeneratedURLSafe(t *testing.T) {
	n := 0
	for _, p := range Default().Providers {
		for _, cr := range p.Credentials {
			if cr.ValueFormat != ValueURLSafeBase64 {
				continue
			}
			n++
			for _, text := range cr.Actions.Texts() {
				if strings.Contains(*text, "openssl rand -base64") && !strings.Contains(*text, "tr '+/' '-_'") {
					t.Errorf("%s: url-safe value generated with standard base64: %s", cr.ID, *text)
				}
			}
		}
	}
	if n == 0 {
		t.Errorf("no entry is marked url-safe base64")
	}
}
