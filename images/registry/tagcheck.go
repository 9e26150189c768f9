package registry

import (
	"context"
	"fmt"
	"net/http"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// TagDigest returns the digest the tag names in repository name, and
// whether it exists.
func (r *Registry) TagDigest(ctx context.Context, name, tag string) (string, bool) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "/", nil)
	if err != nil {
		return "", false
	}
	return r.resolve(req, manifestRoute{name: name, reference: tag})
}

// CheckTagFree refuses ahead of time what the registry would refuse at
// the push: an existing tag of an immutable repository. A bake checks it
// before it runs anything.
func (r *Registry) CheckTagFree(ctx context.Context, name, tag string) error {
	repo, found, err := r.repos.get(name)
	if err != nil || !found || !repo.Immutable {
		return err
	}
	if _, exists := r.TagDigest(ctx, name, tag); exists {
		return errdefs.Conflict("%s: the image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable: bake a new tag",
			ErrorCodeTagExists, tag, name)
	}
	return nil
}

// Ref is how the engine names a tag of the registry at addr.
func Ref(addr, name, tag string) string { return fmt.Sprintf("%s/%s:%s", addr, name, tag) }
