package writer

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// gateRow is one approval or gate statement of a runbook's appendix and the
// plan's fact it must agree with.
type gateRow struct {
	where, statement, fact string
	ok                     bool
}

var (
	stepRef     = regexp.MustCompile(`\bstep (\d+)\b`)
	openItemRef = regexp.MustCompile(`\bopen item (o\d+)\b`)
)

// TestGateStatementsAgreeWithPlan: over every eval request, each approval or
// gate statement the appendix makes (who approves before which step, the
// change ticket's evidence line, a checklist line about what an open item
// holds, an open item's own "does not wait" claim) agrees with the plan: no
// approval or evidence line holds a step that never waits (containment, the
// kill and the restoration of production of a credential exposed outside
// the company), and what a line says an open item holds is what it holds
// (review19 round 3 S1-S3, review18 round 2 "CC8.1 before step 1").
func TestGateStatementsAgreeWithPlan(t *testing.T) {
	files, err := filepath.Glob("../../eval/requests/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no eval requests: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f := planRaw(t, raw)
			rows := gateStatements(f)
			var table strings.Builder
			bad := 0
			for _, r := range rows {
				mark := "ok"
				if !r.ok {
					mark, bad = "CONTRADICTS", bad+1
				}
				fmt.Fprintf(&table, "| %s | %s | %q | %s |\n", mark, r.where, r.statement, r.fact)
			}
			if bad > 0 {
				t.Errorf("%d of %d gate statements contradict the plan:\n| | where | statement | fact |\n%s", bad, len(rows), table.String())
			} else {
				t.Logf("%d gate statements:\n%s", len(rows), table.String())
			}
		})
	}
}

// gateStatements lists the approval and gate statements of the appendix
// written from f, each checked against the plan.
func gateStatements(f *planner.Facts) []gateRow {
	var rows []gateRow
	byOrder := func(n int) *planner.Step {
		if n < 1 || n > len(f.Steps) {
			return nil
		}
		return &f.Steps[n-1]
	}
	gate := f.ApprovalGate()
	gateFact := fmt.Sprintf("nothing is contained: an approval may hold step %d", gate)
	if f.Contains() {
		gateFact = fmt.Sprintf("steps that never wait for a sign-off: %s; the first an approval may hold: step %d (0 = none)", neverWaitRefs(f), gate)
	}
	// holds checks an approval-like statement that resolves to step n.
	holds := func(where, statement string, n int, secrets []string) gateRow {
		r := gateRow{where: where, statement: statement, fact: gateFact}
		want := gate
		if secrets != nil {
			want = f.FirstWaiting(secrets)
		}
		st := byOrder(n)
		switch {
		case n == 0:
			r.ok = want == 0
			r.fact += "; the statement names no step"
		case st == nil:
			r.fact += fmt.Sprintf("; step %d does not exist", n)
		case f.NeverWaits(st):
			r.fact += fmt.Sprintf("; step %d (%s %s) never waits", n, st.Phase, st.SecretID)
		default:
			r.ok = n == want
			if !r.ok {
				r.fact += fmt.Sprintf("; its secrets' first step an approval may hold is %d, not %d", want, n)
			}
		}
		return r
	}

	pre := Preflight(f)
	for _, a := range pre.Approvals {
		secrets := a.Secrets
		n, known := resolveBefore(f, a.Before, secrets)
		where := "approvals: " + a.Approver
		statement := a.Scope + ", before " + a.Before
		if !known {
			rows = append(rows, gateRow{where: where, statement: statement, fact: "names no step a reader can find"})
			continue
		}
		if !theirs(a.Before) {
			secrets = nil
		}
		rows = append(rows, holds(where, statement, n, secrets))
	}
	for _, line := range pre.Checklist {
		low := strings.ToLower(line)
		if strings.Contains(low, "change ticket approved") {
			n, _ := resolveBefore(f, line, nil)
			rows = append(rows, holds("checklist", line, n, nil))
		}
		m := openItemRef.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if it := itemByID(f, m[1]); it != nil {
			rows = append(rows, itemClaims("checklist: "+it.ID, line, f, it)...)
		}
	}
	for _, it := range f.OpenItems {
		rows = append(rows, itemClaims("open item "+it.ID, it.Question, f, &it)...)
	}
	for _, m := range InternalComms(f).Messages {
		i := strings.Index(m.Body, "Approved by")
		if i < 0 {
			continue
		}
		claim := m.Body[i:]
		if j := strings.Index(claim, ";"); j > 0 {
			claim = claim[:j]
		}
		r := gateRow{where: "internal comms: " + string(m.Audience), statement: claim + " (sent " + m.SendWhen + ")", fact: gateFact, ok: true}
		if f.Contains() && strings.Contains(m.SendWhen, "at the start") {
			r.ok = false
			r.fact += "; sent at the start of a plan that contains, when nothing is approved yet (the change is approved after the fact)"
		}
		rows = append(rows, r)
	}
	for _, e := range AuditEvidence(f).Items {
		if !strings.Contains(strings.ToLower(e.Evidence), "change ticket") || !strings.Contains(strings.ToLower(e.Evidence), "approved") {
			continue
		}
		statement := e.Evidence + " · " + e.When
		n, known := resolveBefore(f, e.When, nil)
		where := "audit evidence: " + e.Control
		if !known {
			rows = append(rows, gateRow{where: where, statement: statement, fact: "names no step a reader can find"})
			continue
		}
		r := holds(where, statement, n, nil)
		if f.Contains() && !strings.Contains(statement, "after the fact") {
			r.ok = false
			r.fact += "; the plan contains: the change is approved after the fact, and the line must say so"
		}
		rows = append(rows, r)
	}
	return rows
}

