package secretscan

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/rotor-dev/rotor/internal/secretscan/secrettest"
)

// TestPrefixesReadFromGitleaks: the prefixes of issue 22 are known, read
// from gitleaks' rules or prefixes.txt, and no prefix a hash or a word can
// start with is.
func TestPrefixesReadFromGitleaks(t *testing.T) {
	s := newScanner(t)
	known := map[string]string{}
	for _, p := range s.prefixes.all {
		known[p.text] = p.source
	}
	for _, want := range []string{"sk-", "sk-proj-", "sk_live_", "rk_live_", "whsec_", "hvs.", "hvb.", "s.", "ghp_", "gho_", "ghs_",
		"github_pat_", "glpat-", "xoxb-", "xoxp-", "AKIA", "ASIA", "AIza", "SG.", "dckr_pat_", "npm_"} {
		if _, ok := known[want]; !ok {
			t.Errorf("prefix %q is not known", want)
		}
	}
	for _, never := range []string{"curl", "http", "ey", "SK", "4b1d", "ACCA", "EAAA"} {
		if src, ok := known[never]; ok {
			t.Errorf("prefix %q (from %s) is known: a command, a scheme, a word's or a hash's start", never, src)
		}
	}
	if len(known) < 150 {
		t.Errorf("%d prefixes, want 150 or more", len(known))
	}
	t.Logf("%d prefixes", len(known))
}

// TestRegexPrefixes reads the literal starts of expressions.
func TestRegexPrefixes(t *testing.T) {
	for _, tt := range []struct {
		expr string
		want []string
	}{
		{`ghp_[0-9a-zA-Z]{36}`, []string{"ghp_"}},
		{`\b(A(?:3T[A-Z0-9]|KIA|SIA)[A-Z2-7]{16})\b`, []string{"A3T", "AKIA", "ASIA"}},
		{`xox[pe](?:-[0-9]{10,13}){3}`, []string{"xoxe-", "xoxp-"}},
		{`\b(sk-(?:(?:proj|admin)-[\w-]{58}|[a-zA-Z0-9]{20}T3BlbkFJ))`, []string{"sk-proj-", "sk-admin-", "sk-"}},
		{`(?i)\b(NPM_[a-z0-9]{36})`, []string{"npm_"}},
		{`(?i)[\w.-]{0,50}?(?:algolia)[\s'"]{0,3}`, nil},
		{`(?:\A|[\s'"])([a-z0-9]{3}Q~[\w~.-]{31,34})`, nil},
	} {
		lits, err := regexPrefixes(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range lits {
			got = append(got, l.text)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// TestPrefixData: every prefix prefixes.txt adds is one gitleaks' rules do
// not give, and every one it drops is still read from them.
func TestPrefixData(t *testing.T) {
	det, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		t.Fatal(err)
	}
	derived, err := buildPrefixes(det.Config, "", bigramsFile)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, p := range derived.all {
		have[p.text] = true
	}
	d, err := parsePrefixData(prefixesFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.add {
		if have[p.text] {
			t.Errorf("prefixes.txt adds %q, which gitleaks' rules give", p.text)
		}
	}
	for p := range d.drop {
		if !have[p] {
			t.Errorf("prefixes.txt drops %q, which gitleaks' rules no longer give", p)
		}
	}
	for _, bad := range []string{"add", "add x", "keep sk- x", "add key- mailgun min=8", "add key- mailgun min=24 base64"} {
		if _, err := parsePrefixData(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestPrefixEntropyCalibration is how the entropy threshold was chosen. On
// the benign corpus (the benign texts with their near-misses, README, eval
// cases, OpenAPI), the bodies after a known prefix that are long enough,
// no placeholder and no name are the ones entropy decides: the threshold
// at their length sits above each of them. Random bodies of the least
// varied alphabet (hexadecimal; the others are further above) fall below
// it at most once in a thousand at every length from 16.
func TestPrefixEntropyCalibration(t *testing.T) {
	s := newScanner(t)
	x := s.prefixes
	r := rand.New(rand.NewPCG(7, 7))
	decided := map[string]bool{}
	for _, text := range benignCorpus(t, r) {
		x.each(text, func(_ int, p credPrefix, b string) bool {
			if len(b) >= p.minBody && !placeholderBody(b) && !x.wordy(b) && !decided[p.text+b] {
				decided[p.text+b] = true
				t.Logf("benign body decided by entropy: %d characters, %.2f bits (threshold %.2f)", len(b), entropy(b), bodyEntropy(len(b)))
				if entropy(b) >= bodyEntropy(len(b)) {
					t.Errorf("a benign body of %d characters has %.2f bits per character, the threshold is %.2f", len(b), entropy(b), bodyEntropy(len(b)))
				}
			}
			return true
		})
	}
	if len(decided) == 0 {
		t.Fatal("no benign body is decided by entropy: the threshold has nothing to stand on")
	}
	const n = 20000
	for _, length := range []int{16, 20, 24, 32, 48} {
		below := 0
		for range n {
			if entropy(secrettest.Body(r, "0123456789abcdef", length)) < bodyEntropy(length) {
				below++
			}
		}
		t.Logf("hex, %d characters: %d of %d random bodies below %.2f bits", length, below, n, bodyEntropy(length))
		if below*1000 > n {
			t.Errorf("hex, %d characters: %d of %d random bodies below the threshold", length, below, n)
		}
	}
}
