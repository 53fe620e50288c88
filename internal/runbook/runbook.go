// Package runbook holds rotor's domain: the rotation request, the ten-section
// runbook, lint findings and the errors callers see. It depends on nothing else
// in rotor.
package runbook

import (
	"strconv"
	"strings"
	"time"
)

// SectionID names one of the ten sections. The strings are part of the
// contract; internal/section is the registry that says what each section is.
type SectionID string

// The ten sections (section.All lists them in the seed prompt's order).
const (
	SectionInventory        SectionID = "inventory"
	SectionRiskTriage       SectionID = "risk_triage"
	SectionPreflight        SectionID = "preflight"
	SectionRotationSequence SectionID = "rotation_sequence"
	SectionValidation       SectionID = "validation"
	SectionRollback         SectionID = "rollback"
	SectionInternalComms    SectionID = "internal_comms"
	SectionExternalComms    SectionID = "external_comms"
	SectionAuditEvidence    SectionID = "audit_evidence"
	SectionAutomation       SectionID = "automation"
)

// Runbook is the generated document.
type Runbook struct {
	ID            string                      `json:"id"`
	System        string                      `json:"system"`
	Trigger       Trigger                     `json:"trigger"`
	CreatedAt     time.Time                   `json:"created_at"`
	Generator     Generator                   `json:"generator"`
	Sections      Sections                    `json:"sections"`
	SectionStatus map[SectionID]SectionStatus `json:"section_status"`
	Findings      []Finding                   `json:"findings"`
	Usage         Usage                       `json:"usage"`
	// Assumptions are the defaults applied to a request that left things out,
	// and the placeholders the steps use for what the request did not say.
	Assumptions []string `json:"assumptions"`
	// OpenItems are what rotor could not model or had to choose for the
	// requester: each asks a question and names the secrets or steps whose
	// work waits for the answer. They come first in every rendering.
	OpenItems []OpenItem `json:"open_items"`
	// TimeToKill says when each exposed credential's old value is planned
	// dead: one entry per step that kills it, counted from the first step.
	TimeToKill []KillTime `json:"time_to_kill"`
	// Considered lists every constraint and note of the request with what was
	// made of it: nothing the requester wrote is silently dropped.
	Considered []Considered `json:"considered"`
	// Schedule holds the maintenance windows, blackouts and deadlines read
	// from the request; steps refer to them by id.
	Schedule Schedule `json:"schedule"`
	// InputWarnings name request fields that may hold a secret but matched only
	// a noisy rule, so the request was accepted.
	InputWarnings []FieldError `json:"input_warnings,omitempty"`
	// CatalogDrafts are the catalogue entries a model drafted for providers
	// rotor's catalogue lacks (with an LLM configured), used or refused, as
	// provider files for the platform team to review and commit.
	CatalogDrafts []CatalogDraft `json:"catalog_drafts,omitempty"`
}

// CatalogDraft is a catalogue entry a model drafted for one secret.
type CatalogDraft struct {
	SecretID string `json:"secret_id"`
	Provider string `json:"provider"`
	// Entry is the drafted entry's id.
	Entry string `json:"entry"`
	// Status is "used" (its steps are in the runbook, labelled
	// "model-drafted: confirm") or "refused" (the safe generic entry was used).
	Status string `json:"status"`
	// YAML is the draft as a file of the catalogue directory (ROTOR_CATALOG_DIR).
	YAML string `json:"yaml"`
	// Refused says why it was not used; Flags what a person must confirm.
	Refused []string `json:"refused"`
	Flags   []string `json:"flags"`
}

// Draft statuses.
const (
	DraftUsed    = "used"
	DraftRefused = "refused"
)

// OpenItem is one thing rotor did not understand, or decided on the
// requester's behalf, raised at the top of the runbook so that a person
// answers it before the work it may bind goes ahead.
type OpenItem struct {
	// ID is "o1", "o2", ... in the order the items are raised.
	ID string `json:"id"`
	// Source is where it came from: a request path ("constraints[2]",
	// "secrets[0].notes", "secrets[1].provider") or the stage that raised it
	// ("planner", "catalog", "model").
	Source string `json:"source"`
	// Text is the request's own words, or the fact that raised the item.
	Text string `json:"text"`
	// Question is what a person must answer or confirm.
	Question string `json:"question"`
	// Blocks lists the secret ids (or step references "s<order>") whose work
	// waits for the answer; empty means it blocks nothing by itself.
	Blocks []string `json:"blocks"`
}

