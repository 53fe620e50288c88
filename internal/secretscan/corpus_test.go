package secretscan

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp/syntax"
	"sort"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/secretscan/secrettest"
)

// pair is two texts screened together, as two fields of one request.
type pair struct {
	A string `json:"a"`
	B string `json:"b"`
}

// screenTexts screens a disguise's text, or its two texts as two fields.
func (s *Scanner) screenTexts(texts []string) []Hit {
	if len(texts) == 2 {
		return s.Scan("", pair{texts[0], texts[1]})
	}
	return s.ScanValue("x", texts[0])
}

// TestCorpusEveryFormatInEveryDisguise generates each credential format of
// the corpus and wraps it in each disguise (trailing punctuation, invisible
// and directional characters, lookalike letters, fullwidth forms, base64,
// URL encoding, spaces, two fields): every one is refused, and no hit
// carries the value.
func TestCorpusEveryFormatInEveryDisguise(t *testing.T) {
	s := newScanner(t)
	r := rand.New(rand.NewPCG(12, 1))
	formats, disguises := secrettest.Formats(), secrettest.Disguises()
	if len(formats) < 60 {
		t.Fatalf("the corpus has %d formats, want at least 60", len(formats))
	}
	missed := map[string][]string{}
	for _, f := range formats {
		for _, d := range disguises {
			secret := f.Gen(r)
			texts := d.Apply(r, secret)
			hits := s.screenTexts(texts)
			if len(Refusals(hits)) == 0 {
				missed[d.Name] = append(missed[d.Name], f.Name)
			}
			b, _ := json.Marshal(hits)
			if strings.Contains(string(b), secret) {
				t.Errorf("%s/%s: a hit carries the value", f.Name, d.Name)
			}
		}
	}
	n := 0
	for d, fs := range missed {
		n += len(fs)
		t.Errorf("disguise %s: %d formats accepted: %s", d, len(fs), strings.Join(fs, ", "))
	}
	if n > 0 {
		t.Errorf("%d of %d disguised secrets accepted", n, len(formats)*len(disguises))
	}
}

// benignCorpus is the benign texts (five draws, near-misses included) and
// the lines of the shipped requests, eval cases, README and OpenAPI.
func benignCorpus(t *testing.T, r *rand.Rand) []string {
	t.Helper()
	var texts []string
	for range 5 {
		texts = append(texts, secrettest.BenignTexts(r)...)
	}
	for _, pattern := range []string{"../../eval/requests/*.json", "../../eval/cases/*.yaml", "../../README.md", "../../api/openapi.yaml"} {
		m, _ := filepath.Glob(pattern)
		for _, f := range m {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			texts = append(texts, strings.Split(string(data), "\n")...)
		}
	}
	return texts
}

// TestCorpusBenignTextsAreNotRefused: the benign corpus (ids, hashes, paths,
// URLs without credentials, placeholders, and the prefix rule's near-misses:
// prefixes in prose, placeholders after a prefix, names that start like
// one, other vendors' ids, UUIDs, SHAs and hashes named as such), the
// shipped requests, eval cases and README, and generated realistic
// requests: zero refusals.
func TestCorpusBenignTextsAreNotRefused(t *testing.T) {
	s := newScanner(t)
	r := rand.New(rand.NewPCG(7, 7))
	texts := benignCorpus(t, r)
	refused := 0
	for _, text := range texts {
		if hits := Refusals(s.ScanValue("x", text)); len(hits) > 0 {
			refused++
			t.Errorf("benign text refused (%+v): %q", hits, text)
		}
	}
	requests := secrettest.BenignRequests(r, 200)
	for _, body := range requests {
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		if hits := Refusals(s.Scan("", v)); len(hits) > 0 {
			refused++
			t.Errorf("benign request refused (%+v): %s", hits, body)
		}
	}
	t.Logf("%d benign texts (%d near-misses a draw) and %d benign requests: %d refused", len(texts), len(secrettest.NearMisses(r)), len(requests), refused)
}

