package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/httpapi"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/slackbot"
)

const slackSecret = "slack-signing-secret-for-tests"

// signedSlack is a request signed as Slack signs it (v0, HMAC-SHA256 over
// "v0:<timestamp>:<body>").
func signedSlack(t *testing.T, target, body string) *http.Request {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(slackSecret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req := httptest.NewRequest("POST", target, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return req
}

// interaction is a block_actions payload as Slack posts it.
func interaction(action, value, team, responseURL string) string {
	p := map[string]any{"type": "block_actions", "team": map[string]string{"id": team}, "user": map[string]string{"id": "U1"},
		"response_url": responseURL, "actions": []map[string]string{{"action_id": action, "block_id": "runbook_actions", "value": value, "type": "button"}}}
	data, _ := json.Marshal(p)
	return "payload=" + url.QueryEscape(string(data))
}

// TestSlackShareToChannel: the "Share to channel" button of a runbook
// message, signed like the command, posts the runbook to the channel
// (in_channel) through the interaction's response_url; forged, replayed or
// another workspace's requests post nothing.
func TestSlackShareToChannel(t *testing.T) {
	posted := make(chan map[string]any, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		posted <- m
	}))
	defer hook.Close()
	hookURL, _ := url.Parse(hook.URL)
	scan, err := secretscan.New()
	if err != nil {
		t.Fatal(err)
	}
	tasks := httpapi.NewTasks(time.Minute)
	f := newFixture(t, func(d *httpapi.Deps) {
		d.Screener, d.Tasks = scan, tasks
		d.Slack = httpapi.Slack{Secrets: []string{slackSecret}, ResponseHosts: []string{hookURL.Host}, PublicURL: "https://rotor.example.com"}
	})
	if err := f.rbs.Save(context.Background(), hostileRunbook("rb_slack"), "slack:T1"); err != nil {
		t.Fatal(err)
	}
	respond := hook.URL + "/actions/T1/1/abc"

	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, signedSlack(t, "/slack/interactions", interaction(slackbot.ShareToChannel, "rb_slack", "T1", respond)))
	if w.Code != 200 {
		t.Fatalf("share: %d %s", w.Code, w.Body)
	}
	tasks.Shutdown(context.Background())
	select {
	case m := <-posted:
		if m["response_type"] != "in_channel" || !strings.Contains(fmt.Sprint(m["blocks"]), "Rotation runbook") {
			t.Errorf("posted %v", m)
		}
	default:
		t.Fatal("nothing posted to the channel")
	}

	// Forged, replayed, another workspace's runbook: nothing posted.
	forged := signedSlack(t, "/slack/interactions", interaction(slackbot.ShareToChannel, "rb_slack", "T1", respond))
	forged.Header.Set("X-Slack-Signature", "v0="+strings.Repeat("0", 64))
	replayBody := interaction(slackbot.ShareToChannel, "rb_slack", "T1", respond+"?r")
	first := signedSlack(t, "/slack/interactions", replayBody)
	again := first.Clone(context.Background())
	again.Body = io.NopCloser(strings.NewReader(replayBody))
	other := signedSlack(t, "/slack/interactions", interaction(slackbot.ShareToChannel, "rb_slack", "T2", respond))
	// In this order: the replay must come after the request it replays (a
	// map's random order let the replay go first and be accepted).
	for _, c := range []struct {
		name string
		req  *http.Request
		want int
	}{{"forged", forged, 401}, {"first", first, 200}, {"replayed", again, 401}, {"other workspace", other, 200}} {
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, c.req)
		if w.Code != c.want {
			t.Errorf("%s: %d %s", c.name, w.Code, w.Body)
		}
	}
	tasks.Shutdown(context.Background())
	shared := 0
	for len(posted) > 0 {
		m := <-posted
		switch {
		case m["response_type"] == "in_channel":
			shared++
		case strings.Contains(fmt.Sprint(m), "Rotation runbook"):
			t.Errorf("another workspace was shown the runbook: %v", m)
		}
	}
	if shared != 1 {
		t.Errorf("%d shares, want only the first signed one (the other workspace is told it is not available, to itself)", shared)
	}

	// The message itself offers both buttons, the link one opening the page.
	msg, _ := json.Marshal(slackbot.Message(hostileRunbook("rb_slack"), "https://rotor.example.com/r/rb_slack?exp=1&sig=x"))
	for _, want := range []string{`"action_id":"` + slackbot.ShareToChannel + `"`, `"action_id":"` + slackbot.OpenRunbook + `"`, `"url":"https://rotor.example.com/r/rb_slack?exp=1\u0026sig=x"`, `"value":"rb_slack"`} {
		if !strings.Contains(string(msg), want) {
			t.Errorf("message lacks %s", want)
		}
	}
}

// TestSlackManifest: slack/manifest.yaml installs the app with the command
// and the interactivity URL rotor serves, and only the scope it needs.
func TestSlackManifest(t *testing.T) {
	data, err := os.ReadFile("../../slack/manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		DisplayInformation struct{ Name string } `yaml:"display_information"`
		Features           struct {
			SlashCommands []struct {
				Command, URL string
			} `yaml:"slash_commands"`
		}
		OAuthConfig struct {
			Scopes struct{ Bot []string }
		} `yaml:"oauth_config"`
		Settings struct {
			Interactivity struct {
				IsEnabled  bool   `yaml:"is_enabled"`
				RequestURL string `yaml:"request_url"`
			}
		}
	}
	if err := yaml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, r := range httpapi.RouteTable() {
		paths[r.Method+" "+r.Path] = true
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/rotate" {
		t.Fatalf("slash commands %+v", m.Features.SlashCommands)
	}
	for what, raw := range map[string]string{"command": m.Features.SlashCommands[0].URL, "interactivity": m.Settings.Interactivity.RequestURL} {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || !paths["POST "+u.Path] {
			t.Errorf("%s URL %q is not an https URL of a route rotor serves", what, raw)
		}
	}
	if !m.Settings.Interactivity.IsEnabled || strings.Join(m.OAuthConfig.Scopes.Bot, ",") != "commands" {
		t.Errorf("interactivity %v, scopes %v", m.Settings.Interactivity.IsEnabled, m.OAuthConfig.Scopes.Bot)
	}
}
