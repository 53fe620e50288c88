package planner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// cutOff applies a sentence that says a consumer or a party must never get
// the new value (intake.FieldCutOff, review17-cold4 critical 5 and 15): the
// consumer leaves the secret's consumers (no deploy, no verify, no comms
// about it) and is listed as cut off; it stops working when the old value
// dies. The parties it names are remembered so the places they can read
// never get the new value either (cutOffPlaces).
func (a *applier) cutOff(d intake.Directive, targets []string) {
	f, r := a.f, a.r
	ids := targets
	if d.Scope.All || len(ids) == 0 {
		ids = nil
		for _, s := range f.Secrets {
			ids = append(ids, s.ID)
		}
	}
	var cut []string
	for _, id := range ids {
		s := f.SecretByID(id)
		if s == nil {
			continue
		}
		kept := s.Consumers[:0]
		for _, c := range s.Consumers {
			if runbook.OneOf(d.Scope.Consumers, c.Name) {
				s.CutOff = appendOnce(s.CutOff, c.Name)
				cut = appendOnce(cut, c.Name)
				continue
			}
			kept = append(kept, c)
		}
		s.Consumers = kept
		for _, p := range d.Values {
			s.CutOffParties = appendOnce(s.CutOffParties, p)
		}
	}
	who := andJoin(append(append([]string{}, d.Values...), cut...))
	if who == "" {
		return
	}
	effect := "never given the new value, never written where they can read it"
	if len(cut) > 0 {
		effect = andJoin(cut) + " is cut off: never redeployed, verified or given the new value; it stops working when the old value dies"
	}
	r.add("", who+" must never get the new value", effect)
}

// cutOffPlaces moves a copy the request names together with a cut-off
// party ("Our shared vault 'Agency - Pixelforge'") out of the copies the
// store step updates: the party can read it, so the new value never goes
// there (review17-cold4 major 16).
func cutOffPlaces(f *Facts) {
	// A place is the party's when any text that names it as a copy names
	// the party too; then no secret's store step writes there.
	var parties []string
	quotes := map[string]string{}
	for _, s := range f.Secrets {
		parties = append(parties, s.CutOffParties...)
		for cp, q := range s.copyQuotes {
			quotes[cp] += " " + strings.ToLower(cp+" "+q)
		}
	}
	if len(parties) == 0 {
		return
	}
	theirs := func(cp string) bool {
		return slices.ContainsFunc(parties, func(p string) bool { return strings.Contains(quotes[cp], strings.ToLower(p)) })
	}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		kept := s.Copies[:0]
		for _, cp := range s.Copies {
			if theirs(cp) {
				s.CutOffPlaces = appendOnce(s.CutOffPlaces, cp)
				continue
			}
			kept = append(kept, cp)
		}
		s.Copies = kept
	}
}

// personalConsumers moves a consumer that is a person's own machine or
// place ("Dana's laptop (terraform CLI)") out of the consumers: it is what
// that person holds, never a consumer to roll the new value out to
// (review17-cold4 critical 7: "Roll out Dana's laptop ... so they read the
// new value" handed the replacement to the leaver). It joins the secret's
// personal copies, which the store step says never get the new value.
func personalConsumers(f *Facts) {
	d := intake.DefaultLexicon().Details
	for i := range f.Secrets {
		s := &f.Secrets[i]
		kept := s.Consumers[:0]
		for _, c := range s.Consumers {
			if personalPlace(c.Name, d.Personal, d.Owners) {
				s.PersonalCopies = appendOnce(s.PersonalCopies, "on "+c.Name)
				continue
			}
			kept = append(kept, c)
		}
		s.Consumers = kept
	}
}

// personalPlace reports whether a name is a person's own place: a
// personal place word after a possessive ("Dana's laptop") or a personal
// owner word ("her laptop", "my workstation").
func personalPlace(name string, places, owners []string) bool {
	low := " " + strings.ToLower(name) + " "
	for _, p := range places {
		k := strings.Index(low, " "+p+" ")
		if k < 0 {
			k = strings.Index(low, " "+p+"(")
		}
		if k <= 0 {
			continue
		}
		before := strings.Fields(low[:k])
		if len(before) == 0 {
			continue
		}
		last := before[len(before)-1]
		if strings.HasSuffix(last, "'s") || strings.HasSuffix(last, "’s") || runbook.OneOf(owners, last) {
			return true
		}
	}
	return false
}

