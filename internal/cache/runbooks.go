package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// Store is the byte store runbooks are kept in.
type Store interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, key string) error
}

var _ Store = (*Memory)(nil)

// Runbooks keeps generated runbooks for a while so GET /runbooks/{id} can
// serve them again.
type Runbooks struct {
	store Store
	ttl   time.Duration
}

// NewRunbooks stores runbooks in s for ttl.
func NewRunbooks(s Store, ttl time.Duration) *Runbooks { return &Runbooks{store: s, ttl: ttl} }

func runbookKey(id string) string { return "runbook:" + id }

func ownerKey(id string) string { return "runbook-owner:" + id }

// Save stores a runbook and whom it belongs to (the creating API key,
// "key:<name>"; "slack:<team>"; "" without API keys). The owner is written
// first: a runbook is never readable without it.
func (r *Runbooks) Save(ctx context.Context, rb *runbook.Runbook, owner string) error {
	data, err := json.Marshal(rb)
	if err != nil {
		return fmt.Errorf("cache: encode runbook: %w", err)
	}
	if err := r.store.Set(ctx, ownerKey(rb.ID), []byte(owner), r.ttl); err != nil {
		return fmt.Errorf("cache: save runbook owner: %w", err)
	}
	return r.store.Set(ctx, runbookKey(rb.ID), data, r.ttl)
}

// Owner returns whom a stored runbook belongs to, or a not_found error.
func (r *Runbooks) Owner(ctx context.Context, id string) (string, error) {
	data, err := r.store.Get(ctx, ownerKey(id))
	if errors.Is(err, ErrMiss) {
		return "", runbook.Errorf(runbook.CodeNotFound, "no runbook with id %q (runbooks are kept for %s)", id, r.ttl)
	}
	if err != nil {
		return "", fmt.Errorf("cache: load runbook owner: %w", err)
	}
	return string(data), nil
}

// Load returns a stored runbook, or a not_found error.
func (r *Runbooks) Load(ctx context.Context, id string) (*runbook.Runbook, error) {
	data, err := r.store.Get(ctx, runbookKey(id))
	if errors.Is(err, ErrMiss) {
		return nil, runbook.Errorf(runbook.CodeNotFound, "no runbook with id %q (runbooks are kept for %s)", id, r.ttl)
	}
	if err != nil {
		return nil, fmt.Errorf("cache: load runbook: %w", err)
	}
	var rb runbook.Runbook
	if err := json.Unmarshal(data, &rb); err != nil {
		return nil, fmt.Errorf("cache: decode runbook %s: %w", id, err)
	}
	return &rb, nil
}
