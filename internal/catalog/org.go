package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// An organisation keeps its own catalogue in a directory (ROTOR_CATALOG_DIR):
// one provider file per internal service or vendor, shaped like the embedded
// providers/*.yaml, and optionally a products.yaml with the commands of its
// own tools. Its entries are checked like the built-in ones and take
// precedence over built-in ones with the same provider id, credential id or
// alias.

// Shadow is one built-in thing an organisation's file replaced.
type Shadow struct {
	// File is the organisation's file; What is "provider", "credential" or
	// "alias"; ID is what was replaced, and Builtin the provider it was in.
	File, What, ID, Builtin string
}

func (s Shadow) String() string {
	return fmt.Sprintf("%s: %s %q takes precedence over the built-in %s's", s.File, s.What, s.ID, s.Builtin)
}

// DirError is a broken organisation catalogue: every problem, each naming
// its file.
type DirError struct {
	Dir      string
	Problems []string
}

func (e *DirError) Error() string {
	return fmt.Sprintf("catalog directory %s: %s", e.Dir, strings.Join(e.Problems, "; "))
}

// LoadDir merges the organisation's catalogue in fsys (its directory is dir,
// for messages) over base: every *.yaml file but products.yaml is a provider
// whose id is the file's name. It returns the merged catalogue and what it
// shadowed, or a *DirError naming each broken file and its problem. base is
// never changed.
func LoadDir(base *Catalog, fsys fs.FS, dir string) (*Catalog, []Shadow, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(names)
	bad := &DirError{Dir: dir}
	where := func(n string) string { return path.Join(dir, n) }
	var org []*Provider
	var products []*Product
	for _, n := range names {
		if n == "products.yaml" {
			if err := decode(fsys, n, &products); err != nil {
				bad.Problems = append(bad.Problems, where(n)+": "+strings.TrimPrefix(err.Error(), "catalog: "+n+": "))
			}
			continue
		}
		var p Provider
		if err := decode(fsys, n, &p); err != nil {
			bad.Problems = append(bad.Problems, where(n)+": "+strings.TrimPrefix(err.Error(), "catalog: "+n+": "))
			continue
		}
		if want := strings.TrimSuffix(n, ".yaml"); p.ID != want {
			bad.Problems = append(bad.Problems, fmt.Sprintf("%s: id %q must match the file name %q", where(n), p.ID, want))
			continue
		}
		if p.ID == "generic" {
			bad.Problems = append(bad.Problems, where(n)+": the generic entries are rotor's own and cannot be replaced")
			continue
		}
		p.Origin = where(n)
		org = append(org, &p)
	}
	if len(names) == 0 {
		return nil, nil, &DirError{Dir: dir, Problems: []string{"no *.yaml provider file in it"}}
	}
	// Entries may start from the built-in templates.
	for _, p := range org {
		for _, problem := range base.expandTemplates([]*Provider{p}) {
			bad.Problems = append(bad.Problems, p.Origin+": "+problem)
		}
	}
	// The files that decoded are checked too, so every problem of every
	// file is reported at once.
	c, shadows, clashes := merge(base, org, products)
	bad.Problems = append(bad.Problems, clashes...)
	if err := c.compile(); err != nil {
		bad.Problems = append(bad.Problems, where("products.yaml")+": "+err.Error())
		return nil, nil, bad
	}
	// Name the file of each problem: a problem starts with "provider <id>"
	// or "product <id>".
	origin := map[string]string{}
	for _, p := range org {
		origin["provider "+p.ID] = p.Origin
	}
	for _, pr := range products {
		origin["product "+pr.ID] = where("products.yaml")
	}
	for _, problem := range c.Check() {
		file := ""
		for prefix, f := range origin {
			if strings.HasPrefix(problem, prefix+":") || strings.HasPrefix(problem, prefix+" ") {
				file = f
			}
		}
		if file == "" {
			// A built-in entry broken by the merge (an alias it lost); the
			// organisation's files caused it.
			file = dir
		}
		bad.Problems = append(bad.Problems, file+": "+problem)
	}
	if len(bad.Problems) > 0 {
		return nil, nil, bad
	}
	return c, shadows, nil
}

