package intake

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// FieldRuntime is a detail that says how a consumer runs (review17-cold4 P5):
// Value is the runtime (kubernetes, serverless, vm, ci_cd, manual), Tool the
// change path that owns it (gitops, ansible) or "", Values its workload
// kind, its serverless platform, its Ansible playbook, the file on its hosts
// it reads and how its Kubernetes Secret syncs (each "" when the text does
// not say). Scope.Consumers are the consumers it describes.
const FieldRuntime = "runtime"

//go:embed runtimes.yaml
var runtimesYAML []byte

// runtimeEntry is one row of runtimes.yaml.
type runtimeEntry struct {
	Runtime   string   `yaml:"runtime"`
	Workload  string   `yaml:"workload"`
	Platform  string   `yaml:"platform"`
	ManagedBy string   `yaml:"managed_by"`
	Sync      string   `yaml:"sync"`
	Words     []string `yaml:"words"`
}

// runtimeLexicon is runtimes.yaml, compiled.
type runtimeLexicon struct {
	Runtimes     []runtimeEntry `yaml:"runtimes"`
	PlaybookCues []string       `yaml:"playbook_cues"`
	Collective   []string       `yaml:"collective"`
	// KindsAfter are workload kinds said right after a Kubernetes runtime
	// word; FileRoots and FileExtensions tell a file a consumer reads.
	KindsAfter     map[string][]string `yaml:"kinds_after"`
	Refines        map[string]string   `yaml:"refines"`
	SoleConsumer   []string            `yaml:"sole_consumer_workloads"`
	FileRoots      []string            `yaml:"file_roots"`
	FileExtensions []string            `yaml:"file_extensions"`
	words          *phrases
	playbook       *phrases
}

var (
	runtimeOnce sync.Once
	runtimeLex  *runtimeLexicon
	runtimeErr  error
)

// runtimeWords returns the embedded runtime lexicon, loaded and checked once.
func runtimeWords() *runtimeLexicon {
	runtimeOnce.Do(func() { runtimeLex, runtimeErr = loadRuntimes(runtimesYAML) })
	if runtimeErr != nil {
		panic(runtimeErr)
	}
	return runtimeLex
}

// loadRuntimes decodes runtimes.yaml strictly and checks every row.
func loadRuntimes(data []byte) (*runtimeLexicon, error) {
	l := &runtimeLexicon{}
	if err := yaml.NewDecoder(bytes.NewReader(data), yaml.Strict()).Decode(l); err != nil {
		return nil, fmt.Errorf("intake: runtimes.yaml: %w", err)
	}
	runtimes := []string{"", string(runbook.DeployKubernetes), string(runbook.DeployServerless), string(runbook.DeployVM), string(runbook.DeployCICD), string(runbook.DeployManual)}
	l.words = &phrases{byFirst: map[string][]*phrase{}}
	seen := map[string]bool{}
	for i, e := range l.Runtimes {
		switch {
		case !slices.Contains(runtimes, e.Runtime):
			return nil, fmt.Errorf("intake: runtimes.yaml row %d: unknown runtime %q", i, e.Runtime)
		case e.ManagedBy != "" && e.ManagedBy != ToolGitOps && e.ManagedBy != ToolAnsible:
			return nil, fmt.Errorf("intake: runtimes.yaml row %d: unknown change path %q", i, e.ManagedBy)
		case len(e.Words) == 0:
			return nil, fmt.Errorf("intake: runtimes.yaml row %d: no words", i)
		}
		for _, w := range e.Words {
			if w != strings.ToLower(w) || seen[w] {
				return nil, fmt.Errorf("intake: runtimes.yaml row %d: %q is upper case or listed twice", i, w)
			}
			seen[w] = true
		}
		compilePhrases(e.Words, fmt.Sprint(i), l.words)
	}
	l.playbook = compilePhrases(l.PlaybookCues, "playbook", nil)
	if len(l.FileRoots) == 0 || len(l.FileExtensions) == 0 {
		return nil, fmt.Errorf("intake: runtimes.yaml: no file_roots or file_extensions")
	}
	return l, nil
}

// consumerMention is a consumer's name found in a text: tokens [from, to).
type consumerMention struct {
	name     string
	from, to int
}

