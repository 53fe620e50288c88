package slackbot

import (
	"errors"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// FuzzParse feeds arbitrary command text to the parser: it never panics, and
// what it accepts is a valid request.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"help",
		"",
		"Stripe webhook signing secret, SendGrid API key and Postgres app password for Acme Payments in staging, production",
		"rotate the GitHub token we pushed to a public gist for Orbit CI",
		"offboarding: Vault tokens of the departing DBA and the Postgres admin password for Ledger Core",
		`system="Card Vault" store=aws_secrets_manager deploy=kubernetes,ci_cd KMS key and mTLS certificate`,
		"for for for in in , , and and key",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		req, help, err := Parse(text, "#fuzz")
		switch {
		case help:
			if req != nil || err != nil {
				t.Fatal("help with a request or an error")
			}
		case err != nil:
			var ve *runbook.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("error without fields: %v", err)
			}
		default:
			if req == nil || len(req.Secrets) == 0 {
				t.Fatal("no request and no error")
			}
			if verr := req.Validate(); verr != nil {
				t.Fatalf("accepted an invalid request: %v", verr)
			}
		}
	})
}