// KillTime is when a step kills an exposed credential, as planned: the card
// shows it on the step ("dead at T0+10 min").
type KillTime struct {
	SecretID    string `json:"secret_id"`
	Environment string `json:"environment"`
	// Step is the order of the step that kills it.
	Step int `json:"step"`
	// Minutes is the planned time from the start of the first step (T0) to
	// the end of the kill step: each exposed credential's steps up to its
	// kill are its own lane from T0 (one operator per credential).
	Minutes int `json:"minutes"`
	// Label writes it for people: "T0+10 min".
	Label string `json:"label"`
	// At is the same moment as a date (RFC 3339), when the request fixed its
	// start (as_of).
	At string `json:"at,omitempty"`
	// Exposure is the credential's exposure (public, third_party, ...).
	Exposure Exposure `json:"exposure"`
	// Deadline is the id of the deadline that bounds a kill planned after
	// the replacement (a departing person's credential with an overlap):
	// it dies once production runs on the new one, by that deadline, not
	// "now" (ROTATION_RULES.md §2 rule 6: planned work never breaks what
	// an overlap keeps running). Empty for a credential that dies first.
	Deadline string `json:"deadline,omitempty"`
	// Reach is true on the kill of the secrets an exposed credential could
	// read (listed by name at T0 and killed, revoke first, in a lane of
	// their own), not of the credential itself. With no SecretID it is
	// everything the breached place held.
	Reach bool `json:"reach,omitempty"`
}

// Considered is one constraint or note and how the planner read it.
type Considered struct {
	// Source is the request path it came from ("constraints[2]", "secrets[0].notes").
	Source string `json:"source"`
	Text   string `json:"text"`
	// Reading is what it was understood as ("blackout: daily 00:00-01:30 UTC").
	Reading string `json:"reading"`
	// Effect is what changed in the runbook because of it, or why nothing did.
	Effect string `json:"effect"`
	// Evidence lists the words that decided the reading ("forbidden",
	// "changes").
	Evidence []string `json:"evidence,omitempty"`
}

// Schedule is the time constraints of a rotation.
type Schedule struct {
	// AsOf is the moment the dates are computed from (the request's as_of,
	// or the time it was planned), RFC 3339; "" when no dates were computed.
	AsOf      string       `json:"as_of,omitempty"`
	Windows   []TimeWindow `json:"windows"`
	Blackouts []TimeWindow `json:"blackouts"`
	Deadlines []Deadline   `json:"deadlines"`
	// Freezes are the release or change freezes in force, with no span of
	// time: what they forbid, and until what.
	Freezes []Freeze `json:"freezes,omitempty"`
	// WorkStarts is when production work may begin: as of now, or, when now
	// falls in a blackout, when that blackout ends.
	WorkStarts *Slot `json:"work_starts,omitempty"`
}

// Slot is one absolute stretch of time: a window's next usable opening, or
// the moment work may start.
type Slot struct {
	// Start and End are RFC 3339 in the span's zone; End is "" for a moment.
	Start string `json:"start"`
	End   string `json:"end,omitempty"`
	// Label writes it for people: "Tue 2026-03-10 02:00-04:00 UTC".
	Label string `json:"label"`
	// Why says what decided it ("blackout b1 ends").
	Why string `json:"why,omitempty"`
}

