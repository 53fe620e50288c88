package planner

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/schedule"
)

// ReadingInstruction is how a text written to steer rotor is read: the
// checklist asks a person to settle it.
const ReadingInstruction = "reads like an instruction to rotor"

// Constraint kinds the planner recognises in free text.
const (
	ckWindow      = "window"
	ckBlackout    = "blackout"
	ckDeadline    = "deadline"
	ckLegacy      = "legacy"
	ckCompliance  = "compliance"
	ckRateLimit   = "rate_limit"
	ckApproval    = "approval"
	ckCustomer    = "customer_impact"
	ckBuildTime   = "build_time"
	ckFreeze      = "change_freeze"
	ckInstruction = "instruction"
)

var (
	legacyRE    = regexp.MustCompile(`(?i)legacy|start-?up|on boot|at boot|cannot (be )?reload|can't reload|no (hot[- ]?)?reload|reads? (the )?\w+( \w+)? once|only on restart|needs? a restart|manual(ly)? deploy|cached (at|on) start`)
	rateRE      = regexp.MustCompile(`(?i)\brate[- ]?limit(s|ed|ing)?\b|\bquotas?\b|\bthrottl`)
	approvalRE  = regexp.MustCompile(`(?i)approv|\bcab\b|change (advisory|board|request|ticket|management)|sign[- ]off`)
	customerRE  = regexp.MustCompile(`(?i)customer[- ]facing|customer impact|impact (on|to) (our )?customers|customers? (are|is|will be|may be|could be) (affected|impacted)|notify (our )?customers|partners?\b|merchants?\b|client[- ]facing|end[- ]users? (are|will|may)`)
	buildTimeRE = regexp.MustCompile(`(?i)build[- ]time|baked|bundled|compiled in|in the (docker )?image|at build`)
	// confirmedRE says an attacker did use or read the credentials: the
	// exposure is confirmed, not suspected.
	confirmedRE = regexp.MustCompile(`(?i)\b(read|accessed|exfiltrated|stolen|downloaded|copied|used|dumped) by (an|the) (attacker|intruder|threat actor|unauthori[sz]ed (party|user))|\b(attacker|intruder|threat actor)s? (has |have )?(read|accessed|exfiltrated|obtained|stole|downloaded|copied|dumped|used)\b|\bconfirmed (leak|breach|compromise|exposure)\b|\bexfiltrat`)
	// rotateAllRE asks to rotate everything a place held.
	rotateAllRE = regexp.MustCompile(`(?i)\b(rotate|replace|revoke) (everything|all (secrets|credentials|keys|tokens|variables)|every (secret|credential|key|token|variable))\b[^.;]*`)
	freezeRE    = regexp.MustCompile(`(?i)(code|change|deploy(ment)?) freeze|no deploys?`)
	// instructionRE finds text written to steer rotor rather than describe
	// the job; it is quoted as data and never followed.
	instructionRE = regexp.MustCompile(`(?i)\b(ignore|disregard|forget)\b.{0,30}\b(instructions?|rules?|above|previous|prior|system)\b|\byou are (now|an?|the)\b|\bsystem prompt\b|\bact as\b|\b(do not|don't|never|no need to) (revoke|contain|verify|investigate|rotate|delete the old|disable the old)\b|\bskip (the |all )?(revoke|revocation|containment|verification|validation|approvals?|investigation)\b|\bwithout (revoking|approval|verification|verifying)\b|\bnew instructions?\b|\boverride\b|\bkeep the old (key|secret|token|password|credential)s? (active|valid|working|alive)\b`)
	iamActionRE   = regexp.MustCompile(`\b[a-z0-9-]+:[A-Z*][A-Za-z*]*\b`)
	scopeRE       = regexp.MustCompile(`(?i)\bscopes?\b|\b(read|write)[- ]only\b|\bpermissions?\b|\bleast[- ]privilege\b`)
	copyRE        = regexp.MustCompile(`(?i)\b(shared\s+)?(1password|lastpass|bitwarden|keeper|dashlane|keepass|password manager)(\s+vault)?\b`)
	vaultPathRE   = regexp.MustCompile(`\b((?:secret|kv|kv-v2)/[A-Za-z0-9_./-]*[A-Za-z0-9_-])`)
	awsPathRE     = regexp.MustCompile(`\barn:aws:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+`)
	gcpPathRE     = regexp.MustCompile(`\bprojects/[a-z0-9-]+/secrets/[A-Za-z0-9_-]+`)
	namespaceRE   = regexp.MustCompile("(?i)\\bnamespace[:\\s]+[`'\"]?([a-z0-9][a-z0-9-]{0,62})|\\b(?:in|the)\\s+[`'\"]?([a-z0-9][a-z0-9-]{0,62})[`'\"]?\\s+namespace\\b")
	workloadRE    = regexp.MustCompile(`(?i)\b(daemon ?set|stateful ?set|cron ?job|deployment)s?\b`)
	userPairRE    = regexp.MustCompile("(?i)\\b(?:users|roles|logins)\\s+[`'\"]?([a-z_][a-z0-9_$]*)[`'\"]?\\s*(?:and|&|/|,)\\s*[`'\"]?([a-z_][a-z0-9_$]*)")
	userRE        = regexp.MustCompile("(?i)\\b(?:db user|database user|user|role|login|username)\\s*[:=]?\\s*[`'\"]([a-z_][a-z0-9_$]*)[`'\"]|\\b(?:db user|database user|acl user|user|role|username)\\s*[:=]?\\s*([a-z_][a-z0-9$]*_[a-z0-9_$]*)\\b|\\b(?:acl user|db user|database user)\\s+([a-z_][a-z0-9_$-]*)")
	personRE      = regexp.MustCompile(`\b([A-Z][a-z]+(?: [A-Z][a-z'-]+)+?)(?:'s last day|\s+(?:leaves|is leaving|left|departs|is departing|is offboarded|is being offboarded))\b`)
	clauseRE      = regexp.MustCompile(`;|\.\s+|\n`)
	// valueREs read a value the catalogue's steps leave as a placeholder.
	valueREs = []struct {
		placeholder string
		re          *regexp.Regexp
	}{
		{"<iam-user>", regexp.MustCompile("(?i)\\biam user\\s+[`'\"]?([A-Za-z0-9+=,.@_-]*[A-Za-z0-9_-])")},
		{"<service-account>", regexp.MustCompile("(?i)\\bservice account\\s+[`'\"]?([a-z0-9-]+@[a-z0-9.-]+|[a-z][a-z0-9-]{4,29})\\b")},
		{"<role>", regexp.MustCompile("(?i)\\b(?:approle|app role)\\s+(?:role\\s+)?[`'\"]?([a-z0-9][a-z0-9_-]*)")},
		{"<owner/repo>", regexp.MustCompile("(?i)\\b(?:repo|repository)\\s+[`'\"]?([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)")},
		{"alias/<name>", regexp.MustCompile("\\b(alias/[A-Za-z0-9/_-]+)")},
	}
)

