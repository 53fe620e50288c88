package render

import (
	"regexp"
	"slices"
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// beforeT0RE is the lead of an exposure question ("Before step 1 (T0): "):
// the card says by when on the item's line.
var beforeT0RE = regexp.MustCompile(`^Before step \d+ \(T0\): `)

// questionWords start a question after a colon ("A SASL/SCRAM user has one
// password: can you create ...?").
var questionWords = []string{"can ", "could ", "does ", "do ", "is ", "are ", "what ", "which ", "who ", "how ", "should "}

// ShortQuestion is an open item's question as the card asks it: the
// question itself (its first sentence that asks, from its question word
// on), without asides, and naming a list of every secret or every consumer
// as "each secret" or "each consumer" and a list it already named not
// again. The context sentences stay in the appendix (a tabletop reader
// could not act on "(questions: appendix)": the question must be on the
// card).
func ShortQuestion(rb *runbook.Runbook, text, q string) string {
	q = beforeT0RE.ReplaceAllString(strings.Join(strings.Fields(q), " "), "")
	all := runbook.Sentences(q)
	if len(all) == 0 {
		return ""
	}
	s := all[0]
	question := s
	for _, x := range all {
		if strings.HasSuffix(x, "?") {
			s, question = x, x
			break
		}
	}
	if before, after, ok := strings.Cut(cutOutsideCode(s, '?'), ": "); ok && !strings.Contains(before, "\"") && !strings.Contains(before, "`") {
		for _, w := range questionWords {
			if strings.HasPrefix(strings.ToLower(after), w) {
				s = s[len(before)+2:]
				break
			}
		}
	}
	s = stripAsides(s, func(string) bool { return false })
	s = dropOptions(s)
	s = sayListsOnce(rb, s)
	s = shortParts(rb, s)
	if len(strings.Fields(s)) < minQuestionWords {
		// "Which secrets are they?" says nothing alone: what the item is
		// about comes first, and the sentence after it when it says how to
		// find the answer (a command).
		// A lead that is itself a question ("... which must be
		// rotated?") keeps its own mark: never "rotated?. Which".
		lead := strings.TrimSuffix(strings.TrimSpace(text), ".")
		if lead != "" {
			if !strings.HasSuffix(lead, "?") && !strings.HasSuffix(lead, "!") {
				lead += "."
			}
			s = upper(lead) + " " + upper(s)
		}
		if i := slices.Index(all, strings.TrimSpace(question)); i >= 0 && i+1 < len(all) && hasHow(all[i+1]) {
			s += " " + dropAsides(all[i+1])
		}
	}
	return upper(strings.TrimSpace(s))
}

// shortParts shortens a question of several parts ("What are A; B; C?"):
// each part without the options it offers after a colon (the appendix
// lists them) and without the names of some of the secrets it is about
// (the lines that wait for the item name them). A tabletop reader needs
// what to find out, on the card, in one breath.
func shortParts(rb *runbook.Runbook, s string) string {
	parts := splitOutsideCode(strings.TrimSuffix(s, "?"), ';')
	if len(parts) < 2 {
		return s
	}
	var names []string
	if inv := rb.Sections.Inventory; inv != nil {
		for _, sec := range inv.Secrets {
			names = append(names, sec.Name)
		}
	}
	re := listRE(names)
	for i, p := range parts {
		if before, _, ok := strings.Cut(cutOutsideCode(p, '('), ": "); ok && !strings.Contains(before, "`") {
			p = before
		}
		if len(names) > 0 {
			p = re.ReplaceAllStringFunc(p, func(m string) string {
				switch {
				case strings.HasPrefix(m, " each of "):
					return m
				case strings.Contains(p, "consumers"+m):
					// "the consumers of X and Y": the consumers.
					return ""
				}
				return " of each secret"
			})
		}
		if i > 0 && strings.Contains(strings.Join(parts[:i], " "), "each secret") {
			// "of those secrets" again, once "each secret" is said.
			p = strings.ReplaceAll(p, " of those secrets", "")
		}
		// "the Kubernetes namespace of the consumers": the consumers'
		// Kubernetes namespace (said once and shorter: #20's words).
		p = consumersOfRE.ReplaceAllString(p, "the consumers' $1")
		parts[i] = strings.TrimSpace(p)
	}
	return strings.Join(parts, "; ") + "?"
}

// consumersOfRE finds "the <one to three words> of the consumers".
var consumersOfRE = regexp.MustCompile(`\bthe ((?:[A-Za-z-]+ ){0,2}[A-Za-z-]+) of the consumers\b`)

// minQuestionWords is the fewest words a question says alone.
const minQuestionWords = 6

// sayListsOnce names a list of every secret of the runbook (two or more)
// "each secret" and a list of every consumer "each consumer" (after "each
// of"), and drops " of <list>" where the sentence already said that list.
func sayListsOnce(rb *runbook.Runbook, s string) string {
	var names, consumers []string
	if inv := rb.Sections.Inventory; inv != nil {
		for _, sec := range inv.Secrets {
			names = append(names, sec.Name)
			for _, c := range sec.Systems {
				if !slices.Contains(consumers, c) {
					consumers = append(consumers, c)
				}
			}
		}
	}
	if len(names) == 0 {
		return s
	}
	re := listRE(append(slices.Clone(names), consumers...))
	seen := map[string]bool{}
	return re.ReplaceAllStringFunc(s, func(m string) string {
		lead, list := " of ", strings.TrimPrefix(m, " of ")
		if l, ok := strings.CutPrefix(m, " each of "); ok {
			lead, list = " each of ", l
		}
		items := splitList(list)
		switch {
		case seen[list]:
			return ""
		case lead == " each of " && len(consumers) > 1 && sameSet(items, consumers):
			seen[list] = true
			return " each consumer"
		case lead == " of " && len(names) > 1 && sameSet(items, names):
			seen[list] = true
			return " of each secret"
		}
		seen[list] = true
		return m
	})
}

// listRE finds " of a, b and c" and " each of a, b and c" lists of names.
func listRE(names []string) *regexp.Regexp {
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) })
	var q []string
	for _, n := range names {
		if n != "" {
			q = append(q, regexp.QuoteMeta(n))
		}
	}
	one := `(?:` + strings.Join(q, "|") + `)`
	return regexp.MustCompile(`(?: each)? of ` + one + `(?:, ` + one + `)*(?: and ` + one + `)?\b`)
}

// splitList splits "a, b and c".
func splitList(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ", ") {
		a, b, ok := strings.Cut(p, " and ")
		out = append(out, a)
		if ok {
			out = append(out, b)
		}
	}
	return out
}

// sameSet reports whether two lists hold the same names.
func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}

// optionsRE finds the options a question offers after its colon, at its
// end (": Deployment, StatefulSet, DaemonSet, CronJob or Job?").
var optionsRE = regexp.MustCompile(`: [A-Z][\w-]*(?:, [A-Z][\w-]*)*,? or [A-Z][\w-]*\?$`)

// dropOptions asks a question without the options it lists (the appendix
// has them whole): a reader who knows the answer knows its kind.
func dropOptions(s string) string {
	return optionsRE.ReplaceAllString(s, "?")
}
