#!/usr/bin/env bash
# add-section.sh: a dry run of adding a section, in a scratch copy of HEAD.
# It adds an eleventh section, "handover" (who holds each secret after the
# rotation), exactly as README's layout section says, then lists the files
# the addition touched and checks that the section is everywhere a section
# must be: built and vetted, in the registry and the contract
# (TestRegistry, TestNoLiteralSectionIDs, the schema set), written by the
# offline writer, in the JSON, Markdown and page of a generated runbook,
# and answered by the model double. Nothing in this checkout changes; the
# scratch copy is removed at the end (KEEP=1 keeps it).
#   scripts/add-section.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d /tmp/rotor-add-section.XXXXXX)
git worktree add -q --detach "$scratch/tree" HEAD
cleanup() {
  if [ "${KEEP:-}" = 1 ]; then echo "kept: $scratch/tree"; return; fi
  git worktree remove --force "$scratch/tree"
  rm -rf "$scratch"
}
trap cleanup EXIT
cd "$scratch/tree"

python3 - <<'PY'
import re

def edit(path, old, new, count=1):
    s = open(path).read()
    if s.count(old) < count:
        raise SystemExit(f"{path}: anchor not found: {old!r}")
    open(path, "w").write(s.replace(old, new))

# 1. The contract: the id, the field of runbook.Sections and the Go type.
rb = "internal/runbook/runbook.go"
edit(rb, '\tSectionAutomation       SectionID = "automation"\n',
     '\tSectionAutomation       SectionID = "automation"\n\tSectionHandover         SectionID = "handover"\n')
edit(rb, '\tAutomation       *Automation       `json:"automation,omitempty"`\n',
     '\tAutomation       *Automation       `json:"automation,omitempty"`\n\tHandover         *Handover         `json:"handover,omitempty"`\n')
open(rb, "a").write('''
// Handover is section 11: who holds each secret once it is rotated.
type Handover struct {
	Owners []HandoverOwner `json:"owners"`
}

// HandoverOwner is one secret's owner after the rotation.
type HandoverOwner struct {
	SecretID string `json:"secret_id"`
	Owner    string `json:"owner"`
}
''')

# 2. The registry: the definition (with its offline writer) and its place.
sec = "internal/section/sections.go"
edit(sec, "\tautomation,\n}", "\tautomation,\n\thandover,\n}")
open(sec, "a").write('''
// handover is section 11: who holds each secret once it is rotated.
var handover = &def[runbook.Handover]{
	id:    runbook.SectionHandover,
	title: "Handover",
	field: func(s *runbook.Sections) **runbook.Handover { return &s.Handover },
	write: func(f *planner.Facts) *runbook.Handover {
		h := &runbook.Handover{Owners: []runbook.HandoverOwner{}}
		for _, s := range f.Secrets {
			h.Owners = append(h.Owners, runbook.HandoverOwner{SecretID: s.ID, Owner: s.Owner})
		}
		return h
	},
	check: func(f *planner.Facts, h *runbook.Handover) []string {
		var v []string
		if len(h.Owners) != len(f.Secrets) {
			v = append(v, fmt.Sprintf("handover.owners has %d entries; the facts have %d secrets", len(h.Owners), len(f.Secrets)))
		}
		for i, o := range h.Owners {
			if want := f.SecretByID(o.SecretID); want == nil {
				v = append(v, fmt.Sprintf("handover.owners[%d].secret_id %q is not a secret id of the facts", i, o.SecretID))
			} else if o.Owner != want.Owner {
				v = append(v, fmt.Sprintf("handover.owners[%d].owner is %q; the facts say %q", i, o.Owner, want.Owner))
			}
		}
		return v
	},
	refs: func(s *runbook.Handover) []string {
		return pluck(s.Owners, func(o runbook.HandoverOwner) string { return o.SecretID })
	},
}
''')

# 3. The prompt template.
open("prompts/sections/handover.tmpl", "w").write(
    "Say who holds each secret once it is rotated: one entry per secret id of the facts, "
    "with the owner the facts name.\n")

# 4. The HTTP contract: the id enum, the sections parameter, the runbook's
# sections object, a section event's content and the section's schema.
api = "api/openapi.yaml"
s = open(api).read()
s = s.replace("audit_evidence, automation]", "audit_evidence, automation, handover]")
s = s.replace("audit_evidence|automation)", "audit_evidence|automation|handover)")
s = s.replace('            automation: {$ref: "#/components/schemas/Automation"}\n',
              '            automation: {$ref: "#/components/schemas/Automation"}\n'
              '            handover: {$ref: "#/components/schemas/Handover"}\n')