// TimeWindow is a recurring span: days (every day when empty), HH:MM start
// and end in a time zone (an end before the start crosses midnight),
// optionally limited to a period of days (From, Until).
type TimeWindow struct {
	ID    string   `json:"id"`
	Days  []string `json:"days"`
	Start string   `json:"start"`
	End   string   `json:"end"`
	TZ    string   `json:"tz"`
	// EndDay is the weekday the span ends on when it crosses days ("Fri
	// 18:00 to Mon 06:00": Days [fri], EndDay mon); "" for spans within a
	// day or a night.
	EndDay string `json:"end_day,omitempty"`
	// DaysOfMonth limits it to days of the month (1–31, -1 the last day).
	DaysOfMonth []int `json:"days_of_month,omitempty"`
	// From and Until limit it to a period of whole days (YYYY-MM-DD, or
	// --MM-DD every year), both inclusive; empty means no limit.
	From  string `json:"from,omitempty"`
	Until string `json:"until,omitempty"`
	// Continuous makes a dated window one stretch: from Start on From (from
	// any earlier time when From is empty) to End on Until ("the freeze
	// ends 2026-12-09 at 09:00": until that moment), not Start to End on
	// each day.
	Continuous bool `json:"continuous,omitempty"`
	// BusinessDaysOfMonth limits it to business days of the month, counted
	// Monday to Friday (1 the first, -1 the last).
	BusinessDaysOfMonth []int `json:"business_days_of_month,omitempty"`
	// RelativeDay is a day the request named relative to now ("today",
	// "tomorrow") while no as_of dates it; From and Until replace it when
	// the runbook is dated.
	RelativeDay string `json:"relative_day,omitempty"`
	Note        string `json:"note"`
	// SecretIDs limits the window to some secrets; empty means all.
	SecretIDs []string `json:"secret_ids"`
	// AllEnvironments makes a blackout bind every environment, staging
	// too ("No changes at all"); production only otherwise.
	AllEnvironments bool `json:"all_environments,omitempty"`
	// Activity and Consumers make a blackout bind only the steps that
	// restart or redeploy those services ("no restarts of dispatch-api"):
	// the revoke and the kill at the provider are not bound by it.
	Activity  string   `json:"activity,omitempty"`
	Consumers []string `json:"consumers,omitempty"`
	Source    string   `json:"source"`
	// Next is a window's first usable opening after the schedule's as_of,
	// outside the blackouts of its secrets.
	Next *Slot `json:"next,omitempty"`
}

// Freeze is a release or change freeze in force ("Release freeze until the
// incident is closed"): no step publishes, releases or deploys what it
// forbids, and no check re-runs such a pipeline.
type Freeze struct {
	ID string `json:"id"`
	// Forbids lists the activities it stops: release, publish, deploy,
	// change.
	Forbids []string `json:"forbids"`
	// SecretIDs limits it to some secrets; empty means all.
	SecretIDs []string `json:"secret_ids"`
	// Until is what it waits for, in the request's words ("" unsaid).
	Until  string `json:"until,omitempty"`
	Note   string `json:"note"`
	Source string `json:"source"`
}

// Stops reports whether the freeze forbids an activity (release, publish,
// deploy) for a secret.
func (z Freeze) Stops(activity, secretID string) bool {
	if len(z.SecretIDs) > 0 && !OneOf(z.SecretIDs, secretID) {
		return false
	}
	return OneOf(z.Forbids, activity)
}

// Deadline is a moment work must be done by (a departure's effective time).
type Deadline struct {
	ID string `json:"id"`
	// Day is the date (YYYY-MM-DD) once as_of resolved it, otherwise the
	// day as written ("today", "fri").
	Day  string `json:"day"`
	At   string `json:"at"`
	TZ   string `json:"tz"`
	Note string `json:"note"`
	// Due is the absolute moment (RFC 3339), when the day is known.
	Due string `json:"due,omitempty"`
	// SecretIDs limits the deadline to some secrets; empty means all.
	SecretIDs []string `json:"secret_ids"`
	Source    string   `json:"source"`
}

// Covers reports whether the window or blackout applies to a secret (an
// empty SecretIDs means every secret).
func (w TimeWindow) Covers(id string) bool { return len(w.SecretIDs) == 0 || OneOf(w.SecretIDs, id) }

// Holds names the steps a blackout keeps out of its span, as the runbook
// says it: "production step", "step in any environment (staging included)"
// for one that binds every environment, or "production restart or redeploy
// of <services>" for one that binds only those.
func (w TimeWindow) Holds() string {
	switch {
	case w.Activity != "" && len(w.Consumers) > 0:
		what := "restart or redeploy"
		if w.AllEnvironments {
			return what + " of " + strings.Join(w.Consumers, ", ") + " in any environment"
		}
		return "production " + what + " of " + strings.Join(w.Consumers, ", ")
	case w.AllEnvironments:
		return "step in any environment (staging included)"
	}
	return "production step"
}

// ScopesMeet reports whether two lists of secret ids can concern the same
// secret; an empty list means every secret.
func ScopesMeet(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for _, id := range a {
		if OneOf(b, id) {
			return true
		}
	}
	return false
}

