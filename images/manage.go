package images

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// Deprecate marks an image deprecated (or not): it still launches by
// reference but plain listings hide it, as a deprecated AMI.
func (c *Catalog) Deprecate(ctx context.Context, ref string, deprecated bool) (Image, error) {
	var img Image
	err := c.db.Update(func(tx *store.Tx) (err error) {
		img, err = getImage(tx, c.trimRegistry(ref))
		if err != nil {
			return err
		}
		img.Deprecated = deprecated
		if _, err := tx.Put(kindImage, img.Key, img); err != nil {
			return err
		}
		verb := "deprecated"
		if !deprecated {
			verb = "no longer deprecated"
		}
		_, err = tx.Append(store.Event{Kind: "image.deprecated", Resource: "image/" + img.Ref(),
			Message: fmt.Sprintf("image %s %s", img.Ref(), verb)})
		return err
	})
	return img, err
}

// Remove deregisters an image: its manifest leaves the registry (its
// blobs stay until a prune collects them) and it can no longer launch
// instances; running ones are unaffected. An image a template version or
// a live instance uses is refused.
func (c *Catalog) Remove(ctx context.Context, ref string) (Image, error) {
	img, err := c.Get(ctx, ref)
	if err != nil {
		return img, err
	}
	if err := c.checkUnused(ctx, img); err != nil {
		return img, err
	}
	if img.Digest != "" && img.State != StateDeregistered {
		if err := c.reg.DeleteManifest(ctx, img.Repository, img.Digest); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return img, err
		}
	}
	err = c.db.Update(func(tx *store.Tx) error {
		img.State, img.Tags = StateDeregistered, nil
		if _, err := tx.Put(kindImage, img.Key, img); err != nil {
			return err
		}
		_, err := tx.Append(store.Event{Kind: "image.deregistered", Resource: "image/" + img.Ref(),
			Message: fmt.Sprintf("image %s deregistered", img.Ref())})
		return err
	})
	return img, err
}

// checkUnused refuses (Conflict, naming the users) an image in use.
func (c *Catalog) checkUnused(ctx context.Context, img Image) error {
	users, err := c.users(ctx, img)
	if err != nil || len(users) == 0 {
		return err
	}
	return errdefs.Conflict("image %s is in use by %s: delete or update those first", img.Ref(), strings.Join(users, ", "))
}

func (c *Catalog) users(ctx context.Context, img Image) ([]string, error) {
	if c.inUse == nil || img.Digest == "" {
		return nil, nil
	}
	return c.inUse(ctx, img.Repository, img.Digest)
}
