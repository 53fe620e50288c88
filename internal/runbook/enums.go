package runbook

import "strings"

// Closed vocabularies of the request and the runbook. Each type has a list of its
// values in the order the documentation gives them; validation messages quote it.

// Trigger is why the rotation happens.
type Trigger string

// Triggers.
const (
	TriggerScheduled     Trigger = "scheduled"
	TriggerSuspectedLeak Trigger = "suspected_leak"
	TriggerConfirmedLeak Trigger = "confirmed_leak"
	TriggerOffboarding   Trigger = "offboarding"
	TriggerVendorChange  Trigger = "vendor_change"
	TriggerCompliance    Trigger = "compliance"
)

// Triggers lists every Trigger.
var Triggers = []Trigger{TriggerScheduled, TriggerSuspectedLeak, TriggerConfirmedLeak, TriggerOffboarding, TriggerVendorChange, TriggerCompliance}

// IsLeak reports whether the trigger is a leak, suspected or confirmed.
func (t Trigger) IsLeak() bool { return t == TriggerSuspectedLeak || t == TriggerConfirmedLeak }

// Deployment is how consumers get new configuration.
type Deployment string

// Deployments.
const (
	DeployCICD       Deployment = "ci_cd"
	DeployKubernetes Deployment = "kubernetes"
	DeployServerless Deployment = "serverless"
	DeployManual     Deployment = "manual"
	DeployVM         Deployment = "vm"
)

// Deployments lists every Deployment.
var Deployments = []Deployment{DeployCICD, DeployKubernetes, DeployServerless, DeployManual, DeployVM}

// SecretStore is where secret values live.
type SecretStore string

// Secret stores.
const (
	StoreVault             SecretStore = "vault"
	StoreAWSSecretsManager SecretStore = "aws_secrets_manager"
	StoreGCPSecretManager  SecretStore = "gcp_secret_manager"
	StoreAzureKeyVault     SecretStore = "azure_key_vault"
	StoreDoppler           SecretStore = "doppler"
	StoreInfisical         SecretStore = "infisical"
	// StoreOnePassword is 1Password (a vault read through Connect, a service
	// account or the op CLI).
	StoreOnePassword       SecretStore = "onepassword"
	StoreKubernetesSecrets SecretStore = "kubernetes_secrets"
	StoreEnvVars           SecretStore = "env_vars"
	StoreOther             SecretStore = "other"
)

// SecretStores lists every SecretStore.
var SecretStores = []SecretStore{StoreVault, StoreAWSSecretsManager, StoreGCPSecretManager, StoreAzureKeyVault, StoreDoppler, StoreInfisical, StoreOnePassword, StoreKubernetesSecrets, StoreEnvVars, StoreOther}

// Downtime is how much interruption the consumers tolerate.
type Downtime string

// Downtime tolerances.
const (
	DowntimeNone              Downtime = "none"
	DowntimeShortWindow       Downtime = "short_window"
	DowntimeMaintenanceWindow Downtime = "maintenance_window"
)

// Downtimes lists every Downtime.
var Downtimes = []Downtime{DowntimeNone, DowntimeShortWindow, DowntimeMaintenanceWindow}

// Kind is the kind of credential.
type Kind string

// Kinds of secret.
const (
	KindAPIKey            Kind = "api_key"
	KindOAuthClientSecret Kind = "oauth_client_secret"
	KindWebhookSecret     Kind = "webhook_signing_secret"
	// KindWebhookURL is a bearer URL: whoever has it can post (a Slack or
	// Teams incoming webhook).
	KindWebhookURL       Kind = "webhook_url"
	KindDatabasePassword Kind = "database_password"
	KindToken            Kind = "token"
	KindCloudAccessKey   Kind = "cloud_access_key"
	KindSSHKey           Kind = "ssh_key"
	KindTLSPrivateKey    Kind = "tls_private_key"
	KindEncryptionKey    Kind = "encryption_key"
	// KindSigningKey signs tokens (a JWT HS256 secret, an RS or ES private
	// key): verifiers hold a keyring by key id, and nothing was encrypted
	// with it, so there is never anything to re-encrypt.
	KindSigningKey Kind = "signing_key"
	KindOther      Kind = "other"
)

// Kinds lists every Kind.
var Kinds = []Kind{KindAPIKey, KindOAuthClientSecret, KindWebhookSecret, KindWebhookURL, KindDatabasePassword, KindToken, KindCloudAccessKey, KindSSHKey, KindTLSPrivateKey, KindEncryptionKey, KindSigningKey, KindOther}

// IsKey reports whether the kind is cryptographic key material, whose life
// cycle (generate, store, rotate, revoke, destroy) key-management controls
// such as PCI DSS 3.6/3.7 and ISO 27001 A.8.24 ask evidence for.
func (k Kind) IsKey() bool {
	return k == KindEncryptionKey || k == KindSigningKey || k == KindTLSPrivateKey || k == KindSSHKey
}

// Exposure is how far a secret's value may have travelled.
type Exposure string

