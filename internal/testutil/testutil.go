// Package testutil holds helpers shared by integration tests.
package testutil

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// CattleBinary builds the static cattle binary once per test process and
// returns its path. Integration tests use it as the demo image's payload and
// to drive the CLI as a user would.
func CattleBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		// One folder for every test process of this checkout, so that runs
		// leave no trail of binaries; each process builds to a temporary
		// name and renames it into place, which is atomic.
		sum := sha256.Sum256([]byte(RepoRoot(t)))
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
		cmd.Dir = RepoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if buildOut, buildErr = cmd.CombinedOutput(); buildErr != nil {
			os.Remove(tmp.Name())
			return
		}
		buildPath = filepath.Join(dir, "cattle")
		buildErr = os.Rename(tmp.Name(), buildPath)
	})
	if buildErr != nil {
		t.Fatalf("building cattle: %v\n%s", buildErr, buildOut)
	}
	return buildPath
}

// SkipIfShort skips an integration test under go test -short.
func SkipIfShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped under -short")
	}
}
