package render

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// ProceduresTitle heads the block said right after the card: the
// procedures its lines call by name and the rollbacks R1..Rn (#20, the
// coordinator's decision: the card keeps open items, kill times and dated
// steps on its first screen and the rest behind it; the card's word count
// is the card's alone).
const ProceduresTitle = "### Procedures"

// SplitCard cuts a card's Markdown into the card and the procedures block
// said after it ("" when it has none).
func SplitCard(md string) (card, procedures string) {
	i := strings.Index(md, "\n---\n\n"+ProceduresTitle+"\n")
	if i < 0 {
		return md, ""
	}
	rest := md[i:]
	// In the full view the appendices follow behind their own divider.
	if j := strings.Index(rest[1:], "\n---\n"); j >= 0 {
		rest = rest[:j+1]
	}
	return md[:i], rest
}

// RollbackProc is a rollback said as steps to run, in the procedures block:
// R1..Rn, the rows of the rollback table, each line pointing at one.
type RollbackProc struct {
	Label    string `json:"label"`
	SecretID string `json:"secret_id"`
	Name     string `json:"name"`
	// Until says until when it is possible.
	Until string `json:"until"`
	// Steps are what to run, in order.
	Steps []string `json:"steps"`
}

// callName is a procedure name's call without its parameters: "store" of
// "store(VAR)".
func callName(name string) string {
	n, _, _ := strings.Cut(name, "(")
	return n
}

// Call is the name a line with a value calls its procedure by ("store" for
// "store(`X`)"), or "".
func (l Line) Call() string { return callName(l.Proc) }

// nameProcedures gives every procedure the name its lines call it by
// ("store(VAR)", "deploy(WORKLOAD)"): procedures are said after the card,
// and each card line names the one it runs. Two of one phase are told
// apart by a number ("store-2(VAR)").
func nameProcedures(groups []Group, procs []Procedure) {
	taken := map[string]bool{}
	for _, p := range procs {
		if p.Name != "" {
			taken[callName(p.Name)] = true
		}
	}
	byKey := map[string]string{}
	for i := range procs {
		p := &procs[i]
		if p.Name == "" {
			param := ""
			switch {
			case strings.Contains(p.Text, "WORKLOAD"):
				param = "WORKLOAD"
			case strings.Contains(p.Text, "VAR"):
				param = "VAR"
			}
			base := strings.ReplaceAll(string(p.Phase), " ", "-")
			if taken[base] && strings.Contains(p.Text, "username") {
				// The store of a user name with its password.
				base += "-user"
			}
			n := base
			for k := 2; taken[n]; k++ {
				n = base + "-" + strconv.Itoa(k)
			}
			taken[n] = true
			p.Name = n + "(" + param + ")"
		}
		if p.key != "" {
			byKey[p.key] = p.Name
		}
	}
	for gi := range groups {
		g := &groups[gi]
		for _, ls := range [][]Line{g.Lines, g.After} {
			for i := range ls {
				ls[i].Proc = byKey[ls[i].Proc]
			}
		}
		for si := range g.Secrets {
			for li := range g.Secrets[si].Lines {
				l := &g.Secrets[si].Lines[li]
				l.Proc = byKey[l.Proc]
			}
		}
	}
}

// minProcWords is the fewest words of a command a card line says by a
// name, the command itself said once in the procedures block (a grant
// comparison in SQL, a session guard): the line keeps what it is for and
// what it must show.
const minProcWords = 14

// minNamedWords is the fewest words of a command spanNames names that a
// card line says by its name.
const minNamedWords = 8

// spanNames name a long command by what it does, from a word it holds; a
// command none names is called after its first word.
var spanNames = []struct{ holds, name string }{
	{"has_table_privilege", "grant-parity"},
	{"has_schema_privilege", "grant-parity"},
	{"pg_terminate_backend", "end-sessions"},
	{"pg_stat_activity", "pg-sessions"},
	{"information_schema.processlist", "mysql-sessions"},
	{"update-secret-version-stage", "store-back"},
	{"put-secret-value", "store"},
	{".data.secret_id_accessor", "new-secret-id"},
	{"auth/approle/login", "approle-login"},
	{"keys renew", "renew-key"},
	{"update-function-configuration", "lambda-refresh"},
}

// wordRE finds a command's first word.
var wordRE = regexp.MustCompile(`[A-Za-z][A-Za-z0-9_-]*`)

// longSpans says each long command of a card line once, by name, in the
// procedures block: the line says "grant-parity() returns no row" where
// it said a 47-word query.
func longSpans(groups []Group, procs []Procedure) []Procedure {
	taken := map[string]bool{}
	for _, p := range procs {
		taken[callName(p.Name)] = true
	}
	named := map[string]string{} // command -> its call
	replace := func(s string, phase runbook.Phase) string {
		for _, span := range codeSpans(s) {
			if strings.Contains(span, "VAR") || strings.Contains(span, "WORKLOAD") {
				continue
			}
			base := ""
			for _, n := range spanNames {
				if strings.Contains(span, n.holds) {
					base = n.name
					break
				}
			}
			// A command the table names is a procedure from a few
			// words (the session guard); another from minProcWords.
			if Words(span) < minProcWords && (base == "" || Words(span) < minNamedWords) {
				continue
			}
			call, ok := named[span]
			if !ok {
				if base == "" {
					base = strings.ToLower(wordRE.FindString(span))
				}
				if base == "" {
					base = "run"
				}
				n := base
				for k := 2; taken[n]; k++ {
					n = base + "-" + strconv.Itoa(k)
				}
				taken[n] = true
				call = n + "()"
				named[span] = call
				procs = append(procs, Procedure{Phase: phase, Name: call, Text: "`" + span + "`."})
			}
			s = strings.Replace(s, "`"+span+"`", call, 1)
		}
		return s
	}
	for gi := range groups {
		g := &groups[gi]
		for _, ls := range [][]Line{g.Lines, g.After} {
			for i := range ls {
				ls[i].Text = replace(ls[i].Text, ls[i].Phase)
				if ShowsCheck(ls[i].Phase) {
					ls[i].Check = replace(ls[i].Check, ls[i].Phase)
				}
			}
		}
		for si := range g.Secrets {
			for li := range g.Secrets[si].Lines {
				l := &g.Secrets[si].Lines[li]
				l.Text = replace(l.Text, l.Phase)
				if ShowsCheck(l.Phase) {
					l.Check = replace(l.Check, l.Phase)
				}
			}
		}
	}
	return procs
}

