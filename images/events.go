package images

import (
	"log/slog"
	"slices"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/store"
)

// RegistryEvent keeps the catalog in step with the registry: a push makes
// or updates the record of REPOSITORY@DIGEST (and moves its tag there), a
// delete by digest deregisters it, a delete by tag takes the tag off.
func (c *Catalog) RegistryEvent(e registry.Event) {
	if e.Digest == "" {
		return
	}
	key := imageKey(e.Repository, e.Digest)
	err := c.db.Update(func(tx *store.Tx) error {
		img, err := store.Get[Image](tx, kindImage, key)
		found := err == nil
		switch {
		case e.Action == registry.ActionPush:
			img = pushedRecord(img, found, e)
		case !found:
			return nil
		case e.Tag != "":
			img.Tags = slices.DeleteFunc(img.Tags, func(t string) bool { return t == e.Tag })
		default:
			img.State, img.Tags = StateDeregistered, nil
		}
		return putImage(tx, img)
	})
	if err != nil {
		slog.Warn("catalog: recording a registry event", "image", key, "action", e.Action, "err", err)
	}
}

func pushedRecord(img Image, found bool, e registry.Event) Image {
	if !found || img.State == StateDeregistered {
		img = Image{Repository: e.Repository, Digest: e.Digest, Key: imageKey(e.Repository, e.Digest),
			Size: e.Size, PushedAt: e.Time, Builtin: e.Repository == DemoImageName}
	}
	if img.State != StatePending {
		img.State = StateAvailable
	}
	if img.Size == 0 {
		img.Size = e.Size
	}
	if e.Tag != "" && !slices.Contains(img.Tags, e.Tag) {
		img.Tags = append(img.Tags, e.Tag)
	}
	return img
}
