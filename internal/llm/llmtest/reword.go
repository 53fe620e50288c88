package llmtest

import (
	"encoding/json"
	"hash/fnv"
	"strings"
)

// A model writes its own prose: the same facts, other words. The double's
// answers are the offline writer's sections; with Model.Reword set, their
// prose is reworded so that nothing rotor computed on the offline text
// (the output screen, the lint rules' text memos, the whole-runbook lint
// it skips when every section is the offline one) can be reused for the
// answer. Rewording keeps every fact and every word a check reads: ids,
// enums, names, environments, consumers, commands in backticks, windows and
// step numbers are left as they are; only the prose fields below change, by
// a few word swaps and one added sentence that names no action, product,
// time or secret.

// proseKeys are the fields of the sections' JSON that hold prose.
var proseKeys = map[string]bool{
	"action": true, "verify": true, "reason": true, "rationale": true, "business_impact": true, "checklist": true,
	"backup_plan": true, "scope": true, "body": true, "send_when": true, "how": true, "title": true, "evidence": true,
	"when": true, "containment": true, "triggers": true, "step": true, "possible_until": true, "expected": true,
	"how_loaded": true,
}

// swaps are word swaps that change no meaning a rule reads (each side is
// free of kill, reload, time, negation and product words).
var swaps = [][2]string{
	{"every ", "each "},
	{"Every ", "Each "},
	{" also ", " as well "},
	{" listing ", " naming "},
	{" must ", " has to "},
	{" uses ", " relies on "},
	{"Open a ", "Raise a "},
	{" whether ", " if "},
}

// asides are the sentences rewording adds, one per prose value.
var asides = []string{
	"Note the result in the ticket.",
	"Say so in the ticket if anything looks off.",
	"Ask in the channel if unsure.",
	"Keep the ticket in sync with this.",
	"Double-check this with a colleague.",
	"Record who did it in the ticket.",
}

// remarks are what rewording adds to a value that is not a sentence.
var remarks = []string{" (as planned)", " (see the ticket)", " (per the plan)", " (as agreed)"}

// reword returns a section's JSON with its prose reworded (deterministic
// in seed and the text), or data as it is when it is not an object.
func reword(data []byte, seed uint64) []byte {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return data
	}
	v = rewordValue(v, "", seed)
	out, err := json.Marshal(v)
	if err != nil {
		return data
	}
	return out
}

func rewordValue(v any, key string, seed uint64) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = rewordValue(e, k, seed)
		}
	case []any:
		for i, e := range x {
			x[i] = rewordValue(e, key, seed)
		}
	case string:
		if proseKeys[key] {
			return Reword(x, seed)
		}
	}
	return v
}

// Reword rewords one prose value: the same text with some of the swaps
// made outside backticks, chosen by seed and the text, and one aside
// added: a sentence after a value that ends one, a remark in brackets
// after any other. Values of fewer than three
// words (labels, "all") stay as they are.
func Reword(s string, seed uint64) string {
	if len(strings.Fields(s)) < 3 {
		return s
	}
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(seed >> (8 * i))
	}
	h.Write(b[:])
	h.Write([]byte(s))
	sum := h.Sum64()
	// Code spans (odd pieces) are kept verbatim.
	pieces := strings.Split(s, "`")
	for i := 0; i < len(pieces); i += 2 {
		for k, sw := range swaps {
			if sum>>(k%64)&1 == 1 {
				pieces[i] = strings.ReplaceAll(pieces[i], sw[0], sw[1])
			}
		}
	}
	out := strings.Join(pieces, "`")
	if strings.HasSuffix(out, ".") {
		return out + " " + asides[sum%uint64(len(asides))]
	}
	return out + remarks[sum%uint64(len(remarks))]
}
