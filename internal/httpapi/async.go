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
)

// JobStore keeps the state of asynchronous jobs.
type JobStore interface {
	Create(ctx context.Context, id string, sections []runbook.SectionID) error
	Get(ctx context.Context, id string) (*jobs.State, error)
}

// Checker validates and screens a request body without generating.
type Checker interface {
	Check(ctx context.Context, body []byte) error
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

// startJob validates and screens the request now (so bad input is a 400 or
// 422 at once), then queues it and answers 202 with where to look.
func startJob(c *gin.Context, d Deps, body []byte, sections []runbook.SectionID) {
	ctx := c.Request.Context()
	if err := d.Checker.Check(ctx, body); err != nil {
		writeError(c, d.Logger, err)
		return
	}
	id := d.NewID()
	if err := d.Jobs.Create(ctx, id, sections); err != nil {
		writeError(c, d.Logger, fmt.Errorf("httpapi: create job: %w", err))
		return
	}
	if err := d.Queue.Enqueue(ctx, jobs.Payload{ID: id, Body: body, Sections: sections}); err != nil {
		writeError(c, d.Logger, fmt.Errorf("httpapi: enqueue job: %w", err))
		return
	}
	if d.OnQueued != nil {
		d.OnQueued()
	}
	c.Header("Location", "/runbooks/"+id)
	c.Header("Preference-Applied", "respond-async")
	c.JSON(http.StatusAccepted, gin.H{"id": id, "status": jobs.Queued, "location": "/runbooks/" + id, "events": "/runbooks/" + id + "/events"})
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
func respondJob(c *gin.Context, st *jobs.State) {
	if st.Status == jobs.Failed {
		c.JSON(http.StatusOK, viewOf(st))
		return
	}
	c.Header("Retry-After", "1")
	c.JSON(http.StatusAccepted, viewOf(st))
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

func sseHeaders(c *gin.Context) {
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.Flush()
}

type sectionEvent struct {
	Section runbook.SectionID     `json:"section"`
	Status  runbook.SectionStatus `json:"status"`
	Content json.RawMessage       `json:"content"`
}

// handleEvents streams a runbook as it is written: each finished section
// (those already done first, for a late client), then the runbook, or the
// error. Last-Event-ID resumes after the sections already received.
func handleEvents(d Deps) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		id := c.Param("id")
		sent := 0
		if n, err := strconv.Atoi(c.GetHeader("Last-Event-ID")); err == nil {
			sent = n
		}
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
		sseHeaders(c)
		if jobErr != nil {
			// Written synchronously: its sections, then the runbook.
			for i, sid := range runbook.SectionIDs {
				if sec := rb.Sections.Get(sid); sec != nil && i+1 > sent {
					content, _ := json.Marshal(sec)
					sse(c, "section", strconv.Itoa(i+1), sectionEvent{Section: sid, Status: rb.SectionStatus[sid], Content: content})
				}
			}
			sse(c, "done", "", rb)
			return
		}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			if st != nil {
				var fresh []runbook.SectionID
				for sid, sec := range st.Sections {
					if sec.Seq > sent {
						fresh = append(fresh, sid)
					}
				}
				sort.Slice(fresh, func(i, j int) bool { return st.Sections[fresh[i]].Seq < st.Sections[fresh[j]].Seq })
				for _, sid := range fresh {
					sec := st.Sections[sid]
					sse(c, "section", strconv.Itoa(sec.Seq), sectionEvent{Section: sid, Status: sec.Status, Content: sec.Content})
					sent = sec.Seq
				}
				switch st.Status {
				case jobs.Failed:
					sse(c, "error", "", gin.H{"error": st.Error})
					return
				case jobs.Done:
					if rb, err := d.Runbooks.Load(ctx, id); err == nil {
						sse(c, "done", "", rb)
						return
					}
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if next, err := d.Jobs.Get(ctx, id); err == nil {
				st = next
			}
		}
	}
}

// streamNow generates in the request and streams each section as it is
// ready, then the runbook. Bad input is refused before the first byte.
func streamNow(c *gin.Context, d Deps, log *slog.Logger, body []byte, sections []runbook.SectionID) {
	ctx := c.Request.Context()
	if err := d.Checker.Check(ctx, body); err != nil {
		writeError(c, log, err)
		return
	}
	req, err := runbook.ParseRequest(body)
	if err != nil {
		writeError(c, log, err)
		return
	}
	events := make(chan sectionEvent, len(runbook.SectionIDs))
	type result struct {
		rb  *runbook.Runbook
		err error
	}
	done := make(chan result, 1)
	go func() {
		rb, err := d.Writer.Generate(ctx, req, generate.Options{Sections: sections,
			OnSection: func(id runbook.SectionID, st runbook.SectionStatus, sec any) {
				content, _ := json.Marshal(sec)
				events <- sectionEvent{Section: id, Status: st, Content: content}
			}})
		close(events)
		done <- result{rb, err}
	}()
	sseHeaders(c)
	n := 0
	for ev := range events {
		n++
		sse(c, "section", strconv.Itoa(n), ev)
	}
	r := <-done
	if r.err != nil {
		code := runbook.ErrorCode(r.err)
		msg := r.err.Error()
		if code == runbook.CodeInternal {
			log.ErrorContext(ctx, "streamed generation failed", "err", r.err)
			msg = "internal error"
		}
		sse(c, "error", "", gin.H{"error": jobs.ErrorBody{Code: code, Message: msg}})
		return
	}
	if err := d.Runbooks.Save(ctx, r.rb); err != nil {
		log.WarnContext(ctx, "runbook not stored", "id", r.rb.ID, "err", err)
	}
	sse(c, "done", "", r.rb)
}
