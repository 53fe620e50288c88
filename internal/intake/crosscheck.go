package intake

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Question is an open item intake raises, with the scope it may bind: the
// planner turns the scope into the secret ids of OpenItem.Blocks and
// numbers it.
type Question struct {
	Item  runbook.OpenItem
	Scope Scope
}

// Checked is the rules' reading with the model's merged in.
type Checked struct {
	Texts []Text
	// Questions are the disagreements and the model's own readings, to be
	// raised at the top of the runbook.
	Questions []Question
	// Assumptions say what was left out of the model's reading and why.
	Assumptions []string
}

// CrossCheck merges the model's reading of each text into the rules' reading
// (ROTATION_RULES.md §2 invariant 20, DESIGN.md turn 3). Nothing the model
// says reaches the schedule unflagged:
//   - a directive whose quote is not in its text is dropped;
//   - where model and rules read the same words with another polarity or
//     span, the result is Forbid over every span either read, and a question
//     shows both readings;
//   - a reading only the model made is kept labelled as the model's (a
//     window only the model saw is kept as Unclear, so a blackout), and a
//     question asks to confirm it.
//
// The rules' own readings are never removed.
func CrossCheck(rules []Text, model []ModelText) Checked {
	byText := map[string]ModelText{}
	for _, m := range model {
		byText[m.Source] = m
	}
	var out Checked
	for _, t := range rules {
		t.Directives = slices.Clone(t.Directives)
		m, asked := byText[t.Source]
		switch {
		case !asked:
		case m.Err != nil:
			out.Assumptions = append(out.Assumptions, fmt.Sprintf("%s: the model did not read it (%s); the rules' reading stands", t.Source, failure(m.Err)))
		default:
			out.merge(&t, m.Directives)
		}
		out.Texts = append(out.Texts, t)
	}
	return out
}

func (c *Checked) merge(t *Text, model []Directive) {
	paired := make([]bool, len(t.Directives))
	misquoted := 0
	for _, m := range model {
		m.Reader = ReaderModel
		at, ok := quoteAt(t.Text, m.Quote)
		if !ok {
			misquoted++
			continue
		}
		m.Quote = t.Text[at.start:at.end]
		note := c.checkScope(t, &m)
		if m.Kind == KindTimeRule && !spanReadable(m.Span) {
			c.Assumptions = append(c.Assumptions, fmt.Sprintf("%s: the model read a time rule in %q without a usable span; ignored", t.Source, m.Quote))
			continue
		}
		i := c.pair(t, m, at)
		if i < 0 {
			c.modelOnly(t, m, note)
			continue
		}
		paired[i] = true
		c.compare(t, i, m, note)
	}
	if misquoted > 0 {
		c.Assumptions = append(c.Assumptions, fmt.Sprintf("%s: the model quoted words that are not in it (%d reading%s); ignored", t.Source, misquoted, plural(misquoted)))
	}
}

// checkScope keeps a model's reading to what its text names. A scope that
// names secrets the text does not (a provider or a secret the words never
// mention) or quotes words the text does not contain is replaced by the
// rules' scope of the text, and the disagreement is asked: binding fewer
// or other secrets than the text says is never guessed.
//
// It returns the question's sentence ("" when the scope is the text's), to
// be asked with the reading's own.
func (c *Checked) checkScope(t *Text, m *Directive) string {
	var foreign []string
	for _, w := range m.Scope.Words {
		if !strings.Contains(strings.ToLower(t.Text), strings.ToLower(strings.TrimSpace(w))) {
			foreign = append(foreign, fmt.Sprintf("%q", w))
		}
	}
	named := namedSecrets(t)
	for _, i := range m.Scope.Secrets {
		if !slices.Contains(named, i) {
			foreign = append(foreign, fmt.Sprintf("secrets[%d]", i))
		}
	}
	if len(foreign) == 0 {
		return ""
	}
	model := strings.Join(foreign, ", ")
	m.Scope = t.Scope
	m.Scope.Secrets = slices.Clone(t.Scope.Secrets)
	m.Scope.Words = slices.Clone(t.Scope.Words)
	rules := "every secret"
	if !t.Scope.All {
		var ids []string
		for _, i := range t.Scope.Secrets {
			ids = append(ids, fmt.Sprintf("secrets[%d]", i))
		}
		rules = strings.Join(ids, ", ")
	}
	m.Evidence = appendNew(m.Evidence, "the model's scope is not in the text: the rules' scope is kept")
	return fmt.Sprintf("The model read it as binding %s, which the text does not name; rotor keeps the rules' scope (%s) until you say which secrets it binds.", model, rules)
}

