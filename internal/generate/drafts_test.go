package generate_test

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// draftCases: one provider the catalogue lacks per row, the defect the model
// double seeds in its draft, and what rotor must make of it.
var draftCases = []struct {
	provider string
	defect   llmtest.DraftDefect
	used     bool
	refused  string // a substring of one refusal
}{
	{"Pinecone", llmtest.DraftHonest, true, ""},
	{"Weaviate", llmtest.DraftMissingActions, false, "actions.invalidate is required"},
	{"Qdrant", llmtest.DraftWrongStrategy, false, "strategy hard_cutover needs the vendor's documentation"},
	{"Retool", llmtest.DraftRekey, false, "strategy rekey is for encryption keys"},
	{"Fivetran", llmtest.DraftForeignCommands, false, "uses AWS's commands"},
	{"Airbyte", llmtest.DraftSchemaViolation, false, "does not meet the schema"},
	{"Census", llmtest.DraftNotJSON, false, "not valid JSON"},
	{"Hightouch", llmtest.DraftRefusal, false, "the model gave no draft"},
	{"Segment", llmtest.DraftConfirmedOverlap, true, ""},
}

// TestCatalogDrafts: with an LLM, each secret of a provider the catalogue
// lacks gets a model-drafted entry. The honest drafts write its steps,
// labelled "model-drafted: confirm" at the top; a draft missing actions,
// with a wrong strategy, another product's commands, a schema violation,
// prose or a refusal is refused, and the secret keeps the safe unknown path
// and its question. Every draft comes back as YAML; a used one loads as a
// catalogue directory file. The runbook lints clean.
func TestCatalogDrafts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		req := &runbook.Request{System: "Data platform", Environments: []string{"staging", "production"},
			Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreVault}
		defects := map[string]llmtest.DraftDefect{}
		for _, c := range draftCases {
			if catalog.Default().InferProvider(strings.ToLower(c.provider)) != nil {
				t.Fatalf("%s is in the catalogue: pick a provider it lacks", c.provider)
			}
			req.Secrets = append(req.Secrets, runbook.Secret{Name: c.provider + " API key", Provider: strings.ToLower(c.provider), Kind: runbook.KindAPIKey,
				Owner: "Data", Consumers: []string{"sync-" + strings.ToLower(c.provider)}})
			defects[strings.ToLower(c.provider)] = c.defect
		}
		srv := llmtest.NewInMemory(testKey)
		t.Cleanup(srv.Close)
		d := llmtest.NewDrafter()
		d.Seed(func(provider string) llmtest.DraftDefect { return defects[strings.ToLower(provider)] })
		srv.DefaultByRequest(d.Reply)
		svc := llmService(t, srv, llmOpts{deadline: 10 * time.Minute, drafts: true})
		rb := generateWith(t, svc, req)

		// Every draft asked is one call the runbook's usage counts.
		if rb.Usage.LLMCalls < len(draftCases) {
			t.Errorf("usage counts %d calls; %d drafts were asked", rb.Usage.LLMCalls, len(draftCases))
		}
		if len(rb.CatalogDrafts) != len(draftCases) {
			t.Fatalf("%d drafts, want %d: %+v", len(rb.CatalogDrafts), len(draftCases), rb.CatalogDrafts)
		}
		inv := map[string]runbook.InventorySecret{}
		for _, s := range rb.Sections.Inventory.Secrets {
			inv[s.ID] = s
		}
		for i, c := range draftCases {
			dr := rb.CatalogDrafts[i]
			id := strings.ToLower(c.provider) + "-api-key"
			if dr.SecretID != id {
				t.Errorf("draft %d is for %s, want %s", i, dr.SecretID, id)
				continue
			}
			if (dr.Status == runbook.DraftUsed) != c.used {
				t.Errorf("%s (%s): status %s, refused %v", c.provider, c.defect, dr.Status, dr.Refused)
			}
			if c.refused != "" && !strings.Contains(strings.Join(dr.Refused, "\n"), c.refused) {
				t.Errorf("%s (%s): refusals lack %q: %v", c.provider, c.defect, c.refused, dr.Refused)
			}
			item := openItemAbout(rb, c.provider)
			if c.used {
				if !strings.HasPrefix(inv[id].Entry, strings.ToLower(c.provider)) || !strings.Contains(item, planner.DraftedLabel) {
					t.Errorf("%s: entry %q, open item %q", c.provider, inv[id].Entry, item)
				}
				if _, _, err := catalog.LoadDir(catalog.Builtin(), fstest.MapFS{strings.ToLower(c.provider) + ".yaml": {Data: []byte(dr.YAML)}}, "drafts"); err != nil {
					t.Errorf("%s: the used draft's YAML does not load: %v\n%s", c.provider, err, dr.YAML)
				}
				if c.defect == llmtest.DraftConfirmedOverlap && !strings.Contains(strings.Join(dr.Flags, "\n"), "confirm it in the vendor's documentation") {
					t.Errorf("%s: a confirmed overlap is not flagged: %v", c.provider, dr.Flags)
				}
				continue
			}
			if inv[id].Entry != catalog.GenericID || strings.Contains(item, planner.DraftedLabel) || !strings.Contains(item, "allow a second live") {
				t.Errorf("%s (%s): refused, yet entry %q and open item %q", c.provider, c.defect, inv[id].Entry, item)
			}
		}
		for _, s := range d.Sent() {
			if strings.EqualFold(s.Provider, "Fivetran") && !strings.Contains(s.Answer, "aws iam") {
				t.Errorf("the double did not seed foreign commands: %s", s.Answer)
			}
		}
		if strings.Contains(runbookText(t, rb), "aws iam create-access-key") {
			t.Error("a refused draft's foreign command reached the runbook")
		}
	})
}

// openItemAbout is the text and question of the open items naming a provider.
func openItemAbout(rb *runbook.Runbook, provider string) string {
	var out []string
	for _, o := range rb.OpenItems {
		if strings.Contains(o.Text, provider) || strings.Contains(o.Question, provider) || strings.Contains(o.Text, strings.ToLower(provider)) {
			out = append(out, o.Text+" "+o.Question)
		}
	}
	return strings.Join(out, "\n")
}

func runbookText(t *testing.T, rb *runbook.Runbook) string {
	t.Helper()
	b, err := json.Marshal(rb.Sections)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
