package housecheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/cattle-dev/cattle"

// layers ranks each top-level directory: a package imports only from a rank
// at or below its own (see doc.go).
var layers = map[string]int{
	"cattletest": 5,
	"cmd":        4,
	"scenarios":  3,
	"emulator":   2,
	"images":     1,
	"lb":         0,
	"sandbox":    0,
	"store":      0,
}

// goPackage is the part of `go list -json` the rules read.
type goPackage struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Deps         []string
}

// TestDependencyRules checks every package of the module against the rules
// in doc.go and names each import that breaks one.
func TestDependencyRules(t *testing.T) {
	pkgs := listPackages(t)
	byPath := make(map[string]goPackage, len(pkgs))
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	var problems []string
	for _, p := range pkgs {
		problems = append(problems, productionProblems(p, byPath)...)
		problems = append(problems, testProblems(p, byPath)...)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// listPackages runs `go list -json ./...` at the module root.
func listPackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = moduleRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	var pkgs []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("read go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// rel is a package's path inside the module ("" for packages outside it).
func rel(path string) (string, bool) {
	if path == module {
		return ".", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

// top is the first element of a path inside the module.
func top(r string) string {
	first, _, _ := strings.Cut(r, "/")
	return first
}

// within says r is dir or a package under it.
func within(r, dir string) bool { return r == dir || strings.HasPrefix(r, dir+"/") }

// isLeafErrdefs says path is a leaf error package: named errdefs and
// importing nothing of cattle's.
func isLeafErrdefs(path string, byPath map[string]goPackage) bool {
	if !strings.HasSuffix(path, "errdefs") {
		return false
	}
	p, ok := byPath[path]
	return ok && !slices.ContainsFunc(p.Imports, func(i string) bool { _, in := rel(i); return in })
}

func isDocker(path string) bool { return strings.HasPrefix(path, "github.com/moby/moby/") }

// productionProblems checks the imports of p's non-test files.
func productionProblems(p goPackage, byPath map[string]goPackage) []string {
	from, _ := rel(p.ImportPath)
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: ", from)+fmt.Sprintf(format, args...))
	}
	if isLeafErrdefs(p.ImportPath, byPath) {
		return nil
	}
	rank, layered := layers[top(from)]
	if !layered && top(from) != "internal" {
		bad("is in no layer: give %q a rank in layers and doc.go", top(from))
	}
	for _, imp := range p.Imports {
		if isDocker(imp) && from != "sandbox/docker" {
			bad("imports the Docker client %s: only sandbox/docker may", imp)
		}
		to, ours := rel(imp)
		if !ours || isLeafErrdefs(imp, byPath) {
			continue
		}
		switch {
		case top(from) == "internal" && subtree(to) != subtree(from):
			bad("imports %s: internal packages import nothing of cattle's outside their own tree", to)
		case top(from) == "internal":
		case within(to, "internal/testutil") && !strings.HasSuffix(from, "test"):
			bad("imports %s: test tooling is for tests and test-support packages only", to)
		case rank == 0 && top(to) != top(from):
			bad("imports %s: lb, sandbox and store import nothing of cattle's outside their own tree", to)
		case within(to, "cmd") && !within(from, "cmd"):
			bad("imports %s: nothing outside cmd imports cmd", to)
		case layers[top(to)] > rank:
			bad("imports %s from a higher layer (%s above %s)", to, top(to), top(from))
		}
	}
	if from == "scenarios/loadgen" && slices.Contains(append(p.Deps, p.Imports...), module+"/lb") {
		bad("depends on the lb engine: take the header name from lb/lbheader")
	}
	return out
}

// testProblems checks the imports of p's test files.
func testProblems(p goPackage, byPath map[string]goPackage) []string {
	from, _ := rel(p.ImportPath)
	var out []string
	for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
		if isDocker(imp) && from != "sandbox/docker" {
			out = append(out, fmt.Sprintf("%s (tests): imports the Docker client %s: only sandbox/docker may", from, imp))
		}
		to, ours := rel(imp)
		if !ours || isLeafErrdefs(imp, byPath) || to == from {
			continue
		}
		switch {
		case within(to, "cmd") && !within(from, "cmd"):
			out = append(out, fmt.Sprintf("%s (tests): imports %s: the CLI's tests live with the CLI", from, to))
		case layers[top(from)] == 0 && top(to) != top(from) && top(to) != "internal":
			out = append(out, fmt.Sprintf("%s (tests): imports %s: the bases' tests keep to their own tree and internal/", from, to))
		}
	}
	return out
}

// subtree is the first two elements of a path (internal/licenses for
// internal/licenses/gen): a tool may import the package it belongs to.
func subtree(path string) string {
	parts := strings.SplitN(path, "/", 3)
	if len(parts) < 2 {
		return path
	}
	return parts[0] + "/" + parts[1]
}
