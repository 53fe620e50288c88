package slackbot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rotor-dev/rotor/internal/runbook"
)

func TestParse(t *testing.T) {
	tests := []struct {
		text    string
		system  string
		trigger runbook.Trigger
		envs    []string
		secrets []string
		exp     runbook.Exposure
	}{
		{"Stripe webhook signing secret, SendGrid API key and Postgres app password for Acme Payments in staging, production",
			"Acme Payments", "", []string{"staging", "production"}, []string{"Stripe webhook signing secret", "SendGrid API key", "Postgres app password"}, ""},
		{"rotate the GitHub token we pushed to a public gist for Orbit CI",
			"Orbit CI", runbook.TriggerConfirmedLeak, nil, []string{"GitHub token"}, runbook.ExposurePublic},
		{"possible leak of the Datadog API key", "#ops", runbook.TriggerSuspectedLeak, nil, []string{"Datadog API key"}, ""},
		{"offboarding: Vault tokens and the Postgres admin password for Ledger Core in prod",
			"Ledger Core", runbook.TriggerOffboarding, []string{"production"}, []string{"Vault tokens", "Postgres admin password"}, ""},
		{`system="Card Vault" store=aws_secrets_manager deploy=kubernetes,ci_cd KMS key + mTLS certificate`,
			"Card Vault", "", nil, []string{"KMS key", "mTLS certificate"}, ""},
		{"quarterly rotation of the Mailgun API key", "#ops", runbook.TriggerScheduled, nil, []string{"Mailgun API key"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			req, help, err := Parse(tt.text, "#ops")
			if err != nil || help {
				t.Fatalf("err %v help %v", err, help)
			}
			var names []string
			for _, s := range req.Secrets {
				names = append(names, s.Name)
				if s.Exposure != tt.exp {
					t.Errorf("%s exposure %q, want %q", s.Name, s.Exposure, tt.exp)
				}
			}
			if req.System != tt.system || req.Trigger != tt.trigger {
				t.Errorf("system %q trigger %q", req.System, req.Trigger)
			}
			if diff := cmp.Diff(tt.secrets, names); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.envs, req.Environments); diff != "" {
				t.Errorf("environments (-want +got):\n%s", diff)
			}
		})
	}
	req, _, _ := Parse(`system="Card Vault" store=aws_secrets_manager deploy=kubernetes,ci_cd KMS key`, "#x")
	if req.SecretStore != runbook.StoreAWSSecretsManager || fmt.Sprint(req.Deployment) != "[kubernetes ci_cd]" {
		t.Errorf("options: %+v", req)
	}
	if _, help, _ := Parse("  help ", "#x"); !help {
		t.Error("help")
	}
	if _, _, err := Parse("please do the thing", "#x"); err == nil || !strings.Contains(err.Error(), "no secret named") {
		t.Errorf("nothing to rotate: %v", err)
	}
	if _, _, err := Parse("store=floppy Mailgun API key", "#x"); err == nil || !strings.Contains(err.Error(), "secret_store") {
		t.Errorf("bad option: %v", err)
	}
}

func sign(secret string, ts time.Time, body string) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

func TestVerify(t *testing.T) {
	body := "text=help&response_url=https%3A%2F%2Fhooks.slack.com%2Fx"
	secrets := []string{"old-secret", "new-secret"}
	if err := Verify(sign("old-secret", time.Now(), body), []byte(body), secrets); err != nil {
		t.Errorf("old: %v", err)
	}
	if err := Verify(sign("new-secret", time.Now(), body), []byte(body), secrets); err != nil {
		t.Errorf("new: %v", err)
	}
	if err := Verify(sign("other", time.Now(), body), []byte(body), secrets); err == nil {
		t.Error("forged accepted")
	}
	if err := Verify(sign("new-secret", time.Now().Add(-6*time.Minute), body), []byte(body), secrets); err == nil {
		t.Error("stale accepted")
	}
	if err := Verify(sign("new-secret", time.Now(), body), []byte(body+"&x=1"), secrets); err == nil {
		t.Error("tampered body accepted")
	}
	if err := Verify(http.Header{}, []byte(body), secrets); err == nil {
		t.Error("missing accepted")
	}
}

