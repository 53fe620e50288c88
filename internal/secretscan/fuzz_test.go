package secretscan

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/secretscan/secrettest"
)

// FuzzScreenRefusesDisguisedSecrets: a credential of the corpus (any
// format), in any disguise, between any two texts (separated from it by a
// space, as prose is), is refused, and no hit carries it. The fuzzer
// chooses the format, the disguise, the random bytes and the texts.
func FuzzScreenRefusesDisguisedSecrets(f *testing.F) {
	formats, disguises := secrettest.Formats(), secrettest.Disguises()
	for i := range formats {
		f.Add(uint8(i), uint8(i%len(disguises)), uint64(i), "Rotate it in staging first:", "then production.")
	}
	f.Add(uint8(0), uint8(1), uint64(7), "", "")
	f.Add(uint8(3), uint8(4), uint64(9), "„“«", "\u200b\u202e")
	s := newScanner(f)
	f.Fuzz(func(t *testing.T, format, disguise uint8, seed uint64, before, after string) {
		fm := formats[int(format)%len(formats)]
		d := disguises[int(disguise)%len(disguises)]
		r := rand.New(rand.NewPCG(seed, seed>>7))
		secret := fm.Gen(r)
		texts := d.Apply(r, secret)
		texts[0] = before + " " + texts[0]
		texts[len(texts)-1] += " " + after
		hits := s.screenTexts(texts)
		if len(Refusals(hits)) == 0 {
			t.Fatalf("%s in disguise %s accepted: %q", fm.Name, d.Name, texts)
		}
		if b, _ := json.Marshal(hits); strings.Contains(string(b), secret) {
			t.Fatalf("a hit carries the value: %s", b)
		}
	})
}
