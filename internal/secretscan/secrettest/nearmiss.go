package secrettest

import (
	_ "embed"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
)

// nearmiss.txt holds the benign texts that come close to the prefix rule.
//
//go:embed nearmiss.txt
var nearMissFile string

var nearMissSlot = regexp.MustCompile(`\{(hex|HEX|alnum|upperdigit|x|X|0):(\d+)\}|\{uuid\}`)

// NearMisses are the benign texts of nearmiss.txt: known prefixes named in
// prose, documentation placeholders after a prefix, names and paths that
// start like a prefix, ids whose prefix is not a credential's (Stripe
// customer and publishable ids, AWS role ids, OpenAI organisation ids),
// UUIDs, git SHAs and hashes named as such. None may be refused. Their
// random parts are drawn at test time.
func NearMisses(r *rand.Rand) []string {
	sets := map[string]string{"hex": hexChars, "HEX": strings.ToUpper(hexChars), "alnum": alnumChars, "upperdigit": upperChars + digitChars}
	var out []string
	for _, line := range strings.Split(nearMissFile, "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, nearMissSlot.ReplaceAllStringFunc(line, func(slot string) string {
			if slot == "{uuid}" {
				return uuid(r)
			}
			m := nearMissSlot.FindStringSubmatch(slot)
			n, err := strconv.Atoi(m[2])
			if err != nil {
				panic(fmt.Sprintf("secrettest: nearmiss.txt: %s", slot))
			}
			if set, ok := sets[m[1]]; ok {
				return Body(r, set, n)
			}
			return strings.Repeat(m[1], n)
		}))
	}
	return out
}
