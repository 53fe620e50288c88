package intake

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Comms is what the request says about telling people (review17-cold4 P6:
// the channel was always an invented #secret-rotation-<system>; the named
// channels, cadences, people and "no customer comms" were dropped).
type Comms struct {
	// Channels are the chat channels the constraints name, in order, each
	// with the cadence its sentence gives ("every 30 min"; "" when none).
	Channels []Channel `json:"channels,omitempty"`
	// NoPost are the channels the request says nobody posts in ("do not
	// post in ... #fernhollow-tallis"); never in Channels.
	NoPost []string `json:"no_post,omitempty"`
	// NoCustomerContact is the sentence that says engineers send
	// customers nothing; Decider who decides on customer notices, when
	// named ("Legal (Hannah Cho)").
	NoCustomerContact string `json:"no_customer_contact,omitempty"`
	Decider           string `json:"decider,omitempty"`
	// Decisions are sentences that make a notice someone's decision
	// ("Breach notification (patients, HHS) is her call only"): no duty.
	Decisions []string `json:"decisions,omitempty"`
	// Via is the only route for messages to outside parties ("Felipe
	// Ortiz (Vendor Management)"); After what must happen before any
	// outside party is contacted ("Meera Iyer (Legal) has reviewed").
	Via   string `json:"via,omitempty"`
	After string `json:"after,omitempty"`
	// NeverContact are sentences naming someone nobody contacts or pages.
	NeverContact []string `json:"never_contact,omitempty"`
	// HolderTo and HolderSays: the one message whoever held the old
	// values gets, when the request limits it.
	HolderTo   string `json:"holder_to,omitempty"`
	HolderSays string `json:"holder_says,omitempty"`
}

// Channel is a chat channel the request names.
type Channel struct {
	Name   string `json:"name"`
	When   string `json:"when,omitempty"`
	Source string `json:"source"`
}

//go:embed comms.yaml
var commsYAML []byte

type commsLexicon struct {
	Cadence       []string          `yaml:"cadence"`
	CadenceUnits  []string          `yaml:"cadence_units"`
	NoCustomer    []string          `yaml:"no_customer"`
	CustomerWords []string          `yaml:"customer_words"`
	Only          []string          `yaml:"only"`
	Decider       []string          `yaml:"decider"`
	GateBefore    []string          `yaml:"gate_before"`
	NoPost        []string          `yaml:"no_post"`
	GateWords     []string          `yaml:"gate_words"`
	GateKill      []string          `yaml:"gate_kill"`
	GateCreate    []string          `yaml:"gate_create"`
	GateAny       []string          `yaml:"gate_any"`
	GateStop      []string          `yaml:"gate_stop"`
	GateInform    []string          `yaml:"gate_inform"`
	GateImper     []string          `yaml:"gate_imperative"`
	GatePromote   []string          `yaml:"gate_promote"`
	GateReview    []string          `yaml:"gate_review"`
	GateReviewOf  []string          `yaml:"gate_review_of"`
	GateActs      map[string]string `yaml:"gate_acts"`
	RuleWhen      []string          `yaml:"rule_when"`
	CommsChannel  []string          `yaml:"comms_channel"`
	SoleOnly      []string          `yaml:"sole_only"`
	SoleCan       []string          `yaml:"sole_can"`
	SoleAway      []string          `yaml:"sole_away"`
	RuleContact   []string          `yaml:"rule_contact"`
	RuleTest      []string          `yaml:"rule_test"`
	RuleValue     []string          `yaml:"rule_value"`
	Decision      []string          `yaml:"decision"`
	Route         []string          `yaml:"route"`
	ContactWords  []string          `yaml:"contact_words"`
	ContactAfter  []string          `yaml:"contact_after"`
	NotImpact     []string          `yaml:"not_impact"`
}

// NamesNoImpact reports whether a clause that mentions customers or
// partners forbids telling them or routes messages to them, so names no
// customer impact.
func NamesNoImpact(text string) bool {
	lex := commsWords()
	low := strings.ToLower(text)
	has := func(list []string) bool {
		return slices.ContainsFunc(list, func(p string) bool { return strings.Contains(low, p) })
	}
	return has(lex.NotImpact) || has(lex.ContactAfter) || has(lex.Route)
}

// RoutesMessages reports whether a sentence routes messages through
// someone ("anything for them goes through partner success (Rafaela
// Costa)").
func RoutesMessages(sent string) bool {
	lex := commsWords()
	low := strings.ToLower(sent)
	return slices.ContainsFunc(strings.Fields(wordsOf(low)), func(w string) bool { return runbook.OneOf(lex.ContactWords, w) }) && routeIn(lex, sent) != ""
}

// IsDecision reports whether a clause says a notice is someone's decision
// ("Breach notification ... is her call only"), not a duty to send it.
func IsDecision(text string) bool {
	low := strings.ToLower(text)
	return slices.ContainsFunc(commsWords().Decision, func(p string) bool { return strings.Contains(low, p) })
}

// GatesBefore reports whether an approval's words make it a gate on the
// work it names ("before anyone starts it"), not an approval after the fact.
func GatesBefore(quote string) bool {
	low := strings.ToLower(quote)
	return slices.ContainsFunc(commsWords().GateBefore, func(p string) bool { return strings.Contains(low, p) })
}

var (
	commsOnce sync.Once
	commsLex  *commsLexicon
	commsErr  error
)

func commsWords() *commsLexicon {
	commsOnce.Do(func() {
		l := &commsLexicon{}
		if err := yaml.NewDecoder(bytes.NewReader(commsYAML), yaml.Strict()).Decode(l); err != nil {
			commsErr = fmt.Errorf("intake: comms.yaml: %w", err)
			return
		}
		commsLex = l
	})
	if commsErr != nil {
		panic(commsErr)
	}
	return commsLex
}

// ReadComms reads the request's comms: channels and cadences from the
// constraints, and the no-contact facts intake read (FieldNoContact).
func ReadComms(req *runbook.Request, rd *Reading) Comms {
	lex := commsWords()
	var c Comms
	for i, text := range req.Constraints {
		src := fmt.Sprintf("constraints[%d]", i)
		for _, sent := range Sentences(text) {
			low := strings.ToLower(sent)
			sw := " " + wordsOf(strings.ReplaceAll(low, "#", " #")) + " "
			aboutComms := slices.ContainsFunc(lex.CommsChannel, func(p string) bool { return strings.Contains(sw, " "+p+" ") })
			for _, name := range channelNames(sent) {
				if noPost(lex, sent, name) {
					c.NoPost = appendUnique(c.NoPost, name)
					continue
				}
				if !aboutComms {
					// "Ignore the ... banner in #eng-announce": a place
					// something is, not where messages go.
					continue
				}
				if !slices.ContainsFunc(c.Channels, func(x Channel) bool { return x.Name == name }) {
					c.Channels = append(c.Channels, Channel{Name: name, When: cadenceIn(lex, low), Source: src})
				}
			}
			if c.Via == "" && slices.ContainsFunc(strings.Fields(wordsOf(low)), func(w string) bool { return runbook.OneOf(lex.ContactWords, w) }) {
				c.Via = routeIn(lex, sent)
			}
			if c.After == "" && slices.ContainsFunc(lex.ContactAfter, func(p string) bool { return strings.Contains(low, p) }) {
				if k := strings.Index(low, " until "); k >= 0 {
					c.After = clauseOf(sent[k+len(" until "):])
				}
			}
			if c.NoCustomerContact == "" && slices.ContainsFunc(lex.NoCustomer, func(p string) bool { return strings.Contains(low, p) }) {
				c.NoCustomerContact = sent
			}
		}
	}
	// A channel one sentence forbids is never posted in, even when
	// another sentence names it.
	c.Channels = slices.DeleteFunc(c.Channels, func(x Channel) bool { return slices.Contains(c.NoPost, x.Name) })
	if rd == nil {
		return c
	}
	for _, t := range rd.Texts {
		for _, d := range t.Directives {
			if d.Kind == KindDetail && d.Field == FieldDecidedBy {
				c.Decisions = appendUnique(c.Decisions, d.Quote)
				if c.Decider == "" {
					c.Decider = decisionWho(lex, req, t.Text, d.Quote)
				}
				continue
			}
			if d.Kind != KindDetail || d.Field != FieldNoContact {
				continue
			}
			low := strings.ToLower(d.Quote)
			switch {
			case slices.ContainsFunc(lex.Only, func(p string) bool { return strings.HasPrefix(strings.TrimPrefix(low, "please "), p) }):
				sents := Sentences(t.Text)
				for j, s := range sents {
					if j > 0 && strings.HasPrefix(s, d.Quote) {
						c.HolderTo, c.HolderSays = tellWhom(sents[j-1])
					}
				}
			case slices.ContainsFunc(tokenize(low), func(tk token) bool { return runbook.OneOf(lex.CustomerWords, tk.low) }):
				if c.NoCustomerContact == "" {
					c.NoCustomerContact = d.Quote
				}
				if c.Decider == "" {
					c.Decider = deciderIn(lex, t.Text)
				}
			default:
				c.NeverContact = appendUnique(c.NeverContact, d.Quote)
			}
		}
	}
	return c
}

// Sentences splits a text at sentence ends ('.', ';', '!' or '?' before a
// space or the end).
func Sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		if strings.ContainsRune(".;!?", rune(text[i])) && (i+1 == len(text) || text[i+1] == ' ') {
			if s := strings.TrimSpace(text[start : i+1]); s != "" {
				out = append(out, strings.TrimRight(s, ";"))
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// ChannelNames are the #channels a text names ("#4471" is an issue
// number, not a channel).
func ChannelNames(text string) []string { return channelNames(text) }

// channelNames are the #channels a sentence names (a letter first: "#4471"
// is an issue number).
func channelNames(sent string) []string {
	var out []string
	for i := 0; i < len(sent); i++ {
		if sent[i] != '#' || (i > 0 && !strings.ContainsRune(" (,;:", rune(sent[i-1]))) || i+1 >= len(sent) || sent[i+1] < 'a' || sent[i+1] > 'z' {
			continue
		}
		j := i + 1
		for j < len(sent) && (sent[j] >= 'a' && sent[j] <= 'z' || sent[j] >= '0' && sent[j] <= '9' || strings.ContainsRune("._-", rune(sent[j]))) {
			j++
		}
		name := strings.TrimRight(sent[i:j], ".-_")
		if len(name) > 2 {
			out = appendUnique(out, name)
		}
		i = j
	}
	return out
}

// noPost reports whether a sentence names a channel as one nobody posts
// in: a no_post word in the channel's own clause, before it ("do not post
// in the shared Slack Connect channel #fernhollow-tallis"; never "No
// customer comms; updates in #inc-7").
func noPost(lex *commsLexicon, sent, name string) bool {
	k := strings.Index(sent, name)
	if k < 0 {
		return false
	}
	before := strings.ToLower(sent[:k])
	for _, sep := range []string{",", ";", ":", " - ", " – ", " but ", " instead ", "."} {
		if j := strings.LastIndex(before, sep); j >= 0 {
			before = before[j+len(sep):]
		}
	}
	words := " " + strings.Join(strings.Fields(strings.NewReplacer("(", " ", ")", " ").Replace(before)), " ") + " "
	return slices.ContainsFunc(lex.NoPost, func(p string) bool { return strings.Contains(words, " "+p+" ") })
}

// cadenceIn is how often a sentence says to post ("every 30 min", "the day
// before each production step"), or "".
func cadenceIn(lex *commsLexicon, low string) string {
	toks := strings.Fields(strings.NewReplacer(",", " ", ";", " ", ".", " ").Replace(low))
	for k := 0; k+2 < len(toks); k++ {
		if toks[k] == "every" && strings.IndexFunc(toks[k+1], func(r rune) bool { return !unicode.IsDigit(r) }) < 0 && runbook.OneOf(lex.CadenceUnits, toks[k+2]) {
			return strings.Join(toks[k:k+3], " ")
		}
	}
	for _, p := range lex.Cadence {
		if strings.Contains(low, p) {
			return p
		}
	}
	return ""
}

// deciderIn is who a text names as deciding in brackets: "Legal (Hannah
// Cho)" or "Priya (Legal)".
func deciderIn(lex *commsLexicon, text string) string {
	for _, w := range lex.Decider {
		if k := strings.Index(text, w+" ("); k >= 0 {
			if e := strings.Index(text[k:], ")"); e > 0 {
				return text[k : k+e+1]
			}
		}
		if k := strings.Index(text, " ("+w+")"); k > 0 {
			words := strings.Fields(text[:k])
			var name []string
			for n := len(words) - 1; n >= 0 && len(name) < 2 && words[n] != "" && unicode.IsUpper([]rune(words[n])[0]); n-- {
				name = append([]string{words[n]}, name...)
			}
			if len(name) > 0 {
				return strings.Join(name, " ") + " (" + w + ")"
			}
		}
	}
	return ""
}

// routeIn is the route a sentence gives messages ("go through Felipe Ortiz
// (Vendor Management)"): the rest of the route phrase's clause, or "".
func routeIn(lex *commsLexicon, sent string) string {
	low := strings.ToLower(sent)
	for _, p := range lex.Route {
		if k := strings.Index(low, p); k >= 0 {
			return clauseOf(sent[k+len(p):])
		}
	}
	return ""
}

// clauseOf is a text up to its clause's end (';', '.', ' - ', ' and he',
// ' and she', ' he is', ' she is').
func clauseOf(text string) string {
	end := len(text)
	for _, sep := range []string{";", ". ", " - ", "; he ", "; she "} {
		if k := strings.Index(text, sep); k >= 0 && k < end {
			end = k
		}
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(text[:end]), "."))
}

// decisionWho is who a decision sentence names: "Legal (Ruth)" from
// "Legal's decision (Ruth)", a bracketed decider, or the owner the text
// names first ("her call" after "Grace Whitfield gets the findings").
func decisionWho(lex *commsLexicon, req *runbook.Request, text, quote string) string {
	for _, apo := range []string{"'s decision (", "’s decision (", "'s call (", "’s call ("} {
		if k := strings.Index(quote, apo); k > 0 {
			words := strings.Fields(quote[:k])
			rest := quote[k+len(apo):]
			if e := strings.Index(rest, ")"); e > 0 && len(words) > 0 {
				return words[len(words)-1] + " (" + rest[:e] + ")"
			}
		}
	}
	if w := deciderIn(lex, text); w != "" {
		return w
	}
	if who := ownerIn(req, text); who != "" {
		return who
	}
	return fullName(lex, text)
}

// tellWhom reads "tell Jonas Ek at Pixelforge that they're dead": whom
// (capitalised words, with "at" and the company) and what.
func tellWhom(sent string) (string, string) {
	words := strings.Fields(sent)
	for k, w := range words {
		if strings.ToLower(strings.Trim(w, ",")) != "tell" {
			continue
		}
		var who []string
		n := k + 1
		for n < len(words) && (unicode.IsUpper([]rune(words[n])[0]) || words[n] == "at" && n+1 < len(words) && unicode.IsUpper([]rune(words[n+1])[0])) {
			who = append(who, words[n])
			n++
		}
		if len(who) == 0 {
			continue
		}
		if n < len(words) && words[n] == "that" {
			n++
		}
		return strings.Join(who, " "), strings.TrimSuffix(strings.Join(words[n:], " "), ".")
	}
	return "", ""
}

// Gate is a sign-off the request demands before a named action ("Marisol
// Vega ... has to say go on the bridge before anyone regenerates or deletes
// a key"): it holds exactly the steps that do that action on the secrets
// it names, until the person answers (review17-cold5 P5).
type Gate struct {
	Source string `json:"source"`
	// Quote is the sentence; Who the approver as the request's owners
	// name them ("Marisol Vega (incident commander)").
	Quote string `json:"quote"`
	Who   string `json:"who"`
	// Kill, Create: the action is a kill (delete, revoke, disable) or a
	// create (regenerate, rotate, issue); neither: any change it names
	// ("before it runs", "before anyone starts it").
	Kill   bool `json:"kill,omitempty"`
	Create bool `json:"create,omitempty"`
	// Promote: the action is the promotion of a standby credential ("before
	// the Twilio secondary token is promoted"); Review: a review of logs
	// about someone ("before anyone pulls audit logs about an individual
	// employee"): the investigation steps.
	Promote bool `json:"promote,omitempty"`
	Review  bool `json:"review,omitempty"`
	// Acts are acts that are no step of their own ("unpublish",
	// "deprecate"): only the sentences of a step that say to do them wait.
	Acts []string `json:"acts,omitempty"`
	// Inform: the gate is met when Who has been told, not by a go ("The
	// works council has to be informed before ...").
	Inform bool `json:"inform,omitempty"`
	// Secrets are the request's secrets it names (indexes); every secret
	// when it names none.
	Secrets []int `json:"secrets"`
}

// ReadGates reads the sign-offs the constraints demand before an action.
func ReadGates(req *runbook.Request) []Gate {
	lex := commsWords()
	var out []Gate
	for i, text := range req.Constraints {
		for _, sent := range Sentences(text) {
			if g, ok := readGate(lex, req, sent); ok {
				g.Source = fmt.Sprintf("constraints[%d]", i)
				out = append(out, g)
			}
		}
	}
	return out
}

// readGate reads one sentence: a gate word before "before", an action word
// after it, in the same clause; or "Before <action>, <gate>" (review17-cold6
// row 25 phrasing: "Before the old deploy key is deleted, get Ana's okay").
func readGate(lex *commsLexicon, req *runbook.Request, sent string) (Gate, bool) {
	low := strings.ToLower(sent)
	var gateText, after string
	if strings.HasPrefix(low, "before ") {
		k := strings.Index(low, ",")
		if k < 0 {
			return Gate{}, false
		}
		after, gateText = low[len("before "):k], low[k+1:]
	} else {
		b := strings.Index(low, " before ")
		if b < 0 {
			return Gate{}, false
		}
		gateText, after = low[:b], low[b+len(" before "):]
	}
	gw := " " + wordsOf(gateText) + " "
	has := func(list []string) bool {
		return slices.ContainsFunc(list, func(p string) bool { return strings.Contains(gw, " "+p+" ") })
	}
	inform := has(lex.GateInform)
	if !has(lex.GateWords) && !inform {
		return Gate{}, false
	}
	for _, sep := range []string{",", ";", " - ", ":", " and wants", " and needs"} {
		if k := indexOutside(after, sep); k >= 0 {
			after = after[:k]
		}
	}
	g := Gate{Quote: sent, Inform: inform && !has(lex.GateWords)}
	anyAct, reviewVerb, reviewOf := false, false, false
	for _, w := range strings.Fields(wordsOf(after)) {
		g.Kill = g.Kill || runbook.OneOf(lex.GateKill, w)
		g.Create = g.Create || runbook.OneOf(lex.GateCreate, w)
		g.Promote = g.Promote || runbook.OneOf(lex.GatePromote, w)
		reviewVerb = reviewVerb || runbook.OneOf(lex.GateReview, w)
		reviewOf = reviewOf || runbook.OneOf(lex.GateReviewOf, w)
		if a, ok := lex.GateActs[w]; ok && !slices.Contains(g.Acts, a) {
			g.Acts = append(g.Acts, a)
		}
		anyAct = anyAct || runbook.OneOf(lex.GateAny, w)
	}
	g.Review = reviewVerb && reviewOf
	if g.Promote || g.Review || len(g.Acts) > 0 {
		// "before the secondary token is promoted", "before anyone pulls
		// audit logs", "before anything gets deprecated": that act only,
		// never the kill or the create its words may also name.
		g.Kill, g.Create = false, false
	}
	if !g.Kill && !g.Create && !g.Promote && !g.Review && len(g.Acts) == 0 && !anyAct {
		return Gate{}, false
	}
	g.Who = gateWho(lex, req, sent, gateText)
	g.Secrets = gateSecrets(lex, req, after)
	if len(g.Secrets) == 0 {
		g.Secrets = gateSecrets(lex, req, low)
	}
	return g, true
}

// indexOutside is where sep first stands outside brackets in s ("audit
// logs about an individual employee (Vault audit, Databricks audit, Okta)"
// keeps its list), or -1.
func indexOutside(s, sep string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		}
		if depth == 0 && strings.HasPrefix(s[i:], sep) {
			return i
		}
	}
	return -1
}

