package generate_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// sentenceEnd ends a sentence: ".", "!" or "?" before a space or the end
// of a line, and a line break between list items or table cells.
var sentenceEnd = regexp.MustCompile(`[.!?](\s|$)|\n|\|`)

// longSentences splits Markdown into sentences outside code spans and
// returns those of at least min words, normalised (case, spacing, list and
// emphasis marks), with how often each appears.
func longSentences(md string, min int) map[string]int {
	// Code spans are kept whole (their dots and pipes end nothing).
	var b strings.Builder
	in := false
	for _, r := range md {
		if r == '`' {
			in = !in
		}
		if in && (r == '.' || r == '?' || r == '!' || r == '|') {
			r = '·'
		}
		b.WriteRune(r)
	}
	out := map[string]int{}
	for _, s := range sentenceEnd.Split(b.String(), -1) {
		s = strings.ToLower(strings.Trim(strings.Join(strings.Fields(strings.NewReplacer("*", "", "- [ ]", "", "_", " ").Replace(s)), " "), " -:"))
		if render.Words(s) >= min {
			out[s]++
		}
	}
	return out
}

// TestSayItOnce: no sentence of 12 words or more appears twice in the card
// of any shipped eval request, nor in the whole runbook behind it (the
// appendices). The card is a view of the appendices, so each is read on its
// own.
func TestSayItOnce(t *testing.T) {
	paths, _ := filepath.Glob("../../eval/requests/*.json")
	s := service(t, nil)
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) { saysOnce(t, s, request(t, name)) })
	}
}

// saysOnce generates a request and finds no sentence of 12 words or more
// twice in its card, nor in the appendices behind it.
func saysOnce(t *testing.T, s *generate.Service, req *runbook.Request) {
	t.Helper()
	rb, err := s.Generate(context.Background(), req, generate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var card, full bytes.Buffer
	if err := render.MarkdownView(&card, rb, render.ViewCard); err != nil {
		t.Fatal(err)
	}
	if err := render.Markdown(&full, rb); err != nil {
		t.Fatal(err)
	}
	appendices := full.String()[strings.Index(full.String(), "**Appendices:**"):]
	for doc, text := range map[string]string{"card": card.String(), "appendices": appendices} {
		for sentence, n := range longSentences(text, 12) {
			if n > 1 {
				t.Errorf("%s: %d times: %q", doc, n, sentence)
			}
		}
	}
}

// readmeRequests are the requests the README shows as examples: its JSON
// blocks that decode as a request (the error example does not).
func readmeRequests(t *testing.T) map[string]*runbook.Request {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*runbook.Request{}
	blocks := strings.Split(string(data), "```json\n")
	for i, b := range blocks[1:] {
		body, _, ok := strings.Cut(b, "```")
		if !ok {
			continue
		}
		if req, err := decode.Request([]byte(body)); err == nil {
			out[fmt.Sprintf("readme-%d", i+1)] = req
		}
	}
	if len(out) < 3 {
		t.Fatalf("README examples: %d", len(out))
	}
	return out
}

// TestSayItOnceInReadmeExamples: the README's example requests say no
// sentence of 12 words or more twice either.
func TestSayItOnceInReadmeExamples(t *testing.T) {
	s := service(t, nil)
	for name, req := range readmeRequests(t) {
		t.Run(name, func(t *testing.T) { saysOnce(t, s, req) })
	}
}
