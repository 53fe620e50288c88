package llmtest

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/rotor-dev/rotor/internal/intake"
)

// ReadDefect is a flaw the reading double seeds in its reading of one text.
type ReadDefect string

// Defects of a reading: plausible, schema-valid answers that say something
// the text does not, and answers that do not arrive as a usable document.
const (
	// ReadInverted turns every window into a blackout and every blackout or
	// busy time into a window.
	ReadInverted ReadDefect = "inverted"
	// ReadInvented adds a window every Sunday that the text never mentions,
	// quoting a sentence the text does not contain.
	ReadInvented ReadDefect = "invented"
	// ReadInventedOnText adds a window on Saturdays quoting a real clause of
	// the text that says nothing of Saturdays.
	ReadInventedOnText ReadDefect = "invented_on_text"
	// ReadMisquoted paraphrases each quote (its negation dropped), so no
	// quote is in the text.
	ReadMisquoted ReadDefect = "misquoted"
	// ReadForeignScope reads honestly but binds every directive to a secret
	// the text does not name, by that secret's provider (a model guessing
	// whose rule it is).
	ReadForeignScope ReadDefect = "foreign_scope"
	// ReadSchemaViolation answers a polarity outside the schema's enum.
	ReadSchemaViolation ReadDefect = "schema_violation"
	// ReadNotJSON answers prose.
	ReadNotJSON ReadDefect = "not_json"
	// ReadRefusal refuses; ReadTruncated stops at the token limit;
	// ReadRateLimited answers 429.
	ReadRefusal     ReadDefect = "refusal"
	ReadTruncated   ReadDefect = "truncated"
	ReadRateLimited ReadDefect = "rate_limited"
)

// ReadDefects lists every reading defect.
var ReadDefects = []ReadDefect{ReadInverted, ReadInvented, ReadInventedOnText, ReadMisquoted, ReadForeignScope, ReadSchemaViolation, ReadNotJSON,
	ReadRefusal, ReadTruncated, ReadRateLimited}

// InventedQuote is the sentence ReadInvented quotes: no request contains it.
const InventedQuote = "Changes are welcome at any time on Sundays."

// Reader answers intake's reading calls (intake.ModelSchemaName) like a
// model reading one text: its own reading, made independently of rotor's
// rules with a few cue words of its own (so it can disagree with the rules
// honestly, too), unless a defect is seeded for the text. Use it as a
// Server's default: srv.DefaultByRequest(rd.Reply).
type Reader struct {
	mu   sync.Mutex
	seed func(source, text string) ReadDefect
	sent []ReadSent
}

// ReadSent is one answer the reader gave.
type ReadSent struct {
	Source, Text string
	Defect       ReadDefect
	Answer       string
}

// NewReader returns a reader with no defect seeded.
func NewReader() *Reader { return &Reader{} }

// Seed decides the defect of each reading from the text's source and words.
func (rd *Reader) Seed(f func(source, text string) ReadDefect) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	rd.seed = f
}

// Sent lists the answers given so far.
func (rd *Reader) Sent() []ReadSent {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return slices.Clone(rd.sent)
}

