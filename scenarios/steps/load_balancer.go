package steps

import (
	"cmp"
	"context"
	"strings"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[createLoadBalancer]("load_balancer",
		scenarios.SetupSection("load_balancers", 20),
		scenarios.Doc("create a load balancer: a listener on 127.0.0.1 and a target group of the same name",
			"load_balancer: {name: web, health_check: {path: /healthz}}"))
}

type createLoadBalancer struct {
	Name                string              `yaml:"name,required" def:"load_balancer"`
	Port                int                 `yaml:"port" default:"a free port"`
	Algorithm           string              `yaml:"algorithm" default:"round_robin"`
	HealthCheck         *lbHealthCheck      `yaml:"health_check" default:"path / (or the template's health path), matcher 200, the profile's interval, timeout and thresholds"`
	DeregistrationDelay *scenarios.Duration `yaml:"deregistration_delay" default:"the profile's deregistration delay"`
	SlowStart           scenarios.Duration  `yaml:"slow_start" default:"0s (off)"`
	// Targets registers instances right away.
	Targets *scenarios.InstanceRef `yaml:"targets" default:"none: a group's load_balancer registers them"`
}

type lbHealthCheck struct {
	Path               string             `yaml:"path"`
	Matcher            string             `yaml:"matcher"`
	Interval           scenarios.Duration `yaml:"interval"`
	Timeout            scenarios.Duration `yaml:"timeout"`
	HealthyThreshold   int                `yaml:"healthy_threshold"`
	UnhealthyThreshold int                `yaml:"unhealthy_threshold"`
}

func (c *createLoadBalancer) Validate() error {
	if c.Port < 0 || c.Port > 65535 {
		return scenarios.FieldError("port", "port %d is out of range: use 1-65535 (or leave it out to pick a free one)", c.Port)
	}
	switch c.Algorithm {
	case "", "round_robin", "least_outstanding_requests":
	default:
		return scenarios.FieldError("algorithm", "unknown algorithm %q: use round_robin or least_outstanding_requests", c.Algorithm)
	}
	return nil
}

// Check refuses, on the scenario's timing profile, what the API would:
// health check settings and delays out of their ranges.
func (c *createLoadBalancer) Check(cc *scenarios.CheckContext) error {
	p, err := timing.ByName(cmp.Or(cc.Timing(), "fast"))
	if err != nil {
		return nil // the scenario's timing key says what is wrong with it
	}
	err = elb.CheckCreate(p, c.request())
	switch {
	case err == nil:
		return nil
	case strings.HasPrefix(err.Error(), "slow start"):
		return scenarios.FieldError("slow_start", "%v", err)
	case strings.HasPrefix(err.Error(), "deregistration delay"):
		return scenarios.FieldError("deregistration_delay", "%v", err)
	case c.HealthCheck != nil && strings.HasPrefix(err.Error(), "health check"):
		return scenarios.FieldError("health_check", "%v", err)
	}
	return nil // names and ports are the other checks' business
}

// request is the API request the step makes.
func (c *createLoadBalancer) request() api.CreateLoadBalancerRequest {
	req := api.CreateLoadBalancerRequest{Name: c.Name, Port: c.Port, Algorithm: c.Algorithm, SlowStart: elb.Duration(c.SlowStart)}
	if h := c.HealthCheck; h != nil {
		req.HealthCheck = elb.HealthCheck{Path: h.Path, Matcher: h.Matcher, Interval: elb.Duration(h.Interval),
			Timeout: elb.Duration(h.Timeout), HealthyThreshold: h.HealthyThreshold, UnhealthyThreshold: h.UnhealthyThreshold}
	}
	if c.DeregistrationDelay != nil {
		d := elb.Duration(*c.DeregistrationDelay)
		req.DeregistrationDelay = &d
	}
	return req
}

func (c *createLoadBalancer) Execute(ctx context.Context, r *scenarios.Run) error {
	req := c.request()
	lb, err := r.Client.CreateLoadBalancer(ctx, req)
	if err != nil {
		return err
	}
	r.OnCleanup(func(ctx context.Context) error { return r.Client.DeleteLoadBalancer(ctx, c.Name) })
	r.Notef("load balancer %s listens on http://%s (%s)", lb.Name, lb.Address, lb.Algorithm)
	if c.Targets != nil {
		insts, err := r.Instances(ctx, *c.Targets)
		if err != nil {
			return err
		}
		if err := r.Client.RegisterTargets(ctx, c.Name, scenarios.IDs(insts)...); err != nil {
			return err
		}
		r.Notef("registered %s", scenarios.DescribeInstances(insts))
	}
	return nil
}
