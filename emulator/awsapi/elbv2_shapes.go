package awsapi

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// ELBv2's resources are the records of package elb: one record per name
// holds a load balancer, its one listener and a target group of that name,
// each of them optional (see elb's package doc). This file shapes them as
// ELBv2 answers them; elbv2_lb.go, elbv2_tg.go and elbv2_targets.go are the
// actions.
//
// An auto scaling group attaches to a target group by name (its
// LoadBalancer field): elbRecord(ctx, r, "TargetGroupARNs", arn, "target
// group") turns an ARN into that record (rec.Name), and tgARN(rec) a
// record back into its ARN.

const elbARNPrefix = "arn:aws:elasticloadbalancing:" + Region + ":" + Account + ":"

func lbARN(r elb.LoadBalancer) string {
	id, _, _ := r.IDs()
	return elbARNPrefix + "loadbalancer/app/" + r.Name + "/" + id
}

func tgARN(r elb.LoadBalancer) string {
	_, id, _ := r.IDs()
	return elbARNPrefix + "targetgroup/" + r.Name + "/" + id
}

func listenerARN(r elb.LoadBalancer) string {
	lbID, _, id := r.IDs()
	return elbARNPrefix + "listener/app/" + r.Name + "/" + lbID + "/" + id
}

// elbNotFound is the ELBv2 error for resources of kind ("load balancer",
// "target group", "listener") that do not exist.
func elbNotFound(kind string) *Error {
	code := map[string]string{"load balancer": "LoadBalancerNotFound", "target group": "TargetGroupNotFound", "listener": "ListenerNotFound"}[kind]
	return Errorf(code, "One or more %ss not found", kind)
}

// elbRecord finds the record an ARN of kind names: its name and the ids
// in it must both match, as a resource made again under the same name is
// another resource.
func elbRecord(ctx context.Context, r *Request, param, arn, kind string) (elb.LoadBalancer, error) {
	prefix := map[string]string{"load balancer": "loadbalancer/app/", "target group": "targetgroup/", "listener": "listener/app/"}[kind]
	rest, ok := strings.CutPrefix(arn, elbARNPrefix+prefix)
	parts, want := strings.Split(rest, "/"), 2
	if kind == "listener" {
		want = 3
	}
	if !ok || len(parts) != want || parts[0] == "" {
		return elb.LoadBalancer{}, Errorf("ValidationError", "'%s' is not a valid %s ARN (parameter %s)", arn, kind, param)
	}
	rec, err := r.LB.Get(ctx, parts[0])
	if errors.Is(err, errdefs.ErrNotFound) {
		return rec, elbNotFound(kind)
	} else if err != nil {
		return rec, err
	}
	lbID, tgID, lnID := rec.IDs()
	switch {
	case kind == "load balancer" && rec.HasLoadBalancer() && parts[1] == lbID,
		kind == "target group" && rec.HasTargetGroup() && parts[1] == tgID,
		kind == "listener" && rec.Listening() && parts[1] == lbID && parts[2] == lnID:
		return rec, nil
	}
	return rec, elbNotFound(kind)
}

// asELBError gives cattle's not-found errors the code of the resource
// kind the action is about, and a timeout not below the interval AWS's
// words (cattle's would show the durations on the sandbox's clock); the
// rest keep the service's generic codes.
func asELBError(err error, kind string) error {
	var e *Error
	switch {
	case err == nil || errors.As(err, &e):
	case errors.Is(err, errdefs.ErrNotFound):
		return Errorf(elbNotFound(kind).Code, "%s", err.Error())
	case errors.Is(err, errdefs.ErrInvalid) && strings.Contains(err.Error(), "must be shorter than the interval"):
		return Errorf("ValidationError", "Health check interval must be greater than the timeout (HealthCheckIntervalSeconds, HealthCheckTimeoutSeconds)")
	}
	return err
}

