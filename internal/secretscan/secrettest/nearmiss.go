package secrettest

import (
	"math/rand/v2"
	"strings"
)

// NearMisses are benign texts that come close to the prefix rule: known
// prefixes named in prose, documentation placeholders after a prefix, names
// and paths that start like a prefix, ids whose prefix is not a
// credential's (Stripe customer and publishable ids, AWS role ids, OpenAI
// organisation ids), UUIDs, git SHAs and hashes named as such. None may be
// refused. Random parts are drawn at test time.
func NearMisses(r *rand.Rand) []string {
	hex := func(n int) string { return Body(r, hexChars, n) }
	alnum := func(n int) string { return Body(r, alnumChars, n) }
	sha := hex(40)
	return []string{
		// Prefixes in prose.
		"OpenAI keys start with the " + pre("s", "k-") + " prefix; project keys with " + pre("sk", "-proj-") + " and service accounts with " + pre("sk", "-svcacct-") + ".",
		"GitHub tokens start with " + pre("gh", "p_") + ", " + pre("gh", "o_") + ", " + pre("gh", "s_") + " or " + pre("github", "_pat_") + "; GitLab's with " + pre("gl", "pat-") + " (see the docs).",
		"Slack bot tokens begin " + pre("xo", "xb-") + ", user tokens " + pre("xo", "xp-") + " and app-level tokens " + pre("xa", "pp-") + ": rotate all three.",
		"AWS access key ids start with " + pre("AK", "IA") + " (long-term) or " + pre("AS", "IA") + " (temporary, from STS).",
		"Google API keys begin with " + pre("AI", "za") + ", SendGrid keys with " + pre("S", "G.") + ", Docker Hub tokens with " + pre("dckr", "_pat_") + " and npm tokens with " + pre("np", "m_") + ".",
		"Vault service tokens begin " + pre("hv", "s.") + " (batch tokens " + pre("hv", "b.") + "); before Vault 1.10 they began " + pre("s", ".") + " and " + pre("b", ".") + ".",
		"Stripe secret keys start " + pre("sk", "_live_") + ", restricted keys " + pre("rk", "_live_") + " and webhook secrets " + pre("wh", "sec_") + " (publishable keys pk_live_ are public).",
		"Is the leaked value an " + pre("sk", "-") + "... key or a " + pre("sk", "-proj-") + "... one? The prefix tells the kind.",
		// Documentation placeholders.
		"STRIPE_SECRET_KEY=" + pre("sk", "_live_") + strings.Repeat("X", 24) + " in the .env template",
		"OPENAI_API_KEY=" + pre("s", "k-") + "... (set it from the vault, never commit it)",
		"Local runs use " + pre("s", "k-") + "<your-key> in .env.local.",
		"GITHUB_TOKEN=" + pre("gh", "p_") + strings.Repeat("x", 36) + " (placeholder in the README)",
		"The docs show " + pre("AK", "IA") + "IOSFODNN7" + "EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY as AWS's example pair.",
		"Set SLACK_BOT_TOKEN to " + pre("xo", "xb-") + "your-bot-token and SLACK_APP_TOKEN to " + pre("xa", "pp-") + "<app-token>.",
		"Template value " + pre("hv", "s.") + "<token> is replaced by the agent at start-up.",
		"SendGrid: " + pre("S", "G.") + "<key-id>.<secret>, created under Settings > API Keys.",
		"GOOGLE_API_KEY=" + pre("AI", "za") + "Sy-your-google-api-key (placeholder)",
		"GITHUB_PAT=" + pre("gh", "p_") + "YourPersonalAccessTokenHere",
		"NPM_TOKEN=" + pre("np", "m_") + strings.Repeat("0", 36) + " in the sample .npmrc",
		"OPENAI_API_KEY=" + pre("sk", "-proj-") + strings.Repeat("0", 32) + " (dummy for unit tests)",
		"STRIPE_TEST_KEY=" + pre("sk", "_test_") + "1234567890abcdefghijklmn (docs filler)",
		"Docker Hub: " + pre("dckr", "_pat_") + "<token>, GitLab: " + pre("gl", "pat-") + "xxxxxxxxxxxxxxxxxxxx, webhook: " + pre("wh", "sec_") + "...",
		"Replace " + pre("sk", "_live_") + "REPLACE_WITH_YOUR_KEY before deploying.",
		// Names, paths and variables that start like a prefix.
		"The OpenAI project is named " + pre("sk", "-proj-") + "acme-billing-eu-west-1-2024 in our inventory.",
		"CI reads NPM_CONFIG_REGISTRY_URL and NPM_TOKEN_FILE_PATH; the token itself is in Vault.",
		"Octopus space API-GATEWAY-PRODUCTION-EU-WEST owns the deployment.",
		"Runbook " + pre("ke", "y-") + "rotation-schedule-quarterly applies; " + pre("ke", "y-") + "management-policy-v2 too.",
		"The " + pre("ex", "t_") + "billing_service_account_v2 integration and sc_payments_gateway_prod are Authress clients.",
		"Assets are served from https://" + pre("s", ".") + "acmecdn.net/assets/app.js and " + pre("s", ".") + "example.com/static.",
		"Scalingo app " + pre("tk", "-us-") + "east-1-billing-cluster runs the worker.",
		"Cloudflare certificate " + pre("v1", ".0-") + "release-candidate-2024-11 was renewed.",
		"Pattern " + pre("pat", "tern-matching-for-logs") + " redacts tokens; see pathfinder-service-config.",
		"Bucket " + pre("sha", "256~") + "images-prod-eu is not a token; nor is " + pre("AS", "IA") + "_PACIFIC_OPERATIONS_TEAM.",
		"Helm release " + pre("pu", "l-") + "billing-api-canary-2024 and job " + pre("ic", "o-") + "cost-estimate-nightly-run.",
		"Feature flag " + pre("gl", "ffct-") + "rollout-billing-v2-enabled is on.",
		// Ids whose prefix is not a credential's.
		"Stripe customer cus_" + alnum(14) + ", charge ch_" + alnum(24) + ", event evt_" + alnum(24) + " and publishable key pk_live_" + alnum(40) + ".",
		"Stripe account acct_" + alnum(16) + " and webhook endpoint we_" + alnum(24) + " (ids, not secrets).",
		"Twilio account SID AC" + hex(32) + " and messaging service MG" + hex(32) + ".",
		"AWS role id AROA" + Body(r, upperChars+digitChars, 17) + ", user id AIDA" + Body(r, upperChars+digitChars, 17) + ", instance i-0" + hex(16) + ".",
		"OpenAI organisation org-" + alnum(24) + " and project proj_" + alnum(24) + " own the key (ids only).",
		"Slack team T" + Body(r, upperChars+digitChars, 10) + ", channel C" + Body(r, upperChars+digitChars, 10) + ", app A" + Body(r, upperChars+digitChars, 10) + ".",
		"Vault token accessor " + uuid(r) + " and entity id " + uuid(r) + " in the audit log.",
		// UUIDs, git SHAs and hashes named as such.
		"Request " + uuid(r) + " failed; retry " + uuid(r) + " succeeded.",
		"git SHA " + sha + " (short " + sha[:7] + ") is the release commit.",
		"sha256:" + hex(64) + " is the image digest; md5 " + hex(32) + " the tarball's.",
		"SHA-512 of the bundle: " + hex(64) + hex(64) + ".",
		"ETag \"" + hex(32) + "\" and x-request-id " + hex(32) + " from the API.",
		"Key fingerprint " + strings.ToUpper(hex(40)) + " (GPG) and SSH SHA256:" + alnum(43) + ".",
	}
}
