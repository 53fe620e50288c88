package secrettest

import "math/rand/v2"

// Prefixed is a credential recognised by its prefix: the prefix, then a
// random body. Vendors change their bodies' lengths (OpenAI has used at
// least three formats, Vault moved from s. to hvs. and longer tokens), and a
// user pastes truncated keys, so the screen must refuse the prefix with a
// random body of any length, not only today's exact format.
type Prefixed struct {
	Name   string
	Prefix string
	// Alphabet is the body's alphabet today; Len the body's length today.
	Alphabet string
	Len      int
	// Old is a documented older format of the credential (another prefix,
	// length or alphabet), or nil when none is known: the fourth variant is
	// then today's length in lowercase hex, the alphabet of many first
	// formats.
	Old func(r *rand.Rand) string
}

// Variant is one length or format of a prefixed credential.
type Variant struct {
	Name string
	Gen  func(r *rand.Rand) string
}

// MinBody is the shortest body the screen refuses on its prefix alone: a
// variant below it is generated at this length instead.
const MinBody = 16

// Variants returns the credential at today's body length, 25 % shorter
// (at least MinBody), 50 % longer, and in its older format.
func (p Prefixed) Variants() []Variant {
	body := func(n int) func(r *rand.Rand) string {
		return func(r *rand.Rand) string { return p.Prefix + Body(r, p.Alphabet, n) }
	}
	old := p.Old
	oldName := "older-format"
	if old == nil {
		oldName = "hex-body"
		old = func(r *rand.Rand) string { return p.Prefix + Body(r, hexChars, p.Len) }
	}
	return []Variant{
		{"today", body(p.Len)},
		{"short-25%", body(max(MinBody, p.Len*3/4))},
		{"long+50%", body(p.Len * 3 / 2)},
		{oldName, old},
	}
}

