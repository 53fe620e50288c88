package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"
)

// TaskType is the asynq task type of a runbook generation.
const TaskType = "rotor:runbook:generate"

// QueueName is the asynq queue rotor uses.
const QueueName = "rotor"

// Asynq enqueues jobs on a Redis-backed asynq queue.
type Asynq struct {
	client  *asynq.Client
	inspect *asynq.Inspector
	timeout time.Duration
	retries int
}

// NewAsynq connects to Redis at url. timeout bounds one attempt of a job
// (asynq cancels it after that); retries is how many times a failed or
// orphaned job is tried again.
func NewAsynq(url string, timeout time.Duration, retries int) (*Asynq, error) {
	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		return nil, fmt.Errorf("jobs: REDIS_URL: %w", err)
	}
	return &Asynq{client: asynq.NewClient(opt), inspect: asynq.NewInspector(opt), timeout: timeout, retries: retries}, nil
}

// Close releases the client.
func (a *Asynq) Close() error { return errors.Join(a.client.Close(), a.inspect.Close()) }

// Enqueue puts the job on the queue; its id is the runbook id, so a job is
// never queued twice.
func (a *Asynq) Enqueue(ctx context.Context, p Payload) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = a.client.EnqueueContext(ctx, asynq.NewTask(TaskType, data), asynq.Queue(QueueName), asynq.TaskID(p.ID),
		asynq.MaxRetry(a.retries), asynq.Timeout(a.timeout), asynq.Retention(24*time.Hour))
	if err != nil {
		return fmt.Errorf("jobs: enqueue: %w", err)
	}
	return nil
}

// Worker processes jobs from the queue.
type Worker struct {
	srv *asynq.Server
	mux *asynq.ServeMux
}

// NewWorker builds a worker running concurrency jobs at once.
func NewWorker(url string, concurrency int, r *Runner, log *slog.Logger) (*Worker, error) {
	opt, err := asynq.ParseRedisURI(url)
	if err != nil {
		return nil, fmt.Errorf("jobs: REDIS_URL: %w", err)
	}
	srv := asynq.NewServer(opt, asynq.Config{
		Concurrency: concurrency,
		Queues:      map[string]int{QueueName: 1},
		// A job that failed for a passing reason (its worker died, Redis
		// blinked) is retried soon: its sections are cached.
		RetryDelayFunc:  func(n int, _ error, _ *asynq.Task) time.Duration { return time.Duration(n) * time.Second },
		ShutdownTimeout: 20 * time.Second,
		Logger:          slogAsynq{log},
		LogLevel:        asynq.WarnLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(TaskType, func(ctx context.Context, t *asynq.Task) error {
		var p Payload
		if err := json.Unmarshal(t.Payload(), &p); err != nil {
			return fmt.Errorf("jobs: bad payload: %v: %w", err, asynq.SkipRetry)
		}
		return r.Run(ctx, p)
	})
	return &Worker{srv: srv, mux: mux}, nil
}

// Start runs the worker in the background.
func (w *Worker) Start() error { return w.srv.Start(w.mux) }

// Shutdown stops taking jobs and waits for running ones (up to the
// configured timeout; unfinished ones go back to the queue).
func (w *Worker) Shutdown() { w.srv.Shutdown() }

// slogAsynq routes asynq's logs to slog.
type slogAsynq struct{ log *slog.Logger }

func (l slogAsynq) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...), "component", "asynq") }
func (l slogAsynq) Info(args ...any)  { l.log.Info(fmt.Sprint(args...), "component", "asynq") }
func (l slogAsynq) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...), "component", "asynq") }
func (l slogAsynq) Error(args ...any) { l.log.Error(fmt.Sprint(args...), "component", "asynq") }
func (l slogAsynq) Fatal(args ...any) { l.log.Error(fmt.Sprint(args...), "component", "asynq") }

// Depth reads the queue's size from Redis: jobs waiting (queued, scheduled
// for a retry) and running, across every worker. A queue no job ever
// reached is empty.
func (a *Asynq) Depth(ctx context.Context) (Depth, error) {
	if err := ctx.Err(); err != nil {
		return Depth{}, err
	}
	info, err := a.inspect.GetQueueInfo(QueueName)
	if err != nil {
		// asynq reports a queue no job reached yet with an error of an
		// internal type (after Redis answered): it is an empty queue.
		if strings.Contains(err.Error(), "does not exist") {
			return Depth{}, nil
		}
		return Depth{}, fmt.Errorf("jobs: queue depth: %w", err)
	}
	return Depth{Pending: info.Pending + info.Scheduled + info.Retry, Active: info.Active}, nil
}
