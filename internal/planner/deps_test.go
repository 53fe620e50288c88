package planner

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// regexpAllowed are the packages the planner depends on that may use
// regexp, and why: none of them reads the request's prose.
var regexpAllowed = map[string]string{
	// Catalogue templates ({var}), product command patterns for the
	// foreign-command lint, and a product version stated in the notes
	// (catalog.Match; intake reads the version as a detail too: the catalog
	// should take it from there).
	"github.com/rotor-dev/rotor/internal/catalog": "catalogue data",
	// The exposure policy reads the runbook's own step texts (the words of
	// a kill or a restriction), never the request.
	"github.com/rotor-dev/rotor/internal/exposure": "step texts",
}

// TestPlannerReadsNoProse: the planner plans from intake's directives. It
// imports no regexp, nor does any rotor package it depends on but those
// listed above; intake reads with its tokenizer and lexicon.
func TestPlannerReadsNoProse(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \",\"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	seen := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		if !strings.HasPrefix(pkg, "github.com/rotor-dev/rotor/") {
			continue
		}
		seen++
		if !slices.Contains(strings.Split(imports, ","), "regexp") {
			continue
		}
		if _, ok := regexpAllowed[pkg]; !ok {
			t.Errorf("%s imports regexp: prose is read in internal/intake, with the lexicon", pkg)
		}
	}
	if seen < 4 {
		t.Fatalf("go list saw %d rotor packages: %s", seen, out)
	}
}