// frameworks recognised in constraints, with the controls evidence maps to
// (ROTATION_RULES.md §4).
var frameworks = []struct {
	name string
	re   *regexp.Regexp
}{
	{"SOC 2", regexp.MustCompile(`(?i)\bsoc ?2\b`)},
	{"PCI DSS", regexp.MustCompile(`(?i)\bpci\b`)},
	{"ISO 27001", regexp.MustCompile(`(?i)\biso ?/?(iec)? ?27001\b|\biso 27k\b`)},
	{"HIPAA", regexp.MustCompile(`(?i)\bhipaa\b`)},
}

var notNames = map[string]bool{"the": true, "a": true, "an": true, "same": true, "its": true, "their": true, "each": true, "every": true,
	"this": true, "that": true, "one": true, "which": true, "own": true, "is": true, "and": true, "or": true, "with": true, "for": true,
	"password": true, "passwords": true, "app": false}

// mentions returns the ids of secrets named in text by their name or provider;
// only when none is, those whose consumers are named.
func mentions(text string, secrets []Secret) []string {
	l := strings.ToLower(text)
	var ids []string
	for _, s := range secrets {
		if hasWord(l, strings.ToLower(s.Name)) || (s.Provider != "unknown" && hasWord(l, s.Provider)) ||
			hasWord(l, strings.ToLower(s.ProviderName)) {
			ids = append(ids, s.ID)
		}
	}
	if len(ids) > 0 {
		return ids
	}
	for _, s := range secrets {
		for _, c := range s.Consumers {
			if namesConsumer(l, c.Name) {
				ids = append(ids, s.ID)
				break
			}
		}
	}
	if len(ids) > 0 {
		return ids
	}
	// A kind of secret: "Rotate databases ... only", "webhook secrets".
	for _, kw := range kindWords {
		if !kw.re.MatchString(text) {
			continue
		}
		for _, s := range secrets {
			if runbook.OneOf(kw.kinds, string(s.Kind)) && !runbook.OneOf(ids, s.ID) {
				ids = append(ids, s.ID)
			}
		}
	}
	return ids
}