// namedSecrets are the secrets a text names for the rules: those of its
// scope and of its directives, and the secret whose note it is. A text
// that names none (its scope is every secret) names no one secret.
func namedSecrets(t *Text) []int {
	var out []int
	if t.Secret >= 0 {
		out = append(out, t.Secret)
	}
	if !t.Scope.All {
		out = appendNew(out, t.Scope.Secrets...)
	}
	for _, d := range t.Directives {
		if d.Reader != ReaderModel && !d.Scope.All {
			out = appendNew(out, d.Scope.Secrets...)
		}
	}
	return out
}

// pair is the rules' directive of the same kind whose words overlap the
// model's quote, or -1.
func (c *Checked) pair(t *Text, m Directive, at span) int {
	for i, r := range t.Directives {
		if r.Reader == ReaderModel || !sameFamily(r.Kind, m.Kind) {
			continue
		}
		rat, ok := quoteAt(t.Text, r.Quote)
		if !ok {
			rat = span{0, len(t.Text)}
		}
		if rat.start < at.end && at.start < rat.end {
			return i
		}
	}
	return -1
}

// sameFamily: a freeze and a time rule may read the same words.
func sameFamily(a, b Kind) bool {
	time := func(k Kind) bool { return k == KindTimeRule || k == KindFreeze }
	return a == b || time(a) && time(b)
}

// compare settles a rules' directive and the model's reading of the same
// words; note is said with any question (the model's scope, checkScope).
func (c *Checked) compare(t *Text, i int, m Directive, note string) {
	r := &t.Directives[i]
	ask := func(scope Scope, quote, question string) { c.ask(t, scope, quote, join(question, note)) }
	if r.Kind == KindTimeRule && m.Kind == KindTimeRule {
		samePolarity := r.Polarity.Blocks() == m.Polarity.Blocks() && (r.Polarity == Unclear) == (m.Polarity == Unclear)
		same := sameSpan(r.Span, m.Span)
		if samePolarity && same {
			r.Evidence = appendNew(r.Evidence, "the model agrees")
			if note != "" {
				c.ask(t, r.Scope, r.Quote, note)
			}
			return
		}
		rules, model := describe(*r), describe(m)
		r.Polarity = Forbid
		r.Evidence = appendNew(r.Evidence, "the model disagrees: forbidden until answered")
		blocked := "its span"
		if !same {
			m.Polarity = Forbid
			m.Evidence = appendNew(m.Evidence, "the rules disagree: forbidden until answered")
			t.Directives = append(t.Directives, m)
			blocked = "both spans"
		}
		ask(r.Scope, r.Quote, fmt.Sprintf("The rules read this as %s; the model read it as %s. Until you say which is meant, production work keeps out of %s (a blackout).", rules, model, blocked))
		return
	}
	if differs(*r, m) {
		question := fmt.Sprintf("The rules read this as %s; the model read it as %s. rotor follows the rules' reading; say which is meant.", describe(*r), describe(m))
		switch {
		case r.Kind == KindDeadline && m.Kind == KindDeadline:
			// Two deadlines: the planner holds the work to the earlier one.
			t.Directives = append(t.Directives, m)
			question = fmt.Sprintf("The rules read this as %s; the model read it as %s. Until you say which is meant, the work is held to the earlier of the two.", describe(*r), describe(m))
		case r.Kind == m.Kind && (r.Kind == KindFreeze || r.Kind == KindDuty):
			// Two freezes, or two duties: each only adds a limit or a
			// clock, so both hold until a person says which is meant
			// (following one reading could drop the stricter).
			t.Directives = append(t.Directives, m)
			question = fmt.Sprintf("The rules read this as %s; the model read it as %s. Until you say which is meant, both apply.", describe(*r), describe(m))
		}
		ask(r.Scope, r.Quote, question)
		return
	}
	r.Evidence = appendNew(r.Evidence, "the model agrees")
	if note != "" {
		c.ask(t, r.Scope, r.Quote, note)
	}
}

