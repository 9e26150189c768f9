package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Event is one entry of the append-only log of state changes.
type Event struct {
	Seq      uint64            `json:"seq"`
	Time     time.Time         `json:"time"`
	Kind     string            `json:"kind"`     // what happened, e.g. "instance.state"
	Resource string            `json:"resource"` // e.g. "instance/i-0123..." or "group/web"
	Message  string            `json:"message"`  // a sentence for people, e.g. "i-0abc pending -> running"
	Fields   map[string]string `json:"fields,omitempty"`
}

// Append adds e to the event log and returns its sequence number (1, 2, ...).
// Seq is always assigned here; Time is set to now (UTC) if zero. Called in the
// same Update as a Put, the change and its event commit or vanish together.
func (tx *Tx) Append(e Event) (seq uint64, err error) {
	if err := tx.check("append event"); err != nil {
		return 0, err
	}
	b := tx.tx.Bucket(eventsBucket)
	if e.Seq, err = b.NextSequence(); err != nil {
		return 0, fmt.Errorf("store: next event sequence: %w", err)
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("store: encode event %q: %w", e.Kind, err)
	}
	if err := b.Put(seqKey(e.Seq), raw); err != nil {
		return 0, fmt.Errorf("store: append event %d: %w", e.Seq, err)
	}
	tx.appended++
	return e.Seq, nil
}

// seqKey is big-endian so bbolt's byte order is sequence order.
func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

// Events returns the events with Seq > after, in order, at most limit of them
// (limit <= 0 means all).
func (db *DB) Events(after uint64, limit int) ([]Event, error) {
	var out []Event
	err := db.bolt.View(func(btx *bolt.Tx) error {
		if after == math.MaxUint64 {
			return nil
		}
		c := btx.Bucket(eventsBucket).Cursor()
		for k, raw := c.Seek(seqKey(after + 1)); k != nil; k, raw = c.Next() {
			if limit > 0 && len(out) >= limit {
				break
			}
			var e Event
			if err := json.Unmarshal(raw, &e); err != nil {
				return fmt.Errorf("store: event %d is corrupt: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read events from %s: %w", db.path, err)
	}
	return out, nil
}

// LastEventSeq is the sequence number of the newest event, 0 if there is none.
func (db *DB) LastEventSeq() (uint64, error) {
	var seq uint64
	err := db.bolt.View(func(btx *bolt.Tx) error {
		seq = btx.Bucket(eventsBucket).Sequence()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read events from %s: %w", db.path, err)
	}
	return seq, nil
}
