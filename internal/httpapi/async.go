package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/telemetry"
)

// JobStore keeps the state of asynchronous jobs.
type JobStore interface {
	Create(ctx context.Context, id string, sections []runbook.SectionID, owner string) error
	Get(ctx context.Context, id string) (*jobs.State, error)
}

// Checker screens, validates and plans a request body without writing it
// (asking opts.Admit), and returns the request.
type Checker interface {
	Check(ctx context.Context, body []byte, opts generate.Options) (*generate.Checked, error)
}

// wantsAsync reads Prefer: respond-async (RFC 7240).
func wantsAsync(c *gin.Context) bool {
	for _, v := range c.Request.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(strings.SplitN(p, ";", 2)[0]), "respond-async") {
				return true
			}
		}
	}
	return false
}

// startJob screens and validates the request now (so bad input is a 400 or
// 422 at once), then queues it and answers 202 with where to look. The queue
// (Redis, when there is one) holds the request as rotor decoded it, never
// the body as sent: nothing unscreened, no unknown field, no second copy of
// a duplicate key.
func startJob(c *gin.Context, d Deps, body []byte, sections []runbook.SectionID) {
	ctx := c.Request.Context()
	checked, err := d.Checker.Check(ctx, body, generate.Options{Admit: admit(c, d, limitKey(c))})
	if err != nil {
		writeError(c, d.Logger, err)
		return
	}
	canonical, err := json.Marshal(checked.Request)
	if err != nil {
		writeError(c, d.Logger, fmt.Errorf("httpapi: encode job request: %w", err))
		return
	}
	id := d.NewID()
	if err := d.Jobs.Create(ctx, id, sections, owner(c)); err != nil {
		queueDown(c, d, fmt.Errorf("httpapi: create job: %w", err))
		return
	}
	if err := d.Queue.Enqueue(ctx, jobs.Payload{ID: id, Body: canonical, Sections: sections, Owner: owner(c), Trace: telemetry.Carry(ctx)}); err != nil {
		queueDown(c, d, fmt.Errorf("httpapi: enqueue job: %w", err))
		return
	}
	if d.OnQueued != nil {
		d.OnQueued()
	}
	st, err := d.Jobs.Get(ctx, id)
	if err != nil {
		// Queued all the same: answer with what was just recorded.
		st = &jobs.State{ID: id, Status: jobs.Queued, Requested: sections, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
		if len(sections) == 0 {
			st.Requested = section.IDs()
		}
	}
	c.Header("Location", "/runbooks/"+id)
	c.Header("Preference-Applied", "respond-async")
	pageLink(c, d, id)
	c.JSON(http.StatusAccepted, jobViewFor(d, st))
}

// queueDown answers a request that could not be queued (Redis does not
// answer): 503 with Retry-After, the request not taken; the cause is logged.
func queueDown(c *gin.Context, d Deps, err error) {
	d.Logger.ErrorContext(c.Request.Context(), "job not queued", "err", err)
	c.Header("Retry-After", "5")
	writeError(c, d.Logger, &runbook.Error{Code: runbook.CodeUnavailable,
		Message: "the job queue does not answer just now: the request was not queued; retry in a few seconds, or send it without Prefer: respond-async"})
}

// readable answers 404 and returns false when the caller may not read the
// runbook or job id (mayRead): to another API key, it does not exist.
func readable(c *gin.Context, d Deps, id string) bool {
	if c.GetBool(openKey) || c.GetBool(keyAdminKey) {
		return true
	}
	ctx := c.Request.Context()
	createdBy, err := d.Runbooks.Owner(ctx, id)
	if runbook.ErrorCode(err) == runbook.CodeNotFound && d.Jobs != nil {
		var st *jobs.State
		if st, err = d.Jobs.Get(ctx, id); err == nil {
			createdBy = st.Owner
		}
	}
	switch {
	case err != nil && runbook.ErrorCode(err) != runbook.CodeNotFound:
		writeError(c, d.Logger, err)
		return false
	case err != nil || !mayRead(c, createdBy):
		writeError(c, d.Logger, runbook.Errorf(runbook.CodeNotFound, "no runbook or job with id %q", id))
		return false
	}
	return true
}

// jobView is a job's state without the sections' content.
type jobView struct {
	ID        string                       `json:"id"`
	Status    jobs.Status                  `json:"status"`
	Attempt   int                          `json:"attempt"`
	Worker    string                       `json:"worker,omitempty"`
	Progress  map[runbook.SectionID]string `json:"progress"`
	Requested []runbook.SectionID          `json:"requested"`
	Error     *jobs.ErrorBody              `json:"error,omitempty"`
	CreatedAt time.Time                    `json:"created_at"`
	UpdatedAt time.Time                    `json:"updated_at"`
	Location  string                       `json:"location"`
	Events    string                       `json:"events"`
	// Page is the job's page behind a signed link (no API key needed).
	Page string `json:"page"`
}

func viewOf(st *jobs.State) jobView {
	v := jobView{ID: st.ID, Status: st.Status, Attempt: st.Attempt, Worker: st.Worker, Progress: map[runbook.SectionID]string{},
		Requested: st.Requested, Error: st.Error, CreatedAt: st.CreatedAt, UpdatedAt: st.UpdatedAt}
	for _, id := range st.Requested {
		v.Progress[id] = "pending"
		if s, ok := st.Sections[id]; ok {
			v.Progress[id] = string(s.Status.Source)
		}
	}
	return v
}

// respondJob answers GET /runbooks/{id} for a job not finished yet: 202 with
// its progress while queued or running, 200 with the error once failed.
// jobViewFor is the Job of the contract: the state and where to look.
func jobViewFor(d Deps, st *jobs.State) jobView {
	v := viewOf(st)
	v.Location, v.Events, v.Page = "/runbooks/"+st.ID, "/runbooks/"+st.ID+"/events", d.Links.Page(st.ID)
	return v
}

func respondJob(c *gin.Context, d Deps, st *jobs.State) {
	v := jobViewFor(d, st)
	if st.Status == jobs.Failed {
		c.JSON(http.StatusOK, v)
		return
	}
	c.Header("Retry-After", "1")
	c.JSON(http.StatusAccepted, v)
}

// sse writes one Server-Sent Event.
func sse(c *gin.Context, event, id string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		return
	}
	if id != "" {
		fmt.Fprintf(c.Writer, "id: %s\n", id)
	}
	fmt.Fprintf(c.Writer, "event: %s\ndata: %s\n\n", event, b)
	c.Writer.Flush()
}

