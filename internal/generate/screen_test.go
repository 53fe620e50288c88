package generate_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan/secrettest"
)

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// shortStride thins the format x disguise product under go test -short.
const shortStride = 6

// TestDisguisedSecretsAreRefusedInEveryField puts each credential format of
// the corpus, in each disguise, in every field of a request (every string
// of the contract, an unknown field's value and name, a nested unknown
// object, the first of two duplicate keys; a split secret in every pair of
// neighbouring fields): each body is refused as secret_detected, and
// neither the error nor the log repeats any part of the value.
func TestDisguisedSecretsAreRefusedInEveryField(t *testing.T) {
	logs := &lockedBuffer{}
	s := service(t, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	formats, disguises := secrettest.Formats(), secrettest.Disguises()
	if len(formats) < 60 {
		t.Fatalf("%d formats, want at least 60", len(formats))
	}
	base := secrettest.SampleRequest()
	// -short crosses each format with every shortStride-th disguise
	// (shifted by the format, so every disguise still meets a dozen
	// formats), in every place; the full run crosses them all (46k bodies,
	// the package's longest test).
	stride := 1
	if testing.Short() {
		stride = shortStride
	}
	type miss struct{ disguise, format, where, code string }
	var (
		mu       sync.Mutex
		missed   []miss
		echoed   []string
		secrets  = secrettest.Windows{}
		cases    int
		wg       sync.WaitGroup
		parallel = make(chan struct{}, 2)
	)
	for fi, f := range formats {
		wg.Add(1)
		parallel <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-parallel }()
			r := rand.New(rand.NewPCG(uint64(fi), 3))
			for di, d := range disguises {
				if (fi+di)%stride != 0 {
					continue
				}
				secret := f.Gen(r)
				texts := d.Apply(r, secret)
				for _, p := range secrettest.Place(base, texts) {
					_, err := s.Check(context.Background(), p.Body, generate.Options{})
					mu.Lock()
					cases++
					secrets.Add(secret)
					if c := runbook.ErrorCode(err); c != runbook.CodeSecretDetected {
						code := "accepted"
						if err != nil {
							code = string(c)
						}
						missed = append(missed, miss{d.Name, f.Name, p.Where, code})
					}
					if err != nil && secrettest.Echoes(err.Error(), append([]string{secret}, texts...)...) {
						echoed = append(echoed, fmt.Sprintf("%s/%s at %s: %v", f.Name, d.Name, p.Where, err))
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d formats x %d disguises (1 in %d) x every place = %d bodies", len(formats), len(disguises), stride, cases)
	if len(missed) > 0 {
		byDisguise := map[string]int{}
		for _, m := range missed {
			byDisguise[m.disguise+" ("+m.code+")"]++
		}
		var keys []string
		for k := range byDisguise {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.Errorf("disguise %s: %d bodies not refused as secret_detected", k, byDisguise[k])
		}
		t.Errorf("%d of %d bodies not refused; first: %+v", len(missed), cases, missed[0])
	}
	for _, e := range echoed[:min(5, len(echoed))] {
		t.Errorf("error repeats the value: %s", e)
	}
	if len(echoed) > 0 {
		t.Errorf("%d errors repeat a value", len(echoed))
	}
	if secrets.In(logs.String()) {
		t.Error("the log repeats a value")
	}
}

// TestBenignRequestsAreNotRefused: realistic rotation requests with ids,
// hashes, paths, URLs without credentials and placeholders in every free
// text field are accepted.
func TestBenignRequestsAreNotRefused(t *testing.T) {
	s := service(t, nil)
	r := rand.New(rand.NewPCG(5, 5))
	refused := 0
	for _, body := range secrettest.BenignRequests(r, 300) {
		if _, err := s.Check(context.Background(), body, generate.Options{}); err != nil {
			refused++
			if refused <= 5 {
				t.Errorf("refused: %v\n%s", err, body)
			}
		}
	}
	if refused > 0 {
		t.Errorf("%d of 300 benign requests refused", refused)
	}
}
