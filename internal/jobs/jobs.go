// Package jobs runs runbook generations asynchronously: a job's state
// (queued, running, done, failed, with per-section progress) lives in the
// shared store so any replica can report it, and the work runs on an asynq
// queue in Redis (any worker process takes it; a job whose worker dies is
// retried elsewhere) or, without Redis, on goroutines in this process.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/section"
	"github.com/rotor-dev/rotor/internal/store"
	"github.com/rotor-dev/rotor/internal/telemetry"
)

// Status of a job.
type Status string

// Job statuses.
const (
	Queued  Status = "queued"
	Running Status = "running"
	Done    Status = "done"
	Failed  Status = "failed"
)

// Section is one finished section of a job.
type Section struct {
	Status  runbook.SectionStatus `json:"status"`
	Content json.RawMessage       `json:"content"`
	// Seq orders sections by completion, so streams replay them in order.
	Seq int `json:"seq"`
}

// State is what GET /runbooks/{id} shows while a job runs.
type State struct {
	ID      string `json:"id"`
	Status  Status `json:"status"`
	Attempt int    `json:"attempt"`
	// Owner is whom the job and its runbook belong to (see
	// repository.Runbooks.Save).
	Owner string `json:"owner,omitempty"`
	// Worker names the process running (or that ran) the job.
	Worker    string                         `json:"worker,omitempty"`
	Sections  map[runbook.SectionID]*Section `json:"sections"`
	Requested []runbook.SectionID            `json:"requested"`
	Error     *ErrorBody                     `json:"error,omitempty"`
	CreatedAt time.Time                      `json:"created_at"`
	UpdatedAt time.Time                      `json:"updated_at"`
}

// ErrorBody is a failed job's error, as the HTTP contract shapes errors.
type ErrorBody struct {
	Code    runbook.Code `json:"code"`
	Message string       `json:"message"`
}

// Payload is what a queued job carries: the raw request and the options.
type Payload struct {
	ID string `json:"id"`
	// Body is the request as rotor decoded it (screened, canonical JSON),
	// never the body as sent.
	Body     json.RawMessage     `json:"body"`
	Sections []runbook.SectionID `json:"sections"`
	// Owner is whom the runbook will belong to.
	Owner string `json:"owner,omitempty"`
	// Trace carries the request id and trace context of the request that
	// queued the job: the job's spans and log lines name them.
	Trace telemetry.Carrier `json:"trace,omitempty"`
}

// Store keeps job states (the shared cache: Redis or in-process).
type Store struct {
	store store.Store
	ttl   time.Duration
	// mu serialises updates of a job within this process: its sections
	// finish concurrently. A job runs in one process at a time.
	mu sync.Mutex
}

// NewStore keeps states in s for ttl.
func NewStore(s store.Store, ttl time.Duration) *Store { return &Store{store: s, ttl: ttl} }

func key(id string) string { return "job:" + id }

