package runbook

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
)

//go:embed aliases.yaml
var aliasesYAML []byte

// Aliases are the other spellings of each vocabulary's values
// (aliases.yaml): field -> value -> spellings.
type Aliases map[string]map[string][]string

// loadAliases reads aliases.yaml and checks it: every value named is one
// of its vocabulary's, and no spelling (squashed) names two values or
// repeats a value's own.
var loadAliases = sync.OnceValues(func() (Aliases, error) {
	var a Aliases
	if err := yaml.UnmarshalWithOptions(aliasesYAML, &a, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("runbook/aliases.yaml: %w", err)
	}
	vocab := map[string][]string{"secret_store": stringsOf(SecretStores)}
	for field, values := range a {
		allowed, ok := vocab[field]
		if !ok {
			return nil, fmt.Errorf("runbook/aliases.yaml: %s has no closed vocabulary", field)
		}
		seen := map[string]string{}
		for _, v := range allowed {
			seen[squash(v)] = v
		}
		for value, spellings := range values {
			if !OneOf(allowed, value) {
				return nil, fmt.Errorf("runbook/aliases.yaml: %s: %q is not one of %s", field, value, strings.Join(allowed, ", "))
			}
			for _, s := range spellings {
				if other, dup := seen[squash(s)]; dup {
					return nil, fmt.Errorf("runbook/aliases.yaml: %s: %q is already %q", field, s, other)
				}
				seen[squash(s)] = value
			}
		}
	}
	return a, nil
})

// StoreAliases returns aliases.yaml's spellings of each secret store.
func StoreAliases() map[string][]string {
	a, err := loadAliases()
	if err != nil {
		panic(err) // the embedded file; TestAliases checks it
	}
	return a["secret_store"]
}

// CanonicalStore is the store a spelling names: a store's own id or one of
// its aliases, with case, '_', '-', '.' and spaces ignored. ok is false for
// a spelling that names none (the spelling is returned as given).
func CanonicalStore(s string) (SecretStore, bool) {
	k := squash(s)
	for _, st := range SecretStores {
		if squash(string(st)) == k {
			return st, true
		}
	}
	for value, spellings := range StoreAliases() {
		for _, sp := range spellings {
			if squash(sp) == k {
				return SecretStore(value), true
			}
		}
	}
	return SecretStore(s), false
}

// UnmarshalText reads a store's id or one of its aliases as the store's
// id; any other text is kept as written, for Validate to refuse.
func (s *SecretStore) UnmarshalText(b []byte) error {
	*s, _ = CanonicalStore(string(b))
	return nil
}

// squash lowers a spelling and drops '_', '-', '.' and spaces.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.', ' ', '\t':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

func stringsOf[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}
