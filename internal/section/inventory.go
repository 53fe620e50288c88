package section

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/writer"
)

// inventory is section 1: what is rotated and who depends on it.
var inventory = &def[runbook.Inventory]{
	id:         runbook.SectionInventory,
	title:      "Secret inventory and dependency map",
	field:      func(s *runbook.Sections) **runbook.Inventory { return &s.Inventory },
	write:      writer.Inventory,
	check:      checkInventory,
	partCheck:  true,
	splittable: true,
	refs: func(s *runbook.Inventory) []string {
		return pluck(s.Dependencies, func(x runbook.Dependency) string { return x.SecretID })
	},
	weigh: func(s *runbook.Inventory, w map[string]int, _ map[string]string) int {
		return weighItems(s.Secrets, func(x runbook.InventorySecret) string { return x.ID }, w) +
			weighItems(s.Dependencies, func(d runbook.Dependency) string { return d.SecretID }, w)
	},
	merge: func(a, b *runbook.Inventory) {
		a.Secrets = union(a.Secrets, b.Secrets)
		a.Dependencies = union(a.Dependencies, b.Dependencies)
	},
}

func checkInventory(f *planner.Facts, s *runbook.Inventory) []string {
	var v []string
	add := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }
	if len(s.Secrets) != len(f.Secrets) {
		add("inventory.secrets has %d entries; the facts have %d secrets (%s)", len(s.Secrets), len(f.Secrets), secretIDs(f))
	}
	for i, got := range s.Secrets {
		want := f.SecretByID(got.ID)
		if want == nil {
			add("inventory.secrets[%d].id %q is not a secret id of the facts (%s)", i, got.ID, secretIDs(f))
			continue
		}
		if i < len(f.Secrets) && f.Secrets[i].ID != got.ID {
			add("inventory.secrets[%d] is %s; the facts' order puts %s there", i, got.ID, f.Secrets[i].ID)
		}
		if got.Kind != want.Kind {
			add("inventory.secrets[%d].kind is %s; the facts say %s", i, got.Kind, want.Kind)
		}
		if got.Strategy != want.Strategy {
			add("inventory.secrets[%d].strategy is %s; the facts say %s", i, got.Strategy, want.Strategy)
		}
		if got.RotationRisk != want.RotationRisk.Level {
			add("inventory.secrets[%d].rotation_risk is %s; the facts say %s", i, got.RotationRisk, want.RotationRisk.Level)
		}
		if strings.Join(got.Environments, ",") != strings.Join(want.Environments, ",") {
			add("inventory.secrets[%d].environments are %v; the facts say %v", i, got.Environments, want.Environments)
		}
		if got.Entry != want.Rule {
			add("inventory.secrets[%d].entry is %q; the facts' catalogue entry is %q", i, got.Entry, want.Rule)
		}
	}
	// The dependency map names every consumer of every secret in every
	// environment the secret lives in: a forgotten consumer keeps the old
	// credential and breaks when it is revoked.
	deps := map[[3]string]bool{}
	for _, d := range s.Dependencies {
		deps[[3]string{d.SecretID, d.Consumer, d.Environment}] = true
	}
	for _, fs := range f.Secrets {
		for _, c := range fs.Consumers {
			for _, env := range fs.Environments {
				if !deps[[3]string{fs.ID, c.Name, env}] {
					add("inventory.dependencies has no entry for consumer %s of %s in %s", c.Name, fs.ID, env)
				}
			}
		}
	}
	return v
}
