package generate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

// sentFacts is what a model knows of f from a view's data block: the block
// read back into facts, each secret with its catalogue entry (every view
// names it: "rule").
func sentFacts(t *testing.T, f *planner.Facts, v *factsView) *planner.Facts {
	t.Helper()
	all, err := factsMap(f)
	if err != nil {
		t.Fatal(err)
	}
	// The block as sent (its lists of objects as tables), read back. A
	// command reference stands for its command (rotor expands the
	// answer's): the block is read here with the commands themselves.
	encoded, _, err := encodeView(v.Take(all), nil)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := prompts.DecodeTables([]byte(encoded))
	if err != nil {
		t.Fatal(err)
	}
	view := decoded.(map[string]any)
	// A catalogue procedure the secrets of one entry share is sent once,
	// by entry: the model reads it as each of those secrets'.
	if shared, ok := view["catalog"].(map[string]any); ok {
		for _, raw := range view["secrets"].([]any) {
			s := raw.(map[string]any)
			if c, ok := shared[s["rule"].(string)]; ok {
				s["catalog"] = c
			}
		}
		delete(view, "catalog")
	}
	data, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	var got planner.Facts
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if v.Secret != nil && !slices.Contains(v.Secret, "rule") {
		t.Fatalf("the %s view does not name the secrets' catalogue entries", v.Name)
	}
	for i := range got.Secrets {
		got.Secrets[i].Entry = f.Secrets[i].Entry
	}
	return &got
}

// TestEachSectionIsSentWhatItNeeds: each section's prompt carries only its
// view of the facts, and nothing it needs is cut: rotor's offline writer
// (the careful author every answer is checked against) writes the same
// section from that view alone as from the whole data block every section
// was sent before, for every shipped request and a 20-secret fleet. A view
// too small fails here, naming the section and the request.
func TestEachSectionIsSentWhatItNeeds(t *testing.T) {
	names, err := filepath.Glob("../../eval/requests/*.json")
	if err != nil || len(names) == 0 {
		t.Fatal("no requests", err)
	}
	requests := map[string]*runbook.Request{"fleet-20": llmtest.LargeRequest(20)}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		req, err := decode.ParseRequest(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		requests[strings.TrimSuffix(filepath.Base(name), ".json")] = req
	}
	for name, req := range requests {
		f, err := planner.Plan(req)
		if err != nil {
			t.Fatal(err)
		}
		for _, sec := range section.All {
			id := sec.ID()
			write := func(v *factsView) (out []byte) {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s, %s: the writer fails on the %s view: %v", name, id, v.Name, r)
					}
				}()
				var s runbook.Sections
				sec.Write(sentFacts(t, f, v), &s)
				out, _ = sec.Encode(&s)
				return out
			}
			// The writer from every fact the planner decided, not from
			// the largest view: a fact no view carries is cut too.
			var all runbook.Sections
			sec.Write(f, &all)
			want, _ := sec.Encode(&all)
			// A whole section's view, and the view each of its parts
			// carries when it is asked in parts.
			for _, v := range []*factsView{viewOf(id), sec.PartFacts()} {
				got := write(v)
				if got != nil && string(want) != string(got) {
					i := 0
					for i < len(want) && i < len(got) && want[i] == got[i] {
						i++
					}
					t.Errorf("%s, %s: written from the %s view it differs at byte %d:\n every fact: …%.160s\n the view:   …%.160s", name, id, v.Name, i, want[max(0, i-60):], got[max(0, i-60):])
				}
			}
		}
	}
}