// kindWords name a kind of secret in free text.
var kindWords = []struct {
	re    *regexp.Regexp
	kinds []string
}{
	{regexp.MustCompile(`(?i)\b(databases?|dbs?|database passwords?|db passwords?)\b`), []string{string(runbook.KindDatabasePassword)}},
	{regexp.MustCompile(`(?i)\bwebhooks?\b`), []string{string(runbook.KindWebhookSecret), string(runbook.KindWebhookURL)}},
	{regexp.MustCompile(`(?i)\b(certificates?|certs?|tls keys?)\b`), []string{string(runbook.KindTLSPrivateKey)}},
	{regexp.MustCompile(`(?i)\b(ssh keys?)\b`), []string{string(runbook.KindSSHKey)}},
	{regexp.MustCompile(`(?i)\b(encryption keys?|kms keys?)\b`), []string{string(runbook.KindEncryptionKey)}},
}

// constraintText is a free text to interpret: a request constraint (no
// secretID: it applies to the secrets it names, or to all) or a secret's notes.
type constraintText struct {
	text     string
	secretID string
	source   string
}

// pendingWindow is a window waiting for the blackouts to be known.
type pendingWindow struct {
	win        runbook.TimeWindow
	considered int
	only       bool
}

// reading collects what one text was understood as and what it changed.
type reading struct {
	kinds    []string
	readings []string
	effects  []string
}

func (r *reading) add(kind, read, effect string) {
	if kind != "" {
		r.kinds = appendOnce(r.kinds, kind)
	}
	if read != "" {
		r.readings = append(r.readings, read)
	}
	if effect != "" {
		r.effects = append(r.effects, effect)
	}
}

