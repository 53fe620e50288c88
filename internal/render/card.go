package render

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Card is the operator card: what a person needs to run the rotation, on
// one page and in execution order. It is a view of the runbook (every word
// comes from its sections), never a source of its own: the JSON runbook
// keeps every section whole.
type Card struct {
	ID      string          `json:"id"`
	System  string          `json:"system"`
	Trigger runbook.Trigger `json:"trigger"`
	// OpenItems are the open items that block work, each to be answered
	// and ticked before the steps it holds run.
	OpenItems []OpenItem `json:"open_items"`
	// Later are the open items that hold no step: answered before the
	// work is closed, named on the card and asked in the appendix (#20:
	// the card holds the items that block work).
	Later []OpenItem `json:"later,omitempty"`
	// Kills say when every exposed credential dies.
	Kills []Kill `json:"kills"`
	// Before is what must be true before step 1 (approvals, the ticket).
	Before []string `json:"before"`
	// Order is the environments every secret runs through, in order, when
	// they all share it ("staging, then production"); then a line's step
	// numbers are its steps in each, and secrets do not repeat it.
	Order string `json:"order"`
	// Blackouts say when no production step runs.
	Blackouts []string `json:"blackouts"`
	// Deadlines say by when the work is done, for each deadline no secret's
	// line already dates (hook6 m2: "Must be completed before 2026-12-18"
	// was read but not on the card).
	Deadlines []string `json:"deadlines,omitempty"`
	// Freezes say which release or change freeze holds and what it stops,
	// at the top like a blackout (review17: a freeze shown only inside its
	// steps).
	Freezes []string `json:"freezes"`
	// Procedures are step texts several secrets share but for one value
	// (a store command and its variable name), said once; the lines that
	// use one give only their value.
	Procedures []Procedure `json:"procedures"`
	// Rollbacks are the rollbacks the card's lines point at (R1..Rn), as
	// steps to run, said after the card with the procedures (review20
	// round 5 A1: a rollback named but not runnable at 2 a.m.).
	Rollbacks []RollbackProc `json:"rollbacks,omitempty"`
	// Groups are the steps by phase, in execution order.
	Groups []Group `json:"groups"`
	// Duties are the messages and notifications to send, with when.
	Duties []Duty `json:"duties"`
	// Evidence is what to keep for the record.
	Evidence []string `json:"evidence"`
	// Watch is how long production is watched after its verify ("30
	// minutes"), or "".
	Watch string `json:"watch,omitempty"`
	// Rules are how to read and run the card, said once: what a/b step
	// numbers stand for, which kubectl context, what a failed check means
	// (a failed kill escalates, never stops), the watch.
	Rules string `json:"rules"`
}

// Kill is when an exposed credential dies.
type Kill struct {
	SecretID string `json:"secret_id"`
	Name     string `json:"name"`
	// Steps are the steps that kill it ("steps 1-2").
	Steps string `json:"steps"`
	// At is the absolute time it must be dead by, with its zone, or ""
	// when the runbook has no clock.
	At string `json:"at"`
	// After says the same as the time from the start ("T0+15 min"), or ""
	// when the runbook plans no times.
	After string `json:"after"`
}

// Group is a phase of the work (containment, a track of secrets,
// investigation, close out) with its steps.
type Group struct {
	Title string `json:"title"`
	// Steps is the range of steps it covers ("steps 12-21").
	Steps string `json:"steps"`
	// Lines are the steps that concern no single secret and come before
	// the secrets' (a freeze); After those that come after them.
	Lines []Line `json:"lines"`
	// Each is what every secret of the group shares (its owner "with
	// Security", its strategy, its environments), said once.
	Each    []string     `json:"each,omitempty"`
	Secrets []CardSecret `json:"secrets"`
	After   []Line       `json:"after"`
	// Rollback points at the appendix's rollback of each secret of the
	// phase that has one ("R1, R2": the rollback table's rows), and says
	// when a rollback only delays a failure: an old credential that
	// expires by itself (review20 round 4 C1: after a Stripe rollback,
	// fix forward before the old secret's expiry). The commands and until
	// when are in the appendix (#20: rollback procedures leave the card).
	Rollback string `json:"rollback,omitempty"`
}

// CardSecret is one secret's part of a group: what it is, who runs it, the
// few commands and the check that proves it.
type CardSecret struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Strategy string `json:"strategy"`
	Risk     string `json:"rotation_risk"`
	Owner    string `json:"owner"`
	// Where says in which environments, in order ("staging, then production").
	Where string `json:"where"`
	// Window says when its production changes may run, or "".
	Window string `json:"window"`
	Lines  []Line `json:"lines"`
	Check  string `json:"check"`
	// Back says how to go back to the old credential while it still
	// works, and until when (from the rollback section), or nil when
	// there is nothing to go back to (the rules say: fix forward).
	Back *Back `json:"back,omitempty"`
}

// Back is a secret's rollback on the card: until when it is possible, how
// (or, when a procedure says the command, the value that replaces VAR).
type Back struct {
	Until string `json:"until"`
	How   string `json:"how"`
	Value string `json:"value,omitempty"`
}

// Procedure is a step text said once for several secrets: Text holds VAR
// where each line's value goes.
type Procedure struct {
	Phase runbook.Phase `json:"phase"`
	// Name is, for a procedure with named slots, how lines call it
	// ("lambda(NAME, VAR)"); "" for one said as "Every <phase>".
	Name string `json:"name,omitempty"`
	Text string `json:"text"`
	// key is what its lines know it by (its text when it was made: the
	// text may grow later), until it has its name.
	key string
}

// Line is one thing to do: a step, or the same step in several
// environments.
type Line struct {
	Phase runbook.Phase `json:"phase"`
	// Steps are the step numbers it stands for, one per environment.
	Steps []int  `json:"steps"`
	Text  string `json:"text"`
	// Check is how the step proves it worked.
	Check string `json:"check"`
	// Dead says, on a line that kills an exposed credential, by when it is
	// dead ("by T0+10 min", "by Wed 2026-11-25 22:10 UTC").
	Dead string `json:"dead,omitempty"`
	// Overdue is, on such a line of a departing person's credential, the
	// deadline that had passed at as_of ("Mon 2026-12-07 17:00 UTC"): the
	// line says "overdue since <it>, dead by <when>".
	Overdue string `json:"overdue,omitempty"`
	// PerEnvironment says its steps are one step in each environment of
	// the card's order ("2/6"), not a run of steps ("8-10").
	PerEnvironment bool `json:"per_environment,omitempty"`
	// Value is, for a line that follows a procedure (Text is then ""), the
	// value that replaces VAR in it.
	Value string `json:"value,omitempty"`
	// Values are, for a line that follows a procedure once per value (a
	// deploy of several workloads), the values in turn.
	Values []string `json:"values,omitempty"`
	// Never holds the prohibitions the step states, whole ("Never put the
	// new value in her password manager ...": the departing person's own
	// copy, review17-cold3 r4), said after the line's text or value.
	Never string `json:"never,omitempty"`
	// Waits lists the open items it waits for.
	Waits []string `json:"waits"`
	// SaysWaits are the waits the card prints on the line: those no
	// earlier line of its secret printed (a line after one that waits for
	// an item runs after its answer anyway).
	SaysWaits []string `json:"-"`
	// Proc is the name of the procedure a line with a Value or Values
	// calls ("store(VAR)"), printed as "store(`X`)".
	Proc string `json:"-"`
}

// Duty is a message or notification to send.
type Duty struct {
	// Who is told (an audience: engineering, support, customer...).
	Who string `json:"who"`
	// Where is the channel.
	Where string `json:"where"`
	When  string `json:"when"`
	What  string `json:"what"`
}

// StopKilled is the card's rule at a failed check when a credential is killed
// at containment: there is nothing to roll back to for it (review18 C2), and
// a kill that fails never stops the work: it escalates (review20 tabletop).
const StopKilled = "A failed kill: escalate at once, keep going. Another failed check: stop, fix forward; never revive a killed credential."

// The card's limits: the few commands to run and the proof, not every word
// of a step; the full steps are in the appendix, by the same numbers. A
// command and its check are never cut: the card keeps whole sentences and
// leaves out the others.
const (
	// maxLines is the most lines a secret shows in one group.
	maxLines = 6
	// maxLeadWords bounds a sentence without a command kept before the
	// step's first command (what the command is for: "Issue the
	// replacement to a service account, not a person.").
	maxLeadWords = 14
	// sharedWords is the fewest words of a line another secret's line
	// refers to rather than repeats.
	sharedWords = 6
	// maxQuestionWords is the longest question the card asks; a longer one
	// (several questions in one) is said by what is missing.
	maxQuestionWords = 30
	// maxQuoteWords bounds the quote of an open item on the card (the
	// question is its first sentence, whole).
	maxQuoteWords = 12
)

