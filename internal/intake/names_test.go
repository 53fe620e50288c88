package intake_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
)

// nameRow is one row of testdata/names.yaml.
type nameRow struct {
	ID      string         `yaml:"id"`
	Why     string         `yaml:"why"`
	Request map[string]any `yaml:"request"`
	Want    struct {
		Provider string `yaml:"provider"`
		Entry    string `yaml:"entry"`
		EntryNot string `yaml:"entry_not"`
		// ProviderNot and KindNot are readings the row must not make.
		ProviderNot string           `yaml:"provider_not"`
		Kind        runbook.Kind     `yaml:"kind"`
		KindNot     runbook.Kind     `yaml:"kind_not"`
		Strategy    runbook.Strategy `yaml:"strategy"`
		Personal    *bool            `yaml:"personal"`
		OpenItem    string           `yaml:"open_item"`
		StepsHave   []string         `yaml:"steps_have"`
		StepsLack   []string         `yaml:"steps_lack"`
		// ConsideredLack: words no reading of the secret's notes may say.
		ConsideredLack []string `yaml:"considered_lack"`
	} `yaml:"want"`
}

func loadNames(t *testing.T) []nameRow {
	t.Helper()
	data, err := os.ReadFile("testdata/names.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []nameRow
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	return rows
}

// kindSources are the request paths an open item about a secret's provider,
// kind or personal flag comes from.
var kindSources = []string{"provider", "kind", "name", "notes", "personal"}

// TestNames plans every request of testdata/names.yaml and checks what its
// first secret resolved to, through the offline runbook's own words. A row
// that expects a catalogue entry the catalogue does not have yet is skipped
// with the entry's name (the catalogue engineer adds it).
func TestNames(t *testing.T) {
	rows := loadNames(t)
	cat := catalog.Default()
	var pass, fail, pending int
	for _, row := range rows {
		ok := t.Run(row.ID, func(t *testing.T) {
			w := row.Want
			// An entry or provider the catalogue does not have yet is not
			// compared (the catalogue engineer adds it); the rest of the row is.
			var waiting []string
			if w.Entry != "" && cat.Credential(w.Entry) == nil {
				waiting = append(waiting, "entry "+w.Entry)
				w.Entry = ""
			}
			if w.Provider != "" && cat.Provider(w.Provider) == nil {
				waiting = append(waiting, "provider "+w.Provider)
				w.Provider = ""
			}
			if len(waiting) > 0 {
				pending++
				defer t.Logf("not compared until the catalogue has it: %s", strings.Join(waiting, ", "))
			}
			body, err := json.Marshal(row.Request)
			if err != nil {
				t.Fatal(err)
			}
			req, err := decode.ParseRequest(body)
			if err != nil {
				t.Fatalf("request refused: %v", err)
			}
			f, err := planner.Plan(req)
			if err != nil {
				t.Fatal(err)
			}
			s := f.Secrets[0]
			check := func(field, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %s, want %s", field, got, want)
				}
			}
			check("provider", s.Provider, w.Provider)
			check("entry", s.Rule, w.Entry)
			check("kind", string(s.Kind), string(w.Kind))
			if w.EntryNot != "" && s.Rule == w.EntryNot {
				t.Errorf("entry = %s, the wrong credential's", s.Rule)
			}
			if w.ProviderNot != "" && s.Provider == w.ProviderNot {
				t.Errorf("provider = %s, which the request does not say it is", s.Provider)
			}
			if w.KindNot != "" && s.Kind == w.KindNot {
				t.Errorf("kind = %s, which the request does not say it is", s.Kind)
			}
			check("strategy", string(s.Strategy), string(w.Strategy))
			if w.Personal != nil && s.Personal != *w.Personal {
				t.Errorf("personal = %v, want %v", s.Personal, *w.Personal)
			}
			for _, c := range f.Considered {
				if c.Source != "secrets[0].notes" {
					continue
				}
				for _, lack := range w.ConsideredLack {
					if strings.Contains(strings.ToLower(c.Reading+" "+c.Effect), strings.ToLower(lack)) {
						t.Errorf("the notes are read as %q (%s)", c.Reading, c.Effect)
					}
				}
			}
			var items []string
			for _, it := range f.OpenItems {
				for _, src := range kindSources {
					if it.Source == "secrets[0]."+src {
						items = append(items, it.Text+" | "+it.Question)
					}
				}
			}
			switch {
			case w.OpenItem == "" && len(items) > 0:
				t.Errorf("open items raised where the reading is clear: %q", items)
			case w.OpenItem != "" && !containsFold(items, w.OpenItem):
				t.Errorf("no open item about the secret says %q; items: %q", w.OpenItem, items)
			}
			if len(w.StepsHave)+len(w.StepsLack) > 0 {
				text := offlineSteps(t, f)
				for _, p := range w.StepsHave {
					if !strings.Contains(text, p) {
						t.Errorf("the steps never say %q", p)
					}
				}
				for _, p := range w.StepsLack {
					if strings.Contains(text, p) {
						t.Errorf("the steps say %q", p)
					}
				}
			}
			if t.Failed() && row.Why != "" {
				t.Logf("defect guarded: %s", row.Why)
			}
		})
		if ok {
			pass++
		} else {
			fail++
		}
	}
	t.Logf("names table: %d rows, %d pass, %d fail; %d rows wait for a catalogue entry or provider in part", len(rows), pass, fail, pending)
}

