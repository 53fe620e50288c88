package runbook

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func fields(t *testing.T, err error) []FieldError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %T %v", err, err)
	}
	return ve.Fields
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	r := &Request{
		System:       "",
		Trigger:      "whenever",
		Environments: []string{"staging", "Prod", "production", "bad env!"},
		Deployment:   []Deployment{"kubernetes", "helm"},
		Secrets: []Secret{
			{Name: "Stripe key", Kind: "apikey", Environments: []string{"qa"}},
			{Name: "stripe KEY", Exposure: "leaked", Privilege: "root"},
			{Name: "  ", Consumers: []string{"api", ""}},
		},
		Services: []Service{{Name: "api", Criticality: "huge"}},
		Owners:   []Owner{{Name: "Sec", Role: "boss\x00"}},
	}
	want := []FieldError{
		{"system", "is required"},
		{"trigger", `"whenever" must be one of scheduled, suspected_leak, confirmed_leak, offboarding, vendor_change, compliance`},
		{"environments[2]", `duplicate environment "production"`},
		{"environments[3]", `"bad env!" must be a name of letters, digits, '-', '_' or '.'`},
		{"deployment[1]", `"helm" must be one of ci_cd, kubernetes, serverless, manual, vm`},
		{"secrets[0].kind", `"apikey" must be one of api_key, oauth_client_secret, webhook_signing_secret, webhook_url, database_password, token, cloud_access_key, ssh_key, tls_private_key, encryption_key, signing_key, other`},
		{"secrets[0].environments[0]", `"qa" is not one of the request's environments (staging, Prod, production, bad env!)`},
		{"secrets[1].name", `duplicate secret name "stripe KEY" (also secrets[0].name)`},
		{"secrets[1].exposure", `"leaked" must be one of public, third_party, internal, none, unknown`},
		{"secrets[1].privilege", `"root" must be one of read, write, admin`},
		{"secrets[2].name", "is required"},
		{"secrets[2].consumers[1]", "is required"},
		{"services[0].criticality", `"huge" must be one of high, medium, low`},
		{"owners[0].role", "contains control characters"},
	}
	if diff := cmp.Diff(want, fields(t, r.Validate())); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestValidateLimits(t *testing.T) {
	many := make([]Secret, MaxSecrets+1)
	for i := range many {
		many[i] = Secret{Name: fmt.Sprintf("key %d", i)}
	}
	consumers := make([]string, MaxConsumers+1)
	for i := range consumers {
		consumers[i] = fmt.Sprintf("svc-%d", i)
	}
	tests := []struct {
		name string
		req  Request
		want FieldError
	}{
		{"too many secrets", Request{System: "s", Secrets: many}, FieldError{"secrets", "has 101 entries, at most 100 are allowed"}},
		{"too many consumers", Request{System: "s", Secrets: []Secret{{Name: "a", Consumers: consumers}}}, FieldError{"secrets[0].consumers", "has 51 entries, at most 50 are allowed"}},
		{"text too long", Request{System: "s", Secrets: []Secret{{Name: "a", Notes: strings.Repeat("é", MaxTextChars+1)}}}, FieldError{"secrets[0].notes", "is 2001 characters long, at most 2000 are allowed"}},
		{"control characters", Request{System: "s\x00", Secrets: []Secret{{Name: "a"}}}, FieldError{"system", "contains control characters"}},
		{"no secrets", Request{System: "s"}, FieldError{"secrets", "at least one secret is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fields(t, tt.req.Validate())
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("got %v, want [%v]", got, tt.want)
			}
		})
	}
	ok := Request{System: "s", Secrets: []Secret{{Name: "a", Notes: strings.Repeat("x", MaxTextChars), Consumers: consumers[:MaxConsumers]}}}
	if err := ok.Validate(); err != nil {
		t.Errorf("at the limits: %v", err)
	}
}

