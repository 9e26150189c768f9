package api

import (
	"context"
	"net/http"

	"github.com/cattle-dev/cattle/images/registry"
)

// CreateRepository makes a repository in the sandbox's registry.
func (c *Client) CreateRepository(ctx context.Context, name string, immutable bool) (registry.Repository, error) {
	var out registry.Repository
	return out, c.do(ctx, http.MethodPost, "/v1/repositories", CreateRepositoryRequest{Name: name, Immutable: immutable}, &out)
}

// Repositories lists the registry's repositories.
func (c *Client) Repositories(ctx context.Context) ([]registry.Repository, error) {
	var out []registry.Repository
	return out, c.do(ctx, http.MethodGet, "/v1/repositories", nil, &out)
}

// Repository returns one repository.
func (c *Client) Repository(ctx context.Context, name string) (registry.Repository, error) {
	var out registry.Repository
	return out, c.do(ctx, http.MethodGet, "/v1/repositories/"+name, nil, &out)
}

// DeleteRepository removes a repository; one that holds tagged images is
// refused unless force.
func (c *Client) DeleteRepository(ctx context.Context, name string, force bool) error {
	path := "/v1/repositories/" + name
	if force {
		path += "?force=true"
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}
