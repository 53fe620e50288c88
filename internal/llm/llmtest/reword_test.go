package llmtest

import (
	"strings"
	"testing"
)

// TestRewordKeepsCodeAndIsSeeded: rewording is the same for the same seed,
// differs from the text, and leaves code spans and short labels as they are.
func TestRewordKeepsCodeAndIsSeeded(t *testing.T) {
	for _, s := range []string{
		"Open a change ticket listing every secret, environment and the rollback plan below.",
		"Delete the old key: `aws iam delete-access-key --user-name every --access-key-id <old>` once every consumer uses the new one",
		"Second credential in window w1 (daily from 22:00 UTC); kill the old one once it goes quiet",
	} {
		for _, seed := range []uint64{1, 2, 99} {
			got := Reword(s, seed)
			if got == s || got != Reword(s, seed) {
				t.Errorf("seed %d: %q -> %q (not reworded, or not deterministic)", seed, s, got)
			}
			if i := strings.Index(s, "`"); i >= 0 {
				code := s[i : strings.LastIndex(s, "`")+1]
				if !strings.Contains(got, code) {
					t.Errorf("seed %d: code span %q lost in %q", seed, code, got)
				}
			}
		}
	}
	for _, label := range []string{"all", "step 119", ""} {
		if got := Reword(label, 1); got != label {
			t.Errorf("%q reworded to %q", label, got)
		}
	}
}
