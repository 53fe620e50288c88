package section_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/rotor-dev/rotor/api"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

func TestParse(t *testing.T) {
	got, err := section.Parse([]string{"rollback", "inventory", "rollback"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]runbook.SectionID{runbook.SectionInventory, runbook.SectionRollback}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if all, _ := section.Parse(nil); len(all) != 10 {
		t.Errorf("empty list means all ten, got %d", len(all))
	}
	_, err = section.Parse([]string{"inventory", "summary"})
	var ve *runbook.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v", err)
	}
	if f := ve.Fields; len(f) != 1 || f[0].Path != "sections" || !strings.Contains(f[0].Problem, `"summary" must be one of inventory,`) {
		t.Errorf("got %v", f)
	}
}

// TestRegistry lists the registry and holds it to what the rest of rotor
// assumes: one entry per field of runbook.Sections (by its JSON name), in
// the fields' order, each with a title, a schema and a prompt template,
// and exactly the section ids the OpenAPI document names.
func TestRegistry(t *testing.T) {
	t.Parallel()
	var fields []string
	st := reflect.TypeFor[runbook.Sections]()
	for i := range st.NumField() {
		name, _, _ := strings.Cut(st.Field(i).Tag.Get("json"), ",")
		fields = append(fields, name)
	}
	var ids []string
	for i, s := range section.All {
		t.Logf("%2d. %-18s %-24s %s", i+1, s.ID(), s.Type().Name(), s.Title())
		ids = append(ids, string(s.ID()))
		if s.Title() == "" {
			t.Errorf("%s has no title", s.ID())
		}
		if got, ok := section.ByID(s.ID()); !ok || got != s {
			t.Errorf("%s: ByID finds another section", s.ID())
		}
		if st.Field(i).Type.Elem() != s.Type() {
			t.Errorf("%s is a %s; runbook.Sections.%s is a %s", s.ID(), s.Type(), st.Field(i).Name, st.Field(i).Type)
		}
	}
	if diff := cmp.Diff(fields, ids); diff != "" {
		t.Errorf("the registry and runbook.Sections' fields differ (-fields +registry):\n%s", diff)
	}
	schemas, err := section.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range section.All {
		if _, ok := schemas.JSON(s.ID()); !ok {
			t.Errorf("%s has no schema", s.ID())
		}
	}
	p, err := section.LoadPrompts(prompts.FS)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sorted(ids), p.Sections()); diff != "" {
		t.Errorf("prompt templates (prompts/sections/*.tmpl) and sections differ (-registry +templates):\n%s", diff)
	}
	// The contract names the sections three times: the SectionID enum, the
	// runbook's sections object and the sections query parameter.
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Enum       []string `yaml:"enum"`
				Properties map[string]struct {
					Properties map[string]any `yaml:"properties"`
				} `yaml:"properties"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	spec := api.Spec()
	if err := yaml.Unmarshal(spec, &doc); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids, doc.Components.Schemas["SectionID"].Enum); diff != "" {
		t.Errorf("api/openapi.yaml's SectionID enum differs from the registry (-registry +openapi):\n%s", diff)
	}
	var props []string
	for k := range doc.Components.Schemas["Runbook"].Properties["sections"].Properties {
		props = append(props, k)
	}
	if diff := cmp.Diff(sorted(ids), sorted(props)); diff != "" {
		t.Errorf("api/openapi.yaml's runbook sections differ from the registry (-registry +openapi):\n%s", diff)
	}
	pattern := "(" + strings.Join(ids, "|") + ")"
	if !strings.Contains(string(spec), pattern) {
		t.Errorf("api/openapi.yaml's sections parameter does not match %s", pattern)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestNoLiteralSectionIDs: no Go code outside internal/runbook (where the
// ids are declared) names a section by a string literal, and no prompt or
// page template quotes a section id: they iterate the registry, or use the
// section's runbook constant where they are about that one section. A
// literal names a section when it is made a SectionID (a conversion, an
// element or key of a SectionID list or map), indexes a sections object,
// or is one of a list of section ids (three or more in one declaration or
// statement); the same word meaning something else (a catalogue action, a
// word of a sentence) is not a section's name.
func TestNoLiteralSectionIDs(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, s := range section.All {
		ids[string(s.ID())] = true
	}
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules" || rel == "internal/runbook" {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			for _, lit := range sectionLiterals(f, ids) {
				t.Errorf("%s: %s names a section literally: iterate section.All, or use its runbook constant", fset.Position(lit.Pos()), lit.Value)
			}
		case strings.HasSuffix(path, ".tmpl") || strings.HasSuffix(path, ".html"):
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for id := range ids {
				if strings.Contains(string(data), `"`+id+`"`) {
					t.Errorf("%s quotes the section id %q", rel, id)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sectionLiterals finds the string literals of f that name sections (see
// TestNoLiteralSectionIDs).
func sectionLiterals(f *ast.File, ids map[string]bool) []*ast.BasicLit {
	isID := func(e ast.Expr) *ast.BasicLit {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, _ := strconv.Unquote(lit.Value); ids[v] {
				return lit
			}
		}
		return nil
	}
	sectionType := func(e ast.Expr) bool {
		var b strings.Builder
		_ = printer.Fprint(&b, token.NewFileSet(), e)
		return strings.Contains(b.String(), "SectionID")
	}
	found := map[*ast.BasicLit]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Field:
			return x.Tag == nil // a struct tag names a JSON field
		case *ast.CallExpr: // runbook.SectionID("...")
			if len(x.Args) == 1 && sectionType(x.Fun) {
				if lit := isID(x.Args[0]); lit != nil {
					found[lit] = true
				}
			}
		case *ast.CompositeLit: // []runbook.SectionID{...}, map[runbook.SectionID]T{...}
			if x.Type != nil && sectionType(x.Type) {
				for _, el := range x.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						el = kv.Key
					}
					if lit := isID(el); lit != nil {
						found[lit] = true
					}
				}
			}
		case *ast.IndexExpr: // doc.Sections["inventory"]
			var b strings.Builder
			_ = printer.Fprint(&b, token.NewFileSet(), x.X)
			if strings.HasSuffix(strings.ToLower(b.String()), "sections") {
				if lit := isID(x.Index); lit != nil {
					found[lit] = true
				}
			}
		case *ast.GenDecl, *ast.AssignStmt, *ast.ReturnStmt, *ast.ExprStmt:
			// A list: three section ids or more in one declaration or
			// statement.
			var lits []*ast.BasicLit
			distinct := map[string]bool{}
			ast.Inspect(n, func(m ast.Node) bool {
				if fl, ok := m.(*ast.Field); ok && fl.Tag != nil {
					return false
				}
				if e, ok := m.(ast.Expr); ok {
					if lit := isID(e); lit != nil {
						lits = append(lits, lit)
						distinct[lit.Value] = true
					}
				}
				return true
			})
			if len(distinct) >= 3 {
				for _, lit := range lits {
					found[lit] = true
				}
			}
		}
		return true
	})
	out := make([]*ast.BasicLit, 0, len(found))
	for lit := range found {
		out = append(out, lit)
	}
	slices.SortFunc(out, func(a, b *ast.BasicLit) int { return int(a.Pos() - b.Pos()) })
	return out
}
