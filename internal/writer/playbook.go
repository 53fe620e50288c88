package writer

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// stepText writes the action and the check of one planned step.
func stepText(c sc, p runbook.Phase) (action, verify string) {
	switch p {
	case runbook.PhaseFreeze:
		return fmt.Sprintf("Freeze deploys and configuration changes touching %s (this rotation's own changes excepted) and announce the start in the rotation channel.", c.consumerList()),
			"the freeze is acknowledged by the owners of " + c.consumerList() + " and no unrelated deploy is queued"
	case runbook.PhaseContain:
		return containText(c)
	case runbook.PhaseInvestigate:
		return investigateText(c)
	case runbook.PhaseCreate:
		return createText(c)
	case runbook.PhaseStore:
		if managedRotation(c.s) {
			_, b := roleNames(c.s)
			return fmt.Sprintf("Nothing to write by hand %s: the rotation function already stored user %s and its new password as AWSCURRENT. Confirm the previous version (AWSPREVIOUS) still holds the old user for rollback.", c.in(), code(b)),
				storeCheck(c, false)
		}
		next := c.s.Strategy == runbook.StrategyDualAccept
		return storeNew(c, next), storeCheck(c, next)
	case runbook.PhaseDeploy:
		return deployStep(c)
	case runbook.PhaseSwitch:
		return switchText(c)
	case runbook.PhaseVerify:
		return verifyText(c)
	case runbook.PhaseRevoke:
		return revokeText(c)
	case runbook.PhaseCleanup:
		return cleanupText(c)
	case runbook.PhaseUnfreeze:
		return fmt.Sprintf("Lift the deploy freeze on %s and post completion, with the new version ids, in the rotation channel.", c.consumerList()),
			"the freeze is lifted and the inventory shows today's rotation date and the next due date for " + c.s.Name
	}
	return "", ""
}

func containText(c sc) (string, string) {
	s := c.s
	if c.f.Trigger == runbook.TriggerOffboarding && s.Personal {
		how := revokeNow(c)
		if s.Provider == "vault" {
			how = "disable their Vault entity (" + code("vault write identity/entity/name/<person> disabled=true") + ") and revoke every token it holds (" +
				code("vault token revoke -accessor <accessor>") + " for each accessor of theirs listed by " + code("vault list auth/token/accessors") + "; child tokens and leases go with them)"
		}
		return fmt.Sprintf("Remove the departing person's access first: disable their SSO account and sessions, then revoke %s %s: %s.", s.Name, c.in(), how),
			"a call with the person's credential is rejected, and the identity provider shows their account disabled"
	}
	if s.Strategy != runbook.StrategyRevokeFirst {
		return fmt.Sprintf("Restrict %s %s without breaking consumers: %s.", s.Name, c.in(), restrictText(c)),
			"only the expected consumers' addresses appear in the access logs from now on"
	}
	action := fmt.Sprintf("Revoke the exposed %s %s now: %s. Consumers fail until the replacement is deployed; that outage is accepted because the credential is exposed.", s.Name, c.in(), revokeNow(c))
	if d := derivedKill(c); d != "" {
		action += " " + d
	}
	return action, revokedCheck(c)
}

