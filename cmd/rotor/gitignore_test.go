package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestSecretFilesAreGitIgnored: every file the README or compose.yaml tells
// a user to write keys into (`>> .env`, "put them in .env"), and every
// name .dockerignore keeps out of the image as an env file, is ignored by
// git too: a `git add -A` must never commit ROTOR_LINK_KEY (newcomer5:
// .env was kept out of the image but not out of the repository).
func TestSecretFilesAreGitIgnored(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if out, err := exec.Command("git", "-C", "../..", "rev-parse", "--is-inside-work-tree").Output(); err != nil || strings.TrimSpace(string(out)) != "true" {
		t.Skip("not a git checkout")
	}
	names := map[string]bool{}
	written := regexp.MustCompile(`(?:>>|>|put (?:them|it) in|in) \x60?(\.?[\w.-]*\.env[\w.-]*)\x60?`)
	for _, f := range []string{"../../README.md", "../../compose.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range written.FindAllStringSubmatch(string(data), -1) {
			names[m[1]] = true
		}
	}
	if !names[".env"] {
		t.Fatalf("found no .env the README or compose.yaml writes keys into: %v", names)
	}
	data, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || !strings.Contains(line, "env") {
			continue
		}
		// A pattern stands for a file it matches: ".env.*" for ".env.prod".
		names[strings.ReplaceAll(line, "*", "prod")] = true
	}
	for name := range names {
		if err := exec.Command("git", "-C", "../..", "check-ignore", "-q", "--no-index", name).Run(); err != nil {
			t.Errorf("%s holds keys but git does not ignore it (add it to .gitignore)", name)
		}
	}
}