// TestNormalisingScreenCases names the disguises the issue reported, each
// with a value built at run time.
func TestNormalisingScreenCases(t *testing.T) {
	s := newScanner(t)
	gh := "gh" + "p_" + strings.Repeat("aB3dE5fG7h", 4)[:36]
	stripe := "sk" + "_live_" + strings.Repeat("Zq8vL2mN4x", 3)
	for _, tt := range []struct{ name, text string }{
		{"full stop after a token", "our key is " + stripe + " ."},
		{"token ending a sentence", "our key is " + stripe + "."},
		{"closing bracket", "(see " + stripe + ")"},
		{"Cyrillic р in the prefix", "token " + strings.Replace(gh, "p", "р", 1)},
		{"zero-width space inside", "token " + gh[:6] + "\u200b" + gh[6:]},
		{"right-to-left override inside", gh[:10] + "\u202e" + gh[10:]},
		{"fullwidth letters", "ｇｈｐ＿" + gh[4:]},
		{"base64", base64.StdEncoding.EncodeToString([]byte(stripe))},
		{"URL-encoded", "q=" + url.QueryEscape(stripe+"&")},
		{"split by spaces", gh[:8] + " " + gh[8:20] + " " + gh[20:]},
		{"split by spaces after its variable's name", "NPM_TOKEN " + "npm_" + "Xq7LmP2v Rt9KwZ3n B8cY4dF6 gH1jS5aE0uIo"},
		{"split by spaces after a settled name", "GITHUB_TOKEN " + gh[:8] + " " + gh[8:20] + " " + gh[20:]},
		{"empty user in a URL", "redis://:" + "Xk29fLq77" + "Pw0d@cache:6379"},
		{"password assignment", "password=" + "Tr0ub4dor&3xQ"},
		{"aws secret assignment", "aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ9Xk2Lm4P"},
		{"Azure AccountKey", "AccountName=acme;AccountKey=" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k3y!", 16))) + ";"},
		{"Datadog key", "DD_API_KEY: " + "0f1e2d3c4b5a69788796a5b4c3d2e1f0"},
		{"Mailgun key", "key-" + "0f1e2d3c4b5a69788796a5b4c3d2e1f0"},
		{"Docker Hub token", "dckr_pat_" + "Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9"},
		{"Heroku key in an assignment", "HEROKU_API_KEY=" + "3f2a9c1d-7b4e-4e0a-9c8d-1a2b3c4d5e6f"},
		{"Twilio auth token", "TWILIO_AUTH_TOKEN=" + "0f1e2d3c4b5a69788796a5b4c3d2e1f0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(Refusals(s.ScanValue("x", tt.text))) == 0 {
				t.Errorf("accepted: %q", tt.text)
			}
		})
	}
}

// TestVariableNamesAcrossFieldsAreNotRefused: a field that ends naming an
// environment variable in prose, and the next field's capitalised words
// (held-out h5: "…the CI variable NPM_TOKEN in CircleCI." then "SendGrid API
// key" was refused as an npm token, read together as one body).
func TestVariableNamesAcrossFieldsAreNotRefused(t *testing.T) {
	s := newScanner(t)
	req := map[string]any{"secrets": []any{
		map[string]any{"name": "npm publish token", "notes": "Stored as the CI variable NPM_TOKEN in CircleCI."},
		map[string]any{"name": "SendGrid API key", "notes": "GitLab CI reads SENDGRID_API_KEY. DockerHub is next."},
	}}
	// A placeholder ending one field and a digest starting another: the
	// key glued across them ("…TokenHere" + "sha256") is no key (a draw
	// of the benign requests, once the near-misses above were added).
	req["constraints"] = []any{"sha256:15a75cbd72841d0051d18ebc21d42869328a2a959482156d3f448295e3b6597a is the image digest.",
		"GITHUB_PAT=ghp_YourPersonalAccessTokenHere"}
	if hits := Refusals(s.Scan("", req)); len(hits) > 0 {
		t.Errorf("refused: %+v", hits)
	}
}