// revokeNow is the immediate revocation for an exposed credential.
func revokeNow(c sc) string {
	s := c.s
	switch s.Rule {
	case "aws-iam-access-key":
		return code("aws iam update-access-key --user-name <iam-user> --access-key-id <exposed-key-id> --status Inactive") + " (deactivate now, delete after the investigation)"
	case "github-pat":
		return "delete the token under GitHub Settings > Developer settings > Personal access tokens (an organisation owner can revoke it from the organisation's token list); revocation is irreversible"
	case "slack-token":
		return code("POST https://slack.com/api/auth.revoke") + " with the exposed token"
	case "vault-token":
		return code("vault token revoke -accessor <exposed-token-accessor>") + " (revokes its child tokens and leases too)"
	case "vault-dynamic-db-credentials":
		return code("vault lease revoke -prefix database/creds/<role>")
	case "stripe-api-key":
		return "roll the key in the Stripe Dashboard (Developers > API keys) with the old key expiring now"
	case "webhook-signing-secret":
		return "deploy receivers that accept only a new secret and move the sender to it; signature checks with the old secret now fail (the provider retries failed deliveries, so redeliver any gap)"
	case "gcp-service-account-key":
		return code("gcloud iam service-accounts keys disable <key-id> --iam-account=<service-account>")
	case "okta-entra-client-secret":
		return "deactivate the exposed client secret in the identity provider's console (Okta: Applications > Client secrets > Deactivate; Entra ID: " + code("az ad app credential delete --id <app-id> --key-id <key-id>") + ")"
	case "auth0-client-secret":
		return "rotate the client secret (Auth0 Dashboard > Applications > Settings > Rotate) so the exposed one stops working"
	case "twilio-auth-token", "vendor-api-key-multi":
		return "delete the exposed key in the " + s.ProviderName + " console"
	case "github-deploy-key", "ssh-key":
		return "remove the exposed public key (repository Settings > Deploy keys, or the authorized_keys line)"
	case "postgres-alternating-users", "database-alternating-users", "aws-secrets-manager-db-secret", "mysql-dual-password":
		a, _ := roleNames(s)
		return fmt.Sprintf("%s, then terminate its sessions", code(fmt.Sprintf("ALTER ROLE %s NOLOGIN", a)))
	}
	return "revoke or regenerate it at " + s.ProviderName + " so the exposed value stops working"
}

// restrictText narrows an exposed credential that keeps its overlap.
func restrictText(c sc) string {
	s := c.s
	switch s.Kind {
	case runbook.KindDatabasePassword:
		a, _ := roleNames(s)
		return fmt.Sprintf("limit network access to the database to the consumers' subnets (security group / pg_hba.conf), and terminate sessions of %s from any other address", code(a))
	case runbook.KindCloudAccessKey:
		return "attach a deny policy conditioned on aws:SourceIp / aws:SourceVpce so the key only works from the consumers' networks"
	case runbook.KindEncryptionKey:
		return "stop new encryption with the exposed version (switch the alias or primary version first) and alert on its use"
	}
	return "narrow its scopes or IP allow-list at " + s.ProviderName + " to what the consumers need, and alert on any use from elsewhere"
}

// derivedKill ends what was derived from an exposed credential (rule 8).
func derivedKill(c sc) string {
	switch c.s.Provider {
	case "aws":
		return "Then deny the sessions it issued: attach an inline policy that denies everything when " + code("aws:TokenIssueTime") + " is before the revocation time, to the IAM user or role."
	case "vault":
		return "Revoking the token also revokes its child tokens and leases; check " + code("vault list sys/leases/lookup/<mount>") + " for leftovers."
	case "github":
		return "Also review and revoke OAuth grants, deploy keys and GitHub App installations created with it."
	case "okta", "entra", "auth0", "salesforce":
		return "Revoke the OAuth grants and refresh tokens issued to the client."
	}
	if c.s.Kind == runbook.KindOAuthClientSecret {
		return "Revoke the OAuth grants and refresh tokens issued to the client."
	}
	return ""
}

func revokedCheck(c sc) string {
	s := c.s
	switch s.Rule {
	case "aws-iam-access-key":
		return code("aws iam list-access-keys --user-name <iam-user>") + " shows the exposed key Inactive and a call signed with it returns InvalidClientTokenId"
	case "github-pat":
		return code("GET https://api.github.com/user") + " with the exposed token returns 401"
	case "slack-token":
		return code("auth.test") + " with the exposed token returns invalid_auth"
	case "vault-token":
		return code("vault token lookup -accessor <exposed-token-accessor>") + " returns an error (token revoked)"
	}
	return "a call with the exposed value is rejected by " + s.ProviderName
}

func investigateText(c sc) (string, string) {
	s := c.s
	var where string
	switch s.Provider {
	case "aws":
		where = code("aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=<exposed-key-id>") + " over the exposure window; look for new IAM users, keys, roles or policies"
	case "github":
		where = "the organisation audit log and the token's last-used date; look for new deploy keys, webhooks, OAuth apps, workflow changes and cloned private repositories"
	case "vault":
		where = "the Vault audit device log for the token accessor; look for secrets read and tokens created"
	case "stripe":
		where = "Stripe Dashboard > Developers > Logs filtered by the key; look for refunds, payouts, new webhook endpoints or keys"
	case "postgres", "mysql", "mariadb":
		where = "database connection and audit logs (pgaudit / general log) for the user; look for connections from unknown addresses and bulk reads"
	case "slack":
		where = "the Slack access logs and the app's activity; look for messages posted or files read"
	default:
		where = s.ProviderName + "'s audit or request logs for the credential"
	}
	if c.f.Trigger == runbook.TriggerOffboarding {
		return fmt.Sprintf("Review the departing person's use of %s over the last 90 days: %s.", s.Name, where),
			"findings recorded in the offboarding ticket; anything unexplained escalated to Security"
	}
	return fmt.Sprintf("Review every use of %s during the exposure window: %s. Find where it leaked (commit, log, ticket, vendor) and remove the copy; removing it does not end the incident, revoking it does.", s.Name, where),
		"exposure window, findings and the leak's location recorded in the incident ticket"
}

