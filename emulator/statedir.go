package emulator

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cattle-dev/cattle/store"
)

// A state directory records the sandbox it belongs to in its Owner file,
// written by the first daemon that starts in it, so that a command given
// one sandbox's name and another's directory acts on neither.

// StateDirOwner returns the sandbox a state directory belongs to, or ""
// when it records none (a new directory, or one from an older cattle).
func StateDirOwner(dir string) (string, error) {
	b, err := os.ReadFile(PathsIn(dir).Owner)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the owner of state directory %s: %w", dir, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// CheckStateDir refuses a state directory that belongs to a sandbox other
// than the one named. Every command calls it before it touches anything.
func CheckStateDir(dir, sandbox string) error {
	owner, err := StateDirOwner(dir)
	if err != nil {
		return err
	}
	if owner != "" && owner != sandbox {
		return &WrongSandboxError{Dir: dir, Owner: owner, Sandbox: sandbox}
	}
	return nil
}

// WrongSandboxError is a state directory given with the name of a sandbox
// it does not belong to.
type WrongSandboxError struct{ Dir, Owner, Sandbox string }

func (e *WrongSandboxError) Error() string {
	return fmt.Sprintf("state directory %s belongs to sandbox %s, not %s: use --sandbox %s, or another --state-dir (CATTLE_STATE_DIR) for %s",
		e.Dir, e.Owner, e.Sandbox, e.Owner, e.Sandbox)
}

// claimStateDir records sandbox as the directory's owner unless it records
// one already, which must be the same.
func claimStateDir(paths Paths, sandbox string) error {
	if err := CheckStateDir(paths.Dir, sandbox); err != nil {
		return err
	}
	if owner, _ := StateDirOwner(paths.Dir); owner == sandbox {
		return nil
	}
	if err := os.WriteFile(paths.Owner, []byte(sandbox+"\n"), 0o600); err != nil {
		return fmt.Errorf("record the owner of state directory %s: %w", paths.Dir, err)
	}
	return nil
}

// RemoveStateDir removes a sandbox's state directory. A directory that
// records another owner is left alone; one that records none (made by an
// older cattle) loses only the files cattle puts there, and is removed
// only if nothing else is left in it.
func RemoveStateDir(paths Paths, sandbox string) error {
	owner, err := StateDirOwner(paths.Dir)
	if err != nil {
		return err
	}
	switch owner {
	case sandbox:
		return os.RemoveAll(paths.Dir)
	case "":
	default:
		return &WrongSandboxError{Dir: paths.Dir, Owner: owner, Sandbox: sandbox}
	}
	var errs []error
	for _, f := range []string{paths.DB, paths.Socket, paths.PID, paths.Log, store.BackupDir(paths.DB)} {
		if err := os.RemoveAll(f); err != nil {
			errs = append(errs, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(paths.Dir, "*")); len(left) == 0 {
		if err := os.Remove(paths.Dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