// readConstraints interprets the request's constraints, its structured
// windows and blackouts, and each secret's notes. Every text becomes a
// Considered entry saying what was made of it.
func readConstraints(f *Facts, req *runbook.Request, texts []constraintText) {
	named := map[string]bool{}
	var pending []pendingWindow
	for i, ts := range req.Blackouts {
		b := timeWindow(ts, fmt.Sprintf("b%d", len(f.Schedule.Blackouts)+1), fmt.Sprintf("blackouts[%d]", i))
		f.Schedule.Blackouts = append(f.Schedule.Blackouts, b)
		f.Considered = append(f.Considered, runbook.Considered{Source: b.Source, Text: specText(ts), Reading: "blackout " + b.ID + ": " + b.Label(),
			Effect: "no production step runs in it"})
	}
	for i, ts := range req.Windows {
		w := timeWindow(ts, "", fmt.Sprintf("windows[%d]", i))
		f.Considered = append(f.Considered, runbook.Considered{Source: w.Source, Text: specText(ts), Reading: "maintenance window: " + w.Label()})
		pending = append(pending, pendingWindow{win: w, considered: len(f.Considered) - 1})
	}
	requestZone := singleZone(req, texts)
	for _, ct := range texts {
		text := ct.text
		c := Constraint{Text: text}
		var targets []string
		all := false
		if ct.secretID != "" {
			targets = []string{ct.secretID}
			c.Text = fmt.Sprintf("notes of %s: %s", ct.secretID, text)
		} else if targets = mentions(text, f.Secrets); len(targets) == 0 {
			all = true
			for _, s := range f.Secrets {
				targets = append(targets, s.ID)
			}
		}
		scope := []string{}
		if !all {
			scope = targets
		}
		var r reading
		if instructionRE.MatchString(text) {
			r.add(ckInstruction, ReadingInstruction, "quoted here as data and not followed: every safety step of the plan stays")
		}
		for _, clause := range clauseRE.Split(text, -1) {
			sp, ok := readSpan(clause)
			if !ok {
				continue
			}
			zone := ""
			switch {
			case !sp.zoneGiven && requestZone != "":
				// The request's other times are all in one zone: so is this one.
				sp.tz = requestZone
				zone = " (no time zone given: read as " + requestZone + ", the zone of the request's other times)"
				f.Assumptions = appendOnce(f.Assumptions, "a time without a time zone is read as "+requestZone+", the zone the request's other times use; check "+ct.source)
			case !sp.zoneGiven:
				zone = " (no time zone given: read as UTC)"
				f.Assumptions = appendOnce(f.Assumptions, "a time without a time zone is read as UTC; check "+ct.source)
			}
			switch sp.kind {
			case spanBlackout:
				b := runbook.TimeWindow{ID: fmt.Sprintf("b%d", len(f.Schedule.Blackouts)+1), Days: sp.days, Start: runbook.FormatClock(sp.start),
					End: endClock(sp), TZ: sp.tz, From: sp.from, Until: sp.until, Note: strings.TrimSpace(clause), SecretIDs: scope, Source: ct.source}
				f.Schedule.Blackouts = append(f.Schedule.Blackouts, b)
				effect := "no production step " + ofSecrets(f, scope) + "runs in it; windows are cut around it"
				if b.Dated() {
					effect = "no production step " + ofSecrets(f, scope) + "runs on those dates: the rotation finishes before it or waits until it ends; a weekly window is not used on those dates"
				}
				r.add(ckBlackout, "blackout "+b.ID+": "+b.Label()+zone, effect+exposedNote(f, scope))
			case spanWindow:
				w := runbook.TimeWindow{Days: sp.days, Start: runbook.FormatClock(sp.start), End: endClock(sp), TZ: sp.tz, From: sp.from, Until: sp.until,
					Note: strings.TrimSpace(clause), SecretIDs: targets, Source: ct.source}
				r.add(ckWindow, "maintenance window: "+w.Label()+zone, "")
				pending = append(pending, pendingWindow{win: w, considered: len(f.Considered), only: sp.strict})
			case spanDeadline:
				d := runbook.Deadline{ID: fmt.Sprintf("d%d", len(f.Schedule.Deadlines)+1), Day: sp.day, At: runbook.FormatClock(sp.start), TZ: sp.tz,
					Note: strings.TrimSpace(clause), SecretIDs: scope, Source: ct.source}
				f.Schedule.Deadlines = append(f.Schedule.Deadlines, d)
				effect := "the work it names is done " + d.Label() + "; it is a deadline, not a maintenance window"
				if f.Trigger == runbook.TriggerOffboarding {
					effect = "the departing person's access is removed " + d.Label() + " (" + d.ID + "); it is a deadline, not a maintenance window"
				}
				r.add(ckDeadline, "deadline "+d.ID+": "+d.Label()+zone, effect)
			}
		}
		if confirmedRE.MatchString(text) {
			var upgraded []string
			for _, id := range targets {
				if s := f.SecretByID(id); s.Compromise == CompromiseSuspected && s.Exposure != runbook.ExposureInternal {
					s.Compromise, s.Exposed = CompromiseConfirmed, true
					upgraded = append(upgraded, s.Name)
				}
			}
			if len(upgraded) > 0 {
				r.add("", "a confirmed compromise", "treated as a confirmed leak of "+andJoin(upgraded)+": killed first where nothing but pipelines depends on them, replaced and killed at once otherwise")
			}
		}
		if m := rotateAllRE.FindString(text); m != "" && ct.secretID == "" {
			f.RotateAll = strings.TrimSpace(m)
			r.add("", "asks to rotate everything, not only the secrets listed", "the checklist has the operators list every credential the breached place held, rotate the ones this runbook does not name, and look for anything an attacker added")
		}
		if legacyRE.MatchString(text) {
			markLegacy(f, text, targets, all)
			r.add(ckLegacy, "a consumer reads the value only at start-up", "legacy consumers get an explicit restart step and raise the rotation risk")
		}
		for _, fw := range frameworks {
			if fw.re.MatchString(text) {
				named[fw.name] = true
				r.add(ckCompliance, fw.name+" evidence", "audit evidence maps to "+fw.name)
			}
		}
		if rateRE.MatchString(text) {
			for _, id := range targets {
				f.SecretByID(id).RateLimited = true
			}
			r.add(ckRateLimit, "vendor rate limits", "validation calls "+ofSecrets(f, targets)+"are few and spaced out")
		}
		if approvalRE.MatchString(text) && !instructionRE.MatchString(text) {
			f.ChangeTicket = true
			r.add(ckApproval, "change approval", "a change ticket is approved before the first step")
		}
		if customerRE.MatchString(text) && ct.secretID == "" {
			f.ExternalComms.Audiences = appendAudience(f.ExternalComms.Audiences, runbook.AudienceCustomer)
			f.ExternalComms.Reason = "a constraint names customer or partner impact: " + text
			r.add(ckCustomer, "customer or partner impact", "customer communication is prepared")
		}
		if buildTimeRE.MatchString(text) {
			f.BuildTime = true
			r.add(ckBuildTime, "the value is baked in at build time", "consumers are rebuilt, not only restarted, to pick up the new value")
		}
		if freezeRE.MatchString(text) && !r.has(ckBlackout) {
			r.add(ckFreeze, "a change freeze", "the rotation's own deploys need an exception to the freeze, recorded on the change ticket")
		}
		readDetails(f, text, targets, &r)
		if name := personRE.FindStringSubmatch(text); name != nil && f.Trigger == runbook.TriggerOffboarding {
			f.Person = name[1]
			r.add("", "the departing person is "+name[1], "access-removal steps name them")
		}
		if len(r.readings) == 0 {
			r.add("", "no rule of the planner matched", "kept with the facts every section is written from; it did not change the plan")
		}
		f.Considered = append(f.Considered, runbook.Considered{Source: ct.source, Text: text, Reading: strings.Join(r.readings, "; "), Effect: strings.Join(r.effects, "; ")})
		if ct.secretID == "" {
			c.Kinds, c.SecretIDs, c.Effect = r.kinds, targets, strings.Join(r.effects, "; ")
			if c.Kinds == nil {
				c.Kinds, c.SecretIDs = []string{}, []string{}
			}
			f.Constraints = append(f.Constraints, c)
		}
	}
	placeWindows(f, pending)
	f.Controls = controlsFor(f, named)
}