// join adds a second sentence to a question.
func join(question, note string) string {
	if note == "" {
		return question
	}
	return question + " " + note
}

// modelOnly keeps a reading the rules did not make, labelled as the
// model's, and asks to confirm it. A window only the model saw is not
// trusted as a window: it is kept as Unclear, a blackout for its scope.
func (c *Checked) modelOnly(t *Text, m Directive, note string) {
	read := describe(m)
	how := "It is applied as the model read it"
	if m.Kind == KindTimeRule && m.Polarity == Allow {
		m.Polarity = Unclear
		how = "Production work keeps out of it (a blackout) rather than waiting for it"
	}
	m.Evidence = appendNew(m.Evidence, "read by the model only")
	t.Directives = append(t.Directives, m)
	c.ask(t, m.Scope, m.Quote, join(fmt.Sprintf("Only the model read this, as %s; rotor's rules did not. %s until you confirm or correct it.", read, how), note))
}

func (c *Checked) ask(t *Text, scope Scope, quote, question string) {
	if quote == "" {
		quote = t.Text
	}
	if t.Secret >= 0 && !scope.All && len(scope.Secrets) == 0 {
		scope.Secrets = []int{t.Secret}
	}
	// Blocks stays nil: the planner holds the steps of the scope's secrets
	// until a person settles the reading (ROTATION_RULES.md §2 rule 20).
	c.Questions = append(c.Questions, Question{
		Item:  runbook.OpenItem{Source: t.Source, Text: quote, Question: question},
		Scope: scope,
	})
}

// differs reports whether two readings of the same words say different
// things (kinds other than time rules).
func differs(a, b Directive) bool {
	if a.Kind != b.Kind {
		return true
	}
	switch a.Kind {
	case KindDeadline:
		if a.Deadline == nil || b.Deadline == nil {
			return a.Deadline != b.Deadline
		}
		return a.Deadline.Date != b.Deadline.Date || a.Deadline.At != b.Deadline.At || a.Deadline.TZ != b.Deadline.TZ
	case KindChangePath:
		return a.Tool != b.Tool
	case KindDuty:
		return a.Party != b.Party || a.Within != b.Within
	case KindFreeze, KindUsage:
		return a.Activity != b.Activity
	case KindOverlap:
		return a.Within != b.Within
	case KindDetail:
		return a.Field != b.Field || !strings.EqualFold(a.Value, b.Value)
	}
	return false
}

// span is a byte range of a text.
type span struct{ start, end int }

// quoteAt finds a quote in the text verbatim, allowing only runs of
// whitespace to differ (a model may fold a line break into a space).
func quoteAt(text, quote string) (span, bool) {
	q := strings.Fields(quote)
	if len(q) == 0 {
		return span{}, false
	}
	if i := strings.Index(text, quote); i >= 0 {
		return span{i, i + len(quote)}, true
	}
	// Walk the text's words for the quote's words in a row.
	type word struct {
		s     string
		start int
	}
	var ws []word
	start := -1
	for i, r := range text + " " {
		space := r == ' ' || r == '\n' || r == '\t' || r == '\r'
		if !space && start < 0 {
			start = i
		}
		if space && start >= 0 {
			ws = append(ws, word{text[start:i], start})
			start = -1
		}
	}
	for i := 0; i+len(q) <= len(ws); i++ {
		ok := true
		for j := range q {
			if ws[i+j].s != q[j] {
				ok = false
				break
			}
		}
		if ok {
			last := ws[i+len(q)-1]
			return span{ws[i].start, last.start + len(last.s)}, true
		}
	}
	return span{}, false
}

