package store

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

func TestSubscribeSignalsCommitsThatAppendedEvents(t *testing.T) {
	db := openTemp(t)
	ch, cancel := db.Subscribe()
	defer cancel()

	mustUpdate(t, db, func(tx *Tx) error {
		_, err := tx.Put("group", "web", group{})
		return err
	})
	select {
	case <-ch:
		t.Error("signalled for a commit without events")
	default:
	}

	// Two commits before the reader wakes coalesce into one signal.
	appendEvents(t, db, "e1")
	appendEvents(t, db, "e2")
	select {
	case <-ch:
	default:
		t.Fatal("no signal after commits with events")
	}
	select {
	case <-ch:
		t.Error("second signal: commits were not coalesced")
	default:
	}
}

func TestSubscribeCancelClosesChannel(t *testing.T) {
	db := openTemp(t)
	ch, cancel := db.Subscribe()
	cancel()
	cancel() // twice is harmless
	if _, ok := <-ch; ok {
		t.Error("channel still open after cancel")
	}
	appendEvents(t, db, "e1") // must not panic sending to a closed channel
}

func TestWaitEventsReturnsExistingAtOnce(t *testing.T) {
	db := openTemp(t)
	appendEvents(t, db, "e1", "e2", "e3")
	events, err := db.WaitEvents(context.Background(), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := eventKinds(events); len(got) != 1 || got[0] != "e2" {
		t.Errorf("WaitEvents(after 1, limit 1) = %v, want [e2]", got)
	}
}

func TestWaitEventsWakesOnAppend(t *testing.T) {
	db := openTemp(t)
	appendEvents(t, db, "old")
	type result struct {
		events []Event
		err    error
	}
	done := make(chan result)
	go func() {
		events, err := db.WaitEvents(context.Background(), 1, 0)
		done <- result{events, err}
	}()
	waitForSubscriber(db)
	select {
	case r := <-done:
		t.Fatalf("WaitEvents returned before any new event: %+v", r)
	default:
	}
	appendEvents(t, db, "new")
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if got := eventKinds(r.events); len(got) != 1 || got[0] != "new" {
		t.Errorf("WaitEvents = %v, want [new]", got)
	}
}

func TestWaitEventsHonoursContext(t *testing.T) {
	db := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := db.WaitEvents(ctx, 0, 0)
		done <- err
	}()
	waitForSubscriber(db)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("WaitEvents after cancel: err = %v, want context.Canceled", err)
	}
	if n := subscriberCount(db); n != 0 {
		t.Errorf("%d subscribers left after WaitEvents returned, want 0", n)
	}
}

func TestCloseWakesWaitEvents(t *testing.T) {
	db := openTemp(t)
	done := make(chan error)
	go func() {
		_, err := db.WaitEvents(context.Background(), 0, 0)
		done <- err
	}()
	waitForSubscriber(db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Error("WaitEvents on a closed DB returned no error")
	}
}

func subscriberCount(db *DB) int {
	db.mu.Lock()
	defer db.mu.Unlock()
	return len(db.subs)
}

// waitForSubscriber spins until a goroutine's WaitEvents has subscribed, so
// the test exercises the blocking path rather than a race with it.
func waitForSubscriber(db *DB) {
	for subscriberCount(db) == 0 {
		runtime.Gosched()
	}
}
