package store

import (
	"errors"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
)

// A missing record wraps containerd's errdefs.ErrNotFound, the class every
// layer of cattle uses; the store has no not-found error of its own.

var (
	// ErrConflict is wrapped by PutIf when the stored revision is not the
	// expected one. It is of the errdefs.ErrConflict class, and distinct so
	// that a writer can tell a lost race (retry) from a refused request.
	ErrConflict = cerrdefs.ErrConflict.WithMessage("revision conflict")
	// ErrLocked is wrapped by Open when another process (or another Open in
	// this process) holds the state file.
	ErrLocked = errors.New("state file is locked by another process")
	// ErrNewerSchema is matched (errors.Is) by *SchemaError: the file was
	// written by a newer cattle.
	ErrNewerSchema = errors.New("state file schema is newer than this cattle")
	// ErrDamaged is matched (errors.Is) by *DamagedError: the state file
	// cannot be read as it is.
	ErrDamaged = errors.New("state file is damaged")
	// ErrTxDone is returned when a Tx is used after its Update/View returned.
	ErrTxDone = errors.New("store: transaction used after its Update/View returned")
)

// SchemaError reports a state file written by a newer cattle. It matches
// ErrNewerSchema with errors.Is.
type SchemaError struct {
	Path    string
	Version uint64 // version recorded in the file
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("state file %s has schema version %d, newer than this cattle (%d): upgrade cattle or use another --state-dir",
		e.Path, e.Version, SchemaVersion)
}

// Is makes errors.Is(err, ErrNewerSchema) true.
func (e *SchemaError) Is(target error) bool { return target == ErrNewerSchema }

// DamagedError reports a state file that fails the checks Open makes before
// using it: cut short, zeroed, overwritten, or inconsistent inside. It
// matches ErrDamaged with errors.Is.
type DamagedError struct {
	Path   string
	Reason string
}

func (e *DamagedError) Error() string {
	reason := strings.Join(strings.Fields(e.Reason), " ") // one line, whatever bbolt said
	return fmt.Sprintf("state file %s is damaged (%s): it is not a readable cattle state file; bring back the last backup with 'cattle state restore'",
		e.Path, reason)
}

// Is makes errors.Is(err, ErrDamaged) true.
func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }
