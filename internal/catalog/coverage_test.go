package catalog

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/zricethezav/gitleaks/v8/detect"
)

// coverage is testdata/gitleaks_coverage.yaml: how the catalogue covers
// each rule of gitleaks' default rule set.
type coverage struct {
	// Floor is the least share of vendor rules that must be mapped (%).
	Floor float64 `yaml:"floor"`
	// Mapped: rule id -> the catalogue entry that rotates what it finds.
	Mapped map[string]string `yaml:"mapped"`
	// NotVendor: rules for something no vendor issues (a generic key=value,
	// a PEM file), with why; they are not counted.
	NotVendor map[string]string `yaml:"not_vendor"`
	// NotCredential: vendor identifiers and public keys: nothing secret to
	// rotate; not counted.
	NotCredential map[string]string `yaml:"not_credential"`
	// Uncovered: vendor rules with no entry yet, with why.
	Uncovered map[string]string `yaml:"uncovered"`
}

// TestGitleaksCoverage measures the catalogue against the world: every rule
// of gitleaks' default rule set (read from the library's own config) for a
// vendor-issued credential maps to a catalogue entry of that vendor, or is
// listed as uncovered with a reason. It prints mapped / vendor rules and
// fails below the floor in the data file, or on a rule listed nowhere, twice,
// or that gitleaks no longer has.
func TestGitleaksCoverage(t *testing.T) {
	d, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/gitleaks_coverage.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cov coverage
	if err := yaml.UnmarshalWithOptions(data, &cov, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	c := Default()
	sections := map[string]map[string]string{"mapped": cov.Mapped, "not_vendor": cov.NotVendor, "not_credential": cov.NotCredential, "uncovered": cov.Uncovered}
	where := map[string][]string{}
	for name, sec := range sections {
		for id, v := range sec {
			where[id] = append(where[id], name)
			if _, ok := d.Config.Rules[id]; !ok {
				t.Errorf("%s lists %s, which gitleaks' default rules do not have", name, id)
			}
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s.%s: a reason or an entry is required", name, id)
			}
		}
	}
	var ids []string
	for id := range d.Config.Rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	vendor, mapped, unconfirmed := 0, 0, 0
	for _, id := range ids {
		switch w := where[id]; len(w) {
		case 0:
			t.Errorf("gitleaks rule %s (%s) is listed nowhere: map it to an entry or say why not", id, d.Config.Rules[id].Description)
			continue
		case 1:
		default:
			t.Errorf("gitleaks rule %s is listed in %v", id, w)
		}
		if cov.NotVendor[id] != "" || cov.NotCredential[id] != "" {
			continue
		}
		vendor++
		entry := cov.Mapped[id]
		if entry == "" {
			continue
		}
		cr := c.Credential(entry)
		if cr == nil {
			t.Errorf("%s maps to %s, which is not a catalogue entry", id, entry)
			continue
		}
		p := cr.Provider()
		if p.ID == "generic" {
			t.Errorf("%s maps to %s, a generic entry: that is not coverage", id, entry)
			continue
		}
		if !namesProvider(id+" "+d.Config.Rules[id].Description, p) {
			t.Errorf("%s maps to %s of %s, whose id, name and aliases the rule never names", id, entry, p.ID)
		}
		mapped++
		if cr.OverlapUnknown {
			unconfirmed++
		}
	}
	pct := 100 * float64(mapped) / float64(vendor)
	// The version the module requires (a test binary carries no build info
	// of its dependencies).
	version := "?"
	if mod, err := os.ReadFile("../../go.mod"); err == nil {
		for _, line := range strings.Split(string(mod), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/zricethezav/gitleaks/v8" {
				version = f[1]
			}
		}
	}
	msg := fmt.Sprintf("gitleaks %s default rules: %d; not vendor-issued: %d; identifiers and public keys: %d; vendor credential rules: %d; mapped: %d/%d = %.1f%% (%d of them with the overlap unconfirmed); uncovered: %d",
		version, len(ids), len(cov.NotVendor), len(cov.NotCredential), vendor, mapped, vendor, pct, unconfirmed, vendor-mapped)
	t.Log(msg)
	fmt.Println(msg)
	if pct < cov.Floor {
		t.Errorf("coverage %.1f%% is below the floor %.1f%%", pct, cov.Floor)
	}
}

// namesProvider reports whether a rule's id or description names the
// provider: its id, its name or an alias, ignoring case and separators.
func namesProvider(text string, p *Provider) bool {
	squash := func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToLower(s) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	t := squash(text)
	for _, a := range append([]string{p.ID, p.Name}, p.Aliases...) {
		if sa := squash(a); len(sa) >= 3 && strings.Contains(t, sa) {
			return true
		}
	}
	return false
}
