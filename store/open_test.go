package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesPrivateFileAndDirs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cattle", "sandbox-a")
	path := filepath.Join(dir, "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700 | os.ModeDir} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s mode = %v, want %v", p, fi.Mode(), want)
		}
	}
	if got := readMeta(t, path); got != "2" {
		t.Errorf("recorded schema version = %q, want \"2\"", got)
	}
}

func TestReopenKeepsRecordsRevisionsAndEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		_, err1 := tx.Put("group", "web", group{Desired: 1})
		_, err2 := tx.Put("group", "web", group{Desired: 2})
		_, err3 := tx.Append(Event{Kind: "group.scaled", Resource: "group/web"})
		return errors.Join(err1, err2, err3)
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if g := getGroup(t, db, "web"); g.Desired != 2 {
		t.Errorf("after reopen desired = %d, want 2", g.Desired)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		rev, err := tx.Put("group", "web", group{Desired: 3})
		if rev != 3 {
			t.Errorf("Put after reopen rev = %d, want 3", rev)
		}
		seq, err2 := tx.Append(Event{Kind: "group.scaled"})
		if seq != 2 {
			t.Errorf("Append after reopen seq = %d, want 2", seq)
		}
		return errors.Join(err, err2)
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	writeRaw(t, path, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("schema_version"), []byte("3"))
	})
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a schema 3 file succeeded")
	}
	if !errors.Is(err, ErrNewerSchema) {
		t.Errorf("err = %v, want ErrNewerSchema", err)
	}
	var se *SchemaError
	if !errors.As(err, &se) || se.Version != 3 {
		t.Errorf("err = %#v, want *SchemaError with Version 3", err)
	}
	want := "state file " + path + " has schema version 3, newer than this cattle (2): upgrade cattle or use another --state-dir"
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	// The refused file must be left as it was, and unlocked.
	if got := readMeta(t, path); got != "3" {
		t.Errorf("schema version after refused Open = %q, want \"3\"", got)
	}
}

func TestOpenRefusesForeignBboltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	writeRaw(t, path, func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("someone-else"))
		return err
	})
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a bbolt file without cattle schema succeeded")
	}
	if !strings.Contains(err.Error(), "no cattle schema") {
		t.Errorf("err = %v, want it to say the file has no cattle schema", err)
	}
}

func TestOpenRefusesGarbageFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	junk := make([]byte, 64*1024)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a garbage file succeeded")
	}
	if !strings.Contains(err.Error(), "not a readable cattle state file") {
		t.Errorf("err = %v, want it to say the file is not a readable state file", err)
	}
}

func TestSecondOpenOfSameFileIsLocked(t *testing.T) {
	db := openTemp(t)
	second, err := Open(db.Path())
	if err == nil {
		second.Close()
		t.Fatal("second Open of an open state file succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("err = %v, want ErrLocked", err)
	}
	// Once the first holder closes, the file opens again.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(db.Path())
	if err != nil {
		t.Fatalf("Open after the holder closed: %v", err)
	}
	again.Close()
}

// writeRaw makes a bbolt file by hand, as another program or version would.
func writeRaw(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

func readMeta(t *testing.T, path string) string {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var v string
	b.View(func(tx *bolt.Tx) error {
		if m := tx.Bucket([]byte("meta")); m != nil {
			v = string(m.Get([]byte("schema_version")))
		}
		return nil
	})
	return v
}

func TestLockedWhileADaemonHoldsTheFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "sub", "state.db")
	if Locked(missing) {
		t.Error("a missing state file reads as locked")
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("Locked made the directory of a missing file (stat: %v)", err)
	}
	db := openTemp(t)
	if !Locked(db.Path()) {
		t.Error("an open state file reads as not locked")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if Locked(db.Path()) {
		t.Error("a closed state file reads as locked")
	}
	again, err := Open(db.Path()) // Locked left nothing held behind
	if err != nil {
		t.Fatalf("Open after Locked: %v", err)
	}
	again.Close()
}