func createText(c sc) (string, string) {
	s := c.s
	scope := " with the same or narrower scopes as the old one"
	if s.Personal && c.f.Trigger == runbook.TriggerOffboarding {
		return fmt.Sprintf("Issue a replacement %s for %s owned by a service account or workload identity, not a person, with the same or narrower scopes.", c.in(), c.consumerList()),
			"the new credential belongs to a service identity and a call with it succeeds"
	}
	switch s.Rule {
	case "aws-iam-access-key":
		return fmt.Sprintf("Create a second access key %s: %s (first check %s shows only one key; an IAM user holds at most two).", c.in(),
				code("aws iam create-access-key --user-name <iam-user>"), code("aws iam list-access-keys --user-name <iam-user>")),
			"the user now has two Active keys; the new key id is recorded (never the secret)"
	case "gcp-service-account-key":
		return fmt.Sprintf("Create a new key %s: %s.", c.in(), code("gcloud iam service-accounts keys create /dev/stdout --iam-account=<service-account>")),
			code("gcloud iam service-accounts keys list --iam-account=<service-account>") + " shows the new key"
	case "azure-storage-key":
		return fmt.Sprintf("Read key2 %s (%s); do not regenerate key1 yet, and move every consumer at once: never split them across key1 and key2.", c.in(), code("az storage account keys list -n <account>")),
			"key2 authenticates a data-plane call (" + code("az storage container list --account-name <account> --account-key <key2>") + ")"
	case "okta-entra-client-secret":
		return fmt.Sprintf("Add a second client secret %s: Okta Admin Console > Applications > <app> > Client secrets > Generate new secret, or %s for Entra ID.", c.in(), code("az ad app credential reset --id <app-id> --append")),
			"the application shows two active secrets"
	case "auth0-client-secret":
		return fmt.Sprintf("Rotate the client secret %s%s: Auth0 Dashboard > Applications > <app> > Settings > Rotate (or %s). The old secret stops working now; the new one can take about 30 seconds.", c.in(), c.when(), code("POST /api/v2/clients/<client_id>/rotate-secret")),
			"after 30 seconds a client-credentials token request with the new secret succeeds"
	case "stripe-api-key":
		return fmt.Sprintf("Roll the key %s%s: Stripe Dashboard > Developers > API keys > Roll key, with the old key expiring in 24 hours (long enough to deploy and test), restricted keys keeping the same permissions.", c.in(), c.when()),
			"the Dashboard lists the new key and the old key's expiry time"
	case "webhook-signing-secret":
		return webhookCreate(c)
	case "github-app-private-key":
		return fmt.Sprintf("Generate a new private key for the GitHub App %s: App settings > Private keys > Generate a private key (an app can hold 25).", c.in()),
			"the app lists two keys; the new key's fingerprint is recorded"
	case "github-deploy-key":
		return fmt.Sprintf("Generate a new deploy key %s (%s) and add it next to the old one: %s, read-only unless it must push.", c.in(), code("ssh-keygen -t ed25519 -N '' -f deploy_key_new"), code("gh repo deploy-key add deploy_key_new.pub --repo <owner/repo> --title "+s.ID+"-<date>")),
			"the repository lists both deploy keys"
	case "github-pat":
		return fmt.Sprintf("Issue a replacement fine-grained token %s for the same repositories and permissions (no wider), expiring in 90 days or less, owned by a bot account rather than a person.", c.in()),
			code("GET https://api.github.com/user") + " with the new token returns the expected account"
	case "slack-token":
		return fmt.Sprintf("Issue a new token %s%s: reinstall the app to the workspace (or, with token rotation on, exchange the refresh token with %s). The old token stops working.", c.in(), c.when(), code("oauth.v2.access")),
			code("auth.test") + " with the new token returns ok"
	case "twilio-auth-token":
		return fmt.Sprintf("Create a secondary auth token %s: Twilio Console > Account > API keys & tokens > Auth tokens > Create secondary token. It works beside the primary until promoted.", c.in()),
			"a read-only GET with the secondary token succeeds after about a minute of propagation"
	case "vendor-api-key-multi":
		if s.Provider == "sendgrid" {
			return fmt.Sprintf("Create a new SendGrid API key %s with the same scopes as the old one: read them with %s, then %s (Restricted Access).", c.in(), code("GET /v3/api_keys/<old-key-id>"), code("POST /v3/api_keys")),
				"the API key list shows both keys with identical scopes"
		}
		return fmt.Sprintf("Create a new %s API key %s%s.", s.ProviderName, c.in(), scope), "the console lists both keys"
	case "mysql-dual-password":
		return fmt.Sprintf("Set the new password %s keeping the old one: %s (MySQL 8.0.14+; check %s first).", c.in(), code("ALTER USER '<app-user>'@'%' IDENTIFIED BY <new> RETAIN CURRENT PASSWORD"), code("SELECT VERSION()")),
			"a login with the new password succeeds while existing connections keep working"
	case "postgres-alternating-users", "database-alternating-users", "aws-secrets-manager-db-secret":
		return alternatingCreate(c)
	case "vault-dynamic-db-credentials":
		return fmt.Sprintf("Shorten the lease TTL if it is long, then have consumers request fresh credentials %s: %s.", c.in(), code("vault read database/creds/<role>")),
			"new leases appear under " + code("vault list sys/leases/lookup/database/creds/<role>")
	case "vault-static-role":
		a, b := roleNames(s)
		if hasWord(s, "approle", "secret-id", "secret id", "secret_id") {
			return fmt.Sprintf("Issue a secret-id for the idle AppRole of the pair %s: %s (the active role %s keeps its secret-id; never rotate both together). Consumers switch role-id and secret-id together.", c.in(), code("vault write -f auth/approle/role/"+b+"/secret-id"), code(a)),
				"a login with the new secret-id (" + code("vault write auth/approle/login role_id=<role-id of "+b+"> secret_id=-") + ") returns a token with the expected policies"
		}
		return fmt.Sprintf("Rotate only the idle static role of the pair %s: %s (the active role %s is untouched; never rotate both together).", c.in(), code("vault write -f database/rotate-role/"+b), code(a)),
			code("vault read database/static-creds/"+b) + " returns a new password and a login with it succeeds"
	case "vault-token":
		return fmt.Sprintf("Create the replacement token %s with the same policies and no more: %s (prefer an AppRole or Kubernetes auth login over a long-lived token).", c.in(), code("vault token create -policy=<same-policies> -period=24h")),
			code("vault token lookup") + " on the new token shows the expected policies and TTL"
	case "tls-private-key":
		return fmt.Sprintf("Generate a new key and CSR %s (%s), get the certificate issued by the same CA, and have every peer that pins or allow-lists certificates trust it before the switch.", c.in(), code("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout new.key -out new.csr")),
			code("openssl x509 -in new.crt -noout -subject -dates -ext subjectAltName") + " shows the expected names and validity; the partner confirms the allow-list"
	case "kms-encryption-key":
		return kmsCreate(c)
	case "ssh-key":
		return fmt.Sprintf("Generate a new key pair %s (%s) and add the new public key next to the old one in authorized_keys.", c.in(), code("ssh-keygen -t ed25519 -N '' -f id_new")),
			"a login with the new key succeeds (" + code("ssh -i id_new -o IdentitiesOnly=yes <host> true") + ")"
	}
	if s.Strategy == runbook.StrategyHardCutover || s.Strategy == runbook.StrategyRevokeFirst {
		return fmt.Sprintf("Generate the replacement %s at %s %s%s%s. With no overlap, the old value stops working now if it is still active: be ready to store and deploy at once.", s.Name, s.ProviderName, c.in(), scope, c.when()),
			"the provider shows a new credential created by you at this time"
	}
	return fmt.Sprintf("Create a new %s at %s %s%s, leaving the old one active.", s.Name, s.ProviderName, c.in(), scope),
		"the provider lists both credentials"
}