// sseRetryMS is the reconnection delay a stream asks EventSource to use.
const sseRetryMS = 3000

// DefaultHeartbeat is how often an idle stream sends a comment, well under
// the 60 s idle timeout of common proxies and load balancers.
const DefaultHeartbeat = 15 * time.Second

// sseHeaders starts a stream: headers, then the reconnection delay.
func sseHeaders(c *gin.Context) {
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	fmt.Fprintf(c.Writer, "retry: %d\n\n", sseRetryMS)
	c.Writer.Flush()
}

// heartbeat writes a comment line: proxies see traffic, EventSource ignores it.
func heartbeat(c *gin.Context) {
	fmt.Fprint(c.Writer, ": keep-alive\n\n")
	c.Writer.Flush()
}

type sectionEvent struct {
	Section runbook.SectionID     `json:"section"`
	Status  runbook.SectionStatus `json:"status"`
	Content json.RawMessage       `json:"content"`
}

// Event ids. A section event's id names every section the client has been
// sent so far ("s" and a hex bit set over section.IDs()), so
// Last-Event-ID resumes exactly, whatever order sections finish in and
// however often the job is retried. The final event (done or error) has id
// "end": a client reconnecting with it gets 204, which tells EventSource to
// stop, instead of the whole runbook again.
const endEventID = "end"

type sentSet uint32

func (s sentSet) has(id runbook.SectionID) bool     { return s&(1<<sectionIndex(id)) != 0 }
func (s sentSet) with(id runbook.SectionID) sentSet { return s | 1<<sectionIndex(id) }
func (s sentSet) id() string                        { return "s" + strconv.FormatUint(uint64(s), 16) }

func sectionIndex(id runbook.SectionID) int {
	for i, s := range section.IDs() {
		if s == id {
			return i
		}
	}
	return len(section.IDs()) // never a real section: harmless bit
}

// parseLastEventID reads a reconnecting client's Last-Event-ID.
func parseLastEventID(v string) (sent sentSet, end bool) {
	if v == endEventID {
		return 0, true
	}
	if hex, ok := strings.CutPrefix(v, "s"); ok {
		if n, err := strconv.ParseUint(hex, 16, 32); err == nil {
			return sentSet(n), false
		}
	}
	return 0, false
}

func handleEvents(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		if id := c.Param("id"); readable(c, d, id) {
			streamEvents(c, d, id)
		}
	}
}