// wordsOf is a text's words, lower case, without punctuation.
func wordsOf(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_'
	}), " ")
}

// gateWho is the approver a gate's sentence names: the owner (an approver
// first) whose first name comes first in it; else the party its gate clause
// is about ("The works council has to be informed", "the privacy officer
// (Ines Duarte) has to be consulted"); else the first full name written in
// it ("Sofia Marchetti must approve before ...", "Ask Hannah Osei ..."), or
// "" when none.
func gateWho(lex *commsLexicon, req *runbook.Request, sent, gateText string) string {
	if who := ownerIn(req, sent); who != "" {
		return who
	}
	if who := subjectOf(sent, gateText); who != "" {
		return who
	}
	return fullName(lex, sent)
}

// subjectOf is the party a gate clause makes the subject of a modal ("the
// works council" in "The works council has to be informed"), as the
// sentence writes it, or "" when the subject is a pronoun or nobody.
func subjectOf(sent, gateText string) string {
	low := strings.ToLower(sent)
	at := strings.Index(low, strings.TrimSpace(gateText))
	if at < 0 {
		return ""
	}
	clause := sent[at : at+len(strings.TrimSpace(gateText))]
	lc := strings.ToLower(clause)
	for _, m := range []string{" has to ", " have to ", " must ", " needs to ", " need to ", " should "} {
		k := strings.Index(lc, m)
		if k <= 0 {
			continue
		}
		subj := strings.TrimSpace(clause[:k])
		first, _, _ := strings.Cut(strings.ToLower(subj), " ")
		if runbook.OneOf([]string{"we", "you", "i", "they", "he", "she", "it", "someone", "somebody", "anyone", "anybody", "nobody", "this"}, first) {
			return ""
		}
		if strings.HasPrefix(subj, "The ") {
			subj = "the " + subj[len("The "):]
		}
		if !strings.HasPrefix(strings.ToLower(subj), "the ") && !strings.Contains(subj, " ") {
			// A first name alone ("Sipho has to OK it") is a person the
			// owners or the full-name reader name better.
			return ""
		}
		return subj
	}
	return ""
}

