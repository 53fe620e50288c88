package secrettest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// BenignTexts are things people write in rotation requests that look
// technical but hold no secret: ids, hashes, paths, URLs without
// credentials, placeholders, references to where a secret lives, and the
// near-misses of the prefix rule.
func BenignTexts(r *rand.Rand) []string {
	sha1 := pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 8)
	sha256 := strings.Repeat(pick(r, hexChars, 16), 4)
	short := sha1[:7]
	return append([]string{
		"Rotate during the low-traffic window (22:00-23:00 UTC, Tue/Thu).",
		"Fixed in commit " + short + "; the full SHA is " + sha1 + ".",
		"Image digest sha256:" + sha256 + " is pinned in the chart.",
		"The SBOM lists checksum " + sha256 + " for the agent binary.",
		"Runbook rb_" + pick(r, hexChars, 16) + pick(r, hexChars, 8) + " covered the last rotation.",
		"Incident INC-" + pick(r, digitChars, 5) + ", change CHG0" + pick(r, digitChars, 6) + ", ticket SEC-" + pick(r, digitChars, 4) + ".",
		"Request id " + uuid(r) + " in the audit log (correlation id, not a credential).",
		"Stored at arn:aws:secretsmanager:eu-west-1:" + pick(r, digitChars, 10) + "12:secret:prod/billing/stripe-" + pick(r, alnumChars, 6) + ".",
		"Vault path kv/data/prod/billing/stripe, role billing-api, policy billing-read.",
		"Kubernetes secret billing-stripe in namespace payments, key STRIPE_API_KEY.",
		"The app reads STRIPE_SECRET_KEY from the environment at start-up.",
		"export STRIPE_API_KEY=<new key from the dashboard>",
		"password: ${DB_PASSWORD} (injected by the operator)",
		"token: {{ .Values.github.token }} is templated by Helm",
		"api_key=REDACTED in the old config; use the placeholder sk_live_... in docs",
		"DATABASE_URL=postgres://billing_app@db.internal:5432/billing?sslmode=require",
		"Connect with postgres://user:<password>@db.internal:5432/app after the switch.",
		"Redis at redis://cache.internal:6379/0, no auth inside the VPC.",
		"Docs: https://docs.stripe.com/keys#rolling-keys and https://github.com/acme/infra/pull/" + pick(r, digitChars, 4) + ".",
		"Webhook endpoint https://api.acme.example/v2/webhooks/stripe?source=dashboard&retry=3",
		"AccountName=acmebilling; EndpointSuffix=core.windows.net (the key itself is in Key Vault)",
		"The AWS docs example key AKIAIOSFODNN7EXAMPLE is not ours.",
		"Legacy consumer reads the password at start-up; needs a restart.",
		"Token TTL is 3600s; token_ttl=3600 and max_ttl=86400 in the role.",
		"secret_name: billing-stripe-key-v2, secret_version: 7",
		"client_id: acme-billing-prod (the client secret is in Vault)",
		"key_id=mrk-" + pick(r, hexChars, 16) + pick(r, hexChars, 16) + " (KMS multi-region key)",
		"GPG fingerprint " + strings.ToUpper(sha1) + " signs release artifacts.",
		"Certificate serial 0x" + pick(r, hexChars, 16) + " expires 2027-03-01.",
		"Base64 of the word placeholder is " + base64.StdEncoding.EncodeToString([]byte("placeholder")) + ", nothing secret.",
		"Helm values: image.tag=v2.14.3, replicas=6, maxSurge=25%.",
		"Use `kubectl rollout restart deploy/billing-api -n payments` after the switch.",
		"The token is in 1Password vault Platform, item \"Stripe live\".",
		"Owner: Platform (Jane Doe, @jdoe), approver: Security on-call.",
		"SOC 2 CC6.1 and PCI DSS 3.6.4 require yearly rotation; evidence in Drata.",
		"Old key ends in ...4f2a (last four shown in the dashboard).",
		"Services: billing-api-v2, worker-billing-02, ledger-sync-eu1, analytics-export.",
		"The AppRole role_id is 6a1e" + pick(r, hexChars, 4) + "-dead-beef; the secret_id is issued per deploy.",
		"Cron 0 3 * * 1 runs the rotation job; see jobs/rotate_stripe.py:42.",
		"Percent-encoded path /v1/secrets/prod%2Fbilling%2Fstripe in the API log.",
		"Hash of the old key (sha256) " + sha256 + " was recorded for the audit.",
		"pgbouncer auth_type=scram-sha-256, auth_file=/etc/pgbouncer/userlist.txt",
		"Rotation cadence: every 90 days; next on 2027-01-15 at 09:00 Europe/Berlin.",
		"Slack channel #sec-rotations, PagerDuty service PXXXXXX, Jira SEC board.",
		"The GitHub App id is 284" + pick(r, digitChars, 3) + " and its installation id 3" + pick(r, digitChars, 7) + ".",
		"Zero-downtime: Stripe allows a rolled key to stay valid for up to 7 days.",
		"Über-service and café-api (UTF-8 names) consume it; Платёжный шлюз too.",
		"token: rotated quarterly by the Platform team (owner: SRE, backup: Data)",
		"secret: see the 1Password entry \"Stripe live (2024)\"; password rotation: every 90 days",
		"api_key: stored in Vault at kv/prod/stripe/api_key, read by billing-api-v2 at boot",
		"Key: STRIPE_SECRET_KEY, value: kept in AWS Secrets Manager; Secret: prod/billing/Stripe2024",
		"Fine-grained token with contents:write on 14 repositories, pushed to a public gist 40 minutes ago",
		"client_secret: rotate via the Auth0 dashboard, then update portal-backend and portal-worker",
		"access_key_id: AKIA… (documented example only), secret_access_key: in the ops vault",
		"Authorization: Bearer <token> header on every call to api.acme.example/v2",
		"auth_token is read from TWILIO_AUTH_TOKEN; accountSid=AC (prefix only) in the config",
		"passwords: 3 DB users (app_rw, app_ro, migrator) on pg-main-01 and pg-replica-02",
		"Trace 4bf92f3577b34da6a3ce929d0e0e4736 and span 00f067aa0ba902b7 from the gateway.",
		"Build 2024.11.3+sha.9f1c2e7 deployed by ArgoCD app billing-prod (sync wave 2).",
		"Terraform state s3://acme-tfstate/prod/billing.tfstate, lock table tf-locks.",
		"Token scopes: repo, read:org, workflow; expires 2025-12-31T23:59:59Z.",
		"Use AWS_PROFILE=billing-prod and AWS_REGION=eu-west-1 for the CLI steps.",
		"ed25519 public key AAAAC3NzaC1lZDI1NTE5 prefix is public, the private key is not pasted.",
		"SendGrid key id is 8mJ3 (not the secret), subuser billing-notifications.",
		"The webhook secret is in Vault: vault kv get -field=whsec kv/prod/stripe.",
		"Header X-Api-Key: required by partner-gateway; value set from PARTNER_API_KEY env.",
		"Rotate the GITHUB_TOKEN used by release-bot (scopes: contents:write, packages:write).",
		// A URL then a package at a version: no user:password@host (the
		// README's promptfoo line, once refused as url-embedded-credentials).
		"ROTOR_URL=http://127.0.0.1:8080 npx --yes promptfoo@0.118.17",
		"cd eval/promptfoo && ROTOR_URL=http://localhost:8080 npx --yes promptfoo@0.118.17 eval --no-cache",
		"BASE=https://api.acme.example:8443 npm exec --yes @redocly/cli@1.25.0 lint api/openapi.yaml",
	}, NearMisses(r)...)
}

