// Package planner turns a validated request into Facts: the deterministic ground
// truth every section of a runbook must agree on (secret ids, kinds, strategies,
// urgency, rotation risk, consumers, the ordered phases). Same request, same
// facts, byte for byte.
package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Compromise says whether a secret must be treated as exposed (the exposure
// policy's levels).
type Compromise = exposure.Compromise

// Compromise levels.
const (
	CompromiseNone      = exposure.CompromiseNone
	CompromiseSuspected = exposure.CompromiseSuspected
	CompromiseConfirmed = exposure.CompromiseConfirmed
)

// Facts is the planner's output.
type Facts struct {
	System            string               `json:"system"`
	SystemSlug        string               `json:"system_slug"`
	Trigger           runbook.Trigger      `json:"trigger"`
	Environments      []string             `json:"environments"`
	Deployment        []runbook.Deployment `json:"deployment"`
	SecretStore       runbook.SecretStore  `json:"secret_store"`
	DowntimeTolerance runbook.Downtime     `json:"downtime_tolerance"`
	// MaxDowntime is the longest break in service the request's prose
	// accepts ("a gap longer than 5 minutes is not acceptable"), a Go
	// duration; "" when it says none.
	MaxDowntime string `json:"max_downtime,omitempty"`
	// MaxDowntimeSource and MaxDowntimeText are where the request says it
	// and its words (an open item quotes them).
	MaxDowntimeSource string        `json:"-"`
	MaxDowntimeText   string        `json:"-"`
	Secrets           []Secret      `json:"secrets"`
	Services          []Service     `json:"services"`
	Owners            []string      `json:"owners"`
	Approvers         []string      `json:"approvers"`
	Constraints       []Constraint  `json:"constraints"`
	Controls          []Control     `json:"controls"`
	Tracks            []Track       `json:"tracks"`
	Steps             []Step        `json:"steps"`
	ExternalComms     ExternalComms `json:"external_comms"`
	// Comms is what the request says about telling people: its channels
	// and cadences, who is never contacted, what a holder is told.
	// Nil when the request says nothing of it (the prompts stay as they
	// were).
	Comms *Comms `json:"comms,omitempty"`
	// Gates are the sign-offs the request demands before named steps
	// ("has to say go on the bridge before anyone regenerates or deletes a
	// key"): each holds exactly those steps, through its open item.
	Gates []Gate `json:"gates,omitempty"`
	// Rules are the request's prohibitions on acts that name no time
	// ("Test incidents on the 'Care API - P1' PagerDuty service are
	// forbidden"): each is written on the steps that do its act, and holds
	// nothing (review17-cold6 P4).
	Rules []Rule `json:"rules,omitempty"`
	// SoleActors are the people the request says alone can do what a
	// consumer needs to take the new value, with the open item that asks
	// who does it while they are away (review17-cold6 row 12).
	SoleActors []SoleActor `json:"sole_actors,omitempty"`
	// ChangeTicket is true when a constraint asks for change approval (CAB).
	ChangeTicket bool `json:"change_ticket"`
	// ChangeTicketID is the change ticket the request names ("CHG0012345"),
	// or "": every evidence item names it.
	ChangeTicketID string `json:"change_ticket_id,omitempty"`
	// Cadence is how often the request says the rotation is due ("PCI DSS
	// 8.3.9 requires rotation every 90 days"), or nil: the step that records
	// the next due date gives it, and an evidence item cites it.
	Cadence *Cadence `json:"cadence,omitempty"`
	// BuildTime is true when some secret is baked in at build time.
	BuildTime bool `json:"build_time"`
	// RotateAll is set when a constraint asks to rotate everything a breached
	// place held ("rotate everything stored in CI"): the checklist has the
	// operators list what the request did not name.
	RotateAll   string   `json:"rotate_all,omitempty"`
	Assumptions []string `json:"assumptions"`
	// Schedule is the windows, blackouts and deadlines read from the request.
	Schedule runbook.Schedule `json:"schedule"`
	// Considered says what was made of every constraint and note.
	Considered []runbook.Considered `json:"considered"`
	// OpenItems are the questions raised for the requester (see
	// runbook.OpenItem); the steps they block wait for an answer.
	OpenItems []runbook.OpenItem `json:"open_items"`
	// CatalogDrafts are the entries a model drafted for providers the
	// catalogue lacks (the generate package sets them; see PlanDrafted).
	CatalogDrafts []runbook.CatalogDraft `json:"catalog_drafts,omitempty"`
	// DraftUsage is what asking for the drafts cost (the runbook's usage
	// includes it).
	DraftUsage runbook.Usage `json:"-"`
	// drafts are the drafted entries the planner uses, by secret index.
	drafts map[int]*catalog.Credential
	// approverAssumed is true while the approver is the assumed Security
	// team: no owner has the approver role and no text named one.
	approverAssumed bool
	// assumedNamed and assumedRole are the owner the assumed approver is,
	// when the request names it with another role ("Security", "informed").
	assumedNamed, assumedRole string
	// readAsOf is the moment intake read the request as of (zero when
	// none): an overdue cadence is told from it.
	readAsOf time.Time
	// TimeToKill is when each exposed credential's kill step is planned to
	// end, counted from the start (see runbook.KillTime).
	TimeToKill []runbook.KillTime `json:"time_to_kill"`
	// Person is the departing person of an offboarding (a placeholder unless
	// the request names them), and Access what of theirs is removed first.
	Person string   `json:"person,omitempty"`
	Access []Access `json:"access,omitempty"`
	// Freeze is true when the rotation opens with a deploy freeze (scheduled
	// work; an incident does not wait for one).
	Freeze bool `json:"freeze"`
	// Routine is true for a planned rotation of low-risk secrets nobody
	// outside holds (runbook.Routine): no freeze, no leadership email, no
	// day-ahead notice.
	Routine bool `json:"routine"`
	// StartGiven is true when the request fixed its "now" (as_of): planned
	// work is announced for that time; otherwise the time the runbook was
	// planned says nothing of when people start.
	StartGiven bool `json:"start_given"`
	// ChangePaths are the tools the request says every change goes through
	// (Terraform, Ansible, GitOps): create and store steps of the secrets
	// they bind are made with that tool, never in a console or by CLI.
	ChangePaths []ChangePath `json:"change_paths"`
	// NoConsole is true when the request forbids console and hand changes.
	NoConsole bool `json:"no_console,omitempty"`
	// DualControl is true when a second engineer must watch every
	// production step.
	DualControl bool `json:"dual_control"`
	// Duties are people to tell within a clock (customers, a regulator,
	// Finance), each with the date it is due.
	Duties []Duty `json:"duties"`
	// Freezes are release, publish or deploy freezes the request states:
	// no step and no check runs a pipeline a freeze forbids.
	Freezes []Freeze `json:"freezes"`

	// asOf is the moment the request is planned as of (RFC 3339), for the
	// exposure policy's deadline arithmetic before the schedule is dated.
	asOf string
	// prohibitions are the open items raised from a prohibition rotor
	// could not read: they hold every step of the secrets they name but an
	// exposed credential's kill (review17-cold4 P4: they held only the
	// lower-environment steps while the production steps they govern ran).
	prohibitions map[string]bool
	// gates are the sign-offs the constraints demand before an action
	// (intake.ReadGates), read before the constraints are applied.
	gates []intake.Gate
	// soleActors: "Only Jonas Richter can edit the dbt Cloud connection"
	// (intake.ReadSoleActors), read before the constraints are applied.
	soleActors []intake.SoleActor
}

// ChangePath is a tool every change of some secrets goes through.
type ChangePath struct {
	// Tool is terraform, ansible or gitops.
	Tool string `json:"tool"`
	// SecretIDs are the secrets it binds; empty means all.
	SecretIDs []string `json:"secret_ids"`
	// Consumers are the services the text names ("orders-api is deployed
	// by Argo CD"); empty means every consumer of those secrets.
	Consumers []string `json:"consumers,omitempty"`
	Source    string   `json:"source"`
}

// Duty is someone the request says must be told, within a clock.
type Duty struct {
	ID string `json:"id"`
	// Party is customer, regulator or finance.
	Party string `json:"party"`
	// Within is the clock as a duration ("72h"); "" when none was given.
	Within string `json:"within,omitempty"`
	// Due is when it is due (RFC 3339), counted from the schedule's as_of;
	// Label writes it for people.
	Due   string `json:"due,omitempty"`
	Label string `json:"label"`
	// Text is the request's words.
	Text   string `json:"text"`
	Source string `json:"source"`
	// Who is the team a duty to PartyTeam is owed to ("Patient Comms").
	Who string `json:"who,omitempty"`
	// Lead is set when the clock is a lead time before the work ("3
	// business days ahead"): intake.FieldAhead or FieldAheadBusinessDays.
	// The notice goes out first, and no production step starts before
	// Within (in business days: Within/24h of them) after it.
	Lead string `json:"lead,omitempty"`
	// NotBefore is when production work may start after the notice (RFC
	// 3339), once the schedule is dated.
	NotBefore string `json:"not_before,omitempty"`
	// Informed is set when the party is only kept informed ("Security is
	// informed", an owner with the role "informed"): told before the start
	// and at completion with the revoke checks' output (review17-cold3 r5).
	Informed bool `json:"informed,omitempty"`
	// At, Day and TZ are a duty's own clock ("written summary to Hannah
	// Brooks by 08:00 PT tomorrow"): dated like a deadline (review17-cold5
	// P9: it was "as soon as it applies (no clock given)").
	At  string `json:"at,omitempty"`
	Day string `json:"day,omitempty"`
	TZ  string `json:"tz,omitempty"`
	// Every is how often the duty repeats (a Go duration), Times the
	// clocks it is due at each day, in TimesTZ ("every 30 min", "twice a
	// day (09:00 and 16:00)", review17-cold6 P6).
	Every   string   `json:"every,omitempty"`
	Times   []string `json:"times,omitempty"`
	TimesTZ string   `json:"times_tz,omitempty"`
	// Cadence says when a repeating duty is due, once dated ("every hour,
	// then daily at 09:00 and 16:00 Europe/Berlin (first ...)").
	Cadence string `json:"cadence,omitempty"`
}

// LeadEnd is the first moment production work may start after a notice
// sent at t: t plus the lead, counted in business days (Mon-Fri) when the
// text counts so; t itself for a duty with no lead.
func (d Duty) LeadEnd(t time.Time) time.Time {
	dur, err := time.ParseDuration(d.Within)
	if d.Lead == "" || err != nil {
		return t
	}
	if !d.businessDays() {
		return t.Add(dur)
	}
	for n := int(dur / (24 * time.Hour)); n > 0; {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}

// businessDays reports a lead time counted in business days.
func (d Duty) businessDays() bool {
	return d.Lead == intake.FieldAheadBusinessDays || d.Lead == intake.FieldSwitchLeadBusinessDays
}

// LeadText says a duty's lead time: "3 business days", "48 hours".
func (d Duty) LeadText() string {
	dur, err := time.ParseDuration(d.Within)
	if err != nil {
		return d.Within
	}
	days := int(dur / (24 * time.Hour))
	switch {
	case d.businessDays():
		return fmt.Sprintf("%d business day%s", days, map[bool]string{true: "s"}[days != 1])
	case dur%(24*time.Hour) == 0:
		return fmt.Sprintf("%d day%s", days, map[bool]string{true: "s"}[days != 1])
	case dur%time.Hour != 0:
		// "a heads-up at least 30 minutes before".
		return fmt.Sprintf("%d minutes", int(dur.Minutes()))
	}
	return fmt.Sprintf("%d hour%s", int(dur.Hours()), map[bool]string{true: "s"}[dur != time.Hour])
}

// Freeze is a freeze with no span of time: what it forbids, until when (as
// written) and whom it binds.
type Freeze struct {
	ID string `json:"id"`
	// Forbids lists the activities: release, publish, deploy or change.
	Forbids []string `json:"forbids"`
	// SecretIDs are the secrets it binds; empty means all.
	SecretIDs []string `json:"secret_ids"`
	Until     string   `json:"until,omitempty"`
	Source    string   `json:"source"`
}

// Frozen returns the freeze that forbids an activity for a secret, or nil.
// A release freeze forbids publishing too, and a deploy or change freeze
// every pipeline that ships.
func (f *Facts) Frozen(activity, secretID string) *Freeze {
	for i := range f.Freezes {
		fr := &f.Freezes[i]
		if len(fr.SecretIDs) > 0 && secretID != "" && !runbook.OneOf(fr.SecretIDs, secretID) {
			continue
		}
		for _, a := range fr.Forbids {
			if a == activity || (a == "release" && activity == "publish") || (a == "publish" && activity == "release") ||
				a == "change" || (a == "deploy" && activity != "change") {
				return fr
			}
		}
	}
	return nil
}

// Access is one kind of access a departing person loses before anything else.
type Access struct {
	ID   string `json:"id"`
	What string `json:"what"`
	// Deadline is the id of the schedule deadline it must be done by, or "".
	Deadline string `json:"deadline,omitempty"`
	// AtDeparture: the deadline is days away (planned work), so the
	// access goes on the person's last day, by the deadline, and not
	// before: nobody is locked out before the date the request gives
	// (review18 round 6 X9, review17-cold6 row 24).
	AtDeparture bool `json:"at_departure,omitempty"`
	// Item is the open item that asks what happens before that date
	// (their access to where the new values go), or "".
	Item string `json:"item,omitempty"`
}

// Secret is everything decided about one secret.
type Secret struct {
	ID           string              `json:"id"`
	Name         string              `json:"name"`
	Kind         runbook.Kind        `json:"kind"`
	Provider     string              `json:"provider"`
	ProviderName string              `json:"provider_name"`
	Owner        string              `json:"owner"`
	Consumers    []Consumer          `json:"consumers"`
	Environments []string            `json:"environments"`
	Exposure     runbook.Exposure    `json:"exposure"`
	Notes        string              `json:"notes"`
	Store        runbook.SecretStore `json:"store"`
	// StorePaths maps environment to where the value lives in the store.
	StorePaths map[string]string `json:"store_paths"`
	// StoreFields are the fields the notes say hold the value at its path
	// ("private_key_p8, private_key_pass"): the store step writes them.
	StoreFields []string `json:"store_fields,omitempty"`
	// EnvVar is the variable consumers read the value from.
	EnvVar    string            `json:"env_var"`
	Privilege runbook.Privilege `json:"privilege"`
	DataReach string            `json:"data_reach"`
	// ReachAssumed and PrivilegeAssumed are true when neither the
	// catalogue nor the request says them: the worst plausible value is
	// scored, and said as an assumption, never as a fact.
	ReachAssumed bool `json:"reach_assumed,omitempty"`
	// AlertPath is true when a consumer delivers alerts with it: it
	// rotates alone and last, with a backup alert path confirmed first.
	AlertPath        bool `json:"alert_path,omitempty"`
	PrivilegeAssumed bool `json:"privilege_assumed,omitempty"`
	Unlocks          bool `json:"unlocks_other_secrets"`
	Personal         bool `json:"personal"`
	// RetireOnly is true for a departing person's own credential that no
	// service uses: it is revoked and not replaced.
	RetireOnly bool       `json:"retire_only"`
	Legacy     bool       `json:"legacy"`
	LegacyNote string     `json:"legacy_note"`
	Compromise Compromise `json:"compromise"`
	// Class is what its exposure calls for (exposure.Classify): a kill now,
	// a kill by a deadline, an assessment, or planned work.
	Class exposure.Class `json:"exposure_class"`
	// Rule is the id of the catalogue entry that matched.
	Rule string `json:"rule"`
	// Entry is that catalogue entry; Catalog is what the writers read of it,
	// with the request's values filled in.
	Entry   *catalog.Credential `json:"-"`
	Catalog EntryFacts          `json:"catalog"`
	// Stored is false for a credential that never leaves its provider.
	Stored bool `json:"stored"`
	// Users names the database users or roles the steps act on.
	Users Users `json:"users"`
	// NewUser is true when the replacement is a second user with a name of
	// its own (a SCRAM user, an unknown product's service account): the
	// store writes the user name with the secret.
	NewUser bool `json:"new_user,omitempty"`
	// Drafted is true when Entry is a model's draft (PlanDrafted), to be
	// confirmed by a person.
	Drafted bool `json:"drafted,omitempty"`
	// Signers and Verifiers name the services that sign with a key and
	// those that verify it (internal HMAC, a JWT issuer and its verifiers).
	Signers   []string `json:"signers,omitempty"`
	Verifiers []string `json:"verifiers,omitempty"`
	// Namespace is the Kubernetes namespace of the consumers (a placeholder
	// unless the request names it).
	Namespace string `json:"namespace"`
	// Scope is what the request says the credential may do; the replacement
	// gets no more.
	Scope string `json:"scope,omitempty"`
	// Values replace catalogue placeholders the request fills in (the notes
	// say "IAM user ci-artifacts": <iam-user> is ci-artifacts).
	Values map[string]string `json:"values,omitempty"`
	// Copies are other places the request says the value is kept (a shared
	// password-manager vault): the store step updates them too.
	Copies []string `json:"copies,omitempty"`
	// Mirrors are other stores the notes say hold the value: a job's mirror
	// ("mirrored to Secrets Manager by a sync job for ECS") or a store a
	// consumer reads it from (review17-cold5 r3 crit 30, 32). The store
	// step makes each hold the new value before consumers reload.
	Mirrors []string `json:"mirrors,omitempty"`
	// PersonalCopies are a person's own places that hold the old value ("in
	// her password manager", "on his laptop"): what that person holds, never
	// a copy to update. The new value is never put there nor given to them.
	PersonalCopies []string `json:"personal_copies,omitempty"`
	// CutOff are consumers the request says must never get the new value
	// ("Pixelforge ... must NOT get the new one"): not deployed, verified or
	// given it; they stop working when the old value dies. CutOffParties
	// are the parties such a sentence names, and CutOffPlaces the copies
	// they can read, which the store step never updates.
	CutOff []string `json:"cut_off,omitempty"`
	// Partners are consumers outside the company the request reaches only
	// through someone, or says act on their side ("so does Banco Aurora on
	// their side"; "anything for them goes through partner success
	// (Rafaela Costa)"): never our workload to freeze, redeploy or ask
	// about; they are told, the request's way, before the change they must
	// follow (review17-cold6 rows 49, 50, X7).
	Partners      []string `json:"partners,omitempty"`
	CutOffParties []string `json:"cut_off_parties,omitempty"`
	CutOffPlaces  []string `json:"cut_off_places,omitempty"`
	// NotReplaced is the request's words that say nothing replaces it
	// ("Nothing replaces it - it goes away with Heroku"): it is killed
	// and never issued again (retireUnreplaced).
	NotReplaced string `json:"not_replaced,omitempty"`
	// copyQuotes are the request's words each copy was read from.
	copyQuotes map[string]string
	// Exposed is true when the old credential must be dead before
	// investigation and without waiting for a window (a leak, a vendor breach,
	// an offboarding).
	Exposed bool `json:"exposed"`
	// diesWithCreator names, on an offboarding, the consumers a credential
	// the departing person created leaves without one when their user is
	// removed (raiseUserBound); "" otherwise.
	diesWithCreator string
	// ExposedSince is when the request says the value was exposed (a note:
	// "found ... last Thursday", "committed two hours ago"): YYYY-MM-DD or
	// YYYY-MM-DDTHH:MMZ, or the words when no as_of dates them. The
	// investigation looks back to it; it is no time rule.
	ExposedSince string `json:"exposed_since,omitempty"`
	// KeepCopy is the request's words that keep the leaked copy until
	// someone has it ("Nobody force-pushes or deletes that fork until
	// Security has exported it"): containment makes the copy private, and
	// deleting, force-pushing, unpublishing or rewriting it waits for that
	// (review17-cold4 critical 1).
	KeepCopy string `json:"keep_copy,omitempty"`
	// FetchToken is true for the token CI/CD pipelines fetch secrets with:
	// after a breach it is replaced first, in production first, since every
	// other replacement is fetched with it.
	FetchToken bool `json:"fetch_token,omitempty"`
	// DerivedKills are the actions that kill what it minted (role sessions),
	// done with its kill.
	DerivedKills []string `json:"derived_kills,omitempty"`
	// DerivedReviews are where its investigation also looks: what was done
	// with what it reached or minted.
	DerivedReviews []string `json:"derived_reviews,omitempty"`
	// reachItems are the ids of the open items of what it could read.
	reachItems []string
	// ReadReach is what a credential exposed outside the company could
	// read (a Doppler config, a project's CI/CD variables): its own kill
	// lane from T0 lists those secrets by name and kills each, revoke
	// first, by T0+exposure.ReachKill minutes (review18 round 4, X1).
	ReadReach []ReadReach `json:"read_reach,omitempty"`
	// Shared is true when one credential serves all its environments (the
	// notes say so, or it is a person's own token): it is killed once,
	// created once, and stored and rolled out in each environment.
	Shared bool `json:"shared,omitempty"`
	// Restricted is true when its containment narrows the credential to its
	// consumers rather than killing it (a key that must keep decrypting, a
	// high-privilege credential suspected exposed that keeps its overlap).
	Restricted bool `json:"restricted,omitempty"`
	// Deadline is the id of the schedule deadline its steps must meet, or "".
	Deadline       string           `json:"deadline,omitempty"`
	Strategy       runbook.Strategy `json:"strategy"`
	StrategyReason string           `json:"strategy_reason"`
	Overlap        string           `json:"overlap"`
	Proof          string           `json:"proof"`
	RollbackWindow string           `json:"rollback_window"`
	// PropagationSeconds is how long a new credential may take to work.
	PropagationSeconds int          `json:"propagation_seconds"`
	Urgency            Urgency      `json:"urgency"`
	RotationRisk       RotationRisk `json:"rotation_risk"`
	// Window is the id of the maintenance window its production changes run
	// in ("" for none).
	Window string `json:"window"`
	// WindowOnly is true when the window is the only time its production
	// steps may run ("Rotate databases Tuesday 02:00-04:00 UTC only"), not
	// just its consumer-facing changes.
	WindowOnly bool `json:"window_only,omitempty"`
	// HeldOutside is true when a customer or partner holds, uses or trusts
	// it (intake's reading of its name, notes and consumers).
	HeldOutside bool `json:"held_outside,omitempty"`
	// PublicDataOnly is true when the name or notes say it reads public
	// data only.
	PublicDataOnly bool `json:"public_data_only,omitempty"`
	// Uses are how the request says the credential is used ("uploads source
	// maps on every release"): a check must not repeat them in production.
	Uses []string `json:"uses,omitempty"`
	// RateLimited is true when a constraint names the provider's rate limits.
	RateLimited    bool            `json:"rate_limited"`
	Track          string          `json:"track"`
	Phases         []runbook.Phase `json:"phases"`
	BusinessImpact string          `json:"business_impact"`
}

// Consumer is one service that reads a secret.
type Consumer struct {
	Name        string              `json:"name"`
	Owner       string              `json:"owner"`
	Criticality runbook.Criticality `json:"criticality"`
	HowLoaded   string              `json:"how_loaded"`
	// Runtime is how the consumer runs: a CI pipeline reads the CI variable on
	// its next run; other consumers run on the request's runtime.
	Runtime runbook.Deployment `json:"runtime"`
	Legacy  bool               `json:"legacy"`
	// Runtime is "" when the request lists several runtimes and nothing
	// says which runs this consumer: a question, never a guess.
	//
	// Workload is the workload kind (Kubernetes: deployment, daemonset,
	// statefulset, cronjob, job; a VM: timer), "" when the request does not
	// say and the catalogue does not know the consumer: the steps show a
	// <placeholder> and a question is raised.
	Workload string `json:"workload,omitempty"`
	// ManagedBy is the change path that owns the consumer's manifests or
	// hosts (gitops, ansible): it is rolled out through that tool.
	ManagedBy string `json:"managed_by,omitempty"`
	// Playbook is the Ansible play that configures it, when the request
	// names it ("configured only by Ansible (playbook eligibility.yml)").
	Playbook string `json:"playbook,omitempty"`
	// File is the file on its hosts the consumer reads the value from, when
	// the request names it ("key in app/etc/local.xml", "reads ~/.my.cnf on
	// each run"): the new value is written there (review17-cold5 P6).
	File string `json:"file,omitempty"`
	// Sync is how its Kubernetes Secret is filled from the store, when the
	// request says (external_secrets, csi): an interval sync is forced
	// before a run or a restart reads it.
	Sync string `json:"sync,omitempty"`
	// Said is true when the request's text said how it runs (its runtime,
	// workload, platform or change path): the defaults do not replace it.
	Said bool `json:"said,omitempty"`
	// Known is the catalogue's known consumer it matched (deployments.yaml),
	// and Targets the workloads that re-read a secret for it, when they are
	// not {workload}/{name} (Argo CD's repo-server and controller).
	Known   string   `json:"known,omitempty"`
	Targets []string `json:"targets,omitempty"`
	// Scheduled is true when it runs on a schedule (a batch, a CronJob): it
	// reads a new value at its next run.
	Scheduled bool `json:"scheduled,omitempty"`
	// AlertPath is true for a consumer that delivers alerts (a known one:
	// Alertmanager).
	AlertPath bool `json:"alert_path,omitempty"`
	// Namespace is the consumer's own Kubernetes namespace when the request
	// names it for this consumer; otherwise the secret's applies.
	Namespace string `json:"namespace,omitempty"`
	// Platform is the cloud a serverless consumer runs on (a platform id
	// of deployments.yaml), "" when nothing says it: asked, never AWS by
	// default.
	Platform string `json:"platform,omitempty"`
}

// Users are the database users (or Vault roles) of a secret: the one
// consumers use now and, for alternating users, the idle one that gets the
// new password.
type Users struct {
	Active string `json:"active"`
	Idle   string `json:"idle,omitempty"`
}

// EntryFacts is the catalogue entry as the writers see it.
type EntryFacts struct {
	ID              string          `json:"id"`
	Title           string          `json:"title"`
	MaxLive         int             `json:"max_live"`
	SelfInvalidates bool            `json:"self_invalidates"`
	Actions         catalog.Actions `json:"actions"`
	Quirks          []string        `json:"quirks"`
	// AutoRemediation is what the provider does by itself to a public
	// credential, for the step that checks it (public secrets only).
	AutoRemediation *catalog.AutoRemediation `json:"auto_remediation,omitempty"`
}

// Urgency is how soon a secret must be rotated (risk triage).
type Urgency struct {
	Score    int              `json:"score"`
	Priority runbook.Priority `json:"priority"`
	Factors  []string         `json:"factors"`
}

// RotationRisk is how likely the rotation itself is to break something.
type RotationRisk struct {
	Level   runbook.Level `json:"level"`
	Score   int           `json:"score"`
	Factors []string      `json:"factors"`
}

// Service is a consumer with its criticality.
type Service struct {
	Name        string              `json:"name"`
	Owner       string              `json:"owner"`
	Criticality runbook.Criticality `json:"criticality"`
}

// Constraint is a free-text constraint and what the planner made of it.
type Constraint struct {
	Text      string   `json:"text"`
	Kinds     []string `json:"kinds"`
	SecretIDs []string `json:"secret_ids"`
	Effect    string   `json:"effect"`
}

// Control is an audit control evidence must map to.
type Control struct {
	Framework string `json:"framework"`
	ID        string `json:"id"`
	Title     string `json:"title"`
	Evidence  string `json:"evidence"`
}

// Track is a group of secrets rotated together.
type Track struct {
	Name      string   `json:"name"`
	Reason    string   `json:"reason"`
	SecretIDs []string `json:"secret_ids"`
}

// Step is one planned step; writers supply the words.
type Step struct {
	Order       int           `json:"order"`
	Track       string        `json:"track"`
	SecretID    string        `json:"secret_id"`
	Environment string        `json:"environment"`
	Phase       runbook.Phase `json:"phase"`
	// Access is set on a step that removes a departing person's access
	// (SecretID is empty then): the id of an Access.
	Access string `json:"access,omitempty"`
	// Window is the id of the schedule window or deadline the step runs in.
	Window string `json:"window,omitempty"`
	// Kill is true on a step that kills the secret's old credential in its
	// environment.
	Kill bool `json:"kill,omitempty"`
	// Minutes is when the step is planned to end, counted from the start of
	// the first step (steps done one after another).
	Minutes int `json:"minutes"`
	// Remediation lists the secrets whose provider's own remediation (a
	// revoked token, a quarantine policy) the step checks; SecretID is empty.
	Remediation []string `json:"remediation,omitempty"`
	// Reach is set on the step that lists and kills what an exposed
	// credential could read: the 1-based index of the secret's ReadReach,
	// or, with no SecretID, of everything the breached place held (the
	// request asks to rotate it all).
	Reach int `json:"reach,omitempty"`
}

// ReadReach is one set of secrets an exposed credential could read.
type ReadReach struct {
	// What names them ("the CI/CD variables of project payments/monorepo").
	What string `json:"what"`
	// List is how to list them by name, never by value.
	List string `json:"list"`
}

// ExternalComms says whether customers or vendors must hear about the rotation.
type ExternalComms struct {
	Applicable bool               `json:"applicable"`
	Reason     string             `json:"reason"`
	Audiences  []runbook.Audience `json:"audiences"`
}

// AllEnvironments is the Step.Environment of a step that covers every
// environment of its secret.
const AllEnvironments = "all"

// Known puts the values the request gave in place of the catalogue's
// placeholders ("<iam-user>" becomes "ci-artifacts").
func (s *Secret) Known(text string) string {
	for ph, v := range s.Values {
		text = strings.ReplaceAll(text, ph, v)
	}
	return text
}

// KillsAfterReplace reports whether a credential exposed outside the company
// keeps working in production only until its replacement is verified there,
// a few steps later, while its lower-environment copies die at once
// (exposure.ReplaceSteps). Otherwise such a credential is revoked first.
func (s *Secret) KillsAfterReplace() bool {
	return s.Class == exposure.KillNow && s.Strategy != runbook.StrategyRevokeFirst && s.Strategy != runbook.StrategyRekey && !s.RetireOnly
}

// productionFirst reports whether the secret is replaced in production
// before its lower environments: killed after a replacement there, the
// token every other replacement is fetched with, or revoked first, which
// takes production down at containment: it is restored before anything
// else (rule 5's staging first protects a working production, and there
// is none left to protect).
func (s *Secret) productionFirst() bool {
	return s.KillsAfterReplace() || s.FetchToken || s.RestoresProduction()
}

// IssuedAtContainment reports whether the kill at containment also issues the
// replacement (a roll that expires the exposed key now): the contain step
// stores the new value at once, and no create or store step follows.
func (s *Secret) IssuedAtContainment() bool {
	return s.Strategy == runbook.StrategyRevokeFirst && !s.Restricted && !s.RetireOnly && s.Entry != nil && s.Entry.ContainIssues && s.Stored
}

// RestoresProduction reports whether the secret's kill at containment takes
// its production consumers down until the replacement is deployed there.
func (s *Secret) RestoresProduction() bool {
	return s.Strategy == runbook.StrategyRevokeFirst && !s.Restricted && !s.RetireOnly && len(s.Consumers) > 0 && hasProduction(s.Environments)
}

// lowerEnvs lists the environments that are not production.
func lowerEnvs(envs []string) []string {
	var out []string
	for _, e := range envs {
		if !runbook.IsProduction(e) {
			out = append(out, e)
		}
	}
	return out
}

// SecretByID returns the secret with the id, or nil.
func (f *Facts) SecretByID(id string) *Secret {
	for i := range f.Secrets {
		if f.Secrets[i].ID == id {
			return &f.Secrets[i]
		}
	}
	return nil
}

// Compromised reports whether any secret is suspected or confirmed exposed.
func (f *Facts) Compromised() bool {
	for _, s := range f.Secrets {
		if s.Compromise != CompromiseNone {
			return true
		}
	}
	return false
}

// EngineeringNotice is how long before the start engineering is told of
// the rotation: a day for planned work that carries risk; nothing in an
// incident, an offboarding or a routine rotation. No window opening before
// it is usable.
func (f *Facts) EngineeringNotice() time.Duration {
	if f.Compromised() || f.Trigger == runbook.TriggerOffboarding || f.Routine {
		return 0
	}
	return 24 * time.Hour
}

// NeverRestored reports whether the old credential may never come back, not
// even before its revoke step: it leaked (a departing person's knowledge
// alone allows a rollback until the deadline).
func (s *Secret) NeverRestored() bool { return s.Exposed && s.Compromise != CompromiseNone }

// LeakedIn lists the leaked secrets among scope (every secret when scope is
// empty): those a blackout does not hold back. A credential a departing
// person merely knew keeps out of blackouts; its deadline governs.
func (f *Facts) LeakedIn(scope []string) []*Secret {
	var out []*Secret
	for i := range f.Secrets {
		if s := &f.Secrets[i]; s.NeverRestored() && (len(scope) == 0 || runbook.OneOf(scope, s.ID)) {
			out = append(out, s)
		}
	}
	return out
}

// Cadence is how often a rotation is due.
type Cadence struct {
	// Days is the longest time to the next rotation.
	Days int `json:"days"`
	// Requirement is what requires it ("PCI DSS 8.3.9"), or "".
	Requirement string `json:"requirement,omitempty"`
	// Text is the request's sentence.
	Text string `json:"text"`
	// Due is the date the rotation is due (YYYY-MM-DD), when the request
	// says when it last happened; "" otherwise.
	Due string `json:"due,omitempty"`
}

// Raise appends an open item to the facts, numbering it o1, o2, ... in the
// order items are raised, and returns its id. An item with the same source
// and question as one already raised is not raised twice: its id is returned.
func (f *Facts) Raise(item runbook.OpenItem) string {
	for _, o := range f.OpenItems {
		if o.Source == item.Source && o.Question == item.Question {
			return o.ID
		}
	}
	item.ID = fmt.Sprintf("o%d", len(f.OpenItems)+1)
	if item.Blocks == nil {
		item.Blocks = []string{}
	}
	f.OpenItems = append(f.OpenItems, item)
	return item.ID
}
