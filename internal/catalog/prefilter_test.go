package catalog

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPrefilterNeverHidesAMatch: whatever a product or side-effect pattern
// matches holds one of its needles, so the substring prefilter of
// ProductsIn and EffectsIn never drops a product or an effect the regular
// expressions would find. The texts: every string of the
// catalogue (its actions name the products' commands), and texts made of the
// patterns' own literals in random case and company.
func TestPrefilterNeverHidesAMatch(t *testing.T) {
	c := Default()
	var texts []string
	data, _ := json.Marshal(c.Providers)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			texts = append(texts, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var tree any
	_ = json.Unmarshal(data, &tree)
	walk(tree)
	rnd := rand.New(rand.NewPCG(1, 2))
	mix := func(s string) string {
		b := []byte(s)
		for i := range b {
			if rnd.IntN(2) == 0 {
				b[i] = strings.ToUpper(string(b[i]))[0]
			}
		}
		return string(b)
	}
	var patterns []string
	for _, p := range c.Products {
		patterns = append(patterns, p.Patterns...)
	}
	for _, e := range c.Effects {
		patterns = append(patterns, e.Patterns...)
	}
	for _, pat := range patterns {
		lit := strings.NewReplacer(`\b`, "", `\.`, ".", `(?i)`, "", `\s*`, " ", `\\`, `\`).Replace(pat)
		for range 20 {
			texts = append(texts, "run `"+mix(lit)+" --all` then check", lit+";", "x"+lit, mix(lit))
		}
	}
	matched := 0
	var productRes, effectRes []*regexp.Regexp
	for _, p := range c.Products {
		productRes = append(productRes, p.res...)
	}
	for _, e := range c.Effects {
		effectRes = append(effectRes, e.res...)
	}
	indexed, dropped := 0, 0
	for _, text := range texts {
		lower, ascii := asciiLower(text)
		if !ascii {
			continue
		}
		// The one-pass index (every needle group) never drops a pattern
		// that matches, and drops more than the substring search.
		for _, ix := range []struct {
			index *needleIndex
			res   []*regexp.Regexp
		}{{c.products, productRes}, {c.effects, effectRes}} {
			may := ix.index.candidates(lower)
			for p, re := range ix.res {
				switch {
				case re.MatchString(text) && !may[p]:
					t.Errorf("pattern %q matches %q, but the index (%q) drops it", re, text, ix.index.groups[p])
				case may[p]:
					indexed++
				default:
					dropped++
				}
			}
		}
		// Text.Possible keeps every product one of whose patterns matches.
		possible := c.Text(text).Possible()
		for k, p := range c.Products {
			if slices.ContainsFunc(p.res, func(re *regexp.Regexp) bool { return re.MatchString(text) }) && !slices.Contains(possible, k) {
				t.Errorf("product %s matches %q, but Text.Possible (%v) leaves it out", p.ID, text, possible)
			}
		}
		for _, p := range c.Products {
			for i, re := range p.res {
				if re.MatchString(text) {
					matched++
					if !mayMatch(lower, p.needles[i]) {
						t.Errorf("%s pattern %q matches %q, but the prefilter (%q) drops it", p.ID, p.Patterns[i], text, p.needles[i])
					}
				}
			}
		}
		for _, e := range c.Effects {
			for i, re := range e.res {
				if re.MatchString(text) {
					matched++
					if !mayMatch(lower, e.needles[i]) {
						t.Errorf("effect %s pattern %q matches %q, but the prefilter (%q) drops it", e.ID, e.Patterns[i], text, e.needles[i])
					}
				}
			}
		}
	}
	if matched < 200 {
		t.Errorf("only %d matches in %d texts: the corpus does not exercise the patterns", matched, len(texts))
	}
	if dropped == 0 || indexed == 0 {
		t.Errorf("the index kept %d patterns and dropped %d: it filters nothing", indexed, dropped)
	}
	t.Logf("%d texts, %d matches; the index kept %d (text, pattern) pairs, dropped %d", len(texts), matched, indexed, dropped)
}
