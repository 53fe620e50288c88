package writer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/planner"
)

// TestHoldoutThreeOutcomes plans and writes the spent holdout3 requests and
// checks what review17-cold4 found misread about runtimes (P5), comms (P6)
// and parties (testdata/holdout3_outcomes.yaml). A pending row is logged
// while it fails and fails the test once it passes.
func TestHoldoutThreeOutcomes(t *testing.T) {
	data, err := os.ReadFile("testdata/holdout3_outcomes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var table struct {
		Rows []struct {
			Request      string              `yaml:"request"`
			Why          string              `yaml:"why"`
			Text         []string            `yaml:"text"`
			NotText      []string            `yaml:"not_text"`
			Sections     map[string][]string `yaml:"sections"`
			NotSections  map[string][]string `yaml:"not_sections"`
			OpenItemText []string            `yaml:"open_item_text"`
			// Held: an open item whose text holds Item blocks a step of
			// every secret whose id holds one of Secrets.
			Held *struct {
				Item    string   `yaml:"item"`
				Secrets []string `yaml:"secrets"`
			} `yaml:"held"`
			Pending string `yaml:"pending"`
		} `yaml:"rows"`
	}
	if err := yaml.UnmarshalWithOptions(data, &table, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	plans := map[string]*planner.Facts{}
	pass, pending := 0, 0
	for _, row := range table.Rows {
		f, ok := plans[row.Request]
		if !ok {
			body, err := os.ReadFile(filepath.Join("testdata", "holdout3", row.Request))
			if err != nil {
				t.Fatal(err)
			}
			req, err := decode.ParseRequest(body)
			if err != nil {
				t.Fatalf("%s: %v", row.Request, err)
			}
			if f, err = planner.Plan(req); err != nil {
				t.Fatalf("%s: %v", row.Request, err)
			}
			plans[row.Request] = f
		}
		all := runbookText(t, f)
		items, _ := json.Marshal(f.OpenItems)
		var wrong []string
		for _, s := range row.Text {
			if !strings.Contains(all, s) {
				wrong = append(wrong, "never says "+s)
			}
		}
		for _, s := range row.NotText {
			if strings.Contains(all, s) {
				wrong = append(wrong, "says "+s)
			}
		}
		for id, wants := range row.Sections {
			text := sectionText(t, f, id)
			for _, s := range wants {
				if !strings.Contains(text, s) {
					wrong = append(wrong, id+" never says "+s)
				}
			}
		}
		for id, nots := range row.NotSections {
			text := sectionText(t, f, id)
			for _, s := range nots {
				if strings.Contains(text, s) {
					wrong = append(wrong, id+" says "+s)
				}
			}
		}
		for _, s := range row.OpenItemText {
			if !strings.Contains(string(items), s) {
				wrong = append(wrong, "no open item holds "+s)
			}
		}
		if h := row.Held; h != nil {
			for _, sid := range h.Secrets {
				held := false
				for _, o := range f.OpenItems {
					if !strings.Contains(o.Text+" "+o.Question, h.Item) {
						continue
					}
					for _, st := range f.Steps {
						if strings.Contains(st.SecretID, sid) && slices.Contains(o.Blocks, fmt.Sprintf("s%d", st.Order)) {
							held = true
						}
					}
				}
				if !held {
					wrong = append(wrong, "no open item about "+h.Item+" holds a step of "+sid)
				}
			}
		}
		switch {
		case row.Pending != "" && len(wrong) == 0:
			t.Errorf("%s (%s): passes now; drop its pending line (%s)", row.Request, row.Why, row.Pending)
		case row.Pending != "":
			pending++
			t.Logf("pending %s (%s): %s: %q", row.Request, row.Why, row.Pending, wrong)
		case len(wrong) > 0:
			t.Errorf("%s (%s): %q", row.Request, row.Why, wrong)
		default:
			pass++
		}
	}
	t.Logf("holdout3 outcomes: %d of %d rows right, %d pending", pass, len(table.Rows), pending)
}
