// Package intake is the only package that reads request prose. It turns each
// constraint and note (and the structured windows, blackouts, deadlines and
// rules) into typed directives: time rules with a polarity, deadlines with a
// date, rules that bind steps, and the details a note gives about the
// infrastructure, each with its scope and the words that decided it. The
// planner plans from directives and never reads the text itself.
//
// Cue words are data (lexicon/*.yaml, embedded, decoded strictly and
// shape-checked): a new phrasing is a lexicon entry and a row of
// testdata/phrases.yaml, never a code change. What intake cannot classify is
// never read as permission: an unclear time rule is a blackout for its scope,
// and the planner raises it as an open item.
package intake

import (
	"fmt"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Kind is what a directive says.
type Kind string

// The directive kinds.
const (
	// KindTimeRule is a recurring or dated span with a polarity.
	KindTimeRule Kind = "time_rule"
	// KindDeadline is a moment work must be done by.
	KindDeadline Kind = "deadline"
	// KindChangePath says which tool every change goes through (Tool).
	KindChangePath Kind = "change_path"
	// KindDualControl puts a second engineer on every production step.
	KindDualControl Kind = "dual_control"
	// KindDuty is someone to tell within a clock (Party, Within).
	KindDuty Kind = "duty"
	// KindFreeze forbids an activity (Activity: release, publish, deploy,
	// change) until Value, with no span of time given.
	KindFreeze Kind = "freeze"
	// KindRateLimit says the provider's API limits calls.
	KindRateLimit Kind = "rate_limit"
	// KindCompliance names a framework the evidence maps to (Value).
	KindCompliance Kind = "compliance"
	// KindApproval asks for change approval (a CAB, a ticket).
	KindApproval Kind = "approval"
	// KindLegacy says a consumer reads the value only at start-up.
	KindLegacy Kind = "legacy"
	// KindBuildTime says the value is baked in at build time.
	KindBuildTime Kind = "build_time"
	// KindCustomerImpact says customers or partners feel the change.
	KindCustomerImpact Kind = "customer_impact"
	// KindConfirmedBreach says an attacker did read or use the credentials.
	KindConfirmedBreach Kind = "confirmed_breach"
	// KindRotateAll asks to rotate everything a place held (Value quotes it).
	KindRotateAll Kind = "rotate_all"
	// KindInstruction is text written to steer rotor: quoted, never followed.
	KindInstruction Kind = "instruction"
	// KindDetail is a fact about the infrastructure (Field, Value).
	KindDetail Kind = "detail"
	// KindPerson names the departing person of an offboarding (Value).
	KindPerson Kind = "person"
	// KindExposure is what the text says about where the value went (Value:
	// public or third_party).
	KindExposure Kind = "exposure"
	// KindUsage describes how the credential is used (Activity), for the
	// writers: a check must not repeat that use in production.
	KindUsage Kind = "usage"
	// KindOverlap is how long the old credential must keep working after
	// the new one is live (Within; Field FieldBusinessDays when counted in
	// business days): a planned revoke waits that long.
	KindOverlap Kind = "overlap"
)

// Kinds lists every directive kind.
var Kinds = []Kind{KindTimeRule, KindDeadline, KindChangePath, KindDualControl, KindDuty, KindFreeze, KindRateLimit,
	KindCompliance, KindApproval, KindLegacy, KindBuildTime, KindCustomerImpact, KindConfirmedBreach, KindRotateAll,
	KindInstruction, KindDetail, KindPerson, KindExposure, KindUsage, KindOverlap}

// Polarity says what a time rule allows.
type Polarity string

// The polarities of a time rule.
const (
	// Allow is a window: production changes go in it.
	Allow Polarity = "allow"
	// Forbid is a blackout: no production step runs in it.
	Forbid Polarity = "forbid"
	// Busy is an activity to keep clear of (a batch, a peak): scheduled as a
	// blackout.
	Busy Polarity = "busy"
	// Unclear is a time rule intake could not classify: scheduled as a
	// blackout for its scope and raised as an open item. Never a window.
	Unclear Polarity = "unclear"
)

// Polarities lists every polarity.
var Polarities = []Polarity{Allow, Forbid, Busy, Unclear}

// Blocks reports whether the polarity keeps production steps out of its
// span: everything but Allow.
func (p Polarity) Blocks() bool { return p != Allow }

// Detail fields: what a KindDetail directive's Value is.
const (
	FieldNamespace      = "namespace"       // Kubernetes namespace
	FieldApprovalWaived = "approval_waived" // "Emergency change, no CAB": nobody approves before the work
	FieldDecidedBy      = "decided_by"      // "Breach notification is her call only": a decision, no duty
	FieldWorkload       = "workload"        // deployment, daemonset, statefulset, cronjob
	FieldDBUsers        = "db_users"        // Values: active and idle user of a pair
	FieldDBUser         = "db_user"         // the user consumers log in as
	FieldIAMUser        = "iam_user"        // AWS IAM user
	FieldServiceAccount = "service_account" // a cloud service account
	FieldAppRole        = "approle"         // a Vault AppRole
	FieldRepo           = "repo"            // owner/repo
	FieldKMSAlias       = "kms_alias"       // alias/<name>
	FieldAWSRole        = "aws_role"        // the IAM role a key assumes
	FieldProjectPath    = "project_path"    // a GitLab project path (group/project)
	FieldStorePath      = "store_path"      // where the value lives in the store
	FieldStoreFields    = "store_fields"    // Values: the fields the value is written to at that path
	FieldScope          = "scope"           // what the credential may do
	FieldCopy           = "copy"            // another place the value is kept
	FieldPersonalCopy   = "personal_copy"   // a person's own place that holds the value ("in her password manager")
	FieldVersion        = "version"         // a product version ("MySQL 8.0.36")
	FieldIdentity       = "identity"        // what the credential is ("Vault database static role")
	FieldRoles          = "roles"           // Values: who signs; Value: who verifies, comma-separated
	FieldChangeTicket   = "change_ticket"   // the change ticket the request names ("CHG0012345")
	// A duty's Field when its clock is a lead time before the work ("told 5
	// days in advance", "3 business days ahead"): the first production step
	// comes at least Within after the notice, counted in calendar time or in
	// business days (Mon-Fri, Within a multiple of 24h).
	FieldAhead             = "ahead"
	FieldAheadBusinessDays = "ahead_business_days"
	// FieldInformed is a duty's Field when a party is only kept informed
	// ("Security is informed", "Keep the CISO informed"): told before the
	// start and at completion, with the revoke evidence (review17-cold3 r5).
	FieldInformed = "informed"
	// A duty's Field when its clock is a third party's lead time to move
	// to a new credential ("Our carriers need 5 business days to switch to
	// a new key"): the old credential keeps working at least Within after
	// they are given the new one (in business days when the text counts
	// so). Planned work holds the old credential's revoke that long; an
	// exposed credential cannot wait, and someone decides.
	FieldSwitchLead = "switch_lead"
	// FieldBusinessDays marks an overlap counted in business days.
	FieldBusinessDays           = "business_days"
	FieldSwitchLeadBusinessDays = "switch_lead_business_days"
	// FieldMaxDowntime marks a detail that says the longest break in
	// service the request accepts ("a gap longer than 5 minutes is not
	// acceptable"): Within is the duration ("5m").
	FieldMaxDowntime = "max_downtime"
	// FieldCadence marks a compliance directive that says how often the
	// rotation is due: Within is the period ("2160h"), Value the
	// requirement it cites ("PCI DSS 8.3.9") or "".
	FieldCadence = "cadence"
	// FieldLastRotated marks a compliance directive that says when the
	// rotation last happened: Value is the date (YYYY-MM-DD). With a
	// cadence in the same text it dates the next due date (the cadence's
	// Deadline, and a deadline directive when it is still ahead).
	FieldLastRotated = "last_rotated"
)

// Activities a time rule or freeze governs.
const (
	ActivityChange  = "change"
	ActivityDeploy  = "deploy"
	ActivityRestart = "restart"
	ActivityRotate  = "rotate"
	ActivityRelease = "release"
	ActivityPublish = "publish"
)

// Change paths a KindChangePath directive's Tool names.
const (
	ToolTerraform = "terraform"
	ToolAnsible   = "ansible"
	ToolGitOps    = "gitops"
	ToolConsole   = "console"
)

// Parties a duty is owed to.
const (
	PartyCustomer  = "customer"
	PartyRegulator = "regulator"
	PartyFinance   = "finance"
	// PartyTeam is a team or person of the organisation the text names
	// (Value: "Patient Comms", "the DPO").
	PartyTeam = "team"
	// PartyPartner is a third party that uses the credential or its
	// replacement (Value: "carriers", "partners", "integrators").
	PartyPartner = "partner"
)

// Readers: who made a reading.
const (
	ReaderRules      = "rules"      // the lexicon
	ReaderStructured = "structured" // a structured request field
	ReaderModel      = "model"      // the LLM (labelled as the model's)
)

// Directive is one thing a text says. Which fields are set depends on Kind;
// Scope, Quote, Evidence and Reader are always set.
type Directive struct {
	Kind Kind `json:"kind"`
	// Polarity is set on time rules.
	Polarity Polarity `json:"polarity,omitempty"`
	// Activity is what a time rule, freeze or usage governs (change, deploy,
	// restart, rotate, release, publish); "" when the text does not say.
	Activity string `json:"activity,omitempty"`
	// Span is a time rule's span.
	Span *Span `json:"span,omitempty"`
	// Deadline is a deadline's moment.
	Deadline *Deadline `json:"deadline,omitempty"`
	// Tool is a change path (terraform, ansible, gitops; console when the
	// text forbids console changes and names no tool).
	Tool string `json:"tool,omitempty"`
	// Party is whom a duty is owed to; Within its clock as a Go duration
	// ("72h"), "" when the text gives none.
	Party  string `json:"party,omitempty"`
	Within string `json:"within,omitempty"`
	// Every is how often a duty repeats, as a Go duration ("30m", "24h"),
	// and Times the clocks it is due at each day ("09:00", "16:00"), in
	// Deadline's zone when it has one (review17-cold6 P6: "every 30 min",
	// "twice a day (09:00 and 16:00)", "daily by 09:30").
	Every string   `json:"every,omitempty"`
	Times []string `json:"times,omitempty"`
	// TimesTZ is the zone of Times.
	TimesTZ string `json:"times_tz,omitempty"`
	// Field names what Value is, for a detail.
	Field string `json:"field,omitempty"`
	// Value is the framework, the detail's value, the person's name, the
	// exposure, or what a freeze waits for.
	Value string `json:"value,omitempty"`
	// Values holds a detail with several values (a pair of database users:
	// active, idle).
	Values []string `json:"values,omitempty"`
	// Scope is what the directive binds.
	Scope Scope `json:"scope"`
	// Quote is the request's own words it was read from, verbatim.
	Quote string `json:"quote"`
	// Evidence lists the cue words that decided the reading.
	Evidence []string `json:"evidence"`
	// Reader says who made the reading (rules, structured, model).
	Reader string `json:"reader"`
	// AllEnvironments is set on a prohibition that binds every environment,
	// not only production ("No changes at all between ...", "no deploys
	// anywhere, staging included"). Not asked of the model.
	AllEnvironments bool `json:"all_environments,omitempty"`
	// keptFrom is set on a busy rule read from a single time ("batches run
	// at 06:00"): its start, in minutes, before its end was assumed; a
	// margin ("within 30 minutes of a batch") is counted from it.
	keptFrom int
	assumed  bool
	// fact is set on a time rule read from a clause with no directive (a
	// job's schedule, a state): it becomes a detail of that field unless a
	// later clause makes a rule of it (see settleFacts).
	fact string
	// activityOnly is set on a window read only from an activity at a time
	// ("claims-api releases go out Tuesdays 18:00-19:00"), with no word
	// that allows: a later clause may keep work clear of it.
	activityOnly bool
}

// Scope is what a directive binds.
type Scope struct {
	// All is true when it binds every secret of the request.
	All bool `json:"all"`
	// Secrets are indexes into the request's secrets.
	Secrets []int `json:"secrets"`
	// Words are the request's words that named the scope ("DNS",
	// "databases", "payments-api"); empty when nothing was named.
	Words []string `json:"words"`
	// Consumers are the services the text names, among the consumers of
	// the request's secrets (a namespace or a workload kind is theirs).
	Consumers []string `json:"consumers,omitempty"`
	// Unmatched are the words a prohibition names its object with ("the
	// ledger scheduler", "ingest") when they match no secret, consumer or
	// part of the job: the rule stays global (All) and the planner asks
	// which services they are, rather than binding every step silently.
	Unmatched []string `json:"unmatched,omitempty"`
}

// Span is a time rule's span: days (every day when empty), days of the
// month, a start and an end in a zone, optionally limited to dates.
type Span struct {
	// Days are weekdays (mon … sun); empty means every day.
	Days []string `json:"days"`
	// DaysOfMonth limits it to days of the month (1–31; -1 is the last).
	DaysOfMonth []int `json:"days_of_month"`
	// Start and End are HH:MM; End "24:00" is the end of the day, "" a
	// start alone. An End before the Start crosses midnight.
	Start string `json:"start"`
	End   string `json:"end"`
	// EndDay is the weekday the span ends on when it crosses days ("Friday
	// 18:00 to Monday 06:00": Days [fri], EndDay mon).
	EndDay string `json:"end_day"`
	// TZ is an IANA zone; ZoneGiven is false when the text gave none.
	TZ        string `json:"tz"`
	ZoneGiven bool   `json:"zone_given"`
	// From and Until limit it to dates (YYYY-MM-DD or --MM-DD), inclusive.
	From  string `json:"from"`
	Until string `json:"until"`
	// Continuous makes a dated span one stretch, from Start on From (or
	// any time before, when From is empty) to End on Until, rather than
	// Start to End on each day ("the freeze, which ends 2026-12-09 at
	// 09:00": until that moment, from now).
	Continuous bool `json:"continuous"`
	// BusinessDaysOfMonth limits it to business days of the month, counted
	// Monday to Friday (1 the first, -1 the last: "the last business day of
	// the month").
	BusinessDaysOfMonth []int `json:"business_days_of_month"`
	// Only is set on an Allow span the text makes the only time ("only",
	// "must"): every production step of its scope waits for it.
	Only bool `json:"only"`
	// RelativeDay is a day named relative to now ("today", "tomorrow")
	// when no as_of dates it (From and Until hold it otherwise).
	RelativeDay string `json:"relative_day,omitempty"`
}

// Deadline is a moment work must be done by.
type Deadline struct {
	// Date is YYYY-MM-DD, resolved against the request's as_of; "" when the
	// text gives no day and none can be inferred.
	Date string `json:"date"`
	// Day is how the text wrote the day ("today", "that day", "Friday").
	Day string `json:"day"`
	// At is HH:MM.
	At string `json:"at"`
	// TZ is an IANA zone; ZoneGiven is false when the text gave none.
	TZ        string `json:"tz"`
	ZoneGiven bool   `json:"zone_given"`
}

// Due is the deadline as an absolute time; false without a date.
func (d Deadline) Due() (time.Time, bool) {
	if d.Date == "" {
		return time.Time{}, false
	}
	loc, _, err := runbook.LoadZone(d.TZ)
	if err != nil {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", d.Date+" "+d.At, loc)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// Text is one request text and what it was read as.
type Text struct {
	// Source is the request path ("constraints[2]", "secrets[0].notes",
	// "windows[1]").
	Source string `json:"source"`
	Text   string `json:"text"`
	// Secret is the index of the secret a note belongs to; -1 otherwise.
	Secret int `json:"secret"`
	// Directives are what the text says, in the order it says them; empty
	// when nothing was understood (the planner raises it).
	Directives []Directive `json:"directives"`
	// Scope is what the whole text names (its secret for a note; every
	// secret when it names none): what an unread text may bind.
	Scope Scope `json:"scope"`
	// Period is a period the text forbids work in but intake cannot date
	// ("the Christmas period", "public holidays"): the planner raises it,
	// holding the steps of its scope until someone says when it is.
	Period string `json:"period,omitempty"`
	// Prohibits is set on a text read as nothing that forbids something
	// ("It is forbidden to touch the cluster while a reindex is running"):
	// the planner raises it and the production steps of its scope wait for
	// the answer, never run as if it said nothing.
	Prohibits bool `json:"prohibits,omitempty"`
}

// Reading is what intake made of a request.
type Reading struct {
	// AsOf is the moment relative words ("today", "Friday") are read from.
	AsOf time.Time `json:"as_of"`
	// Texts are the request's texts in order: constraints, then notes, then
	// the structured windows, blackouts, deadlines and rules.
	Texts []Text `json:"texts"`
	// Assumptions are readings intake had to choose (a time with no zone, an
	// "end of business" hour).
	Assumptions []string `json:"assumptions"`
	// Secrets are what intake read of each secret as a whole (its name,
	// notes and consumers), in the request's order.
	Secrets []SecretReading `json:"secrets"`
	// Questions are open items intake raises itself (the model and the
	// rules disagree, a reading only the model made); the planner numbers
	// them and turns their scope into the secret ids they block.
	Questions []Question `json:"questions"`
	// RequestZone is the one zone the request's other times are written
	// in, which an unzoned time is read in; "" when it gives none (or
	// several).
	RequestZone string `json:"request_zone,omitempty"`
}

// SaysInclusive reports whether a dated time rule's text says its last day
// is included ("between 2026-12-21 and 2027-01-03 inclusive").
func SaysInclusive(d Directive) bool {
	lex := DefaultLexicon()
	for _, e := range d.Evidence {
		if lex.c.inclusive.has(tokenize(strings.ToLower(e)), 0, len(tokenize(e))) {
			return true
		}
	}
	return false
}

// String writes a directive for logs and test failures.
func (d Directive) String() string {
	s := string(d.Kind)
	if d.Polarity != "" {
		s += "/" + string(d.Polarity)
	}
	if d.Activity != "" {
		s += " " + d.Activity
	}
	if d.Span != nil {
		s += fmt.Sprintf(" %+v", *d.Span)
	}
	if d.Deadline != nil {
		s += fmt.Sprintf(" %+v", *d.Deadline)
	}
	for _, v := range []string{d.Tool, d.Party, d.Within, d.Field, d.Value} {
		if v != "" {
			s += " " + v
		}
	}
	return s
}

// SecretReading is what a secret's name, notes and consumers say about it.
type SecretReading struct {
	// HeldOutside is true when a customer or partner holds, uses or trusts
	// it ("the partner allow-lists our certificate", "used by merchants").
	HeldOutside bool `json:"held_outside"`
	// Privilege is what its name and notes say it may do: admin, read, or
	// "" (write is assumed).
	Privilege runbook.Privilege `json:"privilege"`
	// PublicDataOnly is true when they say it reads public data only.
	PublicDataOnly bool `json:"public_data_only"`
	// Shared is true when its name or notes say one credential serves
	// several environments ("used by both staging and production"), or it
	// is a person's own token: it exists once, so it is killed and created
	// once.
	Shared bool `json:"shared"`
	// Evidence lists the words that decided it.
	Evidence []string `json:"evidence"`
}
