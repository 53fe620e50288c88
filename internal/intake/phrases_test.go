package intake

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// phraseCorpus is testdata/phrases.yaml.
type phraseCorpus struct {
	AsOf    string `yaml:"as_of"`
	Targets []struct {
		Name      string   `yaml:"name"`
		Kind      string   `yaml:"kind"`
		Provider  string   `yaml:"provider"`
		Consumers []string `yaml:"consumers"`
	} `yaml:"targets"`
	Templates []struct {
		Name  string         `yaml:"name"`
		Text  string         `yaml:"text"`
		Want  map[string]any `yaml:"want"`
		Slots map[string][]struct {
			Text string         `yaml:"text"`
			Want map[string]any `yaml:"want"`
		} `yaml:"slots"`
	} `yaml:"templates"`
	Rows []phraseRow `yaml:"rows"`
}

type phraseRow struct {
	Text string `yaml:"text"`
	// Note reads the text as the notes of the first secret (its scope is
	// that secret unless the row says otherwise).
	Note bool             `yaml:"note"`
	Want []map[string]any `yaml:"want"`
	// Raise marks a text the reader cannot represent: it must read nothing
	// (the planner raises it) or only an Unclear time rule.
	Raise     bool `yaml:"raise"`
	generated bool
}

func loadCorpus(t testing.TB) (*phraseCorpus, []phraseRow, Options, *runbook.Request) {
	t.Helper()
	return loadTable(t, "testdata/phrases.yaml")
}

// loadTable reads a table of phrasings (phrases.yaml, heldout.yaml).
func loadTable(t testing.TB, path string) (*phraseCorpus, []phraseRow, Options, *runbook.Request) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c phraseCorpus
	if err := yaml.UnmarshalWithOptions(data, &c, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	asOf, err := time.Parse(time.RFC3339, c.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	req := &runbook.Request{System: "Corpus"}
	var targets []Target
	for _, tg := range c.Targets {
		req.Secrets = append(req.Secrets, runbook.Secret{Name: tg.Name, Kind: runbook.Kind(tg.Kind), Provider: tg.Provider, Consumers: tg.Consumers})
		targets = append(targets, Target{Name: tg.Name, Kind: runbook.Kind(tg.Kind), Provider: tg.Provider, ProviderName: tg.Provider, Consumers: tg.Consumers})
	}
	rows := append([]phraseRow{}, c.Rows...)
	for _, tpl := range c.Templates {
		rows = append(rows, expand(t, tpl.Text, tpl.Want, tpl.Slots)...)
	}
	return &c, rows, Options{AsOf: asOf, Targets: targets}, req
}

// expand writes every combination of a template's slots.
func expand[S ~[]struct {
	Text string         `yaml:"text"`
	Want map[string]any `yaml:"want"`
}](t testing.TB, text string, want map[string]any, slots map[string]S) []phraseRow {
	var names []string
	rest := text
	for {
		i := strings.Index(rest, "{")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}")
		names = append(names, rest[i+1:i+j])
		rest = rest[i+j+1:]
	}
	rows := []phraseRow{{Text: text, Want: []map[string]any{deepCopy(want)}, generated: true}}
	for _, name := range names {
		values, ok := slots[name]
		if !ok {
			t.Fatalf("template %q: no slot %q", text, name)
		}
		var next []phraseRow
		for _, r := range rows {
			for _, v := range values {
				w := deepCopy(r.Want[0])
				merge(w, v.Want)
				next = append(next, phraseRow{Text: strings.Replace(r.Text, "{"+name+"}", v.Text, 1), Want: []map[string]any{w}, generated: true})
			}
		}
		rows = next
	}
	for i := range rows {
		rows[i].Text = strings.Join(strings.Fields(rows[i].Text), " ")
	}
	return rows
}

func deepCopy(m map[string]any) map[string]any {
	out := map[string]any{}
	merge(out, m)
	return out
}

func merge(into, from map[string]any) {
	for k, v := range from {
		if sub, ok := v.(map[string]any); ok {
			dst, ok := into[k].(map[string]any)
			if !ok {
				dst = map[string]any{}
			}
			merge(dst, sub)
			into[k] = dst
			continue
		}
		into[k] = v
	}
}

// spanDefaults are what an unstated span field must be.
var spanDefaults = map[string]any{"days": []any{}, "days_of_month": []any{}, "end_day": "", "tz": "UTC", "from": "", "until": "", "only": false, "continuous": false, "business_days_of_month": []any{}}

