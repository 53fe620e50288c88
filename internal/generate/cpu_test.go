package generate_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
)

// countingScreener counts the input screens.
type countingScreener struct {
	*secretscan.Scanner
	scans atomic.Int32
}

func (c *countingScreener) Scan(prefix string, v any) []secretscan.Hit {
	c.scans.Add(1)
	return c.Scanner.Scan(prefix, v)
}

func (c *countingScreener) ScanJSON(strs []decode.JSONString) []secretscan.Hit {
	c.scans.Add(1)
	return c.Scanner.ScanJSON(strs)
}

// countingLintScanner counts the output screens of sections.
type countingLintScanner struct {
	*secretscan.Scanner
	scans atomic.Int32
}

func (c *countingLintScanner) ScanRefusing(prefix string, v any) []secretscan.Hit {
	c.scans.Add(1)
	return c.Scanner.ScanRefusing(prefix, v)
}

// TestCheckedRequestIsNotScreenedAgain: a request Check accepted (what
// ?stream=1 does before its first event) is screened, validated and planned
// once; Generate takes the work back.
func TestCheckedRequestIsNotScreenedAgain(t *testing.T) {
	service(t, nil)
	cs := &countingScreener{Scanner: scanner}
	svc := generate.New(generate.Config{Screener: cs, Linter: lint.New(scanner)})
	body, err := os.ReadFile("../../eval/requests/acme-payments.json")
	if err != nil {
		t.Fatal(err)
	}
	checked, err := svc.Check(context.Background(), body, generate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Generate(context.Background(), checked.Request, generate.Options{Checked: checked}); err != nil {
		t.Fatal(err)
	}
	if n := cs.scans.Load(); n != 1 {
		t.Errorf("the request was screened %d times", n)
	}
}

// TestEachSectionIsScreenedOnce: an offline generation screens each of its
// ten sections once, however many times the runbook is linted.
func TestEachSectionIsScreenedOnce(t *testing.T) {
	service(t, nil)
	ls := &countingLintScanner{Scanner: scanner}
	svc := generate.New(generate.Config{Screener: scanner, Linter: lint.New(ls)})
	if _, err := svc.Generate(context.Background(), request(t, "acme-payments"), generate.Options{}); err != nil {
		t.Fatal(err)
	}
	if n := ls.scans.Load(); n != int32(len(section.IDs())) {
		t.Errorf("%d section screens for %d sections", n, len(section.IDs()))
	}
}

// TestEachAnswerIsScreenedOnce: with a model, a generation screens each of
// its ten sections once: the model's (a section asked in parts is screened
// merged, not part by part and again whole), never the offline ones its
// answers are judged among. The model rewords its prose, so nothing is
// reused from the offline text. (#22: the screen is the largest share of
// LLM mode's CPU; a second screen per answer would double it.)
func TestEachAnswerIsScreenedOnce(t *testing.T) {
	for _, n := range []int{1, 20} {
		t.Run(fmt.Sprintf("%d secrets", n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				service(t, nil)
				req := llmtest.LargeRequest(n)
				srv, m := modelFor(t, req)
				m.Reword = 1
				ls := &countingLintScanner{Scanner: scanner}
				svc := llmService(t, srv, llmOpts{concurrency: 32, deadline: 10 * time.Minute, linter: lint.New(ls)})
				rb := generateWith(t, svc, req)
				for _, id := range section.IDs() {
					if st := rb.SectionStatus[id]; st.Source != runbook.SourceLLM {
						t.Errorf("%s: %s (%s)", id, st.Source, st.Reason)
					}
				}
				if got := ls.scans.Load(); got != int32(len(section.IDs())) {
					t.Errorf("%d section screens for %d sections", got, len(section.IDs()))
				}
			})
		})
	}
}
