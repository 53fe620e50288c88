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
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

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

var (
	kvRE       = regexp.MustCompile(`(?i)\b(system|store|deploy|owner|trigger)=("[^"]*"|\S+)`)
	forRE      = regexp.MustCompile(`(?i)\bfor\s+(.+?)(?:\s+(?:after|because|due|following|in|on|from)\b|[.;]|$)`)
	inEnvRE    = regexp.MustCompile(`(?i)\b(?:in|on)\s+((?:dev|development|qa|test|staging|stage|prod|production|preprod|uat|sandbox)(?:\s*(?:,|and)\s*(?:dev|development|qa|test|staging|stage|prod|production|preprod|uat|sandbox))*)\b`)
	envWordRE  = regexp.MustCompile(`(?i)\b(dev|development|qa|test|staging|stage|prod|production|preprod|uat|sandbox)\b`)
	splitRE    = regexp.MustCompile(`(?i)\s*(?:,|;|\band\b|\+)\s*`)
	secretHint = regexp.MustCompile(`(?i)\b(key|keys|secret|secrets|token|tokens|password|passwords|passwd|credential|credentials|creds|certificate|cert|pat)\b`)
)

// triggers are recognised in the order given: the first match wins.
var triggers = []struct {
	re *regexp.Regexp
	t  runbook.Trigger
}{
	{regexp.MustCompile(`(?i)\b(suspected|possible|possibly|maybe|might have)\b.*\b(leak|leaked|exposed|exposure|compromised?)\b`), runbook.TriggerSuspectedLeak},
	{regexp.MustCompile(`(?i)\b(leak|leaked|exposed|exposure|compromised?|pushed|committed|pasted)\b`), runbook.TriggerConfirmedLeak},
	{regexp.MustCompile(`(?i)\b(offboarding|offboard|leaver|left the company|departure|departing|quit)\b`), runbook.TriggerOffboarding},
	{regexp.MustCompile(`(?i)\b(vendor|breach|third[- ]party incident)\b`), runbook.TriggerVendorChange},
	{regexp.MustCompile(`(?i)\b(compliance|pci|soc ?2|iso ?27001|audit|cryptoperiod)\b`), runbook.TriggerCompliance},
	{regexp.MustCompile(`(?i)\b(scheduled|routine|quarterly|monthly|yearly|annual|rotation)\b`), runbook.TriggerScheduled},
}

var publicRE = regexp.MustCompile(`(?i)\b(public|github|gist|pastebin|stack ?overflow|internet|npm package|docker hub)\b`)

var stopWords = map[string]bool{
	"the": true, "a": true, "an": true, "of": true, "for": true, "our": true, "my": true, "their": true, "his": true, "her": true,
	"rotate": true, "replace": true, "roll": true, "renew": true, "please": true, "possible": true, "possibly": true, "suspected": true,
	"confirmed": true, "leak": true, "leaked": true, "exposure": true, "exposed": true, "rotation": true, "scheduled": true,
	"quarterly": true, "monthly": true, "annual": true, "yearly": true, "routine": true, "offboarding": true, "breach": true,
	"compliance": true, "urgent": true, "urgently": true, "now": true, "all": true, "both": true, "we": true, "that": true, "which": true,
}

// secretName extracts a secret's name from a part of the command, or "".
func secretName(part string) string {
	tokens := strings.Fields(part)
	last := -1
	for i, tok := range tokens {
		if secretHint.MatchString(strings.Trim(tok, ".,:;!?()\"'")) {
			last = i
		}
	}
	if last < 0 {
		return ""
	}
	first := last
	for first > 0 {
		prev := tokens[first-1]
		if strings.HasSuffix(prev, ":") || stopWords[strings.ToLower(strings.Trim(prev, ".,;!?()\"'"))] {
			break
		}
		first--
	}
	return strings.Trim(strings.Join(tokens[first:last+1], " "), " .,:;!?()\"'")
}

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
	req = &runbook.Request{}
	rest := text
	opts := map[string]string{}
	for _, m := range kvRE.FindAllStringSubmatch(text, -1) {
		opts[strings.ToLower(m[1])] = strings.Trim(m[2], `"`)
	}
	rest = kvRE.ReplaceAllString(rest, " ")

	req.System = opts["system"]
	if req.System == "" {
		if m := forRE.FindStringSubmatch(rest); m != nil {
			req.System = strings.TrimSpace(m[1])
		}
	}
	if req.System == "" {
		req.System = defaultSystem
	}
	if m := forRE.FindStringSubmatchIndex(rest); m != nil && opts["system"] == "" {
		rest = rest[:m[0]] + " " + rest[m[3]:]
	}

	if t := opts["trigger"]; t != "" {
		req.Trigger = runbook.Trigger(strings.ToLower(t))
	} else {
		for _, tr := range triggers {
			if tr.re.MatchString(text) {
				req.Trigger = tr.t
				break
			}
		}
	}
	exposure := runbook.Exposure("")
	if req.Trigger.IsLeak() && publicRE.MatchString(text) {
		exposure = runbook.ExposurePublic
	}

	if m := inEnvRE.FindStringSubmatch(rest); m != nil {
		for _, e := range envWordRE.FindAllString(m[1], -1) {
			e = runbook.NormalizeEnv(e)
			if !runbook.OneOf(req.Environments, e) {
				req.Environments = append(req.Environments, e)
			}
		}
		rest = strings.Replace(rest, m[0], " ", 1)
	}
	if s := opts["store"]; s != "" {
		req.SecretStore = runbook.SecretStore(strings.ToLower(s))
	}
	for _, d := range strings.Split(opts["deploy"], ",") {
		if d = strings.TrimSpace(strings.ToLower(d)); d != "" {
			req.Deployment = append(req.Deployment, runbook.Deployment(d))
		}
	}

	// What is left names the secrets: split on commas and "and"; in each
	// part the name ends with its last secret word ("key", "token",
	// "password", ...) and starts after the last filler word before it.
	for _, part := range splitRE.Split(rest, -1) {
		if name := secretName(part); name != "" {
			req.Secrets = append(req.Secrets, runbook.Secret{Name: name, Owner: opts["owner"], Exposure: exposure})
		}
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
