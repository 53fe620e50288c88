// Package secrettest builds the secret corpus the screen is tested against:
// credential formats generated at test time from random bytes (no literal
// secret is committed, so secret scanners on the repository stay quiet),
// the disguises a careless or hostile user wraps them in, and benign text
// that must never be refused.
package secrettest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Format is one kind of credential.
type Format struct {
	Name string
	// Gen returns a fresh, random value of the format.
	Gen func(r *rand.Rand) string
}

const (
	lowerChars = "abcdefghijklmnopqrstuvwxyz"
	upperChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digitChars = "0123456789"
	alnumChars = lowerChars + upperChars + digitChars
	hexChars   = "0123456789abcdef"
	b32Chars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	wordChars  = alnumChars + "_-"
)

// pick returns n characters of set. While n fits the set the characters are
// distinct, so every value clears the entropy thresholds of the rules (a
// real key's randomness, never a low-entropy fluke that a rule would skip).
func pick(r *rand.Rand, set string, n int) string {
	b := make([]byte, 0, n)
	for len(b) < n {
		perm := r.Perm(len(set))
		for _, i := range perm {
			if len(b) == n {
				break
			}
			b = append(b, set[i])
		}
	}
	return string(b)
}

// withDigit makes sure a value has at least one digit and one letter, as a
// real key of that alphabet nearly always has.
func withDigit(r *rand.Rand, s string) string {
	b := []byte(s)
	b[1+r.IntN(len(b)-2)] = digitChars[r.IntN(10)]
	return string(b)
}

func cat(parts ...string) string { return strings.Join(parts, "") }

// password is a random password of the kind people paste: letters of both
// cases, digits and a symbol.
func password(r *rand.Rand) string {
	return pick(r, upperChars, 3) + pick(r, lowerChars, 6) + pick(r, digitChars, 4) + string("!#%*+"[r.IntN(5)]) + pick(r, alnumChars, 4)
}

