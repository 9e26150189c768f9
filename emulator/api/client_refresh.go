package api

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
)

// RefreshPollInterval is how often WaitRefresh asks the daemon.
const RefreshPollInterval = 250 * time.Millisecond

// Refresh returns one of a group's instance refreshes.
func (c *Client) Refresh(ctx context.Context, group, id string) (autoscaling.Refresh, error) {
	var out autoscaling.Refresh
	return out, c.do(ctx, http.MethodGet, groupPath(group, "refreshes", url.PathEscape(id)), nil, &out)
}

// WaitRefresh follows a group's refresh until it ends (autoscaling.Done)
// or ctx does, calling progress, when not nil, with every reading. It
// returns the last reading; the error is the daemon's, or ctx's when ctx
// ended first.
func (c *Client) WaitRefresh(ctx context.Context, group, id string, progress func(autoscaling.Refresh)) (autoscaling.Refresh, error) {
	var last autoscaling.Refresh
	err := Poll(ctx, RefreshPollInterval, func(ctx context.Context) (bool, error) {
		r, err := c.Refresh(ctx, group, id)
		if err != nil {
			return false, err
		}
		last = r
		if progress != nil {
			progress(r)
		}
		return autoscaling.Done(r.Status), nil
	})
	return last, err
}
