// Package catalog is what rotor knows about providers, secret stores and
// deployment methods, as data: one embedded YAML file per provider (under
// providers/), plus stores.yaml, deployments.yaml and products.yaml. The
// planner picks an entry per secret, the offline writer turns its actions into
// steps, the LLM prompt carries it as facts, and the linter uses the products
// to spot a command of the wrong product. Adding a vendor is adding a file.
package catalog

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

//go:embed providers/*.yaml stores.yaml deployments.yaml products.yaml effects.yaml templates.yaml
var files embed.FS

// Data reach values: what a credential of a provider reaches.
const (
	ReachMoney    = "money"
	ReachInfra    = "infrastructure"
	ReachPersonal = "personal_data"
	ReachCode     = "source_code"
	ReachService  = "service_data"
)

// Reaches lists every data reach value.
var Reaches = []string{ReachMoney, ReachInfra, ReachPersonal, ReachCode, ReachService}

// StoreNone is the store of a credential that never leaves its provider (a
// KMS key, a Vault lease): there is no value to write anywhere.
const StoreNone = "none"

// Provider is one vendor or system and the credentials it issues.
type Provider struct {
	ID      string   `yaml:"id" json:"id"`
	Name    string   `yaml:"name" json:"name"`
	Aliases []string `yaml:"aliases" json:"-"`
	// Reach is the data its credentials reach.
	Reach string `yaml:"reach" json:"reach"`
	// Unlocks is true when its credentials can read or mint other secrets.
	Unlocks bool `yaml:"unlocks" json:"unlocks"`
	// Kind is the kind to assume when a secret's name says nothing more.
	Kind runbook.Kind `yaml:"kind" json:"-"`
	// Database is true for database engines: "password" means a database password.
	Database bool `yaml:"database" json:"-"`
	// Products are the product ids (products.yaml) whose commands belong to
	// this provider.
	Products    []string     `yaml:"products" json:"-"`
	Credentials []Credential `yaml:"credentials" json:"-"`
	// Origin is where the provider comes from: "built-in", or the file of
	// the organisation's catalogue directory that defines it.
	Origin string `yaml:"-" json:"-"`
}