// fullName is the first run of two or more capitalised words in a
// sentence ("Sofia Marchetti"), without a leading imperative ("Ask Hannah
// Osei" names Hannah Osei), or "".
func fullName(lex *commsLexicon, sent string) string {
	var run []string
	for i, w := range strings.Fields(sent) {
		w = strings.Trim(w, "(),.;:!?\"'")
		if i == 0 && runbook.OneOf(lex.GateImper, strings.ToLower(w)) {
			continue
		}
		if capitalised(w) {
			run = append(run, w)
			continue
		}
		if len(run) >= 2 {
			break
		}
		run = run[:0]
	}
	if len(run) < 2 {
		return ""
	}
	return strings.Join(run, " ")
}

// ownerIn is the owner (an approver first) whose first name comes first in
// a sentence, or "" when none.
func ownerIn(req *runbook.Request, sent string) string {
	best, at := "", len(sent)+1
	for pass := 0; pass < 2; pass++ {
		for _, o := range req.Owners {
			if (pass == 0) != (o.Role == runbook.RoleApprover) {
				continue
			}
			first, _, _ := strings.Cut(o.Name, " ")
			first = strings.Trim(first, "(),")
			if first == "" {
				continue
			}
			for _, k := range wordIndexes(sent, first) {
				if k < at {
					best, at = o.Name, k
				}
			}
		}
		if best != "" {
			return best
		}
	}
	return ""
}

