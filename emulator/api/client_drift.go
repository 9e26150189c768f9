package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/drift"
)

// ScanDrift scans the sandbox (one group when given) for drift now.
func (c *Client) ScanDrift(ctx context.Context, group string) (drift.Report, error) {
	p := "/v1/drift"
	if group != "" {
		p += "?" + url.Values{"group": {group}}.Encode()
	}
	var out drift.Report
	return out, c.do(ctx, http.MethodGet, p, nil, &out)
}

// InjectDrift breaks instances the way a person would.
func (c *Client) InjectDrift(ctx context.Context, spec drift.InjectSpec) (drift.Injected, error) {
	var out drift.Injected
	return out, c.do(ctx, http.MethodPost, "/v1/drift/inject", spec, &out)
}

// RestoreDrift ends injected zone outages (zone "" ends them all).
func (c *Client) RestoreDrift(ctx context.Context, zone, by string) (drift.Restored, error) {
	var out drift.Restored
	return out, c.do(ctx, http.MethodPost, "/v1/drift/restore", RestoreRequest{Zone: zone, By: by}, &out)
}

// SetGroupDrift sets a group's drift remediation: replace or report.
func (c *Client) SetGroupDrift(ctx context.Context, name, mode string) (autoscaling.GroupDetail, error) {
	var out autoscaling.GroupDetail
	return out, c.do(ctx, http.MethodPost, groupPath(name, "drift"), GroupDriftRequest{Drift: mode}, &out)
}