// Credential is one kind of credential a provider issues, and how to rotate it.
type Credential struct {
	ID    string `yaml:"id" json:"id"`
	Title string `yaml:"title" json:"title"`
	// Template names a shape many vendors share (templates.yaml): the entry
	// starts from it, its own fields win, and Params fill the template's
	// [[name]] slots with the vendor's own words.
	Template string            `yaml:"template" json:"-"`
	Params   map[string]string `yaml:"params" json:"-"`
	// Kinds it applies to; Match phrases (any, in the secret's name or notes)
	// narrow it further; Unless phrases exclude it.
	Kinds  []runbook.Kind `yaml:"kinds" json:"-"`
	Match  []string       `yaml:"match" json:"-"`
	Unless []string       `yaml:"unless" json:"-"`
	// MatchPersonal lets the entry fit without a Match phrase when the
	// secret is flagged personal (a person's own REST token is a user
	// token, never an account key: review17-cold3 r2).
	MatchPersonal bool `yaml:"match_personal" json:"-"`
	// AnyProvider lets the entry match a secret of any provider when its
	// Match phrases are present (AWS Secrets Manager's managed rotation of a
	// database password, whatever the engine).
	AnyProvider bool `yaml:"any_provider" json:"-"`
	// Stores, when set, limits the entry to secrets kept in those stores.
	Stores []runbook.SecretStore `yaml:"stores" json:"-"`
	// MinVersion excludes the entry when the secret's notes give an older
	// version of the product ("MySQL 8.0.12" is below 8.0.14).
	MinVersion string `yaml:"min_version" json:"-"`
	// MaxLive is how many credentials of this type can be valid at once
	// (1: no overlap; 0: not known, with OverlapUnknown).
	MaxLive int `yaml:"max_live" json:"max_live"`
	// OverlapUnknown is set when the provider is confirmed neither to allow
	// a second live credential nor to allow only one (an unknown provider):
	// the plan is the overlap, its create step checks first, and the planner
	// raises the question at the top of the runbook.
	OverlapUnknown bool `yaml:"overlap_unknown" json:"overlap_unknown,omitempty"`
	// Failures is what a consumer logs when the credential is wrong, where
	// that is not an HTTP 401/403 (Kafka: SASL authentication errors).
	Failures string `yaml:"failures" json:"failures,omitempty"`
	// NewUser is true when the entry's replacement is a second user with a
	// name of its own (a SCRAM user): the store writes the user name with
	// the secret, or consumers present the new secret under the old name.
	NewUser bool `yaml:"new_user" json:"new_user,omitempty"`
	// NewUserWhen lists phrases of a secret's name or notes that make its
	// replacement such a second user (an unknown product's "service
	// account"): NewUser for that secret only.
	NewUserWhen []string `yaml:"new_user_when" json:"-"`
	// User is the fixed user the entry acts on, when the product has one
	// (Redis's default user): the steps never ask for an application user.
	User string `yaml:"user" json:"user,omitempty"`
	// AccountSlots is set when the live credentials are a fixed number of
	// slots of one account or resource (Twilio's primary and secondary
	// token, an IAM user's two keys, a storage account's key1/key2): when
	// environments share that account they share the slots.
	AccountSlots int              `yaml:"account_slots" json:"account_slots,omitempty"`
	Strategy     runbook.Strategy `yaml:"strategy" json:"strategy"`
	Overlap      string           `yaml:"overlap" json:"overlap"`
	// SelfInvalidates is true when the provider's own rotation kills the old
	// credential (Auth0's rotate, Twilio's promote, an expiry set when rolling).
	SelfInvalidates bool `yaml:"self_invalidates" json:"self_invalidates"`
	// DiesWithUser says, when set, that the credential belongs to the user
	// who created it and stops working when that user is deactivated (an
	// Okta SSWS token, a Datadog application key): deactivating its
	// creator is a deadline for its replacement (holdout3 h6), and removing
	// a departing creator's user kills it (review20 round 4 M1).
	DiesWithUser string `yaml:"dies_with_user" json:"-"`
	// ContainIssues is true when the containment itself issues the
	// replacement (a roll or regeneration that ends the exposed value and
	// shows the new one): the contain step captures the new value into the
	// store at once, and no create or store step follows it.
	ContainIssues bool `yaml:"contain_issues" json:"contain_issues,omitempty"`
	// NotReplaced, when set, says why nothing replaces the credential (a
	// person's login token: they log in again): it is killed and never
	// issued again, like a secret the request says nothing replaces
	// (review17-cold6 row 22: a new orphan token was minted for a stolen
	// laptop's login).
	NotReplaced string `yaml:"not_replaced" json:"not_replaced,omitempty"`
	// LeakRevokeFirst is true when the provider's guidance on a leak is to
	// revoke before anything else.
	LeakRevokeFirst bool `yaml:"leak_revoke_first" json:"leak_revoke_first"`
	// PropagationSeconds is how long a new credential may take to work.
	PropagationSeconds int `yaml:"propagation_seconds" json:"propagation_seconds"`
	// Stored is false for credentials that never leave the provider.
	Stored *bool `yaml:"stored" json:"-"`
	// Generated is true when rotor's steps generate the value themselves
	// (a random HMAC secret, a database password) rather than the provider.
	Generated bool `yaml:"generated" json:"generated"`
	// JWKS: the verifiers fetch the public keys from a JWKS the issuer
	// publishes (RS/ES keys). The deploy step publishes the new kid
	// (Actions.Publish) and the verifiers are not redeployed: they need the
	// JWKS to carry both kids, and the switch waits out their JWKS cache
	// time (<jwks-cache-time>).
	JWKS bool `yaml:"jwks" json:"jwks,omitempty"`
	// PartnerSigns: the sender is outside the company (a partner signs
	// the webhooks we receive): it is handed the new secret and switches
	// itself; we own none of its settings (review17-cold3 r1).
	PartnerSigns bool `yaml:"partner_signs" json:"partner_signs,omitempty"`
	// ValueFormat is the format the consumers parse a generated value in,
	// when it is not free: ValueURLSafeBase64 (a Fernet key). Its create
	// action must generate exactly that.
	ValueFormat string `yaml:"value_format" json:"value_format,omitempty"`
	// Uses lists product families or single products (products.yaml) its
	// steps may legitimately use besides its provider's and its store's (an
	// MSK SCRAM user always lives in AWS Secrets Manager, whatever store the
	// consumers read; "database" for Vault database roles).
	Uses    []string `yaml:"uses" json:"-"`
	Actions Actions  `yaml:"actions" json:"actions"`
	Quirks  []string `yaml:"quirks" json:"quirks"`
	Sources []string `yaml:"sources" json:"-"`
	// Example is a secret the entry must match: tests plan, write and lint a
	// runbook for each entry's example under several triggers.
	Example Example `yaml:"example" json:"-"`
	// Exposes lists what a holder of the credential can read or mint beyond
	// it (ROTATION_RULES.md §2 rule 8): when it is exposed, what it reached
	// joins the inventory, as a rotation item when the catalogue knows it,
	// otherwise as an open item.
	Exposes []Exposure `yaml:"exposes" json:"exposes,omitempty"`
	// Parts makes the entry a compound secret ("Datadog API key and
	// application key"): the entries it is made of, each rotated as a secret
	// of its own. A compound entry has no actions of its own.
	Parts []Part `yaml:"parts" json:"parts,omitempty"`
	// AutoRemediation is what the provider does by itself to a credential
	// found public (ROTATION_RULES.md §2 rule 18).
	AutoRemediation *AutoRemediation `yaml:"auto_remediation" json:"auto_remediation,omitempty"`
	// VerifyEffect is the side effect of Actions.Verify (EffectNone when
	// empty): a check with an effect is refused where an effect-free one
	// exists (rule 19).
	VerifyEffect Effect `yaml:"verify_effect" json:"verify_effect,omitempty"`
	// Along names another entry whose rotation replaces this credential as
	// well: when the request also rotates a secret of entry
	// Along.Credential, this secret follows entry Along.Entry (a Shopify
	// custom app replaced for its Admin API token takes its client secret
	// with it: holdout3 h2).
	Along *Along `yaml:"along" json:"-"`
	// Receivers are the consumers that receive what the provider signs
	// with the credential (Twilio signs its webhooks with the primary auth
	// token): they keep accepting the old value until the provider switches
	// (review17-cold3 r3: sms-webhook moved onto the secondary too early).
	Receivers *Receivers `yaml:"receivers" json:"receivers,omitempty"`

	provider *Provider
}

// AlongOf is the entry's Along (nil for a nil entry).
func (cr *Credential) AlongOf() *Along {
	if cr == nil {
		return nil
	}
	return cr.Along
}

// Along is a credential replaced by another secret's rotation.
type Along struct {
	// Credential is the other secret's entry; Entry the one this secret
	// follows then; Why says it in the runbook's assumptions.
	Credential string `yaml:"credential"`
	Entry      string `yaml:"entry"`
	Why        string `yaml:"why"`
}

// Receivers says which consumers of a credential receive what the
// provider signs with it, and what their steps add. A consumer is one when
// its name holds one of Words, or the secret's notes name it in a sentence
// holding one. In the texts, {receivers} is their names, {s} "s" for one
// ("checks") and "" for several, {them} "it" or "them", {their} "its" or
// "their", and the usual variables ({var}).
type Receivers struct {
	Words []string `yaml:"words" json:"-"`
	// Deploy is a clause the deploy step's lead takes after the consumers
	// it rolls out ("..., sms-webhook holding both tokens ..."), so the
	// card's one line keeps it; DeployNote a sentence after the commands.
	Deploy          string `yaml:"deploy" json:"deploy"`
	DeployNote      string `yaml:"deploy_note" json:"deploy_note"`
	Verify          string `yaml:"verify" json:"verify"`
	Invalidate      string `yaml:"invalidate" json:"invalidate"`
	InvalidateCheck string `yaml:"invalidate_check" json:"invalidate_check"`
}