// wordIndexes are where a word stands alone in a text.
func wordIndexes(text, w string) []int {
	var out []int
	for k := 0; k+len(w) <= len(text); {
		j := strings.Index(text[k:], w)
		if j < 0 {
			break
		}
		j += k
		end := j + len(w)
		if (j == 0 || !unicode.IsLetter(rune(text[j-1]))) && (end == len(text) || !unicode.IsLetter(rune(text[end]))) {
			out = append(out, j)
		}
		k = j + 1
	}
	return out
}

// gateSecrets are the secrets whose name or provider shares the most words
// with a text ("the old App key" names the GitHub App private key, not the
// webhook secret); none when no secret shares a word.
func gateSecrets(lex *commsLexicon, req *runbook.Request, text string) []int {
	stem := func(w string) string { return strings.TrimSuffix(w, "s") }
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !runbook.OneOf(lex.GateStop, w) && len(w) > 1 {
			words[stem(w)] = true
		}
	}
	var out []int
	best := 0
	for i, s := range req.Secrets {
		seen := map[string]bool{}
		n := 0
		for _, w := range strings.FieldsFunc(strings.ToLower(s.Name+" "+string(s.Provider)), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if w = stem(w); words[w] && !seen[w] {
				seen[w] = true
				n++
			}
		}
		switch {
		case n == 0 || n < best:
		case n > best:
			best, out = n, []int{i}
		default:
			out = append(out, i)
		}
	}
	return out
}

