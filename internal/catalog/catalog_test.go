package catalog

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// TestEmbeddedCatalogHasNoShapeProblems loads the embedded files: every
// entry has the actions its strategy needs, known kinds, strategies,
// products and template variables, and every store and deployment method is
// covered.
func TestEmbeddedCatalogHasNoShapeProblems(t *testing.T) {
	c, err := Load(files)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Check(); len(p) > 0 {
		t.Fatalf("catalogue problems:\n%s", strings.Join(p, "\n"))
	}
}

// TestCatalogCoversTheRules lists the entries ROTATION_RULES.md §1 and the
// provider issue require.
func TestCatalogCoversTheRules(t *testing.T) {
	c := Default()
	for _, id := range []string{
		// ROTATION_RULES.md §1, row by row.
		"aws-iam-access-key", "gcp-service-account-key", "azure-storage-key", "okta-client-secret", "entra-client-secret",
		"auth0-client-secret", "stripe-api-key", "stripe-webhook-signing-secret", "github-webhook-secret", "slack-signing-secret",
		"custom-hmac-webhook-secret", "github-pat", "github-app-private-key", "github-deploy-key", "slack-bot-token",
		"twilio-auth-token", "twilio-api-key", "sendgrid-api-key", "mysql-dual-password", "postgres-alternating-users",
		"aws-secrets-manager-db-secret", "vault-dynamic-db-credentials", "vault-static-role", "vault-approle-secret-id",
		"datadog-api-key", "npm-token", "dockerhub-access-token", "pagerduty-api-key", "sentry-auth-token",
		"tls-private-key", "aws-kms-key", "gcp-kms-key", "vault-transit-key", "generic-unknown",
		// Beyond the table.
		"mailgun-api-key", "heroku-api-key", "cloudflare-api-token", "mongodb-user-password", "redis-acl-password",
		"slack-incoming-webhook-url", "azure-key-vault-key", "vault-token", "mysql-alternating-users",
		"mongodb-atlas-user-password", "pagerduty-change-events-key",
	} {
		if c.Credential(id) == nil {
			t.Errorf("no catalogue entry %s", id)
		}
	}
}

// TestEveryExampleMatchesItsEntry: each entry's example secret selects it, so
// the entries are reachable and their match phrases do not shadow each other.
func TestEveryExampleMatchesItsEntry(t *testing.T) {
	c := Default()
	for _, p := range c.Providers {
		for i := range p.Credentials {
			cr := &p.Credentials[i]
			ex := cr.Example
			text := strings.ToLower(ex.Name + " " + ex.Notes)
			prov := c.Provider(ex.Provider)
			if ex.Provider == "" {
				prov = c.InferProvider(strings.ToLower(ex.Name))
			}
			if got := c.Match(prov, ex.Kind, ex.Store, text); got != cr {
				gotID := "<nil>"
				if got != nil {
					gotID = got.ID
				}
				t.Errorf("example %q (%s, %s) of %s selects %s", ex.Name, ex.Kind, ex.Provider, cr.ID, gotID)
			}
		}
	}
}

