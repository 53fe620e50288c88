package intake

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

//go:embed lexicon/*.yaml
var lexiconFiles embed.FS

// TimeWords are the cue words of time rules and deadlines (lexicon/time.yaml).
type TimeWords struct {
	Negators      []string            `yaml:"negators"`
	Forbid        []string            `yaml:"forbid"`
	Allow         []string            `yaml:"allow"`
	Only          []string            `yaml:"only"`
	Outside       []string            `yaml:"outside"`
	Busy          []string            `yaml:"busy"`
	Protect       []string            `yaml:"protect"`
	Vague         []string            `yaml:"vague"`
	Activities    map[string][]string `yaml:"activities"`
	Deadline      []string            `yaml:"deadline"`
	Completion    []string            `yaml:"completion"`
	By            []string            `yaml:"by"`
	CompletionAt  []string            `yaml:"completion_at"`
	ByMoment      []string            `yaml:"by_moment"`
	Before        []string            `yaml:"before"`
	After         []string            `yaml:"after"`
	From          []string            `yaml:"from"`
	Between       []string            `yaml:"between"`
	RangeJoin     []string            `yaml:"range_join"`
	NamedTimes    map[string]string   `yaml:"named_times"`
	NamedSpans    []NamedSpan         `yaml:"named_spans"`
	EveryDay      []string            `yaml:"every_day"`
	Periods       []string            `yaml:"periods"`
	Weeks         []string            `yaml:"weeks"`
	OnlyAfter     []string            `yaml:"only_after"`
	SoftNamed     []string            `yaml:"soft_named_times"`
	SoftPreps     []string            `yaml:"soft_time_preps"`
	BusyMinutes   int                 `yaml:"busy_minutes"`
	PeriodEnds    map[string][]string `yaml:"period_ends"`
	Zones         map[string]string   `yaml:"zones"`
	ZonePlaces    map[string]string   `yaml:"zone_places"`
	ZoneWords     []string            `yaml:"zone_statement_words"`
	ZoneCues      []string            `yaml:"zone_statement_cues"`
	KeyDayCues    []string            `yaml:"key_day_cues"`
	KeyDayRefs    []string            `yaml:"key_day_refs"`
	DeadlineRefs  []string            `yaml:"deadline_refs"`
	DutyEvery     map[string]string   `yaml:"duty_every"`
	FreezeStarts  []string            `yaml:"freeze_start_refs"`
	RelativeDays  map[string]int      `yaml:"relative_days"`
	SameDay       []string            `yaml:"same_day"`
	Month         []string            `yaml:"month"`
	Ordinals      map[string]int      `yaml:"ordinals"`
	Counts        map[string]int      `yaml:"counts"`
	EndsAt        []string            `yaml:"ends_at"`
	UntilWords    []string            `yaml:"until_words"`
	Expiry        []string            `yaml:"expiry"`
	Approximate   []string            `yaml:"approximate"`
	BusinessDays  []string            `yaml:"business_days"`
	ThenRefs      []string            `yaml:"then_refs"`
	MarginRefs    []string            `yaml:"margin_refs"`
	AllEnvs       []string            `yaml:"all_environments"`
	MarginEnds    []string            `yaml:"margin_ends"`
	PeriodBetween []string            `yaml:"period_between"`
	Inclusive     []string            `yaml:"inclusive"`
}

// NamedSpan is a span written as words ("business hours").
type NamedSpan struct {
	Words []string `yaml:"words"`
	Days  []string `yaml:"days"`
	Start string   `yaml:"start"`
	End   string   `yaml:"end"`
}

