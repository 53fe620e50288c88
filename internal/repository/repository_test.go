package repository

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rotor-dev/rotor/internal/runbook"
	"github.com/rotor-dev/rotor/internal/store"
)

func storedRunbook(id string) *runbook.Runbook {
	rb := &runbook.Runbook{ID: id, System: "Acme", Trigger: runbook.TriggerScheduled,
		SectionStatus: map[runbook.SectionID]runbook.SectionStatus{
			runbook.SectionInventory: {Source: runbook.SourceLLM, Attempts: 2, DurationMS: 900},
			runbook.SectionRollback:  {Source: runbook.SourceOffline}},
		Usage: runbook.Usage{LLMCalls: 2, PromptTokens: 1000, CompletionTokens: 300}, Findings: []runbook.Finding{}}
	rb.Sections.Rollback = &runbook.Rollback{Triggers: []string{strings.Repeat(`"section_status":{} "usage":{} `, 50)}, Steps: []runbook.RollbackStep{}, Containment: []string{}}
	return rb
}

// TestStoredRunbookIsOneCompressedCopy: the stored value is compressed, its
// JSON is the runbook's as served, and the answer to an identical request
// is the same bytes with cached statuses and no usage.
func TestStoredRunbookIsOneCompressedCopy(t *testing.T) {
	ctx := context.Background()
	mem := store.NewMemory(1 << 20)
	r := New(mem, time.Hour, Options{})
	rb := storedRunbook("rb_1")
	st, err := r.Put(ctx, rb, "key:ci")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(rb)
	if !bytes.Equal(st.JSON, want) {
		t.Error("stored JSON differs from the runbook's")
	}
	raw, _ := mem.Get(ctx, runbookKey("rb_1"))
	if len(raw) >= len(want) {
		t.Errorf("stored %d bytes for a %d-byte runbook", len(raw), len(want))
	}
	var cached runbook.Runbook
	if err := json.Unmarshal(st.Cached(), &cached); err != nil {
		t.Fatal(err)
	}
	if cached.SectionStatus[runbook.SectionInventory] != (runbook.SectionStatus{Source: runbook.SourceCache}) ||
		cached.SectionStatus[runbook.SectionRollback].Source != runbook.SourceOffline || cached.Usage != (runbook.Usage{CacheHits: 1}) ||
		cached.Sections.Rollback.Triggers[0] != rb.Sections.Rollback.Triggers[0] {
		t.Errorf("cached variant: %+v %+v", cached.SectionStatus, cached.Usage)
	}
	rb.SectionStatus[runbook.SectionRollback] = runbook.SectionStatus{Source: runbook.SourceFallback}
	if st, _ := r.Put(ctx, rb, "key:ci"); st.Cacheable {
		t.Error("a runbook with a fallback section is answered from the cache")
	}
}

// TestStoredRunbookIsCheckedOnceAndRenderedOnce: another process reads the
// record back (checked when it enters the process), a damaged record is a
// miss, and the Markdown is rendered once per runbook, not per process.
func TestStoredRunbookIsCheckedOnceAndRenderedOnce(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testStoredRunbookIsCheckedOnceAndRenderedOnce)
}

func testStoredRunbookIsCheckedOnceAndRenderedOnce(t *testing.T) {
	ctx := context.Background()
	mem := store.NewMemory(1 << 20)
	var renders atomic.Int32
	render := func(rb *runbook.Runbook) []byte { renders.Add(1); return []byte("# " + rb.System + "\n") }
	a := New(mem, time.Hour, Options{Markdown: render})
	st, err := a.Put(ctx, storedRunbook("rb_1"), "key:ci")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if md, err := a.Markdown(ctx, st); err != nil || string(md) != "# Acme\n" {
			t.Fatalf("%q %v", md, err)
		}
	}
	// The Markdown reaches the store in the background: once that is done,
	// another process reads it from there.
	synctest.Wait()
	b := New(mem, time.Hour, Options{Markdown: render})
	other, err := b.Stored(ctx, "rb_1")
	if err != nil {
		t.Fatal(err)
	}
	if md, _ := b.Markdown(ctx, other); string(md) != "# Acme\n" || renders.Load() != 1 || !bytes.Equal(other.JSON, st.JSON) {
		t.Errorf("second process: %q, %d renders", md, renders.Load())
	}
	raw, _ := mem.Get(ctx, runbookKey("rb_1"))
	for _, damaged := range [][]byte{raw[:len(raw)/2], append(append([]byte{}, raw[:20]...), bytes.Repeat([]byte{'x'}, len(raw)-20)...), []byte("{}")} {
		_ = mem.Set(ctx, runbookKey("rb_1"), damaged, time.Hour)
		c := New(mem, time.Hour, Options{})
		if _, err := c.Stored(ctx, "rb_1"); runbook.ErrorCode(err) != runbook.CodeNotFound {
			t.Errorf("damaged record: %v", err)
		}
	}
	// This process checked its copy when it entered: it keeps serving it.
	if got, err := b.Stored(ctx, "rb_1"); err != nil || got != other {
		t.Errorf("in-process copy: %v", err)
	}
}

func TestRunbooksRoundTrip(t *testing.T) {
	ctx := context.Background()
	r := New(store.NewMemory(1<<20), time.Hour, Options{})
	rb := &runbook.Runbook{ID: "rb_1", System: "S", Trigger: runbook.TriggerScheduled}
	if err := r.Save(ctx, rb, "key:ci"); err != nil {
		t.Fatal(err)
	}
	got, err := r.Load(ctx, "rb_1")
	if err != nil || got.System != "S" {
		t.Fatalf("got %+v %v", got, err)
	}
	if owner, err := r.Owner(ctx, "rb_1"); err != nil || owner != "key:ci" {
		t.Errorf("owner %q %v", owner, err)
	}
	if _, err := r.Owner(ctx, "rb_2"); runbook.ErrorCode(err) != runbook.CodeNotFound {
		t.Errorf("owner of a missing id: %v", err)
	}
	if _, err := r.Load(ctx, "rb_2"); runbook.ErrorCode(err) != runbook.CodeNotFound {
		t.Errorf("missing id: %v", err)
	}
}
