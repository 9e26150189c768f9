package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/cattle-dev/cattle/emulator/elb"
)

// CreateLoadBalancerRequest makes a load balancer.
type CreateLoadBalancerRequest = elb.CreateRequest

func lbPath(name string, rest string) string {
	return "/v1/loadbalancers/" + url.PathEscape(name) + rest
}

// CreateLoadBalancer makes a load balancer and starts its listener.
func (c *Client) CreateLoadBalancer(ctx context.Context, req CreateLoadBalancerRequest) (elb.LoadBalancer, error) {
	var out elb.LoadBalancer
	return out, c.do(ctx, http.MethodPost, "/v1/loadbalancers", req, &out)
}

// LoadBalancers lists load balancers.
func (c *Client) LoadBalancers(ctx context.Context) ([]elb.LoadBalancer, error) {
	var out []elb.LoadBalancer
	return out, c.do(ctx, http.MethodGet, "/v1/loadbalancers", nil, &out)
}

// LoadBalancer returns one load balancer.
func (c *Client) LoadBalancer(ctx context.Context, name string) (elb.LoadBalancer, error) {
	var out elb.LoadBalancer
	return out, c.do(ctx, http.MethodGet, lbPath(name, ""), nil, &out)
}

// DeleteLoadBalancer drains and removes a load balancer.
func (c *Client) DeleteLoadBalancer(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, lbPath(name, ""), nil, nil)
}

// Targets returns the health of a load balancer's targets.
func (c *Client) Targets(ctx context.Context, name string) ([]elb.Target, error) {
	var out []elb.Target
	return out, c.do(ctx, http.MethodGet, lbPath(name, "/targets"), nil, &out)
}

// RegisterTargets makes instances targets of a load balancer.
func (c *Client) RegisterTargets(ctx context.Context, name string, ids ...string) error {
	return c.do(ctx, http.MethodPost, lbPath(name, "/register"), TargetsRequest{IDs: ids}, nil)
}

// DeregisterTargets takes instances out of a load balancer; with wait it
// returns once they have drained.
func (c *Client) DeregisterTargets(ctx context.Context, name string, wait bool, ids ...string) error {
	return c.do(ctx, http.MethodPost, lbPath(name, "/deregister"), TargetsRequest{IDs: ids, Wait: wait}, nil)
}

// LoadBalancerStats returns a load balancer's counters.
func (c *Client) LoadBalancerStats(ctx context.Context, name string) (elb.Stats, error) {
	var out elb.Stats
	return out, c.do(ctx, http.MethodGet, lbPath(name, "/stats"), nil, &out)
}

// SetForwards sets a load balancer's weighted forwards.
func (c *Client) SetForwards(ctx context.Context, name string, fs []elb.Forward) (elb.LoadBalancer, error) {
	var out elb.LoadBalancer
	return out, c.do(ctx, http.MethodPut, lbPath(name, "/forwards"), ForwardsRequest{Forwards: fs}, &out)
}
