package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/slack-go/slack"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/replay"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/secretscan"
	"github.com/rotor-dev/rotor/internal/slackbot"
	"github.com/rotor-dev/rotor/internal/telemetry"
)

// Slack configures the /rotate slash command. It is off without secrets.
type Slack struct {
	// Secrets are the signing secrets; any one verifies a request.
	Secrets []string
	// ResponseHosts are the hosts rotor will POST results to.
	ResponseHosts []string
	// PublicURL, when set, makes the posted message link to the runbook's
	// page (a signed link: see Links).
	PublicURL string
	// Intake reads the command with an LLM; nil uses the deterministic parser.
	Intake Intake
	// Client posts to response_url (default: 10 s timeout). Redirects are
	// never followed, whatever client is given: an allowed host answering
	// 307 must not make rotor post the runbook elsewhere.
	Client *http.Client
	// Replays remembers the signatures accepted (default: this process
	// only); a signed request is accepted once.
	Replays ReplayGuard
}

// ReplayGuard answers whether a key is seen for the first time within ttl.
type ReplayGuard interface {
	First(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// replayWindow is how long a signature stays valid: Slack's timestamps are
// accepted up to 5 minutes either side of now.
const replayWindow = 10 * time.Minute

// unscreened are the form fields Slack fills with credentials and links
// meant for rotor: the verification token, the response_url (checked
// against SLACK_RESPONSE_HOSTS instead; only its host is screened, as it
// may be logged) and the trigger id. Every other field is screened.
var unscreened = map[string]bool{"token": true, "response_url": true, "trigger_id": true}

// Intake turns free command text into a request.
type Intake interface {
	Parse(ctx context.Context, text, defaultSystem string) (*runbook.Request, error)
}

// RunbookWriter writes runbooks from parsed requests.
type RunbookWriter interface {
	Generate(ctx context.Context, req *runbook.Request, opts generate.Options) (*runbook.Runbook, error)
}

// TextScreener checks strings for live secrets.
type TextScreener interface {
	ScanValue(path, value string) []secretscan.Hit
	ScanTexts(ts []secretscan.Text) []secretscan.Hit
}

// slackTexts lists the form's fields to screen, in a stable order.
func slackTexts(form url.Values) []secretscan.Text {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ts []secretscan.Text
	for _, k := range keys {
		if k == "response_url" {
			if u, err := url.Parse(form.Get(k)); err == nil {
				ts = append(ts, secretscan.Text{Path: "response_url host", Value: u.Host})
			}
			continue
		}
		if unscreened[k] {
			continue
		}
		for _, v := range form[k] {
			ts = append(ts, secretscan.Text{Path: k, Value: v})
		}
	}
	return ts
}

// Tasks runs background work (Slack generations) that must finish, or be
// cut off, before the process exits.
type Tasks struct {
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
	limit  time.Duration
}

// NewTasks returns a task group whose work is bounded by limit each.
func NewTasks(limit time.Duration) *Tasks {
	ctx, cancel := context.WithCancel(context.Background())
	return &Tasks{ctx: ctx, cancel: cancel, limit: limit}
}

// Go runs f in the background.
func (t *Tasks) Go(f func(ctx context.Context)) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(t.ctx, t.limit)
		defer cancel()
		f(ctx)
	}()
}

// Shutdown waits for running work until ctx ends, then cancels it.
func (t *Tasks) Shutdown(ctx context.Context) {
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.cancel()
		<-done
	}
}

func ephemeral(c *gin.Context, msg string) {
	c.JSON(http.StatusOK, slackbot.Ephemeral(msg))
}

