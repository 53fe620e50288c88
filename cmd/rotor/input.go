package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// readInput reads a file, or stdin for "-".
func readInput(path string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, runbook.MaxBodyBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > runbook.MaxBodyBytes {
		return nil, runbook.TooLarge(len(data))
	}
	return data, nil
}

// maxYAMLDepth bounds the nesting of flow collections in a YAML request.
const maxYAMLDepth = 64

// requestJSON returns a request file as JSON: JSON as it is, YAML (by
// extension, or by the first character when reading stdin) converted.
// YAML anchors, aliases and merge keys are refused before anything is
// expanded (a few hundred bytes of aliases expand to gigabytes), as is
// flow nesting deeper than maxYAMLDepth; the JSON is bounded like a body.
func requestJSON(path string, data []byte) ([]byte, error) {
	ext := strings.ToLower(filepath.Ext(path))
	trimmed := bytes.TrimSpace(data)
	if !(ext == ".yaml" || ext == ".yml" || (ext != ".json" && len(trimmed) > 0 && trimmed[0] != '{')) {
		return data, nil
	}
	invalid := func(problem string) error {
		return &runbook.ValidationError{Fields: []runbook.FieldError{{Path: "", Problem: problem}}}
	}
	depth := 0
	for _, tok := range lexer.Tokenize(string(data)) {
		switch tok.Type {
		case token.AnchorType, token.AliasType, token.MergeKeyType:
			return nil, invalid(fmt.Sprintf("YAML anchors, aliases and merge keys are not accepted (line %d): write the request out in full", tok.Position.Line))
		case token.SequenceStartType, token.MappingStartType:
			if depth++; depth > maxYAMLDepth {
				return nil, invalid(fmt.Sprintf("YAML nested deeper than %d levels (line %d)", maxYAMLDepth, tok.Position.Line))
			}
		case token.SequenceEndType, token.MappingEndType:
			depth--
		}
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, invalid("invalid YAML: " + firstLine(err.Error()))
	}
	if len(j) > 2*runbook.MaxBodyBytes {
		return nil, runbook.TooLarge(len(j))
	}
	return j, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// writeOutput writes to a file atomically (temp file, then rename) or stdout,
// so a failed run never leaves a half-written file.
func writeOutput(path string, data []byte, stdout io.Writer) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".rotor-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// printError prints an error for a person: the message, then one line per field.
func printError(w io.Writer, err error) {
	var re *runbook.Error
	var ve *runbook.ValidationError
	switch {
	case errors.As(err, &re):
		fmt.Fprintf(w, "rotor: %s (%s)\n", re.Message, re.Code)
		for _, f := range re.Fields {
			fmt.Fprintf(w, "  %s: %s\n", orRoot(f.Path), f.Problem)
		}
	case errors.As(err, &ve):
		fmt.Fprintln(w, "rotor: the input is invalid (invalid_request)")
		for _, f := range ve.Fields {
			fmt.Fprintf(w, "  %s: %s\n", orRoot(f.Path), f.Problem)
		}
	default:
		fmt.Fprintln(w, "rotor:", err)
	}
}

func orRoot(p string) string {
	if p == "" {
		return "(body)"
	}
	return p
}
