package generate_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan/secrettest"
	"github.com/rotor-dev/rotor/internal/section"
)

// FuzzRequestPipeline feeds arbitrary bytes through decoding, screening,
// validation, planning, the offline writer and the linter. Whatever the input:
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
		req, _, err := s.Parse(context.Background(), data)
		if err != nil {
			if c := runbook.ErrorCode(err); c != runbook.CodeInvalid && c != runbook.CodeTooLarge && c != runbook.CodeSecretDetected {
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
		for _, id := range section.IDs() {
			if !section.Must(id).Present(&rb.Sections) {
				t.Fatalf("section %s missing", id)
			}
		}
	})
}

// FuzzDisguisedSecretInRequest: a credential of the corpus, in any
// disguise, at any place of a request (every field, an unknown field's name
// or value, a duplicate key, a pair of fields), with any text in another
// field, is refused as secret_detected before anything is validated or
// planned, and the error repeats nothing of it.
func FuzzDisguisedSecretInRequest(f *testing.F) {
	formats, disguises := secrettest.Formats(), secrettest.Disguises()
	for i := range formats {
		f.Add(uint8(i), uint8(i%len(disguises)), uint16(i*7), uint64(i), "no downtime during EU business hours")
	}
	s := service(f, nil)
	base := secrettest.SampleRequest()
	f.Fuzz(func(t *testing.T, format, disguise uint8, place uint16, seed uint64, other string) {
		fm := formats[int(format)%len(formats)]
		d := disguises[int(disguise)%len(disguises)]
		r := rand.New(rand.NewPCG(seed, seed>>7))
		secret := fm.Gen(r)
		texts := d.Apply(r, secret)
		var req map[string]any
		if err := json.Unmarshal(base, &req); err != nil {
			t.Fatal(err)
		}
		req["constraints"] = []any{other}
		withOther, _ := json.Marshal(req)
		places := secrettest.Place(withOther, texts)
		p := places[int(place)%len(places)]
		_, err := s.Check(context.Background(), p.Body, generate.Options{})
		if runbook.ErrorCode(err) != runbook.CodeSecretDetected {
			t.Fatalf("%s in disguise %s at %s: %v\n%s", fm.Name, d.Name, p.Where, err, p.Body)
		}
		if secrettest.Echoes(err.Error(), append([]string{secret}, texts...)...) {
			t.Fatalf("the error repeats the value: %v", err)
		}
	})
}
