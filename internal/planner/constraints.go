package planner

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Constraint kinds the planner recognises in free text.
const (
	ckWindow     = "window"
	ckLegacy     = "legacy"
	ckCompliance = "compliance"
	ckRateLimit  = "rate_limit"
	ckApproval   = "approval"
	ckCustomer   = "customer_impact"
	ckBuildTime  = "build_time"
	ckFreeze     = "change_freeze"
)

var (
	timeRE      = regexp.MustCompile(`(?i)\b([01]?\d|2[0-3])[:h]([0-5]\d)\s*(utc|gmt|z\b|cet|cest|est|edt|pst|pdt|ist|jst|aest)?`)
	windowRE    = regexp.MustCompile(`(?i)(maintenance|low[- ]traffic|off[- ]peak|quiet|change)( window| period| hours)?|after hours|overnight|weekend|window`)
	legacyRE    = regexp.MustCompile(`(?i)legacy|start-?up|on boot|at boot|cannot (be )?reload|can't reload|no (hot[- ]?)?reload|reads? (the )?\w+( \w+)? once|only on restart|needs? a restart|manual(ly)? deploy|cached (at|on) start`)
	rateRE      = regexp.MustCompile(`(?i)rate[- ]?limit|quota|throttl`)
	approvalRE  = regexp.MustCompile(`(?i)approv|\bcab\b|change (advisory|board|request|ticket|management)|sign[- ]off`)
	customerRE  = regexp.MustCompile(`(?i)customer[- ]facing|customer impact|impact (on|to) (our )?customers|customers? (are|is|will be|may be|could be) (affected|impacted)|notify (our )?customers|partners?\b|merchants?\b|client[- ]facing|end[- ]users? (are|will|may)`)
	buildTimeRE = regexp.MustCompile(`(?i)build[- ]time|baked|bundled|compiled in|in the (docker )?image|at build`)
	freezeRE    = regexp.MustCompile(`(?i)(code|change|deploy(ment)?) freeze|no deploys?`)
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

// window is a recognised time window.
func parseWindow(text string) string {
	w := windowRE.FindString(text)
	t := timeRE.FindStringSubmatch(text)
	if w == "" && t == nil {
		return ""
	}
	var b strings.Builder
	w = strings.ToLower(w)
	switch {
	case w == "":
		w = "window"
	case !strings.Contains(w, "window"):
		w += " window"
	}
	b.WriteString(w)
	if t != nil {
		zone := strings.ToUpper(strings.TrimSpace(t[3]))
		if zone == "" {
			zone = "local time"
		}
		fmt.Fprintf(&b, " (%02s:%s %s)", t[1], t[2], zone)
	}
	return b.String()
}

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
	return ids
}

// constraintText is a free text to interpret: a request constraint (no
// secretID: it applies to the secrets it names, or to all) or a secret's notes.
type constraintText struct {
	text     string
	secretID string
}

// readConstraints interprets the request's constraints and each secret's notes,
// recording effects on the facts.
func readConstraints(f *Facts, texts []constraintText) {
	named := map[string]bool{}
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
		var effects []string
		if win := parseWindow(text); win != "" {
			c.Kinds = append(c.Kinds, ckWindow)
			for _, id := range targets {
				f.SecretByID(id).Window = win
			}
			effects = append(effects, "switch and deploy steps of the named secrets run in the "+win)
		}
		if legacyRE.MatchString(text) {
			c.Kinds = append(c.Kinds, ckLegacy)
			markLegacy(f, text, targets, all)
			effects = append(effects, "legacy consumers get an explicit restart step and raise the rotation risk")
		}
		for _, fw := range frameworks {
			if fw.re.MatchString(text) {
				named[fw.name] = true
				c.Kinds = appendOnce(c.Kinds, ckCompliance)
				effects = append(effects, "audit evidence maps to "+fw.name)
			}
		}
		if rateRE.MatchString(text) {
			c.Kinds = append(c.Kinds, ckRateLimit)
			for _, id := range targets {
				f.SecretByID(id).RateLimited = true
			}
			effects = append(effects, "validation calls are spaced out and counted against vendor rate limits")
		}
		if approvalRE.MatchString(text) {
			c.Kinds = append(c.Kinds, ckApproval)
			f.ChangeTicket = true
			effects = append(effects, "a change ticket is approved before the first step")
		}
		if customerRE.MatchString(text) && ct.secretID == "" {
			c.Kinds = append(c.Kinds, ckCustomer)
			f.ExternalComms.Audiences = appendAudience(f.ExternalComms.Audiences, runbook.AudienceCustomer)
			f.ExternalComms.Reason = "a constraint names customer or partner impact: " + text
			effects = append(effects, "customer communication is prepared")
		}
		if buildTimeRE.MatchString(text) {
			c.Kinds = append(c.Kinds, ckBuildTime)
			f.BuildTime = true
			effects = append(effects, "consumers are rebuilt, not only restarted, to pick up the new value")
		}
		if freezeRE.MatchString(text) {
			c.Kinds = append(c.Kinds, ckFreeze)
			effects = append(effects, "the rotation's own deploys need an exception to the freeze")
		}
		if len(c.Kinds) == 0 {
			if ct.secretID != "" {
				continue // plain notes: nothing to report
			}
			c.Effect = "noted; no change to the plan"
			c.Kinds, c.SecretIDs = []string{}, []string{}
			f.Constraints = append(f.Constraints, c)
			continue
		}
		c.SecretIDs = targets
		c.Effect = strings.Join(effects, "; ")
		f.Constraints = append(f.Constraints, c)
	}
	f.Controls = controlsFor(f, named)
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
