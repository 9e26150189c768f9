// Package store persists one sandbox's state in one bbolt file: JSON records
// with revisions in a bucket per kind, and an append-only event log.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout version this cattle writes and understands.
// Version 2 records the sandbox a file belongs to.
const SchemaVersion = 2

// lockTimeout is short so a second daemon on the same sandbox fails at once
// instead of hanging.
const lockTimeout = 200 * time.Millisecond

// DB is an open state file. It is safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	path string

	mu       sync.Mutex
	subs     map[int]chan struct{}
	nextID   int
	closed   bool
	backedUp int // the transaction the last Backup copied
}

// Option configures Open.
type Option func(*openConfig)

type openConfig struct{ sandbox string }

// ForSandbox makes Open record that the file belongs to sandbox, or refuse
// a file that belongs to another.
func ForSandbox(name string) Option { return func(c *openConfig) { c.sandbox = name } }

// Open opens or creates the state file at path (mode 0600, missing parent
// directories created 0700). Before using an existing file it checks it
// (its size against its header, then every page it can reach and bbolt's
// consistency check) and refuses a damaged one with a *DamagedError, never
// a crash. A new file gets SchemaVersion recorded; an older file is kept as
// PATH.vN and migrated; a file from a newer cattle is refused with a
// *SchemaError. If another process holds the file, Open fails within about
// 200ms with an error wrapping ErrLocked.
func Open(path string, opts ...Option) (*DB, error) {
	var cfg openConfig
	for _, o := range opts {
		o(&cfg)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create state directory for %s: %w", path, err)
	}
	if err := checkHeader(path); err != nil {
		return nil, err
	}
	b, err := openVerified(path, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, err
	}
	err = upgradeSchema(b, path)
	if err == nil && cfg.sandbox != "" {
		err = b.Update(func(tx *bolt.Tx) error { return claimSandbox(tx, path, cfg.sandbox) })
	}
	if err != nil {
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
//
// A commit that cannot be written (a full disk) fails with an error saying
// so; bbolt writes the new pages before the meta page that points to
// them, so the previous state stays whole.
func (db *DB) Update(fn func(tx *Tx) error) error {
	var appended int
	var fnErr error
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		tx := &Tx{tx: btx}
		defer func() { tx.done = true }()
		fnErr = fn(tx)
		appended = tx.appended
		return fnErr
	})
	if err != nil && fnErr == nil {
		return fmt.Errorf("write state file %s: %w (free some disk space; nothing of this change was kept, the previous state is intact)", db.path, err)
	}
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
// locked. It only reads the lock bbolt takes (flock), never the file, so a
// damaged file cannot crash it; it never creates the file or its directory.
func Locked(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}
