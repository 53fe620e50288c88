package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixture reads a runbook kept with the Markdown renderer's test data (one
// fixture for every rendering).
func fixture(t *testing.T, name string) *runbook.Runbook {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "render", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(data, &rb); err != nil {
		t.Fatal(err)
	}
	return &rb
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func page(t *testing.T, rb *runbook.Runbook) string {
	t.Helper()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.Runbook(&buf, RunbookPage{ID: rb.ID, Runbook: rb}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

var (
	cardItem = regexp.MustCompile(`<li class="line ([^"]*)"><label><input type="checkbox" name="line-([0-9/-]+)">`)
	tableRow = regexp.MustCompile(`<tr( class="waits")?><td>(\d+)</td>`)
)

// TestPageShowsOpenItemsFirst: the page opens with the operator card, and
// the card with the open items, each with a box to tick; every step an item
// holds is marked as waiting, in the card and in the full sequence (and no
// other).
func TestPageShowsOpenItemsFirst(t *testing.T) {
	rb := fixture(t, "open-items.runbook.json")
	out := page(t, rb)
	main := out[strings.Index(out, "</header>"):]
	sections := regexp.MustCompile(`<section id="([^"]+)"`).FindAllStringSubmatch(main, 2)
	if len(sections) < 2 || sections[0][1] != "card" || sections[1][1] != "open-items" {
		t.Fatalf("the page opens with %v, not the card and its open items", sections)
	}
	for _, o := range render.OpenItems(rb) {
		switch {
		case strings.Contains(out, `<input type="checkbox" name="ack-`+o.ID+`"`):
			// An item that holds no step has its own box too, with its
			// question in the open (tabletop round 5: "o1 has no
			// question"; a collapsed list hid it).
		default:
			t.Errorf("%s has no box to tick", o.ID)
		}
	}
	if strings.Contains(out, "<details class=\"later\"") {
		t.Error("the open items that hold no step are collapsed: their questions are hidden")
	}
	held := map[int]bool{}
	for _, o := range rb.OpenItems {
		for _, n := range o.HeldSteps(rb.Sections.RotationSequence) {
			held[n] = true
		}
	}
	lines := cardItem.FindAllStringSubmatch(out, -1)
	if len(lines) < 10 {
		t.Fatalf("%d card lines", len(lines))
	}
	for _, m := range lines {
		anyHeld := false
		for _, part := range strings.Split(m[2], "/") {
			from, to, _ := strings.Cut(part, "-")
			a, _ := strconv.Atoi(from)
			b := a
			if to != "" {
				b, _ = strconv.Atoi(to)
			}
			for n := a; n <= b; n++ {
				anyHeld = anyHeld || held[n]
			}
		}
		if waits := strings.Contains(m[1], "waits"); waits != anyHeld {
			t.Errorf("card line %s: holds a held step %v, marked waiting %v", m[2], anyHeld, waits)
		}
	}
	rows := tableRow.FindAllStringSubmatch(out, -1)
	if len(rows) != len(rb.Sections.RotationSequence.AllSteps()) {
		t.Fatalf("%d steps in the sequence table, want %d", len(rows), len(rb.Sections.RotationSequence.AllSteps()))
	}
	for _, m := range rows {
		n, _ := strconv.Atoi(m[2])
		if waits := m[1] != ""; waits != held[n] {
			t.Errorf("step %d: held %v, marked waiting %v", n, held[n], waits)
		}
	}
	golden(t, filepath.Join("testdata", "open-items.golden.html"), []byte(out))
}
