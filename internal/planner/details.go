package planner

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/exposure"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// placeholders fills what the steps need but the request did not say with
// <placeholders>, and says so in the assumptions: nothing is invented.
func placeholders(f *Facts, cat *catalog.Catalog) {
	var paths, users, namespaces []string
	for i := range f.Secrets {
		s := &f.Secrets[i]
		if s.Entry.User != "" && s.Users.Active == "" {
			// The product's own fixed user (Redis's default user).
			s.Users.Active = s.Entry.User
		}
		switch {
		case s.Rule == "vault-static-role":
			if s.Users.Active == "" {
				s.Users = Users{Active: "<active-role>", Idle: "<idle-role>"}
				users = append(users, s.Name)
			}
		case s.Strategy == runbook.StrategyAlternatingUsers || s.Entry.Strategy == runbook.StrategyAlternatingUsers:
			if s.Users.Active == "" {
				s.Users.Active = "<active-user>"
				users = append(users, s.Name)
			}
			if s.Users.Idle == "" {
				s.Users.Idle = "<idle-user>"
			}
		case s.Kind == runbook.KindDatabasePassword && s.Users.Active == "":
			s.Users.Active = "<app-user>"
			users = append(users, s.Name)
		case s.Users.Active == "" && usesUser(s.Entry.Actions):
			// A user's commands for a secret of another kind (a Redis ACL
			// user's "token"): a placeholder, never an empty name
			// (hook9 t2: `redis-cli --user --askpass`, "connections of ``").
			s.Users.Active = "<app-user>"
			users = append(users, s.Name)
		}
		for _, c := range s.Consumers {
			if c.Runtime == runbook.DeployKubernetes {
				if s.Namespace == "" && c.Namespace == "" {
					s.Namespace = "<namespace>"
					namespaces = append(namespaces, s.Name)
				}
			}
		}
		if !s.Stored {
			continue
		}
		st := cat.Store(s.Store)
		if st == nil {
			st = cat.Store(runbook.StoreOther)
		}
		missing := false
		for _, env := range s.Environments {
			if s.StorePaths[env] == "" {
				s.StorePaths[env] = catalog.Fill(st.Path, map[string]string{"env": env, "var": s.EnvVar, "name": s.Name})
				missing = true
			}
		}
		if missing && strings.Contains(st.Path, "<") {
			paths = append(paths, s.Name)
		}
	}
	if len(paths) > 0 {
		f.Assumptions = append(f.Assumptions, fmt.Sprintf("store paths not given%s: steps show <placeholders> to fill in", forSome(f, paths)))
	}
	if len(users) > 0 {
		f.Assumptions = append(f.Assumptions, fmt.Sprintf("database users or roles not given%s: steps show <active-user>/<idle-user> (or <app-user>) to fill in", forSome(f, users)))
	}
	if len(namespaces) > 0 {
		f.Assumptions = append(f.Assumptions, fmt.Sprintf("Kubernetes namespace not given%s: kubectl steps show <namespace>", forSome(f, namespaces)))
	}
	var vars []string
	for _, s := range f.Secrets {
		if s.Stored {
			vars = append(vars, s.EnvVar)
		}
	}
	if len(vars) > 0 {
		f.Assumptions = append(f.Assumptions, fmt.Sprintf("variable names are derived from the secret names (%s); use yours", strings.Join(vars, ", ")))
	}
	f.Assumptions = append(f.Assumptions, "other values the request does not give (account ids, users, key ids, hosts) are shown as <placeholders>; nothing in the steps was invented for them")
}

// forSome names the secrets an assumption concerns, unless it is all of them.
func forSome(f *Facts, names []string) string {
	if len(names) == len(f.Secrets) {
		return ""
	}
	return " for " + andJoin(names)
}