// runtimeDirectives read how the consumers a sentence names run: one
// directive per consumer, with what every runtime phrase bound to it says.
func (rd *reader) runtimeDirectives(p *parsedText, from, to, secret int) []Directive {
	lex := runtimeWords()
	found := lex.words.find(p.toks, from, to)
	if len(found) == 0 {
		return nil
	}
	mentions := rd.consumerMentions(p, from, to)
	if len(mentions) == 0 && secret >= 0 && secret < len(rd.targets) {
		// "All of these run on AKS": every consumer of the note's secret.
		opening := strings.ToLower(p.text[p.toks[from].from:p.toks[min(to, len(p.toks))-1].to])
		if slices.ContainsFunc(lex.Collective, func(c string) bool { return strings.HasPrefix(opening, c) }) {
			for _, c := range rd.targets[secret].Consumers {
				mentions = append(mentions, consumerMention{name: c, from: from, to: from})
			}
		}
	}
	if len(mentions) == 0 && secret >= 0 && secret < len(rd.targets) && len(rd.targets[secret].Consumers) == 1 {
		// "The bundle is built by Cloud Build with the key baked in at
		// build time", "the Key Vault CSI driver syncs the secret": a build
		// or a sync phrase in the notes of a secret with one consumer
		// speaks of that consumer, named or not.
		for _, m := range found {
			if m.p.label == "file" {
				continue
			}
			idx, _ := strconv.Atoi(m.p.label)
			if e := lex.Runtimes[idx]; slices.Contains(lex.SoleConsumer, e.Workload) || e.Sync != "" {
				mentions = append(mentions, consumerMention{name: rd.targets[secret].Consumers[0], from: from, to: from})
				break
			}
		}
	}
	if len(mentions) == 0 && secret >= 0 && rd.rtPrevP == p && len(rd.rtPrev) > 0 && from >= rd.rtPrevTo && from-rd.rtPrevTo <= 1 && rd.rtPrevTo > 0 &&
		from < len(p.toks) && semicolonBetween(p.text[p.toks[rd.rtPrevTo-1].to:p.toks[from].from]) {
		for _, c := range rd.rtPrev {
			mentions = append(mentions, consumerMention{name: c, from: from, to: from})
		}
	}
	if len(mentions) == 0 {
		return nil
	}
	// A file the consumer reads its value from binds like a runtime
	// phrase: it adds the file to what the others say.
	files := map[int]string{}
	for k := from; k < to; k++ {
		if f := lex.file(p.toks[k].text); f != "" {
			files[k] = f
			found = append(found, match{from: k, to: k + 1, p: &phrase{label: "file"}})
		}
	}
	slices.SortStableFunc(found, func(a, b match) int { return a.from - b.from })
	type reading struct {
		runtime, workload, platform, managedBy, playbook, file, sync string
		evidence                                                     []match
	}
	byName := map[string]*reading{}
	var order []string
	var prev []string
	last := from
	for _, m := range found {
		var bound []string
		for _, c := range mentions {
			if c.from >= last && c.to <= m.from {
				bound = appendUnique(bound, c.name)
			}
		}
		if len(bound) == 0 {
			bound = prev
		}
		var e runtimeEntry
		if m.p.label != "file" {
			idx, _ := strconv.Atoi(m.p.label)
			e = lex.Runtimes[idx]
		}
		// A UI, a standby or a file speaks of a consumer already named,
		// never of the next one ("created in the settings page; billing-api
		// runs on ECS").
		backward := m.p.label == "file" || e.Workload == "ui" || e.Workload == "standby"
		if len(bound) == 0 && !backward {
			for _, c := range mentions {
				if c.from >= m.to {
					bound = []string{c.name}
					break
				}
			}
		}
		last = m.to
		if len(bound) == 0 {
			continue
		}
		prev = bound
		if e.Runtime == string(runbook.DeployKubernetes) && e.Workload == "" && m.to < to {
			// "a K8s Deployment": the kind said right after the runtime.
			for kind, words := range lex.KindsAfter {
				if slices.Contains(words, p.toks[m.to].low) {
					e.Workload = kind
				}
			}
		}
		for _, name := range bound {
			r := byName[name]
			if r == nil {
				r = &reading{}
				byName[name] = r
				order = append(order, name)
			}
			fill := func(dst *string, v string) {
				if *dst == "" {
					*dst = v
				}
			}
			fill(&r.runtime, e.Runtime)
			if e.Workload != "" && lex.Refines[r.workload] == e.Workload && e.Runtime == r.runtime {
				r.workload = e.Workload
			}
			fill(&r.workload, e.Workload)
			fill(&r.platform, e.Platform)
			fill(&r.managedBy, e.ManagedBy)
			fill(&r.file, files[m.from])
			fill(&r.sync, e.Sync)
			r.evidence = append(r.evidence, m)
		}
	}
	// "configured only by Ansible (playbook eligibility.yml)": the play's
	// file, for the consumers Ansible was bound to.
	playbook := ""
	for _, m := range lex.playbook.find(p.toks, from, to) {
		for k := m.to; k < min(to, m.to+3); k++ {
			w := strings.Trim(p.toks[k].text, "`'\"()")
			if strings.HasSuffix(w, ".yml") || strings.HasSuffix(w, ".yaml") {
				playbook = w
				break
			}
		}
	}
	var out []Directive
	for _, name := range order {
		r := byName[name]
		if r.runtime == "" && r.file != "" {
			// A file on its hosts: a host's.
			r.runtime = string(runbook.DeployVM)
		}
		if r.runtime == "" {
			continue
		}
		pb := ""
		if r.managedBy == ToolAnsible {
			pb = playbook
		}
		scope := Scope{All: secret < 0, Secrets: []int{}, Words: []string{name}, Consumers: []string{name}}
		if secret >= 0 {
			scope.Secrets = []int{secret}
		}
		out = append(out, Directive{Kind: KindDetail, Field: FieldRuntime, Value: r.runtime, Tool: r.managedBy,
			Values: []string{r.workload, r.platform, pb, r.file, r.sync}, Scope: scope, Evidence: evidence(r.evidence)})
	}
	if secret >= 0 && len(order) > 0 {
		rd.rtPrev, rd.rtPrevP, rd.rtPrevTo = order, p, to
	}
	return out
}

