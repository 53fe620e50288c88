package llm_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAdaptersStandAlone: package llm holds the neutral types and imports
// no adapter and no provider's SDK; go-openai is imported by the OpenAI
// adapter only, so another adapter (Anthropic's, Gemini's native API) sits
// beside it without importing it.
func TestAdaptersStandAlone(t *testing.T) {
	t.Parallel()
	const module = "github.com/rotor-dev/rotor/"
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "testdata" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case strings.HasPrefix(p, "github.com/sashabaranov/go-openai") && dir != "../../internal/llm/openai":
				t.Errorf("%s imports go-openai: only the OpenAI adapter (internal/llm/openai) may", path)
			case dir == "../../internal/llm" && strings.HasPrefix(p, module+"internal/llm/"):
				t.Errorf("%s (the neutral package) imports %s", path, p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
