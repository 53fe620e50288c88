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

var stepItem = regexp.MustCompile(`<li class="step ([^"]*)"><label><input type="checkbox" name="step-(\d+)">`)

// TestPageShowsOpenItemsFirst: the page's first section after its header is
// the open items, each with a box to tick, and every step an item holds is
// marked as waiting (and no other).
func TestPageShowsOpenItemsFirst(t *testing.T) {
	rb := fixture(t, "open-items.runbook.json")
	out := page(t, rb)
	main := out[strings.Index(out, "</header>"):]
	first := regexp.MustCompile(`<section id="([^"]+)"`).FindStringSubmatch(main)
	if first == nil || first[1] != "open-items" {
		t.Fatalf("the first section is %v, not the open items", first)
	}
	for _, o := range rb.OpenItems {
		if !strings.Contains(out, `<input type="checkbox" name="ack-`+o.ID+`"`) {
			t.Errorf("%s has no box to tick", o.ID)
		}
	}
	held := map[int]bool{}
	for _, o := range rb.OpenItems {
		for _, n := range o.HeldSteps(rb.Sections.RotationSequence) {
			held[n] = true
		}
	}
	items := stepItem.FindAllStringSubmatch(out, -1)
	if len(items) != len(rb.Sections.RotationSequence.AllSteps()) {
		t.Fatalf("%d steps on the page, want %d", len(items), len(rb.Sections.RotationSequence.AllSteps()))
	}
	for _, m := range items {
		n, _ := strconv.Atoi(m[2])
		if waits := strings.Contains(m[1], "waits"); waits != held[n] {
			t.Errorf("step %d: held %v, marked waiting %v", n, held[n], waits)
		}
	}
	golden(t, filepath.Join("testdata", "open-items.golden.html"), []byte(out))
}
