// Package store persists one sandbox's state in one bbolt file: JSON records
// with revisions in a bucket per kind, and an append-only event log.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout version this cattle writes and understands.
const SchemaVersion = 1

// lockTimeout is short so a second daemon on the same sandbox fails at once
// instead of hanging.
const lockTimeout = 200 * time.Millisecond

// DB is an open state file. It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	path string

	mu     sync.Mutex
	subs   map[int]chan struct{}
	nextID int
	closed bool
}

// Open opens or creates the state file at path (mode 0600, missing parent
// directories created 0700). A new file gets SchemaVersion recorded; a file
// from a newer cattle is refused with a *SchemaError. If another process holds
// the file, Open fails within about 200ms with an error wrapping ErrLocked.
func Open(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create state directory for %s: %w", path, err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w (stop the cattle daemon using it, or use another --state-dir)", path, ErrLocked)
	}
	if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrVersionMismatch) || errors.Is(err, bolterrors.ErrChecksum) {
		return nil, fmt.Errorf("open %s: %w: it is not a readable cattle state file; move it away or use another --state-dir", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open state file %s: %w", path, err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return initSchema(tx, path) }); err != nil {
		_ = b.Close()
		return nil, err
	}
	return &DB{bolt: b, path: path, subs: map[int]chan struct{}{}}, nil
}

// Close releases the file and its lock. Subscriber channels are closed, so
// pending WaitEvents calls return.
func (db *DB) Close() error {
	db.mu.Lock()
	if !db.closed {
		db.closed = true
		for id, ch := range db.subs {
			close(ch)
			delete(db.subs, id)
		}
	}
	db.mu.Unlock()
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close state file %s: %w", db.path, err)
	}
	return nil
}

// Path is the file the DB was opened from.
func (db *DB) Path() string { return db.path }

// Update runs fn in one read-write transaction: everything fn wrote is
// committed if it returns nil, nothing is if it returns an error or panics.
// After a commit that appended events, subscribers are notified. fn must not
// call other DB methods: bbolt allows one writer and may deadlock.
func (db *DB) Update(fn func(tx *Tx) error) error {
	var appended int
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx}
		defer func() { tx.done = true }()
		err := fn(tx)
		appended = tx.appended
		return err
	})
	if err != nil {
		return err
	}
	if appended > 0 {
		db.notify()
	}
	return nil
}

// View runs fn in one read-only transaction, a consistent snapshot.
func (db *DB) View(fn func(tx *Tx) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx}
		defer func() { tx.done = true }()
		return fn(tx)
	})
}

// Locked reports whether a process holds the state file at path, as a
// daemon does from its start until it has stopped. A missing file is not
// locked. It only reads: it never creates the file or its directory.
func Locked(path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: true})
	if err != nil {
		return errors.Is(err, bolterrors.ErrTimeout)
	}
	_ = b.Close()
	return false
}
