package lint_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestDecodeRefusesWhatIsNotARunbook: `{}`, a request, a runbook whose
// sections are all absent... is not linted as a clean runbook: each is an
// invalid input naming the field that is missing. The inputs are
// testdata/not-runbooks/*.json (rotor lint and POST /runbooks/lint read them
// too).
func TestDecodeRefusesWhatIsNotARunbook(t *testing.T) {
	files, err := filepath.Glob("testdata/not-runbooks/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rb, err := lint.Decode(data)
			if err == nil {
				t.Fatalf("accepted as a runbook: %+v", rb)
			}
			var ve *runbook.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error %v is not a validation error with fields", err)
			}
			for _, f := range ve.Fields {
				if f.Problem == "" {
					t.Errorf("field %q has no problem", f.Path)
				}
			}
		})
	}
}

// TestDecodeAcceptsRunbooks: a whole runbook and a runbook of one section
// (a ?sections= subset) are linted.
func TestDecodeAcceptsRunbooks(t *testing.T) {
	rb := offline(t, "acme-payments")
	whole, err := json.Marshal(rb)
	if err != nil {
		t.Fatal(err)
	}
	one := *rb
	one.Sections = runbook.Sections{Inventory: rb.Sections.Inventory}
	subset, err := json.Marshal(&one)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"whole": whole, "one section": subset} {
		got, err := lint.Decode(data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.System != rb.System || !strings.EqualFold(string(got.Trigger), string(rb.Trigger)) {
			t.Errorf("%s: decoded %q %q", name, got.System, got.Trigger)
		}
	}
}
