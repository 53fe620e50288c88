package generate

import (
	"reflect"
	"sync"

	"github.com/rotor-dev/rotor/internal/lint"
	"github.com/rotor-dev/rotor/internal/secretscan"
)

// screen is the output screen of one generation: each section value is
// screened once, as soon as it is written (in the background, so the screen
// of one section runs while others are still being written), and every lint
// of the generation reads the result. Sections are not modified once
// written, so a section's pointer identifies its text.
type screen struct {
	inner lint.Scanner
	mu    sync.Mutex
	done  map[screenKey]*screened
}

type screenKey struct {
	prefix string
	v      any
}

type screened struct {
	ready chan struct{}
	hits  []secretscan.Hit
}

var _ lint.Scanner = (*screen)(nil)

func newScreen(inner lint.Scanner) *screen {
	return &screen{inner: inner, done: map[screenKey]*screened{}}
}

// start screens a section in the background.
func (s *screen) start(prefix string, v any) {
	if r, first := s.entry(prefix, v); first {
		go s.run(r, prefix, v)
	}
}

// ScanRefusing returns the section's hits, screening it now unless it was
// (or is being) screened already.
func (s *screen) ScanRefusing(prefix string, v any) []secretscan.Hit {
	r, first := s.entry(prefix, v)
	if first {
		s.run(r, prefix, v)
	}
	<-r.ready
	return r.hits
}

func (s *screen) entry(prefix string, v any) (*screened, bool) {
	if v == nil || !reflect.TypeOf(v).Comparable() {
		// Not a section pointer: nothing to remember it by.
		return &screened{ready: make(chan struct{})}, true
	}
	k := screenKey{prefix, v}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.done[k]; ok {
		return r, false
	}
	r := &screened{ready: make(chan struct{})}
	s.done[k] = r
	return r, true
}

func (s *screen) run(r *screened, prefix string, v any) {
	r.hits = s.inner.ScanRefusing(prefix, v)
	close(r.ready)
}
