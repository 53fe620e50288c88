package planner

import (
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// provider is what the planner knows about a vendor or a system.
type provider struct {
	id      string
	name    string
	aliases []string
	// reach is the data a credential of this provider reaches.
	reach string
	// unlocks is true when its credentials can read other secrets.
	unlocks bool
	// kind is the kind to assume when the name says nothing more precise.
	kind runbook.Kind
	db   bool
}

// Data reach values.
const (
	reachMoney    = "money"
	reachInfra    = "infrastructure"
	reachPersonal = "personal_data"
	reachCode     = "source_code"
	reachService  = "service_data"
)

// providers is ordered: the first alias match wins, so specific names come
// before general ones ("azure storage" is azure, "aws kms" is aws).
var providers = []provider{
	{id: "stripe", name: "Stripe", aliases: []string{"stripe"}, reach: reachMoney, kind: runbook.KindAPIKey},
	{id: "sendgrid", name: "SendGrid", aliases: []string{"sendgrid"}, reach: reachPersonal, kind: runbook.KindAPIKey},
	{id: "mailgun", name: "Mailgun", aliases: []string{"mailgun"}, reach: reachPersonal, kind: runbook.KindAPIKey},
	{id: "twilio", name: "Twilio", aliases: []string{"twilio"}, reach: reachPersonal, kind: runbook.KindAPIKey},
	{id: "github", name: "GitHub", aliases: []string{"github", "gh actions"}, reach: reachCode, unlocks: true, kind: runbook.KindToken},
	{id: "gitlab", name: "GitLab", aliases: []string{"gitlab"}, reach: reachCode, unlocks: true, kind: runbook.KindToken},
	{id: "slack", name: "Slack", aliases: []string{"slack"}, reach: reachPersonal, kind: runbook.KindToken},
	{id: "okta", name: "Okta", aliases: []string{"okta"}, reach: reachInfra, kind: runbook.KindOAuthClientSecret},
	{id: "entra", name: "Microsoft Entra ID", aliases: []string{"entra", "azure ad", "aad", "azure active directory"}, reach: reachInfra, kind: runbook.KindOAuthClientSecret},
	{id: "auth0", name: "Auth0", aliases: []string{"auth0"}, reach: reachInfra, kind: runbook.KindOAuthClientSecret},
	{id: "vault", name: "HashiCorp Vault", aliases: []string{"vault", "approle"}, reach: reachInfra, unlocks: true, kind: runbook.KindToken},
	{id: "aws", name: "AWS", aliases: []string{"aws", "amazon", "iam", "s3", "kms", "rds", "aurora"}, reach: reachInfra, unlocks: true, kind: runbook.KindCloudAccessKey},
	{id: "gcp", name: "Google Cloud", aliases: []string{"gcp", "google cloud", "gcs", "service account", "bigquery"}, reach: reachInfra, unlocks: true, kind: runbook.KindCloudAccessKey},
	{id: "azure", name: "Azure", aliases: []string{"azure"}, reach: reachInfra, unlocks: true, kind: runbook.KindCloudAccessKey},
	{id: "postgres", name: "PostgreSQL", aliases: []string{"postgres", "postgresql", "psql", "pg"}, reach: reachPersonal, kind: runbook.KindDatabasePassword, db: true},
	{id: "mysql", name: "MySQL", aliases: []string{"mysql"}, reach: reachPersonal, kind: runbook.KindDatabasePassword, db: true},
	{id: "mariadb", name: "MariaDB", aliases: []string{"mariadb"}, reach: reachPersonal, kind: runbook.KindDatabasePassword, db: true},
	{id: "mongodb", name: "MongoDB", aliases: []string{"mongodb", "mongo", "atlas"}, reach: reachPersonal, kind: runbook.KindDatabasePassword, db: true},
	{id: "redis", name: "Redis", aliases: []string{"redis", "elasticache"}, reach: reachService, kind: runbook.KindDatabasePassword, db: true},
	{id: "snowflake", name: "Snowflake", aliases: []string{"snowflake"}, reach: reachPersonal, kind: runbook.KindDatabasePassword, db: true},
	{id: "datadog", name: "Datadog", aliases: []string{"datadog"}, reach: reachService, kind: runbook.KindAPIKey},
	{id: "pagerduty", name: "PagerDuty", aliases: []string{"pagerduty"}, reach: reachService, kind: runbook.KindAPIKey},
	{id: "openai", name: "OpenAI", aliases: []string{"openai"}, reach: reachService, kind: runbook.KindAPIKey},
	{id: "npm", name: "npm", aliases: []string{"npm"}, reach: reachCode, kind: runbook.KindToken},
	{id: "dockerhub", name: "Docker Hub", aliases: []string{"docker hub", "dockerhub", "docker"}, reach: reachCode, kind: runbook.KindToken},
	{id: "circleci", name: "CircleCI", aliases: []string{"circleci"}, reach: reachCode, unlocks: true, kind: runbook.KindToken},
	{id: "cloudflare", name: "Cloudflare", aliases: []string{"cloudflare"}, reach: reachInfra, kind: runbook.KindAPIKey},
	{id: "paypal", name: "PayPal", aliases: []string{"paypal", "braintree", "adyen"}, reach: reachMoney, kind: runbook.KindAPIKey},
	{id: "salesforce", name: "Salesforce", aliases: []string{"salesforce"}, reach: reachPersonal, kind: runbook.KindOAuthClientSecret},
	{id: "kubernetes", name: "Kubernetes", aliases: []string{"kubernetes", "k8s", "kubeconfig"}, reach: reachInfra, unlocks: true, kind: runbook.KindToken},
	{id: "rabbitmq", name: "RabbitMQ", aliases: []string{"rabbitmq", "amqp"}, reach: reachService, kind: runbook.KindDatabasePassword, db: true},
}

func providerByID(id string) *provider {
	for i := range providers {
		if providers[i].id == id {
			return &providers[i]
		}
	}
	return nil
}

// inferProvider finds a provider named in text, as a whole word.
func inferProvider(text string) *provider {
	for i := range providers {
		for _, a := range providers[i].aliases {
			if hasWord(text, a) {
				return &providers[i]
			}
		}
	}
	return nil
}

// hasWord reports whether phrase occurs in text (lower case) on word boundaries.
func hasWord(text, phrase string) bool {
	i := 0
	for {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(phrase)
		if (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end])) {
			return true
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_' || b >= 'A' && b <= 'Z'
}

func hasAny(text string, phrases ...string) bool {
	for _, p := range phrases {
		if hasWord(text, p) {
			return true
		}
	}
	return false
}

// kindRules infer a kind from the name, most specific first.
var kindRules = []struct {
	kind    runbook.Kind
	phrases []string
}{
	{runbook.KindWebhookSecret, []string{"webhook secret", "webhook signing secret", "webhook signing key", "signing secret", "webhook", "hmac"}},
	{runbook.KindOAuthClientSecret, []string{"client secret", "oauth", "oidc", "app registration", "service principal"}},
	{runbook.KindEncryptionKey, []string{"kms", "encryption key", "data key", "master key", "cmk", "dek", "kek", "aes key"}},
	{runbook.KindSSHKey, []string{"ssh", "deploy key", "authorized_keys", "ed25519"}},
	{runbook.KindTLSPrivateKey, []string{"tls", "ssl", "mtls", "certificate", "cert", "x509", "x.509", "private key", "pem"}},
	{runbook.KindCloudAccessKey, []string{"access key", "secret access key", "service account key", "iam key", "iam user", "storage key", "account key"}},
	{runbook.KindDatabasePassword, []string{"db password", "database password", "db creds", "database credentials", "db user", "database user"}},
	{runbook.KindToken, []string{"token", "pat", "personal access token", "bot token", "bearer", "secret id", "secret-id"}},
	{runbook.KindAPIKey, []string{"api key", "apikey", "api-key", "api secret", "secret key", "restricted key", "key"}},
}

// inferKind reads a kind from a lower-case name; prov may refine it.
func inferKind(text string, prov *provider) (runbook.Kind, bool) {
	for _, r := range kindRules {
		if hasAny(text, r.phrases...) {
			return r.kind, true
		}
	}
	if hasAny(text, "password", "passwd", "credentials", "creds") {
		if prov != nil && prov.db {
			return runbook.KindDatabasePassword, true
		}
		if prov == nil {
			return runbook.KindOther, true
		}
	}
	if prov != nil {
		return prov.kind, true
	}
	return runbook.KindOther, false
}
