package jobs_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/generate"
	"github.com/rotor-dev/rotor/internal/jobs"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/store"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

// heldGenerator holds every generation until released, telling started
// when one begins.
type heldGenerator struct {
	started chan struct{}
	release chan struct{}
}

func (g *heldGenerator) Generate(ctx context.Context, req *runbook.Request, _ generate.Options) (*runbook.Runbook, error) {
	g.started <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &runbook.Runbook{ID: "x", System: req.System}, nil
}

type discard struct{}

func (discard) Save(context.Context, *runbook.Runbook, string) error { return nil }

// TestLocalQueueDepth: with one job slot, three jobs are one running and two
// waiting; when they finish, none.
func TestLocalQueueDepth(t *testing.T) {
	g := &heldGenerator{started: make(chan struct{}, 3), release: make(chan struct{})}
	store := jobs.NewStore(store.NewMemory(1<<20), time.Hour)
	r := &jobs.Runner{Generator: g, Runbooks: discard{}, Store: store, Log: slog.New(slog.DiscardHandler)}
	q := jobs.NewLocal(r, 1)
	ctx := context.Background()
	for i := range 3 {
		id := fmt.Sprintf("job%d", i)
		if err := store.Create(ctx, id, nil, ""); err != nil {
			t.Fatal(err)
		}
		if err := q.Enqueue(ctx, jobs.Payload{ID: id, Body: []byte(`{"system":"S","secrets":[{"name":"Mailgun API key"}]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	<-g.started
	d, err := q.Depth(ctx)
	if err != nil || d.Pending != 2 || d.Active != 1 {
		t.Errorf("one running: %+v %v, want 2 pending and 1 active", d, err)
	}
	close(g.release)
	q.Shutdown(ctx)
	if d, err := q.Depth(ctx); err != nil || d.Pending != 0 || d.Active != 0 {
		t.Errorf("all done: %+v %v", d, err)
	}
}

// TestAsynqQueueDepth: jobs queued in Redis with no worker are pending.
func TestAsynqQueueDepth(t *testing.T) {
	srv := redistest.Start(t)
	q, err := jobs.NewAsynq(srv.URL, time.Minute, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	if d, err := q.Depth(ctx); err != nil || d.Pending != 0 || d.Active != 0 {
		t.Errorf("empty queue: %+v %v", d, err)
	}
	for i := range 3 {
		if err := q.Enqueue(ctx, jobs.Payload{ID: fmt.Sprintf("job%d", i), Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := q.Depth(ctx); err != nil || d.Pending != 3 || d.Active != 0 {
		t.Errorf("three queued: %+v %v", d, err)
	}
	srv.Kill()
	if _, err := q.Depth(ctx); err == nil {
		t.Error("a dead Redis reported a depth")
	}
}
