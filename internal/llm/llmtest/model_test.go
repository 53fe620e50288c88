package llmtest

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
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

// TestMutationsAreRealAndForeignIDsFound: every content defect changes the
// section it applies to, and an invented id is found wherever it lands.
func TestMutationsAreRealAndForeignIDsFound(t *testing.T) {
	data, err := os.ReadFile("../../../eval/requests/acme-payments.json")
	if err != nil {
		t.Fatal(err)
	}
	req, err := decode.ParseRequest(data)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := planner.Plan(req)
	m := NewModel()
	if err := m.Learn(req); err != nil {
		t.Fatal(err)
	}
	b := m.books[f.System]
	applied := 0
	for _, d := range ContentDefects {
		for _, id := range section.IDs() {
			bad, ok := Mutate(d, id, &b.sections, m.Secret())
			if !ok {
				continue
			}
			applied++
			before, _ := section.Must(id).Encode(&b.sections)
			if string(before) == string(bad) {
				t.Errorf("%s × %s changes nothing", d, id)
			}
			doc, _ := json.Marshal(map[string]any{"sections": map[string]any{string(id): bad}})
			foreign, err := ForeignSecretIDs(doc, f)
			if err != nil {
				t.Fatal(err)
			}
			if (d == DefectInventedID) != (len(foreign) > 0) {
				t.Errorf("%s × %s: foreign ids %v", d, id, foreign)
			}
		}
	}
	if applied < 40 {
		t.Errorf("only %d defect × section pairs apply", applied)
	}
}

// TestLatencyGrowsWithTheAnswer: with TokenLatency, an answer takes its
// completion tokens times that long (exactly, on the bubble's clock), and
// reports those tokens.
func TestLatencyGrowsWithTheAnswer(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := NewInMemory("k")
		defer srv.Close()
		srv.TokenLatency = 2 * time.Millisecond
		long := `{"a":"` + strings.Repeat("rotate the key, then verify it ", 30) + `"}`
		srv.Default(func(string) Reply { return OK(long) })
		body := `{"model":"m","messages":[{"role":"user","content":"u"}],"response_format":{"type":"json_schema","json_schema":{"name":"s","strict":true,"schema":{}}}}`
		req, _ := http.NewRequest("POST", srv.BaseURL()+"/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		start := time.Now()
		resp, err := (&http.Client{Transport: srv.Transport()}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		rec := srv.Requests()[0]
		if rec.CompletionTokens != len(O200k().enc.EncodeOrdinary(long)) || rec.CompletionTokens < 100 {
			t.Errorf("%d completion tokens for %d bytes", rec.CompletionTokens, len(long))
		}
		if d, want := time.Since(start), time.Duration(rec.CompletionTokens)*srv.TokenLatency; d != want {
			t.Errorf("answered in %v, not %d tokens × %v", d, rec.CompletionTokens, srv.TokenLatency)
		}
	})
}

// TestHoldAllowRelease: held answers wait until Allow lets some go or
// Release lets all go; requests are recorded as they arrive either way.
func TestHoldAllowRelease(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := NewInMemory("k")
		defer srv.Close()
		srv.Default(func(string) Reply { return OK(`{"a":1}`) })
		srv.Hold()
		client := &http.Client{Transport: srv.Transport()}
		var answered atomic.Int32
		for range 3 {
			go func() {
				body := `{"model":"m","messages":[{"role":"user","content":"u"}],"response_format":{"type":"json_schema","json_schema":{"name":"s","strict":true,"schema":{}}}}`
				req, _ := http.NewRequest("POST", srv.BaseURL()+"/chat/completions", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer k")
				if resp, err := client.Do(req); err == nil {
					resp.Body.Close()
					answered.Add(1)
				}
			}()
		}
		synctest.Wait()
		if n, got := answered.Load(), len(srv.Requests()); n != 0 || got != 3 {
			t.Fatalf("held: %d answered, %d recorded", n, got)
		}
		srv.Allow(1)
		synctest.Wait()
		if n := answered.Load(); n != 1 {
			t.Fatalf("after Allow(1): %d answered", n)
		}
		srv.Release()
		synctest.Wait()
		if n := answered.Load(); n != 3 {
			t.Fatalf("after Release: %d answered", n)
		}
	})
}
