package planner

import (
	"slices"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// doubled finds a word said twice in a row ("the the"), as a sentence built
// from parts says it when a part already starts with the word the frame ends
// with.
func doubled(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i := 1; i < len(words); i++ {
		if words[i] == words[i-1] && slices.Contains([]string{"the", "a", "an", "of", "to", "and", "is"}, words[i]) {
			return words[i-1] + " " + words[i]
		}
	}
	return ""
}

// TestOpenItemsSayNoWordTwice: the newcomer read "What are the the secret
// store path" in an open item of a request whose store is "other". Every
// store, every shipped request's open items.
func TestOpenItemsSayNoWordTwice(t *testing.T) {
	for _, name := range []string{"acme-payments", "unknown-providers", "ci-breach-doppler-token", "offboarding-datadog-keys"} {
		for _, store := range runbook.SecretStores {
			req := load(t, name)
			req.SecretStore = store
			f, err := Plan(req)
			if err != nil {
				t.Fatalf("%s/%s: %v", name, store, err)
			}
			for _, it := range f.OpenItems {
				for _, s := range []string{it.Text, it.Question} {
					if m := doubled(s); m != "" {
						t.Errorf("%s with store %s: open item %s says %q: %s", name, store, it.ID, m, s)
					}
				}
			}
		}
	}
}