// Label writes a window the way people read it: "Tue 02:00-04:00 UTC",
// "2026-12-20 to 2027-01-04 UTC" (whole days), "2026-12-01 02:00-04:00 UTC".
func (w TimeWindow) Label() string {
	if !w.Dated() {
		return w.weekLabel()
	}
	if w.Continuous {
		// "until 2026-12-09 09:00 Europe/Madrid", "2026-12-19 18:00 to
		// 2027-01-04 08:00 UTC".
		if w.From == "" {
			return "until " + w.Until + " " + w.End + " " + w.TZ
		}
		return w.From + " " + w.Start + " to " + w.Until + " " + w.End + " " + w.TZ
	}
	dates := w.datesLabel()
	if len(w.Days) == 0 && w.Start == "00:00" && (w.End == "24:00" || w.End == "00:00") {
		return dates + " " + w.TZ
	}
	if len(w.Days) == 0 && w.From == w.Until {
		return dates + " " + strings.TrimPrefix(w.weekLabel(), "daily ")
	}
	return dates + ", " + w.weekLabel()
}

func (w TimeWindow) weekLabel() string {
	days := "daily"
	if len(w.Days) > 0 {
		parts := make([]string, len(w.Days))
		for i, d := range w.Days {
			parts[i] = DayLabel(d)
		}
		days = strings.Join(parts, ", ")
	}
	if nth := nthWeekday(w); nth != "" {
		// "the first Wed of each month", not seven days of the month.
		days = "the " + nth + " " + DayLabel(w.Days[0]) + " of each month"
	} else if len(w.DaysOfMonth) > 0 {
		parts := make([]string, len(w.DaysOfMonth))
		for i, d := range w.DaysOfMonth {
			parts[i] = Ordinal(d)
		}
		month := strings.Join(parts, ", ") + " of each month"
		if len(w.Days) > 0 {
			days += ", the " + month
		} else {
			days = "the " + month
		}
	}
	if len(w.BusinessDaysOfMonth) > 0 {
		// "the last business day of each month" (Mon-Fri).
		parts := make([]string, len(w.BusinessDaysOfMonth))
		for i, d := range w.BusinessDaysOfMonth {
			parts[i] = strings.TrimSuffix(Ordinal(d), " day")
			if d < -1 {
				parts[i] = Ordinal(-d) + " last"
			}
		}
		days = "the " + strings.Join(parts, ", ") + " business day of each month"
		next := ""
		if w.Next != nil && w.Next.Label != "" {
			next = "; next " + w.Next.Label
		}
		if w.Start == "00:00" && (w.End == "24:00" || w.End == "00:00") {
			return days + " (all day, " + w.TZ + next + ")"
		}
	}
	switch {
	case w.End == "":
		return days + " from " + w.Start + " " + w.TZ
	case w.EndDay != "" && len(w.Days) == 1 && len(w.DaysOfMonth) == 0:
		return days + " " + w.Start + " to " + DayLabel(w.EndDay) + " " + w.End + " " + w.TZ
	}
	return days + " " + w.Start + "-" + w.End + " " + w.TZ
}

// nthWeekday names a weekday in one week of the month ("first" for Days
// [wed] on the days 1-7), or "".
func nthWeekday(w TimeWindow) string {
	if len(w.Days) != 1 || len(w.DaysOfMonth) != 7 {
		return ""
	}
	first := w.DaysOfMonth[0]
	for i, d := range w.DaysOfMonth {
		if d != first+i {
			return ""
		}
	}
	return map[int]string{1: "first", 8: "second", 15: "third", 22: "fourth"}[first]
}

// DayLabel writes a weekday as labels do: "Tue".
func DayLabel(d string) string {
	if d == "" {
		return ""
	}
	return strings.ToUpper(d[:1]) + d[1:]
}

