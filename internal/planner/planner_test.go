package planner

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/runbook"
)

func plan(t *testing.T, r *runbook.Request) *Facts {
	t.Helper()
	f, err := Plan(r)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func load(t *testing.T, name string) *runbook.Request {
	t.Helper()
	data, err := os.ReadFile("../../eval/requests/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := decode.Request(data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func one(trigger runbook.Trigger, s runbook.Secret) *runbook.Request {
	return &runbook.Request{System: "Test", Trigger: trigger, Secrets: []runbook.Secret{s}}
}

// TestStrategyTable covers every row of ROTATION_RULES.md §1 through the
// catalogue, plus the leak and offboarding overrides.
func TestStrategyTable(t *testing.T) {
	s := func(name string, kind runbook.Kind, provider, notes string) runbook.Secret {
		return runbook.Secret{Name: name, Kind: kind, Provider: provider, Notes: notes}
	}
	tests := []struct {
		name     string
		trigger  runbook.Trigger
		store    runbook.SecretStore
		secret   runbook.Secret
		rule     string
		strategy runbook.Strategy
	}{
		{"aws iam key", "", "", s("AWS access key", runbook.KindCloudAccessKey, "aws", ""), "aws-iam-access-key", runbook.StrategyDualCredential},
		{"gcp sa key", "", "", s("GCP service account key", runbook.KindCloudAccessKey, "gcp", ""), "gcp-service-account-key", runbook.StrategyDualCredential},
		{"azure storage key", "", "", s("Azure storage account key", "", "", ""), "azure-storage-key", runbook.StrategyDualCredential},
		{"okta client secret", "", "", s("Okta client secret", "", "", ""), "okta-client-secret", runbook.StrategyDualCredential},
		{"entra client secret", "", "", s("Entra ID app registration secret", runbook.KindOAuthClientSecret, "", ""), "entra-client-secret", runbook.StrategyDualCredential},
		{"auth0 client secret", "", "", s("Auth0 client secret", "", "", ""), "auth0-client-secret", runbook.StrategyHardCutover},
		{"stripe secret key", "", "", s("Stripe secret key", "", "", ""), "stripe-api-key", runbook.StrategyDualCredential},
		{"stripe restricted key", "", "", s("Stripe restricted key", "", "", ""), "stripe-api-key", runbook.StrategyDualCredential},
		{"stripe webhook rolls with an expiry", "", "", s("Stripe webhook signing secret", "", "", ""), "stripe-webhook-signing-secret", runbook.StrategyDualCredential},
		{"github webhook", "", "", s("GitHub webhook secret", "", "", ""), "github-webhook-secret", runbook.StrategyDualAccept},
		{"custom hmac", "", "", s("Partner HMAC signing secret", "", "", ""), "custom-hmac-webhook-secret", runbook.StrategyDualAccept},
		{"github pat", "", "", s("GitHub personal access token", "", "", ""), "github-pat", runbook.StrategyDualCredential},
		{"github app key", "", "", s("GitHub App private key", "", "", ""), "github-app-private-key", runbook.StrategyDualCredential},
		{"github deploy key", "", "", s("GitHub deploy key", "", "", ""), "github-deploy-key", runbook.StrategyDualCredential},
		{"slack bot token keeps an overlap on a second app", "", "", s("Slack bot token", "", "", ""), "slack-bot-token", runbook.StrategyDualCredential},
		{"slack incoming webhook is a bearer url", "", "", s("Slack incoming webhook for #alerts", "", "", ""), "slack-incoming-webhook-url", runbook.StrategyDualCredential},
		{"twilio auth token", "", "", s("Twilio auth token", "", "", ""), "twilio-auth-token", runbook.StrategyDualCredential},
		{"twilio api key", "", "", s("Twilio API key", "", "", ""), "twilio-api-key", runbook.StrategyDualCredential},
		{"sendgrid api key", "", "", s("SendGrid API key", "", "", ""), "sendgrid-api-key", runbook.StrategyDualCredential},
		{"mailgun api key", "", "", s("Mailgun API key", "", "", ""), "mailgun-api-key", runbook.StrategyDualCredential},
		{"datadog api key", "", "", s("Datadog API key for Kubernetes agents", "", "", ""), "datadog-api-key", runbook.StrategyDualCredential},
		{"npm token", "", "", s("npm publish token", "", "", ""), "npm-token", runbook.StrategyDualCredential},
		{"docker hub token", "", "", s("Docker Hub token", "", "", ""), "dockerhub-access-token", runbook.StrategyDualCredential},
		{"mysql 8", "", "", s("MySQL app password", "", "", "MySQL 8.0.36"), "mysql-dual-password", runbook.StrategyDualCredential},
		{"mysql 5.7", "", "", s("MySQL app password", "", "", "running MySQL 5.7.44"), "mysql-alternating-users", runbook.StrategyAlternatingUsers},
		{"postgres", "", "", s("Postgres app password", "", "", ""), "postgres-alternating-users", runbook.StrategyAlternatingUsers},
		{"aws sm managed rotation", "", runbook.StoreAWSSecretsManager, s("RDS app credentials", runbook.KindDatabasePassword, "", "rotation lambda attached"), "aws-secrets-manager-db-secret", runbook.StrategyAlternatingUsers},
		{"vault dynamic", "", "", s("Vault dynamic database credentials", runbook.KindDatabasePassword, "vault", ""), "vault-dynamic-db-credentials", runbook.StrategyDualCredential},
		{"vault approle has many secret-ids", "", "", s("Vault AppRole secret-id", "", "", ""), "vault-approle-secret-id", runbook.StrategyDualCredential},
		{"vault static role", "", "", s("Orders DB password", runbook.KindDatabasePassword, "vault", "Vault database static role"), "vault-static-role", runbook.StrategyAlternatingUsers},
		{"vault token", "", "", s("Vault token for CI", "", "", ""), "vault-token", runbook.StrategyDualCredential},
		{"tls key", "", "", s("mTLS client certificate", "", "", ""), "tls-private-key", runbook.StrategyDualCredential},
		{"aws kms key", "", "", s("KMS key for backups", "", "", ""), "aws-kms-key", runbook.StrategyRekey},
		{"ssh key", "", "", s("Bastion SSH key", "", "", ""), "ssh-key", runbook.StrategyDualCredential},
		{"unknown db", "", "", s("Oracle schema password", runbook.KindDatabasePassword, "", ""), "database-alternating-users", runbook.StrategyAlternatingUsers},
		// Unknown, not no (ROTATION_RULES §1): the overlap is planned and
		// its create step checks first; a public leak revokes first.
		{"unknown", "", "", s("Acme partner API key", "", "", ""), "generic-unknown", runbook.StrategyDualCredential},
		{"public leak of an unknown provider's key", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "Acme partner API key", Exposure: runbook.ExposurePublic}, "generic-unknown", runbook.StrategyRevokeFirst},

		// Overrides.
		{"public leak of an unknown key", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "Acme partner API key", Exposure: runbook.ExposurePublic}, "generic-unknown", runbook.StrategyRevokeFirst},
		{"public leak of a github pat", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "GitHub PAT", Exposure: runbook.ExposurePublic}, "github-pat", runbook.StrategyRevokeFirst},
		{"public leak of an aws key", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "AWS access key", Exposure: runbook.ExposurePublic}, "aws-iam-access-key", runbook.StrategyRevokeFirst},
		{"leak of an aws key reading public data only", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "AWS access key", Exposure: runbook.ExposurePublic, Privilege: runbook.PrivilegeRead, Notes: "reads a public bucket only"}, "aws-iam-access-key", runbook.StrategyDualCredential},
		{"leak of a stripe key (money)", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "Stripe secret key", Exposure: runbook.ExposurePublic}, "stripe-api-key", runbook.StrategyRevokeFirst},
		{"leak of a custom webhook secret cuts over", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "Partner HMAC signing secret", Exposure: runbook.ExposureThirdParty}, "custom-hmac-webhook-secret", runbook.StrategyHardCutover},
		{"public leak of a sendgrid key is revoked first", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "SendGrid API key", Exposure: runbook.ExposurePublic}, "sendgrid-api-key", runbook.StrategyRevokeFirst},
		{"third-party leak of a sendgrid key only pipelines use is revoked first", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "SendGrid API key", Exposure: runbook.ExposureThirdParty, Consumers: []string{"mailer"}, Environments: []string{"production"}}, "sendgrid-api-key", runbook.StrategyRevokeFirst},
		{"third-party leak of a sendgrid key nothing is known to use keeps overlap", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "SendGrid API key", Exposure: runbook.ExposureThirdParty, Environments: []string{"production"}}, "sendgrid-api-key", runbook.StrategyDualCredential},
		{"third-party leak of a sendgrid key in staging only is revoked first", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "SendGrid API key", Exposure: runbook.ExposureThirdParty, Consumers: []string{"mailer"}, Environments: []string{"staging"}}, "sendgrid-api-key", runbook.StrategyRevokeFirst},
		{"offboarding personal token services use, with a deadline, keeps overlap", runbook.TriggerOffboarding, "", runbook.Secret{Name: "GitHub deploy key of the leaver", Kind: runbook.KindSSHKey, Provider: "github", Personal: ptr(true), Consumers: []string{"argocd"}, Notes: "Last day is Friday 2026-07-17, access gone by 17:00 UTC"}, "github-deploy-key", runbook.StrategyDualCredential},
		{"leak of a kms key stays rekey", runbook.TriggerConfirmedLeak, "", runbook.Secret{Name: "KMS data key", Exposure: runbook.ExposurePublic}, "aws-kms-key", runbook.StrategyRekey},
		{"suspected leak keeps strategy", runbook.TriggerSuspectedLeak, "", runbook.Secret{Name: "GitHub PAT", Exposure: runbook.ExposureInternal}, "github-pat", runbook.StrategyDualCredential},
		{"offboarding personal token", runbook.TriggerOffboarding, "", runbook.Secret{Name: "Vault token of the leaver", Personal: ptr(true)}, "vault-token", runbook.StrategyRevokeFirst},
		{"offboarding shared secret", runbook.TriggerOffboarding, "", runbook.Secret{Name: "Postgres admin password"}, "postgres-alternating-users", runbook.StrategyAlternatingUsers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := one(tt.trigger, tt.secret)
			r.SecretStore = tt.store
			f := plan(t, r)
			got := f.Secrets[0]
			if got.Rule != tt.rule || got.Strategy != tt.strategy {
				t.Errorf("rule %s strategy %s, want rule %s strategy %s (kind %s provider %s; %s)", got.Rule, got.Strategy, tt.rule, tt.strategy, got.Kind, got.Provider, got.StrategyReason)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestInferKindAndProvider(t *testing.T) {
	tests := []struct {
		name     string
		kind     runbook.Kind
		provider string
	}{
		{"Mailgun API key", runbook.KindAPIKey, "mailgun"},
		{"Postgres app password", runbook.KindDatabasePassword, "postgres"},
		{"Stripe webhook signing secret", runbook.KindWebhookSecret, "stripe"},
		{"AWS access key for uploads", runbook.KindCloudAccessKey, "aws"},
		{"Okta OIDC client secret", runbook.KindOAuthClientSecret, "okta"},
		{"GitHub deploy key", runbook.KindSSHKey, "github"},
		{"Slack bot token", runbook.KindToken, "slack"},
		{"Payments KMS key", runbook.KindEncryptionKey, "aws"},
		{"Internal service password", runbook.KindOther, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := plan(t, one("", runbook.Secret{Name: tt.name}))
			s := f.Secrets[0]
			if s.Kind != tt.kind || s.Provider != tt.provider {
				t.Errorf("kind %s provider %s, want %s %s", s.Kind, s.Provider, tt.kind, tt.provider)
			}
		})
	}
	// An explicit kind or provider is never overridden.
	f := plan(t, one("", runbook.Secret{Name: "Mailgun API key", Kind: runbook.KindToken, Provider: "Postmark"}))
	if s := f.Secrets[0]; s.Kind != runbook.KindToken || s.Provider != "postmark" {
		t.Errorf("explicit values changed: %s %s", s.Kind, s.Provider)
	}
}

func TestAcmeFacts(t *testing.T) {
	f := plan(t, load(t, "acme-payments"))
	want := map[string]struct {
		strategy runbook.Strategy
		risk     runbook.Level
	}{
		"stripe-webhook-signing-secret": {runbook.StrategyDualCredential, runbook.LevelMedium},
		"sendgrid-api-key":              {runbook.StrategyDualCredential, runbook.LevelLow},
		"postgres-app-password":         {runbook.StrategyAlternatingUsers, runbook.LevelHigh},
	}
	for id, w := range want {
		s := f.SecretByID(id)
		if s == nil {
			t.Fatalf("no secret %s", id)
		}
		if s.Strategy != w.strategy || s.RotationRisk.Level != w.risk {
			t.Errorf("%s: %s/%s, want %s/%s (%v)", id, s.Strategy, s.RotationRisk.Level, w.strategy, w.risk, s.RotationRisk.Factors)
		}
	}
	if w := f.Schedule.Window(f.SecretByID("stripe-webhook-signing-secret").Window); w != "daily from 22:00 UTC" {
		t.Errorf("window = %q", w)
	}
	if !f.SecretByID("sendgrid-api-key").RateLimited || f.SecretByID("postgres-app-password").RateLimited {
		t.Error("rate limits apply to Stripe and SendGrid only")
	}
	if len(f.Controls) == 0 || f.Controls[0].Framework != "SOC 2" {
		t.Errorf("controls = %+v", f.Controls)
	}
	// Scheduled: low-risk canary first, the high-risk secret on its own track, last.
	var names []string
	for _, tr := range f.Tracks {
		names = append(names, tr.Name+":"+strings.Join(tr.SecretIDs, ","))
	}
	wantTracks := []string{"Canary: low-risk secrets:sendgrid-api-key", "Medium-risk secrets:stripe-webhook-signing-secret", "High risk: Postgres app password:postgres-app-password"}
	if f.Steps[0].Phase != runbook.PhaseFreeze || f.Steps[len(f.Steps)-1].Phase != runbook.PhaseUnfreeze {
		t.Errorf("a scheduled rotation opens with a freeze and ends by lifting it: %+v ... %+v", f.Steps[0], f.Steps[len(f.Steps)-1])
	}
	if diff := cmp.Diff(wantTracks, names); diff != "" {
		t.Errorf("tracks (-want +got):\n%s", diff)
	}
}

// stepIndex finds the order of the first step matching.
func stepIndex(f *Facts, id string, p runbook.Phase, env string) int {
	for _, s := range f.Steps {
		if s.SecretID == id && s.Phase == p && (env == "" || s.Environment == env) {
			return s.Order
		}
	}
	return -1
}

func TestOrderingInvariants(t *testing.T) {
	for _, name := range []string{"acme-payments", "public-leak-github-aws", "offboarding-postgres-vault", "pci-mtls-kms", "vendor-breach-ci", "minimal"} {
		t.Run(name, func(t *testing.T) {
			f := plan(t, load(t, name))
			for i, s := range f.Steps {
				if s.Order != i+1 {
					t.Fatalf("step %d numbered %d", i+1, s.Order)
				}
			}
			for _, s := range f.Secrets {
				prodVerify := stepIndex(f, s.ID, runbook.PhaseVerify, "production")
				for _, st := range f.Steps {
					if st.SecretID != s.ID {
						continue
					}
					if st.Phase == runbook.PhaseRevoke && (prodVerify < 0 || st.Order < prodVerify) {
						t.Errorf("%s: revoke at %d before production verify at %d", s.ID, st.Order, prodVerify)
					}
					// Exposed outside the company: production first (rule 6
					// overrides rule 5), checked below.
					if st.Environment == "production" && (st.Phase == runbook.PhaseDeploy || st.Phase == runbook.PhaseSwitch) && !s.productionFirst() {
						for _, env := range s.Environments {
							if env != "production" && stepIndex(f, s.ID, runbook.PhaseVerify, env) > st.Order {
								t.Errorf("%s: production %s at %d before %s is verified", s.ID, st.Phase, st.Order, env)
							}
						}
					}
				}
				if s.Class != exposure.KillNow {
					continue
				}
				// Exposed outside the company: dead before any of its
				// lower-environment work.
				dead := 0
				for _, st := range f.Steps {
					if st.SecretID == s.ID && st.Kill {
						dead = max(dead, st.Order)
					}
				}
				for _, st := range f.Steps {
					if st.SecretID == s.ID && !st.Kill && st.Phase != runbook.PhaseContain && st.Environment != "production" && st.Environment != AllEnvironments && st.Order < dead {
						t.Errorf("%s: %s in %s at %d before it is dead at %d", s.ID, st.Phase, st.Environment, st.Order, dead)
					}
				}
			}
		})
	}
}

func TestLeakContainmentComesFirst(t *testing.T) {
	f := plan(t, load(t, "public-leak-github-aws"))
	if f.Tracks[0].Name != "Containment" {
		t.Fatalf("first track %q", f.Tracks[0].Name)
	}
	for _, s := range f.Secrets {
		if s.Strategy != runbook.StrategyRevokeFirst {
			t.Errorf("%s: %s, want revoke_first", s.ID, s.Strategy)
		}
		// Dead first, then rebuilt, and only then investigated: a leaked
		// key never stays alive while logs are read.
		contain := stepIndex(f, s.ID, runbook.PhaseContain, "")
		investigate := stepIndex(f, s.ID, runbook.PhaseInvestigate, "")
		create := stepIndex(f, s.ID, runbook.PhaseCreate, "")
		if !(contain > 0 && contain < create && contain < investigate) {
			t.Errorf("%s: contain %d, investigate %d, create %d", s.ID, contain, investigate, create)
		}
		if s.Urgency.Priority != runbook.P0 {
			t.Errorf("%s: priority %s, want P0 (%v)", s.ID, s.Urgency.Priority, s.Urgency.Factors)
		}
	}
	// Every containment step comes before any rotation step.
	lastContain, firstCreate := 0, 1<<30
	for _, st := range f.Steps {
		if st.Phase == runbook.PhaseContain && st.Order > lastContain {
			lastContain = st.Order
		}
		if st.Phase == runbook.PhaseCreate && st.Order < firstCreate {
			firstCreate = st.Order
		}
	}
	if lastContain > firstCreate {
		t.Errorf("containment step %d after the first create %d", lastContain, firstCreate)
	}
	// No vendor is asked to confirm a revocation its console shows us, and
	// customers hear only if the investigation finds their data was read.
	if f.ExternalComms.Applicable || !strings.Contains(f.ExternalComms.Reason, "investigation") {
		t.Errorf("external comms of a public leak: %+v", f.ExternalComms)
	}
}

// TestVendorBreachKillsEveryExposedCredentialFirst: after a CI vendor breach
// every exposed credential (several of them from vendors that allow many
// live keys) is killed by a step that comes before its investigation, and
// none waits for a window.
func TestVendorBreachKillsEveryExposedCredentialFirst(t *testing.T) {
	f := plan(t, load(t, "vendor-breach-ci"))
	for _, s := range f.Secrets {
		if !s.Exposed {
			t.Errorf("%s is not treated as exposed", s.ID)
		}
		kill := 0
		for _, st := range f.Steps {
			if st.SecretID == s.ID && (st.Phase == runbook.PhaseRevoke || (st.Phase == runbook.PhaseContain && s.Strategy == runbook.StrategyRevokeFirst)) && st.Order > kill {
				kill = st.Order
			}
			if st.SecretID == s.ID && st.Window != "" {
				t.Errorf("%s step %d waits for window %s", s.ID, st.Order, st.Window)
			}
		}
		investigate := stepIndex(f, s.ID, runbook.PhaseInvestigate, "")
		if kill == 0 || investigate < kill {
			t.Errorf("%s: killed at step %d, investigated at %d", s.ID, kill, investigate)
		}
	}
}

func TestOffboardingRemovesPersonalAccessFirst(t *testing.T) {
	f := plan(t, load(t, "offboarding-postgres-vault"))
	// The person's sign-in, their access to the stores and consoles, then
	// their own tokens: before anything is rotated.
	want := []string{"sso", "stores", "consoles"}
	for i, a := range want {
		if st := f.Steps[i]; st.SecretID != "" || st.Access != a || st.Phase != runbook.PhaseContain {
			t.Errorf("step %d = %+v, want access %s", i+1, st, a)
		}
	}
	if st := f.Steps[len(want)]; st.SecretID != "vault-tokens-of-the-departing-dba" || st.Phase != runbook.PhaseContain {
		t.Errorf("then the personal tokens: %+v", st)
	}
	tokens := f.SecretByID("vault-tokens-of-the-departing-dba")
	if !tokens.RetireOnly || tokens.Strategy != runbook.StrategyRevokeFirst || stepIndex(f, tokens.ID, runbook.PhaseCreate, "") != -1 {
		t.Errorf("personal tokens with no consumer are revoked and not replaced: %+v", tokens)
	}
	pg := f.SecretByID("postgres-admin-password")
	// A superuser that runs migrations owns objects: its password changes in
	// place (ROTATION_RULES §1, "Postgres role that owns objects or runs DDL").
	if pg.Privilege != runbook.PrivilegeAdmin || !pg.Legacy || pg.Strategy != runbook.StrategyHardCutover || pg.Rule != "postgres-owner-role" || !pg.Exposed {
		t.Errorf("postgres admin: privilege %s legacy %v strategy %s exposed %v", pg.Privilege, pg.Legacy, pg.Strategy, pg.Exposed)
	}
	legacy := map[string]bool{}
	for _, c := range pg.Consumers {
		legacy[c.Name] = c.Legacy
	}
	if !legacy["ledger-backup"] || legacy["schema-migrator"] {
		t.Errorf("only the backup job reads at start-up: %v", legacy)
	}
}

func TestConstraintsChangeThePlan(t *testing.T) {
	base := func(constraints ...string) *runbook.Request {
		return &runbook.Request{System: "S", Environments: []string{"staging", "production"},
			Secrets: []runbook.Secret{
				{Name: "Postgres app password", Consumers: []string{"api", "nightly-job"}},
				{Name: "SendGrid API key", Consumers: []string{"mailer"}},
			},
			Constraints: constraints}
	}
	plain := plan(t, base())
	f := plan(t, base("The legacy nightly job reads the password at start-up", "PCI DSS and ISO 27001 evidence", "Maintenance window Saturday 03:30 UTC", "Needs CAB approval"))
	pg := f.SecretByID("postgres-app-password")
	if !pg.Legacy || f.SecretByID("sendgrid-api-key").Legacy {
		t.Error("the legacy constraint concerns the password only")
	}
	if pg.RotationRisk.Score <= plain.SecretByID("postgres-app-password").RotationRisk.Score {
		t.Error("a legacy consumer raises the rotation risk")
	}
	if w := f.Schedule.Window(pg.Window); w != "Sat from 03:30 UTC" {
		t.Errorf("window %q", w)
	}
	if !f.ChangeTicket {
		t.Error("CAB approval not recognised")
	}
	fws := map[string]bool{}
	for _, c := range f.Controls {
		fws[c.Framework] = true
	}
	if !fws["PCI DSS"] || !fws["ISO 27001"] || fws["SOC 2"] {
		t.Errorf("frameworks %v", fws)
	}
	if len(plain.Controls) == 0 || plain.Controls[0].Framework != "SOC 2" {
		t.Error("SOC 2 is the default framework")
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	for _, name := range []string{"acme-payments", "vendor-breach-ci", "offboarding-postgres-vault"} {
		var first []byte
		for i := 0; i < 20; i++ {
			f := plan(t, load(t, name))
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = b
			} else if !bytes.Equal(first, b) {
				t.Fatalf("%s: run %d differs", name, i)
			}
		}
	}
}

func TestPlanDoesNotModifyTheRequest(t *testing.T) {
	r := load(t, "minimal")
	before, _ := json.Marshal(r)
	plan(t, r)
	after, _ := json.Marshal(r)
	if !bytes.Equal(before, after) {
		t.Errorf("request changed:\n%s\n%s", before, after)
	}
}

func TestPlanRejectsInvalidRequests(t *testing.T) {
	if _, err := Plan(&runbook.Request{System: "x"}); runbook.ErrorCode(err) != runbook.CodeInvalid {
		t.Errorf("got %v", err)
	}
}

// TestRaiseNumbersOpenItems: items are numbered in the order raised, and the
// same question from the same source is raised once.
func TestRaiseNumbersOpenItems(t *testing.T) {
	f := &Facts{}
	a := f.Raise(runbook.OpenItem{Source: "catalog", Text: "x", Question: "q1?"})
	b := f.Raise(runbook.OpenItem{Source: "catalog", Text: "y", Question: "q2?", Blocks: []string{"s1"}})
	c := f.Raise(runbook.OpenItem{Source: "catalog", Text: "x again", Question: "q1?"})
	if a != "o1" || b != "o2" || c != "o1" || len(f.OpenItems) != 2 || f.OpenItems[0].Blocks == nil {
		t.Errorf("ids %s %s %s, items %+v", a, b, c, f.OpenItems)
	}
}

// TestTimeToKill: every kill step of an exposed credential carries its
// planned time from the start, and a date in the zone of as_of when the
// schedule has one.
func TestTimeToKill(t *testing.T) {
	f := plan(t, load(t, "public-leak-openai-notebook"))
	if len(f.TimeToKill) != 1 {
		t.Fatalf("time to kill = %+v", f.TimeToKill)
	}
	// The providers' own remediation is checked (5 min), then the one key
	// staging and production share is killed once (5 min): review18 C4.
	for i, want := range []runbook.KillTime{{Environment: AllEnvironments, Step: 2, Minutes: 10, Label: "T0+10 min"}} {
		got := f.TimeToKill[i]
		if got.Environment != want.Environment || got.Step != want.Step || got.Minutes != want.Minutes || got.Label != want.Label || got.At != "" {
			t.Errorf("kill %d = %+v, want %+v", i, got, want)
		}
		if st := f.Steps[got.Step-1]; !st.Kill || st.SecretID != got.SecretID || st.Minutes != got.Minutes {
			t.Errorf("step %d = %+v", got.Step, st)
		}
	}
	req := load(t, "public-leak-openai-notebook")
	req.AsOf = "2026-11-25T22:00:00+01:00"
	f = plan(t, req)
	if got := f.TimeToKill[0].At; got != "2026-11-25T22:10:00+01:00" {
		t.Errorf("at = %q (as_of %q)", got, f.Schedule.AsOf)
	}
}

// TestReach plans the rows of testdata/reach.yaml: what an exposed
// credential could read becomes an open item, what it minted is killed with
// it, what rotor knows joins the inventory.
func TestReach(t *testing.T) {
	data, err := os.ReadFile("testdata/reach.yaml")
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name       string          `json:"name"`
		Request    json.RawMessage `json:"request"`
		Open       []string        `json:"open"`
		NoOpen     []string        `json:"no_open"`
		Kills      []string        `json:"kills"`
		Reviews    []string        `json:"reviews"`
		Secrets    []string        `json:"secrets"`
		FetchToken string          `json:"fetch_token"`
		Reach      []string        `json:"reach"`
		NoReach    bool            `json:"no_reach"`
	}
	if err := json.Unmarshal(js, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		t.Run(r.Name, func(t *testing.T) {
			req, err := decode.ParseRequest(r.Request)
			if err != nil {
				t.Fatal(err)
			}
			f := plan(t, req)
			var items, kills, reviews, ids []string
			for _, o := range f.OpenItems {
				items = append(items, o.Text+" "+o.Question)
			}
			for _, s := range f.Secrets {
				kills = append(kills, s.DerivedKills...)
				reviews = append(reviews, s.DerivedReviews...)
				ids = append(ids, s.ID)
				if r.FetchToken != "" && s.FetchToken != (s.ID == r.FetchToken) {
					t.Errorf("%s: fetch token %v", s.ID, s.FetchToken)
				}
			}
			matches := func(list []string, pat string) bool {
				re := regexp.MustCompile(pat)
				for _, x := range list {
					if re.MatchString(x) {
						return true
					}
				}
				return false
			}
			for _, p := range r.Open {
				if !matches(items, p) {
					t.Errorf("no open item matches /%s/: %q", p, items)
				}
			}
			for _, p := range r.NoOpen {
				if matches(items, p) {
					t.Errorf("an open item matches /%s/: %q", p, items)
				}
			}
			for _, p := range r.Kills {
				if !matches(kills, p) {
					t.Errorf("no derived kill matches /%s/: %q", p, kills)
				}
			}
			for _, p := range r.Reviews {
				if !matches(reviews, p) {
					t.Errorf("no derived review matches /%s/: %q", p, reviews)
				}
			}
			var reach []string
			for _, s := range f.Secrets {
				for _, x := range s.ReadReach {
					reach = append(reach, x.What+" | "+x.List)
				}
			}
			for _, p := range r.Reach {
				if !matches(reach, p) {
					t.Errorf("no read reach matches /%s/: %q", p, reach)
				}
			}
			if r.NoReach && len(reach) > 0 {
				t.Errorf("read reach %q on a credential not exposed outside", reach)
			}
			// Each read reach has its containment step, killed by
			// T0+exposure.ReachKill in a lane of its own.
			lanes := 0
			for _, st := range f.Steps {
				if st.Reach > 0 {
					lanes++
					if st.Phase != runbook.PhaseContain || st.Minutes > exposure.ReachKill {
						t.Errorf("reach step %d: %s at T0+%d", st.Order, st.Phase, st.Minutes)
					}
				}
			}
			if lanes != len(reach) {
				t.Errorf("%d reach steps for %d read reaches", lanes, len(reach))
			}
			reachKills := 0
			for _, k := range f.TimeToKill {
				if k.Reach {
					reachKills++
				}
			}
			if reachKills != lanes {
				t.Errorf("%d reach kills timed for %d reach steps", reachKills, lanes)
			}
			if r.Secrets != nil && strings.Join(ids, ",") != strings.Join(r.Secrets, ",") {
				t.Errorf("inventory = %v, want %v", ids, r.Secrets)
			}
		})
	}
}

// TestOffboardingDeadlineDecidesTheKill: the departing person's own deploy
// key that GitOps uses keeps its overlap while the deadline leaves time for
// a replacement, and is revoked first once the deadline has passed.
func TestOffboardingDeadlineDecidesTheKill(t *testing.T) {
	for _, tt := range []struct {
		asOf string
		want runbook.Strategy
	}{
		{"2026-07-13T09:00:00Z", runbook.StrategyDualCredential},
		{"2026-07-17T16:45:00Z", runbook.StrategyRevokeFirst},
		{"2026-07-18T09:00:00Z", runbook.StrategyRevokeFirst},
	} {
		req := load(t, "offboarding-deploy-key")
		req.AsOf = tt.asOf
		f := plan(t, req)
		if s := f.Secrets[0]; s.Strategy != tt.want {
			t.Errorf("as of %s: %s (%s), want %s", tt.asOf, s.Strategy, s.StrategyReason, tt.want)
		}
	}
}
