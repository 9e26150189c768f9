package registry

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"time"

	"github.com/distribution/distribution/v3/registry/storage"
	"github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// isWrite is a request that changes the registry's content.
func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead
}

// GarbageCollect removes the blobs no manifest references (the library's
// mark and sweep) and returns the bytes freed. Writes wait meanwhile: a
// blob uploaded for a manifest not yet pushed would look unreferenced.
// A dry run only reports, and frees nothing.
func (r *Registry) GarbageCollect(ctx context.Context, dryRun bool) (int64, error) {
	if err := r.lockQuiet(ctx); err != nil {
		return 0, err
	}
	defer r.writeMu.Unlock()
	before, err := dirSize(r.blobsDir())
	if err != nil {
		return 0, err
	}
	driver := filesystem.New(filesystem.DriverParameters{RootDirectory: r.dir, MaxThreads: 16})
	ns, err := storage.NewRegistry(ctx, driver, storage.EnableDelete)
	if err != nil {
		return 0, fmt.Errorf("opening the registry's storage for garbage collection: %w", err)
	}
	if err := storage.MarkAndSweep(ctx, driver, ns, storage.GCOpts{DryRun: dryRun, RemoveUntagged: false, Quiet: true}); err != nil {
		return 0, fmt.Errorf("collecting the registry's garbage: %w", err)
	}
	after, err := dirSize(r.blobsDir())
	return before - after, err
}

func (r *Registry) blobsDir() string {
	return filepath.Join(r.dir, "docker", "registry", "v2", "blobs")
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir && errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}

// DefaultGCQuiet is how long the registry must have had no write before a
// collection: a push uploads its blobs, then its manifest, in separate
// requests, and a collection in between would take the blobs.
const DefaultGCQuiet = 3 * time.Second

// lockQuiet takes the write lock once no write came for r.gcQuiet.
func (r *Registry) lockQuiet(ctx context.Context) error {
	for {
		r.writeMu.Lock()
		wait := r.gcQuiet - time.Since(time.Unix(0, r.lastWrite.Load()))
		if wait <= 0 {
			return nil
		}
		r.writeMu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for pushes to end before collecting the registry's garbage: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}
