package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

const orgDir = "../../internal/catalog/testdata/org"

// TestCatalogCheckCommand: `rotor catalog check DIR` passes a valid
// directory, names what a shadowing one replaces, and lists every problem
// of a broken one with its file (exit 1).
func TestCatalogCheckCommand(t *testing.T) {
	code, stdout, stderr := cli(t, "", "catalog", "check", orgDir+"/valid")
	if code != exitOK || !strings.Contains(stdout, "ok: 1 provider file(s)") {
		t.Errorf("valid: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = cli(t, "", "catalog", "check", orgDir+"/shadow")
	if code != exitOK || !strings.Contains(stdout, `shadow/stripe.yaml: provider "stripe" takes precedence over the built-in stripe's`) {
		t.Errorf("shadow: exit %d\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = cli(t, "", "catalog", "check", orgDir+"/broken")
	if code != exitFailure || !strings.Contains(stderr, "broken/acme-typo.yaml: ") || !strings.Contains(stderr, `unknown field "credentialz"`) {
		t.Errorf("broken: exit %d\n%s", code, stderr)
	}
	code, _, stderr = cli(t, "", "catalog", "check", orgDir+"/missing")
	if code != exitFailure || !strings.Contains(stderr, "missing") {
		t.Errorf("missing directory: exit %d\n%s", code, stderr)
	}
}

// TestCatalogListCommand: `rotor catalog list` shows every built-in entry,
// and the organisation's with their file when ROTOR_CATALOG_DIR is set.
func TestCatalogListCommand(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"catalog", "list", "-f", "json"}, env(map[string]string{"ROTOR_CATALOG_DIR": orgDir + "/valid"}), strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rows []listedEntry
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	byID := map[string]listedEntry{}
	for _, r := range rows {
		byID[r.ID] = r
	}
	if r := byID["acme-ledger-settlement-hmac"]; r.Origin != filepath.Clean(orgDir+"/valid")+"/acme-ledger.yaml" || r.Strategy != "dual_accept" {
		t.Errorf("organisation entry: %+v", r)
	}
	if r := byID["anthropic-api-key"]; r.Origin != "built-in" {
		t.Errorf("built-in entry: %+v", r)
	}
	code, stdout, _ := cli(t, "", "catalog", "list")
	if code != exitOK || !strings.Contains(stdout, "generic-unknown") || !strings.Contains(stdout, "PROVIDER") {
		t.Errorf("text list: exit %d\n%.300s", code, stdout)
	}
}

// TestCatalogDirAtStart runs the real binary: a broken ROTOR_CATALOG_DIR
// stops `rotor serve` before it listens, naming the file and the problem;
// a valid one makes `rotor generate` use the organisation's entry; a
// shadowing one logs which built-in it replaced and uses its own steps.
func TestCatalogDirAtStart(t *testing.T) {
	bin := rotorBinary(t)
	abs := func(d string) string {
		p, err := filepath.Abs(filepath.Join(orgDir, d))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	runBin := func(dir, stdin string, args ...string) (int, string, string) {
		cmd := rotorCommand(bin, []string{"ROTOR_CATALOG_DIR=" + dir, "ROTOR_ADDR=127.0.0.1:0"}, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errb.String()
	}

	code, _, stderr := runBin(abs("broken"), "", "serve")
	if code != exitUsage || !strings.Contains(stderr, "ROTOR_CATALOG_DIR") || !strings.Contains(stderr, abs("broken")+"/acme-typo.yaml") || !strings.Contains(stderr, `unknown field "credentialz"`) {
		t.Errorf("broken directory: exit %d\n%s", code, stderr)
	}

	req := `{"system": "Settlement", "secrets": [{"name": "Acme ledger settlement HMAC key", "consumers": ["ledger", "notifier"], "notes": "ledger signs, notifier verifies"}]}`
	code, stdout, stderr := runBin(abs("valid"), req, "generate", "-i", "-")
	if code != exitOK {
		t.Fatalf("valid directory: exit %d\n%s", code, stderr)
	}
	var rb struct {
		Sections struct {
			Inventory struct {
				Secrets []struct {
					Provider string `json:"provider"`
					Strategy string `json:"strategy"`
				} `json:"secrets"`
			} `json:"inventory"`
		} `json:"sections"`
		Findings []struct {
			Rule, Severity string
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rb); err != nil {
		t.Fatal(err)
	}
	if s := rb.Sections.Inventory.Secrets; len(s) != 1 || s[0].Provider != "Acme ledger" || s[0].Strategy != "dual_accept" {
		t.Errorf("inventory %+v", s)
	}
	if !strings.Contains(stdout, "ledgerctl") || !strings.Contains(stdout, "notifier (verifier)") {
		t.Errorf("the organisation's steps are not used:\n%.2000s", stdout)
	}
	for _, f := range rb.Findings {
		if f.Severity == "error" {
			t.Errorf("lint error %s", f.Rule)
		}
	}

	code, stdout, stderr = runBin(abs("shadow"), `{"system": "Checkout", "secrets": [{"name": "Stripe secret key", "consumers": ["checkout"]}]}`, "generate", "-i", "-")
	if code != exitOK || !strings.Contains(stdout, "keybroker roll --vendor stripe") || strings.Contains(stdout, "Roll key") {
		t.Errorf("shadowing directory: exit %d\n%s\n%.1500s", code, stderr, stdout)
	}
	if !strings.Contains(stderr, "takes precedence over a built-in one") || !strings.Contains(stderr, `"id":"stripe"`) {
		t.Errorf("no log line for the replaced built-in:\n%s", stderr)
	}
}

// TestCatalogDraftsContract: with an LLM (the model double), a request
// naming a provider the catalogue lacks comes back with its model-drafted
// entry in the runbook's catalog_drafts, labelled "model-drafted: confirm"
// at the top; one whose draft uses another product's commands is refused.
// GET /runbooks/{id}/catalog-drafts answers them as the contract says, as
// JSON and as YAML files that load as a catalogue directory; it refuses an
// unknown format, a missing key and another key's runbook.
func TestCatalogDraftsContract(t *testing.T) {
	c := loadContract(t)
	const key = "drafts-key-51c2"
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	d := llmtest.NewDrafter()
	d.Seed(func(provider string) llmtest.DraftDefect {
		if strings.EqualFold(provider, "fivetran") {
			return llmtest.DraftForeignCommands
		}
		return llmtest.DraftHonest
	})
	fake.DefaultByRequest(d.Reply)
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(),
		"ROTOR_API_KEYS": "ci:sha256:" + keyHash(key) + ",other:sha256:" + keyHash("other-key-9e1d"), "ROTOR_LLM_DEADLINE": "60s"})
	auth := http.Header{"Authorization": {"Bearer " + key}}
	check := func(x exchange, want int) []byte {
		t.Helper()
		problems, status, _, body := c.check(t, s.base, x)
		if status != want {
			problems = append(problems, fmt.Sprintf("status %d, want %d: %.300s", status, want, body))
		}
		if len(problems) > 0 {
			t.Errorf("%s %s (%s):\n  %s", x.method, x.path, x.name, strings.Join(problems, "\n  "))
		}
		return body
	}
	req := []byte(`{"system": "Data platform", "environments": ["production"], "secrets": [
		{"name": "Pinecone API key", "provider": "pinecone", "kind": "api_key", "consumers": ["search-api"]},
		{"name": "Fivetran API key", "provider": "fivetran", "kind": "api_key", "consumers": ["elt"]}]}`)
	hdr := auth.Clone()
	hdr.Set("Content-Type", "application/json")
	body := check(exchange{name: "two unknown providers", method: "POST", path: "/runbooks", header: hdr, body: req, valid: true}, 200)
	var rb runbook.Runbook
	if err := json.Unmarshal(body, &rb); err != nil {
		t.Fatal(err)
	}
	if len(rb.CatalogDrafts) != 2 || rb.CatalogDrafts[0].Status != runbook.DraftUsed || rb.CatalogDrafts[1].Status != runbook.DraftRefused {
		t.Fatalf("drafts %+v", rb.CatalogDrafts)
	}
	labelled := false
	for _, o := range rb.OpenItems {
		labelled = labelled || strings.Contains(o.Text, planner.DraftedLabel)
	}
	if !labelled {
		t.Errorf("no open item says %q: %+v", planner.DraftedLabel, rb.OpenItems)
	}
	path := "/runbooks/" + rb.ID + "/catalog-drafts"
	var got struct {
		RunbookID string                 `json:"runbook_id"`
		Drafts    []runbook.CatalogDraft `json:"drafts"`
	}
	if err := json.Unmarshal(check(exchange{name: "drafts", method: "GET", path: path, header: auth, valid: true}, 200), &got); err != nil {
		t.Fatal(err)
	}
	if got.RunbookID != rb.ID || len(got.Drafts) != 2 || !strings.Contains(strings.Join(got.Drafts[1].Refused, " "), "uses AWS's commands") {
		t.Errorf("drafts answer %+v", got)
	}
	yamlBody := check(exchange{name: "drafts as YAML", method: "GET", path: path + "?format=yaml", header: auth, valid: true}, 200)
	docs := strings.Split(string(yamlBody), "---\n")
	if len(docs) != 2 || !strings.HasPrefix(docs[0], "# ") {
		t.Fatalf("YAML documents: %q", yamlBody)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, got.Drafts[0].Entry[:strings.Index(got.Drafts[0].Entry, "-")]+".yaml"), []byte(docs[0]), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := cli(t, "", "catalog", "check", dir); code != exitOK {
		t.Errorf("the used draft's file does not pass rotor catalog check: %s%s", stdout, stderr)
	}
	check(exchange{name: "unknown format", method: "GET", path: path + "?format=xml", header: auth}, 400)
	check(exchange{name: "no key", method: "GET", path: path}, 401)
	check(exchange{name: "another key's runbook", method: "GET", path: path, header: http.Header{"Authorization": {"Bearer other-key-9e1d"}}, valid: true}, 404)
}