// ActRule is a prohibition on an act that names no time ("Nobody contacts
// the contractor", "Test incidents on the 'Care API - P1' PagerDuty service
// are forbidden", "Arjun must not receive any of the new values", "The live
// Twilio auth token must not go into GitHub at all"; review17-cold6 P4):
// a rule on that act, never an open item that holds the plan.
type ActRule struct {
	// Contact: it forbids a message (a contact, a post in a channel):
	// a rule for the comms, no step. Test: it forbids a test (the
	// checks). Value: it forbids the new value reaching someone or
	// somewhere (the create and store steps).
	Contact, Test, Value bool
}

// ReadActRule reads a prohibition's text as a rule on the acts it names;
// false when it names a time (intake's time reading owns it) or no act.
func ReadActRule(text string) (ActRule, bool) {
	lex := commsWords()
	w := " " + wordsOf(text) + " "
	has := func(list []string) bool {
		return slices.ContainsFunc(list, func(p string) bool { return strings.Contains(w, " "+p+" ") })
	}
	if has(lex.RuleWhen) {
		return ActRule{}, false
	}
	r := ActRule{Contact: has(lex.RuleContact) || len(channelNames(text)) > 0, Test: has(lex.RuleTest), Value: has(lex.RuleValue)}
	return r, r.Contact || r.Test || r.Value
}