func uuid(r *rand.Rand) string {
	h := pick(r, hexChars, 16) + pick(r, hexChars, 16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func b64(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Prefixes are assembled from pieces so the source never holds a whole
// recognisable prefix next to a value.
func pre(parts ...string) string { return strings.Join(parts, "") }

// Formats lists every credential format of the corpus (more than sixty):
// gitleaks' rules and rotor's own.
func Formats() []Format {
	f := func(name string, gen func(r *rand.Rand) string) Format { return Format{Name: name, Gen: gen} }
	return []Format{
		f("stripe-secret-key", func(r *rand.Rand) string { return pre("sk", "_live_") + withDigit(r, pick(r, alnumChars, 32)) }),
		f("stripe-restricted-key", func(r *rand.Rand) string { return pre("rk", "_live_") + withDigit(r, pick(r, alnumChars, 32)) }),
		f("stripe-test-key", func(r *rand.Rand) string { return pre("sk", "_test_") + withDigit(r, pick(r, alnumChars, 32)) }),
		f("stripe-webhook-secret", func(r *rand.Rand) string { return pre("wh", "sec_") + pick(r, alnumChars, 32) }),
		f("aws-access-key-id", func(r *rand.Rand) string { return pre("AK", "IA") + pick(r, b32Chars, 16) }),
		f("aws-session-key-id", func(r *rand.Rand) string { return pre("AS", "IA") + pick(r, b32Chars, 16) }),
		f("aws-secret-access-key", func(r *rand.Rand) string {
			return pre("aws_secret", "_access_key") + " = " + pick(r, alnumChars+"/+", 40)
		}),
		f("github-pat", func(r *rand.Rand) string { return pre("gh", "p_") + withDigit(r, pick(r, alnumChars, 36)) }),
		f("github-oauth", func(r *rand.Rand) string { return pre("gh", "o_") + withDigit(r, pick(r, alnumChars, 36)) }),
		f("github-app-installation", func(r *rand.Rand) string { return pre("gh", "s_") + withDigit(r, pick(r, alnumChars, 36)) }),
		f("github-user-to-server", func(r *rand.Rand) string { return pre("gh", "u_") + withDigit(r, pick(r, alnumChars, 36)) }),
		f("github-refresh", func(r *rand.Rand) string { return pre("gh", "r_") + withDigit(r, pick(r, alnumChars, 36)) }),
		f("github-fine-grained-pat", func(r *rand.Rand) string {
			return pre("github", "_pat_") + pick(r, alnumChars, 22) + "_" + pick(r, alnumChars, 59)
		}),
		f("gitlab-pat", func(r *rand.Rand) string { return pre("gl", "pat-") + withDigit(r, pick(r, alnumChars, 20)) }),
		f("gitlab-deploy-token", func(r *rand.Rand) string { return pre("gl", "dt-") + withDigit(r, pick(r, alnumChars, 20)) }),
		f("gitlab-runner-token", func(r *rand.Rand) string { return pre("gl", "rt-") + withDigit(r, pick(r, alnumChars, 20)) }),
		f("slack-bot-token", func(r *rand.Rand) string {
			return pre("xo", "xb-") + pick(r, digitChars, 10) + pick(r, digitChars, 2) + "-" + pick(r, digitChars, 10) + pick(r, digitChars, 3) + "-" + pick(r, alnumChars, 24)
		}),
		f("slack-user-token", func(r *rand.Rand) string {
			return pre("xo", "xp-") + pick(r, digitChars, 10) + "-" + pick(r, digitChars, 10) + pick(r, digitChars, 2) + "-" + pick(r, digitChars, 10) + pick(r, digitChars, 2) + "-" + pick(r, hexChars, 16) + pick(r, hexChars, 16)
		}),
		f("slack-app-token", func(r *rand.Rand) string {
			return pre("xa", "pp-1-A") + pick(r, upperChars+digitChars, 10) + "-" + pick(r, digitChars, 10) + pick(r, digitChars, 3) + "-" + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16)
		}),
		f("slack-webhook-url", func(r *rand.Rand) string {
			return pre("https://hooks.", "slack.com/services/") + "T" + pick(r, upperChars+digitChars, 10) + "/B" + pick(r, upperChars+digitChars, 10) + "/" + pick(r, alnumChars, 24)
		}),
		f("sendgrid-api-key", func(r *rand.Rand) string {
			return pre("S", "G.") + pick(r, alnumChars, 22) + "." + pick(r, alnumChars, 43)
		}),
		f("openai-project-key", func(r *rand.Rand) string {
			return pre("sk", "-proj-") + pick(r, wordChars, 58) + pre("T3Blb", "kFJ") + pick(r, wordChars, 57) + pick(r, alnumChars, 1)
		}),
		f("openai-legacy-key", func(r *rand.Rand) string {
			return pre("s", "k-") + pick(r, alnumChars, 20) + pre("T3Blb", "kFJ") + pick(r, alnumChars, 20)
		}),
		f("anthropic-api-key", func(r *rand.Rand) string {
			return pre("sk", "-ant-api03-") + pick(r, alnumChars, 62) + pick(r, wordChars, 31) + "AA"
		}),
		f("gcp-api-key", func(r *rand.Rand) string { return pre("AI", "za") + withDigit(r, pick(r, alnumChars, 35)) }),
		f("jwt", func(r *rand.Rand) string {
			enc := base64.RawURLEncoding.EncodeToString
			head := enc([]byte(`{"alg":"HS256","typ":"JWT"}`))
			body := enc([]byte(fmt.Sprintf(`{"sub":"%s","iat":%d}`, pick(r, alnumChars, 12), 1700000000+r.IntN(1e8))))
			return head + "." + body + "." + pick(r, alnumChars, 43)
		}),
		f("npm-token", func(r *rand.Rand) string { return pre("np", "m_") + withDigit(r, pick(r, lowerChars+digitChars, 36)) }),
		f("vault-service-token", func(r *rand.Rand) string {
			return pre("hv", "s.") + "CAESI" + pick(r, alnumChars, 60) + pick(r, wordChars, 30)
		}),
		f("vault-legacy-token", func(r *rand.Rand) string { return pre("s", ".") + withDigit(r, pick(r, alnumChars, 24)) }),
		f("huggingface-token", func(r *rand.Rand) string { return pre("h", "f_") + pick(r, lowerChars+upperChars, 34) }),
		f("huggingface-org-token", func(r *rand.Rand) string { return pre("api", "_org_") + pick(r, lowerChars+upperChars, 34) }),
		f("doppler-token", func(r *rand.Rand) string { return pre("dp.", "pt.") + pick(r, alnumChars, 43) }),
		f("digitalocean-pat", func(r *rand.Rand) string {
			return pre("dop", "_v1_") + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16)
		}),
		f("databricks-token", func(r *rand.Rand) string { return pre("da", "pi") + pick(r, hexChars, 16) + pick(r, hexChars, 16) }),
		f("pypi-token", func(r *rand.Rand) string { return pre("pypi-AgEIcHlw", "aS5vcmc") + pick(r, wordChars, 60) }),
		f("rubygems-token", func(r *rand.Rand) string {
			return pre("rubygems", "_") + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16)
		}),
		f("shopify-access-token", func(r *rand.Rand) string { return pre("shp", "at_") + pick(r, hexChars, 16) + pick(r, hexChars, 16) }),
		f("shopify-shared-secret", func(r *rand.Rand) string { return pre("shp", "ss_") + pick(r, hexChars, 16) + pick(r, hexChars, 16) }),
		f("twilio-api-key", func(r *rand.Rand) string { return pre("S", "K") + pick(r, hexChars, 16) + pick(r, hexChars, 16) }),
		f("twilio-auth-token", func(r *rand.Rand) string {
			return pre("TWILIO_AUTH", "_TOKEN=") + pick(r, hexChars, 16) + pick(r, hexChars, 16)
		}),
		f("mailgun-api-key", func(r *rand.Rand) string { return pre("ke", "y-") + pick(r, hexChars, 16) + pick(r, hexChars, 16) }),
		f("heroku-api-key-v2", func(r *rand.Rand) string { return pre("HRKU", "-AA") + pick(r, alnumChars, 58) }),
		f("heroku-api-key", func(r *rand.Rand) string { return pre("HEROKU_API", "_KEY=") + uuid(r) }),
		f("docker-hub-pat", func(r *rand.Rand) string { return pre("dckr", "_pat_") + withDigit(r, pick(r, alnumChars+"-_", 27)) }),
		f("datadog-api-key", func(r *rand.Rand) string {
			return pre("DD_API", "_KEY=") + pick(r, hexChars, 16) + pick(r, hexChars, 16)
		}),
		f("azure-storage-connection-string", func(r *rand.Rand) string {
			return "DefaultEndpointsProtocol=https;AccountName=acmebilling;" + pre("Account", "Key=") + b64(r, 64) + ";EndpointSuffix=core.windows.net"
		}),
		f("azure-ad-client-secret", func(r *rand.Rand) string {
			return pick(r, alnumChars, 3) + pick(r, digitChars, 1) + pre("Q", "~") + withDigit(r, pick(r, alnumChars, 34))
		}),
		f("postgres-url", func(r *rand.Rand) string {
			return "postgres://billing_app:" + password(r) + "@db.internal:5432/billing"
		}),
		f("redis-url-empty-user", func(r *rand.Rand) string { return "redis://:" + password(r) + "@cache.internal:6379/0" }),
		f("mysql-url", func(r *rand.Rand) string { return "mysql://root:" + password(r) + "@10.0.4.12:3306/shop" }),
		f("amqp-url", func(r *rand.Rand) string { return "amqps://ledger:" + password(r) + "@mq.internal:5671/prod" }),
		f("mongodb-srv-url", func(r *rand.Rand) string {
			return "mongodb+srv://reporting:" + password(r) + "@cluster0.example.net/analytics"
		}),
		f("https-basic-auth-url", func(r *rand.Rand) string { return "https://deploy:" + password(r) + "@git.internal.example/ops.git" }),
		f("password-assignment", func(r *rand.Rand) string { return "password=" + password(r) }),
		f("client-secret-yaml", func(r *rand.Rand) string {
			return "client_secret: " + pick(r, alnumChars, 20) + pick(r, alnumChars, 12)
		}),
		f("bearer-header", func(r *rand.Rand) string { return "Authorization: Bearer " + pick(r, alnumChars, 40) }),
		f("pem-private-key", func(r *rand.Rand) string {
			return "-----BEGIN " + "RSA PRIVATE KEY-----\n" + b64(r, 96) + "\n-----END " + "RSA PRIVATE KEY-----"
		}),
		f("age-secret-key", func(r *rand.Rand) string {
			return pre("AGE-SECRET", "-KEY-1") + pick(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 32) + pick(r, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 26)
		}),
		f("linear-api-key", func(r *rand.Rand) string { return pre("lin", "_api_") + withDigit(r, pick(r, alnumChars, 40)) }),
		f("planetscale-token", func(r *rand.Rand) string { return pre("pscale", "_tkn_") + pick(r, alnumChars, 43) }),
		f("postman-api-key", func(r *rand.Rand) string {
			return pre("PM", "AK-") + pick(r, hexChars, 12) + pick(r, hexChars, 12) + "-" + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 2)
		}),
		f("pulumi-token", func(r *rand.Rand) string {
			return pre("pu", "l-") + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 8)
		}),
		f("sendinblue-key", func(r *rand.Rand) string {
			return pre("xkey", "sib-") + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16) + "-" + pick(r, alnumChars, 16)
		}),
		f("grafana-cloud-token", func(r *rand.Rand) string { return pre("gl", "c_") + pick(r, alnumChars, 48) }),
		f("grafana-service-account", func(r *rand.Rand) string {
			return pre("gl", "sa_") + pick(r, alnumChars, 32) + "_" + pick(r, hexChars, 8)
		}),
		f("perplexity-key", func(r *rand.Rand) string { return pre("pp", "lx-") + pick(r, alnumChars, 48) }),
		f("notion-token", func(r *rand.Rand) string {
			return pre("nt", "n_") + pick(r, digitChars, 10) + "1" + pick(r, alnumChars, 35)
		}),
		f("square-access-token", func(r *rand.Rand) string { return pre("sq0", "atp-") + pick(r, alnumChars, 22) }),
		f("shippo-live-token", func(r *rand.Rand) string {
			return pre("shippo", "_live_") + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 8)
		}),
		f("telegram-bot-token", func(r *rand.Rand) string {
			return pre("TELEGRAM_BOT", "_TOKEN=") + pick(r, digitChars, 9) + ":A" + pick(r, alnumChars, 34)
		}),
		f("sentry-user-token", func(r *rand.Rand) string {
			return pre("sntr", "yu_") + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16) + pick(r, hexChars, 16)
		}),
		f("prefect-token", func(r *rand.Rand) string { return pre("pn", "u_") + pick(r, alnumChars, 36) }),
		f("infracost-token", func(r *rand.Rand) string { return pre("ic", "o-") + pick(r, alnumChars, 32) }),
		f("dynatrace-token", func(r *rand.Rand) string {
			return pre("dt0", "c01.") + pick(r, upperChars+digitChars, 24) + "." + pick(r, alnumChars, 62) + pick(r, digitChars, 2)
		}),
		f("flutterwave-secret", func(r *rand.Rand) string {
			return pre("FLWSECK", "_TEST-") + pick(r, "abcdefgh0123456789", 18) + pick(r, "abcdefgh0123456789", 14) + "-X"
		}),
		f("openshift-token", func(r *rand.Rand) string { return pre("sha", "256~") + pick(r, wordChars, 43) }),
		f("readme-token", func(r *rand.Rand) string {
			return pre("rd", "me_") + pick(r, lowerChars+digitChars, 36) + pick(r, lowerChars+digitChars, 34)
		}),
		f("duffel-token", func(r *rand.Rand) string { return pre("duffel", "_live_") + pick(r, alnumChars, 43) }),
		f("easypost-key", func(r *rand.Rand) string { return pre("EZ", "AK") + pick(r, alnumChars, 54) }),
	}
}