func TestNormalizeDefaultsAndAssumptions(t *testing.T) {
	r := &Request{System: " Billing ", Secrets: []Secret{{Name: "Mailgun API key"}}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	assumed := r.Normalize()
	if r.System != "Billing" || r.Trigger != TriggerScheduled || r.SecretStore != StoreOther || r.DowntimeTolerance != DowntimeNone {
		t.Errorf("defaults not applied: %+v", r)
	}
	if diff := cmp.Diff([]string{"staging", "production"}, r.Environments); diff != "" {
		t.Errorf("environments (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"staging", "production"}, r.Secrets[0].Environments); diff != "" {
		t.Errorf("secret environments (-want +got):\n%s", diff)
	}
	if r.Secrets[0].Exposure != ExposureInternal {
		t.Errorf("exposure = %s, want internal for a scheduled rotation", r.Secrets[0].Exposure)
	}
	if len(assumed) != 5 {
		t.Errorf("want 5 assumptions (trigger, environments, deployment, store, downtime), got %d: %v", len(assumed), assumed)
	}

	leak := &Request{System: "x", Trigger: TriggerConfirmedLeak, Environments: []string{"prod", "dev", "stage"}, Secrets: []Secret{{Name: "k"}}}
	leak.Normalize()
	if diff := cmp.Diff([]string{"dev", "staging", "production"}, leak.Environments); diff != "" {
		t.Errorf("environments are canonical and ordered lower first (-want +got):\n%s", diff)
	}
	if leak.Secrets[0].Exposure != ExposureUnknown {
		t.Errorf("a leak's unspecified exposure must stay unknown, got %s", leak.Secrets[0].Exposure)
	}
}

// TestStructuredRulesAndAsOf: as_of, the windows' and blackouts' new fields,
// deadlines and rules report every problem with its path.
func TestStructuredRulesAndAsOf(t *testing.T) {
	base := func() *Request {
		return &Request{System: "S", Secrets: []Secret{{Name: "Stripe API key"}}}
	}
	ok := base()
	ok.AsOf = "2026-03-04T10:00:00+01:00"
	ok.Windows = []TimeSpec{{Days: []string{"fri"}, EndDay: "mon", Start: "18:00", End: "06:00", Scope: []string{"databases"}}}
	ok.Blackouts = []TimeSpec{{Start: "00:00", End: "24:00", DaysOfMonth: []int{1, -1}, Dates: []string{"2026-12-24"}}}
	ok.Deadlines = []DeadlineSpec{{Date: "2026-03-06", At: "17:00", TZ: "Europe/Berlin"}}
	ok.Rules = []RuleSpec{{Kind: "change_path", Tool: "terraform"}, {Kind: "duty", Party: "customer", Within: "72h"}, {Kind: "freeze", Activity: "release", Until: "the incident is closed"}, {Kind: "dual_control"},
		{Kind: "approval", Ticket: "CHG0012345"}, {Kind: "approval", Ticket: "RFC 2211"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := base()
	bad.AsOf = "tomorrow"
	bad.Windows = []TimeSpec{{Days: []string{"fri", "sat"}, EndDay: "mon", Start: "18:00", End: "06:00", Scope: []string{""}}}
	bad.Blackouts = []TimeSpec{{Start: "00:00", End: "24:00", DaysOfMonth: []int{0, 32}, Dates: []string{"24/12/2026", "--12-24"}}}
	bad.Deadlines = []DeadlineSpec{{Date: "Friday", At: "5pm", TZ: "Mars/Olympus"}}
	bad.Rules = []RuleSpec{{Kind: "change_path", Tool: "puppet"}, {Kind: "duty", Party: "press", Within: "soon"}, {Kind: "freeze"}, {Kind: "vibes"}, {Kind: "dual_control", Tool: "terraform"},
		{Kind: "duty", Party: "customer", Ticket: "CHG1"}, {Kind: "approval", Ticket: "CHG 1; rm -rf /"}}
	err := bad.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	var paths []string
	for _, f := range ve.Fields {
		paths = append(paths, f.Path)
	}
	for _, want := range []string{"as_of", "windows[0].end_day", "windows[0].scope[0]", "blackouts[0].days_of_month[0]", "blackouts[0].days_of_month[1]",
		"blackouts[0].dates[0]", "blackouts[0].dates[1]", "deadlines[0].date", "deadlines[0].at", "deadlines[0].tz", "rules[0].tool", "rules[1].party",
		"rules[1].within", "rules[2].activity", "rules[3].kind", "rules[4].tool", "rules[5].ticket", "rules[6].ticket"} {
		if !slices.Contains(paths, want) {
			t.Errorf("no problem at %s: %v", want, ve.Fields)
		}
	}
}