// ReceiverVars are the variables of Receivers' texts beside Vars.
var ReceiverVars = []string{"receivers", "s", "them", "their"}

// ValueURLSafeBase64 is a value in url-safe base64 (RFC 4648 §5: '-' and
// '_' for '+' and '/'), as Fernet keys are.
const ValueURLSafeBase64 = "urlsafe_base64"

// Reached names what an exposed credential can read or mint.
const (
	ReachCIVariables    = "ci_variables"
	ReachConfigVars     = "config_vars"
	ReachActionsSecrets = "actions_secrets"
	ReachStoreItems     = "store_items"
	ReachRoleSessions   = "role_sessions"
	ReachReplicaLinks   = "replica_links"
	// ReachMinted: persistence it could create that outlives it (tokens,
	// keys, triggers, webhooks, roles): listed, and every one nobody
	// accounts for removed at its kill (review18 round 6 X2a).
	ReachMinted = "minted"
)

// Reached lists every value of Exposure.Reach.
var Reached = []string{ReachCIVariables, ReachConfigVars, ReachActionsSecrets, ReachStoreItems, ReachRoleSessions, ReachReplicaLinks, ReachMinted}

// Exposure is one thing an exposed credential can read or mint.
type Exposure struct {
	// Reach is its kind, one of Reached.
	Reach string `yaml:"reach" json:"reach"`
	// When lists phrases of the secret's name or notes, one of which must be
	// present for it to apply ("api scope", "maintainer"); empty: always.
	When []string `yaml:"when" json:"-"`
	// Text names what it reaches, in a sentence's object position ("the
	// CI/CD variables of project <project>"); placeholders are filled with
	// what the request says.
	Text string `yaml:"text" json:"text"`
	// Credential is the id of a catalogue entry it reaches: that credential
	// joins the inventory and is rotated as exposed.
	Credential string `yaml:"credential" json:"credential,omitempty"`
	// Kill is the action that kills what was minted (role sessions): it
	// joins the kill step of the exposed credential.
	Kill string `yaml:"kill" json:"kill,omitempty"`
	// Investigate is where to review what was done with what it reached or
	// minted: it joins the investigation of the exposed credential.
	Investigate string `yaml:"investigate" json:"investigate,omitempty"`
	// Held lists phrases of another secret's name or notes that say it is
	// kept where this reach reads ("a group-level CI/CD variable"): a
	// secret of the same request held there is as exposed as the credential
	// that could read it, whatever its own exposure says (holdout3 h6).
	Held []string `yaml:"held" json:"-"`
	// List is how to list what it could read, by name and never by value (a
	// command or a console path): the open item says it, so the operators
	// know which secrets it means (review18 C6).
	List string `yaml:"list" json:"list,omitempty"`
}

// Part is one credential of a compound secret.
type Part struct {
	// Credential is the id of the part's own entry.
	Credential string `yaml:"credential" json:"credential"`
	// Name is what the part is called after the provider's name ("API key"
	// makes "Datadog API key").
	Name string `yaml:"name" json:"name"`
}

// AutoRemediation is a provider's own response to a credential found
// public: a leak runbook checks it first.
type AutoRemediation struct {
	// Does says what the provider does ("AWS attaches the
	// AWSCompromisedKeyQuarantineV3 policy to the key's user").
	Does string `yaml:"does" json:"does"`
	// Check is how to see whether it already happened.
	Check string `yaml:"check" json:"check"`
	// Warn is what must not be undone blindly, if anything.
	Warn string `yaml:"warn" json:"warn,omitempty"`
}

// Effect is what a check does besides checking.
type Effect string

// Effects of a check.
const (
	EffectNone     Effect = "none"
	EffectCustomer Effect = "customer" // reaches a real customer (an email, a webhook to their endpoint)
	EffectPage     Effect = "page"     // pages an on-call person
	EffectPublish  Effect = "publish"  // publishes a package, image or release
	EffectDeploy   Effect = "deploy"   // deploys to production
	EffectWrite    Effect = "write"    // changes production data (a push, an API write, a consumer's real call)
)

// EffectValues lists every effect.
var EffectValues = []Effect{EffectNone, EffectCustomer, EffectPage, EffectPublish, EffectDeploy, EffectWrite}

// Example is a request secret that selects an entry.
type Example struct {
	Name     string              `yaml:"name"`
	Kind     runbook.Kind        `yaml:"kind"`
	Provider string              `yaml:"provider"`
	Notes    string              `yaml:"notes"`
	Store    runbook.SecretStore `yaml:"store"`
}

// Actions are the concrete words for each phase. Text in backticks is a
// command; <angle brackets> are placeholders the operator fills; {name} is
// replaced by the writer (see Vars).
type Actions struct {
	// Discover finds every consumer before starting.
	Discover string `yaml:"discover" json:"discover"`
	// Preflight is a check to make before the first step.
	Preflight string `yaml:"preflight" json:"preflight,omitempty"`
	// Create makes the new credential; CreateCheck proves it exists.
	Create      string `yaml:"create" json:"create"`
	CreateCheck string `yaml:"create_check" json:"create_check"`
	// Replace is the create step after the exposed credential was already
	// killed at containment, when it differs from Create.
	Replace string `yaml:"replace" json:"replace,omitempty"`
	// ReplaceCheck proves the replacement exists when CreateCheck speaks of
	// the old credential beside it (the old one is already dead).
	ReplaceCheck string `yaml:"replace_check" json:"replace_check,omitempty"`
	// Store overrides the store's write (managed rotation writes itself).
	Store string `yaml:"store" json:"store,omitempty"`
	// Publish is the deploy step of a key whose verifiers fetch a JWKS:
	// the new public key joins the JWKS beside the current one.
	Publish string `yaml:"publish" json:"publish,omitempty"`
	// Switch moves the sender or the primary version (dual_accept, rekey).
	Switch      string `yaml:"switch" json:"switch,omitempty"`
	SwitchCheck string `yaml:"switch_check" json:"switch_check,omitempty"`
	// Verify proves the new credential works where it is used.
	Verify string `yaml:"verify" json:"verify"`
	// Quiet proves the old credential is no longer used.
	Quiet string `yaml:"quiet" json:"quiet"`
	// Invalidate kills the old credential; InvalidateCheck proves it is dead.
	Invalidate      string `yaml:"invalidate" json:"invalidate"`
	InvalidateCheck string `yaml:"invalidate_check" json:"invalidate_check"`
	// Contain kills an exposed credential now; ContainCheck proves it.
	Contain      string `yaml:"contain" json:"contain"`
	ContainCheck string `yaml:"contain_check" json:"contain_check"`
	// Restrict narrows an exposed credential that keeps its overlap.
	Restrict string `yaml:"restrict" json:"restrict,omitempty"`
	// Investigate says where to review use during the exposure window.
	Investigate string `yaml:"investigate" json:"investigate"`
	// Derived kills what was derived from an exposed credential.
	Derived string `yaml:"derived" json:"derived,omitempty"`
	// Rollback undoes the rotation; RollbackUntil says until when.
	Rollback      string `yaml:"rollback" json:"rollback"`
	RollbackUntil string `yaml:"rollback_until" json:"rollback_until"`
	// Cleanup is what remains after the old credential is dead.
	Cleanup string `yaml:"cleanup" json:"cleanup,omitempty"`
	// ContainCleanup is what remains only when the credential was contained
	// (roles revoked at containment are granted again to the idle user).
	ContainCleanup string `yaml:"contain_cleanup" json:"contain_cleanup,omitempty"`
}

