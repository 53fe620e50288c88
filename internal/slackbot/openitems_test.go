package slackbot

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rotor-dev/rotor/internal/runbook"
)

var update = flag.Bool("update", false, "rewrite golden files")

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

type block struct {
	Type string `json:"type"`
	Text *struct {
		Text string `json:"text"`
	} `json:"text"`
	// Elements' text is a string in a context block and an object in an
	// actions block (the buttons): kept raw.
	Elements []struct {
		Text json.RawMessage `json:"text"`
	} `json:"elements"`
	Accessory *struct {
		Type     string `json:"type"`
		ActionID string `json:"action_id"`
		Options  []struct {
			Value string `json:"value"`
		} `json:"options"`
	} `json:"accessory"`
}

// TestMessageStartsWithOpenItems: right under the header, Slack says how many
// open items there are and shows the first with a box to tick; the steps it
// lists say which wait for an answer.
func TestMessageStartsWithOpenItems(t *testing.T) {
	rb := fixture(t, "open-items.runbook.json")
	msg := Message(rb, "https://rotor.example.com/r/rb_openitems000000000000?exp=1&sig=x")
	data, err := json.MarshalIndent(msg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Blocks []block `json:"blocks"`
	}
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatal(err)
	}
	b := decoded.Blocks
	if len(b) < 3 || b[0].Type != "header" {
		t.Fatalf("blocks: %s", data)
	}
	if b[1].Text == nil || !strings.Contains(b[1].Text.Text, "3 open items") {
		t.Errorf("the second block does not count the open items: %+v", b[1])
	}
	if b[2].Text == nil || !strings.Contains(b[2].Text.Text, "o1") || !strings.Contains(b[2].Text.Text, rb.OpenItems[0].Question) {
		t.Errorf("the third block is not the first open item: %+v", b[2])
	}
	if a := b[2].Accessory; a == nil || a.Type != "checkboxes" || len(a.Options) != 1 || a.Options[0].Value != "o1" {
		t.Errorf("the first open item has no box to tick: %+v", b[2].Accessory)
	}
	if !strings.Contains(string(data), "2 more open items") {
		t.Error("the other open items are not counted")
	}
	golden(t, filepath.Join("testdata", "open-items.golden.json"), append(data, '\n'))

	// The first steps listed say which wait (here an item holds step 3).
	rb.OpenItems = append(rb.OpenItems, runbook.OpenItem{ID: "o4", Blocks: []string{"s3"}})
	data, _ = json.Marshal(Message(rb, ""))
	var steps string
	for _, line := range strings.Split(string(data), `\n`) {
		if strings.HasPrefix(line, "2. ") || strings.HasPrefix(line, "3. ") || strings.HasPrefix(line, "4. ") {
			steps += line + "\n"
			if held := strings.HasPrefix(line, "3. "); held != strings.Contains(line, "waits for o4") {
				t.Errorf("held %v: %s", held, line)
			}
		}
	}
	if strings.Count(steps, "\n") != 3 {
		t.Errorf("steps 2-4 not listed: %q", steps)
	}
}
