package llmtest

import (
	"fmt"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// largeKinds are the secrets a large request cycles through: vendors, stores
// and kinds the planner knows, so every secret gets a real plan.
var largeKinds = []struct {
	name     string
	kind     runbook.Kind
	provider string
}{
	{"Stripe API key", runbook.KindAPIKey, "stripe"},
	{"SendGrid API key", runbook.KindAPIKey, "sendgrid"},
	{"Postgres app password", runbook.KindDatabasePassword, "postgres"},
	{"GitHub webhook secret", runbook.KindWebhookSecret, "github"},
	{"Auth0 client secret", runbook.KindOAuthClientSecret, "auth0"},
	{"AWS access key", runbook.KindCloudAccessKey, "aws"},
	{"Twilio auth token", runbook.KindToken, "twilio"},
	{"MySQL replication password", runbook.KindDatabasePassword, "mysql"},
	{"Slack bot token", runbook.KindToken, "slack"},
	{"Datadog API key", runbook.KindAPIKey, "datadog"},
}

// LargeRequest is a scheduled rotation of n secrets (at most
// runbook.MaxSecrets) over staging and production, each read by two or three
// of 30 services: the shape of a platform team's quarterly rotation, for
// tests and benchmarks at scale. The same n gives the same request.
func LargeRequest(n int) *runbook.Request {
	req := &runbook.Request{
		System: fmt.Sprintf("Fleet %d", n), Trigger: runbook.TriggerScheduled, Environments: []string{"staging", "production"},
		Deployment: []runbook.Deployment{runbook.DeployKubernetes, runbook.DeployCICD}, SecretStore: runbook.StoreVault,
		DowntimeTolerance: runbook.DowntimeNone,
		Owners:            []runbook.Owner{{Name: "Platform", Role: runbook.RoleOwner}, {Name: "Security", Role: runbook.RoleApprover}},
		Constraints:       []string{"SOC 2 audit evidence required", "Rotate production during the low-traffic window (22:00 UTC)"},
	}
	teams := []string{"Platform", "Payments", "Growth Eng", "Infrastructure", "Data"}
	crit := []runbook.Criticality{runbook.CriticalityHigh, runbook.CriticalityMedium, runbook.CriticalityLow}
	for i := range 30 {
		req.Services = append(req.Services, runbook.Service{Name: fmt.Sprintf("svc-%02d", i), Owner: teams[i%len(teams)], Criticality: crit[i%len(crit)]})
	}
	for i := range n {
		k := largeKinds[i%len(largeKinds)]
		consumers := []string{fmt.Sprintf("svc-%02d", i%30), fmt.Sprintf("svc-%02d", (i+7)%30)}
		if i%3 == 0 {
			consumers = append(consumers, fmt.Sprintf("svc-%02d", (i+13)%30))
		}
		req.Secrets = append(req.Secrets, runbook.Secret{
			Name: fmt.Sprintf("%s %d", k.name, i+1), Kind: k.kind, Provider: k.provider, Owner: teams[i%len(teams)],
			Consumers: consumers, Environments: []string{"staging", "production"}, Exposure: runbook.ExposureInternal,
		})
	}
	return req
}
