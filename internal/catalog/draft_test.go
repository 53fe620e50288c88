package catalog

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

type draftCase struct {
	Name    string         `yaml:"name"`
	ID      string         `yaml:"id"`
	Like    string         `yaml:"like"`
	Change  map[string]any `yaml:"change"`
	Secret  string         `yaml:"secret"`
	Kind    runbook.Kind   `yaml:"kind"`
	Draft   DraftAnswer    `yaml:"draft"`
	Used    bool           `yaml:"used"`
	Refused []string       `yaml:"refused"`
	Flags   []string       `yaml:"flags"`
}

// TestCheckDraft: a model's draft is used (flagged for a person to confirm)
// only when it passes the catalogue's Check, has a strategy its kind and
// confirmed facts allow, and uses no other product's commands; each
// refusal says why. A used draft's YAML loads as a catalogue directory file.
func TestCheckDraft(t *testing.T) {
	data, err := os.ReadFile("testdata/drafts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cases []draftCase
	if err := yaml.UnmarshalWithOptions(data, &cases, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	byID := map[string]DraftAnswer{}
	for i, tc := range cases {
		if tc.Like != "" {
			cases[i].Draft = changed(t, byID[tc.Like], tc.Change)
		}
		if tc.ID != "" {
			byID[tc.ID] = cases[i].Draft
		}
	}
	base := Builtin()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			res := CheckDraft(base, tc.Draft, tc.Secret, tc.Kind)
			if res.Used() != tc.Used {
				t.Fatalf("used %v, want %v; refused %v", res.Used(), tc.Used, res.Refused)
			}
			for _, want := range tc.Refused {
				if !containsSub(res.Refused, want) {
					t.Errorf("refusals lack %q: %v", want, res.Refused)
				}
			}
			for _, want := range tc.Flags {
				if !containsSub(res.Flags, want) {
					t.Errorf("flags lack %q: %v", want, res.Flags)
				}
			}
			if !res.Used() {
				return
			}
			text := ProviderYAML(res.Provider, "drafted by a model: confirm before committing")
			c, _, err := LoadDir(base, fstest.MapFS{res.Provider.ID + ".yaml": {Data: []byte(text)}}, "drafts")
			if err != nil {
				t.Fatalf("the draft's YAML does not load as a catalogue file: %v\n%s", err, text)
			}
			if got := c.Credential(res.Entry.ID); got == nil || got.Strategy != res.Entry.Strategy || got.OverlapUnknown != res.Entry.OverlapUnknown {
				t.Errorf("round trip: %+v", got)
			}
			if base.Provider(res.Provider.ID) != nil {
				t.Error("checking a draft changed the built-in catalogue")
			}
		})
	}
}

// changed is d with the fields of change replaced (JSON names).
func changed(t *testing.T, d DraftAnswer, change map[string]any) DraftAnswer {
	t.Helper()
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range change {
		m[k] = v
	}
	raw, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out DraftAnswer
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
