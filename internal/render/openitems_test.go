package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
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

// fixture reads a runbook kept under testdata.
func fixture(t *testing.T, name string) *runbook.Runbook {
	t.Helper()
	return fixtureAt(t, filepath.Join("testdata", name))
}

func fixtureAt(t *testing.T, path string) *runbook.Runbook {
	t.Helper()
	data, err := os.ReadFile(path)
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

var (
	stepLine   = regexp.MustCompile(`^(\d+)(?:-(\d+))?\. \*\*`)
	cardLineRE = regexp.MustCompile(`^- \[ \] \*\*([0-9/-]+)\*\* `)
)

// TestOpenItemsComeFirst: the open items are the first thing after the title,
// each with a box to tick, and every step one of them holds says it waits for
// an answer (and no other step does).
func TestOpenItemsComeFirst(t *testing.T) {
	rb := fixture(t, "open-items.runbook.json")
	var buf bytes.Buffer
	if err := Markdown(&buf, rb); err != nil {
		t.Fatal(err)
	}
	out := buf.String()

	first := strings.Index(out, "\n## ")
	if first < 0 || !strings.HasPrefix(out[first:], "\n## Operator card\n\n### Open items") {
		t.Fatalf("the card does not open with the open items:\n%s", out[:min(len(out), 600)])
	}
	for _, o := range rb.OpenItems {
		if !strings.Contains(out, "- [ ] **"+o.ID+"**") {
			t.Errorf("%s has no box to tick", o.ID)
		}
	}
	held := map[int]bool{}
	for _, o := range rb.OpenItems {
		for _, n := range o.HeldSteps(rb.Sections.RotationSequence) {
			held[n] = true
		}
	}
	seen := map[int]bool{}
	seq := out[strings.Index(out, "## Rotation Sequence"):]
	seq = seq[:strings.Index(seq, "\n## ")]
	for _, line := range strings.Split(seq, "\n") {
		m := stepLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		from, _ := strconv.Atoi(m[1])
		to := from
		if m[2] != "" {
			to, _ = strconv.Atoi(m[2])
		}
		for n := from; n <= to; n++ {
			seen[n] = true
			if waits := strings.Contains(line, "Waits for"); waits != held[n] {
				t.Errorf("step %d: held %v, but its line says waits %v: %s", n, held[n], waits, line)
			}
		}
	}
	if len(seen) != len(rb.Sections.RotationSequence.AllSteps()) {
		t.Errorf("read %d step numbers of %d", len(seen), len(rb.Sections.RotationSequence.AllSteps()))
	}
	// The card's lines too: a line that stands for a held step waits, said
	// on it, on an earlier line of its secret (run in order, a line after
	// one that waits runs after the answer), or by each item that holds it,
	// which the card asks to answer before a step at or before the line's
	// first.
	answered := map[int]bool{} // steps every item holding them asks before
	for n := range held {
		answered[n] = true
	}
	for _, o := range OpenItems(rb) {
		asked := o.Before > 0 && strings.Contains(out, fmt.Sprintf("**Answer before step %d.**", o.Before))
		for _, n := range o.HeldSteps(rb.Sections.RotationSequence) {
			answered[n] = answered[n] && asked && n >= o.Before
		}
	}
	card := out[strings.Index(out, "## Operator card"):strings.Index(out, "**Appendices:**")]
	lines := 0
	said := false
	for _, line := range strings.Split(card, "\n") {
		m := cardLineRE.FindStringSubmatch(line)
		if m == nil {
			if line != "" {
				said = false // a new secret or phase
			}
			continue
		}
		lines++
		anyHeld, allAnswered := false, true
		for _, part := range strings.Split(m[1], "/") {
			from, to, _ := strings.Cut(part, "-")
			a, _ := strconv.Atoi(from)
			b := a
			if to != "" {
				b, _ = strconv.Atoi(to)
			}
			for n := a; n <= b; n++ {
				anyHeld = anyHeld || held[n]
				allAnswered = allAnswered && (!held[n] || answered[n])
			}
		}
		waits := strings.Contains(line, "Waits for")
		if anyHeld && !waits && !said && !allAnswered || waits && !anyHeld {
			t.Errorf("card line holds a held step %v, says waits %v (said above: %v): %s", anyHeld, waits, said, line)
		}
		said = said || waits
	}
	if lines < 10 {
		t.Errorf("read %d card lines", lines)
	}
	golden(t, filepath.Join("testdata", "open-items.golden.md"), buf.Bytes())
}