func webhookCreate(c sc) (string, string) {
	s := c.s
	if s.Provider == "stripe" {
		return fmt.Sprintf("Create a second Stripe webhook endpoint %s for the same URL and the same events, disabled: Dashboard > Developers > Webhooks > Add endpoint (or %s, then %s); take its new signing secret. Stripe gives each endpoint its own secret, so this is the overlap.", c.in(), code("POST /v1/webhook_endpoints"), code("POST /v1/webhook_endpoints/<new-id> disabled=true")),
			"the Dashboard lists both endpoints for the URL, the new one disabled"
	}
	return fmt.Sprintf("Generate the new signing secret %s (%s), pipe it straight into the store; the sender still signs with the old one.", c.in(), code("openssl rand -hex 32")),
		"a new secret exists in the store and nothing has changed for the sender"
}

// managedRotation is true when AWS Secrets Manager's alternating-users rotation
// function creates, stores and tests the new password in one call.
func managedRotation(s *planner.Secret) bool {
	return s.Strategy == runbook.StrategyAlternatingUsers && s.Store == runbook.StoreAWSSecretsManager && s.Kind == runbook.KindDatabasePassword
}

func alternatingCreate(c sc) (string, string) {
	s := c.s
	a, b := roleNames(s)
	if managedRotation(s) {
		return fmt.Sprintf("Rotate to the idle user %s with the alternating-users rotation function: %s. Its four steps: createSecret (AWSPENDING for %s), setSecret (new password for %s only), testSecret (logs in with AWSPENDING), finishSecret (AWSCURRENT moves; %s stays as AWSPREVIOUS). Check first that %s and %s have identical grants.", c.in(), code("aws secretsmanager rotate-secret --secret-id "+c.path()), b, b, a, a, b),
			code("aws secretsmanager describe-secret --secret-id "+c.path()) + " shows AWSCURRENT on the new version and the rotation succeeded"
	}
	return fmt.Sprintf("Give the idle user %s a new password %s: in psql, %s (the value never reaches shell history or the server log), then %s. Leave the active user %s untouched; the two never rotate together.", code(b), c.in(), code(`\password `+b), code(fmt.Sprintf("ALTER ROLE %s VALID UNTIL '<today + 90 days>'", b)), code(a)),
		fmt.Sprintf("a login as %s succeeds and %s shows the same grants for %s and %s", b, code(`\dp`), a, b)
}