// merge copies base and lays the organisation's providers and products over
// it: a provider with a built-in's id replaces it; a credential id or an
// alias a built-in provider also has is taken from that provider.
func merge(base *Catalog, org []*Provider, products []*Product) (*Catalog, []Shadow, []string) {
	c := &Catalog{Stores: base.Stores, Deployments: base.Deployments, Effects: base.Effects, Templates: base.Templates, effects: base.effects}
	var shadows []Shadow
	byID := map[string]*Provider{}
	orgAliases := map[string]*Provider{}
	orgCreds := map[string]*Provider{}
	var clashes []string
	for _, p := range org {
		for _, a := range p.Aliases {
			if bp := base.Provider(a); bp != nil && a != p.ID {
				// Taking a built-in's id as an alias would leave two
				// providers answering to one name.
				clashes = append(clashes, fmt.Sprintf("%s: alias %q is the id of the built-in provider %s: name the file %s.yaml to replace it", p.Origin, a, bp.ID, bp.ID))
			}
		}
		byID[p.ID] = p
		for _, a := range p.Aliases {
			orgAliases[a] = p
		}
		for _, cr := range p.Credentials {
			orgCreds[cr.ID] = p
		}
	}
	for _, bp := range base.Providers {
		if op, ok := byID[bp.ID]; ok {
			shadows = append(shadows, Shadow{File: op.Origin, What: "provider", ID: bp.ID, Builtin: bp.ID})
			continue
		}
		cp := *bp
		cp.Aliases = nil
		for _, a := range bp.Aliases {
			if op, ok := orgAliases[a]; ok {
				shadows = append(shadows, Shadow{File: op.Origin, What: "alias", ID: a, Builtin: bp.ID})
				continue
			}
			cp.Aliases = append(cp.Aliases, a)
		}
		if len(cp.Aliases) == 0 {
			// Every alias went to the organisation: it still answers to its id.
			cp.Aliases = []string{bp.ID}
		}
		cp.Credentials = nil
		for _, cr := range bp.Credentials {
			if op, ok := orgCreds[cr.ID]; ok && cr.ID != GenericID {
				shadows = append(shadows, Shadow{File: op.Origin, What: "credential", ID: cr.ID, Builtin: bp.ID})
				continue
			}
			cp.Credentials = append(cp.Credentials, cr)
		}
		if len(cp.Credentials) == 0 && len(bp.Credentials) > 0 {
			// Every entry it had is the organisation's now.
			continue
		}
		c.Providers = append(c.Providers, &cp)
	}
	// The organisation's providers come first: their entries match before
	// the built-in ones (any_provider entries, inference at one position).
	c.Providers = append(append([]*Provider{}, org...), c.Providers...)
	prods := map[string]bool{}
	for _, pr := range products {
		prods[pr.ID] = true
	}
	for _, pr := range base.Products {
		if !prods[pr.ID] {
			c.Products = append(c.Products, pr)
		}
	}
	c.Products = append(c.Products, products...)
	return c, shadows, clashes
}

// compile links each credential to its provider, finds the generic entry
// and compiles the products' patterns.
func (c *Catalog) compile() error {
	c.generic = nil
	for _, p := range c.Providers {
		for i := range p.Credentials {
			p.Credentials[i].provider = p
			if p.Credentials[i].ID == GenericID {
				c.generic = &p.Credentials[i]
			}
		}
	}
	var errs []error
	for _, pr := range c.Products {
		if len(pr.res) == len(pr.Patterns) && len(pr.res) > 0 {
			continue // compiled already (a built-in product)
		}
		pr.res, pr.needles = nil, nil
		for _, pat := range pr.Patterns {
			re, err := regexp.Compile(pat)
			if err != nil {
				errs = append(errs, fmt.Errorf("product %s: pattern %q: %w", pr.ID, pat, err))
				continue
			}
			pr.res = append(pr.res, re)
			pr.needles = append(pr.needles, needles(pat))
		}
	}
	c.products = indexNeedles(c.Products, func(p *Product) []*regexp.Regexp { return p.res })
	return errors.Join(errs...)
}