// names of things in realistic requests.
var (
	systems   = []string{"Acme Payments", "Ledger Core", "Orbit CI", "Card Vault", "Helios Analytics", "Support Desk", "Billing", "Identity Platform"}
	providers = []struct{ name, kind, provider string }{
		{"Stripe live secret key", "api_key", "stripe"}, {"Stripe webhook signing secret", "webhook_signing_secret", "stripe"},
		{"SendGrid API key", "api_key", "sendgrid"}, {"Postgres app password", "database_password", "postgres"},
		{"GitHub deploy token", "token", "github"}, {"AWS access key for backups", "cloud_access_key", "aws"},
		{"Auth0 client secret", "oauth_client_secret", "auth0"}, {"Mailgun API key", "api_key", "mailgun"},
		{"Twilio auth token", "token", "twilio"}, {"Datadog API key", "api_key", "datadog"},
		{"Redis password", "database_password", "redis"}, {"mTLS client key", "tls_private_key", ""},
		{"KMS data key", "encryption_key", "aws"}, {"Vault token of the CI runner", "token", "vault"},
		{"Slack bot token", "token", "slack"}, {"Heroku API key", "api_key", "heroku"},
	}
	consumers = []string{"billing-api", "worker-billing", "billing-api-v2", "ledger-sync-eu1", "analytics-export", "jobs", "api",
		"lifecycle-email", "ci-runner-02", "backup-cron", "support-portal", "edge-gateway"}
	owners = []string{"Platform", "Infrastructure", "Growth Eng", "Security", "Data", "SRE"}
)

// BenignRequests returns n realistic rotation requests (JSON) with benign
// technical text in every free-text field.
func BenignRequests(r *rand.Rand, n int) [][]byte {
	texts := BenignTexts(r)
	triggers := []string{"scheduled", "suspected_leak", "confirmed_leak", "offboarding", "vendor_change", "compliance"}
	var out [][]byte
	for i := 0; i < n; i++ {
		req := map[string]any{
			"system":       systems[r.IntN(len(systems))],
			"trigger":      triggers[r.IntN(len(triggers))],
			"environments": []string{"dev", "staging", "production"},
			"deployment":   []string{"kubernetes", "ci_cd"},
			"secret_store": "vault",
		}
		var secrets []any
		for j, p := range r.Perm(len(providers))[:1+r.IntN(4)] {
			pv := providers[p]
			s := map[string]any{"name": pv.name, "kind": pv.kind, "owner": owners[r.IntN(len(owners))],
				"consumers": []string{consumers[r.IntN(len(consumers))], consumers[(j+1+r.IntN(len(consumers)-1))%len(consumers)]},
				"notes":     texts[r.IntN(len(texts))]}
			if pv.provider != "" {
				s["provider"] = pv.provider
			}
			if sc := s["consumers"].([]string); sc[0] == sc[1] {
				s["consumers"] = sc[:1]
			}
			secrets = append(secrets, s)
		}
		req["secrets"] = secrets
		req["owners"] = []any{map[string]any{"name": owners[r.IntN(len(owners))], "role": "approver"}}
		req["constraints"] = []string{texts[r.IntN(len(texts))], texts[r.IntN(len(texts))]}
		data, err := json.Marshal(req)
		if err != nil {
			panic(fmt.Sprintf("secrettest: %v", err))
		}
		out = append(out, data)
	}
	return out
}
