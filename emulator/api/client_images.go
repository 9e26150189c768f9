package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/cattle-dev/cattle/images"
)

// Images lists the catalog's images; deprecated and deregistered ones only when all.
func (c *Client) Images(ctx context.Context, all bool) ([]images.Image, error) {
	var out []images.Image
	path := "/v1/images"
	if all {
		path += "?all=true"
	}
	return out, c.do(ctx, http.MethodGet, path, nil, &out)
}

// Image returns one catalog record.
func (c *Client) Image(ctx context.Context, ref string) (images.Image, error) {
	var out images.Image
	return out, c.do(ctx, http.MethodGet, "/v1/images/inspect?ref="+url.QueryEscape(ref), nil, &out)
}

// DeprecateImage marks an image deprecated (undo: current again).
func (c *Client) DeprecateImage(ctx context.Context, ref string, undo bool) (images.Image, error) {
	var out images.Image
	return out, c.do(ctx, http.MethodPost, "/v1/images/deprecate", ImageRequest{Ref: ref, Undo: undo}, &out)
}

// RemoveImage deregisters an image; one in use is refused.
func (c *Client) RemoveImage(ctx context.Context, ref string) (images.Image, error) {
	var out images.Image
	return out, c.do(ctx, http.MethodPost, "/v1/images/remove", ImageRequest{Ref: ref}, &out)
}

// PruneImages applies the lifecycle policies (dryRun: only reports).
func (c *Client) PruneImages(ctx context.Context, dryRun bool) (images.PruneResult, error) {
	var out images.PruneResult
	return out, c.do(ctx, http.MethodPost, "/v1/images/prune", PruneRequest{DryRun: dryRun}, &out)
}

// SetLifecyclePolicy sets a repository's lifecycle policy (ECR's JSON).
func (c *Client) SetLifecyclePolicy(ctx context.Context, repo string, policy []byte) (images.StoredPolicy, error) {
	var out images.StoredPolicy
	return out, c.do(ctx, http.MethodPut, "/v1/lifecycle/"+repo, LifecycleRequest{Policy: policy}, &out)
}

// LifecyclePolicy returns a repository's lifecycle policy.
func (c *Client) LifecyclePolicy(ctx context.Context, repo string) (images.StoredPolicy, error) {
	var out images.StoredPolicy
	return out, c.do(ctx, http.MethodGet, "/v1/lifecycle/"+repo, nil, &out)
}
