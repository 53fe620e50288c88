package main

import (
	"testing"
)

// alterSig returns sig with its first character replaced by a different
// one, so the altered link is always a different link. Setting the first
// character to a fixed value did nothing when the signature already began
// with it (1 run in 64), and TestContract then got 200 for its "altered link".
func alterSig(sig string) string {
	if sig[0] == 'A' {
		return "B" + sig[1:]
	}
	return "A" + sig[1:]
}

// TestAlterSigAlwaysAlters: whatever character a signature begins with,
// the altered one differs from it.
func TestAlterSigAlwaysAlters(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for _, c := range alphabet {
		sig := string(c) + "TcdQ14raL7UcLRDrUZCZuET9HH5GPnVNW8PSMpWC2Q"
		if got := alterSig(sig); got == sig || len(got) != len(sig) {
			t.Errorf("alterSig(%q) = %q: not altered", sig, got)
		}
	}
}