// elbEmpty answers an action that has no result: ELBv2 still sends an
// empty <ActionResult>, which the SDKs look for.
func elbEmpty(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// elbClock puts AWS's seconds on the sandbox's clock: on the aws profile
// a second is a second; on fast, whose health checks run 30 times as
// often, a second is 1/30 s, so every setting keeps its place relative to
// the defaults (HealthCheckIntervalSeconds 30 is the fast profile's 1 s).
type elbClock float64

func clockOf(r *Request) elbClock {
	return elbClock(r.LB.Profile().HealthInterval.Seconds() / 30)
}

func (c elbClock) duration(seconds int) elb.Duration {
	return elb.Duration(time.Duration(math.Round(float64(seconds) * float64(c) * float64(time.Second))))
}

func (c elbClock) seconds(d elb.Duration) int {
	return int(math.Round(time.Duration(d).Seconds() / float64(c)))
}

type elbAZ struct {
	ZoneName string
	SubnetId string //nolint:revive // AWS's spelling
}

type elbLoadBalancer struct {
	LoadBalancerArn       string
	DNSName               string
	CanonicalHostedZoneId string //nolint:revive // AWS's spelling
	CreatedTime           string
	LoadBalancerName      string
	Scheme                string
	VpcId                 string //nolint:revive // AWS's spelling
	State                 struct{ Code string }
	Type                  string
	AvailabilityZones     []elbAZ  `xml:"AvailabilityZones>member"`
	SecurityGroups        []string `xml:"SecurityGroups>member"`
	IpAddressType         string   //nolint:revive // AWS's spelling
}

// albHostedZone is the hosted zone id of us-east-1's application load
// balancers.
const albHostedZone = "Z35SXDOTRQ7X7K"

func shapeLoadBalancer(r *Request, rec elb.LoadBalancer) elbLoadBalancer {
	out := elbLoadBalancer{LoadBalancerArn: lbARN(rec), DNSName: "127.0.0.1", CanonicalHostedZoneId: albHostedZone,
		CreatedTime: rec.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"), LoadBalancerName: rec.Name,
		Scheme: "internet-facing", VpcId: r.VpcID(), Type: "application", IpAddressType: "ipv4",
		SecurityGroups: []string{r.SecurityGroupID()}}
	out.State.Code = "active"
	zones := rec.Zones
	if len(zones) == 0 {
		zones = zoneNames()
	}
	for _, z := range zones {
		out.AvailabilityZones = append(out.AvailabilityZones, elbAZ{ZoneName: AZName(z), SubnetId: r.SubnetID(z)})
	}
	return out
}

type elbTargetGroup struct {
	TargetGroupArn             string
	TargetGroupName            string
	Protocol                   string
	Port                       int
	VpcId                      string //nolint:revive // AWS's spelling
	HealthCheckProtocol        string
	HealthCheckPort            string
	HealthCheckEnabled         bool
	HealthCheckIntervalSeconds int
	HealthCheckTimeoutSeconds  int
	HealthyThresholdCount      int
	UnhealthyThresholdCount    int
	HealthCheckPath            string
	Matcher                    struct{ HttpCode string } //nolint:revive // AWS's spelling
	LoadBalancerArns           []string                  `xml:"LoadBalancerArns>member"`
	TargetType                 string
	ProtocolVersion            string
	IpAddressType              string //nolint:revive // AWS's spelling
}

// targetPort is the port a target group names its targets by.
func targetPort(rec elb.LoadBalancer) int {
	if rec.TargetPort > 0 {
		return rec.TargetPort
	}
	return 80
}

func shapeTargetGroup(r *Request, rec elb.LoadBalancer, all []elb.LoadBalancer) elbTargetGroup {
	c, hc := clockOf(r), rec.HealthCheck
	out := elbTargetGroup{TargetGroupArn: tgARN(rec), TargetGroupName: rec.Name, Protocol: "HTTP", Port: targetPort(rec),
		VpcId: r.VpcID(), HealthCheckProtocol: "HTTP", HealthCheckPort: "traffic-port", HealthCheckEnabled: true,
		HealthCheckIntervalSeconds: c.seconds(hc.Interval), HealthCheckTimeoutSeconds: c.seconds(hc.Timeout),
		HealthyThresholdCount: hc.HealthyThreshold, UnhealthyThresholdCount: hc.UnhealthyThreshold,
		HealthCheckPath: hc.Path, TargetType: "instance", ProtocolVersion: "HTTP1", IpAddressType: "ipv4"}
	if hc.Port > 0 {
		out.HealthCheckPort = strconv.Itoa(hc.Port)
	}
	out.Matcher.HttpCode = hc.Matcher
	for _, lb := range forwardersOf(rec.Name, all) {
		out.LoadBalancerArns = append(out.LoadBalancerArns, lbARN(lb))
	}
	return out
}

// forwardersOf are the load balancers whose listener forwards to target
// group name.
func forwardersOf(name string, all []elb.LoadBalancer) []elb.LoadBalancer {
	var out []elb.LoadBalancer
	for _, rec := range all {
		if !rec.Listening() {
			continue
		}
		for _, f := range rec.Forwards {
			if f.TargetGroup == name {
				out = append(out, rec)
				break
			}
		}
	}
	return out
}

type elbTargetGroupTuple struct {
	TargetGroupArn string
	Weight         int
}

type elbAction struct {
	Type           string
	TargetGroupArn string `xml:",omitempty"`
	ForwardConfig  struct {
		TargetGroups                []elbTargetGroupTuple `xml:"TargetGroups>member"`
		TargetGroupStickinessConfig struct{ Enabled bool }
	}
}

type elbListener struct {
	ListenerArn     string
	LoadBalancerArn string
	Port            int
	Protocol        string
	DefaultActions  []elbAction `xml:"DefaultActions>member"`
}

func shapeListener(ctx context.Context, r *Request, rec elb.LoadBalancer) elbListener {
	a := elbAction{Type: "forward"}
	for _, f := range rec.Forwards {
		tg, err := r.LB.Get(ctx, f.TargetGroup)
		if err != nil || !tg.HasTargetGroup() {
			continue // a weight-0 forward to a target group since deleted
		}
		a.ForwardConfig.TargetGroups = append(a.ForwardConfig.TargetGroups, elbTargetGroupTuple{TargetGroupArn: tgARN(tg), Weight: f.Weight})
	}
	if len(a.ForwardConfig.TargetGroups) == 1 {
		a.TargetGroupArn = a.ForwardConfig.TargetGroups[0].TargetGroupArn
	}
	return elbListener{ListenerArn: listenerARN(rec), LoadBalancerArn: lbARN(rec), Port: rec.Port, Protocol: "HTTP",
		DefaultActions: []elbAction{a}}
}

type elbAttribute struct {
	Key, Value string
}

func targetGroupAttributes(r *Request, rec elb.LoadBalancer) []elbAttribute {
	c := clockOf(r)
	return []elbAttribute{
		{"deregistration_delay.timeout_seconds", strconv.Itoa(c.seconds(rec.DeregistrationDelay))},
		{"slow_start.duration_seconds", strconv.Itoa(c.seconds(rec.SlowStart))},
		{"load_balancing.algorithm.type", rec.Algorithm},
		{"stickiness.enabled", "false"},
	}
}
