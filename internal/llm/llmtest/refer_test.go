package llmtest

import (
	"strings"
	"testing"

	"github.com/rotor-dev/rotor/prompts"
)

// TestReferCopiesOnlyTheDataBlocksReferences: a model can copy only the
// references its prompt's data block holds. The task text's example
// ("`{{c1}}`, `{{c2}}`, ...") names no command, so an answer must keep the
// commands of c1 and c2 written out when the data block refers only to c3.
func TestReferCopiesOnlyTheDataBlocksReferences(t *testing.T) {
	one := "`kubectl rollout restart deploy/api -n payments`"
	two := "`aws secretsmanager put-secret-value --secret-id prod/x`"
	three := "`vault kv patch secret/ledger password=-`"
	b := &book{refs: prompts.NewRefs(map[string]any{"a": "run " + one, "b": "then " + two, "c": "and " + three})}
	if b.refs.Len() != 3 {
		t.Fatalf("refs: %d, want 3", b.refs.Len())
	}
	task := "A code span written `{{c1}}` (`{{c1}}`, `{{c2}}`, ...) stands for a command rotor holds."
	data := `<rotor-data>{"steps":[{"action":"and ` + "`{{c3}}`" + `"}]}</rotor-data>`
	answer := `{"items":["run ` + strings.Trim(one, "`") + `", "x ` + one + `", "y ` + two + `", "z ` + three + `"]}`
	got := string(b.refer([]byte(answer), task+"\n"+data))
	for _, want := range []string{one, two, "`{{c3}}`"} {
		if !strings.Contains(got, want) {
			t.Errorf("answer lacks %s:\n%s", want, got)
		}
	}
	for _, not := range []string{"{{c1}}", "{{c2}}", three} {
		if strings.Contains(got, not) {
			t.Errorf("answer writes %s, which the data block does not hold:\n%s", not, got)
		}
	}
}