// RuleWords are the cue words of binding rules and of the other things a
// sentence says about the job (lexicon/rules.yaml).
type RuleWords struct {
	ChangePaths             []ToolWords         `yaml:"change_paths"`
	PathCues                []string            `yaml:"path_cues"`
	Console                 []string            `yaml:"console"`
	DualControl             []string            `yaml:"dual_control"`
	DutyParties             []PartyWords        `yaml:"duty_parties"`
	DutyCues                []string            `yaml:"duty_cues"`
	InformedCues            []string            `yaml:"informed_cues"`
	SwitchCues              []string            `yaml:"switch_cues"`
	OverlapCues             []string            `yaml:"overlap_cues"`
	Within                  []string            `yaml:"within"`
	Advance                 []string            `yaml:"advance"`
	Units                   map[string]string   `yaml:"units"`
	DowntimeWords           []string            `yaml:"downtime_words"`
	DowntimeLimits          []string            `yaml:"downtime_limits"`
	Freeze                  []string            `yaml:"freeze"`
	RateLimit               []string            `yaml:"rate_limit"`
	Frameworks              []FrameworkWords    `yaml:"frameworks"`
	RotationReasons         []string            `yaml:"rotation_reasons"`
	Cadences                []CadenceWords      `yaml:"cadences"`
	CadenceEvery            []string            `yaml:"cadence_every"`
	CadenceContext          []string            `yaml:"cadence_context"`
	LastRotated             []string            `yaml:"last_rotated"`
	Approval                []string            `yaml:"approval"`
	ApprovalWaived          []string            `yaml:"approval_waived"`
	ApprovalRetro           []string            `yaml:"approval_retro"`
	Approvers               []ApproverWords     `yaml:"approvers"`
	ApproverCues            []string            `yaml:"approver_cues"`
	ApproverFillers         []string            `yaml:"approver_fillers"`
	ApproverJoins           []string            `yaml:"approver_joins"`
	ApproverRoles           []string            `yaml:"approver_roles"`
	ApproverRoleWords       []string            `yaml:"approver_role_words"`
	CustomerImpact          []string            `yaml:"customer_impact"`
	Legacy                  []string            `yaml:"legacy"`
	BuildTime               []string            `yaml:"build_time"`
	ConfirmedBreach         []string            `yaml:"confirmed_breach"`
	RotateAll               []string            `yaml:"rotate_all"`
	Instructions            []string            `yaml:"instructions"`
	InstructionsWithoutTime []string            `yaml:"instructions_without_time"`
	ExposurePublic          []string            `yaml:"exposure_public"`
	ExposureThirdParty      []string            `yaml:"exposure_third_party"`
	ExposureInsider         []string            `yaml:"exposure_insider"`
	ExposureVerbs           []string            `yaml:"exposure_verbs"`
	ExposureAgo             []string            `yaml:"exposure_ago"`
	ExposureDays            map[string]int      `yaml:"exposure_days"`
	Usage                   []string            `yaml:"usage"`
	HeldOutside             HeldWords           `yaml:"held_outside"`
	Privilege               map[string][]string `yaml:"privilege"`
	PublicDataOnly          []string            `yaml:"public_data_only"`
	SharedCredential        []string            `yaml:"shared_credential"`
	ReportVerbs             []string            `yaml:"report_verbs"`
	DirectiveModals         []string            `yaml:"directive_modals"`
	WorkVerbs               []string            `yaml:"work_verbs"`
	ScheduleWords           []string            `yaml:"schedule_words"`
	TargetCues              []string            `yaml:"target_cues"`
	CheckWords              []string            `yaml:"check_words"`
	OutOfScope              []string            `yaml:"out_of_scope"`
	Absence                 []string            `yaml:"absence"`
	Allowance               []string            `yaml:"allowance"`
	NotDeadline             []string            `yaml:"not_deadline"`
	MustSucceed             []string            `yaml:"must_succeed"`
	TheirWork               []string            `yaml:"their_work"`
	NotOurs                 []string            `yaml:"not_ours"`
	OurWrites               []string            `yaml:"our_writes"`
	Exempt                  []string            `yaml:"exempt"`
	WaitVerbs               []string            `yaml:"wait_verbs"`
	NeverActions            []string            `yaml:"never_actions"`
	Idle                    []string            `yaml:"idle"`
	NotNeeded               []string            `yaml:"not_needed"`
	Unsure                  []string            `yaml:"unsure"`
	AskVerbs                []string            `yaml:"ask_verbs"`
	CommsCues               []string            `yaml:"comms_cues"`
	NoContact               []string            `yaml:"no_contact"`
	KeepCopyVerbs           []string            `yaml:"keep_copy_verbs"`
	KeepCopyObjects         []string            `yaml:"keep_copy_objects"`
	SessionOver             []string            `yaml:"session_over"`
}

// HeldWords say a customer or partner holds a credential.
type HeldWords struct {
	Parties []string `yaml:"parties"`
	Verbs   []string `yaml:"verbs"`
	Passive []string `yaml:"passive"`
	Held    []string `yaml:"held"`
}

// ToolWords names a change path.
type ToolWords struct {
	Tool  string   `yaml:"tool"`
	Words []string `yaml:"words"`
}

// PartyWords names whom a duty is owed to.
type PartyWords struct {
	Party string   `yaml:"party"`
	Words []string `yaml:"words"`
}

// CadenceWords say how often a rotation is due (Every: a Go duration).
type CadenceWords struct {
	Every string   `yaml:"every"`
	Words []string `yaml:"words"`
}

// ApproverWords names an approval body ("CAB", "DPO") as the runbook prints
// it, with the words a request uses for it.
type ApproverWords struct {
	Name  string   `yaml:"name"`
	Words []string `yaml:"words"`
}

// FrameworkWords names a compliance framework.
type FrameworkWords struct {
	Name  string   `yaml:"name"`
	Words []string `yaml:"words"`
}

// DetailWords are the cue words of infrastructure details
// (lexicon/details.yaml).
type DetailWords struct {
	Values    []ValueCue          `yaml:"values"`
	Pairs     []string            `yaml:"pairs"`
	PairJoin  []string            `yaml:"pair_join"`
	Workloads map[string][]string `yaml:"workloads"`
	Copies    []string            `yaml:"copies"`
	Personal  []string            `yaml:"personal_places"`
	Owners    []string            `yaml:"personal_owners"`
	Shared    []string            `yaml:"shared_owners"`
	// Holders say someone else has the person's place ("whoever has his
	// laptop"): a way in, never a copy the person keeps.
	Holders     []string    `yaml:"place_holders"`
	ScopeCues   []string    `yaml:"scope_cues"`
	PersonAfter []string    `yaml:"person_after"`
	PersonPoss  []string    `yaml:"person_possessive"`
	NotNames    []string    `yaml:"not_names"`
	StopValues  []string    `yaml:"stop_values"`
	Versions    []string    `yaml:"versions"`
	Tickets     TicketWords `yaml:"tickets"`
}