// Get returns a job's state, or a not_found error.
func (s *Store) Get(ctx context.Context, id string) (*State, error) {
	data, err := s.store.Get(ctx, key(id))
	if errors.Is(err, store.ErrMiss) {
		return nil, runbook.Errorf(runbook.CodeNotFound, "no runbook or job with id %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: get %s: %w", id, err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("jobs: decode %s: %w", id, err)
	}
	return &st, nil
}

func (s *Store) put(ctx context.Context, st *State) error {
	st.UpdatedAt = time.Now().UTC()
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return s.store.Set(context.WithoutCancel(ctx), key(st.ID), data, s.ttl)
}

// Create records a new queued job of owner.
func (s *Store) Create(ctx context.Context, id string, sections []runbook.SectionID, owner string) error {
	now := time.Now().UTC()
	if len(sections) == 0 {
		sections = section.IDs()
	}
	return s.put(ctx, &State{ID: id, Status: Queued, Owner: owner, Sections: map[runbook.SectionID]*Section{}, Requested: sections, CreatedAt: now})
}

// update applies f to a job's state.
func (s *Store) update(ctx context.Context, id string, f func(*State)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	f(st)
	return s.put(ctx, st)
}

// Runner does a job's work: generate the runbook, recording each section as
// it finishes, then store the runbook.
type Runner struct {
	Generator interface {
		Generate(ctx context.Context, req *runbook.Request, opts generate.Options) (*runbook.Runbook, error)
	}
	Runbooks interface {
		Save(ctx context.Context, rb *runbook.Runbook, owner string) error
	}
	Store *Store
	Log   *slog.Logger
	// Observe, when set, counts jobs by state.
	Observe func(Status)
	// Name identifies this worker in job states (host:pid by default).
	Name string
}

// Run processes one job. It returns an error only when the job should be
// retried (the state could not be recorded); a runbook that cannot be
// written is a failed job, not a retry.
func (r *Runner) Run(ctx context.Context, p Payload) error {
	ctx = p.Trace.Resume(ctx)
	observe := func(s Status) {
		if r.Observe != nil {
			r.Observe(s)
		}
	}
	if err := r.Store.update(ctx, p.ID, func(st *State) {
		st.Status, st.Error, st.Worker = Running, nil, r.Name
		st.Attempt++
		// A retry starts the progress over; cached sections come back fast.
		st.Sections = map[runbook.SectionID]*Section{}
	}); err != nil {
		return fmt.Errorf("jobs: mark running: %w", err)
	}
	observe(Running)
	fail := func(err error) error {
		code := runbook.ErrorCode(err)
		msg := err.Error()
		if code == runbook.CodeInternal {
			msg = "internal error"
			r.Log.ErrorContext(ctx, "job failed", "id", p.ID, "err", err)
		}
		observe(Failed)
		return r.Store.update(ctx, p.ID, func(st *State) { st.Status, st.Error = Failed, &ErrorBody{Code: code, Message: msg} })
	}
	req, err := decode.ParseRequest(p.Body)
	if err != nil {
		return fail(err)
	}
	var seqMu sync.Mutex
	seq := 0
	rb, err := r.Generator.Generate(ctx, req, generate.Options{ID: p.ID, Sections: p.Sections,
		OnSection: func(id runbook.SectionID, status runbook.SectionStatus, content json.RawMessage) {
			seqMu.Lock()
			seq++
			n := seq
			seqMu.Unlock()
			if err := r.Store.update(ctx, p.ID, func(st *State) { st.Sections[id] = &Section{Status: status, Content: content, Seq: n} }); err != nil {
				r.Log.WarnContext(ctx, "job progress not recorded", "id", p.ID, "section", id, "err", err)
			}
		}})
	if err != nil {
		if ctx.Err() != nil {
			// The worker is stopping: let the queue retry it.
			return ctx.Err()
		}
		return fail(err)
	}
	if err := r.Runbooks.Save(ctx, rb, p.Owner); err != nil {
		return fmt.Errorf("jobs: save runbook: %w", err)
	}
	observe(Done)
	return r.Store.update(ctx, p.ID, func(st *State) { st.Status = Done })
}

// Queue hands jobs to workers.
type Queue interface {
	Enqueue(ctx context.Context, p Payload) error
}

// Local runs jobs on goroutines in this process (no Redis), at most
// concurrency at once; Shutdown waits for them.
type Local struct {
	runner *Runner
	sem    chan struct{}
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
	// pending and active count jobs waiting for a slot and running.
	pending, active atomic.Int64
}

// NewLocal returns an in-process queue.
func NewLocal(r *Runner, concurrency int) *Local {
	ctx, cancel := context.WithCancel(context.Background())
	return &Local{runner: r, sem: make(chan struct{}, max(concurrency, 1)), ctx: ctx, cancel: cancel}
}

// Enqueue starts the job in the background.
func (l *Local) Enqueue(_ context.Context, p Payload) error {
	l.wg.Add(1)
	l.pending.Add(1)
	go func() {
		defer l.wg.Done()
		select {
		case l.sem <- struct{}{}:
		case <-l.ctx.Done():
			l.pending.Add(-1)
			return
		}
		l.active.Add(1)
		l.pending.Add(-1)
		defer func() { l.active.Add(-1); <-l.sem }()
		if err := l.runner.Run(l.ctx, p); err != nil {
			l.runner.Log.Warn("local job ended with an error", "id", p.ID, "err", err)
		}
	}()
	return nil
}

// Shutdown waits for running jobs until ctx ends, then cancels them.
func (l *Local) Shutdown(ctx context.Context) {
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		l.cancel()
		<-done
	}
}

// Depth is what a queue holds: jobs waiting for a worker and jobs running.
type Depth struct{ Pending, Active int }

// Depth counts this process's jobs waiting for a slot and running.
func (l *Local) Depth(context.Context) (Depth, error) {
	return Depth{Pending: int(l.pending.Load()), Active: int(l.active.Load())}, nil
}