func kmsCreate(c sc) (string, string) {
	s := c.s
	switch s.Provider {
	case "aws":
		return fmt.Sprintf("Create new key material %s: %s (old material stays available for decryption).", c.in(), code("aws kms rotate-key-on-demand --key-id <key-id>")),
			code("aws kms list-key-rotations --key-id <key-id>") + " shows the new rotation"
	case "gcp":
		return fmt.Sprintf("Create a new key version %s without making it primary yet: %s.", c.in(), code("gcloud kms keys versions create --key <key> --keyring <ring> --location <location>")),
			code("gcloud kms keys versions list --key <key> --keyring <ring> --location <location>") + " shows the new version enabled"
	case "vault":
		return fmt.Sprintf("Rotate the transit key %s: %s (older versions keep decrypting down to min_decryption_version).", c.in(), code("vault write -f transit/keys/<key>/rotate")),
			code("vault read transit/keys/<key>") + " shows a new latest_version"
	}
	return fmt.Sprintf("Create a new version of %s %s; keep every old version enabled for decryption.", s.Name, c.in()),
		"the key lists the new version enabled and the old ones still enabled"
}

func deployStep(c sc) (string, string) {
	s := c.s
	switch s.Strategy {
	case runbook.StrategyDualAccept:
		act, chk := deployText(c, code(s.EnvVar+"_NEXT"))
		return "Deploy receivers that verify a signature against the current OR the next secret (reject only if neither matches). " + act, chk
	case runbook.StrategyRekey:
		act, chk := deployText(c, "the key reference")
		return "Make sure every consumer encrypts through the key alias or key id (not a pinned version) and can decrypt with every enabled version. " + act, chk
	case runbook.StrategyAlternatingUsers:
		_, b := roleNames(s)
		what := "user"
		if s.Provider == "vault" {
			what = "role"
		}
		return deployText(c, "the credentials (now "+what+" "+code(b)+")")
	}
	return deployText(c, "the new value")
}

