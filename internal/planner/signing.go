package planner

import (
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Placeholders of the token signing-key entries the planner fills.
const (
	// phKeygen is the command that generates the new key, for the
	// algorithm the name or notes give (HS256, RS256, ES256, EdDSA).
	phKeygen = "<keygen>"
	// phJWKSCache is how long the verifiers cache the JWKS.
	phJWKSCache = "<jwks-cache-time>"
)

// keygen is the command that generates a new key of a JWS algorithm, or
// every usual one when the request names none.
func keygen(alg string) string {
	alg = strings.ToUpper(alg)
	curve := map[string]string{"256": "P-256", "384": "P-384", "512": "P-521"}
	hexLen := map[string]string{"256": "32", "384": "48", "512": "64"}
	switch {
	case alg == "EDDSA" || alg == "ED25519":
		return "for EdDSA `openssl genpkey -algorithm ED25519`"
	case len(alg) == 5 && alg[:2] == "HS":
		return fmt.Sprintf("for %s `openssl rand -hex %s`", alg, hexLen[alg[2:]])
	case len(alg) == 5 && (alg[:2] == "RS" || alg[:2] == "PS"):
		return fmt.Sprintf("for %s `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`", alg)
	case len(alg) == 5 && alg[:2] == "ES":
		return fmt.Sprintf("for %s `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:%s`", alg, curve[alg[2:]])
	}
	return "for HS256 `openssl rand -hex 32`; for RS256 `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`; for ES256 `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`"
}

// signingKeys fills what the token signing-key entries leave to the
// request: the command for the key's algorithm and the verifiers' JWKS
// cache time. A JWKS whose cache time the request does not give is asked
// at the top, and the switch waits for the answer: the issuer may sign
// with the new kid only once every verifier's cached JWKS lists it.
func signingKeys(f *Facts) {
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if s.Entry == nil || s.Kind != runbook.KindSigningKey && !runbook.OneOf(s.Entry.Kinds, runbook.KindSigningKey) {
			continue
		}
		if s.Values == nil {
			s.Values = map[string]string{}
		}
		if _, ok := s.Values[phKeygen]; !ok {
			s.Values[phKeygen] = keygen(intake.JWSAlgorithm(s.Name + " " + s.Notes))
		}
		askKeyOrSecret(f, s)
		if !s.Entry.JWKS {
			continue
		}
		if t := intake.JWKSCacheTime(s.Notes); t != "" {
			s.Values[phJWKSCache] = t
			continue
		}
		_, verifier := RoleNames(s)
		blocks := phaseSteps(f, s.ID, runbook.PhaseSwitch)
		if len(blocks) == 0 {
			continue // contained at once: nothing waits for the cache
		}
		f.Raise(runbook.OpenItem{Source: "planner",
			Text: s.Name + ": how long do the verifiers cache the JWKS?",
			Question: fmt.Sprintf("How long do %s cache the JWKS (their cache time or refresh interval)? The issuer may sign with the new kid only once every cached copy lists it: the switch (%s) waits that long after the new kid is published, and the steps show %s until then.",
				verifier, stepList(blocks), phJWKSCache),
			Blocks: blocks})
	}
}

// askKeyOrSecret asks whether an asymmetric signing key kept in Azure Key
// Vault, which holds keys as well as secrets, is a Key Vault key or a
// private key stored as a secret, when the request does not say: the
// steps read it as a secret (rotor's entry for a key in a KMS needs the
// words), and the create steps wait, since generating a private key an
// operator handles is wrong for a key that never leaves the vault.
func askKeyOrSecret(f *Facts, s *Secret) {
	if s.Store != runbook.StoreAzureKeyVault || !s.Entry.IsStored() || strings.HasPrefix(intake.JWSAlgorithm(s.Name+" "+s.Notes), "HS") {
		return
	}
	blocks := phaseSteps(f, s.ID, runbook.PhaseCreate)
	if len(blocks) == 0 {
		return
	}
	f.Raise(runbook.OpenItem{Source: "planner",
		Text: s.Name + ": a Key Vault key or a private key stored as a Key Vault secret?",
		Question: fmt.Sprintf("Is %s a Key Vault key (created and used inside Key Vault, never exported: then its new version is created with `az keyvault key rotate`, only its public half is published, and the old version is disabled) or a private key stored as a Key Vault secret (the steps below)? %s wait for the answer: an operator must not generate a private key for a key that never leaves the vault. If it is a key, say so in its notes (\"a Key Vault key\").",
			s.Name, upperFirstWord(stepList(blocks))),
		Blocks: blocks})
}