func (r *reading) has(kind string) bool { return runbook.OneOf(r.kinds, kind) }

// readDetails reads what a note says about the infrastructure: scopes, other
// copies, store paths, namespaces, workload kinds and database users.
func readDetails(f *Facts, text string, targets []string, r *reading) {
	for _, clause := range clauseRE.Split(text, -1) {
		if iamActionRE.MatchString(clause) || scopeRE.MatchString(clause) {
			for _, id := range targets {
				f.SecretByID(id).Scope = strings.TrimSpace(clause)
			}
			r.add("", "the credential's scope: "+strings.TrimSpace(clause), "the replacement gets this scope or narrower")
			break
		}
	}
	for _, v := range valueREs {
		m := v.re.FindStringSubmatch(text)
		if m == nil || notNames[strings.ToLower(m[1])] {
			continue
		}
		for _, id := range targets {
			s := f.SecretByID(id)
			if s.Values == nil {
				s.Values = map[string]string{}
			}
			s.Values[v.placeholder] = m[1]
		}
		r.add("", v.placeholder+" is "+m[1], "steps use "+m[1]+" where they would say "+v.placeholder)
	}
	if m := copyRE.FindString(text); m != "" {
		where := strings.TrimSpace(m)
		if !strings.Contains(strings.ToLower(where), "vault") && !strings.Contains(strings.ToLower(where), "manager") {
			where += " vault"
		}
		where = "the " + where
		for _, id := range targets {
			s := f.SecretByID(id)
			s.Copies = appendOnce(s.Copies, where)
		}
		effect := "the store step also updates the copy in " + where
		if f.Trigger == runbook.TriggerOffboarding {
			effect += "; the departing person's access to it is removed first"
		}
		r.add("", "a copy is kept in "+where, effect)
	}
	for _, re := range []*regexp.Regexp{vaultPathRE, awsPathRE, gcpPathRE} {
		path := re.FindString(text)
		if path == "" {
			continue
		}
		for _, id := range targets {
			s := f.SecretByID(id)
			for _, env := range s.Environments {
				if namesEnv(path, env) || !namesAnyEnv(path, s.Environments) {
					s.StorePaths[env] = path
				}
			}
		}
		r.add("", "store path "+path, "store steps use it")
		break
	}
	if m := namespaceRE.FindStringSubmatch(text); m != nil {
		ns := strings.ToLower(m[1] + m[2])
		if !notNames[ns] {
			// The consumers the text names get it; if it names none, every
			// consumer of the secrets it concerns.
			named := forNamedConsumers(f, text, targets, func(c *Consumer) { c.Namespace = ns })
			if len(named) == 0 {
				for _, id := range targets {
					f.SecretByID(id).Namespace = ns
				}
			}
			who := ""
			if len(named) > 0 {
				who = " for " + andJoin(named)
			}
			r.add("", "Kubernetes namespace "+ns+who, "kubectl steps use -n "+ns+who)
		}
	}
	if m := workloadRE.FindStringSubmatch(text); m != nil {
		kind := strings.ToLower(strings.ReplaceAll(m[1], " ", ""))
		named := forNamedConsumers(f, text, targets, func(c *Consumer) { c.Workload = kind })
		if len(named) > 0 {
			r.add("", andJoin(named)+" runs as a Kubernetes "+kind, "restarted as a "+kind+" (`rollout restart "+kind+"/…`)")
		}
	}
	if signers, verifiers := intake.DefaultNames().Roles(text); len(signers)+len(verifiers) > 0 {
		for _, id := range targets {
			s := f.SecretByID(id)
			s.Signers, s.Verifiers = signers, verifiers
		}
		r.add("", "signed by "+andJoin(signers)+", verified by "+andJoin(verifiers), "the verifiers accept the new key before the signers switch")
	}
	if m := userPairRE.FindStringSubmatch(text); m != nil && !notNames[strings.ToLower(m[1])] && !notNames[strings.ToLower(m[2])] {
		for _, id := range targets {
			f.SecretByID(id).Users = Users{Active: m[1], Idle: m[2]}
		}
		r.add("", "database users "+m[1]+" and "+m[2], "steps alternate "+m[1]+" (active) and "+m[2]+" (idle)")
	} else if m := userRE.FindStringSubmatch(text); m != nil {
		u := m[1] + m[2] + m[3]
		if !notNames[strings.ToLower(u)] {
			for _, id := range targets {
				f.SecretByID(id).Users.Active = u
			}
			r.add("", "database user "+u, "steps act on user "+u)
		}
	}
}

