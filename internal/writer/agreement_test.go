package writer

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/decode"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// agreementRow is one row of testdata/appendix_agreement.yaml: a class of
// statement the appendices make about the plan (a step, a time, a window, a
// freeze, what is contained or exposed), and the fact of the plan that must
// hold wherever it is made.
type agreementRow struct {
	Class string `yaml:"class"`
	Why   string `yaml:"why"`
	// Where is the section path the statement is looked for under
	// ("internal_comms", "rollback.steps").
	Where string `yaml:"where"`
	// Says matches the statement; its groups are what the fact reads.
	Says string `yaml:"says"`
	// Holds names the plan's fact (agreementFacts) the statement claims.
	Holds string `yaml:"holds"`
	// Requests are extra requests (held-out phrasings) checked besides
	// every eval request.
	Requests []map[string]any `yaml:"requests"`
}

// statement is one string of an appendix section, with the object it sits
// in (to read its secret_id).
type statement struct {
	path, text string
	parent     map[string]any
}

// agreementFact checks one statement against the plan: ok, and the fact
// as the plan states it.
type agreementFact func(f *planner.Facts, st statement, m []string) (bool, string)

var agreementFacts = map[string]agreementFact{
	// A statement that denies a deploy freeze: the plan holds no freeze of
	// deploys or releases (the request's) for any secret.
	"no_release_freeze": func(f *planner.Facts, _ statement, _ []string) (bool, string) {
		var ids []string
		for _, z := range f.Schedule.Freezes {
			ids = append(ids, z.ID+" forbids "+strings.Join(z.Forbids, ", "))
		}
		return len(ids) == 0, "freezes: " + orNone(ids)
	},
	// A statement that speaks of containment: the plan has a contain step.
	"contains": func(f *planner.Facts, _ statement, _ []string) (bool, string) {
		var n []string
		for _, s := range f.Steps {
			if s.Phase == runbook.PhaseContain {
				n = append(n, strconv.Itoa(s.Order))
			}
		}
		return len(n) > 0, "contain steps: " + orNone(n)
	},
	// A statement about exposed credentials: the plan has one.
	"exposed": func(f *planner.Facts, _ statement, _ []string) (bool, string) {
		var ids []string
		for _, s := range f.LeakedIn(nil) {
			ids = append(ids, s.ID)
		}
		return len(ids) > 0, "exposed (never restored): " + orNone(ids)
	},
	// "killed at steps N and M" of a secret names every step that kills
	// it, in every environment.
	"every_kill_step": func(f *planner.Facts, st statement, m []string) (bool, string) {
		id, _ := st.parent["secret_id"].(string)
		var want []int
		for _, s := range f.Steps {
			if s.SecretID == id && (s.Kill || s.Phase == runbook.PhaseContain) {
				want = append(want, s.Order)
			}
		}
		got := stepList(m[1])
		return slices.Equal(got, want), fmt.Sprintf("%s is killed at steps %v; the statement names %v", id, want, got)
	},
	// What a blackout holds back, said in the comms: the secrets it
	// binds, and the exposed ones whose kill and replacement do not wait.
	"blackout_holds": func(f *planner.Facts, _ statement, m []string) (bool, string) {
		for _, b := range f.Schedule.Blackouts {
			if b.ID != m[3] {
				continue
			}
			var scope, exposed []string
			for _, s := range f.Secrets {
				if b.Covers(s.ID) {
					scope = append(scope, s.Name)
				}
			}
			for _, s := range f.LeakedIn(b.SecretIDs) {
				exposed = append(exposed, s.Name)
			}
			said := m[2]
			if said == "" {
				said = andList(scope)
			}
			ok := said == andList(scope) && (len(b.SecretIDs) > 0) == (m[2] != "") && m[5] == andList(exposed)
			return ok, fmt.Sprintf("blackout %s binds %s; the exposed %s are killed and replaced inside it", b.ID, andList(scope), orNone(exposed))
		}
		return false, "no blackout " + m[3]
	},
	// When the holder of a leaked credential hears it is dead: after every
	// step that kills one they held.
	"after_holder_kills": func(f *planner.Facts, _ statement, m []string) (bool, string) {
		var want []int
		for _, s := range heldOutside(f) {
			for _, st := range f.Steps {
				if st.SecretID == s.ID && (st.Kill || st.Phase == runbook.PhaseContain) {
					want = append(want, st.Order)
				}
			}
		}
		slices.Sort(want)
		if m[2] == "" {
			revoke := 0
			for _, s := range heldOutside(f) {
				for _, st := range f.Steps {
					if st.SecretID == s.ID && st.Phase == runbook.PhaseRevoke {
						revoke++
						break
					}
				}
			}
			return revoke == len(heldOutside(f)), fmt.Sprintf("the held credentials are killed at steps %v, %d of %d of them in a revoke step", want, revoke, len(heldOutside(f)))
		}
		got := stepList(m[2])
		return slices.Equal(got, want), fmt.Sprintf("the held credentials are killed at steps %v; the statement names %v", want, got)
	},
	// Why a secret has no rollback, in the rollback's triggers: killed at
	// containment (revoke first) or retired, as the plan has it.
	"forward_why": func(f *planner.Facts, _ statement, m []string) (bool, string) {
		ids := strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' })
		var wrong []string
		for _, id := range ids {
			if id == "and" {
				continue
			}
			s := f.SecretByID(id)
			if s == nil {
				return false, "no secret " + id
			}
			if s.Strategy != runbook.StrategyRevokeFirst && !s.RetireOnly {
				wrong = append(wrong, fmt.Sprintf("%s (%s, killed at steps %v)", id, s.Strategy, killOrders(f, id)))
			}
		}
		return len(wrong) == 0, "neither revoked first nor retired: " + orNone(wrong)
	},
	// The external comms' reason names every credential the letter does.
	"names_every_holder": func(f *planner.Facts, _ statement, m []string) (bool, string) {
		var names []string
		for _, s := range heldOutside(f) {
			names = append(names, s.Name)
		}
		return m[1] == andList(names), "held outside the company: " + orNone(names)
	},
	// A start announced as a window's opening: the plan's first step is
	// one that window holds.
	"starts_in_window": func(f *planner.Facts, st statement, m []string) (bool, string) {
		when := strings.TrimSpace(m[1])
		for _, w := range f.Schedule.Windows {
			if !strings.HasPrefix(when, w.Label()) {
				continue
			}
			first := f.Steps[0]
			inside := first.Window == w.ID
			return inside, fmt.Sprintf("step 1 (%s %s %s) runs in window %s: %v", first.Phase, first.SecretID, first.Environment, w.ID, inside)
		}
		return true, "names no window"
	},
}

