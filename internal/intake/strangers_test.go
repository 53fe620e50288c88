package intake

import (
	"fmt"
	"strings"
	"testing"
)

// TestStrangers reads testdata/strangers.yaml: sentences of held-out
// stranger requests that were misread, kept as a regression table. Every
// row is read exactly.
func TestStrangers(t *testing.T) {
	_, rows, opts, base := loadTable(t, "testdata/strangers.yaml")
	exact := 0
	for _, row := range rows {
		got := readRow(base, opts, row)
		r := score(t, row, got)
		if r.exact {
			exact++
			continue
		}
		var b strings.Builder
		for _, d := range got {
			fmt.Fprintf(&b, "\n      got  %s scope=%v%v unmatched=%q", d, d.Scope.All, d.Scope.Secrets, d.Scope.Unmatched)
		}
		for _, w := range row.Want {
			fmt.Fprintf(&b, "\n      want %v", w)
		}
		t.Errorf("not exact%s%s: %q%s", map[bool]string{true: " (inverted)"}[r.inverted], map[bool]string{true: " (dropped)"}[r.silent], row.Text, b.String())
	}
	t.Logf("strangers: %d rows, %d exact", len(rows), exact)
}