// slackClient is the client posting to response_url: redirects are never
// followed, whatever client is given.
func slackClient(cfg Slack) *http.Client {
	client := &http.Client{Timeout: 10 * time.Second}
	if cfg.Client != nil {
		c := *cfg.Client
		client = &c
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return client
}

// slackBody reads a request from Slack and checks it: configured, signed
// by a current secret, and not seen before (a signature is accepted once).
// It answers the refusal itself and returns ok false.
func slackBody(c *gin.Context, cfg Slack, replays ReplayGuard, log *slog.Logger) ([]byte, bool) {
	if len(cfg.Secrets) == 0 {
		writeError(c, log, runbook.Errorf(runbook.CodeNotFound, "the Slack command is not configured"))
		return nil, false
	}
	body, err := readLimited(c, 64<<10)
	if err != nil {
		writeError(c, log, err)
		return nil, false
	}
	if err := slackbot.Verify(c.Request.Header, body, cfg.Secrets); err != nil {
		writeError(c, log, &runbook.Error{Code: runbook.CodeUnauthorized, Message: "unauthorized"})
		return nil, false
	}
	first, err := replays.First(c.Request.Context(), "slack-sig:"+c.GetHeader("X-Slack-Signature"), replayWindow)
	if err != nil {
		log.DebugContext(c.Request.Context(), "slack replay guard degraded to this process", "err", err)
	}
	if !first {
		log.WarnContext(c.Request.Context(), "slack request refused: signature already used (replay)")
		writeError(c, log, &runbook.Error{Code: runbook.CodeUnauthorized, Message: "unauthorized"})
		return nil, false
	}
	return body, true
}

func handleSlack(d Deps) gin.HandlerFunc {
	cfg, log := d.Slack, d.Logger
	client := slackClient(cfg)
	replays := cfg.Replays
	if replays == nil {
		replays = replay.NewMemory()
	}
	return func(c *gin.Context) {
		body, ok := slackBody(c, cfg, replays, log)
		if !ok {
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			writeError(c, log, runbook.Errorf(runbook.CodeInvalid, "the body is not a Slack command form"))
			return
		}
		// Screen first, every field: a pasted secret (in the text, a channel
		// or user name, anywhere) is not parsed, logged or sent on.
		if hits := secretscan.Refusals(d.Screener.ScanTexts(slackTexts(form))); len(hits) > 0 {
			log.WarnContext(c.Request.Context(), "slack command refused: secret-looking value", "field", hits[0].Path, "rule", hits[0].Rule)
			ephemeral(c, fmt.Sprintf(":warning: Your command contains what looks like a live secret (rule %s, in %s). rotor did not store, log or forward it. "+
				"Treat it as exposed: rotate it now, and delete the message from Slack. Name secrets, never paste them.", hits[0].Rule, hits[0].Path))
			return
		}
		text, user := form.Get("text"), form.Get("user_id")
		system := "#" + form.Get("channel_name")
		req, help, perr := slackbot.Parse(text, system)
		if help {
			ephemeral(c, slackbot.Help)
			return
		}
		if perr != nil && cfg.Intake == nil {
			ephemeral(c, "I could not read that: "+problems(perr)+"\n"+slackbot.Help)
			return
		}
		responseURL := form.Get("response_url")
		if !slackbot.AllowedResponseURL(responseURL, cfg.ResponseHosts) {
			u, _ := url.Parse(responseURL)
			host := ""
			if u != nil {
				host = u.Host
			}
			log.WarnContext(c.Request.Context(), "slack command refused: response_url host not allowed", "host", host, "user", user)
			ephemeral(c, "rotor cannot answer this workspace: its response URL is not on SLACK_RESPONSE_HOSTS.")
			return
		}
		carried := telemetry.Carry(c.Request.Context())
		d.Tasks.Go(func(ctx context.Context) {
			slackJob(carried.Resume(ctx), d, client, text, system, req, perr, responseURL, form.Get("team_id"))
		})
		what := "your request"
		if req != nil {
			var names []string
			for _, s := range req.Secrets {
				names = append(names, s.Name)
			}
			what = fmt.Sprintf("%s (%s)", req.System, strings.Join(names, ", "))
		}
		ephemeral(c, fmt.Sprintf(":hourglass_flowing_sand: Writing a rotation runbook for %s. It will be posted here shortly.", what))
	}
}

// handleSlackActions answers the buttons of a runbook message (Slack's
// interactivity URL), verified like the command: "Share to channel" posts
// the runbook for everyone in the channel through the interaction's
// response_url, for a runbook of the workspace pressing it; "Open runbook"
// (a link button) and the open items' boxes are acknowledged.
func handleSlackActions(d Deps) gin.HandlerFunc {
	cfg, log := d.Slack, d.Logger
	client := slackClient(cfg)
	replays := cfg.Replays
	if replays == nil {
		replays = replay.NewMemory()
	}
	return func(c *gin.Context) {
		body, ok := slackBody(c, cfg, replays, log)
		if !ok {
			return
		}
		form, err := url.ParseQuery(string(body))
		var cb slack.InteractionCallback
		if err == nil {
			err = json.Unmarshal([]byte(form.Get("payload")), &cb)
		}
		if err != nil {
			writeError(c, log, runbook.Errorf(runbook.CodeInvalid, "the body is not a Slack interaction"))
			return
		}
		c.Status(http.StatusOK)
		for _, a := range cb.ActionCallback.BlockActions {
			if a.ActionID != slackbot.ShareToChannel {
				continue
			}
			if !slackbot.AllowedResponseURL(cb.ResponseURL, cfg.ResponseHosts) {
				log.WarnContext(c.Request.Context(), "slack share refused: response_url host not allowed")
				continue
			}
			id, team, responseURL := a.Value, cb.Team.ID, cb.ResponseURL
			carried := telemetry.Carry(c.Request.Context())
			d.Tasks.Go(func(ctx context.Context) {
				ctx = carried.Resume(ctx)
				post := func(msg *slack.WebhookMessage) {
					if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, client, msg); err != nil {
						log.WarnContext(ctx, "slack response_url post failed (redirects are not followed)", "err", err)
					}
				}
				// Only a runbook of this workspace is shared (as the command
				// made it): another id is not found, as for anyone else.
				owner, err := d.Runbooks.Owner(ctx, id)
				rb, lerr := d.Runbooks.Load(ctx, id)
				if err != nil || lerr != nil || owner != "slack:"+team {
					post(&slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: false,
						Text: "That runbook is no longer available (it is older than ROTOR_RUNBOOK_TTL, or not this workspace's)."})
					return
				}
				link := ""
				if cfg.PublicURL != "" {
					link = strings.TrimRight(cfg.PublicURL, "/") + d.Links.Page(id)
				}
				msg := slackbot.Message(rb, link)
				msg.ResponseType, msg.ReplaceOriginal = slack.ResponseTypeInChannel, false
				post(msg)
			})
		}
	}
}

