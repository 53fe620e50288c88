package planner

import (
	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Data reach values (the catalogue's).
const (
	reachMoney    = catalog.ReachMoney
	reachInfra    = catalog.ReachInfra
	reachPersonal = catalog.ReachPersonal
	reachCode     = catalog.ReachCode
	reachService  = catalog.ReachService
)

func hasWord(text, phrase string) bool           { return catalog.HasWord(text, phrase) }
func hasAny(text string, phrases ...string) bool { return catalog.HasAny(text, phrases...) }

// kindRules infer a kind from the name, most specific first.
var kindRules = []struct {
	kind    runbook.Kind
	phrases []string
}{
	{runbook.KindWebhookURL, []string{"incoming webhook", "incoming webhooks", "webhook url", "webhook urls", "webhook link", "incoming-webhook"}},
	{runbook.KindWebhookSecret, []string{"webhook secret", "webhook signing secret", "webhook signing key", "signing secret", "hmac", "whsec"}},
	{runbook.KindOAuthClientSecret, []string{"client secret", "oauth", "oidc", "app registration", "service principal", "consumer secret"}},
	{runbook.KindEncryptionKey, []string{"kms", "encryption key", "data key", "master key", "cmk", "dek", "kek", "aes key", "transit key"}},
	{runbook.KindSSHKey, []string{"ssh", "deploy key", "authorized_keys", "ed25519"}},
	{runbook.KindTLSPrivateKey, []string{"tls", "ssl", "mtls", "certificate", "cert", "x509", "x.509", "private key", "pem"}},
	{runbook.KindCloudAccessKey, []string{"access key", "secret access key", "service account key", "iam key", "iam user", "storage key", "account key"}},
	{runbook.KindDatabasePassword, []string{"db password", "database password", "db creds", "database credentials", "db credentials", "db user", "database user", "static role"}},
	{runbook.KindToken, []string{"token", "pat", "personal access token", "bot token", "bearer", "secret id", "secret-id", "secret_id"}},
	{runbook.KindAPIKey, []string{"api key", "apikey", "api-key", "api secret", "secret key", "restricted key", "key"}},
}

// inferKind reads a kind from a lower-case name; prov may refine it.
func inferKind(text string, prov *catalog.Provider) (runbook.Kind, bool) {
	// A chat tool's bare "webhook" is an incoming webhook URL; elsewhere a
	// webhook secret is a signing secret.
	if prov != nil && (prov.ID == "slack" || prov.ID == "teams") && hasWord(text, "webhook") && !hasAny(text, "signing", "secret", "hmac") {
		return runbook.KindWebhookURL, true
	}
	for _, r := range kindRules {
		if hasAny(text, r.phrases...) {
			return r.kind, true
		}
	}
	if hasWord(text, "webhook") {
		return runbook.KindWebhookSecret, true
	}
	if hasAny(text, "password", "passwd", "credentials", "creds") {
		if prov != nil && prov.Database {
			return runbook.KindDatabasePassword, true
		}
		if prov == nil {
			return runbook.KindOther, true
		}
	}
	if prov != nil {
		return prov.Kind, true
	}
	return runbook.KindOther, false
}
