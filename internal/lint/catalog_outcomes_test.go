package lint_test

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// outcomeCase is one row of testdata/catalog_outcomes.yaml.
type outcomeCase struct {
	Name     string         `yaml:"name"`
	Request  map[string]any `yaml:"request"`
	Rule     string         `yaml:"rule"`
	Strategy string         `yaml:"strategy"`
	Want     []string       `yaml:"want"`
	Never    []string       `yaml:"never"`
	NeverRE  []string       `yaml:"never_re"`
	OpenItem string         `yaml:"open_item"`
	// CardWant / CardNever are substrings of the operator card (Markdown).
	CardWant  []string `yaml:"card_want"`
	CardNever []string `yaml:"card_never"`
	// Now dates a runbook whose request gives no as_of, as generation
	// does when it is made (planner.DateRunbook).
	Now string `yaml:"now"`
	// KillWithin bounds every exposed credential's planned kill that does
	// not wait for a deadline (minutes from T0): several leaked keys die in
	// parallel lanes, not one after another.
	KillWithin int `yaml:"kill_within"`
	// Strategies are the strategies of other secrets, by name.
	Strategies map[string]string `yaml:"strategies"`
	// KillBy bounds a named secret's kills (minutes from T0), whatever
	// deadline they carry: it has at least one, and none later.
	KillBy map[string]int `yaml:"kill_by"`
}

// loadOutcomes reads a table of outcome cases.
func loadOutcomes(t *testing.T, path string) []outcomeCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []outcomeCase
	if err := yaml.UnmarshalWithOptions(data, &cases, yaml.Strict()); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cases
}

