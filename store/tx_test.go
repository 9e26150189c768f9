package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
)

func TestPutGetCountsRevisions(t *testing.T) {
	db := openTemp(t)
	var revs []uint64
	mustUpdate(t, db, func(tx *Tx) error {
		for _, d := range []int{1, 2, 5} {
			rev, err := tx.Put("group", "web", group{Name: "web", Desired: d})
			if err != nil {
				return err
			}
			revs = append(revs, rev)
		}
		return nil
	})
	if want := []uint64{1, 2, 3}; !slices.Equal(revs, want) {
		t.Fatalf("Put revisions = %v, want %v", revs, want)
	}
	mustView(t, db, func(tx *Tx) error {
		var g group
		rev, err := tx.Get("group", "web", &g)
		if err != nil {
			return err
		}
		if rev != 3 || g.Desired != 5 {
			t.Errorf("Get = rev %d %+v, want rev 3 desired 5", rev, g)
		}
		return nil
	})
}

func TestGetMissingSaysWhatIsMissing(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		_, err := tx.Put("group", "api", group{Name: "api"})
		return err
	})
	mustView(t, db, func(tx *Tx) error {
		for _, kind := range []string{"group", "never-stored"} {
			_, err := tx.Get(kind, "web", &group{})
			if !errors.Is(err, cerrdefs.ErrNotFound) {
				t.Errorf("Get %s web: err = %v, want ErrNotFound", kind, err)
			}
			if want := kind + " web not found"; err == nil || err.Error() != want {
				t.Errorf("Get %s web: message %q, want %q", kind, err, want)
			}
		}
		return nil
	})
}

func TestPutIfCreateOnly(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		rev, err := tx.PutIf("group", "web", group{Desired: 1}, 0)
		if err != nil || rev != 1 {
			t.Fatalf("first create: rev %d, err %v; want rev 1", rev, err)
		}
		_, err = tx.PutIf("group", "web", group{Desired: 9}, 0)
		if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("second create: err = %v, want ErrConflict saying it already exists", err)
		}
		return nil
	})
	if g := getGroup(t, db, "web"); g.Desired != 1 {
		t.Errorf("after refused create desired = %d, want 1", g.Desired)
	}
}

func TestPutIfRefusesStaleRevision(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		if _, err := tx.Put("group", "web", group{Desired: 1}); err != nil {
			return err
		}
		_, err := tx.Put("group", "web", group{Desired: 2}) // rev 2
		return err
	})
	err := db.Update(func(tx *Tx) error {
		_, err := tx.PutIf("group", "web", group{Desired: 7}, 1)
		return err
	})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("PutIf with stale rev: err = %v, want ErrConflict", err)
	}
	if g := getGroup(t, db, "web"); g.Desired != 2 {
		t.Errorf("after stale PutIf desired = %d, want 2", g.Desired)
	}
	mustUpdate(t, db, func(tx *Tx) error {
		rev, err := tx.PutIf("group", "web", group{Desired: 7}, 2)
		if err != nil || rev != 3 {
			t.Errorf("PutIf with current rev: rev %d, err %v; want rev 3", rev, err)
		}
		return nil
	})
}

func TestPutIfOnDeletedRecordConflicts(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		if _, err := tx.Put("group", "web", group{}); err != nil {
			return err
		}
		if err := tx.Delete("group", "web"); err != nil {
			return err
		}
		_, err := tx.PutIf("group", "web", group{}, 1)
		if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "deleted") {
			t.Errorf("PutIf on deleted: err = %v, want ErrConflict saying it was deleted", err)
		}
		return nil
	})
}

func TestDelete(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		if _, err := tx.Put("group", "web", group{}); err != nil {
			return err
		}
		if err := tx.Delete("group", "web"); err != nil {
			t.Errorf("Delete existing: %v", err)
		}
		if err := tx.Delete("group", "web"); err != nil {
			t.Errorf("Delete already deleted: %v, want nil", err)
		}
		if err := tx.Delete("never-stored", "x"); err != nil {
			t.Errorf("Delete in unknown kind: %v, want nil", err)
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.Get("group", "web", nil); !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
		}
		return nil
	})
}

func TestListInIDOrderWithRevisions(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for _, id := range []string{"c", "a", "b", "a"} {
			if _, err := tx.Put("group", id, group{Name: id}); err != nil {
				return err
			}
		}
		_, err := tx.Put("instance", "i-1", group{Name: "other kind"})
		return err
	})
	var got []string
	var kept [][]byte
	mustView(t, db, func(tx *Tx) error {
		return tx.List("group", func(id string, rev uint64, data []byte) error {
			got = append(got, fmt.Sprintf("%s:%d", id, rev))
			kept = append(kept, data)
			return nil
		})
	})
	if want := "a:2 b:1 c:1"; strings.Join(got, " ") != want {
		t.Errorf("List = %q, want %q", strings.Join(got, " "), want)
	}
	// data is documented as the caller's own copy: still intact after View.
	if string(kept[0]) != `{"name":"a","desired":0}` {
		t.Errorf("retained data = %s", kept[0])
	}
	mustView(t, db, func(tx *Tx) error {
		return tx.List("never-stored", func(id string, _ uint64, _ []byte) error {
			t.Errorf("List of unknown kind called fn with %q", id)
			return nil
		})
	})
}