func switchText(c sc) (string, string) {
	s := c.s
	switch s.Strategy {
	case runbook.StrategyDualAccept:
		if s.Provider == "stripe" {
			return fmt.Sprintf("Switch the sender %s%s: enable the new endpoint and disable the old one, back to back, so each event goes to one of them; receivers accept both secrets.", c.in(), c.when()),
				"new deliveries in the Dashboard come from the new endpoint and get 2xx responses"
		}
		return fmt.Sprintf("Switch the sender (%s webhook settings) to the new secret %s%s; receivers already accept both.", s.ProviderName, c.in(), c.when()),
			"new deliveries verify against the new secret; signature-failure metric stays at zero"
	case runbook.StrategyRekey:
		switch s.Provider {
		case "gcp":
			return fmt.Sprintf("Make the new version primary %s: %s.", c.in(), code("gcloud kms keys set-primary-version <key> --version <new> --keyring <ring> --location <location>")),
				"new ciphertexts name the new version; old ones still decrypt"
		case "aws":
			return fmt.Sprintf("Confirm the key now encrypts with the new material %s (on-demand rotation switches it; the alias and key id stay the same).", c.in()),
				"an encrypt call succeeds and decrypting an old ciphertext still works"
		}
		return fmt.Sprintf("Make the new version the one used for encryption %s.", c.in()), "new ciphertexts use the new version; old ones still decrypt"
	}
	return fmt.Sprintf("Switch traffic to the new %s %s%s.", s.Name, c.in(), c.when()), "traffic uses the new credential"
}

func verifyText(c sc) (string, string) {
	s := c.s
	if s.RetireOnly {
		return fmt.Sprintf("Confirm %s is dead %s and nothing depended on it: %s, and watch 401/403 rates across services for 24 hours.", s.Name, c.in(), revokedCheck(c)),
			"the revoked credential is rejected and no service reports authentication errors"
	}
	wait := ""
	if s.PropagationSeconds > 0 {
		wait = fmt.Sprintf("Wait out propagation (%d seconds), then check again. ", s.PropagationSeconds)
	}
	rate := ""
	if s.RateLimited {
		rate = fmt.Sprintf(" Keep test calls few and spaced: %s enforces rate limits.", s.ProviderName)
	}
	how := proofHow(c)
	action := fmt.Sprintf("%sVerify %s %s: %s.%s", wait, s.Name, c.in(), how, rate)
	check := "every consumer works on the new credential: " + s.Proof
	if c.prod() {
		check += fmt.Sprintf("; no authentication or signature failures for 30 minutes on %s", c.consumerList())
		if s.Strategy != runbook.StrategyRevokeFirst && s.Strategy != runbook.StrategyHardCutover {
			check += "; the old credential has gone quiet (" + quietCheck(c) + ")"
		}
	}
	return action, check
}

// proofHow is the concrete test that proves the new credential works.
func proofHow(c sc) string {
	s := c.s
	switch s.Rule {
	case "aws-iam-access-key":
		return code("aws sts get-caller-identity") + " with the new key from each consumer's runtime"
	case "webhook-signing-secret":
		if s.Provider == "stripe" {
			if c.prod() {
				return "watch real deliveries to the new endpoint (Dashboard > Webhooks > event deliveries all 2xx), and process one test invoice end to end"
			}
			return code("stripe trigger invoice.paid") + " against the staging endpoint and check it is processed end to end"
		}
		if s.Provider == "github" {
			return "redeliver a recent event (repository or organisation Settings > Webhooks > Recent Deliveries > Redeliver) and check the handler answers 2xx and logs a valid X-Hub-Signature-256"
		}
		return "send or redeliver a test event and check it is accepted"
	case "vendor-api-key-multi":
		if s.Provider == "sendgrid" {
			return "a test send through " + c.consumerList() + " to an internal address (" + code("POST /v3/mail/send") + ") is delivered"
		}
	case "postgres-alternating-users", "database-alternating-users", "aws-secrets-manager-db-secret", "mysql-dual-password":
		_, b := roleNames(s)
		return fmt.Sprintf("each consumer connects as %s and runs a representative query with the write access it needs (for example a write in a transaction that is rolled back)", code(b))
	case "kms-encryption-key":
		return "an encrypt/decrypt round trip with the new version, and decryption of a ciphertext written under the old version"
	case "tls-private-key":
		return "an mTLS handshake against the real peer with the new key (" + code("openssl s_client -connect <peer>:443 -cert new.crt -key new.key") + ")"
	}
	return s.Proof
}