// Reply answers one request; other schemas get a schema-valid stand-in.
func (rd *Reader) Reply(r Recorded) Reply {
	if r.SchemaName != intake.ModelSchemaName {
		return SchemaValid(r)
	}
	var in struct {
		Source  string `json:"source"`
		Text    string `json:"text"`
		Secrets []struct {
			Index          int
			Name, Provider string
		} `json:"secrets"`
	}
	rotorData(r.User, &in)
	rd.mu.Lock()
	var d ReadDefect
	if rd.seed != nil {
		d = rd.seed(in.Source, in.Text)
	}
	rd.mu.Unlock()
	ds := ReadText(in.Text)
	switch d {
	case ReadInverted:
		for i := range ds {
			switch ds[i].Polarity {
			case intake.Allow:
				ds[i].Polarity = intake.Forbid
			case intake.Forbid, intake.Busy:
				ds[i].Polarity = intake.Allow
			}
		}
	case ReadInvented:
		ds = append(ds, timeRule(intake.Allow, InventedQuote, &intake.Span{Days: []string{"sun"}, Start: "00:00", End: "24:00", TZ: "UTC", ZoneGiven: true}, "welcome"))
	case ReadInventedOnText:
		clause := strings.TrimSpace(strings.FieldsFunc(in.Text, func(r rune) bool { return r == ',' || r == ';' || r == '.' })[0])
		ds = append(ds, timeRule(intake.Allow, clause, &intake.Span{Days: []string{"sat"}, Start: "00:00", End: "24:00", TZ: "UTC", ZoneGiven: true}, "allowed"))
	case ReadMisquoted:
		for i := range ds {
			ds[i].Quote = paraphrase(ds[i].Quote)
		}
	case ReadForeignScope:
		// The first secret the text names neither by name nor by provider
		// (one past the last when it names them all).
		other, word := len(in.Secrets), "Stripe"
		for _, sec := range in.Secrets {
			low := strings.ToLower(in.Text)
			if !strings.Contains(low, strings.ToLower(sec.Name)) && (sec.Provider == "" || !strings.Contains(low, strings.ToLower(sec.Provider))) {
				other, word = sec.Index, sec.Provider
				if word == "" {
					word = sec.Name
				}
				break
			}
		}
		for i := range ds {
			ds[i].Scope = intake.Scope{Secrets: []int{other}, Words: []string{word}}
		}
	}
	answer := encodeReading(ds, r.Schema)
	rd.mu.Lock()
	rd.sent = append(rd.sent, ReadSent{Source: in.Source, Text: in.Text, Defect: d, Answer: answer})
	rd.mu.Unlock()
	switch d {
	case ReadSchemaViolation:
		return OK(strings.Replace(answer, `"polarity":"`, `"polarity":"maybe-`, 1))
	case ReadNotJSON:
		return OK("Here is what the text says: changes are fine on weekdays.")
	case ReadRefusal:
		return Reply{Kind: Refusal}
	case ReadTruncated:
		return Reply{Kind: Truncated, Content: answer}
	case ReadRateLimited:
		return RateLimited("1")
	}
	return OK(answer)
}

// The reader's own cue words (deliberately not rotor's lexicon).
var (
	clockRE    = regexp.MustCompile(`\b([01]?\d|2[0-4])[:.h]([0-5]\d)\b`)
	zoneRE     = regexp.MustCompile(`\b(UTC|GMT|[A-Z][a-z]+/[A-Z][A-Za-z_]+)\b`)
	negationRE = regexp.MustCompile(`(?i)\b(no|not|never|nothing|nobody|forbidden|prohibited|freeze|frozen|blackout|closed|blocked|off limits|must not|may not|cannot|can't)\b`)
	busyRE     = regexp.MustCompile(`(?i)\b(runs|batch|job|peak|busy|settlement|backup)\b`)
	dayWords   = map[string][]string{
		"monday": {"mon"}, "tuesday": {"tue"}, "wednesday": {"wed"}, "thursday": {"thu"}, "friday": {"fri"}, "saturday": {"sat"}, "sunday": {"sun"},
		"mondays": {"mon"}, "tuesdays": {"tue"}, "wednesdays": {"wed"}, "thursdays": {"thu"}, "fridays": {"fri"}, "saturdays": {"sat"}, "sundays": {"sun"},
		"weekdays": {"mon", "tue", "wed", "thu", "fri"}, "weekends": {"sat", "sun"},
	}
)

