// Package slackbot is rotor's /rotate slash command: request signature
// verification (any of several signing secrets, so rotor's own Slack secret
// rotates without downtime), a deterministic parser from command text to a
// rotation request, and the Block Kit message a finished runbook is posted as.
package slackbot

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// ErrBadSignature covers forged, stale and missing signatures alike.
var ErrBadSignature = errors.New("slack: request signature is missing, invalid or stale")

// Verify checks X-Slack-Signature (v0) over the raw body against every
// signing secret, within Slack's 5-minute timestamp window.
func Verify(header http.Header, body []byte, secrets []string) error {
	if header.Get("X-Slack-Signature") == "" || header.Get("X-Slack-Request-Timestamp") == "" {
		return ErrBadSignature
	}
	for _, s := range secrets {
		v, err := slack.NewSecretsVerifier(header, s)
		if err != nil {
			// Stale or malformed timestamp: no secret can help.
			return ErrBadSignature
		}
		if _, err := v.Write(body); err != nil {
			return ErrBadSignature
		}
		if v.Ensure() == nil {
			return nil
		}
	}
	return ErrBadSignature
}

// AllowedResponseURL reports whether rotor may POST to a response_url: an
// https URL with no user information on one of the allowed hosts, at the
// port that entry names ("host:port") or, when it names none, the default
// port. Plain http is allowed for listed loopback hosts only (tests).
func AllowedResponseURL(raw string, hosts []string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return false
	}
	host, port := u.Hostname(), u.Port()
	loopback := host == "127.0.0.1" || host == "localhost" || host == "::1"
	defaultPort := ""
	switch {
	case u.Scheme == "https":
		defaultPort = "443"
	case u.Scheme == "http" && loopback:
		defaultPort = "80"
	default:
		return false
	}
	if port == "" {
		port = defaultPort
	}
	for _, entry := range hosts {
		h, p := entry, defaultPort
		if eh, ep, err := net.SplitHostPort(entry); err == nil {
			h, p = eh, ep
		}
		if strings.EqualFold(host, h) && port == p {
			return true
		}
	}
	return false
}

// Help is the usage text of /rotate.
const Help = "*Usage:* `/rotate <secrets> for <system> [after a leak | offboarding | scheduled | vendor breach | compliance] [in <environments>]`\n" +
	"Example: `/rotate Stripe webhook signing secret, SendGrid API key and Postgres app password for Acme Payments in staging, production`\n" +
	"Options: `store=vault|aws_secrets_manager|...`, `deploy=kubernetes|ci_cd|...`, `owner=<team>`. " +
	"Never paste a secret value: name the secret, rotor never needs its value."

// MaxTextChars bounds the command text (Slack itself caps it well below).
const MaxTextChars = 4000

// Parse reads a /rotate command. help is true for "help" or an empty text;
// otherwise it returns a request that passed Validate, or a validation error
// with the problems. defaultSystem names the system when the text does not
// (the channel, say).
func Parse(text, defaultSystem string) (req *runbook.Request, help bool, err error) {
	text = strings.TrimSpace(text)
	if text == "" || strings.EqualFold(text, "help") {
		return nil, true, nil
	}
	if utf8.RuneCountInString(text) > MaxTextChars {
		return nil, false, &runbook.ValidationError{Fields: []runbook.FieldError{{Path: "text", Problem: fmt.Sprintf("is longer than %d characters", MaxTextChars)}}}
	}
	// The prose is read by intake (its lexicon/command.yaml): options, the
	// system, the trigger, environments, secrets and constraints.
	cmd := intake.ReadCommand(text)
	opts := cmd.Options
	req = &runbook.Request{System: opts["system"], Environments: cmd.Environments, Constraints: cmd.Constraints}
	if req.System == "" {
		req.System = cmd.System
	}
	if req.System == "" {
		req.System = defaultSystem
	}
	req.Trigger = cmd.Trigger
	if t := opts["trigger"]; t != "" {
		req.Trigger = runbook.Trigger(strings.ToLower(t))
	}
	if st := opts["store"]; st != "" {
		req.SecretStore, _ = runbook.CanonicalStore(strings.ToLower(st))
	}
	for _, d := range strings.Split(opts["deploy"], ",") {
		if d = strings.TrimSpace(strings.ToLower(d)); d != "" {
			req.Deployment = append(req.Deployment, runbook.Deployment(d))
		}
	}
	for _, name := range cmd.Secrets {
		req.Secrets = append(req.Secrets, runbook.Secret{Name: name, Owner: opts["owner"], Exposure: cmd.Exposure})
	}
	if len(req.Secrets) == 0 {
		return nil, false, &runbook.ValidationError{Fields: []runbook.FieldError{{Path: "text",
			Problem: "no secret named: name each one with what it is (\"Stripe webhook signing secret\", \"Postgres app password\")"}}}
	}
	if err := req.Validate(); err != nil {
		return nil, false, err
	}
	return req, false, nil
}
