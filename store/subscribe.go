package store

import (
	"context"
	"fmt"
)

// Subscribe returns a channel that receives a signal after each commit that
// appended events, and a cancel func that must be called when done. The
// channel has a buffer of 1 and sends never block, so several commits may
// coalesce into one signal: on a signal, read Events from the last seen Seq.
// The channel is closed by cancel and by Close.
func (db *DB) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		close(ch)
		return ch, func() {}
	}
	id := db.nextID
	db.nextID++
	db.subs[id] = ch
	return ch, func() {
		db.mu.Lock()
		defer db.mu.Unlock()
		if _, ok := db.subs[id]; ok {
			delete(db.subs, id)
			close(ch)
		}
	}
}

func (db *DB) notify() {
	db.mu.Lock()
	defer db.mu.Unlock()
	for _, ch := range db.subs {
		select {
		case ch <- struct{}{}:
		default: // a signal is already pending
		}
	}
}

// WaitEvents returns the events with Seq > after (at most limit, as Events),
// blocking until there is at least one. It returns ctx.Err() if ctx ends
// first, and an error if the DB is closed meanwhile.
func (db *DB) WaitEvents(ctx context.Context, after uint64, limit int) ([]Event, error) {
	// Subscribe before reading so an append between the read and the wait
	// still wakes us.
	ch, cancel := db.Subscribe()
	defer cancel()
	for {
		events, err := db.Events(after, limit)
		if err != nil || len(events) > 0 {
			return events, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case _, ok := <-ch:
			if !ok {
				return nil, fmt.Errorf("wait for events in %s: state file closed", db.path)
			}
		}
	}
}