// directiveMatches compares a directive with a row's wanted one: kind,
// polarity and tool, party, within, field and value when given; a span
// whole (unstated fields at their defaults); a deadline's date, time and
// zone; the scope (every secret when unstated).
func directiveMatches(t testing.TB, want map[string]any, d Directive) bool {
	data, _ := json.Marshal(d)
	var got map[string]any
	_ = json.Unmarshal(data, &got)
	for k := range want {
		if !slices.Contains([]string{"kind", "polarity", "activity", "span", "deadline", "tool", "party", "within", "field", "value", "scope", "unmatched", "all_environments", "every", "times"}, k) {
			t.Fatalf("unknown key %q in %v", k, want)
		}
	}
	for _, k := range []string{"kind", "polarity", "activity", "tool", "party", "within", "field", "value", "every", "times"} {
		if w, ok := want[k]; ok && fmt.Sprint(w) != fmt.Sprint(orEmpty(got[k])) {
			return false
		}
	}
	// all_environments: false unless the row says so.
	if w, _ := want["all_environments"].(bool); w != d.AllEnvironments {
		return false
	}
	if d.Kind == KindTimeRule {
		if _, ok := want["polarity"]; !ok {
			t.Fatalf("a time rule without a polarity: %v", want)
		}
		ws, _ := want["span"].(map[string]any)
		gs, _ := got["span"].(map[string]any)
		for k, def := range spanDefaults {
			if _, ok := ws[k]; !ok {
				ws[k] = def
			}
		}
		for k, w := range ws {
			if !sameValue(w, gs[k]) {
				return false
			}
		}
	}
	if wd, ok := want["deadline"].(map[string]any); ok {
		gd, _ := got["deadline"].(map[string]any)
		if _, ok := wd["tz"]; !ok {
			wd["tz"] = "UTC"
		}
		for k, w := range wd {
			if !sameValue(w, gd[k]) {
				return false
			}
		}
	}
	// unmatched: the words naming a component no consumer matched (none
	// when unstated).
	wu, _ := want["unmatched"].([]any)
	if !sameValue(wu, d.Scope.Unmatched) && !(len(wu) == 0 && len(d.Scope.Unmatched) == 0) {
		return false
	}
	if ws, ok := want["scope"].([]any); ok {
		var gotIDs []string
		for _, i := range d.Scope.Secrets {
			gotIDs = append(gotIDs, fmt.Sprint(i))
		}
		var wantIDs []string
		for _, w := range ws {
			wantIDs = append(wantIDs, fmt.Sprint(w))
		}
		sort.Strings(gotIDs)
		sort.Strings(wantIDs)
		return !d.Scope.All && reflect.DeepEqual(gotIDs, wantIDs)
	}
	return d.Scope.All
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

func sameValue(w, g any) bool {
	norm := func(v any) string {
		if v == nil {
			return "[]"
		}
		b, _ := json.Marshal(v)
		s := string(b)
		if s == "null" {
			return "[]"
		}
		return strings.ReplaceAll(s, ".0", "")
	}
	return norm(w) == norm(g)
}

// rowResult is how one row was read.
type rowResult struct {
	exact, inverted, silent, raised bool
}

// readRow reads a corpus row as a constraint, or as the first secret's
// notes.
func readRow(base *runbook.Request, opts Options, row phraseRow) []Directive {
	req := *base
	if row.Note {
		req.Secrets = append([]runbook.Secret{}, base.Secrets...)
		req.Secrets[0].Notes = row.Text
		return Read(&req, opts).Texts[0].Directives
	}
	req.Constraints = []string{row.Text}
	return Read(&req, opts).Texts[0].Directives
}

func score(t testing.TB, row phraseRow, got []Directive) rowResult {
	used := make([]bool, len(got))
	matchedAll := true
	for _, w := range row.Want {
		if _, ok := w["scope"]; !ok && row.Note {
			w = deepCopy(w)
			w["scope"] = []any{0}
		}
		found := false
		for i, d := range got {
			if !used[i] && directiveMatches(t, deepCopy(w), d) {
				used[i], found = true, true
				break
			}
		}
		matchedAll = matchedAll && found
	}
	var r rowResult
	r.exact = matchedAll && len(got) == len(row.Want)
	wantAllow, gotAllow, gotBlocks := false, false, false
	for _, w := range row.Want {
		if w["kind"] == string(KindTimeRule) && w["polarity"] == string(Allow) {
			wantAllow = true
		}
	}
	for _, d := range got {
		if d.Kind == KindTimeRule {
			gotAllow = gotAllow || d.Polarity == Allow
			gotBlocks = gotBlocks || d.Polarity.Blocks()
		}
	}
	r.inverted = (gotAllow && !wantAllow) || (wantAllow && !gotAllow && gotBlocks)
	if len(got) == 0 {
		r.raised = len(row.Want) > 0
		return r
	}
	kinds := map[string]bool{}
	for _, d := range got {
		kinds[string(d.Kind)] = true
	}
	for _, w := range row.Want {
		if !kinds[fmt.Sprint(w["kind"])] {
			r.silent = true
		}
	}
	return r
}

// TestPhraseCorpus reads every row of testdata/phrases.yaml and prints the
// figures: no polarity inverted, nothing silently dropped (a text read as
// something else while a rule it holds is missing), at least 95 % read
// exactly.
func TestPhraseCorpus(t *testing.T) {
	_, rows, opts, base := loadCorpus(t)
	hand, gen := 0, 0
	var exact, inverted, silent, raised int
	var misses []string
	for _, row := range rows {
		if row.generated {
			gen++
		} else {
			hand++
		}
		got := readRow(base, opts, row)
		r := score(t, row, got)
		if r.exact {
			exact++
		} else {
			var b strings.Builder
			for _, d := range got {
				fmt.Fprintf(&b, "\n      got  %s scope=%v%v unmatched=%q", d, d.Scope.All, d.Scope.Secrets, d.Scope.Unmatched)
			}
			for _, w := range row.Want {
				fmt.Fprintf(&b, "\n      want %v", w)
			}
			misses = append(misses, fmt.Sprintf("%q%s", row.Text, b.String()))
		}
		if r.inverted {
			inverted++
			t.Errorf("inverted polarity: %q: %v", row.Text, got)
		}
		if r.silent {
			silent++
			t.Errorf("silently dropped: %q: got %v, want %v", row.Text, got, row.Want)
		}
		if r.raised {
			raised++
		}
	}
	total := len(rows)
	pct := 100 * float64(exact) / float64(total)
	t.Logf("phrases: %d rows (%d hand-written, %d generated): %d exact (%.1f %%), %d inverted, %d silently dropped, %d raised unread",
		total, hand, gen, exact, pct, inverted, silent, raised)
	for _, m := range misses {
		t.Logf("not exact: %s", m)
	}
	if total < 300 {
		t.Errorf("%d rows, want at least 300", total)
	}
	if pct < 95 {
		t.Errorf("%.1f %% exact readings, want at least 95 %%", pct)
	}
}
