package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// bigRequest is secrets × consumers × environments, valid and within every
// per-field limit.
func bigRequest(t *testing.T, secrets, consumers int, envs []string) []byte {
	t.Helper()
	req := runbook.Request{System: "Big", Environments: envs}
	for i := range secrets {
		s := runbook.Secret{Name: fmt.Sprintf("Service %d API key", i)}
		for j := range consumers {
			s.Consumers = append(s.Consumers, fmt.Sprintf("svc-%d-%d", i, j))
		}
		req.Secrets = append(req.Secrets, s)
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWorkIsBudgetedPerKey: a request's work (planned steps plus
// consumer-environment pairs) counts against its key's ROTOR_WORK_LIMIT: past
// it, 429 with Retry-After saying what the request weighs; a cached answer
// costs nothing; another key has its own budget. A request over
// ROTOR_MAX_WORK is 413 naming what to shrink, sync or async.
func TestWorkIsBudgetedPerKey(t *testing.T) {
	const keyA, keyB = "rk_test_work_a_0000000000001", "rk_test_work_b_0000000000002"
	s := startServer(t, map[string]string{"ROTOR_API_KEYS": "a:sha256:" + keyHash(keyA) + ",b:sha256:" + keyHash(keyB),
		"ROTOR_WORK_LIMIT": "120/h", "ROTOR_MAX_WORK": "100", "ROTOR_RATE_LIMIT": "1000/m"})
	post := func(key string, body []byte, h ...string) (int, []byte, string) {
		resp, data := do(t, "POST", s.base+"/runbooks", "application/json", body, append([]string{"Authorization", "Bearer " + key}, h...)...)
		return resp.StatusCode, data, resp.Header.Get("Retry-After")
	}
	acmeNamed := func(name string) []byte {
		return []byte(strings.Replace(string(acme(t)), `"Acme Payments"`, `"`+name+`"`, 1))
	}
	// The seed's request is 44 units (32 steps, 12 pairs): two fit in 120,
	// not three.
	for i, name := range []string{"Acme One", "Acme Two"} {
		if code, body, _ := post(keyA, acmeNamed(name)); code != 200 {
			t.Fatalf("request %d: %d %.200s", i, code, body)
		}
	}
	if code, _, _ := post(keyA, acmeNamed("Acme One")); code != 200 {
		t.Errorf("a cached answer is refused: %d", code)
	}
	for _, h := range [][]string{nil, {"Prefer", "respond-async"}} {
		code, body, retry := post(keyA, acmeNamed("Acme Three"), h...)
		e := decodeError(t, body)
		if code != 429 || e.Error.Code != "rate_limited" || !strings.Contains(e.Error.Message, "this request is 44 work units (32 planned steps, 12 consumer-environment pairs)") || !strings.Contains(e.Error.Message, "ROTOR_WORK_LIMIT") {
			t.Errorf("over budget %v: %d %s", h, code, body)
		}
		if n, err := strconv.Atoi(retry); err != nil || n < 1 {
			t.Errorf("Retry-After %q", retry)
		}
	}
	if code, body, _ := post(keyB, acmeNamed("Acme Three")); code != 200 {
		t.Errorf("key b shares key a's budget: %d %.200s", code, body)
	}
	// One secret with too many consumers × environments: shrink those.
	wide := bigRequest(t, 1, 50, []string{"dev", "qa", "staging", "production"})
	code, body, _ := post(keyB, wide)
	if e := decodeError(t, body); code != 413 || len(e.Error.Fields) == 0 || e.Error.Fields[0].Path != "secrets[0].consumers" ||
		!strings.Contains(e.Error.Fields[0].Problem, "50 consumers in 4 environments") {
		t.Errorf("wide: %d %s", code, body)
	}

	// With the defaults: 100 secrets × 50 consumers × 4 environments (2,002
	// steps and 20,000 pairs, within every field limit) is over
	// ROTOR_MAX_WORK; the answer says how to split it.
	d := startServer(t, map[string]string{"ROTOR_API_KEYS": "a:sha256:" + keyHash(keyA)})
	big := bigRequest(t, 100, 50, []string{"dev", "qa", "staging", "production"})
	for _, h := range [][]string{nil, {"Prefer", "respond-async"}} {
		resp, body := do(t, "POST", d.base+"/runbooks", "application/json", big, append([]string{"Authorization", "Bearer " + keyA}, h...)...)
		e := decodeError(t, body)
		if resp.StatusCode != 413 || e.Error.Code != "too_large" || len(e.Error.Fields) != 1 || e.Error.Fields[0].Path != "secrets" ||
			!strings.Contains(e.Error.Message, "22002 work units") || !strings.Contains(e.Error.Fields[0].Problem, "send at most 9 secrets per request (about 12 requests)") {
			t.Errorf("big %v: %d %s", h, resp.StatusCode, body)
		}
	}
}