// ReadText is the reader's honest reading of a text: each sentence with two
// clock times is a time rule (a blackout when a negation is near, busy when
// it names a job, else a window), quoting the sentence verbatim.
func ReadText(text string) []intake.Directive {
	var out []intake.Directive
	for _, sentence := range sentences(text) {
		clocks := clockRE.FindAllStringSubmatch(sentence, -1)
		if len(clocks) < 2 {
			if strings.Contains(strings.ToLower(sentence), "terraform") {
				out = append(out, intake.Directive{Kind: intake.KindChangePath, Tool: intake.ToolTerraform, Scope: intake.Scope{All: true}, Quote: sentence,
					Evidence: []string{"terraform"}, Reader: intake.ReaderModel})
			}
			continue
		}
		span := &intake.Span{Start: clock(clocks[0]), End: clock(clocks[1]), TZ: "UTC"}
		if z := zoneRE.FindString(sentence); z != "" {
			span.TZ, span.ZoneGiven = z, true
			if z == "GMT" {
				span.TZ = "UTC"
			}
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(sentence), func(r rune) bool { return !('a' <= r && r <= 'z') }) {
			for _, d := range dayWords[w] {
				if !slices.Contains(span.Days, d) {
					span.Days = append(span.Days, d)
				}
			}
		}
		pol, cue := intake.Allow, "between"
		if m := negationRE.FindString(sentence); m != "" {
			pol, cue = intake.Forbid, m
		} else if m := busyRE.FindString(sentence); m != "" {
			pol, cue = intake.Busy, m
		}
		out = append(out, timeRule(pol, sentence, span, cue))
	}
	return out
}

func clock(m []string) string {
	h := m[1]
	if len(h) == 1 {
		h = "0" + h
	}
	return h + ":" + m[2]
}

func timeRule(p intake.Polarity, quote string, span *intake.Span, cue string) intake.Directive {
	if span.Days == nil {
		span.Days = []string{}
	}
	return intake.Directive{Kind: intake.KindTimeRule, Polarity: p, Span: span, Scope: intake.Scope{All: true}, Quote: quote,
		Evidence: []string{cue}, Reader: intake.ReaderModel}
}

// sentences splits a text at sentence ends, keeping each sentence verbatim.
func sentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		end := c == ';' || c == '\n' || (c == '.' && (i+1 == len(text) || text[i+1] == ' '))
		if end || i+1 == len(text) {
			j := i
			if !end {
				j = i + 1
			}
			if s := strings.TrimSpace(text[start:j]); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	return out
}

// paraphrase rewrites a quote the way a careless model does: the negation
// gone and the wording tidied.
func paraphrase(q string) string {
	p := negationRE.ReplaceAllString(q, "")
	p = strings.Join(strings.Fields(p), " ")
	return "Per policy: " + p
}

// encodeReading writes the directives as the strict schema wants them:
// every property present, null where a directive has no value.
func encodeReading(ds []intake.Directive, schema json.RawMessage) string {
	list := make([]any, 0, len(ds))
	for _, d := range ds {
		d.Reader = ""
		data, _ := json.Marshal(d)
		var m map[string]any
		_ = json.Unmarshal(data, &m)
		delete(m, "reader")
		list = append(list, m)
	}
	doc := map[string]any{"directives": list}
	var sch any
	if json.Unmarshal(schema, &sch) == nil {
		fillNulls(doc, sch)
	}

	out, _ := json.Marshal(doc)
	return string(out)
}

// fillNulls adds every property a strict schema requires and the value
// lacks (null, or an empty list where null is not allowed), recursively,
// and returns the value.
func fillNulls(v, schema any) any {
	s, _ := schema.(map[string]any)
	if s == nil {
		return v
	}
	if alts, ok := s["anyOf"].([]any); ok {
		if v == nil {
			return nil
		}
		for _, a := range alts {
			if as, ok := a.(map[string]any); ok && as["type"] != "null" {
				return fillNulls(v, as)
			}
		}
		return v
	}
	switch x := v.(type) {
	case nil:
		if s["type"] == "array" {
			return []any{}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for name, ps := range props {
			x[name] = fillNulls(x[name], ps)
		}
	case []any:
		for i, e := range x {
			x[i] = fillNulls(e, s["items"])
		}
	}
	return v
}

// rotorData decodes the JSON rotor puts between <rotor-data> tags in a
// prompt into v (left as it is when there is none).
func rotorData(user string, v any) {
	if data, ok := dataBlock(user); ok {
		_ = json.Unmarshal([]byte(data), v)
	}
}
