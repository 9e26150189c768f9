package cattletest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A program outside the module uses cattletest as a user's would: a fresh
// module (testdata/sample: go.mod, one test) that requires cattle through a
// replace, made whole by `go mod tidy`, passes `go test`.
func TestIntegrationSampleModule(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..")) // the cattle module
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"go.mod", "app_test.go"} {
		b, err := os.ReadFile(filepath.Join("testdata", "sample", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	goCmd(t, dir, "mod", "edit", "-replace", "github.com/cattle-dev/cattle="+root)
	goCmd(t, dir, "mod", "tidy")
	goCmd(t, dir, "test", "-count=1", "./...")
}

// goCmd runs the go command in dir, failing the test with its output.
func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
}
