package llm

import (
	"net/http"
	"time"

	"github.com/failsafe-go/failsafe-go"
)

// fakeAttempt is the part of failsafe's ExecutionAttempt the delay reads.
type fakeAttempt struct {
	failsafe.ExecutionAttempt[*http.Response]
	resp *http.Response
	n    int
}

func (f fakeAttempt) LastResult() *http.Response { return f.resp }
func (f fakeAttempt) Attempts() int              { return f.n }
func (f fakeAttempt) ElapsedTime() time.Duration { return 0 }