// streamEvents streams a runbook as it is written: each finished section
// (those already done first, for a late client), then the runbook, or the
// error, then the stream ends. Comments keep an idle stream alive.
func streamEvents(c *gin.Context, d Deps, id string) {
	ctx := c.Request.Context()
	sent, ended := parseLastEventID(c.GetHeader("Last-Event-ID"))
	var st *jobs.State
	jobErr := error(runbook.Errorf(runbook.CodeNotFound, "no job %q", id))
	if d.Jobs != nil {
		st, jobErr = d.Jobs.Get(ctx, id)
	}
	rb, rbErr := d.Runbooks.Load(ctx, id)
	if jobErr != nil && rbErr != nil {
		writeError(c, d.Logger, rbErr)
		return
	}
	if ended && (rbErr == nil || st.Status == jobs.Failed) {
		c.Status(http.StatusNoContent)
		return
	}
	sseHeaders(c)
	if c.Request.Method == http.MethodHead {
		// HEAD: the stream exists; its events are for GET.
		c.Status(http.StatusOK)
		return
	}
	if jobErr != nil {
		// Written synchronously: its sections, then the runbook.
		for _, sec := range section.All {
			if sid := sec.ID(); sec.Present(&rb.Sections) && !sent.has(sid) {
				content, _ := sec.Encode(&rb.Sections)
				sent = sent.with(sid)
				sse(c, "section", sent.id(), sectionEvent{Section: sid, Status: rb.SectionStatus[sid], Content: content})
			}
		}
		sse(c, "done", endEventID, rb)
		return
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	beat := time.NewTicker(d.heartbeat())
	defer beat.Stop()
	for {
		var fresh []runbook.SectionID
		for sid := range st.Sections {
			if !sent.has(sid) {
				fresh = append(fresh, sid)
			}
		}
		sort.Slice(fresh, func(i, j int) bool { return st.Sections[fresh[i]].Seq < st.Sections[fresh[j]].Seq })
		for _, sid := range fresh {
			sec := st.Sections[sid]
			sent = sent.with(sid)
			sse(c, "section", sent.id(), sectionEvent{Section: sid, Status: sec.Status, Content: sec.Content})
			beat.Reset(d.heartbeat())
		}
		switch st.Status {
		case jobs.Failed:
			sse(c, "error", endEventID, gin.H{"error": st.Error})
			return
		case jobs.Done:
			if rb, err := d.Runbooks.Load(ctx, id); err == nil {
				sse(c, "done", endEventID, rb)
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			heartbeat(c)
		case <-tick.C:
		}
		if next, err := d.Jobs.Get(ctx, id); err == nil {
			st = next
		}
	}
}

// streamNow generates in the request and streams each section as it is
// ready, then the runbook. Bad input is refused before the first byte.
func streamNow(c *gin.Context, d Deps, log *slog.Logger, body []byte, sections []runbook.SectionID) {
	ctx := c.Request.Context()
	checked, err := d.Checker.Check(ctx, body, generate.Options{Admit: admit(c, d, limitKey(c))})
	if err != nil {
		writeError(c, log, err)
		return
	}
	req := checked.Request
	events := make(chan sectionEvent, len(section.IDs()))
	type result struct {
		rb  *runbook.Runbook
		err error
	}
	done := make(chan result, 1)
	go func() {
		rb, err := d.Writer.Generate(ctx, req, generate.Options{Sections: sections, Checked: checked,
			OnSection: func(id runbook.SectionID, st runbook.SectionStatus, content json.RawMessage) {
				events <- sectionEvent{Section: id, Status: st, Content: content}
			}})
		close(events)
		done <- result{rb, err}
	}()
	sseHeaders(c)
	var sent sentSet
	beat := time.NewTicker(d.heartbeat())
	defer beat.Stop()
	for in := events; in != nil; {
		select {
		case ev, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			sent = sent.with(ev.Section)
			sse(c, "section", sent.id(), ev)
			beat.Reset(d.heartbeat())
		case <-beat.C:
			heartbeat(c)
		}
	}
	r := <-done
	if r.err != nil {
		code := runbook.ErrorCode(r.err)
		msg := r.err.Error()
		if code == runbook.CodeInternal {
			log.ErrorContext(ctx, "streamed generation failed", "err", r.err)
			msg = "internal error"
		}
		sse(c, "error", endEventID, gin.H{"error": jobs.ErrorBody{Code: code, Message: msg}})
		return
	}
	if err := d.Runbooks.Save(ctx, r.rb, owner(c)); err != nil {
		log.WarnContext(ctx, "runbook not stored", "id", r.rb.ID, "err", err)
	}
	sse(c, "done", endEventID, r.rb)
}