// SoleActor is the one person the request says can do an act, and when
// they are away ("Only Jonas Richter can edit the dbt Cloud connection
// (account admin). He is on leave until Wed noon."; review17-cold6 row 12).
type SoleActor struct {
	Source string `json:"source"`
	Quote  string `json:"quote"`
	Who    string `json:"who"`
	// Act is what only they can do ("edit the dbt Cloud connection");
	// Away when they are back, as written ("until Wed noon"), or "" when
	// the request does not say they are away.
	Act  string `json:"act"`
	Away string `json:"away,omitempty"`
}

// ReadSoleActors reads "Only <person> can <act>" and, in the same
// constraint, that the person is away.
func ReadSoleActors(req *runbook.Request) []SoleActor {
	lex := commsWords()
	var out []SoleActor
	for i, text := range req.Constraints {
		sents := Sentences(text)
		for j, sent := range sents {
			low := strings.ToLower(sent)
			only := ""
			for _, o := range lex.SoleOnly {
				if strings.HasPrefix(low, o+" ") {
					only = o
				}
			}
			if only == "" {
				continue
			}
			rest := sent[len(only)+1:]
			lr := strings.ToLower(rest)
			k, can := -1, ""
			for _, c := range lex.SoleCan {
				if x := strings.Index(lr, " "+c+" "); x > 0 && (k < 0 || x < k) {
					k, can = x, c
				}
			}
			if k < 0 {
				continue
			}
			who := strings.TrimSpace(rest[:k])
			if !capitalised(strings.Fields(who)[0]) {
				continue
			}
			act := strings.TrimSpace(rest[k+len(can)+2:])
			if p := strings.Index(act, " ("); p > 0 {
				act = act[:p]
			}
			act = strings.TrimRight(act, ".;:")
			sa := SoleActor{Source: fmt.Sprintf("constraints[%d]", i), Quote: text, Who: who, Act: act}
			for _, later := range sents[j:] {
				ll := strings.ToLower(later)
				for _, a := range lex.SoleAway {
					if x := strings.Index(ll, a); x >= 0 && sa.Away == "" {
						sa.Away = strings.TrimRight(strings.TrimSpace(later[x:]), ".")
					}
				}
			}
			out = append(out, sa)
		}
	}
	return out
}