// spanReadable reports whether a time rule's span can be scheduled: times
// as HH:MM, known weekdays, dates or times given.
func spanReadable(s *Span) bool {
	if s == nil {
		return false
	}
	for _, d := range append(slices.Clone(s.Days), s.EndDay) {
		if d != "" && !slices.Contains(modelDays, d) {
			return false
		}
	}
	for _, c := range []string{s.Start, s.End} {
		if c != "" && c != "24:00" {
			if _, ok := runbook.ParseClock(c); !ok {
				return false
			}
		}
	}
	for _, d := range []string{s.From, s.Until} {
		if d != "" && !runbook.ValidDate(d) {
			return false
		}
	}
	if s.TZ != "" {
		if _, _, err := runbook.LoadZone(s.TZ); err != nil {
			return false
		}
	}
	for _, d := range s.DaysOfMonth {
		if d == 0 || d < -1 || d > 31 {
			return false
		}
	}
	return s.Start != "" || s.From != "" || s.Until != "" || len(s.Days) > 0 || len(s.DaysOfMonth) > 0
}

// sameSpan compares two spans as the schedule would use them.
func sameSpan(a, b *Span) bool {
	if a == nil || b == nil {
		return a == b
	}
	days := func(s *Span) []string {
		d := slices.Clone(s.Days)
		slices.Sort(d)
		return d
	}
	dom := func(s *Span) []int {
		d := slices.Clone(s.DaysOfMonth)
		slices.Sort(d)
		return d
	}
	zone := func(s *Span) string {
		if s.TZ == "" {
			return "UTC"
		}
		return s.TZ
	}
	return slices.Equal(days(a), days(b)) && slices.Equal(dom(a), dom(b)) && a.Start == b.Start && a.End == b.End &&
		a.EndDay == b.EndDay && a.From == b.From && a.Until == b.Until && zone(a) == zone(b)
}

// describe writes a reading for a person.
func describe(d Directive) string {
	switch d.Kind {
	case KindTimeRule:
		what := map[Polarity]string{
			Allow: "a window (changes allowed)", Forbid: "a blackout (no changes)",
			Busy: "an activity to keep clear of", Unclear: "a time rule it could not classify",
		}[d.Polarity]
		if what == "" {
			what = "a time rule"
		}
		return what + " " + describeSpan(d.Span)
	case KindDeadline:
		if d.Deadline == nil {
			return "a deadline with no time"
		}
		day := d.Deadline.Date
		if day == "" {
			day = d.Deadline.Day
		}
		return strings.TrimSpace(fmt.Sprintf("a deadline %s %s %s", day, d.Deadline.At, d.Deadline.TZ))
	case KindChangePath:
		return "every change through " + d.Tool
	case KindDuty:
		return strings.TrimSpace(fmt.Sprintf("a duty to tell %s within %s", d.Party, d.Within))
	case KindFreeze:
		return strings.TrimSpace("a freeze on " + d.Activity + " " + d.Value)
	case KindOverlap:
		return "the old credential kept working " + d.Within + " after the new one is live"
	case KindDetail:
		return fmt.Sprintf("%s %s", d.Field, d.Value)
	}
	return strings.ReplaceAll(string(d.Kind), "_", " ")
}

func describeSpan(s *Span) string {
	if s == nil {
		return "(no span)"
	}
	var parts []string
	if len(s.Days) > 0 {
		parts = append(parts, strings.Join(s.Days, ", "))
	} else if len(s.DaysOfMonth) == 0 && s.From == "" && s.Until == "" {
		parts = append(parts, "every day")
	}
	if len(s.DaysOfMonth) > 0 {
		var ds []string
		for _, d := range s.DaysOfMonth {
			ds = append(ds, fmt.Sprint(d))
		}
		parts = append(parts, "days "+strings.Join(ds, ", ")+" of the month")
	}
	if s.Start != "" || s.End != "" {
		t := s.Start + "-" + s.End
		if s.EndDay != "" {
			t = s.Start + " to " + s.EndDay + " " + s.End
		}
		parts = append(parts, t)
	}
	if s.TZ != "" {
		parts = append(parts, s.TZ)
	}
	if s.From != "" || s.Until != "" {
		parts = append(parts, fmt.Sprintf("from %s until %s", orDash(s.From), orDash(s.Until)))
	}
	return strings.Join(parts, " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// failure says briefly why the model did not read a text, without its
// answer, in the same words each time (the facts, and so the sections'
// cache keys, must not vary with a transport's message).
func failure(err error) string {
	var mf *ModelFailure
	if errors.As(err, &mf) {
		return mf.Kind
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && len(msg)-i < 80 {
		return msg[i+2:]
	}
	if len(msg) > 80 {
		return msg[:80] + "..."
	}
	return msg
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