s = s.replace('            - {$ref: "#/components/schemas/Automation"}\n',
              '            - {$ref: "#/components/schemas/Automation"}\n'
              '            - {$ref: "#/components/schemas/Handover"}\n')
s = s.replace("    Automation:\n      type: object\n", '''    Handover:
      type: object
      additionalProperties: false
      required: [owners]
      properties:
        owners:
          type: array
          items:
            type: object
            additionalProperties: false
            required: [secret_id, owner]
            properties:
              secret_id: {type: string}
              owner: {type: string}
    Automation:
      type: object
''', 1)
open(api, "w").write(s)
PY

gofmt -w internal/runbook/runbook.go internal/section/sections.go
echo "files the new section touched:"
git status --porcelain | sed 's/^/  /'
n=$(git status --porcelain | wc -l)
echo "count: $n"

go build ./... && go vet ./internal/runbook ./internal/section ./internal/render ./internal/web
go test -count=1 ./internal/section -run 'TestRegistry|TestNoLiteralSectionIDs'
# The HTTP contract holds the new section (answers are validated against it).
go test -count=1 ./cmd/rotor -run '^TestContract$'

# The section end to end: offline writer, JSON, Markdown, the page, and the
# model double answering it (a probe test, written after the count).
cat > internal/web/zz_handover_probe_test.go <<'GO'
package web

import (
	"context"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/llm/openai"
	"github.com/rotor-dev/rotor/internal/render"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/prompts"
)

func TestHandoverProbe(t *testing.T) {
	req := &runbook.Request{System: "Billing", Secrets: []runbook.Secret{{Name: "Mailgun API key", Owner: "payments team"}}}
	scan, err := secretscan.New()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := section.Schemas()
	if err != nil {
		t.Fatal(err)
	}
	p, err := section.LoadPrompts(prompts.FS)
	if err != nil {
		t.Fatal(err)
	}
	model := llmtest.NewModel()
	if err := model.Learn(req); err != nil {
		t.Fatal(err)
	}
	srv := llmtest.NewInMemory("sk-probe")
	defer srv.Close()
	srv.DefaultByRequest(model.Reply)
	client, err := openai.New(openai.Config{APIKey: "sk-probe", BaseURL: srv.BaseURL(), Transport: srv.Transport(), Model: "gpt-4o-mini"})
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []generate.Config{
		{Screener: scan, Linter: lint.New(scan), Schemas: schemas},
		{Screener: scan, Linter: lint.New(scan), Schemas: schemas, LLM: client, Prompts: p},
	} {
		rb, err := generate.New(cfg).Generate(context.Background(), req, generate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		h := rb.Sections.Handover
		if h == nil || len(h.Owners) != 1 || h.Owners[0].Owner != "payments team" {
			t.Fatalf("llm=%v: handover %+v", cfg.LLM != nil, h)
		}
		if st := rb.SectionStatus[runbook.SectionHandover]; cfg.LLM != nil && st.Source != "llm" {
			t.Errorf("the model's handover fell back: %+v", st)
		}
		var md strings.Builder
		if err := render.Markdown(&md, rb); err != nil || !strings.Contains(md.String(), "## Handover") || !strings.Contains(md.String(), "payments team") {
			t.Errorf("Markdown: %v\n%s", err, md.String())
		}
		pages, err := New()
		if err != nil {
			t.Fatal(err)
		}
		var page strings.Builder
		if err := pages.Runbook(&page, RunbookPage{ID: rb.ID, Runbook: rb}); err != nil || !strings.Contains(page.String(), `id="section-handover"><dl class="outline"><dt>owners</dt><dd><dl class="outline"><dt>1</dt><dd><dl class="outline"><dt>secret id</dt><dd>mailgun-api-key</dd><dt>owner</dt><dd>payments team</dd></dl>`) {
			i := strings.Index(page.String(), "section-handover"); t.Errorf("page: %v %q", err, page.String()[max(i-200, 0):min(i+300, len(page.String()))])
		}
		t.Logf("llm=%v: handover %+v, status %+v", cfg.LLM != nil, *h, rb.SectionStatus[runbook.SectionHandover])
	}
}
GO
go test -count=1 -v ./internal/web -run TestHandoverProbe | grep -E '^(=== RUN|--- |ok|FAIL)|probe_test'
echo "dry run: a new section touched $n files, and is built, registered, written, rendered and answered"