func containsFold(list []string, words string) bool {
	for _, s := range list {
		if strings.Contains(strings.ToLower(s), strings.ToLower(words)) {
			return true
		}
	}
	return false
}

// offlineSteps is the text of the offline writer's rotation sequence,
// validation and rollback sections.
func offlineSteps(t *testing.T, f *planner.Facts) string {
	t.Helper()
	var b strings.Builder
	for _, id := range []runbook.SectionID{runbook.SectionRotationSequence, runbook.SectionValidation, runbook.SectionRollback} {
		data, err := section.Must(id).Encode(section.Offline(f))
		if err != nil {
			t.Fatal(err)
		}
		var v any
		_ = json.Unmarshal(data, &v)
		fmt.Fprintln(&b, flatten(v))
	}
	return b.String()
}

// flatten joins every string of a decoded JSON value (unescaped, so a row can
// quote a command with > or &).
func flatten(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, flatten(e))
		}
		return strings.Join(parts, "\n")
	case map[string]any:
		var parts []string
		for _, e := range x {
			parts = append(parts, flatten(e))
		}
		return strings.Join(parts, "\n")
	}
	return ""
}

// oddSpellings writes an alias the ways users do: upper case, snake case,
// kebab case, dotted, squashed and title-cased without spaces.
func oddSpellings(alias string) []string {
	words := strings.Fields(alias)
	title := make([]string, len(words))
	for i, w := range words {
		title[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return []string{
		strings.ToUpper(alias),
		strings.Join(words, "_"),
		strings.ToUpper(strings.Join(words, "-")),
		strings.Join(title, "."),
		strings.Join(title, ""),
		" " + strings.Join(title, " ") + " ",
	}
}

// TestEveryAliasInOddSpelling: each alias of each catalogue provider, written
// in odd case and separators in the provider field, plans its provider.
func TestEveryAliasInOddSpelling(t *testing.T) {
	cat := catalog.Default()
	total, failed := 0, 0
	for _, p := range cat.Providers {
		for _, a := range p.Aliases {
			for _, spelled := range oddSpellings(a) {
				total++
				req := &runbook.Request{System: "Aliases", Secrets: []runbook.Secret{{Name: "Service credential", Provider: spelled}}}
				f, err := planner.Plan(req)
				if err != nil {
					t.Fatalf("%q: %v", spelled, err)
				}
				if got := f.Secrets[0].Provider; got != p.ID {
					failed++
					t.Errorf("provider %q (alias %q) resolves to %q, want %s", spelled, a, got, p.ID)
				}
			}
		}
	}
	t.Logf("%d spellings of the catalogue's aliases, %d missed", total, failed)
}

// TestRoles reads testdata/roles.yaml: the signers and verifiers each text
// names.
func TestRoles(t *testing.T) {
	data, err := os.ReadFile("testdata/roles.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Text      string   `yaml:"text"`
		Signers   []string `yaml:"signers"`
		Verifiers []string `yaml:"verifiers"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		s, v := intake.DefaultNames().Roles(row.Text)
		if strings.Join(s, ",") != strings.Join(row.Signers, ",") || strings.Join(v, ",") != strings.Join(row.Verifiers, ",") {
			t.Errorf("%q: signers %q verifiers %q, want %q and %q", row.Text, s, v, row.Signers, row.Verifiers)
		}
	}
}

// TestOrganisationCatalogueNames: a provider of an organisation's catalogue
// (ROTOR_CATALOG_DIR) is resolved in any spelling once it is installed.
func TestOrganisationCatalogueNames(t *testing.T) {
	dir := "../catalog/testdata/org/valid"
	org, _, err := catalog.LoadDir(catalog.Builtin(), os.DirFS(dir), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := intake.CheckNames(org); err != nil {
		t.Fatal(err)
	}
	catalog.Install(org)
	t.Cleanup(func() { catalog.Install(catalog.Builtin()) })
	for _, spelled := range []string{"ACME_LEDGER", "Acme.Ledger", "acme-ledger"} {
		if p := intake.DefaultNames().Provider(spelled); p == nil || p.ID != "acme-ledger" {
			t.Errorf("%q resolves to %v, want acme-ledger", spelled, p)
		}
	}
}