// TestAssignmentsNeedACredentialKeyAndValue: the assignment rule refuses a
// credential's key with a credential's value, and nothing else.
func TestAssignmentsNeedACredentialKeyAndValue(t *testing.T) {
	for _, tt := range []struct {
		text   string
		refuse bool
	}{
		{"password=Tr0ub4dor&3xQ", true},
		{`"client_secret": "q8Hf2LmZ0pXv7Rn4Kd9Ws1Tb"`, true},
		{"Authorization: Bearer q8Hf2LmZ0pXv7Rn4Kd9Ws1TbYc3E", true},
		{"password=${DB_PASSWORD}", false},
		{"password: <from vault>", false},
		{"token_ttl=86400", false},
		{"secret_name: billing-stripe-key-v2", false},
		{"key_id=mrk-1234abcd12ab34cd56ef1234567890ab", false},
		{"secret: kv/data/prod/billing/stripe", false},
		{"Secret: prod/billing/Stripe2024", false},
		{"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/stripe-AbC123", false},
		{"api_key=REDACTED", false},
		{"token: rotated quarterly by the Platform team", false},
		{"cache key = a8Fk39dLq02mZx7VbN4cR1tY6uI", false},
		{"github-actions-oidc-2024", false},
		{"password: github-actions-oidc-2024", false},
	} {
		if got := assignments(tt.text, nil); got != tt.refuse {
			t.Errorf("%q: refused = %v, want %v", tt.text, got, tt.refuse)
		}
	}
}

// TestScanJSONNeverPutsASecretKeyInAPath: a key that is itself a secret
// is refused and replaced in every path by <field name>.
func TestScanJSONNeverPutsASecretKeyInAPath(t *testing.T) {
	s := newScanner(t)
	key := "gh" + "p_" + strings.Repeat("Zx9Yw8Vu7T", 4)[:36]
	val := "sk" + "_live_" + strings.Repeat("Qa1Ws2Ed3R", 3)
	hits := s.ScanJSON([]decode.JSONString{
		{Path: "system", Value: "Billing"},
		{Path: key, Value: key, Key: true},
		{Path: key + ".notes", Value: "notes", Key: true},
		{Path: key + ".notes", Value: "the value is " + val},
	})
	b, _ := json.Marshal(hits)
	if strings.Contains(string(b), key) || strings.Contains(string(b), val) {
		t.Fatalf("a hit repeats a value: %s", b)
	}
	paths := map[string]bool{}
	for _, h := range Refusals(hits) {
		paths[h.Path] = true
	}
	if !paths["<field name>"] || !paths["<field name>.notes"] {
		t.Errorf("hits %+v", hits)
	}
}

// TestVariantsAreBounded: a text made to multiply its variants (random
// machine-made groups between words, 256 KiB of them) costs a bounded
// multiple of itself, and a secret split by spaces after such padding is
// still found (the fuzzer found the unbounded case: a run per group).
func TestVariantsAreBounded(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b strings.Builder
	for b.Len() < 256<<10 {
		for range 8 {
			b.WriteByte(alnum[r.IntN(len(alnum))])
		}
		b.WriteString("7 xyz ")
	}
	text := b.String()
	pieces, joined, _ := derive(text, true, nil)
	if n := len(pieces) + len(joined); n > deriveLimit(len(text)) {
		t.Errorf("%d bytes of variants for %d of text", n, len(text))
	}
	s := newScanner(t)
	padded := text[:1500] + " gh" + "p_R8cK xq2W m9Lz T4vN 7pBf Y3hJ 6sD1 aG5e U0iO"
	if len(Refusals(s.ScanValue("x", padded))) == 0 {
		t.Error("a split token after padding was not found")
	}
}

// knownPrefixes is every prefix the screen knows, as corpus formats: the
// corpus' own (secrettest.PrefixedFormats, with documented older formats),
// then each other prefix read from gitleaks' rules, its body today the
// rule's shortest match after the prefix in the characters of the rule's
// classes.
func knownPrefixes(t *testing.T, s *Scanner) []secrettest.Prefixed {
	t.Helper()
	formats := secrettest.PrefixedFormats()
	have := map[string]bool{}
	for _, f := range formats {
		have[strings.ToLower(f.Prefix)] = true
	}
	for _, p := range s.prefixes.all {
		if have[strings.ToLower(p.text)] {
			continue
		}
		r, ok := s.det.Config.Rules[p.source]
		if !ok || r.Regex == nil {
			t.Fatalf("prefix %q: no corpus format and no gitleaks rule %q to read one from", p.text, p.source)
		}
		re, err := syntax.Parse(r.Regex.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		alphabet := classChars(re)
		if alphabet == "" {
			alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
		}
		formats = append(formats, secrettest.Prefixed{Name: p.source + "/" + p.text, Prefix: p.text, Alphabet: alphabet,
			Len: max(secrettest.MinBody, minLen(re)-len(p.text))})
	}
	return formats
}

// minLen is the length of the shortest match of re.
func minLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpPlus:
		return minLen(re.Sub[0])
	case syntax.OpRepeat:
		return re.Min * minLen(re.Sub[0])
	case syntax.OpConcat:
		n := 0
		for _, sub := range re.Sub {
			n += minLen(sub)
		}
		return n
	case syntax.OpAlternate:
		n := -1
		for _, sub := range re.Sub {
			if m := minLen(sub); n < 0 || m < n {
				n = m
			}
		}
		return max(n, 0)
	}
	return 0
}

