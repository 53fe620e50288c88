package intake

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// What a token signing key's name and notes say about its shape: the JWS
// algorithm ("RS256") and how long its verifiers cache the JWKS ("caches
// the JWKS for 6 hours").

// jwsAlgorithms are the JWS algorithms a name or notes may give.
var jwsAlgorithms = []string{"hs256", "hs384", "hs512", "rs256", "rs384", "rs512", "ps256", "ps384", "ps512",
	"es256", "es384", "es512", "eddsa", "ed25519"}

// JWSAlgorithm is the first JWS algorithm a text names, upper case
// ("RS256", "EDDSA"), or "".
func JWSAlgorithm(text string) string {
	for _, w := range words(text) {
		if slices.Contains(jwsAlgorithms, w) {
			return strings.ToUpper(w)
		}
	}
	return ""
}

// Words of a JWKS cache time.
var (
	jwksWords  = []string{"jwks", "jwk", "jwkset", "keyset"}
	cacheWords = []string{"cache", "caches", "cached", "caching", "ttl", "refresh", "refreshes", "refreshed", "refetch",
		"refetches", "refetched", "poll", "polls", "polled", "reload", "reloads", "reloaded", "fetch", "fetches", "fetched"}
	unitWords = map[string]string{"s": "second", "sec": "second", "secs": "second", "second": "second", "seconds": "second",
		"m": "minute", "min": "minute", "mins": "minute", "minute": "minute", "minutes": "minute",
		"h": "hour", "hr": "hour", "hrs": "hour", "hour": "hour", "hours": "hour", "d": "day", "day": "day", "days": "day"}
	countWords = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10,
		"twelve": 12, "fifteen": 15, "thirty": 30}
)

// JWKSCacheTime is how long a secret's notes say its verifiers cache the
// JWKS ("6 hours", "15 minutes"), or "" when they do not say. The time
// must follow a cache word ("caches", "TTL", "refreshes") in the same
// sentence as the JWKS, within a few words.
func JWKSCacheTime(notes string) string {
	for _, sentence := range sentences(notes) {
		ws := words(sentence)
		jwks := -1
		for i, w := range ws {
			if slices.Contains(jwksWords, w) || w == "key" && i+1 < len(ws) && ws[i+1] == "set" {
				jwks = i
				break
			}
		}
		if jwks < 0 {
			continue
		}
		for i, w := range ws {
			if !slices.Contains(cacheWords, w) || i < jwks-6 || i > jwks+8 {
				continue
			}
			// "fetches the JWKS" alone is not a cache time: the number
			// must come after the cache word, within a few words.
			for j := max(i, jwks) + 1; j < len(ws) && j <= max(i, jwks)+8; j++ {
				if n, unit, ok := duration(ws, j); ok {
					word := unit
					if n != 1 {
						word += "s"
					}
					return strconv.Itoa(n) + " " + word
				}
			}
		}
	}
	return ""
}

// duration reads a count and its unit at ws[i] ("6 hours", "an hour",
// "15m").
func duration(ws []string, i int) (int, string, bool) {
	w := ws[i]
	if n, err := strconv.Atoi(w); err == nil && i+1 < len(ws) {
		if u, ok := unitWords[ws[i+1]]; ok {
			return n, u, true
		}
	}
	if n, ok := countWords[w]; ok && i+1 < len(ws) {
		if u, ok := unitWords[ws[i+1]]; ok {
			return n, u, true
		}
	}
	// "6h", "15min": digits and a unit in one word.
	k := strings.IndexFunc(w, func(r rune) bool { return r < '0' || r > '9' })
	if k > 0 {
		if n, err := strconv.Atoi(w[:k]); err == nil {
			if u, ok := unitWords[w[k:]]; ok {
				return n, u, true
			}
		}
	}
	return 0, "", false
}

// sentences splits a note at sentence ends ('. ', ';', a line break),
// never inside a path or a URL ("/.well-known/jwks.json").
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		end := c == ';' || c == '\n' || c == '.' && (i+1 == len(text) || text[i+1] == ' ')
		if end {
			out = append(out, text[start:i])
			start = i + 1
		}
	}
	return append(out, text[start:])
}

// kmsWords say a signing key lives in a KMS or HSM: its private key never
// leaves it.
var kmsWords = [][]string{{"kms"}, {"hsm"}, {"key", "vault", "key"}, {"keyvault", "key"}, {"non", "exportable"}, {"nonexportable"},
	{"transit"}, {"managed", "hsm"}, {"cloud", "kms"}}

// kmsStores are the stores whose vendor also holds keys in a KMS, and
// that vendor's provider id.
var kmsStores = map[runbook.SecretStore]string{runbook.StoreAzureKeyVault: "azure", runbook.StoreVault: "vault",
	runbook.StoreAWSSecretsManager: "aws", runbook.StoreGCPSecretManager: "gcp"}

// kmsHeld reads a signing key the name or notes say lives in a KMS or HSM
// ("RS256 key in a Key Vault HSM", "signs through Vault transit") as its
// store vendor's KMS key, not a secret value: no operator generates or
// handles its private key (signing, #17).
func (n *Names) kmsHeld(r *Resolved, in runbook.Secret, path string, nameW, notesW []string) {
	// Only a token signing key rotor reads by its kind (the generic JWT
	// entries): a vendor's own key (a GitHub App private key) stays its own.
	if r.Kind != runbook.KindSigningKey || r.Entry == nil || !r.Entry.IsStored() || r.Entry.Provider() == nil || r.Entry.Provider().ID != "generic" {
		return
	}
	id, ok := kmsStores[in.SecretStore]
	p := n.cat.Provider(id)
	if !ok || p == nil {
		return
	}
	said := ""
	for _, ws := range [][]string{nameW, notesW} {
		for _, k := range kmsWords {
			if _, _, found := find(ws, strings.Join(k, "")); found && said == "" {
				said = strings.Join(k, " ")
			}
		}
	}
	if said == "" {
		return
	}
	e := n.cat.Match(p, r.Kind, in.SecretStore, r.Text)
	if e == nil || e.Provider() != p || e.IsStored() {
		return
	}
	r.Provider, r.Entry = p, e
	r.Assumptions = append(r.Assumptions, fmt.Sprintf("%s %q: its name or notes say %q: held in %s's KMS (%s), so a new key version is created there and no private key is generated or handled by an operator", path, in.Name, said, p.Name, e.ID))
}
