package images

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

const kindImage = "images"

// Image states, as AMIs have them.
const (
	StatePending      = "pending"
	StateAvailable    = "available"
	StateFailed       = "failed"
	StateDeregistered = "deregistered"
)

// Image is one image the sandbox knows by name.
type Image struct {
	Name      string    `json:"name"`   // repo:tag, or builtin/demo
	Digest    string    `json:"digest"` // what a template version pins
	State     string    `json:"state"`
	Builtin   bool      `json:"builtin"`
	Size      int64     `json:"size"`
	CreatedAt time.Time `json:"created_at"`
}

// Catalog knows the sandbox's images and resolves references to digests.
type Catalog struct {
	db          *store.DB
	rt          sandbox.Runtime
	sandboxName string
	binaryPath  string

	mu   sync.Mutex
	demo *sandbox.Image
}

// NewCatalog returns a catalog. binaryPath is the static cattle binary the
// demo image is made from.
func NewCatalog(db *store.DB, rt sandbox.Runtime, sandboxName, binaryPath string) *Catalog {
	return &Catalog{db: db, rt: rt, sandboxName: sandboxName, binaryPath: binaryPath}
}

// EnsureBuiltins makes the built-in images exist and records them.
func (c *Catalog) EnsureBuiltins(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	img, err := DemoImage(ctx, c.rt, c.sandboxName, c.binaryPath)
	if err != nil {
		return fmt.Errorf("making the built-in demo image: %w", err)
	}
	c.demo = &img
	rec := Image{Name: DemoImageName, Digest: img.ID, State: StateAvailable, Builtin: true, Size: img.Size, CreatedAt: img.Created}
	return c.db.Update(func(tx *store.Tx) error {
		_, err := tx.Put(kindImage, DemoImageName, rec)
		return err
	})
}

// Resolve turns a reference into the digest a template version pins: a
// name the catalog knows, a digest, or an image already in the engine.
func (c *Catalog) Resolve(ctx context.Context, ref string) (string, error) {
	name := strings.TrimSuffix(ref, ":latest")
	var rec Image
	err := c.db.View(func(tx *store.Tx) (err error) {
		rec, err = store.Get[Image](tx, kindImage, name)
		return err
	})
	switch {
	case err == nil && rec.State == StateAvailable:
		return rec.Digest, nil
	case err == nil:
		return "", errdefs.Conflict("image %s is %s and cannot launch instances: bake a new one", ref, rec.State)
	case !errors.Is(err, errdefs.ErrNotFound):
		return "", err
	}
	img, err := c.rt.InspectImage(ctx, ref)
	if errors.Is(err, errdefs.ErrNotFound) {
		return "", errdefs.NotFound("image %q not found: use %s, an image the engine has (docker images), or bake one", ref, DemoImageName)
	}
	if err != nil {
		return "", err
	}
	return img.ID, nil
}

// List returns the images the catalog knows, by name.
func (c *Catalog) List(ctx context.Context) ([]Image, error) {
	var out []Image
	err := c.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List[Image](tx, kindImage)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}