// BuildCard condenses a runbook to its operator card.
func BuildCard(rb *runbook.Runbook) Card {
	c := Card{ID: rb.ID, System: rb.System, Trigger: rb.Trigger, OpenItems: []OpenItem{}, Kills: []Kill{},
		Before: []string{}, Blackouts: []string{}, Freezes: []string{}, Procedures: []Procedure{}, Groups: []Group{}, Duties: []Duty{}, Evidence: []string{}}
	names := map[string]string{}
	if inv := rb.Sections.Inventory; inv != nil {
		for _, s := range inv.Secrets {
			names[s.ID] = s.Name
		}
	}
	for _, b := range rb.Schedule.Blackouts {
		bl := blackoutLead + b.Label()
		if b.Holds() != "production step" {
			bl = "no " + b.Holds() + " runs " + b.Label()
		}
		if len(b.SecretIDs) > 0 && len(b.SecretIDs) < len(names) && b.Activity == "" {
			// The card and the appendix say the same: a blackout of some
			// secrets names them (review17).
			var of []string
			for _, id := range b.SecretIDs {
				of = append(of, cmp.Or(names[id], id))
			}
			bl = "no " + b.Holds() + " of " + andList(of) + " runs " + b.Label()
		}
		if b.Note != "" {
			bl += " (" + b.Note + ")"
		}
		// A blackout never holds the kill of an exposed credential: the
		// card line says so itself (#18 item 6: a blackout on restarts or
		// DNS changes read as holding the revoke), in six words.
		for _, k := range rb.TimeToKill {
			if k.Deadline == "" && !k.Reach && (len(b.SecretIDs) == 0 || slices.Contains(b.SecretIDs, k.SecretID)) {
				bl += "; it never holds an exposed credential's kill"
				break
			}
		}
		c.Blackouts = append(c.Blackouts, bl)
	}
	for _, z := range rb.Schedule.Freezes {
		c.Freezes = append(c.Freezes, freezeLine(rb, z))
	}
	// Every open item: those that hold steps stop work; the others hold
	// none but are still to be answered (newcomer5: the page counts them
	// all, so the card lists them all). The card asks each question in a
	// short form (the question itself, without its context) and quotes
	// what the requester wrote (a constraint, a note), shortly; the
	// appendix has every word.
	for _, o := range OpenItems(rb) {
		// The as_of item is said whole: when the request is dated, what
		// has passed since, and that a kill never waits for it (X4).
		if o.Source != "as_of" {
			o.Question = ShortQuestion(rb, o.Text, o.Question)
		}
		// That the cluster or the store also answers it is in the
		// appendix; the card names whom to ask (said once when it is the
		// same for every item).
		o.Ask = strings.TrimSuffix(o.Ask, lookItUp)
		if quotesRequester(o.Source) {
			// A short question led by the item's text says it once, in
			// the quote (never "\"Rotate Stripe ...\" Rotate Stripe ....
			// When does the window end?").
			if q := clipWords(o.Text, maxQuoteWords); q == o.Text {
				lead := upper(strings.TrimSuffix(strings.TrimSpace(o.Text), "."))
				if rest, ok := strings.CutPrefix(o.Question, lead); ok && strings.TrimLeft(rest, ".!? ") != "" {
					o.Question = strings.TrimLeft(rest, ".!? ")
				}
			}
			o.Text = clipWords(o.Text, maxQuoteWords)
		} else {
			o.Text = ""
		}
		if o.Holds == "" {
			c.Later = append(c.Later, o)
			continue
		}
		c.OpenItems = append(c.OpenItems, o)
	}
	secrets := map[string]runbook.InventorySecret{}
	if inv := rb.Sections.Inventory; inv != nil {
		for _, s := range inv.Secrets {
			secrets[s.ID] = s
		}
	}
	envs := environments(rb)
	c.Kills = kills(rb, secrets)
	var signers []string
	if p := rb.Sections.Preflight; p != nil && len(p.Approvals) > 0 {
		// Who signs off before the work; an owner approving only its own
		// secrets' rollout is named with them, and what each approves is
		// in the appendix.
		var who []string
		for _, a := range p.Approvals {
			if !a.HoldsStart() {
				// Needed later (after containment and the restoration
				// of production): never a gate before step 1.
				continue
			}
			own := len(a.Secrets) > 0
			for _, id := range a.Secrets {
				own = own && secrets[id].Owner == a.Approver
			}
			if !own && !contains(who, a.Approver) {
				who = append(who, a.Approver)
			}
		}
		if len(who) > 0 {
			c.Before = append(c.Before, "sign-off from "+andList(who))
			signers = who
		}
	}
	if rs := rb.Sections.RotationSequence; rs != nil {
		shown := map[string]bool{}
		for _, t := range rs.Tracks {
			c.Groups = append(c.Groups, group(rb, t, secrets, envs, shown))
		}
		sayLinesOnce(c.Groups)
		for i := range c.Groups {
			foldRepeats(&c.Groups[i])
			mergeLines(&c.Groups[i])
		}
		c.Groups = mergeFolds(c.Groups)
		c.Procedures = deployProcedure(c.Groups)
		var names []string
		if inv := rb.Sections.Inventory; inv != nil {
			for _, s := range inv.Secrets {
				names = append(names, s.Systems...)
			}
		}
		c.Procedures = append(c.Procedures, slotProcedures(c.Groups, names)...)
		c.Procedures = append(c.Procedures, namedTails(c.Groups)...)
		c.Procedures = append(c.Procedures, procedures(c.Groups)...)
		filterVariants(c.Groups, c.Procedures)
		c.Procedures = callSpans(c.Groups, c.Procedures)
		reachPods(rb, c.Procedures)
		backs(rb, c.Groups)
		fixes := rollbackLines(rb, c.Groups)
		nameProcedures(c.Groups, c.Procedures)
		c.Procedures = variants(c.Groups, c.Procedures)
		c.Procedures = longSpans(c.Groups, c.Procedures)
		c.Rollbacks = rollbackProcs(rb, c.Groups, fixes)
		markKills(c.Groups, rb)
		for _, st := range rs.AllSteps() {
			if m := watchRE.FindStringSubmatch(st.Verify); st.Phase == runbook.PhaseVerify && m != nil && len(m[1]) >= len(c.Watch) {
				c.Watch = m[1]
			}
		}
	}
	// An owner "with Security" where Security signs off before step 1 is
	// said there.
	for i := range c.Groups {
		for j := range c.Groups[i].Secrets {
			cs := &c.Groups[i].Secrets[j]
			for _, who := range signers {
				cs.Owner = strings.TrimSuffix(cs.Owner, " with "+who)
			}
		}
	}
	c.Order = sharedOrder(c.Groups)
	if c.Order != "" {
		for i := range c.Groups {
			for j := range c.Groups[i].Secrets {
				c.Groups[i].Secrets[j].Where = ""
			}
		}
	}
	for i := range c.Groups {
		shareFacts(&c.Groups[i])
	}
	c.Rules = rules(rb, c)
	c.Procedures = append(c.Procedures, envCheck(c)...)
	sayWaitsOnce(c.Groups, c.OpenItems)
	c.Deadlines = cardDeadlines(rb, c)
	if ic := rb.Sections.InternalComms; ic != nil {
		for i, m := range ic.Messages {
			d := Duty{Who: string(m.Audience), Where: dropAsides(m.Channel), When: cutOutsideCode(dropAsides(m.SendWhen), ';')}
			if how, to, ok := strings.Cut(d.Where, " to "); ok && !strings.Contains(how, " ") && to != "" {
				// "email to Finance", "message to Security": the party
				// told is who the line names, not the audience the
				// message is filed under (hook5 k5: "leadership (email
				// to Finance)").
				d.Who, d.Where = to, how
			}
			if i == 0 {
				// The first message is the announcement the operator
				// posts: when it starts (its subject, when that says so)
				// and what people should expect and watch.
				d.What = gist(m.Body)
				// A start time not known yet (a placeholder) is not said.
				if strings.Contains(strings.ToLower(m.Subject), "start") && !placeholderRE.MatchString(m.Subject) {
					d.What = strings.TrimSpace(strings.TrimSuffix(m.Subject, ".") + ". " + d.What)
				}
			}
			c.Duties = append(c.Duties, d)
		}
	}
	if ec := rb.Sections.ExternalComms; ec != nil && ec.Applicable {
		for _, m := range ec.Messages {
			// Whom and when; the message itself is the appendix's (#20:
			// comms templates go behind the card).
			c.Duties = append(c.Duties, Duty{Who: string(m.Audience), Where: cutOutsideCode(dropAsides(m.Channel), ','), When: cutOutsideCode(dropAsides(m.SendWhen), ';')})
		}
	}
	if ae := rb.Sections.AuditEvidence; ae != nil {
		for _, it := range ae.Items {
			ev := strings.TrimSuffix(headline(it.Evidence), ".")
			// The record's name; the appendix says what it holds.
			for _, cut := range []string{" with ", ", "} {
				if i := strings.Index(ev, cut); i > 0 {
					ev = ev[:i]
				}
			}
			if it.Control != "" && it.Control != "rotation record" {
				ev += " (" + it.Control + ")"
			}
			c.Evidence = append(c.Evidence, ev)
		}
	}
	return c
}

// freezeLine says what a freeze stops, for the top of the card.
// A freeze never holds the kill of a credential killed first (review18
// round 5 X6: "no old credential is revoked before the first pipeline run
// after the freeze succeeds" read as holding two public credentials'
// kills until the incident closed).
func freezeLine(rb *runbook.Runbook, z runbook.Freeze) string {
	until := ""
	if z.Until != "" {
		until = " (until " + z.Until + ")"
	}
	killed := map[string]bool{}
	for _, k := range rb.TimeToKill {
		if k.Deadline == "" && !k.Reach && k.SecretID != "" && (len(z.SecretIDs) == 0 || runbook.OneOf(z.SecretIDs, k.SecretID)) {
			killed[k.SecretID] = true
		}
	}
	// Every secret it binds dies first: the freeze holds no revoke at all.
	revokes := "; no old credential is revoked before the first pipeline run after the freeze succeeds"
	if len(killed) > 0 {
		revokes += ", except an exposed one: the freeze never holds an exposed credential's kill"
		all := true
		if inv := rb.Sections.Inventory; inv != nil {
			for _, s := range inv.Secrets {
				all = all && (killed[s.ID] || len(z.SecretIDs) > 0 && !runbook.OneOf(z.SecretIDs, s.ID))
			}
		}
		if all {
			revokes = "; the freeze never holds an exposed credential's kill"
		}
	}
	if runbook.OneOf(z.Forbids, "release") || runbook.OneOf(z.Forbids, "publish") {
		return "release freeze " + z.ID + until + ": no step and no check runs a publish, release or deploy pipeline; new values wait in the store, proven by dry runs and read-only calls" + revokes
	}
	return "freeze " + z.ID + until + ": the rotation's deploys run only as the exception recorded on the change ticket"
}

// blackoutLead starts every blackout of the card.
const blackoutLead = "no production step runs "

// CardShortens reports whether the card asks an open item's question
// shorter than the appendix (the question alone, without its context):
// the appendix then gives it whole.
func CardShortens(rb *runbook.Runbook, o OpenItem) bool {
	return o.Holds == "" || ShortQuestion(rb, o.Text, o.Question) != strings.Join(strings.Fields(o.Question), " ")
}

// clipWords cuts a quote to its first n words, marking the cut.
func clipWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) <= n {
		return s
	}
	return strings.TrimRight(strings.Join(w[:n], " "), ",;:") + " …"
}

// saidIn reports whether most of a text's words are in another.
func saidIn(text, in string) bool {
	words := strings.Fields(strings.ToLower(text))
	if len(words) == 0 {
		return true
	}
	low, n := strings.ToLower(in), 0
	for _, w := range words {
		if strings.Contains(low, strings.Trim(w, ".,:;()\"'")) {
			n++
		}
	}
	return 2*n >= len(words)
}

// quotesRequester reports whether an open item's source is prose the
// requester wrote (a constraint, a note): its words are worth quoting.
func quotesRequester(source string) bool {
	return strings.HasPrefix(source, "constraints") || strings.HasSuffix(source, "notes")
}

// gistImpactWords is the longest impact sentence the card quotes.
const gistImpactWords = 12

// gist is the sentences of a message that tell people what to expect and
// what to watch.
func gist(body string) string {
	var out []string
	for rest := strings.Join(strings.Fields(body), " "); rest != ""; {
		sentence := firstSentence(rest)
		rest = strings.TrimSpace(rest[len(sentence):])
		lower := strings.ToLower(sentence)
		// The impact when it is short (a list of the secrets whose
		// consumers fail is in the appendix), and where to watch.
		if strings.Contains(lower, "impact") && len(strings.Fields(sentence)) <= gistImpactWords || strings.HasPrefix(lower, "watch ") {
			out = append(out, dropAsides(sentence))
		}
	}
	return strings.Join(out, " ")
}

// sharedOrder is the environments every secret runs through when they all
// run through the same ones in the same order (and more than one), or "".
func sharedOrder(groups []Group) string {
	order := ""
	for _, g := range groups {
		for _, s := range g.Secrets {
			if s.Where == "" {
				continue
			}
			if order != "" && s.Where != order || !strings.Contains(s.Where, ", then ") {
				return ""
			}
			order = s.Where
		}
	}
	return order
}

// kills says when each exposed credential dies: from the runbook's time to
// kill (the last of its environments' kills: then every copy is dead), or,
// in a runbook without one, at which steps (its containment, or its revoke).
func kills(rb *runbook.Runbook, secrets map[string]runbook.InventorySecret) []Kill {
	out := []Kill{}
	if len(rb.TimeToKill) > 0 {
		index := map[string]int{}
		var steps [][]int
		for _, k := range rb.TimeToKill {
			if k.Deadline != "" || k.Reach {
				// Planned: it dies after its replacement, by a
				// deadline; it does not die first. What it could read
				// has its own line.
				continue
			}
			i, ok := index[k.SecretID]
			if !ok {
				i = len(out)
				index[k.SecretID] = i
				name := secrets[k.SecretID].Name
				if name == "" {
					name = k.SecretID
				}
				out = append(out, Kill{SecretID: k.SecretID, Name: name})
				steps = append(steps, nil)
			}
			steps[i] = append(steps[i], k.Step)
			if k.Label != "" && (out[i].After == "" || k.Minutes >= minutesOf(rb, k.SecretID, out[i].After)) {
				out[i].After, out[i].At = k.Label, moment(k.At)
			}
		}
		for i := range out {
			out[i].Steps = StepRanges(sortInts(steps[i]))
		}
		return out
	}
	rt := rb.Sections.RiskTriage
	if rt == nil {
		return out
	}
	steps := rb.Sections.RotationSequence.AllSteps()
	for _, it := range rt.Items {
		if it.Exposure != runbook.ExposurePublic && it.Exposure != runbook.ExposureThirdParty {
			continue
		}
		var contain, revoke []int
		for _, st := range steps {
			if st.SecretID != it.SecretID {
				continue
			}
			switch st.Phase {
			case runbook.PhaseContain:
				contain = append(contain, st.Order)
			case runbook.PhaseRevoke:
				revoke = append(revoke, st.Order)
			}
		}
		if len(contain) == 0 {
			contain = revoke
		}
		if len(contain) == 0 {
			continue
		}
		name := secrets[it.SecretID].Name
		if name == "" {
			name = it.SecretID
		}
		out = append(out, Kill{SecretID: it.SecretID, Name: name, Steps: StepRanges(contain)})
	}
	return out
}

