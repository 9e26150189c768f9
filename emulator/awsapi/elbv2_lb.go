package awsapi

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"

	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// elbName is AWS's rule for load balancer and target group names.
var elbName = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)

func checkELBName(param, name string) error {
	if !elbName.MatchString(name) {
		return Errorf("ValidationError", "%s '%s' is not valid: use at most 32 letters, digits and hyphens, not beginning or ending with a hyphen", param, name)
	}
	return nil
}

// lbZones maps CreateLoadBalancer's Subnets (or SubnetMappings) to zones:
// an application load balancer needs two zones at least, as in AWS.
func lbZones(r *Request) ([]string, error) {
	subnets := r.Params.List("Subnets")
	for _, m := range r.Params.Structs("SubnetMappings") {
		subnets = append(subnets, m.String("SubnetId"))
	}
	var zones []string
	for _, id := range subnets {
		z, ok := r.ZoneOfSubnet(id)
		if !ok {
			return nil, Errorf("SubnetNotFound", "The subnet ID '%s' is not valid: DescribeSubnets lists this sandbox's subnets", id)
		}
		if !slices.Contains(zones, z) {
			zones = append(zones, z)
		}
	}
	if len(zones) < 2 {
		return nil, Errorf("ValidationError", "At least two subnets in two different Availability Zones must be specified (parameter Subnets)")
	}
	slices.Sort(zones)
	return zones, nil
}

func createLoadBalancer(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("Name")
	if err != nil {
		return nil, err
	}
	if err := checkELBName("Name", name); err != nil {
		return nil, err
	}
	if t := r.Params.String("Type"); t != "" && t != "application" {
		return nil, Errorf("ValidationError", "load balancer type '%s' is not modelled: cattle's load balancers are application load balancers (Type application)", t)
	}
	if s := r.Params.String("Scheme"); s != "" && s != "internet-facing" && s != "internal" {
		return nil, r.Params.Invalid("Scheme", s, "internet-facing or internal")
	}
	zones, err := lbZones(r)
	if err != nil {
		return nil, err
	}
	rec, err := r.LB.CreateLoadBalancer(ctx, name, zones)
	if errors.Is(err, errdefs.ErrConflict) {
		// As AWS: the same load balancer asked for again is answered, not refused.
		if cur, gerr := r.LB.Get(ctx, name); gerr == nil && slices.Equal(cur.Zones, zones) {
			rec, err = cur, nil
		} else {
			return nil, Errorf("DuplicateLoadBalancerName", "A load balancer with the name '%s' already exists", name)
		}
	}
	if err != nil {
		return nil, err
	}
	var out struct {
		LoadBalancers []elbLoadBalancer `xml:"LoadBalancers>member"`
	}
	out.LoadBalancers = append(out.LoadBalancers, shapeLoadBalancer(r, rec))
	return out, nil
}

func describeLoadBalancers(ctx context.Context, r *Request) (any, error) {
	all, err := r.LB.List(ctx)
	if err != nil {
		return nil, err
	}
	arns, names := r.Params.List("LoadBalancerArns"), r.Params.List("Names")
	var out struct {
		LoadBalancers []elbLoadBalancer `xml:"LoadBalancers>member"`
	}
	found := 0
	for _, rec := range all {
		if !rec.HasLoadBalancer() || !oneOf(lbARN(rec), arns) || !oneOf(rec.Name, names) {
			continue
		}
		found++
		out.LoadBalancers = append(out.LoadBalancers, shapeLoadBalancer(r, rec))
	}
	if found < len(arns)+len(names) {
		return nil, elbNotFound("load balancer")
	}
	return out, nil
}

func deleteLoadBalancer(ctx context.Context, r *Request) (any, error) {
	arn, err := r.Params.Required("LoadBalancerArn")
	if err != nil {
		return nil, err
	}
	rec, err := elbRecord(ctx, r, "LoadBalancerArn", arn, "load balancer")
	var e *Error
	if errors.As(err, &e) && e.Code == "LoadBalancerNotFound" {
		return elbEmpty(nil) // as AWS: deleting one that is gone succeeds
	} else if err != nil {
		return nil, err
	}
	return elbEmpty(asELBError(r.LB.DeleteLoadBalancer(ctx, rec.Name), "load balancer"))
}

// defaultForwards reads a listener's DefaultActions: one forward, to
// TargetGroupArn or by weight to ForwardConfig's TargetGroups.
func defaultForwards(ctx context.Context, r *Request) ([]elb.Forward, error) {
	acts := r.Params.Structs("DefaultActions")
	if len(acts) != 1 {
		return nil, Errorf("ValidationError", "DefaultActions must hold exactly one action, a forward: cattle models no other action")
	}
	a := acts[0]
	if t := a.String("Type"); t != "forward" {
		return nil, Errorf("ValidationError", "action type '%s' is not modelled: cattle's listeners forward (Type forward)", t)
	}
	type tuple struct {
		param, arn string
		weight     int
	}
	var tuples []tuple
	for i, tg := range a.Sub("ForwardConfig").Structs("TargetGroups") {
		w, err := tg.Int("Weight", 1)
		if err != nil {
			return nil, err
		}
		tuples = append(tuples, tuple{"DefaultActions.member.1.ForwardConfig.TargetGroups.member." + strconv.Itoa(i+1) + ".TargetGroupArn", tg.String("TargetGroupArn"), w})
	}
	if arn := a.String("TargetGroupArn"); arn != "" && len(tuples) == 0 {
		tuples = append(tuples, tuple{"DefaultActions.member.1.TargetGroupArn", arn, 1})
	}
	if len(tuples) == 0 {
		return nil, Errorf("ValidationError", "a forward action needs TargetGroupArn or ForwardConfig.TargetGroups")
	}
	var fs []elb.Forward
	for _, t := range tuples {
		tg, err := elbRecord(ctx, r, t.param, t.arn, "target group")
		if err != nil {
			return nil, err
		}
		fs = append(fs, elb.Forward{TargetGroup: tg.Name, Weight: t.weight})
	}
	if err := elb.ValidateWeights(fs); err != nil {
		return nil, Errorf("ValidationError", "%s", err.Error())
	}
	return fs, nil
}

