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
	c.jsonOut(&repos, "repos", "ls", "-o", "json")
	if len(repos) != 1 || repos[0].Name != "web" || !repos[0].Immutable {
		t.Fatalf("repos ls = %+v, want web, immutable", repos)
	}
	c.ok("repos", "rm", "web")
	c.jsonOut(&repos, "repos", "ls", "-o", "json")
	if len(repos) != 0 {
		t.Fatalf("repos ls after rm = %+v", repos)
	}
	if _, errOut, code := c.run("repos", "rm", "web"); code != 1 || !strings.Contains(errOut, "web") {
		t.Fatalf("rm of a removed repository: exit %d, %q", code, errOut)
	}
}
