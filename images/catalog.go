package images

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

const kindImage = "catalog"

// Image states, as AMIs have them.
const (
	StatePending      = "pending"
	StateAvailable    = "available"
	StateFailed       = "failed"
	StateDeregistered = "deregistered"
)

// Image is one catalog record: one manifest of one repository of the
// sandbox's registry (or one failed bake, which has no manifest).
type Image struct {
	Repository string            `json:"repository"`
	Tags       []string          `json:"tags"`
	Digest     string            `json:"digest"` // sha256 of the manifest; empty for a failed bake
	Size       int64             `json:"size"`
	State      string            `json:"state"`
	Deprecated bool              `json:"deprecated"`
	PushedAt   time.Time         `json:"pushed_at"`
	Builtin    bool              `json:"builtin,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	Log        string            `json:"log,omitempty"` // a bake's log
	BakeStart  *time.Time        `json:"bake_started,omitempty"`
	BakeEnd    *time.Time        `json:"bake_finished,omitempty"`
	// Key is the record's key: REPOSITORY@DIGEST, or REPOSITORY@failed-N.
	Key string `json:"key"`
}

// Ref is how a user names the record: REPOSITORY@DIGEST.
func (img Image) Ref() string {
	if img.Digest == "" {
		return img.Key
	}
	return img.Repository + "@" + img.Digest
}

func imageKey(repo, digest string) string { return repo + "@" + digest }

// BakeOutcome is what a bake reports to the catalog: the image it pushed
// (State available) or the failure (State failed, no digest or tags needed).
type BakeOutcome struct {
	Repository string
	Tags       []string
	Digest     string
	Size       int64
	State      string
	Log        string
	Labels     map[string]string
	Started    time.Time
	Finished   time.Time
}

// InUseFunc reports who uses REPOSITORY@DIGEST (template versions, live
// instances), so that it is neither removed nor expired.
type InUseFunc func(ctx context.Context, repo, digest string) ([]string, error)

// Catalog knows the sandbox's images: its records follow the registry (a
// push or delete event updates them) and the bakes.
type Catalog struct {
	db          *store.DB
	rt          sandbox.Runtime
	sandboxName string
	binaryPath  string
	reg         RegistryStore
	inUse       InUseFunc
	now         func() time.Time

	mu   sync.Mutex
	demo *sandbox.Image
}

// NewCatalog returns a catalog. binaryPath is the static cattle binary the
// demo image is made from; reg is the sandbox's registry.
func NewCatalog(db *store.DB, rt sandbox.Runtime, sandboxName, binaryPath string, reg RegistryStore) *Catalog {
	return &Catalog{db: db, rt: rt, sandboxName: sandboxName, binaryPath: binaryPath, reg: reg, now: time.Now}
}

// SetInUse sets who the catalog asks before removing or expiring an image.
func (c *Catalog) SetInUse(f InUseFunc) { c.inUse = f }

// RecordBake records a bake's outcome: an available image takes its tags
// from the repository's other records (a tag names one image); a failed
// one is kept with its log and no tag.
func (c *Catalog) RecordBake(ctx context.Context, r BakeOutcome) error {
	if r.Repository == "" {
		return errdefs.Invalid("a bake outcome needs a repository")
	}
	switch r.State {
	case StateAvailable, StatePending:
		if r.Digest == "" {
			return errdefs.Invalid("a bake outcome in state %s needs the digest of the image pushed", r.State)
		}
	case StateFailed:
	default:
		return errdefs.Invalid("bake outcome state %q is not valid: use available, pending or failed", r.State)
	}
	started, finished := r.Started.UTC(), r.Finished.UTC()
	img := Image{Repository: r.Repository, Tags: slices.Clone(r.Tags), Digest: r.Digest, Size: r.Size,
		State: r.State, PushedAt: finished, Labels: r.Labels, Log: r.Log, BakeStart: &started, BakeEnd: &finished}
	if img.PushedAt.IsZero() {
		img.PushedAt = c.now().UTC()
	}
	if r.State == StateFailed {
		img.Tags = nil
		img.Key = fmt.Sprintf("%s@failed-%d", r.Repository, started.UnixNano())
		if r.Digest != "" {
			img.Key = imageKey(r.Repository, r.Digest)
		}
	} else {
		img.Key = imageKey(r.Repository, r.Digest)
	}
	return c.db.Update(func(tx *store.Tx) error {
		if old, err := store.Get[Image](tx, kindImage, img.Key); err == nil {
			img.Deprecated = old.Deprecated
			img.Tags = mergeTags(old.Tags, img.Tags)
			if r.State != StateFailed && !old.PushedAt.IsZero() {
				img.PushedAt = old.PushedAt
			}
		}
		if err := putImage(tx, img); err != nil {
			return err
		}
		_, err := tx.Append(store.Event{Kind: "image.baked", Resource: "image/" + img.Ref(),
			Message: fmt.Sprintf("bake of %s %s (%s)", r.Repository, r.State, strings.Join(img.Tags, ", ")),
			Fields:  map[string]string{"repository": r.Repository, "digest": r.Digest, "state": r.State}})
		return err
	})
}

// putImage writes a record, taking its tags off the repository's others.
func putImage(tx *store.Tx, img Image) error {
	if len(img.Tags) > 0 {
		all, err := store.List[Image](tx, kindImage)
		if err != nil {
			return err
		}
		for _, other := range all {
			if other.Repository != img.Repository || other.Key == img.Key {
				continue
			}
			kept := slices.DeleteFunc(slices.Clone(other.Tags), func(t string) bool { return slices.Contains(img.Tags, t) })
			if len(kept) != len(other.Tags) {
				other.Tags = kept
				if _, err := tx.Put(kindImage, other.Key, other); err != nil {
					return err
				}
			}
		}
	}
	sort.Strings(img.Tags)
	_, err := tx.Put(kindImage, img.Key, img)
	return err
}

func mergeTags(a, b []string) []string {
	out := slices.Clone(a)
	for _, t := range b {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// List returns the catalog's records by repository, newest push first;
// deprecated and deregistered ones only when all.
func (c *Catalog) List(ctx context.Context, all bool) ([]Image, error) {
	var out []Image
	err := c.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List[Image](tx, kindImage)
		return err
	})
	if !all {
		out = slices.DeleteFunc(out, func(img Image) bool { return img.Deprecated || img.State == StateDeregistered })
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Repository != out[j].Repository {
			return out[i].Repository < out[j].Repository
		}
		return out[i].PushedAt.After(out[j].PushedAt)
	})
	return out, err
}

// errNoImage is the NotFound a reference the catalog lacks gets.
func errNoImage(ref string) error {
	return errdefs.NotFound("image %q not found: list images with 'cattle images ls --all'", ref)
}

// Get finds one record by REPOSITORY:TAG, REPOSITORY@DIGEST (the
// registry's address in front allowed) or a failed bake's key.
func (c *Catalog) Get(ctx context.Context, ref string) (Image, error) {
	var out Image
	err := c.db.View(func(tx *store.Tx) (err error) {
		out, err = getImage(tx, c.trimRegistry(ref))
		return err
	})
	return out, err
}

func getImage(tx *store.Tx, ref string) (Image, error) {
	if repo, digest, ok := strings.Cut(ref, "@"); ok {
		img, err := store.Get[Image](tx, kindImage, imageKey(repo, digest))
		if errors.Is(err, errdefs.ErrNotFound) {
			return img, errNoImage(ref)
		}
		return img, err
	}
	repo, tag := splitTag(ref)
	all, err := store.List[Image](tx, kindImage)
	if err != nil {
		return Image{}, err
	}
	for _, img := range all {
		if img.Repository == repo && slices.Contains(img.Tags, tag) {
			return img, nil
		}
	}
	return Image{}, errNoImage(ref)
}

// splitTag splits REPO:TAG (":latest" when no tag); a ':' before the last
// '/' belongs to a registry host.
func splitTag(ref string) (repo, tag string) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, "latest"
	}
	return ref[:i], ref[i+1:]
}
