package main_test

import (
	"strings"
	"testing"
)

func TestIntegrationReposCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("up")
	if out := c.ok("repos", "create", "web", "--immutable"); !strings.Contains(out, "repository web created (tags IMMUTABLE)") {
		t.Fatalf("repos create said %q", out)
	}
	if _, errOut, code := c.run("repos", "create", "web"); code != 1 || !strings.Contains(errOut, "web") {
		t.Fatalf("a second create: exit %d, %q; want exit 1 naming the repository", code, errOut)
	}
	var repos []struct {
		Name      string `json:"name"`
		Immutable bool   `json:"immutable"`
	}
	// builtin/demo is seeded into the registry when the sandbox starts.
	c.jsonOut(&repos, "repos", "ls", "-o", "json")
	if len(repos) != 2 || repos[0].Name != "builtin/demo" || repos[1].Name != "web" || !repos[1].Immutable {
		t.Fatalf("repos ls = %+v, want builtin/demo and web, immutable", repos)
	}
	c.ok("repos", "rm", "web")
	c.jsonOut(&repos, "repos", "ls", "-o", "json")
	if len(repos) != 1 || repos[0].Name != "builtin/demo" {
		t.Fatalf("repos ls after rm = %+v, want builtin/demo only", repos)
	}
	if _, errOut, code := c.run("repos", "rm", "web"); code != 1 || !strings.Contains(errOut, "web") {
		t.Fatalf("rm of a removed repository: exit %d, %q", code, errOut)
	}
}