// Texts lists every action text, for checks and template filling.
func (a *Actions) Texts() []*string {
	return []*string{&a.Discover, &a.Preflight, &a.Replace, &a.Create, &a.CreateCheck, &a.Store, &a.Publish, &a.Switch, &a.SwitchCheck, &a.Verify, &a.Quiet,
		&a.Invalidate, &a.InvalidateCheck, &a.Contain, &a.ContainCheck, &a.Restrict, &a.Investigate, &a.Derived, &a.Rollback, &a.RollbackUntil,
		&a.Cleanup, &a.ContainCleanup}
}

// Provider returns the provider the credential belongs to.
func (c *Credential) Provider() *Provider { return c.provider }

// IsStored reports whether the credential's value is written to a store.
func (c *Credential) IsStored() bool { return c.Stored == nil || *c.Stored }

// Store is a secret store.
type Store struct {
	ID       runbook.SecretStore `yaml:"id" json:"id"`
	Name     string              `yaml:"name" json:"name"`
	Products []string            `yaml:"products" json:"-"`
	// Path is the placeholder for where a value lives when the request does
	// not say.
	Path string `yaml:"path" json:"path"`
	// Write stores a new version under the same name; WriteNext stores a
	// second value beside the current one (a _NEXT secret).
	Write     string `yaml:"write" json:"write"`
	WriteNext string `yaml:"write_next" json:"write_next"`
	// WriteUser stores a user name ({user}) and its password together in
	// one version, keeping the other fields (a move to another user, or a
	// second identity, changes both).
	WriteUser string `yaml:"write_user" json:"write_user,omitempty"`
	// Backup keeps the current value for a rollback, before Write, when the
	// store keeps no version history itself. It is skipped for an exposed
	// credential, which is never restored.
	Backup string `yaml:"backup" json:"backup,omitempty"`
	// Check proves the write without reading the value.
	Check string `yaml:"check" json:"check"`
	// Rollback restores the previous value.
	Rollback string `yaml:"rollback" json:"rollback"`
	// Loaded says how a consumer on each runtime gets the value.
	Loaded map[runbook.Deployment]string `yaml:"loaded" json:"loaded"`
	// FetchCredential is the id of the catalogue entry of the token CI/CD
	// pipelines use to read the store (Doppler's service token): a breach of
	// the CI/CD vendor exposes it, and it is rotated before anything it
	// fetches.
	FetchCredential string `yaml:"fetch_credential" json:"fetch_credential,omitempty"`
}

// Deployment is how consumers pick up a new value.
type Deployment struct {
	ID runbook.Deployment `yaml:"id" json:"id"`
	// Reload makes one consumer re-read the value; Check proves it did.
	Reload string `yaml:"reload" json:"reload"`
	Check  string `yaml:"check" json:"check"`
	// ReloadMany and CheckMany do the same for several {targets} at once,
	// where the tool allows it.
	ReloadMany string `yaml:"reload_many" json:"reload_many,omitempty"`
	CheckMany  string `yaml:"check_many" json:"check_many,omitempty"`
	// Workloads override Reload and Check per workload kind (Kubernetes:
	// cronjob, job; a VM's timer) or per change path (ansible, gitops).
	Workloads map[string]Workload `yaml:"workloads" json:"workloads,omitempty"`
	// Known are consumers recognised by their name, and how they really run.
	Known []Known `yaml:"known" json:"known,omitempty"`
	// Platforms are the clouds a runtime runs on (serverless: AWS Lambda,
	// Cloud Run, Azure Functions), each with its own reload; NoPlatform is
	// the reload when nothing says which (asked at the top, never one
	// cloud by default).
	Platforms  []Platform `yaml:"platforms" json:"platforms,omitempty"`
	NoPlatform *Platform  `yaml:"no_platform" json:"no_platform,omitempty"`
}

// Platform is one cloud a runtime runs on, and how a consumer there
// re-reads a value. Empty reload texts keep the Deployment's own (AWS
// Lambda's are the serverless defaults).
type Platform struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Words in a consumer's name or the request's text say it
	// ("export-lambda", "runs on Cloud Run"); Stores and Providers say it
	// when no words do: the secret store, or the one cloud provider among
	// the request's secrets.
	Words     []string              `yaml:"words" json:"-"`
	Stores    []runbook.SecretStore `yaml:"stores" json:"-"`
	Providers []string              `yaml:"providers" json:"-"`
	Reload    string                `yaml:"reload" json:"reload,omitempty"`
	Check     string                `yaml:"check" json:"check,omitempty"`
	// EnvReload and EnvCheck: the value lives in the function's own
	// variables (a CI variable the deploy job injects).
	EnvReload string `yaml:"env_reload" json:"env_reload,omitempty"`
	EnvCheck  string `yaml:"env_check" json:"env_check,omitempty"`
	Source    string `yaml:"source" json:"source"`
}

