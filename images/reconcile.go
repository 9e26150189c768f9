package images

import (
	"context"
	"errors"
	"log/slog"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// Reconcile brings the catalog in step with what the registry holds, for
// a daemon that died between the library storing a manifest (or deleting
// one) and the catalog recording it: a tag the registry has is recorded
// as pushed, a record whose manifest is gone is deregistered, a tag the
// registry no longer has is taken off. It returns how many records moved.
func (c *Catalog) Reconcile(ctx context.Context) (int, error) {
	held, err := c.reg.Contents(ctx)
	if err != nil {
		return 0, err
	}
	var all []Image
	if err := c.db.View(func(tx *store.Tx) (err error) {
		all, err = store.List[Image](tx, kindImage)
		return err
	}); err != nil {
		return 0, err
	}
	byKey := map[string]Image{}
	for _, img := range all {
		byKey[img.Key] = img
	}
	tagged := map[string]string{} // REPO:TAG -> digest, as the registry has it
	var fixes []registry.Event
	for _, e := range held {
		tagged[e.Repository+":"+e.Tag] = e.Digest
		img, ok := byKey[imageKey(e.Repository, e.Digest)]
		if ok && img.State == StateFailed {
			continue // a bake that failed after its push keeps its verdict
		}
		if !ok || img.State == StateDeregistered || !contains(img.Tags, e.Tag) {
			fixes = append(fixes, e)
		}
	}
	for _, img := range all {
		if img.Digest == "" || img.State == StateDeregistered || img.State == StateFailed {
			continue
		}
		gone, err := c.manifestGone(ctx, img)
		if err != nil {
			return 0, err
		}
		if gone {
			fixes = append(fixes, registry.Event{Action: registry.ActionDelete, Repository: img.Repository, Digest: img.Digest})
			continue
		}
		for _, tag := range img.Tags {
			if tagged[img.Repository+":"+tag] != img.Digest {
				fixes = append(fixes, registry.Event{Action: registry.ActionDelete, Repository: img.Repository, Tag: tag, Digest: img.Digest})
			}
		}
	}
	for _, e := range fixes {
		slog.Info("catalog: catching up with the registry", "action", e.Action, "repository", e.Repository, "tag", e.Tag, "digest", e.Digest)
		c.RegistryEvent(e)
	}
	return len(fixes), nil
}

func (c *Catalog) manifestGone(ctx context.Context, img Image) (bool, error) {
	_, _, err := c.reg.ManifestDigest(ctx, img.Repository, img.Digest)
	if errors.Is(err, errdefs.ErrNotFound) {
		return true, nil
	}
	return false, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
