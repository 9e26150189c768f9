package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

func groupPath(name string, rest ...string) string {
	p := "/v1/groups/" + url.PathEscape(name)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// CreateGroup makes an auto scaling group.
func (c *Client) CreateGroup(ctx context.Context, spec autoscaling.GroupSpec) (autoscaling.GroupDetail, error) {
	var out autoscaling.GroupDetail
	return out, c.do(ctx, http.MethodPost, "/v1/groups", spec, &out)
}

// Groups lists the groups with their instances.
func (c *Client) Groups(ctx context.Context) ([]autoscaling.GroupDetail, error) {
	var out []autoscaling.GroupDetail
	return out, c.do(ctx, http.MethodGet, "/v1/groups", nil, &out)
}

// Group returns one group with its instances and its refresh in progress.
func (c *Client) Group(ctx context.Context, name string) (autoscaling.GroupDetail, error) {
	var out autoscaling.GroupDetail
	return out, c.do(ctx, http.MethodGet, groupPath(name), nil, &out)
}

// ScaleGroup changes a group's desired (and min, max) capacity.
func (c *Client) ScaleGroup(ctx context.Context, name string, spec autoscaling.ScaleSpec) (autoscaling.GroupDetail, error) {
	var out autoscaling.GroupDetail
	return out, c.do(ctx, http.MethodPost, groupPath(name, "scale"), spec, &out)
}

// DeleteGroup drains and terminates a group's instances and removes it,
// returning when it is gone. force cancels a refresh in progress.
func (c *Client) DeleteGroup(ctx context.Context, name string, force bool) error {
	p := groupPath(name)
	if force {
		p += "?force=true"
	}
	return c.do(ctx, http.MethodDelete, p, nil, nil)
}

// StartRefresh starts an instance refresh of a group.
func (c *Client) StartRefresh(ctx context.Context, name string, spec autoscaling.RefreshSpec) (autoscaling.Refresh, error) {
	var out autoscaling.Refresh
	return out, c.do(ctx, http.MethodPost, groupPath(name, "refreshes"), spec, &out)
}

// Refreshes lists a group's instance refreshes, newest first.
func (c *Client) Refreshes(ctx context.Context, name string) ([]autoscaling.Refresh, error) {
	var out []autoscaling.Refresh
	return out, c.do(ctx, http.MethodGet, groupPath(name, "refreshes"), nil, &out)
}

// CancelRefresh cancels a group's refresh in progress.
func (c *Client) CancelRefresh(ctx context.Context, name string) (autoscaling.Refresh, error) {
	var out autoscaling.Refresh
	return out, c.do(ctx, http.MethodPost, groupPath(name, "refreshes", "cancel"), nil, &out)
}

// Rollback rolls back a group's refresh in progress.
func (c *Client) Rollback(ctx context.Context, name string) (autoscaling.Refresh, error) {
	var out autoscaling.Refresh
	return out, c.do(ctx, http.MethodPost, groupPath(name, "rollback"), nil, &out)
}

// PutPolicy sets a group's target tracking scaling policy (one per group;
// a new one replaces it) and returns the group.
func (c *Client) PutPolicy(ctx context.Context, name string, spec autoscaling.PolicySpec) (autoscaling.GroupDetail, error) {
	var out autoscaling.GroupDetail
	return out, c.do(ctx, http.MethodPut, groupPath(name, "policy"), spec, &out)
}

// DeletePolicy removes a group's scaling policy; its capacity stays.
func (c *Client) DeletePolicy(ctx context.Context, name string) (autoscaling.GroupDetail, error) {
	var out autoscaling.GroupDetail
	return out, c.do(ctx, http.MethodDelete, groupPath(name, "policy"), nil, &out)
}