// Ordinal writes a day of the month: "1st", "22nd"; -1 is "last day".
func Ordinal(d int) string {
	if d < 0 {
		return "last day"
	}
	suffix := "th"
	switch {
	case d%100 >= 11 && d%100 <= 13:
	case d%10 == 1:
		suffix = "st"
	case d%10 == 2:
		suffix = "nd"
	case d%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(d) + suffix
}

// Label writes a deadline: "by 17:00 UTC today".
func (d Deadline) Label() string {
	if t, err := time.Parse(time.RFC3339, d.Due); err == nil && d.Due != "" {
		return "by " + FormatMoment(t, d.TZ)
	}
	l := "by " + d.At + " " + d.TZ
	switch {
	case OneOf(Weekdays, d.Day):
		l += " " + strings.ToUpper(d.Day[:1]) + d.Day[1:] // "Fri", like window labels
	case d.Day != "":
		l += " " + d.Day
	}
	return l
}

// Label returns the window or deadline with the id as a label without its
// next opening ("daily from 22:00 UTC"), or "".
func (s Schedule) Label(id string) string {
	for _, w := range s.Windows {
		if w.ID == id {
			return w.Label()
		}
	}
	for _, d := range s.Deadlines {
		if d.ID == id {
			return d.Label()
		}
	}
	return ""
}

// Window returns the window or deadline with the id, as a label with a
// window's next opening ("daily from 22:00 UTC; next: Wed 2026-11-25
// 22:00-23:00 UTC"), or "".
func (s Schedule) Window(id string) string {
	for _, w := range s.Windows {
		if w.ID == id {
			if w.Next != nil {
				return w.Label() + "; next: " + w.Next.Label
			}
			return w.Label()
		}
	}
	for _, d := range s.Deadlines {
		if d.ID == id {
			return s.DueLabel(d)
		}
	}
	return ""
}

// Overdue reports whether a deadline had passed at the schedule's as_of
// (the request's own frame: "effective today at 17:00" in a request dated
// 18:00).
func (s Schedule) Overdue(d Deadline) bool {
	due, err1 := time.Parse(time.RFC3339, d.Due)
	at, err2 := time.Parse(time.RFC3339, s.AsOf)
	return d.Due != "" && s.AsOf != "" && err1 == nil && err2 == nil && due.Before(at)
}

// DueLabel is a deadline as a bound: "by Fri 2026-07-17 17:00 UTC", or,
// when it had passed at as_of, "overdue since Fri 2026-07-17 17:00 UTC"
// (review18 round 5 X5: a card said "by 17:00" two hours after it).
func (s Schedule) DueLabel(d Deadline) string {
	if s.Overdue(d) {
		return "overdue since " + strings.TrimPrefix(d.Label(), "by ")
	}
	return d.Label()
}

// OverdueFor is the first deadline binding a secret (one scoped to it, or
// one of every secret) that had passed at as_of, or nil.
func (s Schedule) OverdueFor(secretID string) *Deadline {
	for i, d := range s.Deadlines {
		if (len(d.SecretIDs) == 0 || OneOf(d.SecretIDs, secretID)) && s.Overdue(d) {
			return &s.Deadlines[i]
		}
	}
	return nil
}

// FormatMoment writes an absolute time in a zone the way the runbook prints
// dates: "Wed 2026-03-04 17:00 Europe/Berlin".
func FormatMoment(t time.Time, tz string) string {
	loc, name, err := LoadZone(tz)
	if err != nil {
		loc, name = time.UTC, "UTC"
	}
	return t.In(loc).Format("Mon 2006-01-02 15:04") + " " + name
}

// Generator says what wrote the runbook.
type Generator struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
}

// SectionStatus says how one section was produced.
type SectionStatus struct {
	Source     Source `json:"source"`
	Attempts   int    `json:"attempts"`
	DurationMS int64  `json:"duration_ms"`
	// Reason explains a fallback.
	Reason string `json:"reason,omitempty"`
}

// Usage totals the LLM work behind a runbook.
type Usage struct {
	LLMCalls           int     `json:"llm_calls"`
	PromptTokens       int     `json:"prompt_tokens"`
	CompletionTokens   int     `json:"completion_tokens"`
	CachedPromptTokens int     `json:"cached_prompt_tokens"`
	CacheHits          int     `json:"cache_hits"`
	CostUSD            float64 `json:"cost_usd"`
	// CostUnknown is true when a model without a price answered: CostUSD
	// then leaves its calls out.
	CostUnknown bool `json:"cost_unknown,omitempty"`
	// BudgetExhausted is true when the runbook's token budget or call cap
	// stopped a call: the sections it would have written fell back to the
	// offline writer (their status's reason starts with "budget").
	BudgetExhausted bool `json:"budget_exhausted,omitempty"`
}

// Finding is one lint result.
type Finding struct {
	Rule     string    `json:"rule"`
	Severity Severity  `json:"severity"`
	Section  SectionID `json:"section"`
	Message  string    `json:"message"`
	SecretID string    `json:"secret_id,omitempty"`
}