// outcomeRunbook plans and writes a case's request, with the defaults the
// table leaves out (staging and production, Kubernetes, Vault).
func outcomeRunbook(t *testing.T, req map[string]any) (*planner.Facts, *runbook.Runbook) {
	t.Helper()
	for k, v := range map[string]any{"system": "Catalogue outcome", "environments": []string{"staging", "production"},
		"deployment": []string{"kubernetes"}, "secret_store": "vault"} {
		if _, ok := req[k]; !ok {
			req[k] = v
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r, err := decode.ParseRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	f, err := planner.Plan(r)
	if err != nil {
		t.Fatal(err)
	}
	rb := written(t, f)
	rb.OpenItems = f.OpenItems
	return f, rb
}

// TestCatalogOutcomes: each request the catalogue got wrong (issue #19) now
// selects its entry and strategy, says what it must and never what it must
// not, and lints without an error.
func TestCatalogOutcomes(t *testing.T) { runOutcomes(t, "testdata/catalog_outcomes.yaml") }

// TestWorkloadOutcomes: each consumer whose runtime or workload kind rotor
// invented (a DaemonSet restarted as a Deployment, Argo CD as one
// Deployment, a batch restarted or assumed to be a Lambda) now runs as it
// really does, or is a placeholder and a question.
func TestWorkloadOutcomes(t *testing.T) { runOutcomes(t, "testdata/workload_outcomes.yaml") }

// TestUnknownOutcomes: each defect the second cold read of the
// unknown-providers runbook found (review 19) on a provider rotor does not
// know: guessed console paths and codes, checks with side effects, a store
// that wipes fields, a live key in the operator's hands, no escalation, the
// alert path rotated in parallel.
func TestUnknownOutcomes(t *testing.T) { runOutcomes(t, "testdata/unknown_outcomes.yaml") }

// TestSigningOutcomes: token signing keys in every shape (HS256 shared
// secret, a JWKS its verifiers cache, a key held in a KMS or HSM, signer
// and verifier one service or several) select their entry, write the
// steps of that shape, and lint without an error (issue #17, signing).
func TestSigningOutcomes(t *testing.T) { runOutcomes(t, "testdata/signing_outcomes.yaml") }

func runOutcomes(t *testing.T, path string) {
	l := linter(t)
	for _, tc := range loadOutcomes(t, path) {
		t.Run(tc.Name, func(t *testing.T) {
			f, rb := outcomeRunbook(t, tc.Request)
			if tc.Now != "" {
				now, err := time.Parse(time.RFC3339, tc.Now)
				if err != nil {
					t.Fatal(err)
				}
				planner.DateRunbook(rb, f, now)
			}
			s := f.Secrets[0]
			if tc.Rule != "" && s.Rule != tc.Rule {
				t.Errorf("entry %s, want %s", s.Rule, tc.Rule)
			}
			if tc.Strategy != "" && string(s.Strategy) != tc.Strategy {
				t.Errorf("strategy %s, want %s", s.Strategy, tc.Strategy)
			}
			b, err := json.Marshal(rb)
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			// Unescaped, so commands read as an operator sees them.
			enc := json.NewEncoder(&text)
			enc.SetEscapeHTML(false)
			var v any
			_ = json.Unmarshal(b, &v)
			_ = enc.Encode(v)
			all := strings.ReplaceAll(text.String(), `\"`, `"`)
			for _, w := range tc.Want {
				if !strings.Contains(all, w) {
					t.Errorf("the runbook never says %q", w)
				}
			}
			for _, n := range tc.Never {
				if i := strings.Index(all, n); i >= 0 {
					t.Errorf("the runbook says %q: …%s…", n, excerpt(all, i))
				}
			}
			for _, n := range tc.NeverRE {
				if loc := regexp.MustCompile(n).FindStringIndex(all); loc != nil {
					t.Errorf("the runbook matches %q: …%s…", n, excerpt(all, loc[0]))
				}
			}
			if len(tc.CardWant)+len(tc.CardNever) > 0 {
				var card bytes.Buffer
				if err := render.MarkdownView(&card, rb, render.ViewCard); err != nil {
					t.Fatal(err)
				}
				for _, w := range tc.CardWant {
					if !strings.Contains(card.String(), w) {
						t.Errorf("the card never says %q", w)
					}
				}
				for _, n := range tc.CardNever {
					if i := strings.Index(card.String(), n); i >= 0 {
						t.Errorf("the card says %q: …%s…", n, excerpt(card.String(), i))
					}
				}
			}
			for _, k := range rb.TimeToKill {
				if k.Reach {
					// What an exposed credential could read has its own
					// bound (review18 round 4, X1).
					if tc.KillWithin > 0 && k.Minutes > exposure.ReachKill {
						t.Errorf("what %q could read dies at %s (step %d), past T0+%d min", k.SecretID, k.Label, k.Step, exposure.ReachKill)
					}
					continue
				}
				if tc.KillWithin > 0 && k.Deadline == "" && k.Minutes > tc.KillWithin {
					t.Errorf("%s in %s dies at %s (step %d), past T0+%d min", k.SecretID, k.Environment, k.Label, k.Step, tc.KillWithin)
				}
			}
			for name, within := range tc.KillBy {
				n := 0
				for _, sec := range f.Secrets {
					if sec.Name != name {
						continue
					}
					for _, k := range rb.TimeToKill {
						if k.SecretID != sec.ID || k.Reach {
							continue
						}
						n++
						if k.Minutes > within {
							t.Errorf("%s in %s dies at %s (step %d), past T0+%d min", name, k.Environment, k.Label, k.Step, within)
						}
					}
				}
				if n == 0 {
					t.Errorf("%s has no planned kill", name)
				}
			}
			for name, want := range tc.Strategies {
				found := false
				for _, s := range f.Secrets {
					if s.Name == name {
						found = true
						if string(s.Strategy) != want {
							t.Errorf("%s: strategy %s, want %s (%s)", name, s.Strategy, want, s.StrategyReason)
						}
					}
				}
				if !found {
					t.Errorf("no secret %q", name)
				}
			}
			if tc.OpenItem != "" {
				found := false
				for _, o := range append(slices.Clone(f.OpenItems), rb.OpenItems...) {
					found = found || strings.Contains(o.Question, tc.OpenItem) || strings.Contains(o.Text, tc.OpenItem)
				}
				if !found {
					t.Errorf("no open item mentions %q: %+v", tc.OpenItem, f.OpenItems)
				}
			}
			for _, e := range l.Lint(rb) {
				if e.Severity == runbook.SeverityError {
					t.Errorf("%s %s: %s", e.Rule, e.Section, e.Message)
				}
			}
		})
	}
}

func excerpt(s string, i int) string {
	from, to := max(0, i-60), min(len(s), i+100)
	return s[from:to]
}

// TestExposureOutcomes: each held-out request (hook3) on which the exposure
// decided the kill's timing wrongly or a check had a side effect now keeps
// what an overlap can keep running when the work is planned, kills a leaked
// credential first, and checks without writing.
func TestExposureOutcomes(t *testing.T) { runOutcomes(t, "testdata/exposure_outcomes.yaml") }