func checkHTTP(r *Request) error {
	if p := r.Params.String("Protocol"); p != "" && p != "HTTP" {
		return Errorf("ValidationError", "protocol '%s' is not modelled: cattle's listeners speak HTTP on 127.0.0.1", p)
	}
	return nil
}

func createListener(ctx context.Context, r *Request) (any, error) {
	arn, err := r.Params.Required("LoadBalancerArn")
	if err != nil {
		return nil, err
	}
	port, err := r.Params.Int("Port", 0)
	if err != nil {
		return nil, err
	}
	if port < 1 || port > 65535 {
		return nil, r.Params.Invalid("Port", strconv.Itoa(port), "a port, 1-65535")
	}
	if err := checkHTTP(r); err != nil {
		return nil, err
	}
	rec, err := elbRecord(ctx, r, "LoadBalancerArn", arn, "load balancer")
	if err != nil {
		return nil, err
	}
	if rec.Listening() && rec.Port == port {
		return nil, Errorf("DuplicateListener", "A listener already exists on port %d of load balancer '%s'", port, rec.Name)
	} else if rec.Listening() {
		return nil, Errorf("TooManyListeners", "load balancer '%s' already has its listener (port %d): cattle gives a load balancer one listener", rec.Name, rec.Port)
	}
	fs, err := defaultForwards(ctx, r)
	if err != nil {
		return nil, err
	}
	name := rec.Name
	rec, err = r.LB.CreateListener(ctx, name, port, fs)
	if errors.Is(err, errdefs.ErrConflict) {
		// The port is taken (or privileged): listen on a free one, which
		// the answer and DescribeListeners show.
		rec, err = r.LB.CreateListener(ctx, name, 0, fs)
	}
	if err != nil {
		return nil, asELBError(err, "load balancer")
	}
	return listenersResult(ctx, r, rec), nil
}

func listenersResult(ctx context.Context, r *Request, recs ...elb.LoadBalancer) any {
	var out struct {
		Listeners []elbListener `xml:"Listeners>member"`
	}
	for _, rec := range recs {
		out.Listeners = append(out.Listeners, shapeListener(ctx, r, rec))
	}
	return out
}

func modifyListener(ctx context.Context, r *Request) (any, error) {
	arn, err := r.Params.Required("ListenerArn")
	if err != nil {
		return nil, err
	}
	rec, err := elbRecord(ctx, r, "ListenerArn", arn, "listener")
	if err != nil {
		return nil, err
	}
	if err := checkHTTP(r); err != nil {
		return nil, err
	}
	port, err := r.Params.Int("Port", rec.Port)
	if err != nil {
		return nil, err
	}
	if port < 1 || port > 65535 {
		return nil, r.Params.Invalid("Port", strconv.Itoa(port), "a port, 1-65535")
	}
	var fs []elb.Forward
	if len(r.Params.Structs("DefaultActions")) > 0 {
		if fs, err = defaultForwards(ctx, r); err != nil {
			return nil, err
		}
	}
	name := rec.Name
	if port != rec.Port {
		rec, err = r.LB.MoveListener(ctx, name, port)
		if errors.Is(err, errdefs.ErrConflict) {
			rec, err = r.LB.MoveListener(ctx, name, 0) // taken or privileged: a free one, as CreateListener
		}
		if err != nil {
			return nil, asELBError(err, "listener")
		}
	}
	if fs != nil {
		if rec, err = r.LB.SetForwards(ctx, name, fs); err != nil {
			return nil, asELBError(err, "listener")
		}
	}
	return listenersResult(ctx, r, rec), nil
}

func describeListeners(ctx context.Context, r *Request) (any, error) {
	arns := r.Params.List("ListenerArns")
	if lbArn := r.Params.String("LoadBalancerArn"); lbArn != "" {
		rec, err := elbRecord(ctx, r, "LoadBalancerArn", lbArn, "load balancer")
		if err != nil {
			return nil, err
		}
		if !rec.Listening() {
			return listenersResult(ctx, r), nil
		}
		return listenersResult(ctx, r, rec), nil
	}
	if len(arns) == 0 {
		return nil, Errorf("ValidationError", "You must specify either listener ARNs or a load balancer ARN")
	}
	var recs []elb.LoadBalancer
	for _, arn := range arns {
		rec, err := elbRecord(ctx, r, "ListenerArns", arn, "listener")
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return listenersResult(ctx, r, recs...), nil
}

func deleteListener(ctx context.Context, r *Request) (any, error) {
	arn, err := r.Params.Required("ListenerArn")
	if err != nil {
		return nil, err
	}
	rec, err := elbRecord(ctx, r, "ListenerArn", arn, "listener")
	if err != nil {
		return nil, err
	}
	return elbEmpty(asELBError(r.LB.DeleteListener(ctx, rec.Name), "listener"))
}