// Sections holds the ten sections; a nil section was not generated (a subset
// was asked for). internal/section is the registry of what each one is.
type Sections struct {
	Inventory        *Inventory        `json:"inventory,omitempty"`
	RiskTriage       *RiskTriage       `json:"risk_triage,omitempty"`
	Preflight        *Preflight        `json:"preflight,omitempty"`
	RotationSequence *RotationSequence `json:"rotation_sequence,omitempty"`
	Validation       *Validation       `json:"validation,omitempty"`
	Rollback         *Rollback         `json:"rollback,omitempty"`
	InternalComms    *InternalComms    `json:"internal_comms,omitempty"`
	ExternalComms    *ExternalComms    `json:"external_comms,omitempty"`
	AuditEvidence    *AuditEvidence    `json:"audit_evidence,omitempty"`
	Automation       *Automation       `json:"automation,omitempty"`
}

// Inventory is section 1: what is rotated and who depends on it.
type Inventory struct {
	Secrets      []InventorySecret `json:"secrets"`
	Dependencies []Dependency      `json:"dependencies"`
}

// InventorySecret is one row of the priority inventory.
type InventorySecret struct {
	ID           string   `json:"id" jsonschema:"description=The secret id from the facts; never invent one"`
	Name         string   `json:"name"`
	Kind         Kind     `json:"kind" jsonschema:"enum=api_key,enum=oauth_client_secret,enum=webhook_signing_secret,enum=webhook_url,enum=database_password,enum=token,enum=cloud_access_key,enum=ssh_key,enum=tls_private_key,enum=encryption_key,enum=signing_key,enum=other"`
	Provider     string   `json:"provider"`
	Owner        string   `json:"owner"`
	Systems      []string `json:"systems"`
	Storage      string   `json:"storage"`
	Environments []string `json:"environments"`
	RotationRisk Level    `json:"rotation_risk" jsonschema:"enum=low,enum=medium,enum=high"`
	Strategy     Strategy `json:"strategy" jsonschema:"enum=dual_credential,enum=dual_accept,enum=alternating_users,enum=hard_cutover,enum=revoke_first,enum=rekey"`
	Action       string   `json:"action"`
	// Entry is the provider catalogue entry the secret follows ("stripe-api-key").
	Entry string `json:"entry" jsonschema:"description=The catalogue entry id from the facts"`
	// Store is where the value lives (a secret_store value, or none when the
	// credential never leaves the provider, such as a KMS key).
	Store string `json:"store"`
}

// Dependency is one consumer of one secret in one environment.
type Dependency struct {
	SecretID    string `json:"secret_id"`
	Consumer    string `json:"consumer"`
	Environment string `json:"environment"`
	HowLoaded   string `json:"how_loaded"`
}

// RiskTriage is section 2.
type RiskTriage struct {
	Items []TriageItem `json:"items"`
}

// TriageItem ranks one secret.
type TriageItem struct {
	SecretID       string   `json:"secret_id"`
	Exposure       Exposure `json:"exposure" jsonschema:"enum=public,enum=third_party,enum=internal,enum=none,enum=unknown"`
	BusinessImpact string   `json:"business_impact"`
	Score          int      `json:"score" jsonschema:"minimum=0,maximum=100"`
	Priority       Priority `json:"priority" jsonschema:"enum=P0,enum=P1,enum=P2,enum=P3"`
	RotationRisk   Level    `json:"rotation_risk" jsonschema:"enum=low,enum=medium,enum=high"`
	Rationale      string   `json:"rationale"`
}

// Preflight is section 3.
type Preflight struct {
	Checklist  []string   `json:"checklist"`
	Approvals  []Approval `json:"approvals"`
	BackupPlan []string   `json:"backup_plan"`
}

// Approval is a sign-off needed before a step.
type Approval struct {
	Approver string   `json:"approver"`
	Scope    string   `json:"scope"`
	Before   string   `json:"before"`
	Secrets  []string `json:"secret_ids"`
}

// HoldsStart reports whether the approval is needed before the first step
// (of the work, or of its secrets: "the first step", "their first step",
// "step 1"), so it would hold the containment of an exposed credential
// (ROTATION_RULES.md §2 rule 6: containment never waits for a sign-off).
// The Before values are the writer's own, not prose.
// RequestedGo opens the scope of an approval the request itself demands
// before named steps ("has to say go on the bridge before anyone
// regenerates or deletes a key"): asked at once, at T0, it holds those
// steps, containment included (review17-cold5 P5). A change ticket's
// approval never holds containment.
const RequestedGo = "the go the request demands before "

