package store

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestAWriteThatCannotGrowTheFileKeepsThePreviousState makes the disk
// full for this process with RLIMIT_FSIZE (writes past the limit fail with
// EFBIG, as they would with ENOSPC): the write fails with a clear error and
// the state before it reads on, in this DB and after reopening.
func TestAWriteThatCannotGrowTheFileKeepsThePreviousState(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		_, err := tx.Put("group", "web", group{Name: "web", Desired: 2})
		return err
	})
	fi, err := os.Stat(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	full := syscall.Rlimit{Cur: uint64(fi.Size()), Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &full); err != nil {
		t.Skipf("cannot limit the file size: %v", err)
	}
	err = db.Update(func(tx *Tx) error {
		if _, err := tx.Put("group", "web", group{Name: "web", Desired: 3}); err != nil {
			return err
		}
		_, err := tx.Put("blob", "big", strings.Repeat("x", 4<<20))
		return err
	})
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err == nil {
		t.Fatal("a write past the disk's end succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "write state file "+db.Path()) || !strings.Contains(msg, "previous state is intact") {
		t.Errorf("err = %q, want it to name the file and say the previous state is intact", msg)
	}
	if g := getGroup(t, db, "web"); g.Desired != 2 {
		t.Errorf("after the failed write desired = %d, want 2", g.Desired)
	}
	mustUpdate(t, db, func(tx *Tx) error { // the DB writes again once there is room
		_, err := tx.Put("group", "api", group{Name: "api", Desired: 1})
		return err
	})
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(path)
	if err != nil {
		t.Fatalf("reopen after the failed write: %v", err)
	}
	defer again.Close()
	if g := getGroup(t, again, "web"); g.Desired != 2 {
		t.Errorf("after reopening desired = %d, want 2", g.Desired)
	}
}
