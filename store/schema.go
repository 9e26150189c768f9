package store

import (
	"fmt"
	"os"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Top-level buckets. Record kinds live nested under recordsBucket so that a
// kind can never collide with meta or events.
var (
	metaBucket    = []byte("meta")
	eventsBucket  = []byte("events")
	recordsBucket = []byte("records")

	schemaKey  = []byte("schema_version")
	sandboxKey = []byte("sandbox")
)

// migrations[v] brings a file from schema v to v+1, in the transaction that
// then records v+1. Version 2 records the sandbox a file belongs to (meta
// "sandbox"), which the daemon fills in when it opens the file; a version 1
// file has none, so its migration has nothing to rewrite.
var migrations = map[uint64]func(tx *bolt.Tx) error{
	1: func(tx *bolt.Tx) error { return nil },
}

// fileSchema reads the version a file records: 0 for a new, empty file.
func fileSchema(tx *bolt.Tx, path string) (uint64, error) {
	meta := tx.Bucket(metaBucket)
	if meta == nil {
		if hasBuckets(tx) {
			return 0, fmt.Errorf("state file %s holds bbolt data but no cattle schema: move it away or use another --state-dir", path)
		}
		return 0, nil
	}
	raw := meta.Get(schemaKey)
	version, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil || version == 0 {
		return 0, fmt.Errorf("state file %s has an unreadable schema version %q: move it away or use another --state-dir", path, raw)
	}
	if version > SchemaVersion {
		return 0, &SchemaError{Path: path, Version: version}
	}
	return version, nil
}

// upgradeSchema brings the open file to SchemaVersion. A new file gets it
// recorded; an older one is first copied whole to PATH.vN (its version),
// which this cattle never writes again, then migrated in one transaction.
func upgradeSchema(b *bolt.DB, path string) error {
	var version uint64
	if err := b.View(func(tx *bolt.Tx) (err error) {
		version, err = fileSchema(tx, path)
		return err
	}); err != nil {
		return err
	}
	if version != 0 && version < SchemaVersion {
		if err := keepCopy(b, fmt.Sprintf("%s.v%d", path, version)); err != nil {
			return fmt.Errorf("keep a copy of state file %s (schema %d) before migrating it: %w", path, version, err)
		}
	}
	return b.Update(func(tx *bolt.Tx) error { return initSchema(tx, path, version) })
}

// initSchema records SchemaVersion, migrating from version (0: a new file),
// and makes the top-level buckets. The version is stored as decimal text
// so it reads plainly in bbolt's CLI.
func initSchema(tx *bolt.Tx, path string, version uint64) error {
	meta, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return fmt.Errorf("initialise state file %s: %w", path, err)
	}
	for v := version; v != 0 && v < SchemaVersion; v++ {
		if err := migrations[v](tx); err != nil {
			return fmt.Errorf("migrate state file %s from schema %d to %d: %w", path, v, v+1, err)
		}
	}
	if err := meta.Put(schemaKey, []byte(strconv.Itoa(SchemaVersion))); err != nil {
		return fmt.Errorf("initialise state file %s: %w", path, err)
	}
	for _, name := range [][]byte{eventsBucket, recordsBucket} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("initialise state file %s: %w", path, err)
		}
	}
	return nil
}

// keepCopy writes a consistent copy of the whole file to dst, replacing
// nothing that is there already (an earlier migration's copy is older still).
func keepCopy(b *bolt.DB, dst string) error {
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	return b.View(func(tx *bolt.Tx) error { return writeFileAtomic(dst, tx) })
}

// claimSandbox records the sandbox a file belongs to, or refuses one that
// belongs to another.
func claimSandbox(tx *bolt.Tx, path, sandbox string) error {
	meta := tx.Bucket(metaBucket)
	owner := string(meta.Get(sandboxKey))
	switch {
	case owner == sandbox:
		return nil
	case owner != "":
		return fmt.Errorf("state file %s belongs to sandbox %s, not %s: use --sandbox %s, or another --state-dir for %s",
			path, owner, sandbox, owner, sandbox)
	}
	return meta.Put(sandboxKey, []byte(sandbox))
}

func hasBuckets(tx *bolt.Tx) bool {
	k, _ := tx.Cursor().First()
	return k != nil
}