// minutesOf is the planned minutes of a secret's kill with the label.
func minutesOf(rb *runbook.Runbook, id, label string) int {
	for _, k := range rb.TimeToKill {
		if k.SecretID == id && k.Label == label {
			return k.Minutes
		}
	}
	return 0
}

// moment writes an RFC 3339 time for people, in its own zone: "Wed
// 2026-11-25 22:10 UTC" ("" for none).
func moment(rfc string) string {
	t, err := time.Parse(time.RFC3339, rfc)
	if err != nil {
		return ""
	}
	zone := t.Format("MST")
	if zone == "" || strings.ContainsAny(zone[:1], "+-") {
		zone = "UTC" + t.Format("-07:00")
	}
	return t.Format("Mon 2006-01-02 15:04") + " " + zone
}

// group condenses one track: its secrets in the order they first act, each
// with its lines; steps repeated in another environment are one line.
func group(rb *runbook.Runbook, t runbook.Track, secrets map[string]runbook.InventorySecret, envs []string, shown map[string]bool) Group {
	g := Group{Title: t.Name, Lines: []Line{}, Secrets: []CardSecret{}, After: []Line{}}
	// A step reads with the notes its track shares (said once there).
	read := map[int]runbook.Step{}
	for _, st := range rb.Sections.RotationSequence.ReadSteps() {
		read[st.Order] = st
	}
	var orders []int
	index := map[string]int{}
	type key struct{ phase, text string }
	lineAt := map[string]map[key]int{}
	stepsOf := map[string][][]int{}
	envsOf := map[string][]string{}
	for _, st := range t.Steps {
		if r, ok := read[st.Order]; ok {
			st.Action = strings.TrimSpace(strings.TrimPrefix(r.Action, runbook.NoteRef))
			st.Verify = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(r.Verify, runbook.NoteCheckRef), ";"))
		}
		orders = append(orders, st.Order)
		text := brief(st.Action, st.Phase, envs)
		if st.Phase == runbook.PhaseInvestigate || st.Phase == runbook.PhaseCleanup {
			// After the kill, the card says what; the appendix says how.
			text = headline(st.Action)
		}
		waits := runbook.WaitingFor(rb.OpenItems, st)
		if waits == nil {
			waits = []string{}
		}
		if st.SecretID == "" {
			lines := &g.Lines
			if len(g.Secrets) > 0 {
				lines = &g.After
			}
			*lines = append(*lines, Line{Phase: st.Phase, Steps: []int{st.Order}, Text: text, Check: brief(st.Verify, "", envs), Waits: waits})
			continue
		}
		i, ok := index[st.SecretID]
		if !ok {
			i = len(g.Secrets)
			index[st.SecretID] = i
			s := secrets[st.SecretID]
			cs := CardSecret{ID: st.SecretID, Name: s.Name, Lines: []Line{}}
			if cs.Name == "" {
				cs.Name = st.SecretID
			}
			if !shown[st.SecretID] && st.Phase != runbook.PhaseInvestigate && st.Phase != runbook.PhaseCleanup {
				// Said once, where the secret first acts.
				shown[st.SecretID] = true
				cs.Strategy, cs.Risk, cs.Owner = string(s.Strategy), string(s.RotationRisk), st.Owner
			}
			g.Secrets = append(g.Secrets, cs)
			lineAt[st.SecretID] = map[key]int{}
		}
		cs := &g.Secrets[i]
		if st.Environment != "" && st.Environment != "all" && !contains(envsOf[st.SecretID], st.Environment) {
			envsOf[st.SecretID] = append(envsOf[st.SecretID], st.Environment)
		}
		if l := windowLabel(rb.Schedule, st.Window); l != "" && !strings.Contains(cs.Window, l) {
			// The date says when; the window's id ("w1", "d1") is defined
			// only in the appendix (review20 tabletop).
			if cs.Window != "" {
				cs.Window += "; "
			}
			cs.Window += l
		}
		// The secret's check is its verify step's (the last one: production).
		if st.Phase == runbook.PhaseVerify || cs.Check == "" {
			cs.Check = brief(st.Verify, "", envs)
		}
		k := key{string(st.Phase), text}
		if j, ok := lineAt[st.SecretID][k]; ok {
			stepsOf[st.SecretID][j] = append(stepsOf[st.SecretID][j], st.Order)
			cs.Lines[j].PerEnvironment = true
			for _, w := range waits {
				if !contains(cs.Lines[j].Waits, w) {
					cs.Lines[j].Waits = append(cs.Lines[j].Waits, w)
				}
			}
			continue
		}
		lineAt[st.SecretID][k] = len(cs.Lines)
		cs.Lines = append(cs.Lines, Line{Phase: st.Phase, Text: text, Check: brief(st.Verify, "", envs), Never: nevers(st.Action, st.Phase), Waits: waits})
		stepsOf[st.SecretID] = append(stepsOf[st.SecretID], []int{st.Order})
	}
	for i := range g.Secrets {
		cs := &g.Secrets[i]
		for j := range cs.Lines {
			cs.Lines[j].Steps = stepsOf[cs.ID][j]
		}
		sayChecksOnce(cs.Lines)
		cs.Where = strings.Join(envsOf[cs.ID], ", then ")
		if len(cs.Lines) > maxLines {
			// The steps past the card's few are folded into one line of
			// the first one's phase; a revoke or a containment stays
			// whole, with its check (newcomer4: revokes folded under
			// "switch", and no kill check).
			var rest []int
			var kills []Line
			phase := runbook.Phase("")
			for j, o := range stepsOf[cs.ID][maxLines-1:] {
				l := cs.Lines[maxLines-1+j]
				if ShowsCheck(l.Phase) {
					kills = append(kills, l)
					continue
				}
				if phase == "" {
					phase = l.Phase
				}
				rest = append(rest, o...)
			}
			cs.Lines = cs.Lines[:maxLines-1]
			if len(rest) > 0 {
				cs.Lines = append(cs.Lines, Line{Phase: phase, Steps: sortInts(rest), Text: "The remaining steps, as the appendix writes them."})
			}
			cs.Lines = append(cs.Lines, kills...)
		}
	}
	g.Steps = StepRanges(orders)
	return g
}

// watchRE finds how long a verify step watches ("... on the dashboards for
// 30 minutes").
var watchRE = regexp.MustCompile(`\bfor (\d+ (?:minutes|hours?))$`)

// windowLabel says when a window opens next, with its date ("next Wed
// 2026-11-25 22:00-23:00 UTC"; the appendix says how it recurs), else when
// it recurs; a deadline says by when.
func windowLabel(s runbook.Schedule, id string) string {
	for _, w := range s.Windows {
		if w.ID == id && w.Next != nil && w.Next.Label != "" {
			// Its first slot, dated ("next" misleads when it is today);
			// why it is that one: the first after the notice, the last
			// before a freeze or a deadline (review17).
			return w.Next.Label
		}
	}
	return s.Window(id)
}

// sayLinesOnce refers a line that repeats an earlier group's line of the
// same secret (the same step in another environment, planned in another
// phase) to it, instead of saying it again.
func sayLinesOnce(groups []Group) {
	type key struct {
		secret string
		phase  runbook.Phase
		text   string
	}
	first := map[key][]int{}
	checks := map[string][]int{}
	for gi := range groups {
		for si := range groups[gi].Secrets {
			cs := &groups[gi].Secrets[si]
			for li := range cs.Lines {
				l := &cs.Lines[li]
				k := key{cs.ID, l.Phase, l.Text}
				// A long text another secret's line already said (the
				// same restart of the same workloads) is referred to as
				// well.
				shared := key{"", l.Phase, l.Text}
				if steps, ok := first[k]; ok {
					l.Text = "As " + StepRanges(steps) + "."
				} else if steps, ok := first[shared]; ok && len(strings.Fields(l.Text)) >= sharedWords {
					first[k] = l.Steps
					l.Text = "As " + StepRanges(steps) + "."
				} else {
					first[k] = l.Steps
					first[shared] = l.Steps
				}
				if l.Check == "" {
					continue
				}
				if steps, ok := checks[cs.ID+"\x00"+l.Check]; ok {
					l.Check = "as " + StepRanges(steps) + "."
				} else {
					checks[cs.ID+"\x00"+l.Check] = l.Steps
				}
			}
		}
	}
}

// markKills puts each exposed credential's kill time on the line of the
// step that kills it (the last of its environments' on a line that stands
// for several).
func markKills(groups []Group, rb *runbook.Runbook) {
	for gi := range groups {
		// Lines of no secret: the kill of everything a breached place
		// held (review18 round 4, X1).
		for _, ls := range []*[]Line{&groups[gi].Lines, &groups[gi].After} {
			for li := range *ls {
				l := &(*ls)[li]
				for _, k := range rb.TimeToKill {
					if k.SecretID == "" && runbook.OneOf(l.Steps, k.Step) {
						l.Dead = "by " + k.Label
						if at := moment(k.At); at != "" {
							l.Dead = "by " + at
						}
					}
				}
			}
		}
		for si := range groups[gi].Secrets {
			cs := &groups[gi].Secrets[si]
			for li := range cs.Lines {
				l := &cs.Lines[li]
				best := -1
				for _, k := range rb.TimeToKill {
					if k.SecretID == cs.ID && runbook.OneOf(l.Steps, k.Step) && k.Minutes > best {
						best = k.Minutes
						if by := deadlineOf(rb, k.Deadline); by != "" {
							// Not "now": after production runs on the
							// replacement, by the deadline (hook3 s2).
							l.Dead = by
							if at := moment(k.At); at != "" {
								l.Dead += ", planned " + at
							}
						} else if at := moment(k.At); at != "" {
							l.Dead = "by " + at
						} else {
							l.Dead = "by " + k.Label
						}
						if d := rb.Schedule.OverdueFor(cs.ID); d != nil && k.Deadline == "" {
							// A leaver's credential past the deadline
							// (review18 round 5 X5): how late it is.
							l.Overdue = strings.TrimPrefix(rb.Schedule.DueLabel(*d), "overdue since ")
						}
					}
				}
			}
		}
	}
}

// deadlineOf writes a deadline of the schedule as a kill's bound: "by Fri
// 2026-12-11 18:00 Europe/Madrid", or "" for none. The date says it; the
// deadline's id is defined only in the appendix (review20 tabletop: "(d1)"
// on a card).
func deadlineOf(rb *runbook.Runbook, id string) string {
	if id == "" {
		return ""
	}
	for _, d := range rb.Schedule.Deadlines {
		if d.ID == id {
			return d.Label()
		}
	}
	return ""
}