func TestListStopsOnCallbackError(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for _, id := range []string{"a", "b", "c"} {
			if _, err := tx.Put("group", id, group{}); err != nil {
				return err
			}
		}
		return nil
	})
	stop := errors.New("stop")
	calls := 0
	err := db.View(func(tx *Tx) error {
		return tx.List("group", func(string, uint64, []byte) error { calls++; return stop })
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List with failing fn: err %v after %d calls, want stop after 1", err, calls)
	}
}

func TestGenericHelpers(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for _, g := range []group{{Name: "web", Desired: 3}, {Name: "api", Desired: 2}} {
			if _, err := tx.Put("group", g.Name, g); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		g, err := Get[group](tx, "group", "web")
		if err != nil || g != (group{Name: "web", Desired: 3}) {
			t.Errorf("Get[group] = %+v, %v", g, err)
		}
		if _, err := Get[group](tx, "group", "db"); !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Errorf("Get[group] missing: err = %v, want ErrNotFound", err)
		}
		all, err := List[group](tx, "group")
		if err != nil || len(all) != 2 || all[0].Name != "api" || all[1].Name != "web" {
			t.Errorf("List[group] = %+v, %v; want api then web", all, err)
		}
		none, err := List[group](tx, "never-stored")
		if err != nil || len(none) != 0 {
			t.Errorf("List[group] of unknown kind = %+v, %v", none, err)
		}
		return nil
	})
}

func TestGenericGetReportsWrongType(t *testing.T) {
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		_, err := tx.Put("group", "web", "just a string")
		return err
	})
	mustView(t, db, func(tx *Tx) error {
		if _, err := Get[group](tx, "group", "web"); err == nil || !strings.Contains(err.Error(), "group web") {
			t.Errorf("Get[group] of a string: err = %v, want a decode error naming group web", err)
		}
		return nil
	})
}

func TestWritesInViewAreRefused(t *testing.T) {
	db := openTemp(t)
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.Put("group", "web", group{}); err == nil || !strings.Contains(err.Error(), "db.Update") {
			t.Errorf("Put in View: err = %v, want one pointing to db.Update", err)
		}
		if err := tx.Delete("group", "web"); err == nil {
			t.Error("Delete in View succeeded")
		}
		if _, err := tx.Append(Event{Kind: "x"}); err == nil {
			t.Error("Append in View succeeded")
		}
		return nil
	})
}

func TestTxUnusableAfterFnReturns(t *testing.T) {
	db := openTemp(t)
	var leaked *Tx
	mustUpdate(t, db, func(tx *Tx) error { leaked = tx; return nil })
	if _, err := leaked.Put("group", "web", group{}); !errors.Is(err, ErrTxDone) {
		t.Errorf("Put on a finished Tx: err = %v, want ErrTxDone", err)
	}
	if _, err := leaked.Get("group", "web", nil); !errors.Is(err, ErrTxDone) {
		t.Errorf("Get on a finished Tx: err = %v, want ErrTxDone", err)
	}
}

func TestFailedUpdateLeavesNothing(t *testing.T) {
	db := openTemp(t)
	ch, cancel := db.Subscribe()
	defer cancel()
	boom := errors.New("boom")
	err := db.Update(func(tx *Tx) error {
		if _, err := tx.Put("group", "web", group{Desired: 1}); err != nil {
			return err
		}
		if _, err := tx.Append(Event{Kind: "group.created", Resource: "group/web"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update err = %v, want the fn's error", err)
	}
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.Get("group", "web", nil); !errors.Is(err, cerrdefs.ErrNotFound) {
			t.Errorf("record after failed Update: err = %v, want ErrNotFound", err)
		}
		return nil
	})
	if events, err := db.Events(0, 0); err != nil || len(events) != 0 {
		t.Errorf("events after failed Update = %v, %v; want none", events, err)
	}
	if seq, _ := db.LastEventSeq(); seq != 0 {
		t.Errorf("LastEventSeq after failed Update = %d, want 0", seq)
	}
	select {
	case <-ch:
		t.Error("subscriber signalled for a rolled-back Update")
	default:
	}
	// The sequence was rolled back too: the next event is still number 1.
	mustUpdate(t, db, func(tx *Tx) error {
		seq, err := tx.Append(Event{Kind: "group.created"})
		if seq != 1 {
			t.Errorf("first committed event seq = %d, want 1", seq)
		}
		return err
	})
}

func getGroup(t *testing.T, db *DB, id string) group {
	t.Helper()
	var g group
	mustView(t, db, func(tx *Tx) error {
		var err error
		g, err = Get[group](tx, "group", id)
		return err
	})
	return g
}
