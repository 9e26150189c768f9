package store

import (
	"encoding/json"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	bolt "go.etcd.io/bbolt"
)

// Tx is one transaction, handed to the fn of Update or View. It must not be
// used after that fn returns (methods then fail with ErrTxDone).
type Tx struct {
	tx       *bolt.Tx
	done     bool
	appended int // events appended, so Update knows to notify
}

// envelope is how a record is stored: its revision beside its JSON value.
type envelope struct {
	Rev  uint64          `json:"rev"`
	Data json.RawMessage `json:"data"`
}

// Writable reports whether the Tx comes from Update.
func (tx *Tx) Writable() bool { return tx.tx.Writable() }

func (tx *Tx) check(op string) error {
	if tx.done {
		return ErrTxDone
	}
	if op != "" && !tx.tx.Writable() {
		return fmt.Errorf("store: %s in a read-only transaction: use db.Update, not db.View", op)
	}
	return nil
}

// kindBucket returns the bucket of kind, or nil if nothing of that kind was
// ever stored (or create is false and it does not exist).
func (tx *Tx) kindBucket(kind string, create bool) (*bolt.Bucket, error) {
	if kind == "" {
		return nil, errors.New("store: empty record kind")
	}
	records := tx.tx.Bucket(recordsBucket)
	if !create {
		return records.Bucket([]byte(kind)), nil
	}
	b, err := records.CreateBucketIfNotExists([]byte(kind))
	if err != nil {
		return nil, fmt.Errorf("store: create bucket for %s: %w", kind, err)
	}
	return b, nil
}

// read returns the stored envelope of kind/id, or ok=false if missing.
func read(b *bolt.Bucket, kind, id string) (env envelope, ok bool, err error) {
	if b == nil {
		return env, false, nil
	}
	raw := b.Get([]byte(id))
	if raw == nil {
		return env, false, nil
	}
	env, err = decode(raw, kind, id)
	return env, err == nil, err
}

// decode parses a stored envelope. json.RawMessage copies, so the result does
// not point into bbolt's memory map and outlives the transaction.
func decode(raw []byte, kind, id string) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return env, fmt.Errorf("store: %s %s is corrupt: %w", kind, id, err)
	}
	return env, nil
}

// Get decodes record kind/id into v (v may be nil to only learn the revision).
// A missing record gives an error "<kind> <id> not found" wrapping errdefs.ErrNotFound.
func (tx *Tx) Get(kind, id string, v any) (rev uint64, err error) {
	if err := tx.check(""); err != nil {
		return 0, err
	}
	b, err := tx.kindBucket(kind, false)
	if err != nil {
		return 0, err
	}
	env, ok, err := read(b, kind, id)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("%s %s %w", kind, id, cerrdefs.ErrNotFound)
	}
	if v != nil {
		if err := json.Unmarshal(env.Data, v); err != nil {
			return 0, fmt.Errorf("store: decode %s %s into %T: %w", kind, id, v, err)
		}
	}
	return env.Rev, nil
}

// Put stores v as JSON under kind/id and returns its new revision: 1 for a
// new record, one more than before otherwise.
func (tx *Tx) Put(kind, id string, v any) (rev uint64, err error) {
	return tx.put(kind, id, v, nil)
}

// PutIf is Put guarded by the revision the caller read: rev 0 means the record
// must not exist yet; otherwise the stored revision must equal rev. A mismatch
// returns an error wrapping ErrConflict and writes nothing.
func (tx *Tx) PutIf(kind, id string, v any, rev uint64) (uint64, error) {
	return tx.put(kind, id, v, &rev)
}

func (tx *Tx) put(kind, id string, v any, want *uint64) (uint64, error) {
	if err := tx.check("put " + kind + " " + id); err != nil {
		return 0, err
	}
	if id == "" {
		return 0, fmt.Errorf("store: put %s with an empty id", kind)
	}
	b, err := tx.kindBucket(kind, true)
	if err != nil {
		return 0, err
	}
	cur, exists, err := read(b, kind, id)
	if err != nil {
		return 0, err
	}
	if want != nil {
		if err := conflict(kind, id, cur.Rev, exists, *want); err != nil {
			return 0, err
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("store: encode %s %s: %w", kind, id, err)
	}
	next := envelope{Rev: cur.Rev + 1, Data: data}
	raw, err := json.Marshal(next)
	if err != nil {
		return 0, fmt.Errorf("store: encode %s %s: %w", kind, id, err)
	}
	if err := b.Put([]byte(id), raw); err != nil {
		return 0, fmt.Errorf("store: put %s %s: %w", kind, id, err)
	}
	return next.Rev, nil
}

func conflict(kind, id string, cur uint64, exists bool, want uint64) error {
	switch {
	case want == 0 && exists:
		return fmt.Errorf("%s %s already exists (revision %d): %w", kind, id, cur, ErrConflict)
	case want != 0 && !exists:
		return fmt.Errorf("%s %s was deleted after it was read at revision %d: %w", kind, id, want, ErrConflict)
	case want != 0 && cur != want:
		return fmt.Errorf("%s %s changed after it was read (now revision %d, read at %d): read it again and retry: %w",
			kind, id, cur, want, ErrConflict)
	}
	return nil
}

// Delete removes kind/id. Deleting a missing record is not an error.
func (tx *Tx) Delete(kind, id string) error {
	if err := tx.check("delete " + kind + " " + id); err != nil {
		return err
	}
	b, err := tx.kindBucket(kind, false)
	if err != nil || b == nil {
		return err
	}
	if err := b.Delete([]byte(id)); err != nil {
		return fmt.Errorf("store: delete %s %s: %w", kind, id, err)
	}
	return nil
}

// List calls fn for every record of kind in id (byte) order; a kind never
// stored lists nothing. data is the record's JSON, a fresh copy the caller
// may keep. An error from fn stops the listing and is returned as is.
func (tx *Tx) List(kind string, fn func(id string, rev uint64, data []byte) error) error {
	if err := tx.check(""); err != nil {
		return err
	}
	b, err := tx.kindBucket(kind, false)
	if err != nil || b == nil {
		return err
	}
	c := b.Cursor()
	for k, raw := c.First(); k != nil; k, raw = c.Next() {
		id := string(k)
		env, err := decode(raw, kind, id)
		if err != nil {
			return err
		}
		if err := fn(id, env.Rev, env.Data); err != nil {
			return err
		}
	}
	return nil
}
