package decode

import (
	"os"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestMisplacedFieldsSayWhereTheyGo reads testdata/misplaced_fields.yaml:
// a field rotor knows elsewhere in the request is refused with the paths
// where it goes.
func TestMisplacedFieldsSayWhereTheyGo(t *testing.T) {
	data, err := os.ReadFile("testdata/misplaced_fields.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name string               `yaml:"name"`
		Body string               `yaml:"body"`
		Want []runbook.FieldError `yaml:"want"`
	}
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 {
		t.Fatalf("%d rows read", len(rows))
	}
	for _, row := range rows {
		_, err := Request([]byte(row.Body))
		if diff := cmp.Diff(row.Want, fields(t, err)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", row.Name, diff)
		}
	}
}
