package section

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/planner"
)

// leftOut are the planner's facts no section's prompt carries, each on
// purpose: what the sections say is decided from other facts
// (TestEachSectionIsSentWhatItNeeds, in internal/generate, proves the
// writer needs none of them).
var leftOut = map[string][]string{
	// The request's own lists, read into secrets, consumers and
	// approvers; the open items and considered say what was made of them.
	"facts": {"secrets", "downtime_tolerance", "services", "owners", "assumptions", "catalog_drafts", "time_to_kill"},
	// The request's notes (read by intake into the facts), whether the
	// catalogue entry was drafted, and the track it is planned in (the
	// steps say it).
	"secret": {"notes", "drafted", "track"},
}

// jsonKeys are the JSON keys of a struct's fields.
func jsonKeys(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" && f.IsExported() {
			out = append(out, name)
		}
	}
	return out
}

// TestEveryFactIsSentOrLeftOutOnPurpose: a fact the planner adds reaches the
// prompts (the largest view names it) or is listed in leftOut with its
// reason; a new fact no prompt carried would let the offline writer and the
// model write from different facts.
func TestEveryFactIsSentOrLeftOutOnPurpose(t *testing.T) {
	for _, c := range []struct {
		what string
		typ  reflect.Type
		sent []string
	}{
		{"facts", reflect.TypeFor[planner.Facts](), AllFacts.Top},
		{"secret", reflect.TypeFor[planner.Secret](), AllFacts.Secret},
		{"consumer", reflect.TypeFor[planner.Consumer](), AllFacts.Consumer},
	} {
		for _, k := range jsonKeys(c.typ) {
			if !slices.Contains(c.sent, k) && !slices.Contains(leftOut[c.what], k) {
				t.Errorf("the %s fact %q is neither in the all view (internal/section/facts.go) nor left out on purpose (leftOut)", c.what, k)
			}
		}
	}
	for _, v := range Views() {
		for _, k := range v.Top {
			if !slices.Contains(jsonKeys(reflect.TypeFor[planner.Facts]()), k) {
				t.Errorf("the %s view names %q, which the planner's facts do not have", v.Name, k)
			}
		}
	}
}
