package store

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stateWithGroups makes a closed state file holding groups web and api,
// big enough to span many pages.
func stateWithGroups(t *testing.T, desired int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		for i := 0; i < 200; i++ {
			if _, err := tx.Append(Event{Kind: "filler", Message: strings.Repeat("x", 200)}); err != nil {
				return err
			}
		}
		_, err1 := tx.Put("group", "web", group{Name: "web", Desired: desired})
		_, err2 := tx.Put("group", "api", group{Name: "api", Desired: 1})
		return errors.Join(err1, err2)
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// assertDamaged checks that Open refuses the file with one line naming it
// and the way back, and leaves it unlocked.
func assertDamaged(t *testing.T, path string) {
	t.Helper()
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open of a damaged state file succeeded")
	}
	if !errors.Is(err, ErrDamaged) {
		t.Errorf("err = %v, want ErrDamaged", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, path) || !strings.Contains(msg, "cattle state restore") {
		t.Errorf("message is not one line naming %s and 'cattle state restore': %q", path, msg)
	}
	if Locked(path) {
		t.Errorf("a refused file is left locked")
	}
}

func TestOpenRefusesAFileCutShort(t *testing.T) {
	path := stateWithGroups(t, 2)
	if err := os.Truncate(path, 8<<10); err != nil {
		t.Fatal(err)
	}
	assertDamaged(t, path)
	db, err := Open(path)
	if err == nil {
		db.Close()
	}
	if !strings.Contains(err.Error(), "cut short") {
		t.Errorf("err = %v, want it to say the file is cut short", err)
	}
}

func TestOpenRefusesAZeroedFile(t *testing.T) {
	path := stateWithGroups(t, 2)
	fi, _ := os.Stat(path)
	if err := os.WriteFile(path, make([]byte, fi.Size()), 0o600); err != nil {
		t.Fatal(err)
	}
	assertDamaged(t, path)
}

func TestOpenRefusesRandomBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, randomBytes(t, 64<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	assertDamaged(t, path)
}

// TestOpenRefusesGarbageInsideAValidHeader overwrites every page but the two
// meta pages: the header is right, what it points to is not.
func TestOpenRefusesGarbageInsideAValidHeader(t *testing.T) {
	path := stateWithGroups(t, 2)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	pageSize := int64(os.Getpagesize())
	if _, err := f.WriteAt(randomBytes(t, int(fi.Size()-2*pageSize)), 2*pageSize); err != nil {
		t.Fatal(err)
	}
	f.Close()
	assertDamaged(t, path)
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRestoreBringsBackTheNewestGoodBackup(t *testing.T) {
	path := stateWithGroups(t, 1)
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for desired := 2; desired <= 5; desired++ {
		mustUpdate(t, db, func(tx *Tx) error {
			_, err := tx.Put("group", "web", group{Name: "web", Desired: desired})
			return err
		})
		if _, err := db.Backup(); err != nil {
			t.Fatal(err)
		}
	}
	if made, err := db.BackupIfChanged(); err != nil || made != "" {
		t.Errorf("BackupIfChanged with nothing written made %q (%v), want none", made, err)
	}
	if _, err := Restore(path); err == nil || !strings.Contains(err.Error(), "running daemon") {
		t.Errorf("Restore while the file is held: %v, want a refusal", err)
	}
	db.Close()
	backups, _ := Backups(path)
	if len(backups) != KeepBackups {
		t.Fatalf("backups kept: %v, want %d", backups, KeepBackups)
	}
	// The newest backup is damaged too: the one before it comes back.
	if err := os.Truncate(backups[0], 8<<10); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 8<<10); err != nil {
		t.Fatal(err)
	}
	res, err := Restore(path)
	if err != nil {
		t.Fatalf("Restore: %v", err)
	}
	if res.From != backups[1] || !strings.HasPrefix(res.KeptAs, path+".damaged-") {
		t.Errorf("restored %+v, want from %s and the damaged file kept aside", res, backups[1])
	}
	if fi, err := os.Stat(res.KeptAs); err != nil || fi.Size() != 8<<10 {
		t.Errorf("the damaged file was not kept as it was: %v", err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatalf("Open after restore: %v", err)
	}
	defer db.Close()
	if g := getGroup(t, db, "web"); g.Desired != 4 {
		t.Errorf("restored desired = %d, want 4 (the second newest backup)", g.Desired)
	}
}

func TestRestoreWithoutBackupsSaysSo(t *testing.T) {
	path := stateWithGroups(t, 1)
	_, err := Restore(path)
	if err == nil || !strings.Contains(err.Error(), "no backup of state file "+path) {
		t.Errorf("err = %v, want it to say there is no backup", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("a failed restore moved the state file: %v", err)
	}
}

// TestOpenSurvivesAnyOnePageOverwritten overwrites each page after the meta
// pages in turn with random bytes: Open refuses the file or reads it, it
// never crashes, and a refusal leaves the file unlocked.
func TestOpenSurvivesAnyOnePageOverwritten(t *testing.T) {
	path := stateWithGroups(t, 2)
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := os.Getpagesize()
	for off := 2 * pageSize; off < len(orig); off += pageSize {
		damaged := append([]byte(nil), orig...)
		copy(damaged[off:off+pageSize], randomBytes(t, pageSize))
		if err := os.WriteFile(path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := Open(path)
		if err == nil {
			db.Close()
			continue // a page that was free: nothing read it
		}
		if !errors.Is(err, ErrDamaged) || Locked(path) {
			t.Errorf("page %d overwritten: err = %v, locked %v; want ErrDamaged and unlocked", off/pageSize, err, Locked(path))
		}
	}
}