// personAccess lists what a departing person loses first: their sign-in,
// their access to the stores and consoles the request names, and any shared
// vault a note mentions.
func personAccess(f *Facts) {
	if f.Person == "" {
		f.Person = "<departing person>"
		f.Assumptions = append(f.Assumptions, "the departing person is not named: steps say <departing person>")
	}
	deadline := ""
	if len(f.Schedule.Deadlines) > 0 {
		deadline = f.Schedule.Deadlines[0].ID
	}
	var stores, consoles, copies []string
	for _, s := range f.Secrets {
		if s.Stored {
			stores = appendOnce(stores, StoreName(s.Store))
		}
		if s.Provider != "unknown" {
			consoles = appendOnce(consoles, s.ProviderName)
		}
		for _, c := range s.Copies {
			copies = appendOnce(copies, c)
		}
		if (s.Personal || s.Exposed) && deadline != "" {
			f.SecretByID(s.ID).Deadline = deadline
		}
	}
	f.Access = append(f.Access, Access{ID: "sso", What: "their single sign-on account and every active session", Deadline: deadline})
	where := append(append([]string{}, stores...), copies...)
	if len(where) > 0 {
		// Whoever kept an old value never reads its replacement: their
		// access to where the new values go is removed before the first of
		// them is written there, not by the deadline (review18).
		f.Access = append(f.Access, Access{ID: "stores", What: "their access to " + andJoin(where)})
	}
	if len(consoles) > 0 {
		f.Access = append(f.Access, Access{ID: "consoles", What: "their own accounts and API tokens in " + andJoin(consoles), Deadline: deadline})
	}
}

// usesUser reports whether an entry's steps name the user a secret belongs
// to ({active}).
func usesUser(a catalog.Actions) bool {
	data, err := json.Marshal(a)
	return err == nil && strings.Contains(string(data), "{active}")
}

// DepartureLead is how far off a departure deadline must be, as of the
// request's as_of, for its access removal to wait for it: planned work.
const DepartureLead = 24 * 60

// accessAtDeparture: an offboarding whose deadline is at least a day after
// as_of is planned work. The person keeps their sign-in, accounts and
// personal tokens until that date ("do not lock him out before his last
// day"): each removal says it runs on their last day and not before. Their
// access to where the new values go then conflicts with rotating before
// the date: an open item asks whether their policy is narrowed now to
// exclude those paths (not a lockout) or those secrets wait until their
// access ends; it holds the store steps of the secrets that do not die
// now, never an exposed credential's kill (review18 round 6 X9,
// review17-cold6 row 24).
func accessAtDeparture(f *Facts) {
	if f.Trigger != runbook.TriggerOffboarding || f.asOf == "" {
		return
	}
	var d *runbook.Deadline
	for i := range f.Access {
		a := &f.Access[i]
		if a.Deadline == "" {
			continue
		}
		for j := range f.Schedule.Deadlines {
			if f.Schedule.Deadlines[j].ID == a.Deadline {
				d = &f.Schedule.Deadlines[j]
			}
		}
		if d == nil || d.Due == "" || !exposure.LeavesTime(*d, f.asOf, DepartureLead) {
			return
		}
		a.AtDeparture = true
	}
	if d == nil {
		return
	}
	var held []string
	var names, exposed []string
	for _, s := range f.Secrets {
		if s.Class == exposure.KillNow && s.Stored {
			// Its new value is written at once, where they can read it.
			exposed = appendOnce(exposed, s.Name)
		}
	}
	for _, st := range f.Steps {
		s := f.SecretByID(st.SecretID)
		if s == nil || st.Phase != runbook.PhaseStore || s.Class == exposure.KillNow {
			continue
		}
		held = append(held, fmt.Sprintf("s%d", st.Order))
		names = appendOnce(names, s.Name)
	}
	for i := range f.Access {
		a := &f.Access[i]
		if a.ID != "stores" {
			continue
		}
		a.Deadline, a.AtDeparture = d.ID, true
		if len(names)+len(exposed) == 0 {
			continue
		}
		q := fmt.Sprintf("%s keeps %s until %s, and the new values of %s are written there before then: narrow their policy now so it excludes these secrets' paths (they keep the rest of their access), or rotate these secrets only after their access ends, before %s?",
			f.Person, a.What, strings.TrimPrefix(d.Label(), "by "), andJoin(append(append([]string{}, exposed...), names...)), strings.TrimPrefix(d.Label(), "by "))
		if len(exposed) > 0 {
			q += fmt.Sprintf(" %s dies now whatever the answer: if their policy still reads its new value, it is rotated again after their access ends.", andJoin(exposed))
		}
		if held == nil {
			held = []string{}
		}
		a.Item = f.Raise(runbook.OpenItem{Source: "planner", Text: "The departing person keeps their access to the store until their last day: are the new values written there before it out of their reach?", Question: q, Blocks: held})
	}
}
