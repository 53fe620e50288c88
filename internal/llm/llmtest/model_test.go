package llmtest

import (
	"testing"

	"github.com/rotor-dev/rotor/internal/secretscan"
)

// TestFakeSecretsAreRefused: every shape FakeSecret makes is a value rotor's
// screen refuses, so a model that writes one is caught.
func TestFakeSecretsAreRefused(t *testing.T) {
	s, err := secretscan.New()
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]bool{}
	for i := 0; i < 200 && len(shapes) < 4; i++ {
		v := FakeSecret()
		shapes[v[:4]] = true
		if len(secretscan.Refusals(s.ScanValue("x", "use "+v+" for now"))) == 0 {
			t.Errorf("not refused: a %q... value", v[:4])
		}
	}
	if len(shapes) < 4 {
		t.Errorf("only %d shapes seen", len(shapes))
	}
}