// quietCheck says how to see nobody uses the old credential any more.
func quietCheck(c sc) string {
	s := c.s
	switch s.Provider {
	case "aws":
		return code("aws iam get-access-key-last-used --access-key-id <old-key-id>") + " shows no use since the deploy"
	case "stripe":
		if s.Kind == runbook.KindWebhookSecret {
			return "the old endpoint receives nothing and its secret verifies nothing in the receivers' logs"
		}
		return "the old key's request log shows no calls"
	case "postgres", "mysql", "mariadb":
		a, _ := roleNames(s)
		return code(fmt.Sprintf("SELECT count(*) FROM pg_stat_activity WHERE usename = '%s'", a)) + " is 0 (or the MySQL processlist shows no old sessions)"
	case "sendgrid":
		return "no mail sent with the old key's id in the last hour"
	}
	return s.ProviderName + "'s last-used data for the old credential shows no use since the deploy"
}

func revokeText(c sc) (string, string) {
	s := c.s
	after := "after production is verified and the old credential has gone quiet"
	switch s.Rule {
	case "aws-iam-access-key":
		return fmt.Sprintf("%s, deactivate the old key %s: %s. Delete it (%s) only after 7 quiet days.", upperFirst(after), c.in(), code("aws iam update-access-key --user-name <iam-user> --access-key-id <old-key-id> --status Inactive"), code("aws iam delete-access-key")),
			"the old key is Inactive and nothing fails"
	case "gcp-service-account-key":
		return fmt.Sprintf("%s, disable the old key %s (%s); delete it after confirmation.", upperFirst(after), c.in(), code("gcloud iam service-accounts keys disable <old-key-id> --iam-account=<service-account>")),
			"the old key is disabled and nothing fails"
	case "azure-storage-key":
		return fmt.Sprintf("%s, regenerate key1 %s (%s): this is irreversible, so only when every consumer is on key2.", upperFirst(after), c.in(), code("az storage account keys renew -n <account> --key key1")),
			"every consumer still works on key2"
	case "stripe-api-key":
		return fmt.Sprintf("%s, let the old key expire %s (or expire it now from the Dashboard).", upperFirst(after), c.in()), "the old key is gone from the key list and nothing fails"
	case "webhook-signing-secret":
		if s.Provider == "stripe" {
			return fmt.Sprintf("After a 24-hour verification window with no signature failures, delete the old endpoint %s and remove the old secret from the receivers' configuration (they now read only %s).", c.in(), code(s.EnvVar+"_NEXT")),
				"the old endpoint is gone and receivers still verify every delivery"
		}
		return fmt.Sprintf("After a 24-hour verification window with no signature failures, remove the old secret from the receivers %s.", c.in()),
			"receivers accept only the new secret and still verify every delivery"
	case "twilio-auth-token":
		return fmt.Sprintf("%s, promote the secondary token to primary %s (Console > Auth tokens > Promote): the old primary stops working at once.", upperFirst(after), c.in()), "every consumer still works after the promotion"
	case "vendor-api-key-multi":
		return fmt.Sprintf("%s, delete the old key %s (%s for SendGrid).", upperFirst(after), c.in(), code("DELETE /v3/api_keys/<old-key-id>")), "the old key is gone from the key list and the test send still works"
	case "mysql-dual-password":
		return fmt.Sprintf("%s, discard the old password %s: %s.", upperFirst(after), c.in(), code("ALTER USER '<app-user>'@'%' DISCARD OLD PASSWORD")), "logins with the old password fail; consumers keep working"
	case "postgres-alternating-users", "database-alternating-users", "aws-secrets-manager-db-secret":
		a, _ := roleNames(s)
		return fmt.Sprintf("%s, take the login away from the previous user %s: %s. It stays as the idle half of the pair, with its grants, and gets a new password at the next rotation.", upperFirst(after), c.in(), code(fmt.Sprintf("ALTER ROLE %s PASSWORD NULL", a))),
			fmt.Sprintf("a login as %s fails and no consumer reports errors", a)
	case "github-pat":
		return fmt.Sprintf("%s, delete the old token %s (irreversible).", upperFirst(after), c.in()), code("GET /user") + " with the old token returns 401"
	case "github-app-private-key", "github-deploy-key", "ssh-key":
		return fmt.Sprintf("%s, remove the old key %s.", upperFirst(after), c.in()), "only the new key is listed and authentication still works"
	case "vault-token", "vault-dynamic-db-credentials":
		return fmt.Sprintf("%s, revoke the old token or lease %s: %s.", upperFirst(after), c.in(), code("vault token revoke -accessor <old-accessor>")), "the old accessor lookup fails and consumers keep working"
	case "vault-static-role":
		a, _ := roleNames(s)
		if hasWord(s, "approle", "secret-id", "secret id", "secret_id") {
			return fmt.Sprintf("%s, destroy the secret-id of the previous role %s %s: %s. The role stays as the idle half of the pair.", upperFirst(after), code(a), c.in(), code("vault write auth/approle/role/"+a+"/secret-id-accessor/destroy secret_id_accessor=<old-accessor>")),
				"a login with the old secret-id fails and consumers keep working"
		}
		return fmt.Sprintf("%s, rotate the previous static role %s %s so the password consumers used before is dead: %s.", upperFirst(after), code(a), c.in(), code("vault write -f database/rotate-role/"+a)),
			"a login with the old password fails and consumers keep working"
	case "tls-private-key":
		return fmt.Sprintf("%s, revoke the old certificate at the CA %s and remove it from the peers' trust lists.", upperFirst(after), c.in()), "handshakes with the old certificate fail; the new one works"
	case "okta-entra-client-secret":
		return fmt.Sprintf("%s, set the old client secret inactive %s; delete it after 7 quiet days.", upperFirst(after), c.in()), "token requests with the old secret fail and consumers keep working"
	}
	return fmt.Sprintf("%s, disable the old %s %s; delete it only after a quiet period.", upperFirst(after), s.Name, c.in()), "the old credential is rejected and nothing fails"
}

