package generate_test

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/render"
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
		t.Run(name, func(t *testing.T) {
			rb, err := s.Generate(context.Background(), request(t, name), generate.Options{})
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
		})
	}
}