// TestBrokenCatalogIsRefused: a catalogue with an entry missing the actions
// its strategy needs, an unknown template variable and an unknown product is
// refused with a message naming each problem.
func TestBrokenCatalogIsRefused(t *testing.T) {
	good, err := files.ReadFile("stores.yaml")
	if err != nil {
		t.Fatal(err)
	}
	deploy, _ := files.ReadFile("deployments.yaml")
	products, _ := files.ReadFile("products.yaml")
	generic, _ := files.ReadFile("providers/generic.yaml")
	broken := `id: acme
name: Acme
aliases: [acme]
reach: money
kind: api_key
products: [acme-cli]
credentials:
  - id: acme-key
    title: Acme key
    kinds: [api_key]
    max_live: 1
    strategy: dual_credential
    overlap: "yes"
    actions:
      create: "Create it in {region}."
    sources: [nowhere]
    example: {name: "Acme key"}
    exposes:
      - {reach: everything, text: "", credential: acme-nothing}
    auto_remediation: {does: "revokes it"}
    verify_effect: loud
  - id: acme-pair
    title: Acme key pair
    kinds: [api_key]
    max_live: 2
    strategy: dual_credential
    overlap: "yes"
    parts: [{credential: acme-key, name: key}, {credential: acme-missing, name: missing}]
    sources: [nowhere]
    example: {name: "Acme key pair"}
`
	effects := `- id: acme-ping
  effect: page
  patterns: ['(?i)acme ping']
- id: acme-noisy
  effect: none
  patterns: ['x']
  instead: "y"
`
	fsys := fstest.MapFS{
		"stores.yaml":            {Data: good},
		"deployments.yaml":       {Data: deploy},
		"products.yaml":          {Data: products},
		"providers/generic.yaml": {Data: generic},
		"providers/acme.yaml":    {Data: []byte(broken)},
		"effects.yaml":           {Data: []byte(effects)},
	}
	_, err = Load(fsys)
	if err == nil {
		t.Fatal("a broken catalogue loaded")
	}
	for _, want := range []string{"unknown product \"acme-cli\"", "dual_credential needs max_live >= 2", "actions.invalidate is required",
		"actions.contain is required", "unknown template variable {region}",
		`exposes[0].reach "everything" is not one of`, "exposes[0].text is required", `exposes credential "acme-nothing"`,
		"auto_remediation needs does and check", `verify_effect "loud" is not one of`, `part "acme-missing" is not a credential entry`,
		"a compound entry needs at least two parts and match phrases", "effect acme-ping: patterns and instead are required",
		`effect acme-noisy: effect "none" must be one of`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestFill(t *testing.T) {
	got := Fill("`kubectl -n {namespace} rollout restart {workload}/{consumer}` {unknown}", map[string]string{"namespace": "payments", "workload": "daemonset", "consumer": "log-shipper"})
	if want := "`kubectl -n payments rollout restart daemonset/log-shipper` {unknown}"; got != want {
		t.Errorf("Fill = %q, want %q", got, want)
	}
}

func TestForeignProducts(t *testing.T) {
	c := Default()
	mysql := c.Credential("mysql-dual-password")
	allowed := c.Allowed(mysql, string(runbook.StoreAWSSecretsManager))
	for _, tc := range []struct {
		text    string
		foreign string
	}{
		{"`SELECT count(*) FROM pg_stat_activity WHERE usename = 'app'`", "postgres"},
		{"`ALTER USER 'app'@'%' DISCARD OLD PASSWORD;`", ""},
		{"`aws secretsmanager describe-secret --secret-id x`", ""},
		{"`vault kv rollback -version=3 secret/x`", "vault-kv"},
		{"`kubectl -n payments rollout restart deployment/api`", ""},
		// Rolling out a Lambda consumer is a deploy step of any secret.
		{"`aws lambda update-function-configuration --function-name api`, then `aws logs tail /aws/lambda/api`", ""},
		{"`aws iam list-access-keys --user-name api`", "aws"},
	} {
		var foreign []string
		for _, u := range c.ProductsIn(tc.text) {
			if !allowed[u.Product.ID] {
				foreign = append(foreign, u.Product.ID)
			}
		}
		if strings.Join(foreign, ",") != tc.foreign {
			t.Errorf("%s: foreign = %v, want %q", tc.text, foreign, tc.foreign)
		}
	}
}

func TestInferProviderTakesTheFirstNamed(t *testing.T) {
	c := Default()
	for text, want := range map[string]string{
		"datadog api key for kubernetes agents": "datadog",
		"heroku api key for github actions":     "heroku",
		"aws access key for artifact uploads":   "aws",
		"payments kms key":                      "aws",
		"entra id app registration secret":      "entra",
		"azure ad client secret":                "entra",
		"internal service password":             "",
	} {
		got := ""
		if p := c.InferProvider(text); p != nil {
			got = p.ID
		}
		if got != want {
			t.Errorf("InferProvider(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestPasswordsFitInAConnectionString: a generated database password goes
// into connection URIs (postgres://user:pass@, mongodb+srv://), where base64's
// '/', '+' and '=' break parsing: every password entry generates hex.
func TestPasswordsFitInAConnectionString(t *testing.T) {
	for _, p := range Default().Providers {
		for _, cr := range p.Credentials {
			if !runbook.OneOf(cr.Kinds, runbook.KindDatabasePassword) {
				continue
			}
			a := cr.Actions
			for _, text := range a.Texts() {
				if strings.Contains(*text, "openssl rand -base64") {
					t.Errorf("%s: generates a password with base64: %s", cr.ID, *text)
				}
			}
		}
	}
}
