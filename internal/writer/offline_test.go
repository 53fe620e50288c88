package writer

import (
	"encoding/json"
	"reflect"
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
	all := allSections(f)
	var b strings.Builder
	for i := range all.NumField() {
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(all.Field(i).Interface()); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestProviderSpecificInstructions checks the writer gives the secret's own
// product's commands and console actions, and none of another product's
// (the mistakes held-out runbooks made: Postgres steps for MySQL, psql for an
// AppRole, Vault rewrap and a store for an AWS KMS key, AWSPREVIOUS in
// Vault, an HMAC secret for a Slack webhook URL, a DaemonSet restarted as a
// Deployment, a second Stripe endpoint), and none of the steps a reviewer of
// generated runbooks found wrong (a check that cannot fail, a value hashed
// with its newline, a step that deletes what may be legitimate).
func TestProviderSpecificInstructions(t *testing.T) {
	personal := true
	tests := []struct {
		name    string
		trigger runbook.Trigger
		secret  runbook.Secret
		store   runbook.SecretStore
		notes   []string
		want    []string
		never   []string
		deploy  runbook.Deployment // Kubernetes when empty
	}{
		{"aws key", "", runbook.Secret{Name: "AWS access key", Consumers: []string{"uploader"}}, runbook.StoreAWSSecretsManager, nil,
			[]string{"aws iam create-access-key", "--status Inactive", "get-access-key-last-used", "aws secretsmanager put-secret-value"}, nil, ""},
		{"aws key leak counts the deactivated key", runbook.TriggerConfirmedLeak, runbook.Secret{Name: "AWS access key", Exposure: runbook.ExposurePublic, Consumers: []string{"uploader"}}, "", nil,
			[]string{"still counts toward the two-key limit", "aws:TokenIssueTime"}, nil, ""},
		{"stripe key", "", runbook.Secret{Name: "Stripe secret key", Consumers: []string{"checkout"}}, "", nil,
			[]string{"Roll key", "expiring in 24 hours", "Expire now"}, nil, ""},
		{"stripe webhook rolls its secret", "", runbook.Secret{Name: "Stripe webhook signing secret", Consumers: []string{"billing-api"}}, "", nil,
			[]string{"Roll secret", "24 hours", "v1= signature"}, []string{"new endpoint", "second endpoint", "openssl rand"}, ""},
		{"postgres", "", runbook.Secret{Name: "Postgres app password", Consumers: []string{"api"}}, runbook.StoreVault, nil,
			[]string{`\\password <idle-user>`, "ALTER ROLE <active-user> PASSWORD NULL", "identical grants", "vault kv patch", "username=<idle-user> password=-", "vault kv rollback"},
			[]string{"AWSPREVIOUS", "RETAIN CURRENT PASSWORD"}, ""},
		{"mysql dual password", "", runbook.Secret{Name: "MySQL orders password", Notes: "MySQL 8.0.36", Consumers: []string{"orders"}}, "", nil,
			[]string{"RETAIN CURRENT PASSWORD", "DISCARD OLD PASSWORD"}, []string{"pg_stat_activity", `\\du`, "idle user", "ALTER ROLE"}, ""},
		{"vault approle", "", runbook.Secret{Name: "Vault AppRole secret-id for billing", Consumers: []string{"billing"}}, runbook.StoreVault, nil,
			[]string{"auth/approle/role/<role>/secret-id", "secret-id-accessor/destroy", "auth/approle/login"}, []string{`\\du`, `\\dp`, "psql"}, ""},
		{"vault dynamic leak", runbook.TriggerConfirmedLeak, runbook.Secret{Name: "Vault dynamic database credentials", Provider: "vault", Exposure: runbook.ExposurePublic, Consumers: []string{"api"}}, "", nil,
			[]string{"vault lease revoke -prefix database/creds/"}, nil, ""},
		{"github pat leak", runbook.TriggerConfirmedLeak, runbook.Secret{Name: "GitHub PAT", Exposure: runbook.ExposurePublic, Consumers: []string{"bot"}}, "", nil,
			[]string{"Personal access tokens", "`gh api user` with it returns 401"}, nil, ""},
		// An organization owner cannot revoke a classic token under
		// Personal access tokens, and cannot run a check with the departing
		// person's token.
		{"github pat of a departing engineer", runbook.TriggerOffboarding, runbook.Secret{Name: "GitHub personal access token of the departing engineer", Kind: runbook.KindToken, Provider: "github", Personal: &personal}, "", nil,
			[]string{"fine-grained tokens only", "Authorized credentials", "removing the user from the organization", "audit log"},
			[]string{"with the exposed token fails", "with the old token fails"}, ""},
		{"redis acl password", runbook.TriggerSuspectedLeak, runbook.Secret{Name: "Redis password for the rate limiter", Provider: "redis", Notes: "Redis 7 with ACL user ratelimiter", Exposure: runbook.ExposureThirdParty, Consumers: []string{"sms"}}, "", nil,
			[]string{"tr -d", "redis-cli --user <admin-user> --askpass -h <node> ACL SETUSER ratelimiter", "CLIENT KILL USER ratelimiter", "CLIENT LIST"},
			[]string{"out of the store into", "redis-cli --askpass -h <node> ACL SETUSER"}, ""},
		{"twilio auth token shared a month ago", runbook.TriggerSuspectedLeak, runbook.Secret{Name: "Twilio auth token", Exposure: runbook.ExposureThirdParty, Notes: "Shared with a contractor over email last month", Consumers: []string{"sms"}}, "", nil,
			[]string{"no owner claims", "Status=closed", "date_created"},
			[]string{"delete those created during the exposure"}, ""},
		{"azure storage key verified with the stored key", "", runbook.Secret{Name: "Azure storage account key for exports", Provider: "azure", Consumers: []string{"exporter"}}, "", nil,
			[]string{"AZURE_STORAGE_KEY", "passes even when the stored value is wrong"},
			[]string{"--auth-mode key` from its runtime"}, ""},
		{"lambda picks up the new value", "", runbook.Secret{Name: "Stripe secret key", Consumers: []string{"checkout-fn"}}, runbook.StoreAWSSecretsManager, nil,
			[]string{"aws lambda get-function-configuration --function-name checkout-fn", "'.Environment.Variables.ROTATED_AT=$t' | aws lambda update-function-configuration --cli-input-json", "update-alias", "aws logs tail /aws/lambda/checkout-fn"},
			[]string{"so new instances read the value at cold start", "--description"}, runbook.DeployServerless},
		{"env var written in the workload spec", "", runbook.Secret{Name: "Mailgun API key", Consumers: []string{"mailer"}}, runbook.StoreEnvVars, nil,
			[]string{"restart reuses the old spec", "re-run the pipeline that renders"}, nil, ""},
		{"aws key on a shared iam user", runbook.TriggerSuspectedLeak, runbook.Secret{Name: "AWS deploy access key", Provider: "aws", Kind: runbook.KindCloudAccessKey, Exposure: runbook.ExposureThirdParty, Notes: "IAM user shopfront-deployer", Consumers: []string{"deploy"}}, "", nil,
			[]string{"LimitExceeded", "data events", "S3 server access logs", "aws:ViaAWSService"},
			[]string{"skip it if the create step already deleted it"}, ""},
		{"npm token verified with whoami", "", runbook.Secret{Name: "npm publish token for UI library", Consumers: []string{"release"}}, "", nil,
			[]string{"npm whoami", "_authToken=${NPM_PUBLISH_TOKEN_FOR_UI_LIBRARY}", "npm token list"},
			[]string{"publish --dry-run", "${NPM_TOKEN}"}, ""},
		{"doppler configs are placeholders", "", runbook.Secret{Name: "SendGrid API key", Consumers: []string{"mailer"}}, runbook.StoreDoppler, nil,
			[]string{"--config <staging config>", "--config <production config>"},
			[]string{"--config staging", "--config production"}, ""},
		{"pagerduty key that sends change events", runbook.TriggerSuspectedLeak, runbook.Secret{Name: "PagerDuty API key", Notes: "Creates change events on deploy", Exposure: runbook.ExposureThirdParty, Consumers: []string{"deploy"}}, "", nil,
			[]string{"api.pagerduty.com/services/<service-id>?include[]=integrations", "Integrations"},
			[]string{"api.pagerduty.com/abilities", "API Access Keys", "v2/change/enqueue"}, ""},
		{"mongodb atlas user", "", runbook.Secret{Name: "MongoDB Atlas database user password", Provider: "mongodb", Notes: "Atlas database user ledger_app", Consumers: []string{"ledger"}}, "", nil,
			[]string{"Database Access History", "Edit Password"},
			[]string{"changeUserPassword", "revokeRolesFromUser", "self-managed"}, ""},
		{"self-managed mongodb user", "", runbook.Secret{Name: "MongoDB orders user password", Provider: "mongodb", Consumers: []string{"orders"}}, "", nil,
			[]string{"changeUserPassword", "$currentOp"}, []string{"Edit Password", "Database Access History"}, ""},
		{"twilio auth token", "", runbook.Secret{Name: "Twilio auth token", Consumers: []string{"sms"}}, "", nil,
			[]string{"secondary", "romote", "Wait 60 seconds for propagation"}, nil, ""},
		{"aws kms re-encrypts before disabling", "", runbook.Secret{Name: "KMS key for backups", Provider: "aws", Consumers: []string{"backup"}}, runbook.StoreAWSSecretsManager, nil,
			[]string{"aws kms create-key", "update-alias", "aws kms re-encrypt", "aws kms disable-key", "schedule-key-deletion"},
			[]string{"transit/rewrap", "put-secret-value", "AWS Secrets Manager"}, ""},
		{"slack incoming webhook url", "", runbook.Secret{Name: "Slack incoming webhook for #deploys", Consumers: []string{"deployer"}}, "", nil,
			[]string{"hooks.slack.com"}, []string{"openssl rand", "signature"}, ""},
		{"daemonset", "", runbook.Secret{Name: "Datadog API key", Consumers: []string{"log-shipper", "api"}}, "", []string{"log-shipper runs as a DaemonSet"},
			[]string{"for w in daemonset/log-shipper <workload-kind>/api; do kubectl -n <namespace> rollout restart $w"}, []string{"deployment/log-shipper"}, ""},
		{"sendgrid", "", runbook.Secret{Name: "SendGrid API key", Consumers: []string{"mailer"}}, "", nil,
			[]string{"/v3/api_keys"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			deploy := tt.deploy
			if deploy == "" {
				deploy = runbook.DeployKubernetes
			}
			r := &runbook.Request{System: "Test", Trigger: tt.trigger, SecretStore: tt.store, Deployment: []runbook.Deployment{deploy}, Environments: []string{"staging", "production"},
				Secrets: []runbook.Secret{tt.secret}, Constraints: tt.notes}
			text := allText(t, r)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range tt.never {
				if strings.Contains(text, w) {
					t.Errorf("contains %q", w)
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

// TestContainmentCleanupOnlyAfterContainment: what undoes a containment
// (MongoDB roles revoked from the exposed user, an Atlas user deleted) appears
// only in a runbook that contains; a scheduled rotation gets no step about a
// containment it never had.
func TestContainmentCleanupOnlyAfterContainment(t *testing.T) {
	for _, tc := range []struct{ name, undo string }{
		{"MongoDB user password", "grantRolesToUser('ledger_app'"},
		{"MongoDB Atlas user password", "Add `ledger_app` again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := func(trigger runbook.Trigger, exposure runbook.Exposure) *runbook.Request {
				// Admin privilege: a confirmed leak revokes it first (contains).
				return &runbook.Request{System: "Ledger", Trigger: trigger, Environments: []string{"staging", "production"},
					Deployment: []runbook.Deployment{runbook.DeployKubernetes},
					Secrets: []runbook.Secret{{Name: tc.name, Kind: runbook.KindDatabasePassword, Provider: "mongodb",
						Owner: "Data", Consumers: []string{"ledger-api"}, Exposure: exposure, Notes: "database user ledger_app",
						Privilege: runbook.PrivilegeAdmin}}}
			}
			scheduled := allText(t, req(runbook.TriggerScheduled, runbook.ExposureInternal))
			for _, bad := range []string{"at containment", "After a containment", tc.undo} {
				if strings.Contains(scheduled, bad) {
					t.Errorf("a scheduled rotation mentions %q", bad)
				}
			}
			leak := allText(t, req(runbook.TriggerConfirmedLeak, runbook.ExposurePublic))
			if !strings.Contains(leak, tc.undo) {
				t.Errorf("a contained user is not restored after the rotation: no %q", tc.undo)
			}
		})
	}
}

// TestAlternatingUsersSwitchTheUserToo: consumers of an alternating-users
// secret move to the idle user, so the store step writes the user's name with
// its password (one version), and the deploy changes the user name wherever
// a consumer sets it: storing only the password would log them in as the old
// user with the new password, and fail.
func TestAlternatingUsersSwitchTheUserToo(t *testing.T) {
	for _, provider := range []string{"postgres", "mongodb"} {
		req := &runbook.Request{System: "Ledger", Trigger: runbook.TriggerScheduled, Environments: []string{"staging", "production"},
			Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreAWSSecretsManager,
			Secrets: []runbook.Secret{{Name: "App database password", Kind: runbook.KindDatabasePassword, Provider: provider,
				Owner: "Data", Consumers: []string{"ledger-api"}, Notes: "database user ledger_app"}}}
		f, err := planner.Plan(req)
		if err != nil {
			t.Fatal(err)
		}
		if f.Secrets[0].Strategy != runbook.StrategyAlternatingUsers {
			t.Fatalf("%s: strategy %s", provider, f.Secrets[0].Strategy)
		}
		sec := RotationSequence(f)
		for _, tr := range sec.Tracks {
			for _, st := range tr.Steps {
				switch st.Phase {
				case runbook.PhaseStore:
					if !strings.Contains(st.Action, "user and password as one version") || !strings.Contains(st.Action, "<idle-user>") {
						t.Errorf("%s: step %d stores only the password: %s", provider, st.Order, st.Action)
					}
				case runbook.PhaseDeploy:
					if !strings.Contains(st.Action, "user name") {
						t.Errorf("%s: step %d does not change the user name consumers log in with: %s", provider, st.Order, st.Action)
					}
				}
			}
		}
	}
}

// TestThirdPartyExposureIsSpokenFor: a credential shared with a contractor
// gets a message asking them to delete it (the comms section no longer says
// nothing left the company), and a request asking to hold revocation is put
// to a person in the checklist instead of being silently dropped.
func TestThirdPartyExposureIsSpokenFor(t *testing.T) {
	req := &runbook.Request{System: "Notify", Trigger: runbook.TriggerSuspectedLeak, Environments: []string{"staging", "production"},
		Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreVault,
		Secrets: []runbook.Secret{{Name: "Twilio auth token", Provider: "twilio", Owner: "Messaging", Consumers: []string{"sms-sender"},
			Exposure: runbook.ExposureThirdParty, Notes: "Shared with a contractor over email last month"}},
		Constraints: []string{"Do not revoke anything until the contractor confirms, please"}}
	f, err := planner.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	sec := ExternalComms(f)
	ec := sec
	if !ec.Applicable || strings.Contains(ec.Reason, "nothing was exposed outside") {
		t.Errorf("external comms: applicable=%v reason=%q", ec.Applicable, ec.Reason)
	}
	found := false
	for _, m := range ec.Messages {
		if strings.Contains(m.Body, "delete every copy") {
			found = true
		}
	}
	if !found {
		t.Errorf("no message asks the contractor to delete their copy: %+v", ec.Messages)
	}
	pre := Preflight(f)
	text := strings.Join(pre.Checklist, "\n")
	if !strings.Contains(text, `"Do not revoke anything until the contractor confirms, please"`) || !strings.Contains(text, "not followed") {
		t.Errorf("the checklist does not put the request to hold revocation to a person:\n%s", text)
	}
}

// TestWhereTheValueReallyChanges: a CI variable written into a Kubernetes
// spec changes only when the pipeline re-renders the spec (a restart reuses
// the old one), and an access key's scope is its user's policies.
func TestWhereTheValueReallyChanges(t *testing.T) {
	req := &runbook.Request{System: "Shopfront", Trigger: runbook.TriggerScheduled, Environments: []string{"staging", "production"},
		Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreEnvVars,
		Secrets: []runbook.Secret{
			{Name: "Mailgun API key", Provider: "mailgun", Owner: "Growth", Consumers: []string{"mailer"}},
			{Name: "AWS upload key", Kind: runbook.KindCloudAccessKey, Provider: "aws", Owner: "Platform", Consumers: []string{"uploader"},
				Notes: "IAM user artifact-uploader with s3:PutObject on the artifacts bucket"},
		}}
	f, err := planner.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	sec := RotationSequence(f)
	for _, tr := range sec.Tracks {
		for _, st := range tr.Steps {
			if st.Phase == runbook.PhaseDeploy && (!strings.Contains(st.Action, "re-run the pipeline that renders") || strings.Contains(st.Action, "kubectl -n")) {
				t.Errorf("step %d restarts pods that would keep the old spec: %s", st.Order, st.Action)
			}
			if st.Phase == runbook.PhaseCreate && st.SecretID == f.Secrets[1].ID &&
				(strings.Contains(st.Action, "Give it no more than") || !strings.Contains(st.Action, "user's policies")) {
				t.Errorf("step %d scopes an access key instead of its user: %s", st.Order, st.Action)
			}
		}
	}
}

// TestRollbackFollowsWhyItIsExposed: a leaked credential is never rolled
// back and the backup plan says so (no line promising a rollback for it); a
// credential a departing person merely knew may be rolled back until its
// revoke step, before the deadline.
func TestRollbackFollowsWhyItIsExposed(t *testing.T) {
	req := func(trigger runbook.Trigger, exposure runbook.Exposure) *planner.Facts {
		f, err := planner.Plan(&runbook.Request{System: "Ledger", Trigger: trigger, Environments: []string{"staging", "production"},
			Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreVault,
			Secrets:     []runbook.Secret{{Name: "SendGrid API key", Provider: "sendgrid", Owner: "Growth", Consumers: []string{"mailer"}, Exposure: exposure}},
			Constraints: []string{"Departure is effective today at 17:00 UTC"}})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	leak := req(runbook.TriggerSuspectedLeak, runbook.ExposureThirdParty)
	pre := Preflight(leak)
	for _, line := range pre.BackupPlan {
		if strings.Contains(line, "undone as the rollback section says") {
			t.Errorf("a leaked credential is promised a rollback: %q", line)
		}
	}
	rb := Rollback(leak)
	if st := rb.Steps[0].Step; !strings.HasPrefix(st, "No rollback") {
		t.Errorf("leak rollback: %q", st)
	}
	off := req(runbook.TriggerOffboarding, runbook.ExposureInternal)
	if !off.Secrets[0].Exposed {
		t.Fatal("the departing person knew it: exposed")
	}
	rb = Rollback(off)
	if st := rb.Steps[0].Step; strings.HasPrefix(st, "No rollback") {
		t.Errorf("offboarding rollback before the deadline is refused: %q", st)
	}
}

// TestSharedAccountSlots: a credential with a fixed number of slots per
// account (Twilio's primary and secondary token) warns that environments
// sharing the account share the slots; one without (a SendGrid key) does not.
func TestSharedAccountSlots(t *testing.T) {
	f, err := planner.Plan(&runbook.Request{System: "Notify", Environments: []string{"staging", "production"},
		Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreVault,
		Secrets: []runbook.Secret{
			{Name: "Twilio auth token", Provider: "twilio", Owner: "Messaging", Consumers: []string{"sms-sender"}},
			{Name: "SendGrid API key", Provider: "sendgrid", Owner: "Growth", Consumers: []string{"mailer"}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	pre := Preflight(f)
	text := strings.Join(pre.Checklist, "\n")
	if !strings.Contains(text, "share one Twilio account or app for Twilio auth token") {
		t.Errorf("no shared-account warning for Twilio:\n%s", text)
	}
	if strings.Contains(text, "share one SendGrid account") {
		t.Errorf("a shared-account warning for SendGrid, which allows many keys")
	}
}

// TestOffboardedTokenIsRevokedByItsID: the operator does not hold the
// departing person's token, so it is revoked by id, as owner or admin, and
// checked without it.
func TestOffboardedTokenIsRevokedByItsID(t *testing.T) {
	text := allText(t, &runbook.Request{System: "Atlas", Trigger: runbook.TriggerOffboarding, Environments: []string{"production"},
		Deployment: []runbook.Deployment{runbook.DeployKubernetes}, SecretStore: runbook.StoreVault,
		Secrets:     []runbook.Secret{{Name: "Priya's personal GitLab token", Provider: "gitlab", Owner: "Data", Personal: ptrTrue()}},
		Constraints: []string{"Priya Nair leaves today; access ends today 18:00 UTC"}})
	for _, want := range []string{"personal_access_tokens/<token-id>", "revoked true"} {
		if !strings.Contains(text, want) {
			t.Errorf("the containment lacks %q", want)
		}
	}
}

func ptrTrue() *bool { b := true; return &b }

// allSections is every section this package writes, field by field in the
// runbook's order (internal/section lists them, but it imports this package,
// so this package's tests cannot use it).
func allSections(f *planner.Facts) reflect.Value {
	return reflect.ValueOf(runbook.Sections{Inventory: Inventory(f), RiskTriage: RiskTriage(f), Preflight: Preflight(f),
		RotationSequence: RotationSequence(f), Validation: Validation(f), Rollback: Rollback(f), InternalComms: InternalComms(f),
		ExternalComms: ExternalComms(f), AuditEvidence: AuditEvidence(f), Automation: Automation(f)})
}