// TicketWords read the change ticket a request names.
type TicketWords struct {
	Prefixes    []string `yaml:"prefixes"`
	Cues        []string `yaml:"cues"`
	WeakCues    []string `yaml:"weak_cues"`
	Fillers     []string `yaml:"fillers"`
	NotKeys     []string `yaml:"not_keys"`
	NotAfter    []string `yaml:"not_after"`
	IETFContext []string `yaml:"ietf_context"`
}

// ValueCue reads one detail's value next to its cue.
type ValueCue struct {
	Field       string   `yaml:"field"`
	After       []string `yaml:"after"`
	Before      []string `yaml:"before"`
	Shape       string   `yaml:"shape"`
	Placeholder string   `yaml:"placeholder"`
	// NotAfter: a word right before the cue that makes the value another
	// thing's name ("the Ansible role rabbitmq_cluster" names a play's
	// role, not a database user).
	NotAfter []string `yaml:"not_after"`
}

// ScopeWords name parts of the job (lexicon/scopes.yaml).
type ScopeWords struct {
	Groups       []ScopeGroup `yaml:"groups"`
	Pipelines    []string     `yaml:"pipelines"`
	GenericParts []string     `yaml:"generic_name_parts"`
	// ObjectSkips are words skipped before a prohibition's object ("restart
	// the ledger scheduler", "restarts of the matching engine");
	// ObjectStops end it ("… between 01:00 and 05:00"); GenericObjects
	// name no component ("restart production", "touch anything").
	ObjectSkips    []string `yaml:"object_skips"`
	ObjectStops    []string `yaml:"object_stops"`
	ObjectTimes    []string `yaml:"object_time_nouns"`
	GenericObjects []string `yaml:"generic_objects"`
}

// ScopeGroup is one part of the job: the secrets of its kinds or providers,
// or whose name or consumers hold a match word.
type ScopeGroup struct {
	Words     []string `yaml:"words"`
	Kinds     []string `yaml:"kinds"`
	Providers []string `yaml:"providers"`
	Match     []string `yaml:"match"`
	// NameOnly: the providers bind only when the secret's name or
	// consumers hold a match word too (Cloudflare does more than DNS).
	NameOnly bool `yaml:"name_only"`
}

// Shapes a detail's value may have.
var Shapes = []string{"iam_name", "service_account", "name", "owner_repo", "path", "dns_label", "db_user"}

// Lexicon is every cue word intake reads by.
type Lexicon struct {
	Time    TimeWords
	Rules   RuleWords
	Details DetailWords
	Scopes  ScopeWords
	Command CommandWords

	c compiled
}

// compiled holds the phrase lists ready to match.
type compiled struct {
	negators, forbid, allow, only, outside, busy, protect, vague                                           *phrases
	activities                                                                                             *phrases // label: the activity
	deadline, completion, completionAt, by, byMoment, before, after, from, between, rangeJoin              *phrases
	namedTimes, namedSpans, everyDay, relativeDays, sameDay, month                                         *phrases // label: the key or index
	switchCues, overlapCues                                                                                *phrases
	tools, pathCues, console, dualControl, parties, dutyCues, within                                       *phrases
	freeze, rateLimit, frameworks, reasons, approval, customer, legacy                                     *phrases
	approvers, approverCues, approverFillers, approverJoins, approverRoles, approverRoleWords              *phrases // approvers' label: the name
	cadences, cadenceEvery, cadenceContext, lastRotated                                                    *phrases // cadences' label: the duration
	buildTime, breach, rotateAll, instructions, instructionsUntimed                                        *phrases
	approvalWaived, approvalRetro                                                                          *phrases
	public, thirdParty, insider, usage, exposureVerbs, exposureAgo, exposureDays                           *phrases // exposureDays' label: the key
	pairs, pairJoin, workloads, copies, scopeCues, personAfter, personPoss                                 *phrases
	personalPlaces, informedCues                                                                           *phrases
	versions, pipelines, zones, advance                                                                    *phrases
	zonePlaces, zoneWords, zoneCues                                                                        *phrases // zonePlaces' label: the place
	keyDayCues, keyDayRefs, deadlineRefs, dutyEvery, freezeStarts                                          *phrases // dutyEvery's label: the words
	ticketCues, ticketWeak, ticketNotAfter, ticketIETF, periods, weeks, periodEnds, onlyAfter              *phrases
	heldParties, heldVerbs, heldPassive, heldHeld                                                          *phrases
	values                                                                                                 []valueCue
	scopeGroups                                                                                            []*phrases
	cmdSystem, cmdSystemEnd, cmdPublic, cmdEnvPrefix, cmdEnvs, cmdSecretWords, cmdStopWords, cmdSeparators *phrases
	cmdTriggers                                                                                            map[string]triggerPhrases
	privilege, publicData, shared                                                                          *phrases
	endsAt, businessDays, thenRefs, periodBetween, inclusive, marginRefs, marginEnds                       *phrases
	untilWords, approximate, expiry                                                                        *phrases
	downtimeWords, downtimeLimits, allEnvs                                                                 *phrases
	reportVerbs, directiveModals, workVerbs, scheduleWords, targetCues, checkWords, outOfScope, theirWork  *phrases
	absence, allowance, notDeadline, mustSucceed                                                           *phrases
	notOurs, ourWrites, exempt, waitVerbs, neverActions, idle, notNeeded                                   *phrases
	unsure, askVerbs                                                                                       *phrases
	commsCues, noContact, keepCopyVerbs, keepCopyObjects, sessionOver                                      *phrases
}

// triggerPhrases are a trigger's words compiled.
type triggerPhrases struct{ words, with *phrases }

