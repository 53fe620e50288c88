package lint

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// TestMirrorClausesAreDroppedAsBefore: the literal guard in front of
// mirrorClause changes nothing. Each row of testdata/mirror_clauses.yaml
// comes out as written and as the expression alone makes it, and so do
// 5,000 texts stitched from the rows' pieces.
func TestMirrorClausesAreDroppedAsBefore(t *testing.T) {
	raw, err := os.ReadFile("testdata/mirror_clauses.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name, Text, Want string
	}
	if err := yaml.Unmarshal(raw, &rows); err != nil {
		t.Fatal(err)
	}
	var pieces []string
	for _, r := range rows {
		if got := dropMirrorClauses(r.Text); got != r.Want {
			t.Errorf("%s: got %q, want %q", r.Name, got, r.Want)
		}
		if got, re := dropMirrorClauses(r.Text), mirrorClause.ReplaceAllString(r.Text, ""); got != re {
			t.Errorf("%s: guarded %q, expression %q", r.Name, got, re)
		}
		pieces = append(pieces, strings.Fields(r.Text)...)
	}
	pieces = append(pieces, "also lives in", "the mirror in", "copied there by a job", "where a consumer reads it", ":", ";")
	rng := rand.New(rand.NewPCG(22, 20))
	for range 5000 {
		var b strings.Builder
		for range 1 + rng.IntN(14) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			b.WriteByte(" \n"[rng.IntN(2)])
		}
		text := b.String()
		if got, re := dropMirrorClauses(text), mirrorClause.ReplaceAllString(text, ""); got != re {
			t.Fatalf("%q: guarded %q, expression %q", text, got, re)
		}
	}
}
