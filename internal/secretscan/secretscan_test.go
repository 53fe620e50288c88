package secretscan

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/runbook"
)

func newScanner(t testing.TB) *Scanner {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Fake values shaped like real credentials. None of them is live.
var live = []struct {
	name, value, rule string
}{
	{"stripe live key", "sk_live_51HxQkLJtY8aB3cD4eF5gH6iJ7kL8mN9oP0qR", "stripe-access-token"},
	{"aws access key id", "the key is AKIAQ3EGRTSYK5BZQ7XN", "aws-access-token"},
	{"github pat", "ghp_R8cKxq2Wm9LzT4vN7pBfY3hJ6sD1aG5eU0iO", "github-pat"},
	{"github fine-grained pat", "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", "github-fine-grained-pat"},
	{"slack bot token", "xoxb-2837465019-5829301748-aB3dE5fG7hJ9kL1mN3pQ5rS7", "slack-bot-token"},
	{"sendgrid key", "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", "sendgrid-api-token"},
	{"pem private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1c3u9Vb0rZ0Qx9o8k1mN0pQ2rS3tU4vW5xY6zA7bC8dE9fG0\n-----END RSA PRIVATE KEY-----", "private-key"},
	{"postgres url", "postgres://app:S3cr3tPass@db.internal:5432/app", "url-embedded-credentials"},
	{"postgres short url", "postgres://u:p@h", "url-embedded-credentials"},
	{"redis url on an address", "redis://default:Xy7pQ2rT9w@10.0.4.12:6379/0", "url-embedded-credentials"},
	{"mysql url", "mysql://root:hunter2@10.0.0.5/shop", "url-embedded-credentials"},
	{"redis url", "redis://default:Zq8vL2mN@cache:6379/0", "url-embedded-credentials"},
	{"amqp url", "amqp://guest:rabbitpass@mq.internal:5672/", "url-embedded-credentials"},
	{"https basic auth", "https://deploy:tok3n@git.example.com/repo.git", "url-embedded-credentials"},
	{"stripe webhook secret", "whsec_9aB8cD7eF6gH5iJ4kL3mN2oP1qR0sT", "stripe-webhook-signing-secret"},
}

func TestLiveSecretsAreRefusedByRule(t *testing.T) {
	s := newScanner(t)
	for _, tt := range live {
		t.Run(tt.name, func(t *testing.T) {
			hits := s.ScanValue("secrets[0].notes", tt.value)
			refused := Refusals(hits)
			if len(refused) == 0 {
				t.Fatalf("not refused: hits %+v", hits)
			}
			found := false
			for _, h := range refused {
				found = found || h.Rule == tt.rule
				if h.Path != "secrets[0].notes" {
					t.Errorf("path = %q", h.Path)
				}
			}
			if !found {
				t.Errorf("rule %s not among %+v", tt.rule, refused)
			}
		})
	}
}

func TestRefusalErrorNeverEchoesTheValue(t *testing.T) {
	s := newScanner(t)
	req := &runbook.Request{System: "x", Secrets: []runbook.Secret{{Name: "Stripe key", Notes: "value is " + live[0].value}},
		Constraints: []string{"db at " + live[7].value}}
	err := RefusalError(s.Scan("", req))
	if runbook.ErrorCode(err) != runbook.CodeSecretDetected {
		t.Fatalf("code %s", runbook.ErrorCode(err))
	}
	msg := err.Error()
	for _, v := range []string{live[0].value, "S3cr3tPass", "sk_live"} {
		if strings.Contains(msg, v) {
			t.Errorf("error echoes %q: %s", v, msg)
		}
	}
	for _, want := range []string{"secrets[0].notes", "stripe-access-token", "constraints[0]", "url-embedded-credentials"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
}

func TestPlaceholdersAndGenericRuleAreNotRefused(t *testing.T) {
	s := newScanner(t)
	for _, v := range []string{
		"postgres://user:<password>@db:5432/app",
		"postgres://app:${DB_PASSWORD}@db/app",
		"mysql://root:****@10.0.0.5/shop",
		"https://api.example.com/v1/keys",
		"whsec_... (not pasted)",
		"Rotate Stripe during the low-traffic window (22:00 UTC)",
		"AKIAIOSFODNN7EXAMPLE is the documentation example key",
	} {
		if r := Refusals(s.ScanValue("x", v)); len(r) > 0 {
			t.Errorf("%q refused: %+v", v, r)
		}
	}
	hits := s.ScanValue("x", "cache key = a8Fk39dLq02mZx7VbN4cR1tY6uI")
	if len(hits) != 1 || hits[0].Rule != "generic-api-key" || hits[0].Refuse {
		t.Errorf("generic-api-key must warn, not refuse: %+v", hits)
	}
	if RefusalError(hits) != nil {
		t.Error("a warning-only hit must not refuse the request")
	}
}

// TestBenignCorpusHasNoHits scans every shipped request and eval case: the
// screen must never refuse what rotor itself ships.
func TestBenignCorpusHasNoHits(t *testing.T) {
	s := newScanner(t)
	var files []string
	for _, pattern := range []string{"../../eval/requests/*.json", "../../eval/cases/*.yaml", "../../README.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 6 {
		t.Fatalf("corpus too small: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			if hits := s.ScanValue(f, line); len(hits) > 0 {
				t.Errorf("%s:%d: %+v", f, i+1, hits)
			}
		}
		if strings.HasSuffix(f, ".json") {
			req, err := decode.Request(data)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if hits := s.Scan("", req); len(hits) > 0 {
				t.Errorf("%s: %+v", f, hits)
			}
		}
	}
}

// acmeRequest is the seed's request.
func acmeRequest(b *testing.B) *runbook.Request {
	data, err := os.ReadFile("../../eval/requests/acme-payments.json")
	if err != nil {
		b.Fatal(err)
	}
	req, err := decode.Request(data)
	if err != nil {
		b.Fatal(err)
	}
	return req
}

func BenchmarkScanRequest(b *testing.B) {
	s := newScanner(b)
	req := acmeRequest(b)
	b.ResetTimer()
	for b.Loop() {
		s.Scan("", req)
	}
}

// BenchmarkScanRequestUnseen screens the seed's request with a new system
// name each time, so the memory of clean texts never answers.
func BenchmarkScanRequestUnseen(b *testing.B) {
	s := newScanner(b)
	req := acmeRequest(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		req.System = fmt.Sprintf("Acme Payments %d", i)
		s.Scan("", req)
	}
}

func TestScanRefusingSkipsWarnOnlyRules(t *testing.T) {
	s := newScanner(t)
	doc := struct {
		A string `json:"a"`
		B string `json:"b"`
	}{A: "cache key = a8Fk39dLq02mZx7VbN4cR1tY6uI", B: "old key " + live[0].value}
	hits := s.ScanRefusing("sec", doc)
	if len(hits) != 1 || hits[0].Path != "sec.b" || hits[0].Rule != "stripe-access-token" {
		t.Errorf("got %+v", hits)
	}
	if all := s.Scan("sec", doc); len(all) != 2 {
		t.Errorf("Scan keeps warnings: %+v", all)
	}
}

// BenchmarkScanRunbookUnseen screens a whole runbook (the acme golden) as
// the output screen does, changed on every iteration so the memory of
// clean texts never answers.
func BenchmarkScanRunbookUnseen(b *testing.B) {
	s := newScanner(b)
	data, err := os.ReadFile("../generate/testdata/acme-payments.golden.json")
	if err != nil {
		b.Fatal(err)
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(data, &rb); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		rb.Sections.Inventory.Secrets[0].Name = fmt.Sprintf("Stripe webhook signing secret %d", i)
		s.ScanRefusing("", rb.Sections)
	}
}
