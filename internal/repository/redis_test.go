package repository_test

import (
	"context"
	"testing"
	"time"

	"github.com/rotor-dev/rotor/internal/repository"
	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/store/redistest"
)

func TestRunbooksInRedisAreSharedByReplicas(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	a := repository.New(redistest.Store(t, url, prefix), time.Hour, repository.Options{})
	b := repository.New(redistest.Store(t, url, prefix), time.Hour, repository.Options{})
	ctx := context.Background()
	if err := a.Save(ctx, &runbook.Runbook{ID: "rb_shared", System: "S"}, "key:ci"); err != nil {
		t.Fatal(err)
	}
	got, err := b.Load(ctx, "rb_shared")
	if err != nil || got.System != "S" {
		t.Fatalf("%+v %v", got, err)
	}
}
