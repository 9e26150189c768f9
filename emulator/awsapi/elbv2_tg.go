package awsapi

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// rangedInt reads an integer parameter that must lie in lo-hi, as AWS
// checks it; ok is false when it was not sent.
func rangedInt(p Params, name string, lo, hi int) (n int, ok bool, err error) {
	if !p.Has(name) {
		return 0, false, nil
	}
	if n, err = p.Int(name, 0); err != nil {
		return 0, false, err
	}
	if n < lo || n > hi {
		return 0, false, Errorf("ValidationError", "%s %d is out of range: use %d-%d", name, n, lo, hi)
	}
	return n, true, nil
}

// healthCheckParams reads the health check parameters of CreateTargetGroup
// and ModifyTargetGroup, checked as AWS checks them, into a change to
// apply to a health check.
func healthCheckParams(r *Request) (func(*elb.HealthCheck), error) {
	p, c := r.Params, clockOf(r)
	var sets []func(*elb.HealthCheck)
	if v := p.String("HealthCheckProtocol"); v != "" && v != "HTTP" {
		return nil, Errorf("ValidationError", "health check protocol '%s' is not modelled: cattle checks targets over HTTP", v)
	}
	if on, err := p.Bool("HealthCheckEnabled", true); err != nil {
		return nil, err
	} else if !on {
		return nil, Errorf("ValidationError", "Health check enabled must be true for target groups with target type 'instance'")
	}
	if p.Has("HealthCheckPath") {
		path := p.String("HealthCheckPath")
		if !strings.HasPrefix(path, "/") || len(path) > 1024 {
			return nil, p.Invalid("HealthCheckPath", path, "a path starting with /, at most 1024 characters")
		}
		sets = append(sets, func(h *elb.HealthCheck) { h.Path = path })
	}
	if p.Has("HealthCheckPort") {
		v, port := p.String("HealthCheckPort"), 0
		if v != "traffic-port" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return nil, p.Invalid("HealthCheckPort", v, "traffic-port or a port, 1-65535")
			}
			port = n
		}
		sets = append(sets, func(h *elb.HealthCheck) { h.Port = port })
	}
	if m := p.Sub("Matcher").String("HttpCode"); m != "" {
		sets = append(sets, func(h *elb.HealthCheck) { h.Matcher = m })
	}
	for _, f := range []struct {
		name   string
		lo, hi int
		set    func(h *elb.HealthCheck, n int)
	}{
		{"HealthCheckIntervalSeconds", 5, 300, func(h *elb.HealthCheck, n int) { h.Interval = c.duration(n) }},
		{"HealthCheckTimeoutSeconds", 2, 120, func(h *elb.HealthCheck, n int) { h.Timeout = c.duration(n) }},
		{"HealthyThresholdCount", 2, 10, func(h *elb.HealthCheck, n int) { h.HealthyThreshold = n }},
		{"UnhealthyThresholdCount", 2, 10, func(h *elb.HealthCheck, n int) { h.UnhealthyThreshold = n }},
	} {
		n, ok, err := rangedInt(p, f.name, f.lo, f.hi)
		if err != nil {
			return nil, err
		}
		if ok {
			set := f.set
			sets = append(sets, func(h *elb.HealthCheck) { set(h, n) })
		}
	}
	return func(h *elb.HealthCheck) {
		for _, set := range sets {
			set(h)
		}
	}, nil
}

// targetGroupParams checks CreateTargetGroup's other parameters and
// returns the target port.
func targetGroupParams(r *Request) (int, error) {
	p := r.Params
	if v := p.String("Protocol"); v != "" && v != "HTTP" {
		return 0, Errorf("ValidationError", "protocol '%s' is not modelled: cattle sends targets HTTP", v)
	}
	if v := p.String("TargetType"); v != "" && v != "instance" {
		return 0, Errorf("ValidationError", "target type '%s' is not modelled: cattle's targets are instances (TargetType instance)", v)
	}
	if v := p.String("VpcId"); v != "" && v != r.VpcID() {
		return 0, Errorf("ValidationError", "The VPC ID '%s' is not found: this sandbox's VPC is %s", v, r.VpcID())
	}
	port, ok, err := rangedInt(p, "Port", 1, 65535)
	if err == nil && !ok {
		err = Errorf("ValidationError", "A port must be specified for target groups of type 'instance' (parameter Port)")
	}
	return port, err
}

func targetGroupsResult(r *Request, all []elb.LoadBalancer, recs ...elb.LoadBalancer) any {
	var out struct {
		TargetGroups []elbTargetGroup `xml:"TargetGroups>member"`
	}
	for _, rec := range recs {
		out.TargetGroups = append(out.TargetGroups, shapeTargetGroup(r, rec, all))
	}
	return out
}

func createTargetGroup(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("Name")
	if err != nil {
		return nil, err
	}
	if err := checkELBName("Name", name); err != nil {
		return nil, err
	}
	port, err := targetGroupParams(r)
	if err != nil {
		return nil, err
	}
	apply, err := healthCheckParams(r)
	if err != nil {
		return nil, err
	}
	req := elb.CreateRequest{Name: name, Port: port}
	apply(&req.HealthCheck)
	rec, err := r.LB.CreateTargetGroup(ctx, req)
	if errors.Is(err, errdefs.ErrConflict) {
		return nil, Errorf("DuplicateTargetGroupName", "A target group with the name '%s' already exists", name)
	}
	if err != nil {
		return nil, asELBError(err, "target group")
	}
	return targetGroupsResult(r, nil, rec), nil
}