// Platform is the runtime's platform with the id, or nil.
func (d *Deployment) Platform(id string) *Platform {
	for i := range d.Platforms {
		if d.Platforms[i].ID == id {
			return &d.Platforms[i]
		}
	}
	return nil
}

// PlatformIn is the platform whose words a lower-case text holds first,
// or nil.
func (d *Deployment) PlatformIn(text string) *Platform {
	var best *Platform
	at := len(text) + 1
	for i := range d.Platforms {
		for _, w := range d.Platforms[i].Words {
			if j := wordIndex(text, w); j >= 0 && j < at {
				best, at = &d.Platforms[i], j
			}
		}
	}
	return best
}

// Known is a consumer rotor recognises by its name on a runtime: the Datadog
// Agent is a DaemonSet, Argo CD a repo-server Deployment and an
// application-controller StatefulSet, a monthly batch a scheduled job.
type Known struct {
	ID string `yaml:"id" json:"id"`
	// Names match a consumer's whole name; Words, words in it.
	Names []string `yaml:"names" json:"names,omitempty"`
	Words []string `yaml:"words" json:"words,omitempty"`
	// Workload is the kind it runs as (a key of Workloads, or a Kubernetes
	// kind rolled out as {workload}/{consumer}).
	Workload string `yaml:"workload" json:"workload,omitempty"`
	// Targets are the workloads that re-read a secret, when they are not
	// {workload}/{consumer} ("statefulset/argocd-application-controller").
	Targets []string `yaml:"targets" json:"targets,omitempty"`
	// Scheduled is true for a consumer that runs on a schedule: it reads
	// the value at its next run, and proving it early needs its owner.
	Scheduled bool `yaml:"scheduled" json:"scheduled,omitempty"`
	// AlertPath is true for a consumer that delivers alerts (Alertmanager):
	// rotating its credentials can silence the alerts every other rotation
	// watches.
	AlertPath bool `yaml:"alert_path" json:"alert_path,omitempty"`
	// NoRestart are secrets it picks up without a restart.
	NoRestart []NoRestart `yaml:"no_restart" json:"no_restart,omitempty"`
	Source    string      `yaml:"source" json:"source"`
}

// NoRestart is a secret a known consumer picks up without a restart (Argo
// CD's repository credentials), found by words of the secret's name or notes.
type NoRestart struct {
	Match  []string `yaml:"match" json:"match"`
	Reload string   `yaml:"reload" json:"reload"`
	Check  string   `yaml:"check" json:"check"`
}

// KnownConsumer is the known consumer of a runtime whose name matches, or
// nil; a whole-name match wins over a word.
func (d *Deployment) KnownConsumer(name string) *Known {
	lower := strings.ToLower(name)
	for i := range d.Known {
		for _, n := range d.Known[i].Names {
			if lower == n {
				return &d.Known[i]
			}
		}
	}
	for i := range d.Known {
		if HasAny(lower, d.Known[i].Words...) {
			return &d.Known[i]
		}
	}
	return nil
}

// KnownByID returns the known consumer with the id, or nil.
func (d *Deployment) KnownByID(id string) *Known {
	for i := range d.Known {
		if d.Known[i].ID == id {
			return &d.Known[i]
		}
	}
	return nil
}

// NoRestartFor is how a known consumer picks up a secret without a
// restart, when the secret's lower-case name and notes say it is one of
// those, or nil.
func (k *Known) NoRestartFor(text string) *NoRestart {
	for i := range k.NoRestart {
		if HasAny(text, k.NoRestart[i].Match...) {
			return &k.NoRestart[i]
		}
	}
	return nil
}

// Workload is how one workload kind reloads.
type Workload struct {
	Reload string `yaml:"reload" json:"reload"`
	Check  string `yaml:"check" json:"check"`
}

// Product is a tool or service whose commands identify it in a step.
type Product struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Family string `yaml:"family"`
	// Patterns are regular expressions; any match marks a text as using the
	// product.
	Patterns []string `yaml:"patterns"`
	res      []*regexp.Regexp
	// needles[i] are literals one of which a match of res[i] holds.
	needles [][]string
}

// Catalog is the whole catalogue.
type Catalog struct {
	Providers   []*Provider
	Stores      []*Store
	Deployments []*Deployment
	Products    []*Product
	// Effects are the checks known to have side effects, with their
	// effect-free alternatives.
	Effects []*SideEffect
	// Templates are the credential shapes provider entries may start from.
	Templates []*Template
	generic   *Credential
	// products and effects index the needles of every product pattern and
	// every side-effect pattern, in order (nil: each is searched alone).
	products, effects *needleIndex
}

// SideEffect is a kind of check that does more than check (pages someone,
// publishes, deploys, reaches a customer), and what to check with instead.
type SideEffect struct {
	ID     string `yaml:"id"`
	Effect Effect `yaml:"effect"`
	// Patterns are regular expressions; any match marks a text as doing it.
	Patterns []string `yaml:"patterns"`
	// Instead is the effect-free check to use.
	Instead string `yaml:"instead"`
	res     []*regexp.Regexp
	// needles[i] are literals one of which a match of res[i] holds.
	needles [][]string
}

// EffectsIn lists the side effects a check's text has, with the matched
// snippet of each; a match the text negates ("do not re-run the publish
// pipeline", "never send a trigger event") does not count.
func (c *Catalog) EffectsIn(text string) []EffectUse {
	var out []EffectUse
	lower, ascii := asciiLower(text)
	var may []bool
	if ascii && c.effects != nil && len(c.effects.groups) == patternCount(c.Effects, func(e *SideEffect) int { return len(e.res) }) {
		may = c.effects.candidates(lower)
	}
	k := 0
	for _, e := range c.Effects {
		at := k
		k += len(e.res)
	patterns:
		for i, re := range e.res {
			switch {
			case may != nil && !may[at+i]:
				continue
			case may == nil && ascii && i < len(e.needles) && !mayMatch(lower, e.needles[i]):
				continue
			}
			for _, m := range re.FindAllStringIndex(text, -1) {
				if !negatedEffectRE.MatchString(text[max(0, m[0]-32):m[0]]) {
					out = append(out, EffectUse{Effect: e, Match: text[m[0]:m[1]]})
					break patterns
				}
			}
		}
	}
	return out
}

