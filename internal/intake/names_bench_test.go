package intake_test

import (
	"os"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// BenchmarkResolveAcme measures resolving every secret of the Acme request;
// BenchmarkPlanAcme the whole plan it is part of (compare the two).
func BenchmarkResolveAcme(b *testing.B) {
	req := acme(b)
	n := intake.DefaultNames()
	for b.Loop() {
		for i := range req.Secrets {
			n.Resolve(req, i)
		}
	}
}

func BenchmarkPlanAcme(b *testing.B) {
	req := acme(b)
	for b.Loop() {
		if _, err := planner.Plan(req); err != nil {
			b.Fatal(err)
		}
	}
}

func acme(b *testing.B) *runbook.Request {
	data, err := os.ReadFile("../../eval/requests/acme-payments.json")
	if err != nil {
		b.Fatal(err)
	}
	req, err := decode.ParseRequest(data)
	if err != nil {
		b.Fatal(err)
	}
	req.Normalize()
	return req
}