func describeTargetGroups(ctx context.Context, r *Request) (any, error) {
	all, err := r.LB.List(ctx)
	if err != nil {
		return nil, err
	}
	arns, names := r.Params.List("TargetGroupArns"), r.Params.List("Names")
	var of []string // the target groups a load balancer forwards to
	if lbArn := r.Params.String("LoadBalancerArn"); lbArn != "" {
		rec, err := elbRecord(ctx, r, "LoadBalancerArn", lbArn, "load balancer")
		if err != nil {
			return nil, err
		}
		of = []string{""} // none, unless it listens
		for _, f := range rec.Forwards {
			of = append(of, f.TargetGroup)
		}
	}
	var recs []elb.LoadBalancer
	for _, rec := range all {
		if rec.HasTargetGroup() && oneOf(tgARN(rec), arns) && oneOf(rec.Name, names) && oneOf(rec.Name, of) {
			recs = append(recs, rec)
		}
	}
	if len(recs) < len(arns)+len(names) {
		return nil, elbNotFound("target group")
	}
	return targetGroupsResult(r, all, recs...), nil
}

func modifyTargetGroup(ctx context.Context, r *Request) (any, error) {
	rec, err := targetGroupParam(ctx, r)
	if err != nil {
		return nil, err
	}
	apply, err := healthCheckParams(r)
	if err != nil {
		return nil, err
	}
	rec, err = r.LB.UpdateTargetGroup(ctx, rec.Name, func(l *elb.LoadBalancer) { apply(&l.HealthCheck) })
	if err != nil {
		return nil, asELBError(err, "target group")
	}
	all, err := r.LB.List(ctx)
	if err != nil {
		return nil, err
	}
	return targetGroupsResult(r, all, rec), nil
}

func deleteTargetGroup(ctx context.Context, r *Request) (any, error) {
	rec, err := targetGroupParam(ctx, r)
	var e *Error
	if errors.As(err, &e) && e.Code == "TargetGroupNotFound" {
		return elbEmpty(nil) // as AWS: deleting one that is gone succeeds
	} else if err != nil {
		return nil, err
	}
	return elbEmpty(asELBError(r.LB.DeleteTargetGroup(ctx, rec.Name), "target group"))
}

// attributeParams reads ModifyTargetGroupAttributes' Attributes into a
// change of the target group.
func attributeParams(r *Request) (func(*elb.LoadBalancer), error) {
	c := clockOf(r)
	var sets []func(*elb.LoadBalancer)
	attrs := r.Params.Structs("Attributes")
	if len(attrs) == 0 {
		return nil, Errorf("ValidationError", "the request must contain the parameter Attributes")
	}
	for _, a := range attrs {
		key, v := a.String("Key"), a.String("Value")
		n, nerr := strconv.Atoi(v)
		switch {
		case key == "deregistration_delay.timeout_seconds" && nerr == nil && n >= 0 && n <= 3600:
			sets = append(sets, func(l *elb.LoadBalancer) { l.DeregistrationDelay = c.duration(n) })
		case key == "slow_start.duration_seconds" && nerr == nil && (n == 0 || n >= 30 && n <= 900):
			sets = append(sets, func(l *elb.LoadBalancer) { l.SlowStart = c.duration(n) })
		case key == "load_balancing.algorithm.type" && (v == "round_robin" || v == "least_outstanding_requests"):
			sets = append(sets, func(l *elb.LoadBalancer) { l.Algorithm = v })
		case key == "stickiness.enabled" && v == "false":
		case key == "deregistration_delay.timeout_seconds", key == "slow_start.duration_seconds", key == "load_balancing.algorithm.type":
			return nil, Errorf("ValidationError", "'%s' is not a valid value for target group attribute '%s': use %s", v, key,
				map[string]string{"deregistration_delay.timeout_seconds": "0-3600", "slow_start.duration_seconds": "0 (off) or 30-900",
					"load_balancing.algorithm.type": "round_robin or least_outstanding_requests"}[key])
		default:
			return nil, Errorf("ValidationError", "target group attribute '%s' with value '%s' is not modelled: cattle models deregistration_delay.timeout_seconds, slow_start.duration_seconds and load_balancing.algorithm.type", key, v)
		}
	}
	return func(l *elb.LoadBalancer) {
		for _, set := range sets {
			set(l)
		}
	}, nil
}

func attributesResult(r *Request, rec elb.LoadBalancer) any {
	var out struct {
		Attributes []elbAttribute `xml:"Attributes>member"`
	}
	out.Attributes = targetGroupAttributes(r, rec)
	return out
}

func modifyTargetGroupAttributes(ctx context.Context, r *Request) (any, error) {
	rec, err := targetGroupParam(ctx, r)
	if err != nil {
		return nil, err
	}
	apply, err := attributeParams(r)
	if err != nil {
		return nil, err
	}
	if rec, err = r.LB.UpdateTargetGroup(ctx, rec.Name, apply); err != nil {
		return nil, asELBError(err, "target group")
	}
	return attributesResult(r, rec), nil
}

func describeTargetGroupAttributes(ctx context.Context, r *Request) (any, error) {
	rec, err := targetGroupParam(ctx, r)
	if err != nil {
		return nil, err
	}
	return attributesResult(r, rec), nil
}

// targetGroupParam reads the required TargetGroupArn and finds its record.
func targetGroupParam(ctx context.Context, r *Request) (elb.LoadBalancer, error) {
	arn, err := r.Params.Required("TargetGroupArn")
	if err != nil {
		return elb.LoadBalancer{}, err
	}
	return elbRecord(ctx, r, "TargetGroupArn", arn, "target group")
}
