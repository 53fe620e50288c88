package eval

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite the README's list of eval cases from eval/cases")

const (
	casesBegin = "<!-- eval-cases: begin (go test ./eval -run TestReadmeListsEveryCase -update-readme) -->"
	casesEnd   = "<!-- eval-cases: end -->"
)

// caseSummary is a case's description cut to its first sentences (at
// least 40 characters: "A DBA leaves." alone says little), at most about
// 200 characters, for one table row.
func caseSummary(desc string) string {
	words := strings.Fields(desc)
	var b strings.Builder
	for i, w := range words {
		if b.Len() > 0 && b.Len()+1+len(w) > 200 {
			return b.String() + " …"
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		if strings.HasSuffix(w, ".") && b.Len() >= 40 && i+1 < len(words) {
			break
		}
	}
	return strings.ReplaceAll(b.String(), "|", `\|`)
}

// casesTable is the README's table of eval cases, from eval/cases.
func casesTable(t *testing.T) string {
	t.Helper()
	cases, err := LoadCases("cases")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(casesBegin + "\n\n| case | what it checks |\n|---|---|\n")
	for _, c := range cases {
		b.WriteString("| `" + c.Name + "` | " + caseSummary(c.Description) + " |\n")
	}
	b.WriteString("\n" + casesEnd)
	return b.String()
}

// TestReadmeListsEveryCase: the README lists every case of eval/cases, one
// row each, generated from the cases' descriptions (the newcomer found 16
// cases described and 27 in the directory). -update-readme rewrites it.
func TestReadmeListsEveryCase(t *testing.T) {
	const path = "../README.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	want := casesTable(t)
	i, j := strings.Index(readme, casesBegin), strings.Index(readme, casesEnd)
	if i < 0 || j < i {
		t.Fatalf("README has no generated list of eval cases (%s ... %s); run go test ./eval -run TestReadmeListsEveryCase -update-readme after adding the markers", casesBegin, casesEnd)
	}
	got := readme[i : j+len(casesEnd)]
	if got == want {
		return
	}
	if *updateReadme {
		if err := os.WriteFile(path, []byte(readme[:i]+want+readme[j+len(casesEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's list of eval cases is not eval/cases's; run go test ./eval -run TestReadmeListsEveryCase -update-readme\nwant:\n%s\ngot:\n%s", want, got)
}
