package writer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// text writes every section of a request and returns it as one string.
func allText(t *testing.T, r *runbook.Request) string {
	t.Helper()
	f, err := planner.Plan(r)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, id := range runbook.SectionIDs {
		sec, err := Offline{}.Section(f, id)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(sec)
		b.Write(data)
	}
	return b.String()
}

// TestProviderSpecificInstructions checks the writer names the vendor's real
// commands or console actions, not generic advice.
func TestProviderSpecificInstructions(t *testing.T) {
	tests := []struct {
		name    string
		trigger runbook.Trigger
		secret  runbook.Secret
		store   runbook.SecretStore
		want    []string
	}{
		{"aws key", "", runbook.Secret{Name: "AWS access key", Consumers: []string{"uploader"}}, runbook.StoreAWSSecretsManager,
			[]string{"aws iam create-access-key", "--status Inactive", "get-access-key-last-used", "aws secretsmanager put-secret-value"}},
		{"stripe key", "", runbook.Secret{Name: "Stripe secret key", Consumers: []string{"checkout"}}, "",
			[]string{"Roll key", "expiring in 24 hours"}},
		{"postgres", "", runbook.Secret{Name: "Postgres app password", Consumers: []string{"api"}}, runbook.StoreVault,
			[]string{`\\password app_b`, "ALTER ROLE app_a PASSWORD NULL", "identical grants", "vault kv put secret/"}},
		{"vault dynamic leak", runbook.TriggerConfirmedLeak, runbook.Secret{Name: "Vault dynamic database credentials", Provider: "vault", Exposure: runbook.ExposurePublic, Consumers: []string{"api"}}, "",
			[]string{"vault lease revoke -prefix database/creds/"}},
		{"github pat leak", runbook.TriggerConfirmedLeak, runbook.Secret{Name: "GitHub PAT", Exposure: runbook.ExposurePublic, Consumers: []string{"bot"}}, "",
			[]string{"Personal access tokens", "returns 401", "organisation audit log"}},
		{"twilio auth token", "", runbook.Secret{Name: "Twilio auth token", Consumers: []string{"sms"}}, "",
			[]string{"secondary token", "Promote", "Wait out propagation (60 seconds)"}},
		{"kms", "", runbook.Secret{Name: "KMS key for backups", Provider: "aws", Consumers: []string{"backup"}}, "",
			[]string{"aws kms rotate-key-on-demand", "re-encrypt"}},
		{"sendgrid", "", runbook.Secret{Name: "SendGrid API key", Consumers: []string{"mailer"}}, "",
			[]string{"POST /v3/api_keys", "DELETE /v3/api_keys/", "test send"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &runbook.Request{System: "Test", Trigger: tt.trigger, SecretStore: tt.store, Deployment: []runbook.Deployment{runbook.DeployKubernetes},
				Secrets: []runbook.Secret{tt.secret}}
			text := allText(t, r)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q", w)
				}
			}
		})
	}
}

func TestOfflineIsDeterministic(t *testing.T) {
	r := &runbook.Request{System: "S", Secrets: []runbook.Secret{{Name: "Stripe webhook signing secret", Consumers: []string{"a", "b"}}, {Name: "SendGrid API key"}}}
	first := allText(t, r)
	for range 10 {
		if allText(t, r) != first {
			t.Fatal("output differs between runs")
		}
	}
}

func TestUnknownSection(t *testing.T) {
	if _, err := (Offline{}).Section(&planner.Facts{}, "summary"); err == nil {
		t.Error("want an error")
	}
}