// retireUnreplaced kills, and never replaces, a credential nothing
// replaces: one the request says so of ("Nothing replaces it - it goes
// away with Heroku"), or one whose every consumer is cut off ("Dedicated
// to Loomwright, nothing of ours uses it" with "Loomwright does not get any
// new credentials"). review17-cold5 rows 17, 19, 58: a new key was
// created and deployed to the party that must get nothing.
func retireUnreplaced(f *Facts) {
	for i := range f.Secrets {
		s := &f.Secrets[i]
		why := ""
		switch {
		case s.NotReplaced != "":
			why = fmt.Sprintf("the request says %q", s.NotReplaced)
			// Its consumers get nothing new: they stop with the old value
			// (a disabled workflow, a system that goes away).
			for _, c := range s.Consumers {
				s.CutOff = appendOnce(s.CutOff, c.Name)
			}
			s.Consumers = nil
		case s.Entry != nil && s.Entry.NotReplaced != "":
			why = s.Entry.NotReplaced
			for _, c := range s.Consumers {
				s.CutOff = appendOnce(s.CutOff, c.Name)
			}
			s.Consumers = nil
		case len(s.Consumers) == 0 && len(s.CutOff) > 0:
			why = andJoin(s.CutOff) + " must never get a new value and nothing else uses it"
		default:
			continue
		}
		s.RetireOnly = true
		if s.Strategy != runbook.StrategyRevokeFirst {
			s.Strategy = runbook.StrategyRevokeFirst
			s.StrategyReason = "revoke_first: nothing replaces it, so nothing waits for an overlap"
			s.RollbackWindow = "none: a credential nothing replaces is never restored"
		}
		s.StrategyReason += "; " + why + ": nothing replaces it, so it is revoked and never issued again"
	}
}

// outsidePartners moves a consumer that is a party outside the company out
// of the secret's consumers (review17-cold6 rows 49, 50, X7: Banco Aurora
// verifies our JWT "on their side", and "anything for them goes through
// partner success (Rafaela Costa)"): a consumer the services do not list,
// named in a sentence that forbids contacting it or routes messages to it,
// or named with "their side" in the secret's notes. It becomes one of the
// secret's Partners: told before the change, never frozen or redeployed.
func outsidePartners(f *Facts, req *runbook.Request) {
	services := map[string]bool{}
	for _, sv := range req.Services {
		services[strings.ToLower(sv.Name)] = true
	}
	var told []string
	for _, c := range req.Constraints {
		for _, sent := range intake.Sentences(c) {
			if intake.NamesNoImpact(sent) || intake.RoutesMessages(sent) {
				told = append(told, strings.ToLower(sent))
			}
		}
	}
	for _, q := range f.Told().NeverContact {
		told = append(told, strings.ToLower(q))
	}
	for i := range f.Secrets {
		s := &f.Secrets[i]
		notes := strings.ToLower(s.Notes)
		kept := s.Consumers[:0]
		for _, c := range s.Consumers {
			name := strings.ToLower(c.Name)
			outside := !services[name] && len(name) > 2 && (slices.ContainsFunc(told, func(t string) bool { return strings.Contains(t, name) }) ||
				theirSide(notes, name))
			if outside {
				s.Partners = appendOnce(s.Partners, c.Name)
				continue
			}
			kept = append(kept, c)
		}
		s.Consumers = kept
	}
}

// theirSide reports whether notes say a party acts "on their side" in the
// sentence that names it ("and so does Banco Aurora on their side").
func theirSide(notes, name string) bool {
	for _, sent := range intake.Sentences(notes) {
		if strings.Contains(sent, name) && (strings.Contains(sent, "their side") || strings.Contains(sent, "their end")) {
			return true
		}
	}
	return false
}

