package store

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestOpenMigratesASchema1FileAndKeepsIt opens a file as cattle's first
// schema wrote it: it is kept as state.db.v1 and its records read on.
func TestOpenMigratesASchema1FileAndKeepsIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		_, err := tx.Put("group", "web", group{Name: "web", Desired: 3})
		return err
	})
	db.Close()
	writeRaw(t, path, func(tx *bolt.Tx) error { // back to what schema 1 wrote
		return tx.Bucket(metaBucket).Put(schemaKey, []byte("1"))
	})

	db, err = Open(path, ForSandbox("web-sbx"))
	if err != nil {
		t.Fatalf("Open of a schema 1 file: %v", err)
	}
	if g := getGroup(t, db, "web"); g.Desired != 3 {
		t.Errorf("after migration desired = %d, want 3", g.Desired)
	}
	db.Close()
	if got := readMeta(t, path); got != "2" {
		t.Errorf("schema after migration = %q, want 2", got)
	}
	if got := readMeta(t, path+".v1"); got != "1" {
		t.Errorf("the kept copy %s.v1 has schema %q, want 1", path, got)
	}
}

func TestOpenRefusesAFileOfAnotherSandbox(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path, ForSandbox("ux10"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, ForSandbox("ux12"))
	if err == nil {
		db.Close()
		t.Fatal("a sandbox opened another's state file")
	}
	if msg := err.Error(); !strings.Contains(msg, "belongs to sandbox ux10, not ux12") {
		t.Errorf("err = %v, want it to name both sandboxes", err)
	}
	if Locked(path) {
		t.Error("the refused file is left locked")
	}
	db, err = Open(path, ForSandbox("ux10"))
	if err != nil {
		t.Fatalf("its own sandbox: %v", err)
	}
	db.Close()
	if _, err := Open(path + "-x"); errors.Is(err, ErrDamaged) {
		t.Errorf("a new file reads as damaged: %v", err)
	}
}

func TestVerifyRefusesANewerSchemaWithoutWriting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	writeRaw(t, path, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(metaBucket)
		if err != nil {
			return err
		}
		return b.Put(schemaKey, []byte("9"))
	})
	if err := Verify(path); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Verify = %v, want ErrNewerSchema", err)
	}
	if got := readMeta(t, path); got != "9" {
		t.Errorf("schema after Verify = %q, want 9 untouched", got)
	}
	if err := Verify(filepath.Join(t.TempDir(), "missing.db")); err != nil {
		t.Errorf("Verify of a missing file: %v, want nil (Open makes it)", err)
	}
}
