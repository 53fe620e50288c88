package intake

import (
	"strings"

	"github.com/rotor-dev/rotor/internal/runbook"
)

// CommandWords are the cue words of the Slack /rotate command
// (lexicon/command.yaml).
type CommandWords struct {
	Triggers     []TriggerWords      `yaml:"triggers"`
	Public       []string            `yaml:"public"`
	Environments map[string][]string `yaml:"environments"`
	EnvPrefix    []string            `yaml:"env_prefix"`
	SystemMarker []string            `yaml:"system_marker"`
	SystemEnd    []string            `yaml:"system_end"`
	SecretWords  []string            `yaml:"secret_words"`
	StopWords    []string            `yaml:"stop_words"`
	Separators   []string            `yaml:"separators"`
	Options      []string            `yaml:"options"`
}

// TriggerWords name a trigger.
type TriggerWords struct {
	Trigger string   `yaml:"trigger"`
	Words   []string `yaml:"words"`
	With    []string `yaml:"with"`
}

// Command is what a /rotate command says.
type Command struct {
	// Options are the key=value options ("store=vault").
	Options map[string]string
	// System is what follows "for", or "".
	System       string
	Trigger      runbook.Trigger
	Exposure     runbook.Exposure
	Environments []string
	// Secrets are the secrets' names as written.
	Secrets []string
	// Constraints are the parts that name no secret but say something
	// intake reads (a time rule, a deadline, a binding rule).
	Constraints []string
}

// ReadCommand reads a /rotate command: options, the system, the trigger,
// environments, the secrets named and the constraints stated.
func ReadCommand(text string) Command {
	lex := DefaultLexicon()
	cw := lex.Command
	c := &lex.c
	cmd := Command{Options: map[string]string{}}
	rest := readOptions(text, cw.Options, cmd.Options)
	toks := tokenize(rest)
	used := make([]bool, len(toks))
	// "for <system>": up to an ending word or mark.
	for _, m := range c.cmdSystem.find(toks, 0, len(toks)) {
		end := m.to
		for end < len(toks) && !c.cmdSystemEnd.has(toks, end, end+1) {
			end++
		}
		if end > m.to {
			cmd.System = quote(&parsedText{text: rest, toks: toks}, m.to, end)
			for k := m.from; k < end; k++ {
				used[k] = true
			}
		}
		break
	}
	for _, tw := range cw.Triggers {
		i := c.cmdTriggers[tw.Trigger]
		if !i.words.has(toks, 0, len(toks)) || (i.with != nil && !i.with.has(toks, 0, len(toks))) {
			continue
		}
		cmd.Trigger = runbook.Trigger(tw.Trigger)
		break
	}
	if cmd.Trigger.IsLeak() && c.cmdPublic.has(toks, 0, len(toks)) {
		cmd.Exposure = runbook.ExposurePublic
	}
	// "in staging, production": the environments.
	for _, m := range c.cmdEnvPrefix.find(toks, 0, len(toks)) {
		k := m.to
		var envs []string
		for k < len(toks) {
			if e := c.cmdEnvs.find(toks, k, k+1); len(e) > 0 {
				envs = appendOnce(envs, e[0].p.label)
				k++
				continue
			}
			if len(envs) > 0 && (toks[k].text == "," || toks[k].low == "and") {
				k++
				continue
			}
			break
		}
		if len(envs) > 0 {
			cmd.Environments = envs
			for x := m.from; x < k; x++ {
				used[x] = true
			}
			break
		}
	}
	// What is left, split at the separators: each part names a secret (its
	// name ends with its last secret word), or states a constraint.
	start := 0
	flush := func(end int) {
		if part := rd(rest, toks, used, start, end); part != nil {
			if name := secretName(part, c); name != "" {
				cmd.Secrets = append(cmd.Secrets, name)
			} else if q := joinTokens(rest, part); q != "" {
				cmd.Constraints = append(cmd.Constraints, q)
			}
		}
	}
	for i := range toks {
		if used[i] || c.cmdSeparators.has(toks, i, i+1) {
			flush(i)
			start = i + 1
		}
	}
	flush(len(toks))
	// A constraint is kept only when intake reads something in it.
	var kept []string
	for _, ct := range cmd.Constraints {
		r := Read(&runbook.Request{System: "command", Secrets: []runbook.Secret{{Name: "command"}}, Constraints: []string{ct}},
			Options{Targets: []Target{{Name: "command"}}})
		if len(r.Texts) > 0 && len(r.Texts[0].Directives) > 0 {
			kept = append(kept, ct)
		}
	}
	cmd.Constraints = kept
	return cmd
}

// rd returns the unused tokens of a part.
func rd(_ string, toks []token, used []bool, from, to int) []token {
	var out []token
	for k := from; k < to; k++ {
		if !used[k] {
			out = append(out, toks[k])
		}
	}
	return out
}

// joinTokens writes tokens back as the text had them.
func joinTokens(text string, toks []token) string {
	if len(toks) == 0 {
		return ""
	}
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.from > toks[i-1].to {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return strings.Trim(b.String(), " .,:;!?()\"'")
}

// secretName finds a secret's name in a part: it ends with the last secret
// word and starts after the last filler word (or a word ending in ':')
// before it.
func secretName(part []token, c *compiled) string {
	last := -1
	for i, t := range part {
		if c.cmdSecretWords.has([]token{t}, 0, 1) {
			last = i
		}
	}
	if last < 0 {
		return ""
	}
	first := last
	for first > 0 {
		prev := part[first-1]
		if strings.HasSuffix(prev.text, ":") || prev.text == ":" || c.cmdStopWords.has([]token{prev}, 0, 1) || prev.punct() {
			break
		}
		first--
	}
	return strings.Trim(joinTokens("", part[first:last+1]), " .,:;!?()\"'")
}

// readOptions takes key=value options (a value in double quotes may hold
// spaces) out of a command and returns the rest.
func readOptions(text string, keys []string, into map[string]string) string {
	var rest strings.Builder
	i := 0
	for i < len(text) {
		matched := false
		if i == 0 || text[i-1] == ' ' || text[i-1] == '\t' {
			for _, k := range keys {
				if len(text) > i+len(k) && strings.EqualFold(text[i:i+len(k)], k) && text[i+len(k)] == '=' {
					j := i + len(k) + 1
					var v string
					if j < len(text) && text[j] == '"' {
						end := strings.IndexByte(text[j+1:], '"')
						if end < 0 {
							end = len(text) - j - 1
						}
						v, j = text[j+1:j+1+end], min(len(text), j+end+2)
					} else {
						end := strings.IndexAny(text[j:], " \t")
						if end < 0 {
							end = len(text) - j
						}
						v, j = text[j:j+end], j+end
					}
					into[strings.ToLower(k)] = v
					rest.WriteByte(' ')
					i, matched = j, true
					break
				}
			}
		}
		if !matched {
			rest.WriteByte(text[i])
			i++
		}
	}
	return rest.String()
}
