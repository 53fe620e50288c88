package generate_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/render"
)

// cardLimit is the most words a card may hold: about 600 for up to four
// secrets, growing slowly beyond.
func cardLimit(secrets int) int {
	if secrets <= 4 {
		return 600
	}
	return 600 + 100*(secrets-4)
}

// TestCardsFitOnAPage: the operator card of every shipped eval request fits
// its limit (Acme's, the seed's request, in 400 words).
func TestCardsFitOnAPage(t *testing.T) {
	paths, _ := filepath.Glob("../../eval/requests/*.json")
	if len(paths) < 10 {
		t.Fatalf("requests: %v", paths)
	}
	s := service(t, nil)
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			rb, err := s.Generate(context.Background(), request(t, name), generate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := render.MarkdownView(&buf, rb, render.ViewCard); err != nil {
				t.Fatal(err)
			}
			limit := cardLimit(len(rb.Sections.Inventory.Secrets))
			if name == "acme-payments" {
				limit = 400
			}
			if n := render.Words(buf.String()); n > limit {
				t.Errorf("the card is %d words, limit %d (%d secrets)", n, limit, len(rb.Sections.Inventory.Secrets))
			}
		})
	}
}