// procedures finds, per phase, lines of different secrets whose texts are
// the same but for one word (a variable name), and says such a text once:
// each line keeps only its value. Only texts of procWords words or more are
// worth it.
func procedures(groups []Group) []Procedure {
	const procWords = 6
	type ref struct{ g, s, l int }
	byPhase := map[runbook.Phase][]ref{}
	var phases []runbook.Phase
	for gi, g := range groups {
		for si, cs := range g.Secrets {
			for li, l := range cs.Lines {
				if len(strings.Fields(l.Text)) < procWords {
					continue
				}
				if _, ok := byPhase[l.Phase]; !ok {
					phases = append(phases, l.Phase)
				}
				byPhase[l.Phase] = append(byPhase[l.Phase], ref{gi, si, li})
			}
		}
	}
	wordsOf := func(r ref) []string { return strings.Fields(groups[r.g].Secrets[r.s].Lines[r.l].Text) }
	out := []Procedure{}
	for _, p := range phases {
		refs := byPhase[p]
		// Lines whose last n words differ only at word k share the key of
		// those words with word k blanked; what a line says before them is
		// its own ("Store user and password as one version: ...").
		type cand struct {
			refs []ref
			n, k int
		}
		var best cand
		longest := 0
		for _, r := range refs {
			longest = max(longest, len(wordsOf(r)))
		}
		for n := procWords; n <= longest; n++ {
			for k := 0; k < n; k++ {
				groupsOf := map[string][]ref{}
				for _, r := range refs {
					w := wordsOf(r)
					if len(w) < n {
						continue
					}
					tail := w[len(w)-n:]
					key := strings.Join(tail[:k], " ") + "\x00" + strings.Join(tail[k+1:], " ")
					groupsOf[key] = append(groupsOf[key], r)
				}
				for _, all := range groupsOf {
					// The lines whose word there holds a name (the
					// affixes find it: "--from-file=DATADOG_API_KEY=/dev/stdin"),
					// else only those whose word is a name itself (a
					// "SECRET>-next" among them spoils no procedure).
					hasName := func(v string) bool {
						return strings.Contains(v, "_") && strings.ContainsFunc(v, func(c rune) bool { return c >= 'A' && c <= 'Z' })
					}
					isWhole := func(v string) bool { return isName(strings.Trim(v, "`<>.,;:")) && strings.Contains(v, "_") }
					for _, keep := range []func(string) bool{hasName, isWhole} {
						var rs []ref
						for _, r := range all {
							if w := wordsOf(r); keep(w[len(w)-n+k]) {
								rs = append(rs, r)
							}
						}
						secretsOf := map[string]bool{}
						for _, r := range rs {
							secretsOf[groups[r.g].Secrets[r.s].ID] = true
						}
						if len(secretsOf) < 2 || len(rs) < len(best.refs) || len(rs) == len(best.refs) && n <= best.n {
							continue
						}
						// Only a name varies (a variable, an id): never a
						// word of the how.
						var values []string
						for _, r := range rs {
							w := wordsOf(r)
							values = append(values, w[len(w)-n+k])
						}
						pre, suf := commonAffixes(values)
						// The same name everywhere is no variable.
						named := len(slices.Compact(slices.Sorted(slices.Values(values)))) > 1
						for _, v := range values {
							named = named && len(v) > len(pre)+len(suf) && isName(strings.Trim(v[len(pre):len(v)-len(suf)], "`<>.,;:"))
						}
						// A name the line says in another word too (a
						// Vault field named after the variable) is no one
						// word's: varying this one would cut its command
						// in half (namedTails says such a command).
						for i, r := range rs {
							v := strings.Trim(values[i][len(pre):len(values[i])-len(suf)], "`<>.,;:")
							named = named && strings.Count(groups[r.g].Secrets[r.s].Lines[r.l].Text, v) == 1
						}
						if named {
							best = cand{rs, n, k}
							break
						}
					}
				}
			}
		}
		if best.refs == nil {
			continue
		}
		var values []string
		for _, r := range best.refs {
			w := wordsOf(r)
			values = append(values, w[len(w)-best.n+best.k])
		}
		pre, suf := commonAffixes(values)
		first := wordsOf(best.refs[0])
		words := append([]string(nil), first[len(first)-best.n:]...)
		words[best.k] = pre + "VAR" + suf
		text := upper(strings.Join(words, " "))
		out = append(out, Procedure{Phase: p, Text: text, key: text})
		for i, r := range best.refs {
			w := wordsOf(r)
			l := &groups[r.g].Secrets[r.s].Lines[r.l]
			l.Value = strings.Trim(values[i][len(pre):len(values[i])-len(suf)], "`")
			l.Proc = text
			own := w[:len(w)-best.n]
			// A connective the shared words cut off ("On" of "On AWS
			// Lambda ...") says nothing alone.
			for len(own) > 0 && slices.Contains([]string{"on", "in", "with", "then", "via"}, strings.ToLower(own[len(own)-1])) {
				own = own[:len(own)-1]
			}
			l.Text = strings.Join(own, " ")
		}
	}
	return out
}

// isName reports whether a word is an upper-case name (a variable:
// STRIPE_SECRET_KEY).
func isName(w string) bool {
	if len(w) < 3 {
		return false
	}
	for _, r := range w {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// commonAffixes is the prefix and suffix every value shares, cut where a
// name starts or ends: a name is never split ("SENDGRID_API_KEY" and
// "STRIPE_SECRET_KEY" share no "S").
func commonAffixes(values []string) (string, string) {
	pre, suf := values[0], values[0]
	for _, v := range values[1:] {
		for !strings.HasPrefix(v, pre) {
			pre = pre[:len(pre)-1]
		}
		for !strings.HasSuffix(v, suf) {
			suf = suf[1:]
		}
	}
	nameChar := func(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' }
	for pre != "" && nameChar(pre[len(pre)-1]) {
		pre = pre[:len(pre)-1]
	}
	for suf != "" && nameChar(suf[0]) {
		suf = suf[1:]
	}
	if len(pre)+len(suf) >= len(values[0]) {
		suf = ""
	}
	return pre, suf
}

// foldRepeats folds a secret's lines that all repeat earlier lines ("As
// step 8.") into one: "create, store, deploy, verify: as steps 8-11".
func foldRepeats(g *Group) {
	for i := range g.Secrets {
		cs := &g.Secrets[i]
		if len(cs.Lines) < 2 {
			continue
		}
		var steps, refs []int
		waits := []string{}
		for _, l := range cs.Lines {
			n, ok := refOf(l.Text)
			if !ok || (l.Check != "" && ShowsCheck(l.Phase)) {
				steps = nil
				break
			}
			steps = append(steps, l.Steps...)
			refs = append(refs, n...)
			for _, w := range l.Waits {
				if !contains(waits, w) {
					waits = append(waits, w)
				}
			}
		}
		if steps == nil {
			continue
		}
		last := cs.Lines[len(cs.Lines)-1].Phase
		cs.Lines = []Line{{Phase: cs.Lines[0].Phase, Steps: steps, Text: "As " + StepRanges(refs) + ", through " + string(last) + ".", Waits: waits}}
	}
}

// refOf reads a line that only refers to earlier steps ("As step 8.",
// "As steps 8, 12.").
func refOf(text string) ([]int, bool) {
	rest, ok := strings.CutPrefix(text, "As step")
	if !ok {
		return nil, false
	}
	rest = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(rest, "s"), " "), ".")
	var out []int
	for _, f := range strings.Split(rest, ", ") {
		from, to, _ := strings.Cut(f, "-")
		a, err := strconv.Atoi(from)
		if err != nil {
			return nil, false
		}
		b := a
		if to != "" {
			if b, err = strconv.Atoi(to); err != nil {
				return nil, false
			}
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out, len(out) > 0
}

// mergeLines says lines of the same phase that differ only in the secret
// they name (one per secret, with no heading: "Review every use of X.")
// as one line over every secret.
func mergeLines(g *Group) {
	if len(g.Secrets) < 2 {
		return
	}
	var texts []string
	var steps []int
	waits := []string{}
	phase := runbook.Phase("")
	for _, cs := range g.Secrets {
		if len(cs.Lines) != 1 || cs.Risk != "" || cs.Owner != "" || (phase != "" && cs.Lines[0].Phase != phase) {
			return
		}
		for _, w := range cs.Lines[0].Waits {
			if !contains(waits, w) {
				waits = append(waits, w)
			}
		}
		phase = cs.Lines[0].Phase
		texts = append(texts, strings.TrimSuffix(cs.Lines[0].Text, "."))
		steps = append(steps, cs.Lines[0].Steps...)
	}
	prefix := commonWords(texts)
	if len(strings.Fields(prefix)) < 2 {
		return
	}
	var rests []string
	for _, t := range texts {
		rests = append(rests, strings.TrimSpace(strings.TrimPrefix(t, prefix)))
	}
	// And the words every text ends with, said once after the list.
	suffix := reverseWords(commonWords(reversed(rests)))
	if strings.Fields(suffix) != nil {
		comma := true
		for i, r := range rests {
			rests[i] = strings.TrimSpace(strings.TrimSuffix(r, suffix))
			comma = comma && strings.HasSuffix(rests[i], ",")
		}
		suffix = " " + suffix
		if comma {
			// "As steps 33-36, 37-40 and 21-24, through verify", never
			// "33-36,, 37-40".
			for i := range rests {
				rests[i] = strings.TrimSuffix(rests[i], ",")
			}
			suffix = "," + suffix
		}
	}
	list := andList(rests)
	if len(rests) > 3 {
		// The secrets are named above; a long list of them is a count.
		list = fmt.Sprintf("each of the %d secrets above", len(rests))
	}
	g.Lines = append(g.Lines, Line{Phase: phase, Steps: sortInts(steps), Text: strings.TrimSpace(prefix+" "+list+suffix) + ".", Waits: waits})
	g.Secrets = []CardSecret{}
}

// reversed reverses the words of each text.
func reversed(texts []string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = reverseWords(t)
	}
	return out
}

// reverseWords reverses the order of a text's words.
func reverseWords(s string) string {
	w := strings.Fields(s)
	for i, j := 0, len(w)-1; i < j; i, j = i+1, j-1 {
		w[i], w[j] = w[j], w[i]
	}
	return strings.Join(w, " ")
}

// commonWords is the longest run of whole words every text starts with.
func commonWords(texts []string) string {
	words := strings.Fields(texts[0])
	n := len(words)
	for _, t := range texts[1:] {
		w := strings.Fields(t)
		i := 0
		for i < n && i < len(w) && w[i] == words[i] {
			i++
		}
		n = i
	}
	return strings.Join(words[:n], " ")
}

// sayChecksOnce replaces a check that a later line repeats with a
// reference to the step that states it.
func sayChecksOnce(lines []Line) {
	for j := range lines {
		for _, e := range lines[:j] {
			check := strings.TrimSuffix(strings.TrimSuffix(e.Check, " …"), ".")
			if len(strings.Fields(check)) < 8 || len(e.Steps) == 0 {
				continue
			}
			low := strings.ToLower(check[:1]) + check[1:]
			for _, c := range []string{check, low} {
				ref := "step " + Ranges(e.Steps) + "'s check"
				lines[j].Text = strings.Replace(lines[j].Text, c, ref, 1)
				lines[j].Check = strings.Replace(lines[j].Check, c, "as "+ref, 1)
			}
		}
	}
}

func sortInts(a []int) []int {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
	return a
}

// devicePathRE finds a device file's path (/dev/stdin).
var devicePathRE = regexp.MustCompile(`/dev/(stdin|stdout|stderr|null|fd/|u?random)`)

// envWord finds an environment's name as a word.
func envWord(env string) *regexp.Regexp {
	return regexp.MustCompile(`\b` + regexp.QuoteMeta(env) + `\b`)
}

// brief is a step's text as the card says it: its first sentence that
// says how (a command or a console path), whole, each without the
// clauses that hold no command or offer another way and without asides in
// parentheses (those that are the only how stay); a short sentence before
// the first of them says what it is for; a step with no how is its first
// sentence. The environment's name becomes <env> so one line stands for
// the step in every environment.
func brief(s string, phase runbook.Phase, envs []string) string {
	all := runbook.Sentences(s)
	if len(all) == 0 {
		return ""
	}
	var parts []string
	hows := 0
	for i, x := range all {
		switch {
		case hasHow(x):
			parts = append(parts, clause(x))
			hows++
		case i == 0:
			parts = append(parts, clause(x))
		}
		if hows == 1 {
			break
		}
	}
	// A value the step shows once and puts into the store in a later
	// sentence ("The same action shows the new value: ... put it straight
	// into the store: ...") stays on the card: without it the value is
	// lost (hook3 h2; vendor-breach-ci's Stripe contain).
	for _, x := range all[1:] {
		if storesValue(x) && !slices.Contains(parts, clause(x)) {
			parts = append(parts, clause(x))
		}
	}
	// A first sentence with no how stays only as a short lead to a how,
	// or alone, unless it is the step's own action ("Create a new custom
	// app ..., install it and copy its token once into the store."): the
	// how after it is then a detail, never the step (hook3 s2: the card's
	// Shopify create said only "Recreate the old app's webhook
	// subscriptions").
	if len(parts) > 1 && !hasHow(all[0]) && len(strings.Fields(parts[0])) > maxLeadWords && !doesPhase(all[0], phase) {
		parts = parts[1:]
	}
	s = strings.Join(parts, " ")
	// A device path is never an environment "dev" (pci-mtls-kms, whose
	// environments are dev, staging and production, printed
	// `file:///<env>/stdin`).
	s = devicePathRE.ReplaceAllString(s, "\x00$1")
	for _, e := range envs {
		if e == "" || e == "all" {
			continue
		}
		re := envWord(e)
		s = placeholderRE.ReplaceAllStringFunc(s, func(ph string) string { return re.ReplaceAllString(ph, "env") })
		s = replaceOutsidePlaceholders(s, re, "<env>")
	}
	s = strings.ReplaceAll(s, "\x00", "/dev/")
	return upper(strings.TrimSpace(s))
}

// nevers are the sentences of a store step that forbid something ("Never
// put the new value ..."), joined: the card keeps them whole beside the
// line. (Other steps' prohibitions are the appendix's: the card's words are
// counted.)
func nevers(s string, phase runbook.Phase) string {
	if phase != runbook.PhaseStore {
		return ""
	}
	var out []string
	for _, x := range runbook.Sentences(s) {
		if x = strings.TrimSpace(x); strings.HasPrefix(x, "Never ") {
			out = append(out, x)
		}
	}
	return strings.Join(out, " ")
}

// storesValue reports whether a sentence puts a value into the store.
func storesValue(s string) bool {
	return strings.Contains(strings.ToLower(s), "into the store")
}

// doesPhase reports whether a sentence is an imperative of the step's
// phase: its first word is the phase's verb ("Create ..." in a create).
func doesPhase(s string, phase runbook.Phase) bool {
	first, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return phase != "" && strings.EqualFold(first, string(phase))
}

// parallel reports a clause that gives the same instruction as the first
// clause's, to another consumer ("redeploy tile-proxy on its runtime (…);
// redeploy route-planner on its runtime (…)"): its first word is the first
// word after the first clause's lead-in (up to its colon). Without a command in it (the
// runtime is asked) it is still part of the how (hook8 s1).
func parallel(first, p string) bool {
	verb := func(s string) string {
		w, _, _ := strings.Cut(strings.TrimSpace(s), " ")
		return strings.ToLower(w)
	}
	v := verb(p)
	switch v {
	case "", "the", "a", "an", "its", "their", "each", "this", "it", "then":
		return false // a statement or a follow-on, not the instruction again
	}
	if k := leadColon(first); k >= 0 {
		first = first[k+2:]
	}
	return v == verb(first)
}

// clause trims one sentence for the card: of its clauses (split at ";"),
// the first, and the others that are another part of the how (a second
// consumer's command), not another way ("by API, ..."), a condition ("if
// callers invoke an alias, ...") or a warning; without asides and lead-ins.
func clause(s string) string {
	parts := splitOutsideCode(s, ';')
	kept := parts[:1]
	for _, p := range parts[1:] {
		// Another part of the how, or the check of the consumers
		// themselves ("then watch each consumer's own sends"): a check of
		// the credential alone passes while a pod still runs the old value
		// (review20 round 2).
		consumers := strings.Contains(p, "each consumer's own") && !strings.Contains(strings.ToLower(strings.Join(kept, " ")), "each consumer")
		if hasHow(stripAsides(p, func(string) bool { return false })) && !alternative(p) || consumers || parallel(parts[0], p) {
			kept = append(kept, p)
		}
	}
	s = strings.Join(kept, "; ")
	s = dropAsides(s)
	s = dropLeadIn(s)
	s = dropLeadIn(s)
	s = dropPhaseLeadIn(s)
	s = dropInnerLeadIns(s)
	// What a deploy is for, the phase says.
	for _, tail := range []string{" so it reads the new value", " so they read the new value"} {
		s = strings.ReplaceAll(s, tail, "")
	}
	for _, p := range runbook.Phases {
		if rest, ok := strings.CutPrefix(s, p.Title()+": "); ok {
			s = rest
		}
	}
	s = strings.TrimSpace(s)
	if s != "" && !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return upper(s)
}

// splitOutsideCode splits s at every sep outside code spans and
// parentheses, trimming each part.
func splitOutsideCode(s string, sep byte) []string {
	s = strings.TrimSpace(s)
	var out []string
	for {
		cut := cutOutsideCode(s, sep)
		if cut == s {
			return append(out, strings.TrimSpace(s))
		}
		out = append(out, cut)
		s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s[len(cut):]), string(sep)))
	}
}