// Exposures, widest first.
const (
	ExposurePublic     Exposure = "public"
	ExposureThirdParty Exposure = "third_party"
	ExposureInternal   Exposure = "internal"
	ExposureNone       Exposure = "none"
	ExposureUnknown    Exposure = "unknown"
)

// Exposures lists every Exposure.
var Exposures = []Exposure{ExposurePublic, ExposureThirdParty, ExposureInternal, ExposureNone, ExposureUnknown}

// Privilege is what a secret lets its holder do.
type Privilege string

// Privileges.
const (
	PrivilegeRead  Privilege = "read"
	PrivilegeWrite Privilege = "write"
	PrivilegeAdmin Privilege = "admin"
)

// Privileges lists every Privilege.
var Privileges = []Privilege{PrivilegeRead, PrivilegeWrite, PrivilegeAdmin}

// Criticality is how much a service matters to the business.
type Criticality string

// Criticalities.
const (
	CriticalityHigh   Criticality = "high"
	CriticalityMedium Criticality = "medium"
	CriticalityLow    Criticality = "low"
)

// Criticalities lists every Criticality.
var Criticalities = []Criticality{CriticalityHigh, CriticalityMedium, CriticalityLow}

// Role is what an owner does in the rotation: free text ("incident lead",
// "DBA on call"), with owner and approver as the values rotor acts on.
type Role string

// Known roles.
const (
	RoleOwner    Role = "owner"
	RoleApprover Role = "approver"
)

// Roles lists the known roles.
var Roles = []Role{RoleOwner, RoleApprover}

// Known is the known role r spells in any case and spacing ("Approver "),
// or r itself.
func (r Role) Known() Role {
	for _, k := range Roles {
		if strings.EqualFold(strings.TrimSpace(string(r)), string(k)) {
			return k
		}
	}
	return r
}

// Strategy is how a secret is replaced.
type Strategy string

// Strategies (ROTATION_RULES.md §1).
const (
	StrategyDualCredential   Strategy = "dual_credential"
	StrategyDualAccept       Strategy = "dual_accept"
	StrategyAlternatingUsers Strategy = "alternating_users"
	StrategyHardCutover      Strategy = "hard_cutover"
	StrategyRevokeFirst      Strategy = "revoke_first"
	StrategyRekey            Strategy = "rekey"
)

// Strategies lists every Strategy.
var Strategies = []Strategy{StrategyDualCredential, StrategyDualAccept, StrategyAlternatingUsers, StrategyHardCutover, StrategyRevokeFirst, StrategyRekey}

// HasOverlap reports whether old and new credentials are valid together under s.
func (s Strategy) HasOverlap() bool {
	return s != StrategyHardCutover && s != StrategyRevokeFirst
}

// Phase is one stage of a secret's rotation.
type Phase string

// Phases in the order they happen.
const (
	PhaseFreeze      Phase = "freeze"
	PhaseContain     Phase = "contain"
	PhaseInvestigate Phase = "investigate"
	PhaseCreate      Phase = "create"
	PhaseStore       Phase = "store"
	PhaseDeploy      Phase = "deploy"
	PhaseSwitch      Phase = "switch"
	PhaseVerify      Phase = "verify"
	PhaseRevoke      Phase = "revoke"
	PhaseCleanup     Phase = "cleanup"
	PhaseUnfreeze    Phase = "unfreeze"
)

// Phases lists every Phase in order.
var Phases = []Phase{PhaseFreeze, PhaseContain, PhaseInvestigate, PhaseCreate, PhaseStore, PhaseDeploy, PhaseSwitch, PhaseVerify, PhaseRevoke, PhaseCleanup, PhaseUnfreeze}

// Title is the phase as a heading word ("Create").
func (p Phase) Title() string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// Rank is the phase's position in Phases, or -1.
func (p Phase) Rank() int { return indexOf(Phases, p) }

// Level is a three-step scale (rotation risk, effort, risk reduction).
type Level string

// Levels.
const (
	LevelLow    Level = "low"
	LevelMedium Level = "medium"
	LevelHigh   Level = "high"
)

// Levels lists every Level.
var Levels = []Level{LevelLow, LevelMedium, LevelHigh}

// Priority is the urgency bucket of a secret, P0 most urgent.
type Priority string

// Priorities.
const (
	P0 Priority = "P0"
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
)

// Priorities lists every Priority.
var Priorities = []Priority{P0, P1, P2, P3}

// Severity of a lint finding.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Audience of a communication.
type Audience string

// Audiences.
const (
	AudienceEngineering Audience = "engineering"
	AudienceSupport     Audience = "support"
	AudienceLeadership  Audience = "leadership"
	AudienceCustomer    Audience = "customer"
	AudienceVendor      Audience = "vendor"
)

// Source says where a section of a served runbook came from.
type Source string

// Sources.
const (
	SourceLLM      Source = "llm"
	SourceCache    Source = "cache"
	SourceOffline  Source = "offline"
	SourceFallback Source = "fallback"
)

func indexOf[T comparable](list []T, v T) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

// OneOf reports whether v is in list.
func OneOf[T comparable](list []T, v T) bool { return indexOf(list, v) >= 0 }
