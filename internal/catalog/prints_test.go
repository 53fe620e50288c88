package catalog

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

var codeSpanRE = regexp.MustCompile("`[^`]+`")

// TestNoCommandPrintsASecret (testdata/prints_secret.yaml): no catalogue
// command prints a live or new secret on the screen.
func TestNoCommandPrintsASecret(t *testing.T) {
	data, err := os.ReadFile("testdata/prints_secret.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Why        string `yaml:"why"`
		Span       string `yaml:"span"`
		Unless     string `yaml:"unless"`
		UnlessText string `yaml:"unless_text"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	type text struct{ where, s string }
	var texts []text
	c := Default()
	for _, p := range c.Providers {
		for _, cr := range p.Credentials {
			for _, s := range cr.Actions.Texts() {
				texts = append(texts, text{cr.ID, *s})
			}
			for _, q := range cr.Quirks {
				texts = append(texts, text{cr.ID + " quirk", q})
			}
		}
	}
	for _, st := range c.Stores {
		for _, s := range []string{st.Write, st.WriteNext, st.WriteUser, st.Backup, st.Check, st.Rollback} {
			texts = append(texts, text{string(st.ID), s})
		}
	}
	if len(texts) < 100 {
		t.Fatalf("only %d catalogue texts read", len(texts))
	}
	for _, r := range rows {
		span := regexp.MustCompile(r.Span)
		var unless, unlessText *regexp.Regexp
		if r.Unless != "" {
			unless = regexp.MustCompile(r.Unless)
		}
		if r.UnlessText != "" {
			unlessText = regexp.MustCompile(r.UnlessText)
		}
		for _, x := range texts {
			for _, sentence := range strings.SplitAfter(x.s, ". ") {
				for _, code := range codeSpanRE.FindAllString(sentence, -1) {
					if !span.MatchString(code) || unless != nil && unless.MatchString(code) || unlessText != nil && unlessText.MatchString(sentence) {
						continue
					}
					t.Errorf("%s: %s prints a secret (%s)", x.where, code, r.Why)
				}
			}
		}
	}
}
