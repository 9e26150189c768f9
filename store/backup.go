package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// KeepBackups is how many backups of a state file are kept; older ones are
// removed as new ones are made.
const KeepBackups = 3

const backupTimeFormat = "20060102T150405.000Z"

// BackupDir is where the backups of the state file at path live.
func BackupDir(path string) string { return filepath.Join(filepath.Dir(path), "backups") }

// Backup writes a consistent copy of the state, as of one read
// transaction, to BackupDir as state-TIMESTAMP.db and keeps the newest
// KeepBackups. It returns the new backup's path.
func (db *DB) Backup() (string, error) {
	dir := BackupDir(db.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("back up state file %s: %w", db.path, err)
	}
	var dst string
	var txid int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		txid = tx.ID()
		dst = filepath.Join(dir, "state-"+time.Now().UTC().Format(backupTimeFormat)+".db")
		return writeFileAtomic(dst, tx)
	})
	if err != nil {
		return "", fmt.Errorf("back up state file %s to %s: %w", db.path, dir, err)
	}
	db.mu.Lock()
	db.backedUp = txid
	db.mu.Unlock()
	return dst, pruneBackups(db.path)
}

// BackupIfChanged makes a backup when something was written since the
// last one this DB made (or it made none); it returns "" when it did not.
func (db *DB) BackupIfChanged() (string, error) {
	var txid int
	_ = db.bolt.View(func(tx *bolt.Tx) error { txid = tx.ID(); return nil })
	db.mu.Lock()
	same := db.backedUp == txid && db.backedUp != 0
	db.mu.Unlock()
	if same {
		return "", nil
	}
	return db.Backup()
}

// Backups lists the backups of the state file at path, newest first.
func Backups(path string) ([]string, error) {
	entries, err := os.ReadDir(BackupDir(path))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, "state-") && strings.HasSuffix(n, ".db") && e.Type().IsRegular() {
			out = append(out, filepath.Join(BackupDir(path), n))
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out))) // the names sort by time
	return out, nil
}

func pruneBackups(path string) error {
	all, err := Backups(path)
	if err != nil || len(all) <= KeepBackups {
		return err
	}
	var errs []error
	for _, old := range all[KeepBackups:] {
		errs = append(errs, os.Remove(old))
	}
	return errors.Join(errs...)
}

// Restored says what Restore did.
type Restored struct {
	From   string // the backup brought back
	KeptAs string // where the file it replaced went ("" when there was none)
}

// Restore brings back the newest backup that passes Open's checks as the
// state file at path. The file it replaces is kept beside it as
// state.db.damaged-TIMESTAMP (state.db.replaced-TIMESTAMP when it was
// readable). It refuses while a daemon holds the file.
func Restore(path string) (Restored, error) {
	if Locked(path) {
		return Restored{}, fmt.Errorf("state file %s is in use by a running daemon: stop it with 'cattle down', then restore", path)
	}
	backups, err := Backups(path)
	if err != nil {
		return Restored{}, fmt.Errorf("list the backups of %s: %w", path, err)
	}
	var from string
	var problems []string
	for _, b := range backups {
		if err := verifyFile(b); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		from = b
		break
	}
	if from == "" {
		if len(backups) == 0 {
			return Restored{}, fmt.Errorf("no backup of state file %s in %s: the daemon makes one at start, every few minutes and at shutdown", path, BackupDir(path))
		}
		return Restored{}, fmt.Errorf("no readable backup of state file %s in %s: %s", path, BackupDir(path), strings.Join(problems, "; "))
	}
	res := Restored{From: from}
	if _, err := os.Stat(path); err == nil {
		how := "damaged"
		if verifyFile(path) == nil {
			how = "replaced"
		}
		res.KeptAs = fmt.Sprintf("%s.%s-%s", path, how, time.Now().UTC().Format("20060102T150405Z"))
		if err := os.Rename(path, res.KeptAs); err != nil {
			return Restored{}, fmt.Errorf("move state file %s aside: %w", path, err)
		}
	}
	if err := copyFileAtomic(from, path); err != nil {
		return res, fmt.Errorf("restore %s from %s: %w (the previous file is %s)", path, from, err, res.KeptAs)
	}
	return res, nil
}

// Verify runs Open's checks on the state file at path without writing to
// it or keeping it open; a missing or empty file passes (Open makes a new
// one). A damaged file is a *DamagedError, one from a newer cattle a
// *SchemaError.
func Verify(path string) error {
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return nil
	}
	return verifyFile(path)
}

// verifyFile runs Open's checks on a file without writing to it.
func verifyFile(path string) error {
	if err := checkHeader(path); err != nil {
		return err
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		return &DamagedError{Path: path, Reason: "it is empty or missing"}
	}
	b, err := openVerified(path, &bolt.Options{Timeout: lockTimeout, ReadOnly: true})
	if err != nil {
		return err
	}
	err = b.View(func(tx *bolt.Tx) error {
		_, err := fileSchema(tx, path)
		return err
	})
	return errors.Join(err, b.Close())
}

// writeFileAtomic writes tx's snapshot to dst through a temporary file, so
// that dst is either absent or whole, even when the disk fills up.
func writeFileAtomic(dst string, tx *bolt.Tx) error {
	return replaceAtomic(dst, func(f *os.File) error {
		_, err := tx.WriteTo(f)
		return err
	})
}

func copyFileAtomic(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return replaceAtomic(dst, func(f *os.File) error {
		_, err := f.ReadFrom(in)
		return err
	})
}

func replaceAtomic(dst string, write func(f *os.File) error) error {
	tmp := dst + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
