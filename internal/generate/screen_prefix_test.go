package generate_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schema"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/secretscan/secrettest"
	"github.com/rotor-dev/rotor/internal/section"
)

// TestModelAnswerWithAnOldOrTruncatedKeyIsNotServed: the model writes a
// plausible key of an older or truncated format into a section (an sk-proj-
// key with a 48-character body, a Vault token of the older length, an s.
// token, a GitHub token 25 % short, an AWS key id 50 % long). The output
// screen refuses it by its prefix and randomness, as the input screen
// does: the section is asked again, the defective answer is never served,
// and the runbook carries no part of the key.
func TestModelAnswerWithAnOldOrTruncatedKeyIsNotServed(t *testing.T) {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	r := rand.New(rand.NewPCG(22, 4))
	// exact: gitleaks' own rule knows the format too.
	keys := []struct {
		name, value string
		exact       bool
	}{
		{"sk-proj- with a 48-character body", "sk" + "-proj-" + secrettest.Body(r, alnum, 48), false},
		{"hvs. with a 24-character body", "hv" + "s." + secrettest.Body(r, alnum, 24), false},
		{"Vault's old s. token", "s" + "." + secrettest.Body(r, alnum, 24), true},
		{"ghp_ 25% short", "gh" + "p_" + secrettest.Body(r, alnum, 27), false},
		{"AKIA 50% long", "AK" + "IA" + secrettest.Body(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 24), false},
	}
	req := request(t, "acme-payments")
	correct := correctSections(t, req)
	probe := llmtest.NewModel()
	var target runbook.SectionID
	for _, id := range section.IDs() {
		if _, ok := llmtest.Mutate(llmtest.DefectSecretValue, id, correct, probe.Secret()); ok {
			target = id
			break
		}
	}
	if target == "" {
		t.Fatal("the model double writes a secret value into no section")
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			// The screen knows it by the prefix rule where no exact rule
			// does.
			hits := secretscan.Refusals(scanner.ScanRefusing("x", map[string]string{"step": "The current value is " + k.value + " until it is replaced."}))
			if len(hits) == 0 || !k.exact && !strings.HasPrefix(hits[0].Rule, "credential-prefix") {
				t.Fatalf("the screen's hits: %+v", hits)
			}
			model := llmtest.NewModel()
			if err := model.Learn(req); err != nil {
				t.Fatal(err)
			}
			model.Seed(llmtest.Always(target, llmtest.DefectSecretValue))
			srv := llmtest.NewInMemory(testKey)
			t.Cleanup(srv.Close)
			srv.DefaultByRequest(func(rec llmtest.Recorded) llmtest.Reply {
				rep := model.Reply(rec)
				rep.Content = strings.ReplaceAll(rep.Content, model.Secret(), k.value)
				return rep
			})
			rb, err := llmService(t, srv, llmOpts{}).Generate(context.Background(), req, generate.Options{})
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := json.Marshal(rb)
			if secrettest.Echoes(string(raw), k.value) {
				t.Errorf("the runbook repeats part of the key")
			}
			asked := 0
			for _, rec := range srv.Requests() {
				if rec.SchemaName == schema.Name(target) {
					asked++
				}
			}
			if asked < 2 {
				t.Errorf("%s was asked %d times: the answer with the key was accepted", target, asked)
			}
			served, _ := section.Must(target).Encode(&rb.Sections)
			for _, sent := range model.Defective() {
				if bad, _ := json.Marshal(sent.Section); sent.SchemaName == schema.Name(target) && string(bad) == string(served) {
					t.Errorf("the defective %s answer was served (status %+v)", target, rb.SectionStatus[target])
				}
			}
			t.Logf("%s: asked %d times, served from %s", target, asked, rb.SectionStatus[target].Source)
		})
	}
}