// semicolonBetween reports whether the text between two clauses joins them
// with a semicolon, not a full stop: only then does the second speak of
// the consumers the first bound ("…runner VM; the PAT is in … done by
// Ansible"), never after a new sentence ("…fluent-bit needs a rollout
// restart. The CircleCI use goes away with CircleCI.").
func semicolonBetween(gap string) bool {
	return strings.Contains(gap, ";") && !strings.Contains(gap, ".")
}

// Refines reports whether workload finer says more than coarse, for one
// consumer (runtimes.yaml refines: a static build is a build).
func Refines(coarse, finer string) bool {
	return coarse != "" && runtimeWords().Refines[coarse] == finer
}

// file is a token as the path of a file a consumer reads ("~/.my.cnf",
// "app/etc/local.xml", "/etc/scanner-gateway/amqp.env"), or "".
func (l *runtimeLexicon) file(tok string) string {
	t := strings.TrimRight(strings.Trim(tok, "`'\"()[],;"), ".:")
	if strings.Contains(t, "://") || strings.ContainsAny(t, "*?{}<>") || strings.Contains(t, "//") {
		return ""
	}
	low := strings.ToLower(t)
	for _, root := range l.FileRoots {
		if strings.HasPrefix(low, root) && len(t) > len(root) {
			return t
		}
	}
	if !strings.Contains(t, "/") || strings.HasPrefix(t, "/") || storePath(t) {
		return ""
	}
	for _, ext := range l.FileExtensions {
		if strings.HasSuffix(low, ext) && len(t) > len(ext) {
			return t
		}
	}
	return ""
}

// consumerMentions are the consumers of the request's secrets a range names
// by their whole name, in text order (the longest name at each place).
func (rd *reader) consumerMentions(p *parsedText, from, to int) []consumerMention {
	var names []string
	for _, t := range rd.targets {
		for _, c := range t.Consumers {
			names = appendUnique(names, c)
		}
	}
	var out []consumerMention
	for i := from; i < to; i++ {
		best := consumerMention{to: -1}
		for _, n := range names {
			nt := tokenize(strings.ToLower(n))
			if len(nt) == 0 || i+len(nt) > to {
				continue
			}
			ok := true
			for k := range nt {
				if p.toks[i+k].low != nt[k].low {
					ok = false
					break
				}
			}
			if ok && i+len(nt) > best.to {
				best = consumerMention{name: n, from: i, to: i + len(nt)}
			}
		}
		if best.to > 0 {
			out = append(out, best)
			i = best.to - 1
		}
	}
	return out
}

func appendUnique(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// RuntimeOfName is how a consumer runs when its own name says it ("prod
// EKS imagePullSecret dockerhub-pull", "CircleCI config-lint job"): the
// runtime, workload, platform and change path of the first runtime phrase
// in it, all "" when none is.
func RuntimeOfName(name string) (runtime, workload, platform, managedBy string) {
	lex := runtimeWords()
	toks := tokenize(name)
	for _, m := range lex.words.find(toks, 0, len(toks)) {
		idx, _ := strconv.Atoi(m.p.label)
		e := lex.Runtimes[idx]
		if e.Runtime != "" {
			return e.Runtime, e.Workload, e.Platform, e.ManagedBy
		}
	}
	return "", "", "", ""
}