// killOrders lists the steps that kill a secret's old credential.
func killOrders(f *planner.Facts, id string) []int {
	var n []int
	for _, st := range f.Steps {
		if st.SecretID == id && (st.Kill || st.Phase == runbook.PhaseContain) {
			n = append(n, st.Order)
		}
	}
	return n
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, "; ")
}

// TestAppendixAgreesWithPlan: over every eval request (and each row's
// held-out requests), every statement of the appendices (checklist,
// approvals, validation, rollback, comms, evidence) of a class in
// testdata/appendix_agreement.yaml agrees with the plan it was written
// from. Each class was seen contradicting the plan; each row must still
// find statements to check, or it guards nothing.
func TestAppendixAgreesWithPlan(t *testing.T) {
	data, err := os.ReadFile("testdata/appendix_agreement.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var rows []agreementRow
	if err := yaml.UnmarshalWithOptions(data, &rows, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	type plan struct {
		name string
		f    *planner.Facts
	}
	load := func(name string, raw []byte) plan {
		req, err := decode.Request(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := planner.Plan(req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return plan{name, f}
	}
	files, _ := filepath.Glob("../../eval/requests/*.json")
	if len(files) == 0 {
		t.Fatal("no eval requests")
	}
	var plans []plan
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, load(strings.TrimSuffix(filepath.Base(file), ".json"), raw))
	}
	statements := map[*planner.Facts][]statement{}
	for _, p := range plans {
		statements[p.f] = appendixStatements(t, p.f)
	}
	for _, row := range rows {
		t.Run(row.Class, func(t *testing.T) {
			fact, ok := agreementFacts[row.Holds]
			if !ok {
				t.Fatalf("no fact %q", row.Holds)
			}
			says := regexp.MustCompile(row.Says)
			checked := slices.Clone(plans)
			for i, r := range row.Requests {
				raw, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				p := load(fmt.Sprintf("%s request %d", row.Class, i+1), raw)
				statements[p.f] = appendixStatements(t, p.f)
				checked = append(checked, p)
			}
			seen := 0
			for _, p := range checked {
				for _, st := range statements[p.f] {
					if !strings.HasPrefix(st.path, row.Where) {
						continue
					}
					for _, m := range says.FindAllStringSubmatch(st.text, -1) {
						seen++
						if ok, why := fact(p.f, st, m); !ok {
							t.Errorf("%s: %s says %q, but %s (%s)", p.name, st.path, m[0], why, row.Why)
						}
					}
				}
			}
			if seen == 0 {
				t.Errorf("no statement of the class %q found under %s: the row checks nothing", row.Says, row.Where)
			}
			t.Logf("%d statements checked", seen)
		})
	}
}

// appendixStatements lists every string of the appendix sections written
// from f, with its path ("internal_comms.messages[0].body").
func appendixStatements(t *testing.T, f *planner.Facts) []statement {
	sections := map[string]any{
		"preflight":      Preflight(f),
		"validation":     Validation(f),
		"rollback":       Rollback(f),
		"internal_comms": InternalComms(f),
		"external_comms": ExternalComms(f),
		"audit_evidence": AuditEvidence(f),
	}
	var out []statement
	var walk func(path string, v any, parent map[string]any)
	walk = func(path string, v any, parent map[string]any) {
		switch x := v.(type) {
		case string:
			out = append(out, statement{path: path, text: x, parent: parent})
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e, x)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e, parent)
			}
		}
	}
	for name, s := range sections {
		raw, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		walk(name, v, nil)
	}
	return out
}