// valueCue is a ValueCue compiled.
type valueCue struct {
	ValueCue
	after, before *phrases
}

func (l *Lexicon) compile() {
	one := func(entries []string) *phrases { return compilePhrases(entries, "", nil) }
	labelled := func(groups map[string][]string) *phrases {
		ps := &phrases{byFirst: map[string][]*phrase{}}
		for _, k := range sortedKeys(groups) {
			compilePhrases(groups[k], k, ps)
		}
		return ps
	}
	t, r, d := l.Time, l.Rules, l.Details
	c := &l.c
	c.negators, c.forbid, c.allow, c.only = one(t.Negators), one(t.Forbid), one(t.Allow), one(t.Only)
	c.outside, c.busy, c.protect, c.vague = one(t.Outside), one(t.Busy), one(t.Protect), one(t.Vague)
	c.activities = labelled(t.Activities)
	c.deadline, c.completion, c.by, c.completionAt = one(t.Deadline), one(t.Completion), one(t.By), one(t.CompletionAt)
	c.byMoment = one(t.ByMoment)
	c.before, c.after, c.from, c.between, c.rangeJoin = one(t.Before), one(t.After), one(t.From), one(t.Between), one(t.RangeJoin)
	names := map[string][]string{}
	for k := range t.NamedTimes {
		names[k] = []string{k}
	}
	c.namedTimes = labelled(names)
	spans := map[string][]string{}
	for i, ns := range t.NamedSpans {
		spans[fmt.Sprint(i)] = ns.Words
	}
	c.namedSpans = labelled(spans)
	c.everyDay, c.periods, c.weeks, c.periodEnds = one(t.EveryDay), one(t.Periods), one(t.Weeks), labelled(t.PeriodEnds)
	c.onlyAfter = one(t.OnlyAfter)
	rel := map[string][]string{}
	for k := range t.RelativeDays {
		rel[k] = []string{k}
	}
	c.relativeDays = labelled(rel)
	c.sameDay, c.month = one(t.SameDay), one(t.Month)
	c.endsAt, c.businessDays, c.thenRefs, c.periodBetween, c.inclusive = one(t.EndsAt), one(t.BusinessDays), one(t.ThenRefs), one(t.PeriodBetween), one(t.Inclusive)
	c.untilWords, c.approximate, c.expiry = one(t.UntilWords), one(t.Approximate), one(t.Expiry)
	c.marginRefs, c.marginEnds, c.allEnvs = one(t.MarginRefs), one(t.MarginEnds), one(t.AllEnvs)
	c.downtimeWords, c.downtimeLimits = one(r.DowntimeWords), one(r.DowntimeLimits)
	zones := map[string][]string{}
	for k := range t.Zones {
		zones[k] = []string{k}
	}
	c.zones, c.advance = labelled(zones), one(r.Advance)
	places := map[string][]string{}
	for k := range t.ZonePlaces {
		places[k] = []string{k}
	}
	c.zonePlaces, c.zoneWords, c.zoneCues = labelled(places), one(t.ZoneWords), one(t.ZoneCues)
	c.keyDayCues, c.keyDayRefs, c.deadlineRefs, c.freezeStarts = one(t.KeyDayCues), one(t.KeyDayRefs), one(t.DeadlineRefs), one(t.FreezeStarts)
	dutyEvery := map[string][]string{}
	for k := range t.DutyEvery {
		dutyEvery[k] = []string{k}
	}
	c.dutyEvery = labelled(dutyEvery)
	tools := map[string][]string{}
	for _, tw := range r.ChangePaths {
		tools[tw.Tool] = tw.Words
	}
	c.tools = labelled(tools)
	c.pathCues, c.console, c.dualControl = one(r.PathCues), one(r.Console), one(r.DualControl)
	parties := map[string][]string{}
	for _, pw := range r.DutyParties {
		parties[pw.Party] = pw.Words
	}
	c.parties = labelled(parties)
	c.switchCues, c.overlapCues = one(r.SwitchCues), one(r.OverlapCues)
	c.dutyCues, c.within, c.freeze, c.rateLimit = one(r.DutyCues), one(r.Within), one(r.Freeze), one(r.RateLimit)
	c.informedCues = one(r.InformedCues)
	fws := map[string][]string{}
	for _, fw := range r.Frameworks {
		fws[fw.Name] = fw.Words
	}
	c.frameworks = labelled(fws)
	bodies := map[string][]string{}
	for _, a := range r.Approvers {
		bodies[a.Name] = a.Words
	}
	c.approvers = labelled(bodies)
	every := map[string][]string{}
	for _, cw := range r.Cadences {
		every[cw.Every] = append(every[cw.Every], cw.Words...)
	}
	c.cadences, c.cadenceEvery, c.cadenceContext, c.lastRotated = labelled(every), one(r.CadenceEvery), one(r.CadenceContext), one(r.LastRotated)
	c.approverCues, c.approverFillers, c.approverJoins = one(r.ApproverCues), one(r.ApproverFillers), one(r.ApproverJoins)
	c.approverRoles, c.approverRoleWords = one(r.ApproverRoles), one(r.ApproverRoleWords)
	c.reasons, c.approval, c.customer, c.legacy = one(r.RotationReasons), one(r.Approval), one(r.CustomerImpact), one(r.Legacy)
	c.approvalWaived, c.approvalRetro = one(r.ApprovalWaived), one(r.ApprovalRetro)
	c.buildTime, c.breach, c.rotateAll = one(r.BuildTime), one(r.ConfirmedBreach), one(r.RotateAll)
	c.instructions, c.instructionsUntimed = one(r.Instructions), one(r.InstructionsWithoutTime)
	c.public, c.thirdParty, c.insider, c.usage = one(r.ExposurePublic), one(r.ExposureThirdParty), one(r.ExposureInsider), one(r.Usage)
	c.exposureVerbs, c.exposureAgo = one(r.ExposureVerbs), one(r.ExposureAgo)
	expDays := map[string][]string{}
	for k := range r.ExposureDays {
		expDays[k] = []string{k}
	}
	c.exposureDays = labelled(expDays)
	c.pairs, c.pairJoin, c.workloads = one(d.Pairs), one(d.PairJoin), labelled(d.Workloads)
	c.copies, c.scopeCues, c.personAfter, c.personPoss = one(d.Copies), one(d.ScopeCues), one(d.PersonAfter), one(d.PersonPoss)
	c.personalPlaces = one(d.Personal)
	c.versions, c.pipelines = one(d.Versions), one(l.Scopes.Pipelines)
	tk := d.Tickets
	c.ticketCues, c.ticketWeak, c.ticketNotAfter, c.ticketIETF = one(tk.Cues), one(tk.WeakCues), one(tk.NotAfter), one(tk.IETFContext)
	cw := l.Command
	c.cmdSystem, c.cmdSystemEnd, c.cmdPublic, c.cmdEnvPrefix = one(cw.SystemMarker), one(cw.SystemEnd), one(cw.Public), one(cw.EnvPrefix)
	c.cmdEnvs, c.cmdSecretWords, c.cmdStopWords, c.cmdSeparators = labelled(cw.Environments), one(cw.SecretWords), one(cw.StopWords), one(cw.Separators)
	c.cmdTriggers = map[string]triggerPhrases{}
	for _, tw := range cw.Triggers {
		tp := triggerPhrases{words: one(tw.Words)}
		if len(tw.With) > 0 {
			tp.with = one(tw.With)
		}
		c.cmdTriggers[tw.Trigger] = tp
	}
	c.privilege, c.publicData, c.shared = labelled(r.Privilege), one(r.PublicDataOnly), one(r.SharedCredential)
	c.reportVerbs, c.directiveModals, c.workVerbs, c.scheduleWords = one(r.ReportVerbs), one(r.DirectiveModals), one(r.WorkVerbs), one(r.ScheduleWords)
	c.targetCues, c.checkWords, c.outOfScope, c.theirWork = one(r.TargetCues), one(r.CheckWords), one(r.OutOfScope), one(r.TheirWork)
	c.absence, c.allowance, c.notDeadline, c.mustSucceed = one(r.Absence), one(r.Allowance), one(r.NotDeadline), one(r.MustSucceed)
	c.notOurs, c.ourWrites, c.exempt, c.waitVerbs = one(r.NotOurs), one(r.OurWrites), one(r.Exempt), one(r.WaitVerbs)
	c.neverActions, c.idle, c.notNeeded = one(r.NeverActions), one(r.Idle), one(r.NotNeeded)
	c.unsure, c.askVerbs = one(r.Unsure), one(r.AskVerbs)
	c.commsCues, c.noContact = one(r.CommsCues), one(r.NoContact)
	c.keepCopyVerbs, c.keepCopyObjects, c.sessionOver = one(r.KeepCopyVerbs), one(r.KeepCopyObjects), one(r.SessionOver)
	h := r.HeldOutside
	c.heldParties, c.heldVerbs, c.heldPassive, c.heldHeld = one(h.Parties), one(h.Verbs), one(h.Passive), one(h.Held)
	for _, v := range d.Values {
		c.values = append(c.values, valueCue{ValueCue: v, after: one(v.After), before: one(v.Before)})
	}
	for _, g := range l.Scopes.Groups {
		c.scopeGroups = append(c.scopeGroups, one(g.Words))
	}
}

