package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestRunbooksBelongToTheKeyThatCreatedThem: another key gets 404 for a
// runbook, its job and its event stream, in every format; an identical
// request from another key is another runbook; an :admin key reads all; a
// signed link opens exactly its runbook. /metrics needs a key unless
// ROTOR_METRICS_OPEN=1.
func TestRunbooksBelongToTheKeyThatCreatedThem(t *testing.T) {
	const keyA, keyB, keyOps = "rk_test_owner_a_000000000001", "rk_test_owner_b_000000000002", "rk_test_owner_ops_0000000003"
	s := startServer(t, map[string]string{"ROTOR_API_KEYS": "team-a:sha256:" + keyHash(keyA) + ",team-b:sha256:" + keyHash(keyB) +
		",ops:sha256:" + keyHash(keyOps) + ":admin", "ROTOR_RATE_LIMIT": "1000/m"})
	as := func(key string) []string { return []string{"Authorization", "Bearer " + key} }
	create := func(key string, h ...string) (string, *http.Response) {
		resp, body := do(t, "POST", s.base+"/runbooks", "application/json", acme(t), append(as(key), h...)...)
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &v); err != nil || v.ID == "" || (resp.StatusCode != 200 && resp.StatusCode != 202) {
			t.Fatalf("create: %d %.300s", resp.StatusCode, body)
		}
		return v.ID, resp
	}
	idA, respA := create(keyA)
	idB, _ := create(keyB) // byte-identical request
	if idA == idB {
		t.Fatalf("two keys got the same runbook %s", idA)
	}
	jobA, _ := create(keyA, "Prefer", "respond-async")

	get := func(key, target string, h ...string) int {
		resp, body := do(t, "GET", s.base+target, "", nil, append(as(key), h...)...)
		if resp.StatusCode == 404 && strings.Contains(string(body), "team-a") {
			t.Errorf("%s: the 404 names the owner", target)
		}
		return resp.StatusCode
	}
	for _, target := range []string{"/runbooks/" + idA, "/runbooks/" + idA + "?format=md", "/runbooks/" + jobA, "/runbooks/" + idA + "/events", "/runbooks/" + jobA + "/events"} {
		if code := get(keyB, target); code != 404 {
			t.Errorf("team-b reads team-a's %s: %d, want 404", target, code)
		}
		if code := get(keyB, target, "Accept", "text/html"); code != 404 {
			t.Errorf("team-b reads team-a's %s as a page: %d, want 404", target, code)
		}
		if code := get(keyA, target); code != 200 && code != 202 {
			t.Errorf("team-a reads its own %s: %d", target, code)
		}
		if code := get(keyOps, target); code != 200 && code != 202 {
			t.Errorf("the admin key reads %s: %d", target, code)
		}
	}
	if code := get(keyA, "/runbooks/"+idB); code != 404 {
		t.Errorf("team-a reads team-b's runbook: %d", code)
	}
	// The signed link handed to team-a opens that runbook only, without a key.
	link := strings.TrimSuffix(strings.TrimPrefix(strings.Split(respA.Header.Get("Link"), ";")[0], "<"), ">")
	if !strings.HasPrefix(link, "/r/"+idA+"?") {
		t.Fatalf("Link %q", respA.Header.Get("Link"))
	}
	if resp, _ := do(t, "GET", s.base+link, "", nil); resp.StatusCode != 200 {
		t.Errorf("signed link: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "GET", s.base+strings.Replace(link, idA, idB, 1), "", nil); resp.StatusCode != 403 {
		t.Errorf("team-a's link opens team-b's runbook: %d", resp.StatusCode)
	}
	// Wait for the job so the server stops cleanly.
	awaitJob(t, s.base, "/runbooks/"+jobA, as(keyA)...)

	// /metrics: a key, unless opened.
	if resp, _ := do(t, "GET", s.base+"/metrics", "", nil); resp.StatusCode != 401 {
		t.Errorf("/metrics without a key: %d, want 401", resp.StatusCode)
	}
	if code := get(keyB, "/metrics"); code != 200 {
		t.Errorf("/metrics with a key: %d", code)
	}
	open := startServer(t, map[string]string{"ROTOR_API_KEYS": "team-a:sha256:" + keyHash(keyA), "ROTOR_METRICS_OPEN": "1"})
	if resp, _ := do(t, "GET", open.base+"/metrics", "", nil); resp.StatusCode != 200 {
		t.Errorf("/metrics with ROTOR_METRICS_OPEN=1: %d", resp.StatusCode)
	}
}
