package generate

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestPartMapsAreThePartsFacts: the map a part's data block is taken from,
// made from the job's map (factsMaps), is the map of the part's facts
// (factsMap(partFacts)), for every shipped request and a 20-secret fleet, on
// the parts writeParts asks: each track, each secret alone (with and
// without the section-wide items), the secrets in halves, a track's steps
// in halves, and no secret at all.
func TestPartMapsAreThePartsFacts(t *testing.T) {
	reqs := map[string]*runbook.Request{"fleet-20": llmtest.LargeRequest(20)}
	files, _ := filepath.Glob("../../eval/requests/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		req, err := decode.Request(data)
		if err != nil {
			t.Fatal(err)
		}
		reqs[filepath.Base(name)] = req
	}
	for name, req := range reqs {
		f, err := planner.Plan(req)
		if err != nil {
			t.Fatal(err)
		}
		all, err := factsMap(f)
		if err != nil {
			t.Fatal(err)
		}
		m := newFactsMaps(f, all)
		if m == nil {
			t.Fatalf("%s: the facts were not indexed", name)
		}
		var ids []string
		for _, s := range f.Secrets {
			ids = append(ids, s.ID)
		}
		specs := []partSpec{{secrets: []string{}}, {secrets: []string{}, sectionWide: true}, {secrets: ids, sectionWide: true},
			{secrets: ids[:len(ids)/2], sectionWide: true}, {secrets: ids[len(ids)/2:]}}
		for _, id := range ids {
			specs = append(specs, partSpec{secrets: []string{id}}, partSpec{secrets: []string{id}, sectionWide: true})
		}
		for _, tr := range f.Tracks {
			p := partSpec{secrets: tr.SecretIDs, tracks: []string{tr.Name}, sectionWide: true}
			specs = append(specs, p)
			var orders []int
			for _, st := range partFacts(f, p).Steps {
				orders = append(orders, st.Order)
			}
			if len(orders) > 1 {
				a, b := p, p
				a.steps, b.steps, b.sectionWide = orders[:len(orders)/2], orders[len(orders)/2:], false
				specs = append(specs, a, b)
			}
		}
		for _, p := range specs {
			pf := partFacts(f, p)
			want, err := factsMap(pf)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.of(pf)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, part %+v: the part's map differs from its facts' map", name, p)
			}
		}
		if got, _ := m.of(f); !reflect.DeepEqual(got, all) {
			t.Errorf("%s: the whole facts' map differs", name)
		}
	}
}