// negatedEffectRE, just before a side effect, says it is not done.
var negatedEffectRE = regexp.MustCompile(`(?i)\b(never|not|no|without|instead of|rather than|nor)\b[^.;:]{0,24}$`)

// EffectUse is a side effect found in a text.
type EffectUse struct {
	Effect *SideEffect
	Match  string
}

// GenericID is the id of the safe entry for an unknown provider or credential.
const GenericID = "generic-unknown"

var (
	loadOnce sync.Once
	loaded   *Catalog
	loadErr  error
	// installed is the catalogue the process runs with when it is not the
	// embedded one (the organisation's directory merged in at start).
	installed atomic.Pointer[Catalog]
)

// Default returns the catalogue the process runs with: the one Install set
// at start, else the embedded one.
func Default() *Catalog {
	if c := installed.Load(); c != nil {
		return c
	}
	return Builtin()
}

// Builtin returns the embedded catalogue, loaded once. A broken embedded
// file is a build defect: the shape test catches it, and Builtin panics.
func Builtin() *Catalog {
	loadOnce.Do(func() {
		loaded, loadErr = Load(files)
		if loaded != nil {
			for _, p := range loaded.Providers {
				p.Origin = OriginBuiltin
			}
		}
	})
	if loadErr != nil {
		panic(loadErr)
	}
	return loaded
}

// OriginBuiltin is the Origin of an embedded provider.
const OriginBuiltin = "built-in"

// Install makes c the catalogue of the process (Default). It is called once
// at start, before any request is planned, with the organisation's
// directory merged in (LoadDir); it is not a way to swap catalogues while
// serving.
func Install(c *Catalog) { installed.Store(c) }