func cleanupText(c sc) (string, string) {
	s := c.s
	var parts []string
	switch s.Strategy {
	case runbook.StrategyDualAccept:
		parts = append(parts, fmt.Sprintf("promote %s to be the only secret (rename it to %s in the store and the receivers' configuration in one deploy, keeping the dual-accept code for next time)", code(s.EnvVar+"_NEXT"), code(s.EnvVar)))
	case runbook.StrategyRekey:
		parts = append(parts, "re-encrypt stored data under the new version (for example Vault "+code("transit/rewrap")+" or a re-encrypt job); never disable or destroy an old version while data encrypted under it remains")
	case runbook.StrategyRevokeFirst, runbook.StrategyHardCutover:
		switch {
		case s.RetireOnly:
			parts = append(parts, "record the revocation in the offboarding ticket and remove the person from the secret's owners and approvers")
		case s.Rule == "aws-iam-access-key":
			parts = append(parts, "delete the deactivated key ("+code("aws iam delete-access-key --user-name <iam-user> --access-key-id <old-key-id>")+") once the investigation no longer needs it, and delete it from every copy of the store")
		default:
			parts = append(parts, "confirm the old value is rejected by "+s.ProviderName+" and delete it from every copy of the store")
		}
	default:
		parts = append(parts, "remove leftover copies of the old value (old store versions past the rollback window, local files, CI caches)")
	}
	parts = append(parts, "update the inventory with today's rotation date, the new version ids and the next due date")
	return fmt.Sprintf("Clean up %s %s: %s.", s.Name, c.in(), strings.Join(parts, "; ")),
		"no copy of the old value remains outside the store's retained history, and the inventory is current"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// stepOwner is who does a step.
func stepOwner(f *planner.Facts, s *planner.Secret, p runbook.Phase) string {
	switch p {
	case runbook.PhaseContain, runbook.PhaseInvestigate:
		return s.Owner + " with " + andList(f.Approvers)
	case runbook.PhaseDeploy:
		var owners []string
		for _, c := range s.Consumers {
			if c.Owner != "" && !runbook.OneOf(owners, c.Owner) {
				owners = append(owners, c.Owner)
			}
		}
		if len(owners) > 0 {
			return andList(owners)
		}
	}
	return s.Owner
}
