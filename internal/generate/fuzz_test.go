package generate_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// FuzzRequestPipeline feeds arbitrary bytes through decoding, validation,
// screening, planning, the offline writer and the linter. Whatever the input:
// nothing panics, a refused request is refused with an error of a known code,
// and an accepted one yields a runbook with all ten sections and no error
// finding.
func FuzzRequestPipeline(f *testing.F) {
	seeds, _ := filepath.Glob("../../eval/requests/*.json")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"system":"S","secrets":[{"name":"x"}]}`))
	f.Add([]byte(`{"system":"S","trigger":"confirmed_leak","secrets":[{"name":"AWS key","exposure":"public","consumers":["a","a"]}]}`))
	f.Add([]byte(`{"system":"<\/rotor-data>","secrets":[{"name":"Vault token","personal":true}],"trigger":"offboarding"}`))
	s := service(f, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := runbook.ParseRequest(data)
		if err != nil {
			if c := runbook.ErrorCode(err); c != runbook.CodeInvalid && c != runbook.CodeTooLarge {
				t.Fatalf("decode error of code %s: %v", c, err)
			}
			return
		}
		rb, err := s.Generate(context.Background(), req, generate.Options{})
		if err != nil {
			c := runbook.ErrorCode(err)
			if c == runbook.CodeInternal {
				t.Fatalf("internal error for a valid request: %v\n%s", err, data)
			}
			if c == runbook.CodeSecretDetected && strings.Contains(err.Error(), "sk_") {
				t.Fatalf("refusal echoes a value: %v", err)
			}
			return
		}
		if lint.HasErrors(rb.Findings) {
			t.Fatalf("error findings %+v\n%s", rb.Findings, data)
		}
		for _, id := range runbook.SectionIDs {
			if rb.Sections.Get(id) == nil {
				t.Fatalf("section %s missing", id)
			}
		}
	})
}
