package images

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

const kindLifecycle = "lifecycle"

// StoredPolicy is a repository's lifecycle policy as stored.
type StoredPolicy struct {
	Repository string          `json:"repository"`
	Policy     LifecyclePolicy `json:"policy"`
}

// SetLifecyclePolicy checks and stores a repository's policy (ECR's JSON),
// replacing the one it had.
func (c *Catalog) SetLifecyclePolicy(ctx context.Context, repo string, text []byte) (StoredPolicy, error) {
	if err := registry.ValidateName(repo); err != nil {
		return StoredPolicy{}, err
	}
	p, err := ParseLifecyclePolicy(text)
	if err != nil {
		return StoredPolicy{}, err
	}
	sp := StoredPolicy{Repository: repo, Policy: p}
	return sp, c.db.Update(func(tx *store.Tx) error {
		if _, err := tx.Put(kindLifecycle, repo, sp); err != nil {
			return err
		}
		_, err := tx.Append(store.Event{Kind: "repository.lifecycle", Resource: "repository/" + repo,
			Message: fmt.Sprintf("repository %s lifecycle policy set (%d rules)", repo, len(p.Rules))})
		return err
	})
}

// LifecyclePolicy returns a repository's policy.
func (c *Catalog) LifecyclePolicy(ctx context.Context, repo string) (StoredPolicy, error) {
	var sp StoredPolicy
	err := c.db.View(func(tx *store.Tx) (err error) {
		sp, err = store.Get[StoredPolicy](tx, kindLifecycle, repo)
		return err
	})
	if errors.Is(err, errdefs.ErrNotFound) {
		err = errdefs.NotFound("repository %s has no lifecycle policy: set one with 'cattle repos lifecycle %s --file policy.json'", repo, repo)
	}
	return sp, err
}

// PruneResult is what a prune expired and freed.
type PruneResult struct {
	DryRun  bool     `json:"dry_run"`
	Expired []Expiry `json:"expired"`
	// FreedBytes is what the garbage collection freed (a dry run frees
	// nothing and reports what the expired images account for).
	FreedBytes int64 `json:"freed_bytes"`
}

// Prune applies every repository's lifecycle policy: the images the rules
// select (never one in use) leave the registry, then the blobs no
// manifest references are collected.
func (c *Catalog) Prune(ctx context.Context, dryRun bool) (PruneResult, error) {
	res := PruneResult{DryRun: dryRun, Expired: []Expiry{}}
	var policies []StoredPolicy
	var all []Image
	err := c.db.View(func(tx *store.Tx) (err error) {
		if policies, err = store.List[StoredPolicy](tx, kindLifecycle); err != nil {
			return err
		}
		all, err = store.List[Image](tx, kindImage)
		return err
	})
	if err != nil {
		return res, err
	}
	for _, sp := range policies {
		repoImgs := slices.DeleteFunc(slices.Clone(all), func(img Image) bool { return img.Repository != sp.Repository })
		var usedErr error
		inUse := func(img Image) bool {
			users, err := c.users(ctx, img)
			usedErr = errors.Join(usedErr, err)
			return err != nil || len(users) > 0
		}
		exp := sp.Policy.Select(repoImgs, inUse, c.now())
		if usedErr != nil {
			return res, usedErr
		}
		res.Expired = append(res.Expired, exp...)
	}
	if dryRun {
		for _, e := range res.Expired {
			res.FreedBytes += e.Image.Size
		}
		return res, nil
	}
	return c.expire(ctx, res)
}

// expire deletes the selected manifests, then collects the garbage.
func (c *Catalog) expire(ctx context.Context, res PruneResult) (PruneResult, error) {
	for _, e := range res.Expired {
		err := c.reg.DeleteManifest(ctx, e.Image.Repository, e.Image.Digest)
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return res, err
		}
		err = c.db.Update(func(tx *store.Tx) error {
			_, err := tx.Append(store.Event{Kind: "image.expired", Resource: "image/" + e.Image.Ref(),
				Message: fmt.Sprintf("image %s (%s) expired by lifecycle rule %d", e.Image.Ref(), tagList(e.Image.Tags), e.Rule)})
			return err
		})
		if err != nil {
			return res, err
		}
	}
	freed, err := c.reg.GarbageCollect(ctx, false)
	res.FreedBytes = freed
	if err == nil && (freed > 0 || len(res.Expired) > 0) {
		slog.Info("registry pruned", "expired", len(res.Expired), "freed_bytes", freed)
	}
	return res, err
}

func tagList(tags []string) string {
	if len(tags) == 0 {
		return "untagged"
	}
	return fmt.Sprint(tags)
}
