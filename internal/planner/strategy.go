package planner

import (
	"regexp"
	"strconv"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// candidate is what the strategy table matches on.
type candidate struct {
	kind     runbook.Kind
	provider string
	// text is the lower-case name and notes of the secret.
	text  string
	store runbook.SecretStore
}

// strategyRule is one row of ROTATION_RULES.md §1.
type strategyRule struct {
	// ID is stable: tests and the facts refer to it.
	ID          string
	Match       func(c candidate) bool
	Strategy    runbook.Strategy
	Overlap     string
	Proof       string
	Rollback    string
	Propagation int
	// LeakRevokeFirst is true when the table says to delete first on a leak.
	LeakRevokeFirst bool
}

func isKind(c candidate, kinds ...runbook.Kind) bool { return runbook.OneOf(kinds, c.kind) }

var mysqlVersionRE = regexp.MustCompile(`(?:mysql|version|v)\s*(\d+)\.(\d+)(?:\.(\d+))?`)

// mysqlDualPassword is false only when the notes give a MySQL version older than
// 8.0.14, the first with RETAIN CURRENT PASSWORD.
func mysqlDualPassword(text string) bool {
	m := mysqlVersionRE.FindStringSubmatch(text)
	if m == nil {
		return true
	}
	maj, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	patch, _ := strconv.Atoi(m[3])
	v := maj*10000 + minor*100 + patch
	return v >= 80014
}

// strategyTable is ROTATION_RULES.md §1 in order; the first match wins. Rows
// marked "extension" are not in the table and say why in their comment.
var strategyTable = []strategyRule{
	{ID: "aws-iam-access-key", Match: func(c candidate) bool { return c.provider == "aws" && isKind(c, runbook.KindCloudAccessKey) },
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: two access keys per IAM user",
		Proof:    "a live call with the new key, then get-access-key-last-used on the old key goes quiet",
		Rollback: "re-activate the Inactive old key (until it is deleted)", LeakRevokeFirst: true},
	{ID: "gcp-service-account-key", Match: func(c candidate) bool { return c.provider == "gcp" && isKind(c, runbook.KindCloudAccessKey) },
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: up to 10 keys per service account",
		Proof: "authenticate with the new key", Rollback: "re-enable the disabled old key (until it is deleted)"},
	{ID: "azure-storage-key", Match: func(c candidate) bool {
		return c.provider == "azure" && (isKind(c, runbook.KindCloudAccessKey) || hasAny(c.text, "storage"))
	},
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: key1 and key2; every consumer must use the same key at a time",
		Proof: "a data-plane call with the key consumers were moved to", Rollback: "the untouched key (regeneration is irreversible)"},
	{ID: "okta-entra-client-secret", Match: func(c candidate) bool {
		return isKind(c, runbook.KindOAuthClientSecret) && runbook.OneOf([]string{"okta", "entra", "azure"}, c.provider)
	},
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: two active client secrets",
		Proof: "a client-credentials token request with the new secret", Rollback: "the old secret until it is deleted"},
	{ID: "auth0-client-secret", Match: func(c candidate) bool { return isKind(c, runbook.KindOAuthClientSecret) && c.provider == "auth0" },
		Strategy: runbook.StrategyHardCutover, Overlap: "no: rotating invalidates the old secret; the new one can take ~30 s to work",
		Proof: "a token request with the new secret after the propagation wait", Rollback: "none once rotated", Propagation: 30},
	{ID: "stripe-api-key", Match: func(c candidate) bool {
		return c.provider == "stripe" && isKind(c, runbook.KindAPIKey, runbook.KindToken, runbook.KindOther)
	},
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: rolling a key sets an expiry on the old one",
		Proof: "a live API call with the new key and its entry in the Stripe request log", Rollback: "the old key until its expiry"},
	{ID: "webhook-signing-secret", Match: func(c candidate) bool { return isKind(c, runbook.KindWebhookSecret) },
		Strategy: runbook.StrategyDualAccept, Overlap: "provider side: one secret per endpoint (overlap unconfirmed); the receiver verifies old OR new",
		Proof: "send or redeliver a test event and watch signature-failure metrics", Rollback: "put the old secret back (only if it was not leaked)"},
	{ID: "github-app-private-key", Match: func(c candidate) bool {
		return c.provider == "github" && hasAny(c.text, "app") && (hasAny(c.text, "private key", "pem") || isKind(c, runbook.KindTLSPrivateKey))
	},
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: up to 25 private keys per app",
		Proof: "mint a JWT with the new key, then an installation token", Rollback: "the old key until it is deleted"},
	{ID: "github-deploy-key", Match: func(c candidate) bool { return c.provider == "github" && isKind(c, runbook.KindSSHKey) },
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: several deploy keys per repository",
		Proof: "git ls-remote with the new key", Rollback: "the old key until it is removed"},
	{ID: "github-pat", Match: func(c candidate) bool {
		return c.provider == "github" && isKind(c, runbook.KindToken, runbook.KindAPIKey, runbook.KindOther)
	},
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: several tokens can coexist",
		Proof: "GET /user with the new token", Rollback: "none after revocation (irreversible)", LeakRevokeFirst: true},
	{ID: "slack-token", Match: func(c candidate) bool {
		return c.provider == "slack" && isKind(c, runbook.KindToken, runbook.KindAPIKey, runbook.KindOther)
	},
		Strategy: runbook.StrategyHardCutover, Overlap: "only with token rotation enabled",
		Proof: "auth.test with the new token", Rollback: "none", LeakRevokeFirst: true},
	{ID: "twilio-auth-token", Match: func(c candidate) bool { return c.provider == "twilio" && hasAny(c.text, "auth token") },
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: the secondary token works until it is promoted",
		Proof: "a read-only API GET with the secondary token", Rollback: "delete the secondary token before promotion", Propagation: 60},
	{ID: "vendor-api-key-multi", Match: func(c candidate) bool {
		return runbook.OneOf([]string{"sendgrid", "twilio"}, c.provider) && isKind(c, runbook.KindAPIKey, runbook.KindToken)
	},
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: several API keys can coexist (SendGrid up to 100)",
		Proof: "a scoped API call with the new key (a test send)", Rollback: "the old key until it is deleted"},
	{ID: "mysql-dual-password", Match: func(c candidate) bool {
		return isKind(c, runbook.KindDatabasePassword) && c.provider == "mysql" && mysqlDualPassword(c.text)
	},
		Strategy: runbook.StrategyDualCredential, Overlap: "yes (MySQL >= 8.0.14): RETAIN CURRENT PASSWORD keeps the old one until DISCARD OLD PASSWORD",
		Proof: "log in with the new password", Rollback: "the old password until it is discarded"},
	{ID: "postgres-alternating-users", Match: func(c candidate) bool {
		return isKind(c, runbook.KindDatabasePassword) && c.provider == "postgres"
	},
		Strategy: runbook.StrategyAlternatingUsers, Overlap: "no dual password: two roles with identical grants, one active, one idle",
		Proof: "connect as the new role and run a representative query with the write access the app needs", Rollback: "point consumers back at the other role"},
	{ID: "aws-secrets-manager-db-secret", Match: func(c candidate) bool {
		return isKind(c, runbook.KindDatabasePassword) && c.store == runbook.StoreAWSSecretsManager && c.provider != "vault"
	},
		Strategy: runbook.StrategyAlternatingUsers, Overlap: "alternating users: none; single user: a short window where the old password is refused",
		Proof: "testSecret logs in with the AWSPENDING version", Rollback: "AWSPREVIOUS is the last-known-good version"},
	{ID: "vault-dynamic-db-credentials", Match: func(c candidate) bool {
		return c.provider == "vault" && hasAny(c.text, "dynamic", "lease", "leases", "database secrets engine")
	},
		Strategy: runbook.StrategyDualCredential, Overlap: "n/a: one database user per lease, so new and old leases coexist",
		Proof: "request new credentials and log in with them", Rollback: "request new credentials"},
	{ID: "vault-static-role", Match: func(c candidate) bool {
		return c.provider == "vault" && hasAny(c.text, "static role", "approle", "secret id", "secret-id", "secret_id")
	},
		Strategy: runbook.StrategyAlternatingUsers, Overlap: "one value per role: pair two roles on offset schedules and never rotate both together",
		Proof: "read the credentials of the other role and log in", Rollback: "the other role of the pair"},
	// extension: a Vault token is a lease too: a new token coexists with the old
	// one, and revocation takes its children (vault token revoke).
	{ID: "vault-token", Match: func(c candidate) bool { return c.provider == "vault" },
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: a new token coexists with the old one until the old one is revoked",
		Proof: "vault token lookup with the new token, then a read of a path the consumer needs", Rollback: "the old token until it is revoked",
		LeakRevokeFirst: true},
	{ID: "tls-private-key", Match: func(c candidate) bool { return isKind(c, runbook.KindTLSPrivateKey) },
		Strategy: runbook.StrategyDualCredential, Overlap: "yes, if the peer trusts both certificates",
		Proof: "an mTLS / TLS handshake against the real peer with the new key and certificate", Rollback: "switch back while the old certificate is unrevoked"},
	{ID: "kms-encryption-key", Match: func(c candidate) bool { return isKind(c, runbook.KindEncryptionKey) },
		Strategy: runbook.StrategyRekey, Overlap: "old key versions stay available for decryption",
		Proof: "an encrypt/decrypt round trip, and decryption of data written under the old version", Rollback: "keep using the previous version"},
	// extension: several public keys can sit in authorized_keys at once.
	{ID: "ssh-key", Match: func(c candidate) bool { return isKind(c, runbook.KindSSHKey) },
		Strategy: runbook.StrategyDualCredential, Overlap: "yes: authorized_keys holds the old and the new public key",
		Proof: "log in (or git ls-remote) with the new key", Rollback: "the old public key until it is removed"},
	// extension: any engine with users can alternate two users; dual passwords
	// are only assumed where the engine documents them.
	{ID: "database-alternating-users", Match: func(c candidate) bool { return isKind(c, runbook.KindDatabasePassword) },
		Strategy: runbook.StrategyAlternatingUsers, Overlap: "assumed no dual password: two users with identical grants",
		Proof: "connect as the new user and run a representative query with the write access the app needs", Rollback: "point consumers back at the other user"},
	{ID: "unknown-no-overlap", Match: func(candidate) bool { return true },
		Strategy: runbook.StrategyHardCutover, Overlap: "assume no: not known to allow two valid credentials",
		Proof: "a real call by each consumer", Rollback: "none"},
}

func matchStrategy(c candidate) strategyRule {
	for _, r := range strategyTable {
		if r.Match(c) {
			return r
		}
	}
	panic("planner: strategy table has no catch-all row")
}
