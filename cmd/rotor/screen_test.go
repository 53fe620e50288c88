package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"

	"github.com/rotor-dev/rotor/internal/llm/llmtest"
	"github.com/rotor-dev/rotor/internal/secretscan/secrettest"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// redisHolds reports whether any key or value of a Redis database repeats
// one of the windows (strings, hashes such as asynq's tasks, lists, sets).
func redisHolds(t *testing.T, redisURL string, w secrettest.Windows) []string {
	t.Helper()
	ctx := context.Background()
	c := redistest.Client(t, redisURL)
	var found []string
	for _, k := range c.Keys(ctx, "*").Val() {
		var vals []string
		switch c.Type(ctx, k).Val() {
		case "string":
			vals = []string{c.Get(ctx, k).Val()}
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				vals = append(vals, f, v)
			}
		case "list":
			vals = c.LRange(ctx, k, 0, -1).Val()
		case "set":
			vals = c.SMembers(ctx, k).Val()
		case "zset":
			vals = c.ZRange(ctx, k, 0, -1).Val()
		}
		for _, v := range append(vals, k) {
			if w.In(v) {
				found = append(found, k)
			}
		}
	}
	return found
}

// TestDisguisedSecretsOverHTTP sends every credential format of the corpus,
// each in a disguise and a place of the request (rotating through all of
// them), synchronously and with Prefer: respond-async, plus a secret in the
// query (format, sections), the path and a header: every one is a 422
// secret_detected that repeats nothing of the value, and the value reaches
// neither the LLM, nor Redis (cache, job state, asynq queue), nor the log.
func TestDisguisedSecretsOverHTTP(t *testing.T) {
	redisSrv := redistest.Start(t)
	fake := llmtest.New("sk-test-fake")
	defer fake.Close()
	s := startServer(t, map[string]string{"OPENAI_API_KEY": "sk-test-fake", "OPENAI_BASE_URL": fake.BaseURL(), "REDIS_URL": redisSrv.URL,
		"ROTOR_LOG_LEVEL": "debug", "ROTOR_SERVE_WORKERS": "1", "ROTOR_RATE_LIMIT": "100000/m"})
	r := rand.New(rand.NewPCG(21, 21))
	formats, disguises := secrettest.Formats(), secrettest.Disguises()
	base := secrettest.SampleRequest()
	seen := secrettest.Windows{}
	n := 0
	check := func(what string, resp int, body []byte, texts ...string) {
		t.Helper()
		n++
		e := decodeError(t, body)
		if resp != 422 || e.Error.Code != "secret_detected" || len(e.Error.Fields) == 0 {
			t.Errorf("%s: %d %.300s", what, resp, body)
		}
		if secrettest.Echoes(string(body), texts...) {
			t.Errorf("%s: the answer repeats the value: %.300s", what, body)
		}
	}
	for i, f := range formats {
		d := disguises[i%len(disguises)]
		secret := f.Gen(r)
		texts := d.Apply(r, secret)
		seen.Add(append([]string{secret}, texts...)...)
		places := secrettest.Place(base, texts)
		p := places[(i*7)%len(places)]
		for _, async := range []bool{false, true} {
			h := []string{}
			if async {
				h = []string{"Prefer", "respond-async"}
			}
			resp, body := do(t, "POST", s.base+"/runbooks", "application/json", p.Body, h...)
			check(fmt.Sprintf("%s/%s at %s (async %v)", f.Name, d.Name, p.Where, async), resp.StatusCode, body, append([]string{secret}, texts...)...)
		}
	}
	// Where a validation message would quote it: kind, trigger, a field's
	// name, the first copy of a duplicate key, a secret's name (which
	// becomes its id).
	for _, d := range disguises {
		secret := formats[r.IntN(len(formats))].Gen(r)
		texts := d.Apply(r, secret)
		seen.Add(append([]string{secret}, texts...)...)
		for _, p := range secrettest.Place(base, texts) {
			switch p.Where {
			case "secrets[0].kind", "trigger", "unknown field name", "duplicate key", "secrets[0].name", "secrets[0].name+secrets[0].notes":
				resp, body := do(t, "POST", s.base+"/runbooks", "application/json", p.Body)
				check(d.Name+" at "+p.Where, resp.StatusCode, body, append([]string{secret}, texts...)...)
			}
		}
	}
	// Outside the body.
	token := "gh" + "p_" + "R8cKxq2Wm9LzT4vN7pBfY3hJ6sD1aG5eU0iO"
	seen.Add(token)
	for what, target := range map[string]string{
		"format":   "/runbooks?format=" + url.QueryEscape(token),
		"sections": "/runbooks?sections=inventory," + url.QueryEscape(token+"."),
	} {
		resp, body := do(t, "POST", s.base+target, "application/json", base)
		check(what, resp.StatusCode, body, token)
	}
	for what, target := range map[string]string{"runbook id": "/runbooks/" + token, "events": "/runbooks/" + token + "/events", "route": "/" + token} {
		resp, body := do(t, "GET", s.base+target, "", nil)
		if secrettest.Echoes(string(body), token) || (resp.StatusCode != 404 && resp.StatusCode != 422) {
			t.Errorf("%s: %d %.300s", what, resp.StatusCode, body)
		}
	}
	resp, body := do(t, "POST", s.base+"/runbooks", "text/plain; note="+token, base)
	check("Content-Type", resp.StatusCode, body, token)
	resp, _ = do(t, "GET", s.base+"/healthz", "", nil, "X-Request-ID", token)
	if resp.Header.Get("X-Request-ID") == token {
		t.Error("a secret X-Request-ID is returned (and logged)")
	}

	t.Logf("%d requests refused", n)
	if got := len(fake.Requests()); got != 0 {
		t.Errorf("%d requests reached the LLM", got)
	}
	if keys := redisHolds(t, redisSrv.URL, seen); len(keys) > 0 {
		t.Errorf("Redis holds a value under %v", keys)
	}
	if seen.In(s.logs.String()) {
		t.Error("the log repeats a value")
	}
}