func TestAllowedResponseURL(t *testing.T) {
	hosts := []string{"hooks.slack.com", "127.0.0.1:8080", "hooks.example.net:8443"}
	for url, want := range map[string]bool{
		"https://hooks.slack.com/commands/T1/2/3":     true,
		"https://hooks.slack.com:443/commands/T1/2/3": true,
		"https://HOOKS.slack.com/commands":            true,
		"https://hooks.slack.com:8443/commands":       false, // a port the entry does not name
		"https://hooks.slack.com:22/commands":         false,
		"http://hooks.slack.com/commands":             false,
		"ftp://hooks.slack.com/commands":              false,
		"https://hooks.slack.com.evil.io/x":           false,
		"https://user:pw@hooks.slack.com/x":           false,
		"https://evil.example/x":                      false,
		"http://127.0.0.1:8080/x":                     true,
		"http://127.0.0.1:9090/x":                     false,
		"http://127.0.0.1/x":                          false,
		"https://hooks.example.net:8443/x":            true,
		"https://hooks.example.net/x":                 false,
		"not a url":                                   false,
	} {
		if got := AllowedResponseURL(url, hosts); got != want {
			t.Errorf("%s: %v", url, got)
		}
	}
}

func TestMessageStaysWithinSlackLimits(t *testing.T) {
	rb := &runbook.Runbook{ID: "rb_1", System: strings.Repeat("S", 500), Trigger: runbook.TriggerScheduled,
		Sections: runbook.Sections{Inventory: &runbook.Inventory{}, RotationSequence: &runbook.RotationSequence{Tracks: []runbook.Track{{}}}}}
	for i := 0; i < 100; i++ {
		rb.Sections.Inventory.Secrets = append(rb.Sections.Inventory.Secrets, runbook.InventorySecret{ID: fmt.Sprint(i), Name: strings.Repeat("n", 3000),
			Action: strings.Repeat("<a>", 1000), RotationRisk: runbook.LevelHigh, Systems: []string{"x"}})
		rb.Sections.RotationSequence.Tracks[0].Steps = append(rb.Sections.RotationSequence.Tracks[0].Steps, runbook.Step{Order: i + 1, Action: strings.Repeat("x", 800)})
	}
	msg := Message(rb, "https://rotor.example.com/runbooks/rb_1?format=md")
	if n := len(msg.Blocks.BlockSet); n > MaxBlocks {
		t.Errorf("%d blocks", n)
	}
	data, _ := json.Marshal(msg)
	var decoded struct {
		Blocks []struct {
			Text   *struct{ Text string }  `json:"text"`
			Fields []struct{ Text string } `json:"fields"`
		} `json:"blocks"`
	}
	_ = json.Unmarshal(data, &decoded)
	for _, b := range decoded.Blocks {
		if b.Text != nil && len([]rune(b.Text.Text)) > MaxSectionText {
			t.Errorf("text of %d", len([]rune(b.Text.Text)))
		}
		if len(b.Fields) > MaxFields {
			t.Errorf("%d fields", len(b.Fields))
		}
		for _, f := range b.Fields {
			if len([]rune(f.Text)) > MaxFieldText {
				t.Errorf("field of %d", len([]rune(f.Text)))
			}
		}
	}
	if strings.Contains(string(data), "<a>") {
		t.Error("mrkdwn control characters not escaped")
	}
	if !strings.Contains(string(data), "more secrets in the full runbook") {
		t.Error("the cut is not said")
	}
}

// TestParseReadsConstraintsThroughIntake: a part of the command that names
// no secret but states a rule intake reads is a constraint; chatter is not.
func TestParseReadsConstraintsThroughIntake(t *testing.T) {
	req, _, err := Parse("Stripe secret key for Acme; no deploys on Fridays; changes only through Terraform; thanks a lot", "#x")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"no deploys on Fridays", "changes only through Terraform"}; !slices.Equal(req.Constraints, want) || req.System != "Acme" {
		t.Errorf("constraints %q system %q", req.Constraints, req.System)
	}
	if len(req.Secrets) != 1 || req.Secrets[0].Name != "Stripe secret key" {
		t.Errorf("secrets %+v", req.Secrets)
	}
}