var (
	defaultOnce sync.Once
	defaultLex  *Lexicon
	defaultErr  error
)

// DefaultLexicon returns the embedded lexicon, loaded and checked once. A
// broken embedded file is a build defect: the tests catch it, and this
// panics rather than reading requests with missing cue words.
func DefaultLexicon() *Lexicon {
	defaultOnce.Do(func() { defaultLex, defaultErr = LoadLexicon(lexiconFiles) })
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultLex
}

// LoadLexicon reads a lexicon laid out like the embedded one (lexicon/*.yaml)
// strictly (unknown keys are errors) and refuses one with shape problems.
func LoadLexicon(fsys fs.FS) (*Lexicon, error) {
	l := &Lexicon{}
	for _, f := range []struct {
		name string
		into any
	}{{"lexicon/time.yaml", &l.Time}, {"lexicon/rules.yaml", &l.Rules}, {"lexicon/details.yaml", &l.Details}, {"lexicon/scopes.yaml", &l.Scopes}, {"lexicon/command.yaml", &l.Command}} {
		data, err := fs.ReadFile(fsys, f.name)
		if err != nil {
			return nil, fmt.Errorf("intake: lexicon: %w", err)
		}
		if err := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict()).Decode(f.into); err != nil {
			return nil, fmt.Errorf("intake: lexicon %s: %w", f.name, err)
		}
	}
	if problems := l.Check(); len(problems) > 0 {
		return nil, fmt.Errorf("intake: lexicon: %s", strings.Join(problems, "; "))
	}
	l.compile()
	return l, nil
}

