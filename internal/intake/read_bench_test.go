package intake

import (
	"os"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
)

// BenchmarkReadAcme is intake's reading of the seed's request (its names
// resolved, its three constraints read).
func BenchmarkReadAcme(b *testing.B) {
	data, err := os.ReadFile("../../eval/requests/acme-payments.json")
	if err != nil {
		b.Fatal(err)
	}
	req, err := decode.Request(data)
	if err != nil {
		b.Fatal(err)
	}
	asOf := time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)
	Read(req, Options{AsOf: asOf})
	b.ReportAllocs()
	for b.Loop() {
		Read(req, Options{AsOf: asOf})
	}
}