// classChars are the body characters of re's character classes.
func classChars(re *syntax.Regexp) string {
	seen := map[byte]bool{}
	var walk func(*syntax.Regexp)
	walk = func(re *syntax.Regexp) {
		if re.Op == syntax.OpCharClass {
			for i := 0; i+1 < len(re.Rune); i += 2 {
				for r := re.Rune[i]; r <= re.Rune[i+1] && r < 0x80; r++ {
					if bodyByte(byte(r)) {
						seen[byte(r)] = true
					}
				}
			}
		}
		for _, sub := range re.Sub {
			walk(sub)
		}
	}
	walk(re)
	var b []byte
	for c := range seen {
		b = append(b, c)
	}
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	return string(b)
}

// shortStride thins the corpus's products under go test -short.
const shortStride = 4

// TestCorpusEveryPrefixAtEveryLength generates a credential for every
// prefix the screen knows at today's body length, 25 % shorter, 50 % longer
// and in an older format, in every disguise and in ordinary sentences
// ending with punctuation: every one is refused, and no hit carries the
// value.
func TestCorpusEveryPrefixAtEveryLength(t *testing.T) {
	s := newScanner(t)
	r := rand.New(rand.NewPCG(22, 24))
	disguises := append(secrettest.Disguises(), secrettest.ProseSentences()...)
	formats := knownPrefixes(t, s)
	type cell struct{ prefix, variant string }
	missed := map[cell][]string{}
	// -short tries each prefix and length in every shortStride-th disguise
	// (shifted along, so every disguise still meets every prefix at some
	// length); the full run tries them all.
	stride := 1
	if testing.Short() {
		stride = shortStride
	}
	n, k := 0, 0
	for _, p := range formats {
		for _, v := range p.Variants() {
			k++
			for di, d := range disguises {
				if (k+di)%stride != 0 {
					continue
				}
				n++
				secret := v.Gen(r)
				hits := s.screenTexts(d.Apply(r, secret))
				if len(Refusals(hits)) == 0 {
					c := cell{p.Name, v.Name}
					missed[c] = append(missed[c], d.Name)
				}
				if b, _ := json.Marshal(hits); strings.Contains(string(b), secret) {
					t.Errorf("%s/%s/%s: a hit carries the value", p.Name, v.Name, d.Name)
				}
			}
		}
	}
	accepted := 0
	for c, ds := range missed {
		accepted += len(ds)
		t.Errorf("%s at %s: accepted in %d disguises: %s", c.prefix, c.variant, len(ds), strings.Join(ds, ", "))
	}
	t.Logf("%d prefixes x 4 lengths x %d disguises (1 in %d) = %d credentials, %d accepted", len(formats), len(disguises), stride, n, accepted)
}

// TestIssueExamplesByPrefix are issue 22's examples: an sk-proj- token with
// a 48-character body and an hvs. token with a 24-character body (Vault's
// older length), each in a sentence ending with . , ) : ! ?
func TestIssueExamplesByPrefix(t *testing.T) {
	s := newScanner(t)
	r := rand.New(rand.NewPCG(48, 24))
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for _, tok := range []struct{ name, value string }{
		{"sk-proj- with a 48-character body", "sk" + "-proj-" + secrettest.Body(r, alnum, 48)},
		{"hvs. with a 24-character body", "hv" + "s." + secrettest.Body(r, alnum, 24)},
	} {
		for _, d := range secrettest.ProseSentences() {
			t.Run(tok.name+"/"+d.Name, func(t *testing.T) {
				text := d.Apply(r, tok.value)[0]
				if len(Refusals(s.ScanValue("x", text))) == 0 {
					t.Errorf("accepted: a %s", tok.name)
				}
			})
		}
	}
}
