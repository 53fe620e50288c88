package catalog

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestOrgCatalogValid: an organisation's file for an internal HMAC service
// (and its own tool's product) loads over the built-in catalogue, its entry
// is found by its aliases and rotates with named signer and verifier, and
// the built-in entries are all still there.
func TestOrgCatalogValid(t *testing.T) {
	dir := "testdata/org/valid"
	c, shadows, err := LoadDir(Builtin(), os.DirFS(dir), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(shadows) != 0 {
		t.Errorf("nothing built-in is replaced, got %v", shadows)
	}
	p := c.InferProvider("acme ledger settlement hmac key")
	if p == nil || p.ID != "acme-ledger" || p.Origin != dir+"/acme-ledger.yaml" {
		t.Fatalf("provider %+v", p)
	}
	cr := c.Match(p, runbook.KindWebhookSecret, "", "acme ledger settlement hmac key ledger signs, notifier verifies")
	if cr == nil || cr.ID != "acme-ledger-settlement-hmac" || cr.Provider() != p {
		t.Fatalf("entry %+v", cr)
	}
	if allowed := c.Allowed(cr, "vault"); !allowed["ledgerctl"] {
		t.Errorf("the organisation's own tool is not allowed for its entry: %v", allowed)
	}
	for _, bp := range Builtin().Providers {
		for _, bc := range bp.Credentials {
			if c.Credential(bc.ID) == nil {
				t.Errorf("built-in entry %s lost", bc.ID)
			}
		}
	}
	if Builtin().Provider("acme-ledger") != nil {
		t.Error("loading a directory changed the built-in catalogue")
	}
}

// TestOrgCatalogBroken: every problem of a broken directory is reported at
// once, each naming its file: a strict-decoding error, a dual entry with one
// live credential, missing actions and an unknown template variable.
func TestOrgCatalogBroken(t *testing.T) {
	dir := "testdata/org/broken"
	_, _, err := LoadDir(Builtin(), os.DirFS(dir), dir)
	var de *DirError
	if !errors.As(err, &de) {
		t.Fatalf("a broken directory loaded: %v", err)
	}
	for _, want := range []string{
		"testdata/org/broken/acme-typo.yaml: ",
		`unknown field "credentialz"`,
		"testdata/org/broken/acme-payroll.yaml: provider acme-payroll credential acme-payroll-key: dual_credential needs max_live >= 2",
		"testdata/org/broken/acme-payroll.yaml: provider acme-payroll credential acme-payroll-key: actions.invalidate is required",
		"actions.contain is required",
		"unknown template variable {region}",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestOrgCatalogShadows: a file with a built-in provider's id replaces it,
// with a Shadow saying so; a provider taking a built-in's id as an alias
// is refused; an entry with a built-in's credential id and an alias of
// another provider take them over.
func TestOrgCatalogShadows(t *testing.T) {
	dir := "testdata/org/shadow"
	c, shadows, err := LoadDir(Builtin(), os.DirFS(dir), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(shadows) != 1 || shadows[0].What != "provider" || shadows[0].ID != "stripe" || shadows[0].File != dir+"/stripe.yaml" {
		t.Errorf("shadows %v", shadows)
	}
	cr := c.Match(c.InferProvider("stripe secret key"), runbook.KindAPIKey, "", "stripe secret key")
	if cr == nil || cr.ID != "acme-stripe-key" {
		t.Fatalf("the organisation's Stripe entry does not take precedence: %+v", cr)
	}
	if c.Credential("stripe-webhook-signing-secret") != nil {
		t.Error("the replaced provider's other entries are still there")
	}
	if Builtin().Credential("stripe-api-key") == nil {
		t.Error("the built-in catalogue was changed")
	}

	// Credential id and alias precedence, and an alias that is a
	// built-in's id.
	// The built-in SendGrid file under another provider: its entry keeps
	// the id sendgrid-api-key.
	sendgrid, err := files.ReadFile("providers/sendgrid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mail := strings.Replace(strings.Replace(strings.Replace(string(sendgrid),
		"id: sendgrid\n", "id: acme-mail\n", 1), "name: SendGrid\n", "name: Acme mail relay\n", 1),
		"aliases: [sendgrid, twilio sendgrid]", "aliases: [acme mail, dd agent]", 1)
	c, shadows, err = LoadDir(Builtin(), fstest.MapFS{"acme-mail.yaml": {Data: []byte(mail)}}, "org")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range shadows {
		got[s.What+" "+s.ID+" "+s.Builtin] = true
	}
	if !got["credential sendgrid-api-key sendgrid"] || !got["alias dd agent datadog"] {
		t.Errorf("shadows %v", shadows)
	}
	if cr := c.Credential("sendgrid-api-key"); cr == nil || cr.Provider().ID != "acme-mail" {
		t.Errorf("sendgrid-api-key belongs to %+v", cr)
	}
	if p := c.InferProvider("dd agent key"); p == nil || p.ID != "acme-mail" {
		t.Errorf("alias dd agent resolves to %+v", p)
	}
	bad := strings.Replace(mail, "aliases: [acme mail, dd agent]", "aliases: [acme mail, mailgun]", 1)
	_, _, err = LoadDir(Builtin(), fstest.MapFS{"acme-mail.yaml": {Data: []byte(bad)}}, "org")
	if err == nil || !strings.Contains(err.Error(), `org/acme-mail.yaml: alias "mailgun" is the id of the built-in provider mailgun`) {
		t.Errorf("an alias that is a built-in id: %v", err)
	}
}