// Check reports every shape problem: empty or upper-case phrases,
// duplicates within a list, a phrase that is both a negator and a
// permission, unknown activities, tools, parties, fields, shapes, kinds and
// days, clocks and durations that do not parse.
func (l *Lexicon) Check() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	checkList := func(name string, list []string) {
		if len(list) == 0 {
			add("%s: empty", name)
		}
		seen := map[string]bool{}
		for _, p := range list {
			switch {
			case strings.TrimSpace(p) == "":
				add("%s: empty phrase", name)
			case p != strings.ToLower(p):
				add("%s: %q must be lower case", name, p)
			case p != strings.TrimSpace(p) || strings.Contains(p, "  "):
				add("%s: %q has stray spaces", name, p)
			case seen[p]:
				add("%s: %q twice", name, p)
			}
			seen[p] = true
		}
	}
	t, r, d, s := l.Time, l.Rules, l.Details, l.Scopes
	for name, list := range map[string][]string{
		"time.negators": t.Negators, "time.forbid": t.Forbid, "time.allow": t.Allow, "time.only": t.Only, "time.outside": t.Outside,
		"time.busy": t.Busy, "time.protect": t.Protect, "time.vague": t.Vague, "time.deadline": t.Deadline,
		"time.completion": t.Completion, "time.by": t.By, "time.completion_at": t.CompletionAt, "time.before": t.Before, "time.after": t.After, "time.from": t.From,
		"time.between": t.Between, "time.range_join": t.RangeJoin, "time.every_day": t.EveryDay, "time.same_day": t.SameDay, "time.periods": t.Periods, "time.weeks": t.Weeks, "time.only_after": t.OnlyAfter, "time.soft_named_times": t.SoftNamed, "time.soft_time_preps": t.SoftPreps,
		"time.month": t.Month, "time.ends_at": t.EndsAt, "time.until_words": t.UntilWords, "time.expiry": t.Expiry, "time.approximate": t.Approximate, "time.business_days": t.BusinessDays, "time.then_refs": t.ThenRefs, "time.margin_refs": t.MarginRefs, "time.all_environments": t.AllEnvs, "time.margin_ends": t.MarginEnds, "time.period_between": t.PeriodBetween, "time.inclusive": t.Inclusive,
		"rules.path_cues": r.PathCues, "rules.console": r.Console, "rules.dual_control": r.DualControl,
		"rules.duty_cues": r.DutyCues, "rules.informed_cues": r.InformedCues, "rules.within": r.Within, "rules.advance": r.Advance, "rules.freeze": r.Freeze, "rules.rate_limit": r.RateLimit,
		"rules.rotation_reasons": r.RotationReasons, "rules.approval": r.Approval, "rules.approval_waived": r.ApprovalWaived, "rules.approval_retro": r.ApprovalRetro, "rules.approver_cues": r.ApproverCues, "rules.cadence_every": r.CadenceEvery, "rules.cadence_context": r.CadenceContext,
		"rules.last_rotated": r.LastRotated,
		"rules.report_verbs": r.ReportVerbs, "rules.directive_modals": r.DirectiveModals, "rules.work_verbs": r.WorkVerbs,
		"rules.schedule_words": r.ScheduleWords, "rules.target_cues": r.TargetCues, "rules.check_words": r.CheckWords,
		"rules.out_of_scope": r.OutOfScope, "rules.their_work": r.TheirWork, "rules.not_ours": r.NotOurs, "rules.our_writes": r.OurWrites, "rules.exempt": r.Exempt,
		"rules.absence": r.Absence, "rules.allowance": r.Allowance, "rules.not_deadline": r.NotDeadline, "rules.must_succeed": r.MustSucceed,
		"time.zone_statement_words": t.ZoneWords, "time.zone_statement_cues": t.ZoneCues, "time.key_day_cues": t.KeyDayCues, "time.key_day_refs": t.KeyDayRefs, "time.deadline_refs": t.DeadlineRefs, "time.freeze_start_refs": t.FreezeStarts,
		"rules.wait_verbs": r.WaitVerbs, "rules.never_actions": r.NeverActions, "rules.idle": r.Idle, "rules.not_needed": r.NotNeeded, "rules.unsure": r.Unsure, "rules.ask_verbs": r.AskVerbs, "rules.comms_cues": r.CommsCues, "rules.no_contact": r.NoContact,
		"rules.keep_copy_verbs": r.KeepCopyVerbs, "rules.keep_copy_objects": r.KeepCopyObjects, "rules.session_over": r.SessionOver,
		"rules.approver_fillers": r.ApproverFillers, "rules.approver_joins": r.ApproverJoins,
		"rules.approver_roles": r.ApproverRoles, "rules.downtime_words": r.DowntimeWords, "rules.downtime_limits": r.DowntimeLimits, "rules.approver_role_words": r.ApproverRoleWords, "rules.customer_impact": r.CustomerImpact,
		"rules.legacy": r.Legacy, "rules.build_time": r.BuildTime, "rules.confirmed_breach": r.ConfirmedBreach,
		"rules.rotate_all": r.RotateAll, "rules.instructions": r.Instructions, "rules.instructions_without_time": r.InstructionsWithoutTime,
		"rules.exposure_public": r.ExposurePublic, "rules.exposure_third_party": r.ExposureThirdParty,
		"rules.exposure_insider": r.ExposureInsider, "rules.usage": r.Usage, "rules.exposure_verbs": r.ExposureVerbs, "rules.exposure_ago": r.ExposureAgo,
		"rules.held_outside.parties": r.HeldOutside.Parties, "rules.held_outside.verbs": r.HeldOutside.Verbs,
		"rules.held_outside.passive": r.HeldOutside.Passive, "rules.held_outside.held": r.HeldOutside.Held,
		"rules.privilege.admin": r.Privilege["admin"], "rules.privilege.read": r.Privilege["read"], "rules.public_data_only": r.PublicDataOnly, "rules.shared_credential": r.SharedCredential,
		"details.pairs": d.Pairs, "details.pair_join": d.PairJoin, "details.copies": d.Copies, "details.personal_places": d.Personal, "details.personal_owners": d.Owners, "details.shared_owners": d.Shared, "details.scope_cues": d.ScopeCues,
		"details.person_after": d.PersonAfter, "details.person_possessive": d.PersonPoss, "details.not_names": d.NotNames, "details.stop_values": d.StopValues,
		"details.versions": d.Versions, "details.tickets.prefixes": d.Tickets.Prefixes, "details.tickets.cues": d.Tickets.Cues,
		"details.tickets.weak_cues": d.Tickets.WeakCues, "details.tickets.fillers": d.Tickets.Fillers, "details.tickets.not_keys": d.Tickets.NotKeys,
		"details.tickets.not_after": d.Tickets.NotAfter, "details.tickets.ietf_context": d.Tickets.IETFContext, "scopes.pipelines": s.Pipelines, "scopes.generic_name_parts": s.GenericParts,
		"scopes.object_skips": s.ObjectSkips, "scopes.object_stops": s.ObjectStops, "scopes.object_time_nouns": s.ObjectTimes, "scopes.generic_objects": s.GenericObjects,
	} {
		checkList(name, list)
	}
	for name, list := range map[string][]string{"details.tickets.prefixes": d.Tickets.Prefixes, "details.tickets.not_keys": d.Tickets.NotKeys} {
		for _, k := range list {
			if !isLetterString(k) {
				add("%s: %q is not letters only (a key is the letters before the number)", name, k)
			}
		}
	}
	// A word cannot both negate and permit: "may not" would read both ways.
	for _, p := range t.Negators {
		if runbook.OneOf(t.Allow, p) || runbook.OneOf(t.Only, p) {
			add("time: %q is both a negator and a permission", p)
		}
	}
	for _, p := range t.Allow {
		if runbook.OneOf(t.Forbid, p) {
			add("time: %q both allows and forbids", p)
		}
	}
	for _, k := range sortedKeys(t.PeriodEnds) {
		if !runbook.OneOf([]string{"quarter", "month", "year", "week"}, k) {
			add("time.period_ends: unknown period %q", k)
		}
		checkList("time.period_ends."+k, t.PeriodEnds[k])
	}
	if t.BusyMinutes <= 0 || t.BusyMinutes > 24*60 {
		add("time.busy_minutes: %d must be 1-1440", t.BusyMinutes)
	}
	activities := sortedKeys(t.Activities)
	for _, a := range []string{ActivityChange, ActivityDeploy, ActivityRestart, ActivityRotate, ActivityRelease, ActivityPublish} {
		if len(t.Activities[a]) == 0 {
			add("time.activities: %s has no words", a)
		}
	}
	for _, a := range activities {
		if !runbook.OneOf([]string{ActivityChange, ActivityDeploy, ActivityRestart, ActivityRotate, ActivityRelease, ActivityPublish}, a) {
			add("time.activities: unknown activity %q", a)
		}
		checkList("time.activities."+a, t.Activities[a])
	}
	for _, w := range sortedKeys(t.NamedTimes) {
		if _, ok := runbook.ParseClock(t.NamedTimes[w]); !ok {
			add("time.named_times: %q is %q, not HH:MM", w, t.NamedTimes[w])
		}
	}
	for i, ns := range t.NamedSpans {
		checkList(fmt.Sprintf("time.named_spans[%d].words", i), ns.Words)
		for _, day := range ns.Days {
			if !runbook.OneOf(runbook.Weekdays, day) {
				add("time.named_spans[%d]: %q is not a weekday (mon … sun)", i, day)
			}
		}
		if _, ok := runbook.ParseClock(ns.Start); !ok {
			add("time.named_spans[%d]: start %q is not HH:MM", i, ns.Start)
		}
		if _, ok := runbook.ParseClock(ns.End); !ok {
			add("time.named_spans[%d]: end %q is not HH:MM", i, ns.End)
		}
	}
	for _, w := range sortedKeys(t.ZonePlaces) {
		if _, canon, err := runbook.LoadZone(t.ZonePlaces[w]); err != nil || canon != t.ZonePlaces[w] {
			add("time.zone_places: %q is %q, not an IANA zone", w, t.ZonePlaces[w])
		}
		if w != strings.ToLower(w) {
			add("time.zone_places: %q must be lower case", w)
		}
	}
	for _, w := range sortedKeys(t.Zones) {
		if _, canon, err := runbook.LoadZone(t.Zones[w]); err != nil || canon != t.Zones[w] {
			add("time.zones: %q is %q, not an IANA zone", w, t.Zones[w])
		}
		if w != strings.ToLower(w) {
			add("time.zones: %q must be lower case", w)
		}
	}
	for _, w := range sortedKeys(t.RelativeDays) {
		if n := t.RelativeDays[w]; n < 0 || n > 7 {
			add("time.relative_days: %q is %d days away (0 to 7)", w, n)
		}
	}
	for _, w := range sortedKeys(t.Ordinals) {
		if n := t.Ordinals[w]; n == 0 || n < -1 || n > 31 {
			add("time.ordinals: %q is %d (1 to 31, or -1 for the last)", w, n)
		}
	}
	tools := map[string]bool{}
	for _, tw := range r.ChangePaths {
		if !runbook.OneOf([]string{ToolTerraform, ToolAnsible, ToolGitOps}, tw.Tool) || tools[tw.Tool] {
			add("rules.change_paths: tool %q unknown or twice", tw.Tool)
		}
		tools[tw.Tool] = true
		checkList("rules.change_paths."+tw.Tool, tw.Words)
	}
	for _, pw := range r.DutyParties {
		if !runbook.OneOf([]string{PartyCustomer, PartyRegulator, PartyFinance, PartyTeam, PartyPartner}, pw.Party) {
			add("rules.duty_parties: unknown party %q", pw.Party)
		}
		checkList("rules.duty_parties."+pw.Party, pw.Words)
	}
	for _, u := range sortedKeys(r.Units) {
		if dur, err := time.ParseDuration(r.Units[u]); err != nil || dur <= 0 {
			add("rules.units: %q is %q, not a duration", u, r.Units[u])
		}
	}
	for _, cw := range r.Cadences {
		if d, err := time.ParseDuration(cw.Every); err != nil || d <= 0 {
			add("rules.cadences: %q is not a duration", cw.Every)
		}
		checkList("rules.cadences."+cw.Every, cw.Words)
	}
	for _, a := range r.Approvers {
		if a.Name == "" {
			add("rules.approvers: an approver without a name")
		}
		checkList("rules.approvers."+a.Name, a.Words)
	}
	for _, fw := range r.Frameworks {
		if fw.Name == "" {
			add("rules.frameworks: a framework without a name")
		}
		checkList("rules.frameworks."+fw.Name, fw.Words)
	}
	fields := map[string]bool{}
	for _, v := range d.Values {
		if !runbook.OneOf([]string{FieldIAMUser, FieldServiceAccount, FieldAppRole, FieldRepo, FieldNamespace, FieldDBUser, FieldAWSRole, FieldProjectPath}, v.Field) || fields[v.Field] {
			add("details.values: field %q unknown or twice", v.Field)
		}
		fields[v.Field] = true
		if !runbook.OneOf(Shapes, v.Shape) {
			add("details.values.%s: shape %q is not one of %s", v.Field, v.Shape, strings.Join(Shapes, ", "))
		}
		if len(v.After)+len(v.Before) == 0 {
			add("details.values.%s: no cue", v.Field)
		}
		if v.Placeholder != "" && (!strings.HasPrefix(v.Placeholder, "<") && !strings.Contains(v.Placeholder, "<")) {
			add("details.values.%s: placeholder %q has no <name>", v.Field, v.Placeholder)
		}
	}
	for _, k := range sortedKeys(d.Workloads) {
		if !runbook.OneOf([]string{"deployment", "daemonset", "statefulset", "cronjob"}, k) {
			add("details.workloads: unknown workload %q", k)
		}
		checkList("details.workloads."+k, d.Workloads[k])
	}
	for i, g := range s.Groups {
		checkList(fmt.Sprintf("scopes.groups[%d].words", i), g.Words)
		for _, k := range g.Kinds {
			if !runbook.OneOf(runbook.Kinds, runbook.Kind(k)) {
				add("scopes.groups[%d]: unknown kind %q", i, k)
			}
		}
		if len(g.Kinds)+len(g.Providers)+len(g.Match) == 0 {
			add("scopes.groups[%d]: binds nothing (no kinds, providers or match words)", i)
		}
	}
	cw := l.Command
	for name, list := range map[string][]string{"command.public": cw.Public, "command.env_prefix": cw.EnvPrefix, "command.system_marker": cw.SystemMarker,
		"command.system_end": cw.SystemEnd, "command.secret_words": cw.SecretWords, "command.stop_words": cw.StopWords,
		"command.separators": cw.Separators, "command.options": cw.Options} {
		checkList(name, list)
	}
	for _, tw := range cw.Triggers {
		if !runbook.OneOf(runbook.Triggers, runbook.Trigger(tw.Trigger)) {
			add("command.triggers: unknown trigger %q", tw.Trigger)
		}
		checkList("command.triggers."+tw.Trigger, tw.Words)
	}
	for _, e := range sortedKeys(cw.Environments) {
		if runbook.NormalizeEnv(e) != e {
			add("command.environments: %q is not a canonical environment name", e)
		}
		checkList("command.environments."+e, cw.Environments[e])
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Placeholder is the step placeholder a detail's value fills ("<iam-user>"
// for an IAM user), or "".
func (l *Lexicon) Placeholder(field string) string {
	if field == FieldKMSAlias {
		return "alias/<name>"
	}
	for _, v := range l.Details.Values {
		if v.Field == field {
			return v.Placeholder
		}
	}
	return ""
}
