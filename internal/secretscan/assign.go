package secretscan

import (
	"math"
	"strings"
)

// An assignment whose key names a credential ("password=…", "DD_API_KEY:
// …", "AccountKey=…", "aws_secret_access_key = …") and whose value has the
// make-up of a credential is a pasted secret whatever its format. gitleaks'
// generic rule sees these too but is too noisy to refuse on; this rule
// refuses, and stays quiet on references, placeholders and identifiers.

const ruleAssignment = "credential-assignment"

// credentialWords name a credential inside a key (lower case, separators
// removed).
var credentialWords = []string{"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "accesskey",
	"accountkey", "privatekey", "authkey", "signingkey", "masterkey", "credential", "authorization", "sharedaccesskey", "sastoken"}

// notCredential are last words of a key that name something about a
// credential rather than the credential: secret_name, token_ttl, key_id.
var notCredential = map[string]bool{"name": true, "names": true, "arn": true, "path": true, "paths": true, "url": true, "uri": true,
	"file": true, "ttl": true, "env": true, "var": true, "ref": true, "length": true, "len": true, "type": true, "version": true,
	"days": true, "age": true, "hash": true, "sha": true, "digest": true, "fingerprint": true, "id": true, "ids": true, "count": true,
	"policy": true, "role": true, "expiry": true, "expires": true, "rotation": true, "header": true, "field": true, "store": true,
	"engine": true, "mount": true, "prefix": true, "format": true, "at": true, "date": true, "owner": true, "manager": true}

func keyByte(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

// credentialKey reports whether an assignment's key names a credential.
func credentialKey(key string) bool {
	k := strings.ToLower(key)
	parts := strings.FieldsFunc(k, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	if len(parts) == 0 || notCredential[parts[len(parts)-1]] {
		return false
	}
	flat := strings.Join(parts, "")
	for _, w := range credentialWords {
		if strings.Contains(flat, w) {
			return true
		}
	}
	return false
}

// assignments reports whether text holds a credential assignment. A value
// after a known prefix that is a placeholder or a name
// (GITHUB_PAT=ghp_YourTokenHere) is not a credential's (x may be nil).
func assignments(text string, x *prefixIndex) bool {
	for i := 0; i < len(text); i++ {
		if text[i] != '=' && text[i] != ':' {
			continue
		}
		// The key: up to three spaces and a quote back, then key characters.
		k := i
		for n := 0; n < 3 && k > 0 && text[k-1] == ' '; n++ {
			k--
		}
		if k > 0 && strings.IndexByte(`"'`+"`", text[k-1]) >= 0 {
			k--
		}
		end := k
		for k > 0 && end-k < 128 && keyByte(text[k-1]) {
			k--
		}
		// A key inside a path or a name (arn:…:secret:…, kv/secret/…) is
		// not an assignment.
		if end-k < 3 || (k > 0 && strings.IndexByte(":/", text[k-1]) >= 0) || !credentialKey(text[k:end]) {
			continue
		}
		// The value: after "=>", ":=", spaces, a quote and an auth scheme.
		v := i + 1
		if v < len(text) && (text[v] == '>' || text[v] == '=') {
			v++
		}
		for n := 0; n < 3 && v < len(text) && text[v] == ' '; n++ {
			v++
		}
		if v < len(text) && strings.IndexByte(`"'`+"`", text[v]) >= 0 {
			v++
		}
		for _, scheme := range []string{"Bearer ", "bearer ", "Basic ", "Token ", "token "} {
			if strings.HasPrefix(text[v:], scheme) {
				v += len(scheme)
			}
		}
		e := v
		for e < len(text) && e-v <= 1024 && text[e] > ' ' && strings.IndexByte("\"'`<>;,", text[e]) < 0 {
			e++
		}
		if value := strings.TrimRight(text[v:e], ".:!?)]}"); credentialValue(value) && (x == nil || !x.notSecret(value)) {
			return true
		}
	}
	return false
}

// credentialValue reports whether a value has the make-up of a credential:
// long enough, varied enough, not a reference, placeholder or identifier.
func credentialValue(v string) bool {
	if len(v) < 8 || len(v) > 1024 {
		return false
	}
	l := strings.ToLower(v)
	switch {
	case strings.ContainsAny(v[:1], "<$%{*"), strings.Contains(v, "://"), strings.HasPrefix(l, "arn:"),
		strings.Contains(v, "..."), strings.Contains(v, "${"), strings.Contains(v, "{{"):
		return false
	}
	for _, p := range []string{"example", "redacted", "changeme", "placeholder", "xxxx", "****", "your_", "your-", "dummy", "sample"} {
		if strings.Contains(l, p) {
			return false
		}
	}
	if wordLike(v) || pathLike(v) {
		return false
	}
	k := classify(v)
	classes := k.count()
	if k.symbol {
		classes++
	}
	if entropy(v) < 3.0 {
		return false
	}
	return classes >= 3 || (classes >= 2 && len(v) >= 16) || (k.hex && k.digit && len(v) >= 16)
}

// kinds are the kinds of characters in a string.
type kinds struct {
	lower, upper, digit bool
	// symbol: any other character but the separators - _ . / :
	symbol bool
	// hex: hexadecimal digits and dashes only
	hex bool
	// other: a character that cannot be in a piece of a secret (glueByte)
	other bool
}

func classify(s string) kinds {
	k := kinds{hex: true}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			k.lower = true
		case c >= 'A' && c <= 'Z':
			k.upper = true
		case c >= '0' && c <= '9':
			k.digit = true
		case strings.IndexByte("-_./:", c) < 0:
			k.symbol = true
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			k.hex = false
		}
		if !isAlnum(c) && !glueByte(c) {
			k.other = true
		}
	}
	return k
}

// count is how many of lower case, upper case and digits there are.
func (k kinds) count() int {
	n := 0
	for _, b := range []bool{k.lower, k.upper, k.digit} {
		if b {
			n++
		}
	}
	return n
}

// wordLike reports whether a value is made of words (an identifier such as
// billing-stripe-key-v2 or kv/data/prod/stripe): every part between
// separators is letters only, a short number, or at most three characters.
func wordLike(v string) bool {
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune("-_./:@", r) }) {
		if len(part) <= 3 {
			continue
		}
		letters, digits := true, true
		for i := 0; i < len(part); i++ {
			c := part[i]
			letters = letters && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
			digits = digits && c >= '0' && c <= '9'
		}
		if !(letters && !mixedCase(part)) && !(digits && len(part) <= 4) {
			return false
		}
	}
	return true
}

// pathLike reports whether a value is a path to where a secret is kept
// (prod/billing/Stripe2024, kv/data/prod/stripe): three or more parts
// between slashes, all but the last lower-case names.
func pathLike(v string) bool {
	parts := strings.Split(v, "/")
	if len(parts) < 3 {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if p == "" || len(p) > 24 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if c := p[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return false
			}
		}
	}
	return true
}

// mixedCase reports letters whose case changes like a random string's
// (four or more capitals after small letters); camel-case words have fewer.
func mixedCase(s string) bool {
	changes := 0
	for i := 1; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' && s[i-1] >= 'a' && s[i-1] <= 'z' {
			changes++
		}
	}
	return changes >= 4
}

// entropy is the Shannon entropy of s in bits per byte.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}