// Load reads a catalogue from a file system laid out like the embedded one.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{}
	names, err := fs.Glob(fsys, "providers/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, n := range names {
		var p Provider
		if err := decode(fsys, n, &p); err != nil {
			return nil, err
		}
		if want := strings.TrimSuffix(path.Base(n), ".yaml"); p.ID != want {
			return nil, fmt.Errorf("catalog: %s: id %q must match the file name %q", n, p.ID, want)
		}
		c.Providers = append(c.Providers, &p)
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"stores.yaml", &c.Stores}, {"deployments.yaml", &c.Deployments}, {"products.yaml", &c.Products}} {
		if err := decode(fsys, f.name, f.v); err != nil {
			return nil, err
		}
	}
	// Templates are optional too; entries naming one need it.
	if _, err := fs.Stat(fsys, "templates.yaml"); err == nil {
		if err := decode(fsys, "templates.yaml", &c.Templates); err != nil {
			return nil, err
		}
	}
	if problems := c.expandTemplates(c.Providers); len(problems) > 0 {
		return nil, fmt.Errorf("catalog: %s", strings.Join(problems, "; "))
	}
	// Side effects are optional: a catalogue without them refuses no check.
	if _, err := fs.Stat(fsys, "effects.yaml"); err == nil {
		if err := decode(fsys, "effects.yaml", &c.Effects); err != nil {
			return nil, err
		}
	}
	if err := c.compile(); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	for _, e := range c.Effects {
		for _, pat := range e.Patterns {
			re, err := regexp.Compile(pat)
			if err != nil {
				return nil, fmt.Errorf("catalog: effect %s: pattern %q: %w", e.ID, pat, err)
			}
			e.res = append(e.res, re)
			e.needles = append(e.needles, needles(pat))
		}
	}
	c.effects = indexNeedles(c.Effects, func(e *SideEffect) []*regexp.Regexp { return e.res })
	if problems := c.Check(); len(problems) > 0 {
		return nil, fmt.Errorf("catalog: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

func decode(fsys fs.FS, name string, v any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict()).Decode(v); err != nil {
		return fmt.Errorf("catalog: %s: %w", name, err)
	}
	return nil
}

// Provider returns the provider with the id, or nil.
func (c *Catalog) Provider(id string) *Provider {
	for _, p := range c.Providers {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Credential returns the entry with the id, or nil.
func (c *Catalog) Credential(id string) *Credential {
	for _, p := range c.Providers {
		for i := range p.Credentials {
			if p.Credentials[i].ID == id {
				return &p.Credentials[i]
			}
		}
	}
	return nil
}

// Generic is the safe entry used when nothing more specific matches.
func (c *Catalog) Generic() *Credential { return c.generic }

// Store returns the store with the id, or nil.
func (c *Catalog) Store(id runbook.SecretStore) *Store {
	for _, s := range c.Stores {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Deployment returns the deployment method with the id, or nil.
func (c *Catalog) Deployment(id runbook.Deployment) *Deployment {
	for _, d := range c.Deployments {
		if d.ID == id {
			return d
		}
	}
	return nil
}

// Product returns the product with the id, or nil.
func (c *Catalog) Product(id string) *Product {
	for _, p := range c.Products {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// InferProvider finds the provider a lower-case text names first ("Datadog
// API key for Kubernetes agents" is Datadog's), as a whole word; at the same
// place the longest alias wins ("azure ad" over "azure").
func (c *Catalog) InferProvider(text string) *Provider {
	var best *Provider
	bestAt, bestLen := len(text)+1, 0
	for _, p := range c.Providers {
		for _, a := range p.Aliases {
			at := wordIndex(text, a)
			if at < 0 {
				continue
			}
			if at < bestAt || (at == bestAt && len(a) > bestLen) {
				best, bestAt, bestLen = p, at, len(a)
			}
		}
	}
	return best
}

// Match picks the credential entry for a secret of a provider (nil: unknown)
// and kind, given its lower-case name and notes: the provider's first entry
// whose kinds and phrases fit, then the generic entries of the kind (entries
// of the "generic" provider), then the safe unknown entry.
func (c *Catalog) Match(provider *Provider, kind runbook.Kind, store runbook.SecretStore, text string) *Credential {
	return c.MatchSecret(provider, kind, store, text, false)
}

// MatchSecret is Match for a secret that may be flagged personal (the
// request's field personal): an entry with MatchPersonal then fits without
// its Match phrases.
func (c *Catalog) MatchSecret(provider *Provider, kind runbook.Kind, store runbook.SecretStore, text string, personal bool) *Credential {
	for _, p := range c.Providers {
		for i := range p.Credentials {
			if cr := &p.Credentials[i]; cr.AnyProvider && cr.fits(kind, store, text, personal) {
				return cr
			}
		}
	}
	if provider != nil {
		if cr := matchIn(provider, kind, store, text, personal); cr != nil {
			return cr
		}
	}
	if g := c.Provider("generic"); g != nil {
		if cr := matchIn(g, kind, store, text, personal); cr != nil {
			return cr
		}
	}
	return c.generic
}

func matchIn(p *Provider, kind runbook.Kind, store runbook.SecretStore, text string, personal bool) *Credential {
	for i := range p.Credentials {
		if cr := &p.Credentials[i]; !cr.AnyProvider && cr.ID != GenericID && cr.fits(kind, store, text, personal) {
			return cr
		}
	}
	return nil
}

// NewUserFor reports whether the replacement of a secret with this lower-case
// name and notes is a second user with its own name (NewUser, NewUserWhen).
func (cr *Credential) NewUserFor(text string) bool {
	return cr.NewUser || len(cr.NewUserWhen) > 0 && HasAny(text, cr.NewUserWhen...)
}

func (cr *Credential) fits(kind runbook.Kind, store runbook.SecretStore, text string, personal bool) bool {
	switch {
	case !runbook.OneOf(cr.Kinds, kind):
		return false
	case len(cr.Stores) > 0 && !runbook.OneOf(cr.Stores, store):
		return false
	case len(cr.Match) > 0 && !HasAffirmed(text, cr.Match...) && !(personal && cr.MatchPersonal):
		return false
	case len(cr.Unless) > 0 && HasAny(text, cr.Unless...):
		return false
	case cr.MinVersion != "" && olderThan(text, cr.MinVersion):
		return false
	}
	return true
}

var (
	versionRE = regexp.MustCompile(`^(\d+)\.(\d+)(?:\.(\d+))?$`)
	// statedRE finds a version a text states: after a product name or the
	// word version ("MySQL 8.0.12", "version 5.7", "v8.0").
	statedRE = regexp.MustCompile(`(?i)(?:mysql|mariadb|postgres(?:ql)?|mongodb|redis|version|ver\.?|\bv)\s*(\d+)\.(\d+)(?:\.(\d+))?`)
)

// olderThan reports whether text states a version older than min.
func olderThan(text, min string) bool {
	got := statedRE.FindStringSubmatch(text)
	want := versionRE.FindStringSubmatch(min)
	if got == nil || want == nil {
		return false
	}
	for i := 1; i <= 3; i++ {
		g, _ := strconv.Atoi(got[i])
		w, _ := strconv.Atoi(want[i])
		if g != w {
			return g < w
		}
	}
	return false
}

// GenericWordsIn lists the phrases of text that select a generic entry (a
// broker's SASL/SCRAM, an internal HMAC's signer): a note made of them says
// what the credential is.
func (c *Catalog) GenericWordsIn(text string) []string {
	var out []string
	g := c.Provider("generic")
	if g == nil {
		return nil
	}
	lower := strings.ToLower(text)
	for _, cr := range g.Credentials {
		for _, m := range cr.Match {
			if HasWord(lower, m) && !runbook.OneOf(out, m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// ProductsIn lists the products whose patterns match text, with the matched
// snippet of each.
func (c *Catalog) ProductsIn(text string) []Use {
	var out []Use
	t := c.Text(text)
	for _, i := range t.Possible() {
		if m := t.Uses(i); m != "" {
			out = append(out, Use{Product: c.Products[i], Match: m})
		}
	}
	return out
}

// Text is one text as the catalogue reads it, product by product: which
// products' needles it holds is found at once (one pass), and a product's
// regular expressions run only when that product is asked about. A caller
// that cares about some products only (the linter: those a secret may not
// use) skips the others' regular expressions. Safe for concurrent use.
type Text struct {
	c    *Catalog
	text string
	// may says per pattern (in product order) whether the text holds one
	// of its needles; nil: no index (each pattern's needles are searched).
	may   []bool
	lower string
	ascii bool
	// possible are the products whose patterns may match (Possible).
	possible []int
	// uses[i] is the snippet of product i, once asked[i].
	mu    sync.Mutex
	uses  []string
	asked []bool
}

// Text prepares text for Uses.
func (c *Catalog) Text(text string) *Text {
	t := &Text{c: c, text: text}
	t.lower, t.ascii = asciiLower(text)
	if t.ascii && c.products != nil && len(c.products.groups) == patternCount(c.Products, func(p *Product) int { return len(p.res) }) {
		t.may = c.products.candidates(t.lower)
	}
	t.uses, t.asked = make([]string, len(c.Products)), make([]bool, len(c.Products))
	at := 0
	for i, p := range c.Products {
		n := len(p.res)
		if t.may == nil || slices.Contains(t.may[at:at+n], true) {
			t.possible = append(t.possible, i)
		}
		at += n
	}
	return t
}

// Possible lists, in catalogue order, the products the text may use: those
// with a pattern whose needles it holds (every product when the text has
// no index). Uses finds nothing for the others, so a caller asking about
// many products asks these alone, without Uses' lock per product.
func (t *Text) Possible() []int { return t.possible }

// Uses returns the snippet by which the text uses product c.Products[i]
// ("" for none): the first match of its first matching pattern.
func (t *Text) Uses(i int) string {
	t.mu.Lock()
	if t.asked[i] {
		m := t.uses[i]
		t.mu.Unlock()
		return m
	}
	t.mu.Unlock()
	at := 0
	for _, p := range t.c.Products[:i] {
		at += len(p.res)
	}
	p, m := t.c.Products[i], ""
	for k, re := range p.res {
		switch {
		case t.may != nil && !t.may[at+k]:
			continue
		case t.may == nil && t.ascii && !mayMatch(t.lower, p.needles[k]):
			continue
		}
		if m = re.FindString(t.text); m != "" {
			break
		}
	}
	t.mu.Lock()
	t.uses[i], t.asked[i] = m, true
	t.mu.Unlock()
	return m
}

// patternCount counts the patterns of a list of products or effects.
func patternCount[T any](list []T, n func(T) int) int {
	total := 0
	for _, x := range list {
		total += n(x)
	}
	return total
}

// indexNeedles indexes the needle groups of the compiled patterns of a
// list of products or effects, in order.
func indexNeedles[T any](list []T, compiled func(T) []*regexp.Regexp) *needleIndex {
	var groups [][][]string
	for _, x := range list {
		for _, re := range compiled(x) {
			groups = append(groups, needleGroups(re.String()))
		}
	}
	return newNeedleIndex(groups)
}

// Use is a product found in a text.
type Use struct {
	Product *Product
	Match   string
}

// Allowed lists the product ids a secret's steps may use: its provider's,
// its store's, and every product of the families its entry uses.
func (c *Catalog) Allowed(cr *Credential, store string) map[string]bool {
	ok := map[string]bool{}
	if cr == nil {
		return ok
	}
	for _, id := range cr.provider.Products {
		ok[id] = true
	}
	if s := c.Store(runbook.SecretStore(store)); s != nil && cr.IsStored() {
		for _, id := range s.Products {
			ok[id] = true
		}
	}
	for _, p := range c.Products {
		if p.Family == "generic" || runbook.OneOf(cr.Uses, p.Family) || runbook.OneOf(cr.Uses, p.ID) || (cr.Generated && p.Family == "secret_generation") {
			ok[p.ID] = true
		}
	}
	return ok
}

// HasWord reports whether phrase occurs in lower-case text on word boundaries.
func HasWord(text, phrase string) bool { return wordIndex(text, phrase) >= 0 }

// wordIndex is where phrase first occurs in text on word boundaries, or -1.
func wordIndex(text, phrase string) int {
	if phrase == "" {
		return -1
	}
	i := 0
	for {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return -1
		}
		start, end := i+j, i+j+len(phrase)
		if (start == 0 || !isWordByte(text[start-1])) && (end == len(text) || !isWordByte(text[end])) {
			return start
		}
		i = start + 1
	}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_' || b >= 'A' && b <= 'Z'
}

// FirstWord is the first of phrases that occurs in text as a whole word
// (the words that chose an entry), or "".
func FirstWord(text string, phrases []string) string {
	for _, p := range phrases {
		if HasWord(text, p) {
			return p
		}
	}
	return ""
}

// HasAffirmed reports whether any phrase occurs in lower-case text as a
// whole word that the text does not deny: "no rotation Lambda configured",
// "never set up a rotation lambda" and "rotation lambda is not configured"
// say there is none (holdout3 h3: they chose the Secrets Manager rotation
// entry for a role that owns its tables). A phrase is denied by a negator
// among the four words before it in its clause, or by "disabled" or "not"
// and a state word ("not configured", "isn't enabled") among the three
// words after it. A phrase that is where something moves to ("Atlantis moves
// to the AppRole we set up", "migrates to AppRole auth", "switching it over
// to an AppRole") names the credential's successor, not the credential
// (review17-cold6 row 26: a periodic orphan token was planned as an AppRole
// secret-id).
func HasAffirmed(text string, phrases ...string) bool {
	for _, p := range phrases {
		for i := 0; i < len(text); {
			j := wordIndex(text[i:], p)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(p)
			if !denied(text, start, end) {
				return true
			}
			i = start + 1
		}
	}
	return false
}

// negators deny the phrase after them; stateWords, after "not", deny the
// phrase before them.
var (
	negators = []string{"no", "not", "without", "never", "nor", "none", "isn't", "aren't", "wasn't", "don't", "doesn't", "didn't"}
	// movers, then one of towards among the words before a phrase, make it
	// the place something moves to.
	movers     = []string{"move", "moves", "moving", "moved", "migrate", "migrates", "migrating", "migrated", "switch", "switches", "switching", "switched", "transition", "transitions", "transitioning", "cut", "cuts", "cutting", "port", "ports", "porting"}
	towards    = []string{"to", "onto", "into"}
	stateWords = []string{"configured", "attached", "enabled", "set", "setup", "used", "on", "there", "in"}
)

// denied reports whether the phrase at text[start:end] is negated in its
// clause (see HasAffirmed).
func denied(text string, start, end int) bool {
	clause := func(r rune) bool {
		return r == '.' || r == ';' || r == ':' || r == ',' || r == '(' || r == ')' || r == '\n'
	}
	before := text[:start]
	if k := strings.LastIndexFunc(before, clause); k >= 0 {
		before = before[k+1:]
	}
	bw := strings.Fields(before)
	for _, w := range bw[max(0, len(bw)-4):] {
		if slices.Contains(negators, w) {
			return true
		}
	}
	// "moves to the AppRole", "switching deploy-bot over to an AppRole":
	// a mover, then "to" with at most two words (an article, "new") between
	// it and the phrase.
	for i := len(bw) - 1; i >= max(0, len(bw)-3); i-- {
		if slices.Contains(towards, bw[i]) {
			for _, w := range bw[max(0, i-4):i] {
				if slices.Contains(movers, w) {
					return true
				}
			}
			break
		}
	}
	after := text[end:]
	if k := strings.IndexFunc(after, clause); k >= 0 {
		after = after[:k]
	}
	aw := strings.Fields(after)
	for i, w := range aw[:min(3, len(aw))] {
		if w == "disabled" {
			return true
		}
		if (w == "not" || strings.HasSuffix(w, "n't")) && i+1 < len(aw) && slices.Contains(stateWords, aw[i+1]) {
			return true
		}
	}
	return false
}

// HasAny reports whether any phrase occurs in text as a whole word.
func HasAny(text string, phrases ...string) bool {
	for _, p := range phrases {
		if HasWord(text, p) {
			return true
		}
	}
	return false
}
