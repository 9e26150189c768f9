// Package testutil holds helpers shared by integration tests.
package testutil

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
	buildOut  []byte
)

// RepoRoot returns the module root (the folder holding go.mod).
func RepoRoot(t testing.TB) string {
	t.Helper()
	return moduleRoot()
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// CattleBinary builds the static cattle binary once per test process and
// returns its path. Integration tests use it as the demo image's payload and
// to drive the CLI as a user would.
func CattleBinary(t testing.TB) string {
	t.Helper()
	bin, err := BuildCattle()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// BuildCattle is CattleBinary for code without a testing.TB (cattletest's
// New): it builds the binary from the module's source once per process.
func BuildCattle() (string, error) {
	buildOnce.Do(func() {
		// One folder for every test process of this checkout, so that runs
		// leave no trail of binaries; each process builds to a temporary
		// name and renames it into place, which is atomic.
		root := moduleRoot()
		sum := sha256.Sum256([]byte(root))
		dir := filepath.Join(os.TempDir(), "cattle-test-bin-"+hex.EncodeToString(sum[:6]))
		if buildErr = os.MkdirAll(dir, 0o755); buildErr != nil {
			return
		}
		tmp, err := os.CreateTemp(dir, "cattle-*.tmp")
		if err != nil {
			buildErr = err
			return
		}
		tmp.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", tmp.Name(), "./cmd/cattle")
		cmd.Dir = root
		// GOWORK=off: a workspace of the caller's must not change what the
		// module's own go.mod says (the module may sit in the module cache).
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
		if buildOut, buildErr = cmd.CombinedOutput(); buildErr != nil {
			os.Remove(tmp.Name())
			return
		}
		buildPath = filepath.Join(dir, "cattle")
		buildErr = os.Rename(tmp.Name(), buildPath)
	})
	if buildErr != nil {
		return "", fmt.Errorf("building cattle (go build ./cmd/cattle in %s): %v\n%s", moduleRoot(), buildErr, buildOut)
	}
	return buildPath, nil
}

// SkipIfShort skips an integration test under go test -short.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
}
