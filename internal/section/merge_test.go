package section

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestMergeByComparesOnlyWhatItMust: mergeBy, which compares items by their
// JSON only once an item without a key comes, merges exactly as comparing
// every item does (mergeByEvery, the rule as first written), on random
// lists with shared keys, no keys and repeated items.
func TestMergeByComparesOnlyWhatItMust(t *testing.T) {
	type item struct {
		Key  string
		Vals []int
	}
	key := func(x item) string { return x.Key }
	merge := func(into *item, from item) { into.Vals = append(into.Vals, from.Vals...) }
	rnd := rand.New(rand.NewPCG(7, 9))
	list := func() []item {
		var out []item
		for range rnd.IntN(6) {
			k := ""
			if rnd.IntN(3) > 0 {
				k = fmt.Sprint("k", rnd.IntN(4))
			}
			out = append(out, item{Key: k, Vals: []int{rnd.IntN(3)}})
		}
		return out
	}
	clone := func(l []item) []item {
		var out []item
		for _, x := range l {
			out = append(out, item{x.Key, append([]int(nil), x.Vals...)})
		}
		return out
	}
	for i := range 5000 {
		a, b := list(), list()
		if rnd.IntN(5) == 0 {
			a = nil
		}
		want := mergeByEvery(clone(a), clone(b), key, merge)
		if got := mergeBy(clone(a), clone(b), key, merge); !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: mergeBy(%v, %v) = %v, want %v", i, a, b, got, want)
		}
	}
}

// mergeByEvery is mergeBy comparing every item of a by its JSON.
func mergeByEvery[E any](a, b []E, key func(E) string, merge func(into *E, from E)) []E {
	if a == nil {
		return append([]E(nil), b...)
	}
	seen := map[string]bool{}
	byKey := map[string]int{}
	for i, el := range a {
		seen[encoded(el)] = true
		if k := key(el); k != "" {
			byKey[k] = i
		}
	}
	for _, el := range b {
		k := key(el)
		if i, ok := byKey[k]; ok && k != "" {
			merge(&a[i], el)
			continue
		}
		enc := encoded(el)
		if seen[enc] {
			continue
		}
		seen[enc] = true
		if k != "" {
			byKey[k] = len(a)
		}
		a = append(a, el)
	}
	return a
}