// IsRequestedGo reports whether an approval is a go the request demands.
func (a Approval) IsRequestedGo() bool { return strings.HasPrefix(a.Scope, RequestedGo) }

func (a Approval) HoldsStart() bool {
	switch strings.ToLower(strings.TrimSpace(a.Before)) {
	case "first step", "the first step", "their first step", "its first step", "step 1":
		return true
	}
	return false
}

// RotationSequence is section 4.
type RotationSequence struct {
	Tracks []Track `json:"tracks"`
}

// Track is a group of steps done together (a canary track, a high-risk track).
type Track struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Steps  []Step `json:"steps"`
}

// Step is one ordered action.
type Step struct {
	Order       int      `json:"order" jsonschema:"minimum=1"`
	SecretID    string   `json:"secret_id"`
	Environment string   `json:"environment"`
	Phase       Phase    `json:"phase" jsonschema:"enum=freeze,enum=contain,enum=investigate,enum=create,enum=store,enum=deploy,enum=switch,enum=verify,enum=revoke,enum=cleanup,enum=unfreeze"`
	Action      string   `json:"action"`
	Owner       string   `json:"owner"`
	Verify      string   `json:"verify"`
	Consumers   []string `json:"consumers"`
	// Window is the id of the schedule window or deadline the step must run
	// in (or by); "" means as soon as its turn comes, outside every blackout.
	Window string `json:"window"`
}

// Validation is section 5.
type Validation struct {
	Environments []EnvValidation `json:"environments"`
}

// EnvValidation lists the checks of one environment.
type EnvValidation struct {
	Environment string  `json:"environment"`
	Checks      []Check `json:"checks"`
}

// Check is one validation test.
type Check struct {
	SecretID string `json:"secret_id"`
	Consumer string `json:"consumer"`
	Check    string `json:"check"`
	Expected string `json:"expected"`
	How      string `json:"how"`
}

// Rollback is section 6.
type Rollback struct {
	Triggers    []string       `json:"triggers"`
	Steps       []RollbackStep `json:"steps"`
	Containment []string       `json:"containment"`
}

// RollbackStep says how to undo one secret's rotation and until when.
type RollbackStep struct {
	SecretID      string `json:"secret_id"`
	Step          string `json:"step"`
	PossibleUntil string `json:"possible_until"`
}

// InternalComms is section 7.
type InternalComms struct {
	Messages []Message `json:"messages"`
}

// Message is a communication template.
type Message struct {
	Audience Audience `json:"audience" jsonschema:"enum=engineering,enum=support,enum=leadership,enum=customer,enum=vendor"`
	Channel  string   `json:"channel"`
	Subject  string   `json:"subject"`
	Body     string   `json:"body"`
	SendWhen string   `json:"send_when"`
}

// ExternalComms is section 8.
type ExternalComms struct {
	Applicable bool      `json:"applicable"`
	Reason     string    `json:"reason"`
	Messages   []Message `json:"messages"`
}

// AuditEvidence is section 9.
type AuditEvidence struct {
	Items []EvidenceItem `json:"items"`
}

// EvidenceItem is one record to keep.
type EvidenceItem struct {
	Evidence    string `json:"evidence"`
	Control     string `json:"control"`
	SecretID    string `json:"secret_id"`
	CollectedBy string `json:"collected_by"`
	When        string `json:"when"`
}

// Automation is section 10.
type Automation struct {
	Opportunities []Opportunity `json:"opportunities"`
}

// Opportunity is one way to make the next rotation safer.
type Opportunity struct {
	Title         string   `json:"title"`
	SecretIDs     []string `json:"secret_ids"`
	Effort        Level    `json:"effort" jsonschema:"enum=low,enum=medium,enum=high"`
	RiskReduction Level    `json:"risk_reduction" jsonschema:"enum=low,enum=medium,enum=high"`
	How           string   `json:"how"`
}

// AllSteps returns every step of the sequence in track order.
func (r *RotationSequence) AllSteps() []Step {
	if r == nil {
		return nil
	}
	var out []Step
	for _, t := range r.Tracks {
		out = append(out, t.Steps...)
	}
	return out
}
