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
	own      []ownRule

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

// New builds a scanner. It is slow (it compiles ~220 expressions): build one at
// start-up and share it.
func New() (*Scanner, error) {
	// gitleaks logs findings, secret included, through a package-level logger
	// at debug level; silence it so no value can ever reach a log.
	logging.Logger = zerolog.Nop()
	det, err := detect.NewDetectorDefaultConfig()
	if err != nil {
		return nil, fmt.Errorf("secretscan: gitleaks config: %w", err)
	}
	return &Scanner{det: det, refusing: detect.NewDetector(withoutRules(det.Config, warnOnly)), own: ownRules(),
		clean: map[[sha256.Size]byte]bool{}}, nil
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
			id:      "url-embedded-credentials",
			keyword: "://",
			re:      regexp.MustCompile(`(?i)\b(?:postgres(?:ql)?|mysql|mariadb|redis|rediss|amqps?|mongodb(?:\+srv)?|mssql|sqlserver|https?|ftps?|smtps?|ldaps?)://[^\s:/@'"]+:([^\s/@'"]+)@[^\s/'"]+`),
			group:   1,
		},
		{
			id:      "stripe-webhook-signing-secret",
			keyword: "whsec_",
			re:      regexp.MustCompile(`\bwhsec_[A-Za-z0-9+/=]{20,}`),
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

// ScanValue checks one string.
func (s *Scanner) ScanValue(path, value string) []Hit { return s.scanValue(s.det, path, value) }

func (s *Scanner) scanValue(det *detect.Detector, path, value string) []Hit {
	if strings.TrimSpace(value) == "" {
		return nil
	}
	var hits []Hit
	seen := map[string]bool{}
	add := func(rule string, refuse bool) {
		if !seen[rule] {
			seen[rule] = true
			hits = append(hits, Hit{Path: path, Rule: rule, Refuse: refuse})
		}
	}
	for _, r := range s.own {
		if !strings.Contains(value, r.keyword) {
			continue
		}
		for _, window := range windows(value, r.keyword) {
			for _, m := range r.re.FindAllStringSubmatch(window, -1) {
				if r.group > 0 && placeholder(m[r.group]) {
					continue
				}
				add(r.id, true)
			}
		}
	}
	for _, f := range det.DetectString(value) {
		add(f.RuleID, !warnOnly[f.RuleID])
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].Rule < hits[j].Rule })
	return hits
}

// Scan checks every string reachable from v (a request, a section, a runbook),
// reporting JSON paths relative to prefix, warnings included.
func (s *Scanner) Scan(prefix string, v any) []Hit { return s.scan(s.det, prefix, v) }

// ScanRefusing is Scan without the warn-only rules: what screens rotor's own
// output, where only refusals matter.
func (s *Scanner) ScanRefusing(prefix string, v any) []Hit { return s.scan(s.refusing, prefix, v) }

// scan first checks all strings together, one per line; only when that finds
// something is each string scanned alone to name its path, so a clean
// document costs one pass.
func (s *Scanner) scan(det *detect.Detector, prefix string, v any) []Hit {
	var paths, values []string
	runbook.WalkStrings(v, func(path, value string) {
		if strings.TrimSpace(value) == "" {
			return
		}
		if prefix != "" {
			if path == "" {
				path = prefix
			} else {
				path = prefix + "." + path
			}
		}
		paths = append(paths, path)
		values = append(values, value)
	})
	if len(values) == 0 {
		return nil
	}
	joined := strings.Join(values, "\n")
	key := sha256.Sum256(append([]byte{boolByte(det == s.refusing)}, joined...))
	s.mu.Lock()
	known := s.clean[key]
	s.mu.Unlock()
	if known {
		return nil
	}
	if len(s.scanValue(det, "", joined)) == 0 {
		s.mu.Lock()
		if len(s.clean) >= cleanMemo {
			clear(s.clean)
		}
		s.clean[key] = true
		s.mu.Unlock()
		return nil
	}
	var hits []Hit
	for i, value := range values {
		hits = append(hits, s.scanValue(det, paths[i], value)...)
	}
	return hits
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