// rollbackProcs says each rollback the card points at as steps to run: the
// runbook's rollback (its store command restores the previous version),
// then the secret's deploy and verify lines again, by their step numbers;
// then, for an old credential that expires by itself, to fix forward.
func rollbackProcs(rb *runbook.Runbook, groups []Group, fixes map[string]string) []RollbackProc {
	r := rb.Sections.Rollback
	if r == nil {
		return nil
	}
	type lines struct {
		name   string
		until  string
		deploy []Line
		verify []Line
	}
	of := map[string]*lines{}
	for _, g := range groups {
		for _, cs := range g.Secrets {
			if cs.Back == nil {
				continue
			}
			ls := of[cs.ID]
			if ls == nil {
				ls = &lines{name: cs.Name, until: cs.Back.Until}
				of[cs.ID] = ls
			}
			for _, l := range cs.Lines {
				switch l.Phase {
				case runbook.PhaseDeploy:
					ls.deploy = append(ls.deploy, l)
				case runbook.PhaseVerify:
					ls.verify = append(ls.verify, l)
				}
			}
		}
	}
	var out []RollbackProc
	seen := map[string]bool{}
	for i, st := range r.Steps {
		ls := of[st.SecretID]
		if ls == nil || seen[st.SecretID] {
			continue
		}
		seen[st.SecretID] = true
		// "possible until until the create step" (review20 round 6 O12).
		rp := RollbackProc{Label: RollbackLabel(i), SecretID: st.SecretID, Name: ls.name, Until: strings.TrimPrefix(ls.until, "until ")}
		rp.Steps = append(rp.Steps, upper(strings.TrimSuffix(strings.TrimSpace(st.Step), "."))+".")
		if restoresNothing(st.Step) {
			// A rollback that brings nothing back has no old value to
			// deploy or verify (round 6 O12: "Verify again: ... passes
			// on the old value" after "No rollback once rotated").
			if f := fixes[st.SecretID]; f != "" {
				rp.Steps = append(rp.Steps, f)
			}
			out = append(out, rp)
			continue
		}
		var nums []string
		for _, l := range ls.deploy {
			nums = append(nums, l.Numbers())
		}
		if len(nums) > 0 {
			rp.Steps = append(rp.Steps, "Deploy again: "+plural(len(nums), "step ", "steps ")+andList(nums)+", in the environment rolled back.")
		}
		nums = nil
		for _, l := range ls.verify {
			nums = append(nums, l.Numbers())
		}
		if len(nums) > 0 {
			rp.Steps = append(rp.Steps, "Verify again: "+plural(len(nums), "step ", "steps ")+andList(nums)+" passes on the old value.")
		}
		if f := fixes[st.SecretID]; f != "" {
			rp.Steps = append(rp.Steps, f)
		}
		out = append(out, rp)
	}
	return out
}

// fieldRE finds the first field a jq filter sets (".username = ...").
var fieldRE = regexp.MustCompile("`\\.([a-z_]+) = ")

// variants says once, as a procedure of its own, a line's own variant of
// the procedure it calls ("Store user and password as one version: `...`
// in place of `...`"): the card line only calls it
// ("store-username(`POSTGRES_APP_PASSWORD`)"), and the block after the
// card says how it differs.
func variants(groups []Group, procs []Procedure) []Procedure {
	taken := map[string]bool{}
	for _, p := range procs {
		taken[callName(p.Name)] = true
	}
	made := map[string]string{} // text -> name
	for gi := range groups {
		for si := range groups[gi].Secrets {
			for li := range groups[gi].Secrets[si].Lines {
				l := &groups[gi].Secrets[si].Lines[li]
				if l.Value == "" || l.Proc == "" || Words(l.Text) < 6 || !strings.Contains(l.Text, "`") {
					continue
				}
				text := strings.TrimSuffix(l.Text, ":") + ", in " + l.Proc + "."
				name, ok := made[text]
				if !ok {
					base := l.Call() + "-2"
					if m := fieldRE.FindStringSubmatch(l.Text); m != nil {
						base = l.Call() + "-" + m[1]
					}
					n := base
					for k := 2; taken[n]; k++ {
						n = base + "-" + strconv.Itoa(k)
					}
					taken[n] = true
					name = n + "(VAR)"
					made[text] = name
					procs = append(procs, Procedure{Phase: l.Phase, Name: name, Text: upper(text)})
				}
				l.Text, l.Proc = "", name
			}
		}
	}
	return procs
}

// restoresNothing reports a rollback step that brings no old value back
// ("No rollback once rotated: fix forward ...", "none: the old key is dead
// once changed").
func restoresNothing(step string) bool {
	low := strings.ToLower(strings.TrimSpace(step))
	return strings.HasPrefix(low, "no rollback") || strings.HasPrefix(low, "none")
}