func namesEnv(path, env string) bool {
	l := strings.ToLower(path)
	return strings.Contains(l, env) || (env == "production" && strings.Contains(l, "prod")) || (env == "staging" && strings.Contains(l, "stag"))
}

func namesAnyEnv(path string, envs []string) bool {
	for _, e := range envs {
		if namesEnv(path, e) {
			return true
		}
	}
	return false
}

// placeWindows cuts each window around the blackouts that apply to its
// secrets, gives it an id and assigns it to the secrets that may use it. An
// exposed credential does not wait for a window.
func placeWindows(f *Facts, pending []pendingWindow) {
	for _, p := range pending {
		w := p.win
		targets := w.SecretIDs
		if len(targets) == 0 {
			for _, s := range f.Secrets {
				targets = append(targets, s.ID)
			}
		}
		var blackouts []runbook.TimeWindow
		var cutBy []string
		for _, b := range f.Schedule.Blackouts {
			if runbook.ScopesMeet(b.SecretIDs, targets) {
				blackouts = append(blackouts, b)
				if schedule.Overlaps(w, b) {
					cutBy = append(cutBy, b.ID)
				}
			}
		}
		cut, changed, ok := schedule.CutWindow(w, blackouts)
		var effects []string
		if !ok {
			effects = append(effects, fmt.Sprintf("not used: it lies inside blackout %s", strings.Join(cutBy, ", ")))
			appendEffect(f, p.considered, effects)
			continue
		}
		cut.ID = fmt.Sprintf("w%d", len(f.Schedule.Windows)+1)
		if changed {
			effects = append(effects, fmt.Sprintf("cut around blackout %s to %s", strings.Join(cutBy, ", "), cut.Label()))
		}
		var uses, exposed, taken []string
		for _, id := range targets {
			s := f.SecretByID(id)
			switch {
			case s.Exposed:
				exposed = append(exposed, s.Name)
			case s.Window != "":
				taken = append(taken, s.Name)
			default:
				s.Window, s.WindowOnly = cut.ID, p.only
				uses = append(uses, s.Name)
			}
		}
		if len(uses) > 0 {
			cut.SecretIDs = w.SecretIDs
			f.Schedule.Windows = append(f.Schedule.Windows, cut)
			what := "production changes"
			if p.only {
				what = "every production step"
			}
			effects = append(effects, fmt.Sprintf("%s of %s run%s in %s (%s)", what, andJoin(uses), map[bool]string{true: "s", false: ""}[p.only], cut.ID, cut.Label()))
			for _, b := range blackouts {
				if b.Dated() && !cut.Dated() {
					effects = append(effects, fmt.Sprintf("not on the dates of blackout %s (%s)", b.ID, b.Label()))
				}
			}
		}
		if len(exposed) > 0 {
			effects = append(effects, fmt.Sprintf("not waited for by %s: an exposed credential is replaced and killed now", andJoin(exposed)))
		}
		if len(taken) > 0 {
			effects = append(effects, fmt.Sprintf("%s already run in an earlier window", andJoin(taken)))
		}
		appendEffect(f, p.considered, effects)
	}
}

