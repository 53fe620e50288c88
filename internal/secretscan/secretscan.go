// Package secretscan screens text for live secrets before rotor does anything
// with it: gitleaks' default rule set used as a library, plus rules of our own
// for what gitleaks does not flag (credentials inside URLs, Stripe webhook
// secrets). A hit names the path and the rule, never the value.
package secretscan

import (
	"crypto/sha256"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/rs/zerolog"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	"github.com/zricethezav/gitleaks/v8/logging"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Hit is one secret-looking value. It never holds the value itself.
type Hit struct {
	Path string `json:"path"`
	Rule string `json:"rule"`
	// Refuse is false for noisy rules that only warn.
	Refuse bool `json:"refuse"`
}

// warnOnly lists gitleaks rules too noisy to refuse a request on.
var warnOnly = map[string]bool{"generic-api-key": true}

// Scanner is safe for concurrent use.
type Scanner struct {
	det *detect.Detector
	// refusing runs only the rules that refuse: it screens rotor's own output,
	// where a warning is useless and the noisy rule costs most of the time.
	refusing *detect.Detector
	// tokens runs the refusing rules that recognise a token by its shape,
	// without those that need a vendor's name before a value ("algolia_key
	// = …"): it screens the variants of a text, which are tokens cut out of
	// their context (the assignment rule reads keys and values there), and
	// the context rules are the slow ones.
	tokens *detect.Detector
	own    []ownRule
	// prefixes refuses a known credential prefix with a random body of
	// any length (prefix.go).
	prefixes *prefixIndex

	// clean remembers texts (by hash) a detector found nothing in: rotor
	// screens the same section twice (when it is written, then in the whole
	// runbook), and the same offline sections for repeated facts.
	mu    sync.Mutex
	clean map[[sha256.Size]byte]bool
}

const cleanMemo = 4096

type ownRule struct {
	id string
	// keyword must occur in the text for the expression to be tried: a cheap
	// prefilter, as gitleaks does with its keywords.
	keyword string
	re      *regexp.Regexp
	// group is the submatch holding the secret part; 0 means the whole match.
	group int
}

// compiled are the detectors, built once per process (~220 expressions,
// 50-100 ms): every Scanner shares them (they are only read).
var compiled struct {
	once                 sync.Once
	det, refusing, token *detect.Detector
	own                  []ownRule
	prefixes             *prefixIndex
	err                  error
}

// New returns a scanner. The rules are compiled on the first call only.
func New() (*Scanner, error) {
	compiled.once.Do(func() {
		// gitleaks logs findings, secret included, through a package-level
		// logger at debug level; silence it so no value can ever reach a log.
		logging.Logger = zerolog.Nop()
		det, err := detect.NewDetectorDefaultConfig()
		if err != nil {
			compiled.err = fmt.Errorf("secretscan: gitleaks config: %w", err)
			return
		}
		refusing := withoutRules(det.Config, warnOnly)
		compiled.det, compiled.refusing = det, detect.NewDetector(refusing)
		compiled.token = detect.NewDetector(withoutRules(refusing, contextRules(refusing)))
		compiled.own = ownRules()
		compiled.prefixes, compiled.err = buildPrefixes(det.Config, prefixesFile, bigramsFile)
	})
	if compiled.err != nil {
		return nil, compiled.err
	}
	return &Scanner{det: compiled.det, refusing: compiled.refusing, tokens: compiled.token, own: compiled.own,
		prefixes: compiled.prefixes, clean: map[[sha256.Size]byte]bool{}}, nil
}

// contextRules lists the rules whose expression starts by looking for a
// keyword before an assignment (gitleaks' generated "[\w.-]{0,50}?(?:name)"
// form).
func contextRules(cfg config.Config) map[string]bool {
	out := map[string]bool{}
	for id, r := range cfg.Rules {
		if r.Regex != nil && (strings.HasPrefix(r.Regex.String(), `(?i)[\w.-]{0,50}?`) || strings.HasPrefix(r.Regex.String(), `[\w.-]{0,50}?`)) {
			out[id] = true
		}
	}
	return out
}

// withoutRules copies a gitleaks config without some rules, keeping the
// keyword prefilter in step.
func withoutRules(cfg config.Config, drop map[string]bool) config.Config {
	out := cfg
	out.Rules = map[string]config.Rule{}
	out.Keywords = map[string]struct{}{}
	out.OrderedRules = nil
	for _, id := range cfg.OrderedRules {
		if drop[id] {
			continue
		}
		r := cfg.Rules[id]
		out.Rules[id] = r
		out.OrderedRules = append(out.OrderedRules, id)
		for _, k := range r.Keywords {
			out.Keywords[strings.ToLower(k)] = struct{}{}
		}
	}
	return out
}

func ownRules() []ownRule {
	return []ownRule{
		{
			// The user may be empty (redis://:password@host).
			// The host has a letter or is an IPv4 address: "npx
			// promptfoo@0.118.17" after a URL is a package version.
			id:      "url-embedded-credentials",
			keyword: "://",
			re:      regexp.MustCompile(`(?i)\b(?:postgres(?:ql)?|mysql|mariadb|redis|rediss|amqps?|mongodb(?:\+srv)?|mssql|sqlserver|https?|ftps?|smtps?|ldaps?|sftp|ssh|git|nats|kafka|clickhouse|memcached?)://[^\s:/@'"]*:([^\s/@'"]+)@(?:[^\s/'"]*[A-Za-z_-][^\s/'"]*|\d{1,3}(?:\.\d{1,3}){3}\b)`),
			group:   1,
		},
		{
			id:      "stripe-webhook-signing-secret",
			keyword: "whsec_",
			re:      regexp.MustCompile(`\bwhsec_[A-Za-z0-9+/=]{20,}`),
		},
		{
			// gitleaks' rule lets a token go when 24 letters follow "s." anywhere
			// in it (an allowance for old-style tokens), which new ones often meet.
			id:      "vault-service-token",
			keyword: "hvs.",
			re:      regexp.MustCompile(`\bhvs\.[\w-]{90,120}`),
		},
		{
			// gitleaks knows Mailgun keys only next to the word "mailgun".
			id:      "mailgun-api-key",
			keyword: "key-",
			re:      regexp.MustCompile(`\bkey-[0-9a-f]{32}\b`),
		},
		{
			id:      "docker-hub-pat",
			keyword: "dckr_pat_",
			re:      regexp.MustCompile(`\bdckr_pat_[A-Za-z0-9_-]{27,}`),
		},
	}
}

// placeholder reports whether a password found inside a URL is obviously not a
// real one (`<password>`, `${DB_PASS}`, `****`, `redacted`).
func placeholder(s string) bool {
	l := strings.ToLower(s)
	switch {
	case strings.HasPrefix(l, "<") || strings.HasPrefix(l, "$") || strings.HasPrefix(l, "{") || strings.HasPrefix(l, "%"):
		return true
	case strings.Trim(l, "*x.") == "":
		return true
	}
	switch l {
	case "password", "pass", "passwd", "secret", "redacted", "changeme", "pw", "pwd":
		return true
	}
	return false
}

// windows cuts the text around each occurrence of keyword (a scheme and
// userinfo before it, a host after it fit easily), so the expressions run on a
// few hundred bytes instead of the whole text. Overlapping windows merge.
func windows(text, keyword string) []string {
	const before, after = 64, 512
	var out []string
	from, end := -1, -1
	for i := 0; ; {
		j := strings.Index(text[i:], keyword)
		if j < 0 {
			break
		}
		at := i + j
		lo, hi := max(at-before, 0), min(at+len(keyword)+after, len(text))
		if from >= 0 && lo <= end {
			end = hi
		} else {
			if from >= 0 {
				out = append(out, text[from:end])
			}
			from, end = lo, hi
		}
		i = at + len(keyword)
	}
	if from >= 0 {
		out = append(out, text[from:end])
	}
	return out
}

// ScanValue checks one string of input.
func (s *Scanner) ScanValue(path, value string) []Hit {
	return s.scan(true, []Text{{Path: path, Value: value}})
}

// Text is one string to screen and where it is (a JSON path).
type Text struct {
	Path  string
	Value string
}

// ruleSet collects the rules that hit a text, each once, refusing or not.
type ruleSet map[string]bool

func (r ruleSet) add(rule string, refuse bool) { r[rule] = r[rule] || refuse }

func (r ruleSet) refuses() bool {
	for _, refuse := range r {
		if refuse {
			return true
		}
	}
	return false
}

// match runs the detector and rotor's own rules over text. A gitleaks
// finding whose value is, after a known prefix, a placeholder
// (sk_live_XXXXXXXX..., a run of the alphabet) or a name made of words
// (glffct-rollout-billing-v2-enabled), or starts with a token settled as
// written (a variant glued words to it), only warns.
func (s *Scanner) match(det *detect.Detector, text string, settled *settledTokens, hits ruleSet) {
	for _, r := range s.own {
		if !strings.Contains(text, r.keyword) {
			continue
		}
		for _, window := range windows(text, r.keyword) {
			for _, m := range r.re.FindAllStringSubmatch(window, -1) {
				if r.group > 0 && placeholder(m[r.group]) {
					continue
				}
				hits.add(r.id, true)
			}
		}
	}
	for _, f := range det.DetectString(text) {
		hits.add(f.RuleID, !warnOnly[f.RuleID] && !s.prefixes.notSecret(f.Secret) && !startsWithAny(f.Secret, settled.get()))
	}
}

// prefix runs the prefix rule (prefix.go) over text, skipping the tokens
// settled as written (see prefixIndex.find). It is for what the exact rules
// miss: once they refuse, it would only repeat them.
func (s *Scanner) prefix(text string, settled *settledTokens, hits ruleSet) {
	if hits.refuses() {
		return
	}
	if p, ok := s.prefixes.find(text, settled); ok {
		hits.add(rulePrefix+":"+p.source, true)
	}
}

// check screens one text as written (every rule when input is true, the
// refusing ones otherwise), then its normalised variants with the refusing
// rules; the assignment rule never reads the variants that join words.
// Input is also glued across spaces; rotor's own output is not (it never
// saw a secret to split).
//
// It reports whether some variants were left out (see deriveLimit): a text
// read together then has each of its strings read alone as well.
func (s *Scanner) check(input bool, text string, hits ruleSet) (capped bool) {
	det := s.refusing
	if input {
		det = s.det
	}
	pieces, joined, capped := derive(text, input, &s.prefixes.pairs)
	if assignments(text, s.prefixes) || (pieces != "" && assignments(pieces, s.prefixes)) {
		hits.add(ruleAssignment, true)
	}
	s.match(det, text, nil, hits)
	s.prefix(text, nil, hits)
	if pieces != "" || joined != "" {
		settled := s.prefixes.settled(text)
		s.match(s.tokens, pieces+joined, settled, hits)
		s.prefix(pieces+joined, settled, hits)
	}
	return capped
}

// Scan checks every string reachable from v (a request, a section, a runbook),
// reporting JSON paths relative to prefix, warnings included.
func (s *Scanner) Scan(prefix string, v any) []Hit { return s.scan(true, texts(prefix, v)) }

// ScanRefusing is Scan without the warn-only rules and without gluing
// pieces across spaces: what screens rotor's own output, where only
// refusals matter.
func (s *Scanner) ScanRefusing(prefix string, v any) []Hit { return s.scan(false, texts(prefix, v)) }

// ScanTexts checks a list of input strings.
func (s *Scanner) ScanTexts(ts []Text) []Hit { return s.scan(true, ts) }

// ScanJSON checks every string of a decoded JSON document, object keys
// included. A key that looks like a secret is never repeated in a path: it
// is replaced by <field name> wherever it occurs.
func (s *Scanner) ScanJSON(strs []decode.JSONString) []Hit {
	// Values are read together (a secret cut across two fields is found);
	// keys apart (a field name is not part of the value it names).
	var values, keys []Text
	for _, js := range strs {
		if js.Key {
			keys = append(keys, Text{Path: js.Path, Value: js.Value})
		} else {
			values = append(values, Text{Path: js.Path, Value: js.Value})
		}
	}
	hits := s.scan(true, values)
	var bad []string
	for _, h := range s.scan(true, keys) {
		for _, k := range keys {
			if h.Refuse && h.Path == k.Path {
				bad = append(bad, k.Value)
			}
		}
		hits = append(hits, h)
	}
	for i := range hits {
		for _, k := range bad {
			hits[i].Path = strings.ReplaceAll(hits[i].Path, k, "<field name>")
		}
	}
	return hits
}

func texts(prefix string, v any) []Text {
	var out []Text
	decode.WalkStrings(v, func(path, value string) {
		if prefix != "" {
			if path == "" {
				path = prefix
			} else {
				path = prefix + "." + path
			}
		}
		out = append(out, Text{Path: path, Value: value})
	})
	return out
}

// scan first checks all strings together, one per line; only when that finds
// something is each string scanned alone to name its path, so a clean
// document costs one pass. Together, the strings are also glued across
// their boundaries: a secret cut in two fields is found.
func (s *Scanner) scan(input bool, all []Text) []Hit {
	ts := all[:0:0]
	for _, t := range all {
		if strings.TrimSpace(t.Value) != "" {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return nil
	}
	values := make([]string, len(ts))
	for i, t := range ts {
		values[i] = t.Value
	}
	joined := strings.Join(values, "\n")
	key := sha256.Sum256(append([]byte{boolByte(input)}, joined...))
	s.mu.Lock()
	known := s.clean[key]
	s.mu.Unlock()
	if known {
		return nil
	}
	together := ruleSet{}
	capped := s.check(input, joined, together)
	if input && !together.refuses() {
		if pairs, assigned := crossPairs(values); pairs != "" {
			settled := s.prefixes.settled(joined)
			s.match(s.tokens, pairs, settled, together)
			s.prefix(pairs, settled, together)
			if assignments(assigned, s.prefixes) {
				together.add(ruleAssignment, true)
			}
		}
	}
	if len(together) == 0 && !capped {
		s.mu.Lock()
		if len(s.clean) >= cleanMemo {
			clear(s.clean)
		}
		s.clean[key] = true
		s.mu.Unlock()
		return nil
	}
	var hits []Hit
	add := func(path string, rs ruleSet) {
		for rule, refuse := range rs {
			hits = append(hits, Hit{Path: path, Rule: rule, Refuse: refuse})
		}
	}
	refused := false
	for _, t := range ts {
		alone := ruleSet{}
		s.check(input, t.Value, alone)
		refused = refused || alone.refuses()
		add(t.Path, alone)
	}
	if together.refuses() && !refused {
		hits = append(hits, s.acrossFields(input, ts, together)...)
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Path != hits[j].Path {
			return hits[i].Path < hits[j].Path
		}
		return hits[i].Rule < hits[j].Rule
	})
	return hits
}

// acrossFields names the fields of a secret found only when strings were
// read together: neighbours first, then the halves at the ends of any two.
// If neither names them (never expected), the refusal stands without a path.
func (s *Scanner) acrossFields(input bool, ts []Text, together ruleSet) []Hit {
	var hits []Hit
	both := func(i, j int, rs ruleSet) {
		for rule, refuse := range rs {
			if refuse {
				hits = append(hits, Hit{Path: ts[i].Path, Rule: rule, Refuse: true}, Hit{Path: ts[j].Path, Rule: rule, Refuse: true})
			}
		}
	}
	for i := 0; i+1 < len(ts); i++ {
		rs := ruleSet{}
		s.check(input, ts[i].Value+"\n"+ts[i+1].Value, rs)
		both(i, i+1, rs)
	}
	if len(hits) > 0 {
		return hits
	}
	for i := range ts {
		_, tail := boundary(ts[i].Value)
		for j := range ts {
			if head, _ := boundary(ts[j].Value); i != j && tail != "" && head != "" {
				rs := ruleSet{}
				settled := s.prefixes.settled(ts[i].Value + "\n" + ts[j].Value)
				s.match(s.tokens, tail+head, settled, rs)
				s.prefix(tail+head, settled, rs)
				// Only an assignment whose key and operator end the first
				// field: a key glued from the end of one text and the start
				// of another ("STRIPE_API_KEY" + "sha256:…") is no key.
				if a, ok := assignedPair(tail, head); ok && assignments(a, s.prefixes) {
					rs.add(ruleAssignment, true)
				}
				both(i, j, rs)
			}
		}
	}
	if len(hits) == 0 {
		for rule, refuse := range together {
			if refuse {
				hits = append(hits, Hit{Path: "", Rule: rule, Refuse: true})
			}
		}
	}
	return hits
}

// crossPairs joins the machine-made end of each string with the start of
// every other one (at most 16 of each): a secret cut across two fields that
// are not neighbours. An end after an assignment's key keeps the key (see
// boundary), with a space, so both the token rules and the assignment rule
// read the pairs; assigned holds only the pairs whose key and operator end
// the first string, each head cut at its own operator (a key glued from two
// texts, "STRIPE_API_KEY" + "sha256:…" or "…TokenHere" + "sha256:…", is no
// key).
func crossPairs(values []string) (pairs, assigned string) {
	const most = 16
	var heads, tails []string
	var hi, ti []int
	for i, v := range values {
		h, t := boundary(v)
		if h != "" && len(heads) < most {
			heads, hi = append(heads, h), append(hi, i)
		}
		if t != "" && len(tails) < most {
			tails, ti = append(tails, t), append(ti, i)
		}
	}
	var b, as strings.Builder
	for a, t := range tails {
		for c, h := range heads {
			if ti[a] != hi[c] {
				b.WriteString(t + h) // "key = ab12" and "cd34": "key = ab12cd34"
				b.WriteByte('\n')
				if a, ok := assignedPair(t, h); ok {
					as.WriteString(a)
					as.WriteByte('\n')
				}
			}
		}
	}
	return b.String(), as.String()
}

// assignedPair is the end of one text and the start of another read as an
// assignment: only when the first ends with the key and its operator, or the
// second starts with the operator, and with the second cut at its own
// operator, so a key glued across the two ("…TokenHere" + "sha256:…") is no
// key.
func assignedPair(tail, head string) (string, bool) {
	if !strings.ContainsAny(tail, "=:") && !strings.ContainsAny(head[:1], "=:") {
		return "", false
	}
	if k := strings.IndexAny(head[1:], "=:"); k >= 0 {
		head = head[:k+1]
	}
	return tail + head, true
}

func startsWithAny(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Refusals keeps the hits that refuse the input.
func Refusals(hits []Hit) []Hit {
	var out []Hit
	for _, h := range hits {
		if h.Refuse {
			out = append(out, h)
		}
	}
	return out
}

// RefusalError is the caller-facing error for refusing hits: code
// secret_detected, each field naming the path and the rule.
func RefusalError(hits []Hit) error {
	refused := Refusals(hits)
	if len(refused) == 0 {
		return nil
	}
	fields := make([]runbook.FieldError, len(refused))
	for i, h := range refused {
		fields[i] = runbook.FieldError{Path: h.Path, Problem: fmt.Sprintf(
			"looks like a live secret (rule %s); remove it from the request and rotate it, since it may already be exposed", h.Rule)}
	}
	return &runbook.Error{Code: runbook.CodeSecretDetected,
		Message: "the request contains what looks like a live secret; it was not stored, logged or sent anywhere", Fields: fields}
}