// itemClaims checks what a line says about the steps an open item holds.
func itemClaims(where, line string, f *planner.Facts, it *runbook.OpenItem) []gateRow {
	var held []int
	kill, restore := false, false
	for i := range f.Steps {
		st := &f.Steps[i]
		if it.Holds(runbook.Step{Order: st.Order, SecretID: st.SecretID}) {
			held = append(held, st.Order)
			if st.Phase == runbook.PhaseContain || st.Kill {
				kill = true
			}
			if f.Restores(st) && !st.Kill {
				restore = true
			}
		}
	}
	fact := fmt.Sprintf("%s holds steps %v (a kill or containment: %v; a restoration of production: %v)", it.ID, held, kill, restore)
	low := strings.ToLower(line)
	var rows []gateRow
	claim := func(says string, ok bool) {
		rows = append(rows, gateRow{where: where, statement: line, fact: fact + "; the line says " + says, ok: ok})
	}
	if strings.Contains(low, "restoring production after the kill does") || strings.Contains(low, "restoring production after the kill needs it") ||
		strings.Contains(low, "restoring production waits for it") {
		claim("restoring production waits for it", restore)
	}
	if strings.Contains(low, "restoration of production do not wait") || strings.Contains(low, "nor the restoration of production waits") {
		claim("restoring production does not wait for it", !restore)
	}
	if strings.Contains(low, "containment does not wait") || strings.Contains(low, "the kill does not wait") ||
		strings.Contains(low, "kill of the exposed credential and") || strings.Contains(low, "neither the kill") {
		claim("the kill does not wait for it", !kill)
	}
	if m := regexp.MustCompile(`holds steps? ([\d, and-]+)`).FindStringSubmatch(line); m != nil {
		claim("it holds steps "+m[1], slices.Equal(stepList(m[1]), held))
	}
	return rows
}

// stepList reads "3, 5 and 7-9" into [3 5 7 8 9].
func stepList(s string) []int {
	var out []int
	for _, part := range regexp.MustCompile(`,|\band\b`).Split(s, -1) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, found := strings.Cut(part, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			continue
		}
		b := a
		if found {
			if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				continue
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out
}

// resolveBefore reads the step a "before …" text names: a step number, or
// a phrase the writer uses. known is false when the text names no step a
// reader can find.
func resolveBefore(f *planner.Facts, before string, secrets []string) (n int, known bool) {
	if m := stepRef.FindStringSubmatch(before); m != nil {
		n, _ = strconv.Atoi(m[1])
		return n, true
	}
	low := strings.ToLower(before)
	if !theirs(before) {
		secrets = nil
	}
	mine := func(st planner.Step) bool { return len(secrets) == 0 || runbook.OneOf(secrets, st.SecretID) }
	switch {
	case strings.Contains(low, "no step"):
		return 0, true
	case strings.Contains(low, "after production is restored"):
		last := 0
		for i := range f.Steps {
			if f.NeverWaits(&f.Steps[i]) {
				last = f.Steps[i].Order
			}
		}
		for _, st := range f.Steps {
			if st.Order > last && mine(st) {
				return st.Order, true
			}
		}
		return 0, true
	case strings.Contains(low, "first step after containment"):
		for _, st := range f.Steps {
			if st.Phase != runbook.PhaseContain && mine(st) {
				return st.Order, true
			}
		}
		return 0, true
	case strings.Contains(low, "first step"):
		for _, st := range f.Steps {
			if mine(st) {
				return st.Order, true
			}
		}
		return 0, true
	}
	return 0, false
}

// theirs reports whether a "before …" text is scoped to the approval's own
// secrets ("their first step").
func theirs(before string) bool {
	low := strings.ToLower(before)
	return strings.Contains(low, "their") || strings.Contains(low, "its ")
}

func itemByID(f *planner.Facts, id string) *runbook.OpenItem {
	for i := range f.OpenItems {
		if f.OpenItems[i].ID == id {
			return &f.OpenItems[i]
		}
	}
	return nil
}

func neverWaitRefs(f *planner.Facts) string {
	var orders []int
	for i := range f.Steps {
		if f.NeverWaits(&f.Steps[i]) {
			orders = append(orders, f.Steps[i].Order)
		}
	}
	return stepRefs(orders)
}

// planRaw decodes a request and plans it, failing the test on either error.
func planRaw(t *testing.T, raw []byte) *planner.Facts {
	t.Helper()
	req, err := decode.Request(raw)
	if err != nil {
		t.Fatal(err)
	}
	f, err := planner.Plan(req)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
