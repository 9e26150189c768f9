package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"syscall"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// bbolt's on-disk header, read here without mapping the file: bbolt maps
// the whole file and reads its pages through memory, so a file cut short
// makes it fault (SIGBUS) instead of returning an error.
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16 // page id, flags, count, overflow
	metaSize       = 64 // magic .. checksum
	metaSumOffset  = 56 // the checksum covers the meta before it
	noFreelist     = ^uint64(0)
)

// boltMeta is the part of a bbolt meta page that says how big the file must be.
type boltMeta struct {
	pageSize uint32
	root     uint64 // root bucket page
	freelist uint64 // freelist page, or noFreelist
	pgid     uint64 // high water mark: the file holds pages 0..pgid-1
	txid     uint64
}

// parseMeta reads a meta page's body; ok is false when it is not a valid
// bbolt meta (wrong magic, version or checksum).
func parseMeta(page []byte) (boltMeta, bool) {
	if len(page) < pageHeaderSize+metaSize {
		return boltMeta{}, false
	}
	b := page[pageHeaderSize : pageHeaderSize+metaSize]
	le := binary.LittleEndian
	h := fnv.New64a()
	h.Write(b[:metaSumOffset])
	if le.Uint32(b[0:]) != boltMagic || le.Uint32(b[4:]) != boltVersion || le.Uint64(b[metaSumOffset:]) != h.Sum64() {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: le.Uint32(b[8:]), root: le.Uint64(b[16:]), freelist: le.Uint64(b[32:]),
		pgid: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}, true
}

// checkHeader reads both meta pages of the file at path and checks that the
// newer valid one describes a file no larger than the one on disk. A
// missing or empty file passes: Open makes a new one.
func checkHeader(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open state file %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open state file %s: %w", path, err)
	}
	size := fi.Size()
	if size == 0 {
		return nil
	}
	m, ok := newestMeta(f, size)
	if !ok {
		return &DamagedError{Path: path, Reason: "no valid bbolt header: the file is zeroed, overwritten or not a state file"}
	}
	if m.pageSize < 512 || m.pageSize > 1<<24 || m.pgid < 2 {
		return &DamagedError{Path: path, Reason: fmt.Sprintf("its header gives an impossible page size %d or page count %d", m.pageSize, m.pgid)}
	}
	if need := int64(m.pgid) * int64(m.pageSize); need > size || need < 0 {
		return &DamagedError{Path: path, Reason: fmt.Sprintf("it is cut short: %d bytes, its header needs %d", size, need)}
	}
	if m.root >= m.pgid || (m.freelist != noFreelist && m.freelist >= m.pgid) {
		return &DamagedError{Path: path, Reason: "its header points past the end of the file"}
	}
	return nil
}

// newestMeta finds the valid meta page with the highest transaction id, as
// bbolt does. Page 0 gives the page size; page 1 follows it, or is looked
// for at the sizes bbolt tries when page 0 is unreadable.
func newestMeta(f io.ReaderAt, size int64) (boltMeta, bool) {
	buf := make([]byte, pageHeaderSize+metaSize)
	read := func(off int64) (boltMeta, bool) {
		if off+int64(len(buf)) > size {
			return boltMeta{}, false
		}
		if _, err := f.ReadAt(buf, off); err != nil {
			return boltMeta{}, false
		}
		return parseMeta(buf)
	}
	m0, ok0 := read(0)
	var offsets []int64
	if ok0 {
		offsets = []int64{int64(m0.pageSize)}
	} else {
		for i := 0; i <= 14; i++ {
			offsets = append(offsets, 1024<<i)
		}
	}
	for _, off := range offsets {
		if m1, ok1 := read(off); ok1 && (!ok0 || m1.txid > m0.txid) {
			return m1, true
		}
	}
	return m0, ok0
}

// openVerified opens the file with bbolt and reads every bucket and record
// before running bbolt's own consistency check, on a goroutine where a
// memory fault in the mapped file is a panic it recovers from, not a crash.
// Any failure but the lock's is a *DamagedError.
func openVerified(path string, opts *bolt.Options) (*bolt.DB, error) {
	type result struct {
		db  *bolt.DB
		err error
	}
	done := make(chan result, 1)
	go func() {
		debug.SetPanicOnFault(true)
		var b *bolt.DB
		var file *os.File // to release the lock when bolt.Open itself panics
		withFile := *opts
		withFile.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		}
		defer func() {
			if r := recover(); r != nil {
				if b != nil {
					_ = b.Close()
				} else if file != nil {
					// bbolt's mapping of the file, which cannot be reached
					// from here, keeps it open: release the lock explicitly.
					_ = syscall.Flock(int(file.Fd()), syscall.LOCK_UN)
					_ = file.Close()
				}
				done <- result{err: &DamagedError{Path: path, Reason: fmt.Sprintf("reading it failed: %v", r)}}
			}
		}()
		var err error
		if b, err = bolt.Open(path, 0o600, &withFile); err != nil {
			done <- result{err: classifyOpenError(path, err)}
			return
		}
		if err := b.View(verifyTx); err != nil {
			_ = b.Close()
			done <- result{err: &DamagedError{Path: path, Reason: err.Error()}}
			return
		}
		done <- result{db: b}
	}()
	r := <-done
	return r.db, r.err
}

func classifyOpenError(path string, err error) error {
	switch {
	case errors.Is(err, bolterrors.ErrTimeout):
		return fmt.Errorf("open %s: %w (stop the cattle daemon using it, or use another --state-dir)", path, ErrLocked)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch), errors.Is(err, bolterrors.ErrChecksum):
		return &DamagedError{Path: path, Reason: err.Error()}
	}
	return fmt.Errorf("open state file %s: %w", path, err)
}

// verifyTx touches every page reachable from the root (so that a bad page
// panics here, where it is recovered, and not in bbolt's checker), then
// runs bbolt's check for freed, unreachable and double-used pages.
func verifyTx(tx *bolt.Tx) error {
	err := tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walkBucket(b) })
	if err != nil {
		return err
	}
	var problems []string
	for e := range tx.Check() { // drained to the end: the checker waits on it
		if len(problems) < 3 {
			problems = append(problems, e.Error())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("consistency check: %s", strings.Join(problems, "; "))
	}
	return nil
}

func walkBucket(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v != nil {
			return nil
		}
		child := b.Bucket(k)
		if child == nil {
			return fmt.Errorf("bucket %q is listed but cannot be read", k)
		}
		return walkBucket(child)
	})
}