// Body returns n characters drawn at random from alphabet, repeats allowed
// (as a real key's are: unlike pick, it does not smooth the randomness, so
// a body may lack digits or repeat characters, as real ones do).
func Body(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// PrefixedFormats lists the prefixed credentials of the corpus: the
// prefixes of issue 22 and of Formats, each with today's body and a
// documented older format where there is one.
func PrefixedFormats() []Prefixed {
	b64url := alnumChars + "-_"
	lowerDigit := lowerChars + digitChars
	upperDigit := upperChars + digitChars
	openaiLegacy := func(r *rand.Rand) string { return pre("s", "k-") + Body(r, alnumChars, 48) }
	stripeOld := func(p ...string) func(r *rand.Rand) string {
		// Stripe's keys had a 24-character body before the long ones.
		return func(r *rand.Rand) string { return pre(p...) + Body(r, alnumChars, 24) }
	}
	slackOld := func(p ...string) func(r *rand.Rand) string {
		// Slack's legacy bot tokens: one number, then 24 characters.
		return func(r *rand.Rand) string {
			return pre(p...) + Body(r, digitChars, 11) + "-" + Body(r, alnumChars, 24)
		}
	}
	return []Prefixed{
		{"openai-legacy", pre("s", "k-"), alnumChars, 48, nil},
		{"openai-project", pre("sk", "-proj-"), b64url, 156, openaiLegacy},
		{"openai-service-account", pre("sk", "-svcacct-"), b64url, 156, openaiLegacy},
		{"openai-admin", pre("sk", "-admin-"), b64url, 156, openaiLegacy},
		{"anthropic", pre("sk", "-ant-api03-"), b64url, 95, nil},
		{"stripe-secret", pre("sk", "_live_"), alnumChars, 99, stripeOld("sk", "_live_")},
		{"stripe-restricted", pre("rk", "_live_"), alnumChars, 99, stripeOld("rk", "_live_")},
		{"stripe-test", pre("sk", "_test_"), alnumChars, 99, stripeOld("sk", "_test_")},
		{"stripe-webhook", pre("wh", "sec_"), alnumChars, 32, nil},
		{"vault-service", pre("hv", "s."), b64url, 95, func(r *rand.Rand) string {
			// Vault's service tokens before 1.10: s. and 24 characters.
			return pre("s", ".") + Body(r, alnumChars, 24)
		}},
		{"vault-service-24", pre("hv", "s."), alnumChars, 24, nil},
		{"vault-legacy", pre("s", "."), alnumChars, 24, nil},
		{"vault-batch", pre("hv", "b."), b64url, 138, func(r *rand.Rand) string {
			return pre("b", ".") + Body(r, b64url, 130)
		}},
		{"vault-batch-legacy", pre("b", "."), b64url, 130, nil},
		{"github-pat", pre("gh", "p_"), alnumChars, 36, nil},
		{"github-oauth", pre("gh", "o_"), alnumChars, 36, nil},
		{"github-app", pre("gh", "s_"), alnumChars, 36, nil},
		{"github-user-to-server", pre("gh", "u_"), alnumChars, 36, nil},
		{"github-refresh", pre("gh", "r_"), alnumChars, 36, nil},
		{"github-fine-grained", pre("github", "_pat_"), alnumChars + "_", 82, nil},
		{"gitlab-pat", pre("gl", "pat-"), b64url, 20, nil},
		{"gitlab-deploy", pre("gl", "dt-"), b64url, 20, nil},
		{"gitlab-runner", pre("gl", "rt-"), b64url, 20, nil},
		{"slack-bot", pre("xo", "xb-"), digitChars + "-" + alnumChars, 50, slackOld("xo", "xb-")},
		{"slack-user", pre("xo", "xp-"), digitChars + "-" + alnumChars, 70, slackOld("xo", "xp-")},
		{"slack-workspace", pre("xo", "xa-"), digitChars + "-" + alnumChars, 50, nil},
		{"slack-refresh", pre("xo", "xr-"), digitChars + "-" + alnumChars, 50, nil},
		{"slack-legacy", pre("xo", "xs-"), digitChars + "-" + hexChars, 60, nil},
		{"slack-config", pre("xo", "xe-"), digitChars + "-" + alnumChars, 50, nil},
		{"slack-app", pre("xa", "pp-"), upperDigit + "-" + hexChars, 90, nil},
		{"aws-access-key", pre("AK", "IA"), b32Chars, 16, nil},
		{"aws-session-key", pre("AS", "IA"), b32Chars, 16, nil},
		{"gcp-api-key", pre("AI", "za"), b64url, 35, nil},
		{"sendgrid", pre("S", "G."), b64url + ".", 66, nil},
		{"docker-hub", pre("dckr", "_pat_"), b64url, 27, nil},
		{"npm", pre("np", "m_"), lowerDigit, 36, nil},
		{"huggingface", pre("h", "f_"), lowerChars + upperChars, 34, nil},
		{"huggingface-org", pre("api", "_org_"), lowerChars + upperChars, 34, nil},
		{"doppler", pre("dp.", "pt."), alnumChars, 43, nil},
		{"digitalocean", pre("dop", "_v1_"), hexChars, 64, nil},
		{"databricks", pre("da", "pi"), hexChars, 32, nil},
		{"pypi", pre("pypi-AgEIcHlw", "aS5vcmc"), b64url, 60, nil},
		{"rubygems", pre("rubygems", "_"), hexChars, 48, nil},
		{"shopify-access", pre("shp", "at_"), hexChars, 32, nil},
		{"shopify-shared", pre("shp", "ss_"), hexChars, 32, nil},
		{"heroku-v2", pre("HRKU", "-AA"), b64url, 58, nil},
		{"linear", pre("lin", "_api_"), alnumChars, 40, nil},
		{"planetscale", pre("pscale", "_tkn_"), alnumChars, 43, nil},
		{"postman", pre("PM", "AK-"), hexChars + "-", 59, nil},
		{"pulumi", pre("pu", "l-"), hexChars, 40, nil},
		{"sendinblue", pre("xkey", "sib-"), hexChars + "-" + alnumChars, 81, nil},
		{"grafana-cloud", pre("gl", "c_"), alnumChars, 48, nil},
		{"grafana-service-account", pre("gl", "sa_"), alnumChars + "_", 41, nil},
		{"perplexity", pre("pp", "lx-"), alnumChars, 48, nil},
		{"notion", pre("nt", "n_"), alnumChars, 46, nil},
		{"square", pre("sq0", "atp-"), b64url, 22, nil},
		{"shippo", pre("shippo", "_live_"), hexChars, 40, nil},
		{"sentry-user", pre("sntr", "yu_"), hexChars, 64, nil},
		{"prefect", pre("pn", "u_"), alnumChars, 36, nil},
		{"infracost", pre("ic", "o-"), alnumChars, 32, nil},
		{"dynatrace", pre("dt0", "c01."), upperDigit + "." + alnumChars, 89, nil},
		{"flutterwave", pre("FLWSECK", "_TEST-"), hexChars, 32, nil},
		{"openshift", pre("sha", "256~"), b64url, 43, nil},
		{"readme", pre("rd", "me_"), lowerDigit, 70, nil},
		{"duffel", pre("duffel", "_live_"), b64url, 43, nil},
		{"easypost", pre("EZ", "AK"), alnumChars, 54, nil},
		{"age", pre("AGE-SECRET", "-KEY-1"), "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58, nil},
		{"mailgun", pre("ke", "y-"), hexChars, 32, nil},
	}
}

// ProseSentences are the ordinary sentences of issue 22, each ending the
// token with a punctuation mark as a new user writes it.
func ProseSentences() []Disguise {
	var out []Disguise
	for _, p := range []string{".", ",", ")", ":", "!", "?"} {
		open := ""
		if p == ")" {
			open = "("
		}
		out = append(out, Disguise{Name: "sentence" + p, Apply: func(_ *rand.Rand, s string) []string {
			return one("Our service uses the key " + open + s + p + " We need to rotate it today.")
		}})
	}
	return out
}
