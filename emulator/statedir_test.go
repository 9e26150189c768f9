package emulator

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStateDirOwnerIsCheckedAndClaimedOnce(t *testing.T) {
	paths := PathsIn(t.TempDir())
	if err := CheckStateDir(paths.Dir, "ux12"); err != nil {
		t.Fatalf("a directory that records no owner: %v", err)
	}
	if err := claimStateDir(paths, "ux10"); err != nil {
		t.Fatal(err)
	}
	err := CheckStateDir(paths.Dir, "ux12")
	var wrong *WrongSandboxError
	if !errors.As(err, &wrong) {
		t.Fatalf("err = %v, want *WrongSandboxError", err)
	}
	want := "state directory " + paths.Dir + " belongs to sandbox ux10, not ux12"
	if msg := err.Error(); !strings.HasPrefix(msg, want) || strings.Contains(msg, "\n") {
		t.Errorf("message %q, want one line starting %q", msg, want)
	}
	if err := claimStateDir(paths, "ux12"); err == nil {
		t.Error("another sandbox claimed a directory that has an owner")
	}
	if err := CheckStateDir(paths.Dir, "ux10"); err != nil {
		t.Errorf("its owner: %v", err)
	}
}

func TestRemoveStateDirRemovesOnlyItsOwn(t *testing.T) {
	paths := PathsIn(filepath.Join(t.TempDir(), "ux10"))
	if err := os.MkdirAll(paths.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := claimStateDir(paths, "ux10"); err != nil {
		t.Fatal(err)
	}
	if err := RemoveStateDir(paths, "ux12"); err == nil {
		t.Error("sandbox ux12 removed ux10's state directory")
	}
	if _, err := os.Stat(paths.Owner); err != nil {
		t.Fatalf("ux10's state is gone: %v", err)
	}
	if err := RemoveStateDir(paths, "ux10"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(paths.Dir); !os.IsNotExist(err) {
		t.Errorf("its own directory is still there (stat: %v)", err)
	}
}

// TestRemoveStateDirWithoutOwnerKeepsForeignFiles: a directory that records
// no owner (an older cattle's, or a mistyped --state-dir such as $HOME)
// loses only cattle's own files.
func TestRemoveStateDirWithoutOwnerKeepsForeignFiles(t *testing.T) {
	paths := PathsIn(t.TempDir())
	for _, f := range []string{paths.DB, paths.Log, filepath.Join(paths.Dir, "notes.txt")} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveStateDir(paths, "any"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(paths.DB); !os.IsNotExist(err) {
		t.Errorf("state.db is still there (stat: %v)", err)
	}
	if _, err := os.Stat(filepath.Join(paths.Dir, "notes.txt")); err != nil {
		t.Errorf("a file cattle did not make was removed: %v", err)
	}
}