// slackJob runs after the acknowledgement: read the command (with the LLM
// intake when configured), generate, and post the result to response_url.
func slackJob(ctx context.Context, d Deps, client *http.Client, text, system string, req *runbook.Request, perr error, responseURL, team string) {
	log := d.Logger
	post := func(msg *slack.WebhookMessage) {
		// A redirect is answered as an error (the client never follows one).
		if err := slack.PostWebhookCustomHTTPContext(ctx, responseURL, client, msg); err != nil {
			log.WarnContext(ctx, "slack response_url post failed (redirects are not followed)", "err", err)
		}
	}
	if d.Slack.Intake != nil {
		if r, err := d.Slack.Intake.Parse(ctx, text, system); err == nil {
			req, perr = r, nil
		} else if req == nil {
			log.InfoContext(ctx, "slack intake failed", "err", err)
		}
	}
	if req == nil {
		post(&slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: "I could not read that: " + problems(perr) + "\n" + slackbot.Help})
		return
	}
	opts := generate.Options{}
	if d.WorkLimiter != nil {
		// The workspace's work counts against its own budget.
		opts.Admit = func(w generate.Work) error { _, err := spend(ctx, d, "slack:"+team, w); return err }
	}
	rb, err := d.Writer.Generate(ctx, req, opts)
	if err != nil {
		msg := "rotor could not write this runbook: " + problems(err)
		if runbook.ErrorCode(err) == runbook.CodeInternal {
			msg = "rotor could not write this runbook (internal error); the logs have the details."
		}
		post(&slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: msg})
		return
	}
	// A Slack-created runbook belongs to the workspace, not to an API key:
	// it is read through the signed link posted with it (or an :admin key).
	if err := d.Runbooks.Save(ctx, rb, "slack:"+team); err != nil {
		log.WarnContext(ctx, "runbook not stored", "id", rb.ID, "err", err)
	}
	link := ""
	if d.Slack.PublicURL != "" {
		// A signed, expiring link: a browser opens it without an API key,
		// and it opens this runbook only.
		link = strings.TrimRight(d.Slack.PublicURL, "/") + d.Links.Page(rb.ID)
	}
	post(slackbot.Message(rb, link))
}

// problems lists a validation error's fields for a person.
func problems(err error) string {
	var ve *runbook.ValidationError
	var re *runbook.Error
	var fields []runbook.FieldError
	switch {
	case errors.As(err, &ve):
		fields = ve.Fields
	case errors.As(err, &re):
		fields = re.Fields
		if len(fields) == 0 {
			return re.Message
		}
	case err != nil:
		return err.Error()
	}
	var parts []string
	for _, f := range fields {
		parts = append(parts, strings.TrimPrefix(f.Path+": ", ": ")+f.Problem)
	}
	return strings.Join(parts, "; ")
}