// SoleActor is a person the request says alone can do what a consumer
// needs to take the new value ("Only Jonas Richter can edit the dbt Cloud
// connection"), away until Away: Item asks at T0 who does it meanwhile and
// what the kill does to the consumer; it holds the deploy steps (Steps)
// that update the consumer.
type SoleActor struct {
	Item      string   `json:"item"`
	Who       string   `json:"who"`
	Act       string   `json:"act"`
	Away      string   `json:"away,omitempty"`
	Consumers []string `json:"consumers"`
	SecretIDs []string `json:"secret_ids"`
	Steps     []int    `json:"steps,omitempty"`
}

// soleActor applies "Only <person> can <act>. He is on leave until Wed
// noon." (review17-cold6 row 12, critical: the Snowflake key was killed at
// T0 and dbt-cloud-prod told to "redeploy on its runtime" while the one
// person who can edit its connection is away): the consumers the act names
// cannot take the new value without that person; asked at T0.
func (a *applier) soleActor(sa intake.SoleActor) {
	f := a.f
	cons, ids := actConsumers(f, sa.Act)
	if len(cons) == 0 {
		a.r.add("", "only "+sa.Who+" can "+sa.Act, "names no consumer of this runbook's secrets: a fact")
		return
	}
	away := "is the only one who can do it"
	if sa.Away != "" {
		away = "is away (" + sa.Away + ")"
	}
	q := fmt.Sprintf("Only %s can %s, and %s %s: %s cannot take the new %s without them. Ask at once, at T0: can someone reach %s now, or who else can do it? Until someone does, the kill of the old credential stops %s (pause its production jobs first, or accept it), and the step that updates it waits.",
		sa.Who, sa.Act, firstName(sa.Who), away, andJoin(cons), ofSecretsBare(f, ids), firstName(sa.Who), andJoin(cons))
	item := f.Raise(runbook.OpenItem{Source: sa.Source, Text: sa.Quote, Question: q, Blocks: ids})
	f.SoleActors = append(f.SoleActors, SoleActor{Item: item, Who: sa.Who, Act: sa.Act, Away: sa.Away, Consumers: cons, SecretIDs: ids})
	a.r.add("", "only "+sa.Who+" can "+sa.Act+" ("+andJoin(cons)+")", "asked at T0 in open item "+item+": who updates "+andJoin(cons)+" while "+firstName(sa.Who)+" is away; the step that updates it waits")
}

func firstName(who string) string {
	first, _, _ := strings.Cut(who, " ")
	return first
}

// actConsumers are the consumers whose name shares the most telling words
// with an act ("edit the dbt Cloud connection": dbt-cloud-prod), and the
// secrets they consume.
func actConsumers(f *Facts, act string) ([]string, []string) {
	generic := []string{"prod", "production", "staging", "stage", "dev", "service", "svc", "api", "app", "job", "jobs", "worker", "the", "a", "of", "and"}
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(act), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		words[w] = true
	}
	best := 0
	var cons, ids []string
	for _, s := range f.Secrets {
		for _, c := range s.Consumers {
			n := 0
			for _, w := range strings.FieldsFunc(strings.ToLower(c.Name), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
				if words[w] && !slices.Contains(generic, w) && len(w) > 2 {
					n++
				}
			}
			switch {
			case n == 0 || n < best:
				continue
			case n > best:
				best, cons, ids = n, nil, nil
			}
			cons = appendOnce(cons, c.Name)
			ids = appendOnce(ids, s.ID)
		}
	}
	return cons, ids
}

// soleActorSteps binds each sole actor's item to the production deploy
// steps of its secrets, once the steps exist.
func soleActorSteps(f *Facts) {
	for i := range f.SoleActors {
		sa := &f.SoleActors[i]
		var blocks []string
		for _, st := range f.Steps {
			if runbook.OneOf(sa.SecretIDs, st.SecretID) && st.Phase == runbook.PhaseDeploy && runbook.IsProduction(st.Environment) {
				sa.Steps = append(sa.Steps, st.Order)
				blocks = append(blocks, fmt.Sprintf("s%d", st.Order))
			}
		}
		for j := range f.OpenItems {
			if it := &f.OpenItems[j]; it.ID == sa.Item {
				if blocks == nil {
					blocks = []string{}
				}
				it.Blocks = blocks
			}
		}
	}
}
