// Package prompts holds rotor's LLM prompts as files: the system prompt (the
// seed template), the task frame and one task per section. They are embedded
// in the binary; a directory with the same layout can replace them (to try an
// edited copy without rebuilding).
package prompts

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"
)

// FS is the embedded prompt set.
//
//go:embed system.tmpl task.tmpl sections/*.tmpl
var FS embed.FS

// Set is a parsed prompt set.
type Set struct {
	system   string
	task     *template.Template
	sections map[string]string
	version  string
	// sectionVersions hash the files one section's prompt is made of.
	sectionVersions map[string]string
}

// Load parses a prompt set from fsys (FS, or a directory with the same files):
// system.tmpl, task.tmpl and one sections/<section id>.tmpl per section (the
// section registry checks every section has one).
func Load(fsys fs.FS) (*Set, error) {
	files, err := fs.Glob(fsys, "sections/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("prompts: %w", err)
	}
	sort.Strings(files)
	var sectionNames []string
	for _, f := range files {
		sectionNames = append(sectionNames, strings.TrimSuffix(path.Base(f), ".tmpl"))
	}
	h := sha256.New()
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return "", fmt.Errorf("prompts: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
		return string(b), nil
	}
	s := &Set{sections: map[string]string{}}
	if s.system, err = read("system.tmpl"); err != nil {
		return nil, err
	}
	taskText, err := read("task.tmpl")
	if err != nil {
		return nil, err
	}
	if s.task, err = template.New("task").Option("missingkey=error").Parse(taskText); err != nil {
		return nil, fmt.Errorf("prompts: task.tmpl: %w", err)
	}
	for _, name := range sectionNames {
		text, err := read("sections/" + name + ".tmpl")
		if err != nil {
			return nil, err
		}
		s.sections[name] = strings.TrimSpace(text)
	}
	s.version = hex.EncodeToString(h.Sum(nil))[:12]
	s.sectionVersions = map[string]string{}
	for _, name := range sectionNames {
		sh := sha256.New()
		for _, part := range []string{s.system, taskText, s.sections[name]} {
			fmt.Fprintf(sh, "%d\x00%s", len(part), part)
		}
		s.sectionVersions[name] = hex.EncodeToString(sh.Sum(nil))[:12]
	}
	return s, nil
}

// SectionVersion identifies the templates one section's prompt is built
// from: editing another section's task leaves it unchanged.
func (s *Set) SectionVersion(section string) string { return s.sectionVersions[section] }

// Sections lists the sections the set has a template for (their ids).
func (s *Set) Sections() []string {
	out := make([]string, 0, len(s.sections))
	for name := range s.sections {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Version identifies the template bytes: any edit changes it.
func (s *Set) Version() string { return s.version }

// Context is the seed's Context list, filled from the request's validated,
// closed-vocabulary values. Free text never goes here: it stays in the data
// block.
type Context struct {
	Kinds        string
	Trigger      string
	Environments string
	Deployment   string
	Store        string
	Downtime     string
}

// Input is what one section's prompt is built from.
type Input struct {
	Section    string
	Title      string
	SchemaName string
	// Schema is included in the prompt text only in JSON mode, for servers
	// that cannot take it as response_format.
	Schema   []byte
	JSONMode bool
	// Own: the call carries the section's own schema (a part of a section,
	// whose prompt shares no data block with other calls), not the
	// envelope of every section: the answer is the section itself.
	Own     bool
	Context Context
	// Data is the request-derived data (the facts the runbook's sections
	// read); it is JSON encoded into the data block, unless it is Encoded
	// already (EncodeData's output, reused by every call of a generation).
	Data any
	// Refs: the data block writes command references ({{cN}}, see Refs)
	// in place of commands; the task says to copy them as written.
	Refs bool
	// Part is set when the section is asked in parts: this call writes one.
	Part *Part
	// Violations of the previous answer, when asking again.
	Violations []string
}

// Encoded is a data block EncodeData produced: Build uses it as it is.
type Encoded string

// Part says which part of a section one call writes: rotor asks a section
// too large for one answer in parts, each restricted to some secrets (and,
// for the rotation sequence, to one track), and merges them.
type Part struct {
	Index, Of int
	SecretIDs []string
	// Tracks are the tracks of the rotation sequence the part writes (none:
	// any section but the rotation sequence).
	Tracks []string
	// SectionWide: the part also writes the items about no secret in
	// particular; the other parts leave them out.
	SectionWide bool
}

// Messages are the system and user messages of one call.
type Messages struct {
	System string
	User   string
}

// Build renders the messages for one section: the system prompt, then the
// runbook's context and data (inside <rotor-data> ... </rotor-data>), then the
// section's task. Everything before the task is the same for the ten sections
// of a runbook when their Data and Context are, so the ten calls share one
// long prefix and providers' prompt caching applies to it. The data is JSON
// with <, > and & escaped, so nothing inside it can close the block; request
// text appears nowhere else.
func (s *Set) Build(in Input) (Messages, error) {
	instructions, ok := s.sections[in.Section]
	if !ok {
		return Messages{}, fmt.Errorf("prompts: no task for section %q", in.Section)
	}
	data, ok := in.Data.(Encoded)
	if !ok {
		text, err := EncodeData(in.Data)
		if err != nil {
			return Messages{}, err
		}
		data = Encoded(text)
	}
	var buf bytes.Buffer
	err := s.task.Execute(&buf, map[string]any{
		"Section": in.Section, "Title": in.Title, "Instructions": instructions, "SchemaName": in.SchemaName,
		"JSONMode": in.JSONMode, "Own": in.Own, "Schema": string(in.Schema), "Context": in.Context, "Violations": in.Violations, "Data": string(data),
		"Part": in.Part, "Refs": in.Refs,
	})
	if err != nil {
		return Messages{}, fmt.Errorf("prompts: %s: %w", in.Section, err)
	}
	return Messages{System: s.system, User: buf.String()}, nil
}

// EncodeDataRefs is EncodeData with r's references written in place of
// the code spans they refer to (r nil or empty: EncodeData).
func EncodeDataRefs(v any, r *Refs) (string, error) {
	if r.Len() == 0 {
		return EncodeData(v)
	}
	b, err := appendValue(nil, v, r.Write)
	if err != nil {
		return "", fmt.Errorf("prompts: encode data: %w", err)
	}
	return string(b), nil
}

// EncodeData is the data block's content: compact JSON (indentation costs a
// quarter more tokens and tells a model nothing) whose <, > and & are
// escaped as \u003c, \u003e and \u0026.
func EncodeData(v any) (string, error) {
	b, err := appendData(nil, v)
	if err != nil {
		return "", fmt.Errorf("prompts: encode data: %w", err)
	}
	return string(b), nil
}
