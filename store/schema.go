package store

import (
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Top-level buckets. Record kinds live nested under recordsBucket so that a
// kind can never collide with meta or events.
var (
	metaBucket    = []byte("meta")
	eventsBucket  = []byte("events")
	recordsBucket = []byte("records")

	schemaKey = []byte("schema_version")
)

// initSchema records SchemaVersion in a new file and refuses files it does not
// understand. The version is stored as decimal text so it reads plainly in
// bbolt's CLI.
func initSchema(tx *bolt.Tx, path string) error {
	meta := tx.Bucket(metaBucket)
	if meta == nil {
		if hasBuckets(tx) {
			return fmt.Errorf("state file %s holds bbolt data but no cattle schema: move it away or use another --state-dir", path)
		}
		var err error
		if meta, err = tx.CreateBucket(metaBucket); err != nil {
			return fmt.Errorf("initialise state file %s: %w", path, err)
		}
		if err := meta.Put(schemaKey, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return fmt.Errorf("initialise state file %s: %w", path, err)
		}
	}
	raw := meta.Get(schemaKey)
	version, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return fmt.Errorf("state file %s has an unreadable schema version %q: move it away or use another --state-dir", path, raw)
	}
	if version > SchemaVersion {
		return &SchemaError{Path: path, Version: version}
	}
	for _, name := range [][]byte{eventsBucket, recordsBucket} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("initialise state file %s: %w", path, err)
		}
	}
	return nil
}

func hasBuckets(tx *bolt.Tx) bool {
	k, _ := tx.Cursor().First()
	return k != nil
}