func appendEffect(f *Facts, i int, effects []string) {
	if i < 0 || i >= len(f.Considered) || len(effects) == 0 {
		return
	}
	c := &f.Considered[i]
	if c.Effect != "" {
		c.Effect += "; "
	}
	c.Effect += strings.Join(effects, "; ")
}

// exposedNote says which exposed credentials a blackout does not hold back:
// a leaked credential is replaced and killed now, under the incident's
// exception.
func exposedNote(f *Facts, scope []string) string {
	var names []string
	for _, s := range f.LeakedIn(scope) {
		names = append(names, s.Name)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "; the exposed " + names[0] + " does not wait for it: it is replaced and killed now, an exception recorded on the incident ticket"
	}
	return "; the exposed " + andJoin(names) + " do not wait for it: they are replaced and killed now, an exception recorded on the incident ticket"
}

func ofSecrets(f *Facts, ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	var names []string
	for _, id := range ids {
		names = append(names, f.SecretByID(id).Name)
	}
	return "of " + andJoin(names) + " "
}

func endClock(sp span) string {
	switch {
	case sp.end < 0:
		return ""
	case sp.end == 1440:
		return "24:00"
	}
	return runbook.FormatClock(sp.end % 1440)
}

// timeWindow turns a structured request window into a schedule window.
func timeWindow(ts runbook.TimeSpec, id, source string) runbook.TimeWindow {
	_, tz, err := runbook.LoadZone(ts.TZ)
	if err != nil {
		tz = "UTC"
	}
	return runbook.TimeWindow{ID: id, Days: runbook.NormalizeDays(ts.Days), Start: ts.Start, End: ts.End, TZ: tz, Note: ts.Note,
		SecretIDs: []string{}, Source: source}
}

