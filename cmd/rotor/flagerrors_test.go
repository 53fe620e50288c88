package main

import (
	"strings"
	"testing"
)

// TestGenerateFlagErrorsNameTheirOwnProblem: each wrong flag is reported
// alone: "-f html" with -i given used to print "-i is required and -f must
// be json or md".
func TestGenerateFlagErrorsNameTheirOwnProblem(t *testing.T) {
	req := "../../eval/requests/minimal.json"
	for _, tc := range []struct {
		name      string
		args      []string
		want, not string
	}{
		{"only -f wrong", []string{"generate", "-i", req, "-f", "html"}, `-f must be json or md, not "html"`, "-i is required"},
		{"only -i missing", []string{"generate", "-f", "md"}, "-i is required", "-f must"},
		{"both", []string{"generate", "-f", "pdf"}, "-i is required", ""},
		{"only -view wrong", []string{"generate", "-i", req, "-view", "poster"}, `-view must be full or card, not "poster"`, "-i is required"},
	} {
		code, _, stderr := cli(t, "", tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || (tc.not != "" && strings.Contains(stderr, tc.not)) {
			t.Errorf("%s: exit %d:\n%s", tc.name, code, stderr)
		}
	}
	// Both problems, each said once.
	if _, _, stderr := cli(t, "", "generate", "-f", "pdf"); !strings.Contains(stderr, `-f must be json or md, not "pdf"`) {
		t.Errorf("both wrong:\n%s", stderr)
	}
}
