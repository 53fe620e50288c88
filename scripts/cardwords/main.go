// Command cardwords prints the word count of the operator card of every
// shipped eval request, as the README's table: go run ./scripts/cardwords
// (-readme writes the table into README.md, between its cardwords markers).
// It generates each request with the offline writer (what the goldens and
// the eval run) and counts words as render.Words does: tokens with a
// letter or a digit.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/secretscan"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "cardwords:", err)
		os.Exit(1)
	}
}

// The README's table sits between these lines.
const (
	beginMark = "<!-- cardwords: begin (go run ./scripts/cardwords -readme) -->"
	endMark   = "<!-- cardwords: end -->"
)

func run(args []string) error {
	dir, readme := "eval/requests", false
	for _, a := range args {
		if a == "-readme" {
			readme = true
		} else {
			dir = a
		}
	}
	var table bytes.Buffer
	if err := write(&table, dir); err != nil {
		return err
	}
	if !readme {
		_, err := os.Stdout.Write(table.Bytes())
		return err
	}
	data, err := os.ReadFile("README.md")
	if err != nil {
		return err
	}
	before, rest, ok := strings.Cut(string(data), beginMark+"\n")
	_, after, ok2 := strings.Cut(rest, endMark)
	if !ok || !ok2 {
		return fmt.Errorf("README.md has no %q ... %q", beginMark, endMark)
	}
	return os.WriteFile("README.md", []byte(before+beginMark+"\n"+table.String()+endMark+after), 0o644)
}

// write writes the table of the requests in dir.
func write(w io.Writer, dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		return fmt.Errorf("no requests in %s", dir)
	}
	scan, err := secretscan.New()
	if err != nil {
		return err
	}
	gen := generate.New(generate.Config{Screener: scan, Linter: lint.New(scan),
		Now: func() time.Time { return time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC) }})
	fmt.Fprintln(w, "| Eval request | Secrets | Card words | Limit | Procedures words | Full Markdown words |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		req, err := decode.Request(data)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		// Replayed as of each request's as_of, as eval does: the figures
		// do not move with the day they are counted.
		rb, err := gen.Generate(generate.Replay(context.Background()), req, generate.Options{})
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		var card, full bytes.Buffer
		if err := render.MarkdownView(&card, rb, render.ViewCard); err != nil {
			return err
		}
		if err := render.Markdown(&full, rb); err != nil {
			return err
		}
		n := len(rb.Sections.Inventory.Secrets)
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		// The card is what precedes the procedures block; the block
		// (procedures and rollbacks, said right after it) is counted
		// on its own.
		c, procs := render.SplitCard(card.String())
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d |\n", name, n, render.Words(c), render.CardLimit(name, n), render.Words(procs), render.Words(full.String()))
	}
	return nil
}