func specText(ts runbook.TimeSpec) string {
	days := strings.Join(ts.Days, ", ")
	if days == "" {
		days = "daily"
	}
	t := fmt.Sprintf("%s %s-%s %s", days, ts.Start, ts.End, ts.TZ)
	if ts.Note != "" {
		t += ": " + ts.Note
	}
	return strings.TrimSpace(t)
}

func andJoin(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func markLegacy(f *Facts, text string, targets []string, all bool) {
	l := strings.ToLower(text)
	for _, id := range targets {
		s := f.SecretByID(id)
		// With no secret named, a note about a password concerns passwords only.
		if all && strings.Contains(l, "password") && s.Kind != "database_password" {
			continue
		}
		s.Legacy = true
		if s.LegacyNote == "" {
			s.LegacyNote = text
		}
		named := false
		for i := range s.Consumers {
			if namesConsumer(l, s.Consumers[i].Name) {
				s.Consumers[i].Legacy = true
				named = true
			}
		}
		if !named {
			for i := range s.Consumers {
				s.Consumers[i].Legacy = true
			}
		}
	}
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// namesConsumer reports whether lower-case text names a consumer, singular or
// plural ("the legacy job" names "jobs").
// A part of a hyphenated name counts when it is specific enough ("the backup
// cron" names "ledger-backup"; "api" alone names nothing).
func namesConsumer(text, name string) bool {
	n := strings.ToLower(name)
	if hasWord(text, n) || (len(n) > 3 && strings.HasSuffix(n, "s") && hasWord(text, strings.TrimSuffix(n, "s"))) {
		return true
	}
	parts := strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '_' || r == ' ' || r == '.' })
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if len(p) > 4 && hasWord(text, p) {
			return true
		}
	}
	return false
}

// singleZone is the one time zone every zoned time of the request uses, or ""
// when there is none or more than one.
func singleZone(req *runbook.Request, texts []constraintText) string {
	zones := map[string]bool{}
	for _, ct := range texts {
		for _, clause := range clauseRE.Split(ct.text, -1) {
			if sp, ok := readSpan(clause); ok && sp.zoneGiven {
				zones[sp.tz] = true
			}
		}
	}
	for _, list := range [][]runbook.TimeSpec{req.Windows, req.Blackouts} {
		for _, ts := range list {
			if _, canon, err := runbook.LoadZone(ts.TZ); err == nil && ts.TZ != "" {
				zones[canon] = true
			}
		}
	}
	if len(zones) != 1 {
		return ""
	}
	for z := range zones {
		return z
	}
	return ""
}

// forNamedConsumers applies set to every consumer of the target secrets that
// text names, and returns their names.
func forNamedConsumers(f *Facts, text string, targets []string, set func(*Consumer)) []string {
	var named []string
	lower := strings.ToLower(text)
	for _, id := range targets {
		s := f.SecretByID(id)
		for i := range s.Consumers {
			if namesConsumer(lower, s.Consumers[i].Name) {
				set(&s.Consumers[i])
				named = appendOnce(named, s.Consumers[i].Name)
			}
		}
	}
	return named
}