// alternative reports whether a clause offers another way, or warns, rather
// than adding a step.
func alternative(s string) bool {
	for _, p := range []string{"by API", "or ", "never ", "do not ", "alternatively", "if ", "otherwise", "else "} {
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// hasHow reports whether a text holds a command or a console path.
func hasHow(s string) bool { return strings.Contains(s, "`") || strings.Contains(s, " > ") }

// replaceOutsidePlaceholders replaces re's matches that are not inside a
// <placeholder>.
func replaceOutsidePlaceholders(s string, re *regexp.Regexp, with string) string {
	locs := placeholderRE.FindAllStringIndex(s, -1)
	var b strings.Builder
	last := 0
	for _, l := range locs {
		b.WriteString(re.ReplaceAllString(s[last:l[0]], with))
		b.WriteString(s[l[0]:l[1]])
		last = l[1]
	}
	b.WriteString(re.ReplaceAllString(s[last:], with))
	return b.String()
}

// cutOutsideCode cuts s at the first sep outside code spans and
// parentheses.
func cutOutsideCode(s string, sep byte) string {
	inCode, depth := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '`':
			inCode = !inCode
		case inCode:
		case s[i] == '(':
			depth++
		case s[i] == ')' && depth > 0:
			depth--
		case s[i] == sep && depth == 0:
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// andList joins names as "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// dropLeadIn drops a plain lead-in ("Store the new value: ") before a
// command: the line's phase already says what it is for. A lead-in that
// holds code or a placeholder says something the command does not, and
// stays.
func dropLeadIn(s string) string {
	i := leadColon(s)
	if i > 0 && strings.HasPrefix(s, "Roll out ") && !plainRollOut.MatchString(s[:i]) {
		// How some consumers differ is not in the command (review17-cold3 r3).
		return s
	}
	// A lead-in about the user stays: "Store user and password as one
	// version" is what the command alone does not say.
	if i < 0 || strings.ContainsAny(s[:i], "`<") || strings.Contains(s[:i], "user") {
		return s
	}
	if rest := s[i+2:]; hasHow(rest) {
		return upper(rest)
	}
	return s
}

// leadColon is where a lead-in ends: the first ": " outside code spans
// and asides (-1: none). A colon inside "(for a check by hand: `...`)"
// ends no lead-in: cutting there left a dangling ")" (hook5 k5).
func leadColon(s string) int {
	inCode, depth := false, 0
	for i := 0; i+1 < len(s); i++ {
		switch c := s[i]; {
		case c == '`':
			inCode = !inCode
		case inCode:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ':' && s[i+1] == ' ' && depth == 0:
			return i
		}
	}
	return -1
}

// dropInnerLeadIns drops a plain lead-in between a condition and its
// command ("When ... returns 0: remove the old password: `ALTER ROLE
// ...`"): the command says it.
func dropInnerLeadIns(s string) string {
	for {
		i := strings.Index(s, ": ")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i+2:], ": ")
		if j < 0 {
			return s
		}
		lead := s[i+2 : i+2+j]
		rest := s[i+2+j+2:]
		if strings.ContainsAny(lead, "`<(") || len(strings.Fields(lead)) > 6 || !strings.HasPrefix(rest, "`") {
			return s
		}
		s = s[:i+2] + rest
	}
}

// phaseLeadIns are lead-ins that only restate what a step is for (its
// phase says it): "Store the new value: ...", "Roll out X so it reads the
// new value: ...".
var phaseLeadIns = []string{"Store the new value", "Roll out "}

// dropPhaseLeadIn drops a lead-in that restates the step's phase, when what
// follows says how.
func dropPhaseLeadIn(s string) string {
	i := leadColon(s)
	if i < 0 || len(strings.Fields(s[i+2:])) < 3 {
		return s
	}
	for _, l := range phaseLeadIns {
		// "Roll out X so they connect as `<idle-user>`": the verify
		// line says whom they connect as. A roll-out lead that says how
		// some consumers differ ("..., sms-webhook holding both tokens")
		// is what the command does not say, and stays (review17-cold3 r3).
		if l == "Roll out " && strings.HasPrefix(s, l) && !plainRollOut.MatchString(s[:i]) {
			return s
		}
		if strings.HasPrefix(s, l) && (!strings.Contains(s[:i], "`") || l == "Roll out ") {
			return upper(s[i+2:])
		}
	}
	return s
}

// plainRollOut is a roll-out lead-in that only restates the phase: "Roll
// out a and b so they read the new value", "... so it connects as `u`".
var plainRollOut = regexp.MustCompile("^Roll out [^:]*? so (?:it|they) [a-z]+ (?:the new (?:value|credential)|as `[^`]*`)(?: \\([^()]*\\))?$")

// consolePath reports whether a text starts with a console path ("Settings
// > API Keys > ...").
func consolePath(s string) bool {
	first, _, _ := strings.Cut(cutOutsideCode(s, ','), ".")
	return strings.Count(first, " > ") >= 1 && !strings.Contains(first[:strings.Index(first, " > ")], ":")
}

// dropAsides removes " (...)" asides outside code spans, unless the aside
// holds a command (a code span of several words: the export before a
// store, the header a call needs) or the only how of the sentence (a
// console path when the rest has neither). An alternative ("(or ...)")
// goes.
func dropAsides(s string) string {
	rest := stripAsides(s, func(string) bool { return false })
	how := strings.ContainsAny(rest, "`") || strings.Contains(rest, " > ")
	s = stripAsides(s, func(aside string) bool {
		if strings.HasPrefix(aside, "(or ") {
			return false
		}
		return commandSpan(aside) || !how && (strings.Contains(aside, ">") || strings.Contains(aside, "`"))
	})
	return dropAsideAlternatives(s)
}

// dropAsideAlternatives cuts another way out of a kept aside ("(Client
// secrets > Deactivate, or `curl ...`)", "(`... | sops ...`, or your own
// encryption)"): the aside's first way is the how.
func dropAsideAlternatives(s string) string {
	var b strings.Builder
	inCode, depth, skip := false, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '`':
			inCode = !inCode
		case inCode:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
			if depth == 0 {
				skip = false
			}
		case depth == 1 && !skip && (strings.HasPrefix(s[i:], ", or ") || strings.HasPrefix(s[i:], "; ")) && hasHow(s[strings.LastIndex(s[:i], "(")+1:i]):
			// Another way, or a remark after the how.
			skip = true
		}
		if !skip {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// commandSpan reports whether a text holds a code span of several words
// that starts with a word (a command, not a flag, a name or a JSON shape).
func commandSpan(s string) bool {
	for _, span := range codeSpans(s) {
		span = strings.TrimSpace(span)
		verb, _, _ := strings.Cut(span, " ")
		if strings.Contains(span, " ") && (span[0] >= 'a' && span[0] <= 'z' || runbook.OneOf([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, verb)) {
			return true
		}
	}
	return false
}

// codeSpans are the texts of a text's code spans.
func codeSpans(s string) []string {
	parts := strings.Split(s, "`")
	var out []string
	for i := 1; i < len(parts)-1; i += 2 {
		out = append(out, parts[i])
	}
	return out
}

// stripAsides removes the asides outside code spans that keep does not
// keep.
func stripAsides(s string, keep func(string) bool) string {
	var b strings.Builder
	inCode := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '`' {
			inCode = !inCode
		}
		if c == '(' && !inCode {
			depth, j, code := 0, i, false
			for ; j < len(s); j++ {
				switch s[j] {
				case '`':
					code = !code
				case '(':
					if !code {
						depth++
					}
				case ')':
					if !code {
						depth--
					}
				}
				if depth == 0 {
					break
				}
			}
			if j < len(s) {
				aside := s[i : j+1]
				if !keep(aside) {
					out := strings.TrimRight(b.String(), " ")
					b.Reset()
					b.WriteString(out)
					i = j
					continue
				}
			}
		}
		b.WriteByte(c)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// CardLimit is the most words a card may hold: about 600 for up to four
// secrets, growing slowly beyond (100 a secret); the seed's request, Acme
// Payments, 400.
func CardLimit(request string, secrets int) int {
	switch {
	case request == "acme-payments":
		return 400
	case secrets <= 4:
		return 600
	}
	return 600 + 100*(secrets-4)
}

// Words counts the words of a text as a reader sees them: the
// whitespace-separated tokens that hold a letter or a digit (Markdown's
// "- [ ]", "|" and "·" are not words). scripts/card-words.sh counts the
// same way.
func Words(s string) int {
	n := 0
	for _, f := range strings.Fields(s) {
		if strings.IndexFunc(f, func(r rune) bool {
			return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		}) >= 0 {
			n++
		}
	}
	return n
}

// rules says once how to read and run the card.
func rules(rb *runbook.Runbook, c Card) string {
	var out []string
	// Every a/b line runs the same command text: the context, profile or
	// address says which environment it hits (review20 tabletop), and a
	// command shows which one it is set to: each phase starts with it,
	// and the switch to the next environment runs it again (review20
	// round 4 M3: one missed switch writes production in a "staging"
	// step).
	// The commands, what each must print (tabletop round 5: an
	// identity with no expected value proves nothing) and how to switch
	// are the procedure env-check(ENV), after the card.
	shows := len(targets(c)) > 0
	switch {
	case c.Order != "" && shows:
		out = append(out, "Step numbers a/b: "+OrderLabel(c.Order)+". "+envCheckName+" starts each phase and each environment switch.")
	case c.Order != "":
		out = append(out, "Step numbers a/b: "+OrderLabel(c.Order)+".")
	case shows:
		out = append(out, envCheckName+" starts each phase and each environment switch.")
	}
	switch {
	case len(c.Kills) == 0:
		out = append(out, "First failed check: roll back.")
	default:
		// Each kill's time is on its line, and the kills come first in
		// the card's order: the card says only what T0 is.
		switch {
		case c.Kills[0].At == "" && c.Kills[0].After != "" && len(c.Kills) > 1:
			// Each kill is its own lane from T0 (review18 round 3:
			// kills one after another left the last live for an hour).
			out = append(out, "T0: all kills start at once, one operator per credential.")
		case c.Kills[0].At == "" && c.Kills[0].After != "":
			out = append(out, "T0: step 1 starts.")
		}
		if t0 := pinnedT0(rb); t0 != "" && c.Kills[0].At != "" {
			// The kill times are absolute: the card says which clock
			// time they count from (review18 round 6 X11).
			out = append(out, t0)
		}
		out = append(out, StopKilled)
	}
	if c.Watch != "" {
		out = append(out, "Watch "+c.Watch+" after each production verify.")
	}
	if w := watcher(rb); w != "" {
		// Dual control covers every production change, access removal and
		// clean-up included (review17-cold3 r2 row 18): the card says so
		// once, since those lines show no owner.
		out = append(out, "Dual control: "+w+" watches every production step, access removal and clean-up included, and confirms it in the change record.")
	}
	return strings.Join(out, " ")
}

// watcher is the second engineer the steps name under dual control ("Data
// Eng with `<second engineer>` watching (dual control)"), or "".
func watcher(rb *runbook.Runbook) string {
	rs := rb.Sections.RotationSequence
	if rs == nil {
		return ""
	}
	for _, t := range rs.Tracks {
		for _, st := range t.Steps {
			if _, rest, ok := strings.Cut(st.Owner, " with "); ok && strings.HasSuffix(rest, " watching (dual control)") {
				return strings.TrimSuffix(rest, " watching (dual control)")
			}
		}
	}
	return ""
}

// envTargets are the command-line tools whose commands hit whichever
// environment their setting points at, with that setting.
var envTargets = []envTarget{
	{"kubectl ", "kubectl context", "kubectl config current-context", "prints `<ENV kube context>`", "kubectl config use-context <ENV kube context>"},
	{"aws ", "AWS profile (`AWS_PROFILE`)", "aws sts get-caller-identity", "shows `\"Account\": \"<ENV AWS account id>\"`", "export AWS_PROFILE=<ENV AWS profile>"},
	{"vault ", "Vault address (`VAULT_ADDR`)", "printenv VAULT_ADDR", "prints `<ENV Vault address>`", "export VAULT_ADDR=<ENV Vault address>"},
	{"gcloud ", "gcloud project", "gcloud config get project", "prints `<ENV project id>`", "gcloud config set project <ENV project id>"},
	{"az ", "Azure subscription", "az account show --query name -o tsv", "prints `<ENV subscription>`", "az account set --subscription <ENV subscription>"},
	{"doppler ", "Doppler config", "doppler configure get config --plain", "prints `<ENV config>`", "doppler setup --config <ENV config>"},
	// psql's commands hit the server PGHOST names (review20 round 6
	// A3/O11: `\password` could change the production superuser in a
	// staging step): a command of any of these words is psql's.
	{"\\password |ALTER ROLE |psql ", "Postgres server", "psql -XAtc 'select current_database(), inet_server_addr()'", "prints `<ENV database>|<ENV database address>`", "export PGHOST=<ENV database host> PGDATABASE=<ENV database>"},
}

// envTarget is a tool whose commands hit the environment its setting
// points at, the command that shows which, what it shows in the right
// environment, and the command that switches to it.
// tool is the first word(s) of its commands, several separated by "|".
type envTarget struct{ tool, setting, show, expect, switchTo string }

// envCheckName is how the card's rules call the procedure that proves the
// environment.
const envCheckName = "env-check(ENV)"

// envCheck is the procedure that proves which environment the commands
// hit: each target's command and what it must print in ENV (tabletop round
// 5: "the checks print an identity but never say what the expected value
// is"), and how to switch; nil when no command depends on a setting.
func envCheck(c Card) []Procedure {
	ts := targets(c)
	if len(ts) == 0 {
		return nil
	}
	var shows, switches []string
	for _, t := range ts {
		shows = append(shows, "`"+t.show+"` "+t.expect)
		switches = append(switches, "`"+t.switchTo+"`")
	}
	return []Procedure{{Name: envCheckName, Text: "ENV is the step's environment. " + upper(andList(shows)) +
		"; anything else: stop and switch (" + strings.Join(switches, ", ") + "), then check again. The values are the team's, one per environment: fill them in before step 1."}}
}

// plural says one or the other by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// targets are the settings that choose the environment of the card's
// commands: a kubectl context, an AWS profile, a Vault address.
func targets(c Card) []envTarget {
	var all []string
	for _, p := range c.Procedures {
		all = append(all, p.Text)
	}
	for _, g := range c.Groups {
		for _, ls := range [][]Line{g.Lines, g.After} {
			for _, l := range ls {
				all = append(all, l.Text, l.Check)
			}
		}
		for _, s := range g.Secrets {
			for _, l := range s.Lines {
				all = append(all, l.Text, l.Check)
			}
		}
	}
	var out []envTarget
	for _, t := range envTargets {
		if slices.ContainsFunc(all, func(s string) bool {
			for _, span := range codeSpans(s) {
				for _, tool := range strings.Split(t.tool, "|") {
					if strings.HasPrefix(span, tool) || strings.Contains(span, "| "+tool) || strings.Contains(span, "&& "+tool) || strings.Contains(span, "$("+tool) {
						return true
					}
				}
			}
			return false
		}) {
			out = append(out, t)
		}
	}
	return out
}

// Numbers writes a line's step numbers as one word: "2/6" (its step in
// each environment of the card's order), "8-10" for a run of steps.
func (l Line) Numbers() string {
	if l.PerEnvironment {
		parts := make([]string, len(l.Steps))
		for i, o := range l.Steps {
			parts[i] = strconv.Itoa(o)
		}
		return strings.Join(parts, "/")
	}
	return StepNumbers(l.Steps)
}

// The deploy commands of the catalogue's Kubernetes entry: one workload's
// restart (its check waits for the rollout), and several, one at a time.
var (
	restartRE = regexp.MustCompile("^`kubectl -n (\\S+) rollout restart (\\S+) && kubectl -n (\\S+) rollout status (\\S+)`\\.$")
	loopRE    = regexp.MustCompile("^(?:One at a time, each healthy before the next: )?`for w in ([^;`]+); do kubectl -n (\\S+) rollout restart \\$w && kubectl -n (\\S+) rollout status \\$w \\|\\| break; done`\\.$")
)

// deployProcedure says the restart of Kubernetes workloads once, when
// several deploy lines restart workloads of one namespace: one workload at
// a time, the restart and the wait for its rollout; each line gives its
// workloads.
func deployProcedure(groups []Group) []Procedure {
	type ref struct {
		l         *Line
		ns        string
		workloads []string
	}
	var refs []ref
	visit := func(l *Line) {
		if l.Phase != runbook.PhaseDeploy {
			return
		}
		if m := loopRE.FindStringSubmatch(l.Text); m != nil && m[2] == m[3] {
			refs = append(refs, ref{l, m[2], strings.Fields(m[1])})
			return
		}
		if m := restartRE.FindStringSubmatch(l.Text); m != nil && m[1] == m[3] && m[2] == m[4] {
			refs = append(refs, ref{l, m[1], []string{m[2]}})
		}
	}
	for gi := range groups {
		g := &groups[gi]
		for li := range g.Lines {
			visit(&g.Lines[li])
		}
		for si := range g.Secrets {
			for li := range g.Secrets[si].Lines {
				visit(&g.Secrets[si].Lines[li])
			}
		}
		for li := range g.After {
			visit(&g.After[li])
		}
	}
	count := map[string]int{}
	best := ""
	for _, r := range refs {
		count[r.ns]++
		if count[r.ns] > count[best] {
			best = r.ns
		}
	}
	if count[best] < 2 {
		return []Procedure{}
	}
	text := "`kubectl -n " + best + " rollout restart WORKLOAD && kubectl -n " + best + " rollout status WORKLOAD`."
	for _, r := range refs {
		if r.ns == best {
			r.l.Text, r.l.Values, r.l.Proc = "", r.workloads, text
		}
	}
	// WORKLOAD, not VAR: on the card VAR is a secret's variable
	// (review20 round 3: "the same token, two meanings").
	return []Procedure{{Phase: runbook.PhaseDeploy, Text: text, key: text}}
}

// sayWaitsOnce prints each open item a secret's lines wait for on the
// first of them only; lines of no secret print theirs. An item the card
// asks to answer before a step at or before the line's first step says it
// already (the card runs in step order): the line does not repeat it.
func sayWaitsOnce(groups []Group, items []OpenItem) {
	before := map[string]int{}
	for _, o := range items {
		before[o.ID] = o.Before
	}
	saidAbove := func(l Line, w string) bool {
		return before[w] > 0 && len(l.Steps) > 0 && slices.Min(l.Steps) >= before[w]
	}
	for gi := range groups {
		g := &groups[gi]
		for _, ls := range [][]Line{g.Lines, g.After} {
			for i := range ls {
				for _, w := range ls[i].Waits {
					if !saidAbove(ls[i], w) {
						ls[i].SaysWaits = append(ls[i].SaysWaits, w)
					}
				}
			}
		}
	}
	said := map[string][]string{}
	for gi := range groups {
		for si := range groups[gi].Secrets {
			cs := &groups[gi].Secrets[si]
			for li := range cs.Lines {
				l := &cs.Lines[li]
				for _, w := range l.Waits {
					if saidAbove(*l, w) {
						continue
					}
					if !slices.Contains(said[cs.ID], w) {
						l.SaysWaits = append(l.SaysWaits, w)
						said[cs.ID] = append(said[cs.ID], w)
					}
				}
			}
		}
	}
}

// jqFilterRE finds the jq filter of a store command that merges fields into
// the current JSON.
var jqFilterRE = regexp.MustCompile(`jq -ce '([^']*)'`)

// filterVariants says a line whose command is a procedure's but for its jq
// filter (user and password together, where the procedure sets one field)
// by that filter and its value, not the whole command again.
func filterVariants(groups []Group, procs []Procedure) {
	for _, p := range procs {
		pcmd := firstSpan(p.Text)
		pm := jqFilterRE.FindStringSubmatch(pcmd)
		if pm == nil {
			continue
		}
		for gi := range groups {
			for si := range groups[gi].Secrets {
				for li := range groups[gi].Secrets[si].Lines {
					l := &groups[gi].Secrets[si].Lines[li]
					if l.Phase != p.Phase || l.Value != "" || l.Values != nil {
						continue
					}
					cmd := firstSpan(l.Text)
					m := jqFilterRE.FindStringSubmatch(cmd)
					if m == nil || m[1] == pm[1] {
						continue
					}
					same := strings.Replace(cmd, m[0], pm[0], 1)
					for _, w := range strings.FieldsFunc(same, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') }) {
						if !isName(w) || !strings.Contains(w, "_") || strings.ReplaceAll(same, w, "VAR") != pcmd {
							continue
						}
						lead, _, _ := strings.Cut(l.Text, "`")
						// Only the part of the filter that differs: "`.a = 1 |
						// .b = env.NEW` for `.<field> = env.NEW`".
						own, theirs := m[1], pm[1]
						for {
							a, ra, oka := strings.Cut(own, " | ")
							b, rb, okb := strings.Cut(theirs, " | ")
							if !oka || !okb || a != b {
								break
							}
							own, theirs = ra, rb
						}
						l.Text = strings.TrimSuffix(strings.TrimSpace(lead), ":") + ": `" + own + "` in place of `" + theirs + "`"
						l.Value, l.Proc = w, p.key
						break
					}
				}
			}
		}
	}
}

// firstSpan is a text's first code span with its backticks, or "".
func firstSpan(s string) string {
	if spans := codeSpans(s); len(spans) > 0 {
		return "`" + spans[0] + "`"
	}
	return ""
}

// PhaseBack is the phase of the card's procedure that goes back to an old
// credential ("Every roll back: ...").
const PhaseBack runbook.Phase = "roll back"

// untilStepsRE finds the steps a rollback's limit names ("(steps 10 and
// 11)"), at its end.
var untilStepsRE = regexp.MustCompile(` \((?:steps? [0-9, and]+)\)$`)

// backs puts each secret's rollback on the card, where the secret is first
// shown: until when, and how; a store command several secrets share is a
// procedure, said once (review20 round 2: "Roll back" was never spelled
// out, nor when it stops being possible).
func backs(rb *runbook.Runbook, groups []Group) []Procedure {
	r := rb.Sections.Rollback
	if r == nil {
		return nil
	}
	steps := map[string]runbook.RollbackStep{}
	for _, st := range r.Steps {
		steps[st.SecretID] = st
	}
	revokeOf := map[string]string{}
	for _, g := range groups {
		for _, cs := range g.Secrets {
			for _, l := range cs.Lines {
				if l.Phase == runbook.PhaseRevoke && revokeOf[cs.ID] == "" {
					revokeOf[cs.ID] = l.Numbers()
				}
			}
		}
	}
	var shown []*CardSecret
	spans := map[string][]string{} // a command with VAR -> its secrets' names
	nameOf := map[*CardSecret]string{}
	spanOf := map[*CardSecret]string{}
	for gi := range groups {
		for si := range groups[gi].Secrets {
			cs := &groups[gi].Secrets[si]
			st, ok := steps[cs.ID]
			if !ok || cs.Strategy == "" || strings.HasPrefix(st.PossibleUntil, "not possible") {
				continue
			}
			until := untilStepsRE.ReplaceAllString(st.PossibleUntil, "")
			if n := revokeOf[cs.ID]; n != "" && (strings.HasPrefix(until, "the invalidate step") || strings.HasPrefix(until, "the revoke step")) {
				until = "step " + n
			}
			cs.Back = &Back{Until: until, How: strings.TrimSuffix(strings.TrimSpace(st.Step), ".")}
			shown = append(shown, cs)
			for _, span := range codeSpans(cs.Back.How) {
				for _, w := range strings.FieldsFunc(span, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') }) {
					if isName(w) && strings.Contains(w, "_") {
						v := strings.ReplaceAll(span, w, "VAR")
						spans[v] = append(spans[v], w)
						nameOf[cs], spanOf[cs] = w, span
						break
					}
				}
				if spanOf[cs] != "" {
					break
				}
			}
		}
	}
	best := ""
	for v, names := range spans {
		if len(names) >= 2 && (best == "" || len(names) > len(spans[best]) || len(names) == len(spans[best]) && v < best) {
			best = v
		}
	}
	for _, cs := range shown {
		span := spanOf[cs]
		if best == "" || span == "" || strings.ReplaceAll(span, nameOf[cs], "VAR") != best {
			continue
		}
		// The how without the command the procedure says, and without
		// a lead that only says until when (the line says it).
		how := cs.Back.How
		for _, form := range []string{" (`" + span + "` and redeploy)", " (`" + span + "`)", "`" + span + "`"} {
			how = strings.Replace(how, form, "", 1)
		}
		if lead, rest, ok := strings.Cut(how, ": "); ok && strings.Contains(lead, " until ") {
			how = rest
		}
		how = cutOutsideCode(how, ';')
		for _, done := range []string{"restore the previous store version and redeploy", "and redeploy", " and", ",", ":"} {
			how = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(how), done))
		}
		if strings.Contains(how, " until ") {
			how = ""
		}
		cs.Back.How, cs.Back.Value = upper(how), nameOf[cs]
	}
	if best == "" {
		return nil
	}
	return []Procedure{{Phase: PhaseBack, Text: "`" + best + "`, then the deploy again."}}
}

// shareFacts says once, under a phase's title, the facts every secret of
// the phase shares ("Each secret: its owner with Security · revoke first ·
// production, then staging"), and a secret's environment the title names
// ("Restore production") not at all: a card of seven leaked keys said
// "revoke first · production, then staging" seven times.
func shareFacts(g *Group) {
	for i := range g.Secrets {
		s := &g.Secrets[i]
		if s.Where != "" && !strings.Contains(s.Where, ", then ") && envWord(s.Where).MatchString(g.Title) {
			s.Where = ""
		}
	}
	if len(g.Secrets) < 2 {
		return
	}
	all := func(get func(*CardSecret) string) string {
		v := get(&g.Secrets[0])
		for i := range g.Secrets {
			if get(&g.Secrets[i]) != v {
				return ""
			}
		}
		return v
	}
	with := all(func(s *CardSecret) string {
		if i := strings.LastIndex(s.Owner, " with "); i > 0 {
			return s.Owner[i:]
		}
		return ""
	})
	if with != "" {
		g.Each = append(g.Each, "its owner"+with)
		for i := range g.Secrets {
			g.Secrets[i].Owner = strings.TrimSuffix(g.Secrets[i].Owner, with)
		}
	}
	if r := all(func(s *CardSecret) string { return s.Risk }); r != "" && !strings.Contains(strings.ToLower(g.Title), r+" risk") && !strings.Contains(strings.ToLower(g.Title), r+"-risk") {
		g.Each = append(g.Each, r+" risk")
		for i := range g.Secrets {
			g.Secrets[i].Risk = ""
		}
	}
	if st := all(func(s *CardSecret) string { return s.Strategy }); st != "" {
		g.Each = append(g.Each, strings.ReplaceAll(st, "_", " "))
		for i := range g.Secrets {
			g.Secrets[i].Strategy = ""
		}
	}
	if w := all(func(s *CardSecret) string { return s.Where }); w != "" {
		// A production window says the environment (as a secret's
		// heading does).
		if strings.Contains(w, ", then ") || all(func(s *CardSecret) string { return s.Window }) == "" {
			g.Each = append(g.Each, w)
		}
		for i := range g.Secrets {
			g.Secrets[i].Where = ""
		}
	}
	if w := all(func(s *CardSecret) string { return s.Window }); w != "" {
		g.Each = append(g.Each, "production "+w)
		for i := range g.Secrets {
			g.Secrets[i].Window = ""
		}
	}
}

// cardDeadlines are the schedule's deadlines the card's lines do not date
// already (a secret's "production by ...", a kill's "dead by ..."), each
// with the request's words.
func cardDeadlines(rb *runbook.Runbook, c Card) []string {
	var dated []string
	for _, g := range c.Groups {
		dated = append(dated, g.Each...)
		for _, cs := range g.Secrets {
			dated = append(dated, cs.Window)
			for _, l := range cs.Lines {
				dated = append(dated, l.Dead)
			}
		}
		for _, ls := range [][]Line{g.Lines, g.After} {
			for _, l := range ls {
				dated = append(dated, l.Dead, l.Text)
			}
		}
	}
	all := strings.Join(dated, "\n")
	var out []string
	for _, d := range rb.Schedule.Deadlines {
		l := d.Label()
		if strings.Contains(all, strings.TrimPrefix(l, "by ")) {
			continue
		}
		if d.Note != "" {
			l += " (" + d.Note + ")"
		}
		out = append(out, l)
	}
	return out
}

// foldRE is a line that only refers to earlier steps, through a phase
// ("As steps 25-28, through verify.").
var foldRE = regexp.MustCompile(`^As steps? [0-9, and-]+(?:, through [a-z ]+)?\.$`)

// onlyFolds reports whether a phase holds only lines that refer to earlier
// steps, of secrets already introduced.
func onlyFolds(g Group) bool {
	if len(g.After) > 0 || len(g.Lines)+len(g.Secrets) == 0 {
		return false
	}
	for _, l := range g.Lines {
		if !foldRE.MatchString(l.Text) {
			return false
		}
	}
	for _, s := range g.Secrets {
		if len(s.Lines) != 1 || !foldRE.MatchString(s.Lines[0].Text) || s.Owner != "" || s.Risk != "" || s.Strategy != "" || s.Back != nil || s.Window != "" {
			return false
		}
	}
	return true
}

// mergeFolds says consecutive phases of one kind ("Lower environments:
// P1: AWS deploy access key (high risk)", "Lower environments: P1
// secrets") that only refer to earlier steps as one phase, each line
// naming its secret: a heading of eight words and an environment's line
// for one line of seven said the same thing four times.
func mergeFolds(groups []Group) []Group {
	out := []Group{}
	for i := 0; i < len(groups); {
		prefix, _, ok := strings.Cut(groups[i].Title, ": ")
		j := i
		for ok && j < len(groups) && onlyFolds(groups[j]) && strings.HasPrefix(groups[j].Title, prefix+": ") {
			j++
		}
		if j-i < 2 {
			out = append(out, groups[i])
			i++
			continue
		}
		merged := Group{Title: prefix, Lines: []Line{}, Secrets: []CardSecret{}, After: []Line{}}
		where, same := "", true
		var steps []int
		for _, g := range groups[i:j] {
			for _, l := range g.Lines {
				merged.Lines = append(merged.Lines, l)
				steps = append(steps, l.Steps...)
			}
			for _, s := range g.Secrets {
				l := s.Lines[0]
				l.Text = s.Name + ": " + strings.ToLower(l.Text[:1]) + l.Text[1:]
				merged.Lines = append(merged.Lines, l)
				steps = append(steps, l.Steps...)
				if where == "" {
					where = s.Where
				}
				same = same && s.Where == where
			}
		}
		if same && where != "" {
			merged.Title += ": " + where
		}
		merged.Steps = StepRanges(sortInts(steps))
		out = append(out, merged)
		i = j
	}
	return out
}

// RollbackLabel is the rollback table's name for its i-th row (0-based):
// "R1". The card points at it.
func RollbackLabel(i int) string { return "R" + strconv.Itoa(i+1) }

// hoursAfterRE finds how long an old credential lives after its roll, in a
// rollback's limit ("at most 24 hours after the roll").
var hoursAfterRE = regexp.MustCompile(`(\d+) hours after the roll`)

// rollbackLines writes each phase's pointer to its secrets' rollbacks. A
// rollback possible only until an old credential expires by itself (not
// until a step the operator runs) puts the consumers back on a credential
// that dies anyway: the line says to fix forward before that expiry, and
// when it falls at the latest for a secret with a production window.
func rollbackLines(rb *runbook.Runbook, groups []Group) map[string]string {
	r := rb.Sections.Rollback
	if r == nil {
		return nil
	}
	fixes := map[string]string{}
	row := map[string]int{}
	for i, st := range r.Steps {
		if _, ok := row[st.SecretID]; !ok {
			row[st.SecretID] = i
		}
	}
	for gi := range groups {
		g := &groups[gi]
		var labels, expiring []string
		for _, cs := range g.Secrets {
			i, ok := row[cs.ID]
			if cs.Back == nil || !ok {
				continue
			}
			labels = append(labels, RollbackLabel(i))
			until := cs.Back.Until
			if strings.HasPrefix(until, "step ") || !strings.Contains(until, "expir") {
				continue
			}
			// The card says by when, the procedures block says why
			// (review20 round 4 C1: the time stays on the first screen).
			fix := "Fix forward before " + until + ": going back only delays the failure"
			e := RollbackLabel(i) + ": fix forward before the old secret expires"
			if m := hoursAfterRE.FindStringSubmatch(until); m != nil && cs.Window != "" {
				if end, ok := windowEnd(rb, cs.ID); ok {
					h, _ := strconv.Atoi(m[1])
					by := moment(end.Add(time.Duration(h) * time.Hour).Format(time.RFC3339))
					fix += "; in production by " + by + " at the latest"
					e = RollbackLabel(i) + ": fix forward by " + by
				}
			}
			fixes[cs.ID] = fix + "."
			expiring = append(expiring, e)
		}
		if len(labels) == 0 {
			continue
		}
		g.Rollback = andList(labels)
		switch {
		case len(labels) == 1 && len(expiring) == 1:
			// "R1; fix forward by ...": the label is said once.
			_, fix, _ := strings.Cut(expiring[0], ": ")
			g.Rollback += "; " + fix
		case len(expiring) > 0:
			g.Rollback += "; after " + strings.Join(expiring, "; after ")
		}
	}
	return fixes
}

// windowEnd is when the first production window of a secret's steps ends,
// as its next usable opening says.
func windowEnd(rb *runbook.Runbook, secretID string) (time.Time, bool) {
	rs := rb.Sections.RotationSequence
	if rs == nil {
		return time.Time{}, false
	}
	for _, st := range rs.AllSteps() {
		if st.SecretID != secretID || st.Window == "" {
			continue
		}
		for _, w := range rb.Schedule.Windows {
			if w.ID == st.Window && w.Next != nil && w.Next.End != "" {
				t, err := time.Parse(time.RFC3339, w.Next.End)
				return t, err == nil
			}
		}
	}
	return time.Time{}, false
}

// LaterIDs are the ids of the card's open items that hold no step.
func (c Card) LaterIDs() []string {
	var ids []string
	for _, o := range c.Later {
		ids = append(ids, o.ID)
	}
	return ids
}

// forceSyncRE finds the command an open item gives to make External
// Secrets Operator sync a Secret now.
var forceSyncRE = regexp.MustCompile("`kubectl -n \\S+ annotate externalsecret [^`]+ force-sync=[^`]+`")

// reachPods makes the card's restart of Kubernetes workloads carry the new
// value to the pods and prove it there (review20 round 4): where the
// runbook asks whether External Secrets Operator syncs the value, the
// restart waits for a forced sync (a restart before the interval sync
// reads the old Secret, M2); where the store step keeps the new value in
// NEW, the restart ends by comparing the pod's variable with it, so the
// verify proves the consumer, not only the key (M1).
func reachPods(rb *runbook.Runbook, procs []Procedure) {
	sync, item := "", ""
	for _, o := range rb.OpenItems {
		if m := forceSyncRE.FindString(o.Question); m != "" {
			sync, item = m, o.ID
			break
		}
	}
	// What the pod's value is compared with: the new value the store
	// step kept in NEW, or, for a Vault field named after the variable,
	// the field read back.
	stored := ""
	for _, p := range procs {
		switch {
		case p.Phase == runbook.PhaseStore && strings.Contains(p.Text, "export NEW"):
			stored = `"$NEW"`
		case p.Phase == runbook.PhaseStore && strings.Contains(p.Text, "vault kv patch <env KV path of VAR> VAR=-`"):
			stored = `"$(vault kv get -field=VAR <env KV path of VAR>)"`
		}
	}
	for i := range procs {
		p := &procs[i]
		if p.Phase != runbook.PhaseDeploy || p.Name != "" || !strings.Contains(p.Text, "rollout restart WORKLOAD") {
			continue
		}
		ns := "<namespace>"
		if f := strings.Fields(p.Text); len(f) > 2 {
			ns = f[2]
		}
		text := strings.TrimSuffix(p.Text, ".")
		if sync != "" {
			text = "if External Secrets Operator syncs the Secret (" + item + "), first " + sync + " and wait until the Secret changes; then " + text
		}
		if stored != "" {
			text += "; then the pods hold the new value: `test \"$(kubectl -n " + ns + " exec WORKLOAD -- printenv VAR)\" = " + stored + " && echo same`"
		}
		p.Text = upper(text) + "."
	}
}

// minCallWords is the fewest words of a command that lines of different
// phases repeat but for a variable's name, said once as a procedure.
const minCallWords = 12

// callSpans says once a long command that lines of any phase repeat but
// for a variable's name (a store command inside a contain line and on a
// store line: offboarding-sso printed its 45-word Secrets Manager write
// twice), as a procedure "<phase>(VAR)"; each use becomes a call
// ("store(`STRIPE_SECRET_KEY`)"). An "Every <phase>" procedure with that
// command takes the name, and its lines keep saying only their value.
func callSpans(groups []Group, procs []Procedure) []Procedure {
	type use struct {
		l    *Line
		span string
		name string
	}
	keyOf := func(span string) (string, string) {
		if len(strings.Fields(span)) < minCallWords {
			return "", ""
		}
		for _, w := range strings.FieldsFunc(span, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') }) {
			if isName(w) && strings.Contains(w, "_") && w != "VAR" {
				return strings.ReplaceAll(span, w, "VAR"), w
			}
		}
		return "", ""
	}
	uses := map[string][]use{}
	var order []string
	for _, l := range cardLines(groups) {
		for _, span := range codeSpans(l.Text) {
			if k, name := keyOf(span); k != "" {
				if _, ok := uses[k]; !ok {
					order = append(order, k)
				}
				uses[k] = append(uses[k], use{l, span, name})
			}
		}
	}
	for _, k := range order {
		us := uses[k]
		owner := -1
		for i, p := range procs {
			if p.Name == "" && firstSpan(p.Text) == "`"+k+"`" {
				owner = i
			}
		}
		if owner < 0 && len(us) < 2 {
			continue
		}
		phase := us[0].l.Phase
		for _, u := range us {
			if u.l.Phase == runbook.PhaseStore {
				phase = u.l.Phase
			}
		}
		if owner < 0 {
			procs = append(procs, Procedure{Phase: phase, Text: "`" + k + "`.", key: "`" + k + "`."})
			owner = len(procs) - 1
		}
		call := string(procs[owner].Phase)
		procs[owner].Name = call + "(VAR)"
		for _, u := range us {
			u.l.Text = strings.Replace(u.l.Text, "`"+u.span+"`", call+"(`"+u.name+"`)", 1)
			if u.l.Phase == procs[owner].Phase && strings.TrimSuffix(u.l.Text, ".") == call+"(`"+u.name+"`)" {
				// "store: `X`", as the procedure's other lines say.
				u.l.Text, u.l.Value, u.l.Proc = "", u.name, procs[owner].key
			}
		}
	}
	return procs
}

// namedTails says once a command that lines of one phase end with, the
// same but for a variable's name wherever the name appears in it ("`vault
// kv patch <env KV path of VAR> VAR=-` with the value on stdin": the
// field is named after the variable, so the name is in two words, which
// procedures, varying one word, would cut in half). Each line keeps its
// own words before it and gives its name.
func namedTails(groups []Group) []Procedure {
	type cand struct {
		l    *Line
		name string
		own  []string
		norm []string
	}
	byPhase := map[runbook.Phase][]cand{}
	var phases []runbook.Phase
	for gi := range groups {
		for si := range groups[gi].Secrets {
			for li := range groups[gi].Secrets[si].Lines {
				l := &groups[gi].Secrets[si].Lines[li]
				if l.Value != "" || l.Values != nil {
					continue
				}
				name := ""
				for _, span := range codeSpans(l.Text) {
					for _, w := range strings.FieldsFunc(span, func(r rune) bool { return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') }) {
						if isName(w) && strings.Contains(w, "_") && strings.Count(span, w) >= 2 {
							name = w
							break
						}
					}
					if name != "" {
						break
					}
				}
				if name == "" {
					continue
				}
				if _, ok := byPhase[l.Phase]; !ok {
					phases = append(phases, l.Phase)
				}
				byPhase[l.Phase] = append(byPhase[l.Phase], cand{l: l, name: name, norm: strings.Fields(strings.ReplaceAll(l.Text, name, "VAR"))})
			}
		}
	}
	out := []Procedure{}
	for _, p := range phases {
		cs := byPhase[p]
		best, bestN := []int(nil), 0
		for _, a := range cs {
			for n := len(a.norm); n >= 6; n-- {
				tail := a.norm[len(a.norm)-n:]
				if !strings.HasPrefix(tail[0], "`") {
					continue
				}
				var with []int
				names := map[string]bool{}
				for j, b := range cs {
					if len(b.norm) >= n && slices.Equal(b.norm[len(b.norm)-n:], tail) {
						with = append(with, j)
						names[b.name] = true
					}
				}
				if len(names) >= 2 && (len(with) > len(best) || len(with) == len(best) && n > bestN) {
					best, bestN = with, n
				}
			}
		}
		if best == nil {
			continue
		}
		first := cs[best[0]].norm
		text := upper(strings.Join(first[len(first)-bestN:], " "))
		out = append(out, Procedure{Phase: p, Text: text, key: text})
		for _, j := range best {
			c := cs[j]
			own := strings.Fields(c.l.Text)
			own = own[:len(c.norm)-bestN]
			for len(own) > 0 && slices.Contains([]string{"on", "in", "with", "then", "via"}, strings.ToLower(own[len(own)-1])) {
				own = own[:len(own)-1]
			}
			c.l.Text, c.l.Value, c.l.Proc = strings.Join(own, " "), c.name, text
		}
	}
	return out
}

// pinnedT0 says the clock time T0 is, from the schedule's as_of, in its own
// offset and in UTC ("T0 = Mon 2026-12-07 14:25 UTC-08:00 = 22:25
// UTC."), or "" when the runbook has no as_of.
func pinnedT0(rb *runbook.Runbook) string {
	t, err := time.Parse(time.RFC3339, rb.Schedule.AsOf)
	if rb.Schedule.AsOf == "" || err != nil {
		return ""
	}
	if _, off := t.Zone(); off == 0 {
		return "T0 = " + t.UTC().Format("Mon 2006-01-02 15:04") + " UTC."
	}
	return "T0 = " + t.Format("Mon 2006-01-02 15:04") + " UTC" + t.Format("-07:00") + " = " + t.UTC().Format("15:04") + " UTC."
}
