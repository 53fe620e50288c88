package section

import (
	"encoding/json"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
)

// The parts of a section are merged item by item, typed: a list keeps every
// item of every part once (an item several parts wrote, once), an item with
// a key (a track by its name, an environment's checks by the environment,
// an approval by approver and scope) gathers what every part wrote under
// it, and a single value (a track's reason, a message's subject) is the
// first part's.

// union appends to a the items of b it does not hold yet (equal items,
// compared by their JSON), in b's order. A list the merge has none of yet
// is b's.
func union[E any](a, b []E) []E {
	if a == nil {
		return append([]E(nil), b...)
	}
	seen := map[string]bool{}
	for _, el := range a {
		seen[encoded(el)] = true
	}
	for _, el := range b {
		if enc := encoded(el); !seen[enc] {
			seen[enc] = true
			a = append(a, el)
		}
	}
	return a
}

// mergeBy is union for items with a key: an item of b whose key ("" is
// none) is already in a is merged into that item. Items are compared by
// their JSON only when one without a key comes: two equal items have
// equal keys, so an item with a key is either merged or new. (Comparing
// every track of the merge so far, steps and all, for every part was
// quadratic in the parts of a 100-secret sequence.)
func mergeBy[E any](a, b []E, key func(E) string, merge func(into *E, from E)) []E {
	if a == nil {
		return append([]E(nil), b...)
	}
	byKey := map[string]int{}
	for i, el := range a {
		if k := key(el); k != "" {
			byKey[k] = i
		}
	}
	// seen holds the JSON of every item of a, once an item without a key
	// asks (nil until then).
	var seen map[string]bool
	for _, el := range b {
		k := key(el)
		if i, ok := byKey[k]; ok && k != "" {
			merge(&a[i], el)
			continue
		}
		if k == "" && seen == nil {
			seen = map[string]bool{}
			for _, x := range a {
				seen[encoded(x)] = true
			}
		}
		if seen != nil {
			enc := encoded(el)
			if seen[enc] {
				continue
			}
			seen[enc] = true
		}
		if k != "" {
			byKey[k] = len(a)
		}
		a = append(a, el)
	}
	return a
}

func encoded[E any](el E) string {
	b, _ := json.Marshal(el)
	return string(b)
}

// weighItems adds the size of each item about a secret of w to that
// secret and returns the size of the others (an item about no secret, or a
// text, by the first secret name it holds: see weighTexts).
func weighItems[E any](items []E, secret func(E) string, w map[string]int) int {
	rest := 0
	for _, el := range items {
		size := len(encoded(el))
		if id := secret(el); id != "" {
			if _, known := w[id]; known {
				w[id] += size
				continue
			}
		}
		rest += size
	}
	return rest
}

// weighTexts adds each text that names a secret (by its name in names) to
// that secret and returns the size of the others.
func weighTexts(texts []string, w map[string]int, names map[string]string) int {
	rest := 0
	for _, t := range texts {
		matched := false
		for name, id := range names {
			if strings.Contains(t, name) {
				w[id] += len(t) + 3
				matched = true
				break
			}
		}
		if !matched {
			rest += len(encoded(t))
		}
	}
	return rest
}

// first is the first of a list, or "".
func first(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// rankOf puts names the plan does not know last.
func rankOf(rank map[string]int, name string) int {
	if r, ok := rank[name]; ok {
		return r
	}
	return len(rank) + 1
}

// secretIDs lists the facts' secret ids, for messages to the model.
func secretIDs(f *planner.Facts) string {
	out := make([]string, len(f.Secrets))
	for i, s := range f.Secrets {
		out[i] = s.ID
	}
	return strings.Join(out, ", ")
}

// pluck lists the secret id of each item.
func pluck[E any](items []E, id func(E) string) []string {
	out := make([]string, 0, len(items))
	for _, el := range items {
		out = append(out, id(el))
	}
	return out
}

// pluckAll lists the secret ids of every item.
func pluckAll[E any](items []E, ids func(E) []string) []string {
	var out []string
	for _, el := range items {
		out = append(out, ids(el)...)
	}
	return out
}
