package images

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/distribution/reference"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// RegistryStore is the sandbox's registry as the catalog uses it.
type RegistryStore interface {
	// Addr is the 127.0.0.1:PORT the engine pulls from and pushes to.
	Addr() string
	ManifestDigest(ctx context.Context, repo, reference string) (digest string, size int64, err error)
	DeleteManifest(ctx context.Context, repo, digest string) error
	GarbageCollect(ctx context.Context, dryRun bool) (freed int64, err error)
	// Contents is one push event per tag the registry holds.
	Contents(ctx context.Context) ([]registry.Event, error)
}

// Resolved is what a template version pins: a manifest in the registry.
type Resolved struct {
	Repository string
	Digest     string // sha256 of the manifest
}

// PullRef is the reference the engine launches it by.
func (c *Catalog) PullRef(r Resolved) string {
	return c.reg.Addr() + "/" + r.Repository + "@" + r.Digest
}

// EnsureBuiltins makes the built-in demo image and seeds it into the
// registry as builtin/demo:latest unless it holds it already.
func (c *Catalog) EnsureBuiltins(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	img, err := DemoImage(ctx, c.rt, c.sandboxName, c.binaryPath)
	if err != nil {
		return fmt.Errorf("making the built-in demo image: %w", err)
	}
	c.demo = &img
	addr := c.reg.Addr()
	if digest, _, err := c.reg.ManifestDigest(ctx, DemoImageName, "latest"); err == nil &&
		slices.Contains(img.Digests, addr+"/"+DemoImageName+"@"+digest) {
		return nil
	}
	if err := c.pushToRegistry(ctx, img.ID, DemoImageName, "latest"); err != nil {
		return fmt.Errorf("seeding the built-in demo image into the registry: %w", err)
	}
	return nil
}

// pushToRegistry tags an engine image as REGISTRY/repo:tag and pushes it.
func (c *Catalog) pushToRegistry(ctx context.Context, imageID, repo, tag string) error {
	target := c.reg.Addr() + "/" + repo + ":" + tag
	if err := c.rt.ImageTag(ctx, imageID, target); err != nil {
		return err
	}
	return c.rt.ImagePush(ctx, target)
}

// Resolve turns the image a template names into the manifest its version
// pins: a NAME:TAG or NAME@DIGEST the registry holds (its address in
// front or not), or else an image the engine has, pushed into the
// registry now. A deregistered or failed image is refused.
func (c *Catalog) Resolve(ctx context.Context, ref string) (Resolved, error) {
	ref = strings.TrimSpace(ref)
	name := c.trimRegistry(ref)
	if name == DemoImageName || name == DemoImageName+":latest" {
		if err := c.ensureDemoSeeded(ctx); err != nil {
			return Resolved{}, err
		}
	}
	if res, err := c.inRegistry(ctx, name); err == nil {
		return res, c.checkLaunchable(res)
	} else if !errors.Is(err, errdefs.ErrNotFound) {
		return Resolved{}, err
	}
	if name != ref {
		return Resolved{}, errdefs.NotFound("the sandbox's registry holds no %s: push it first (docker push %s)", name, ref)
	}
	return c.importFromEngine(ctx, ref)
}

// trimRegistry drops the registry's own address from a reference.
func (c *Catalog) trimRegistry(ref string) string {
	if addr := c.reg.Addr(); addr != "" {
		if rest, ok := strings.CutPrefix(ref, addr+"/"); ok {
			return rest
		}
	}
	return ref
}

// ensureDemoSeeded re-seeds builtin/demo if the registry lost it.
func (c *Catalog) ensureDemoSeeded(ctx context.Context) error {
	if _, _, err := c.reg.ManifestDigest(ctx, DemoImageName, "latest"); err == nil {
		return nil
	}
	return c.EnsureBuiltins(ctx)
}

func (c *Catalog) inRegistry(ctx context.Context, name string) (Resolved, error) {
	repo, reference, ok := strings.Cut(name, "@")
	if !ok {
		repo, reference = splitTag(name)
	}
	if registry.ValidateName(repo) != nil {
		return Resolved{}, errdefs.NotFound("%s is not a repository name", repo)
	}
	digest, _, err := c.reg.ManifestDigest(ctx, repo, reference)
	return Resolved{Repository: repo, Digest: digest}, err
}

// checkLaunchable refuses an image the catalog has deregistered or failed.
func (c *Catalog) checkLaunchable(r Resolved) error {
	var img Image
	err := c.db.View(func(tx *store.Tx) (err error) {
		img, err = store.Get[Image](tx, kindImage, imageKey(r.Repository, r.Digest))
		return err
	})
	switch {
	case errors.Is(err, errdefs.ErrNotFound):
		return nil
	case err != nil:
		return err
	case img.State == StateDeregistered || img.State == StateFailed:
		return errdefs.Conflict("image %s is %s and cannot launch instances: push or bake a new one", r.Repository+"@"+r.Digest, img.State)
	}
	return nil
}

// LaunchRef checks that the pinned image may still launch and returns the
// reference the engine runs it by.
func (c *Catalog) LaunchRef(ctx context.Context, r Resolved) (string, error) {
	if err := c.checkLaunchable(r); err != nil {
		return "", err
	}
	return c.PullRef(r), nil
}

// importFromEngine pushes an image the engine has into the registry,
// under the name the reference gives it, and resolves it there.
func (c *Catalog) importFromEngine(ctx context.Context, ref string) (Resolved, error) {
	img, err := c.rt.InspectImage(ctx, ref)
	if errors.Is(err, errdefs.ErrNotFound) {
		return Resolved{}, errdefs.NotFound("image %q not found in the registry nor the engine: use %s, push one (docker push %s/NAME:TAG), or bake one",
			ref, DemoImageName, c.reg.Addr())
	}
	if err != nil {
		return Resolved{}, err
	}
	repo, tag := importName(ref, img.ID)
	if err := c.pushToRegistry(ctx, img.ID, repo, tag); err != nil {
		return Resolved{}, fmt.Errorf("pushing %s into the sandbox's registry: %w", ref, err)
	}
	return c.inRegistry(ctx, repo+":"+tag)
}

// importName is the registry name an engine image takes: its repository
// without the registry host (busybox:1.36 stays busybox:1.36), or
// imported/ID12:latest for an image named by id.
func importName(ref, id string) (repo, tag string) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil || strings.HasPrefix(ref, "sha256:") {
		return "imported/" + strings.TrimPrefix(id, "sha256:")[:12], "latest"
	}
	repo = reference.Path(named)
	if reference.Domain(named) == "docker.io" {
		repo = strings.TrimPrefix(repo, "library/")
	}
	tag = "latest"
	if t, ok := named.(reference.Tagged); ok {
		tag = t.Tag()
	}
	return repo, tag
}
