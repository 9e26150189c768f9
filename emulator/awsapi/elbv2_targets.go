package awsapi

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// targetIDs reads Targets.member.N.Id; a target needs an id.
func targetIDs(r *Request) ([]string, error) {
	var ids []string
	for _, t := range r.Params.Structs("Targets") {
		id, err := t.Required("Id")
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// targetsRequest reads the target group and the targets of RegisterTargets
// and DeregisterTargets.
func targetsRequest(ctx context.Context, r *Request) (elb.LoadBalancer, []string, error) {
	arn, err := r.Params.Required("TargetGroupArn")
	if err != nil {
		return elb.LoadBalancer{}, nil, err
	}
	rec, err := elbRecord(ctx, r, "TargetGroupArn", arn, "target group")
	if err != nil {
		return rec, nil, err
	}
	ids, err := targetIDs(r)
	if err == nil && len(ids) == 0 {
		err = Errorf("ValidationError", "the request must contain the parameter Targets")
	}
	return rec, ids, err
}

// invalidTarget is ELBv2's InvalidTarget for what cattle refused of ids.
func invalidTarget(err error) error {
	var e *Error
	if errors.As(err, &e) || !(errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrConflict)) {
		return err
	}
	return Errorf("InvalidTarget", "%s", err.Error())
}

func registerTargets(ctx context.Context, r *Request) (any, error) {
	rec, ids, err := targetsRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	return elbEmpty(invalidTarget(r.LB.RegisterIDs(ctx, rec.Name, ids)))
}

func deregisterTargets(ctx context.Context, r *Request) (any, error) {
	rec, ids, err := targetsRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "i-") {
			return nil, Errorf("InvalidTarget", "The following targets are not valid instance ids: '%s'", id)
		}
	}
	return elbEmpty(invalidTarget(r.LB.Deregister(ctx, rec.Name, ids, false)))
}

type elbTargetHealth struct {
	Target struct {
		Id   string //nolint:revive // AWS's spelling
		Port int
	}
	HealthCheckPort string
	TargetHealth    struct {
		State       string
		Reason      string `xml:",omitempty"`
		Description string `xml:",omitempty"`
	}
}

// targetHealths are the target group's targets as DescribeTargetHealth
// tells them, by id: the registered one of an id listed twice (registered
// again while its old target drained).
func targetHealths(ctx context.Context, r *Request, rec elb.LoadBalancer) (map[string]elb.Target, error) {
	ts, err := r.LB.Targets(ctx, rec.Name)
	if err != nil {
		return nil, asELBError(err, "target group")
	}
	out := map[string]elb.Target{}
	for _, t := range ts {
		if cur, seen := out[t.ID]; !seen || cur.State == "draining" || cur.State == "unused" {
			out[t.ID] = t
		}
	}
	return out, nil
}

func describeTargetHealth(ctx context.Context, r *Request) (any, error) {
	rec, err := targetGroupParam(ctx, r)
	if err != nil {
		return nil, err
	}
	asked, err := targetIDs(r)
	if err != nil {
		return nil, err
	}
	healths, err := targetHealths(ctx, r, rec)
	if err != nil {
		return nil, err
	}
	all, err := r.LB.List(ctx)
	if err != nil {
		return nil, err
	}
	inUse := len(forwardersOf(rec.Name, all)) > 0
	if len(asked) == 0 {
		asked = append(asked, rec.Targets...)
		for id, t := range healths { // still draining, no longer in the record
			if t.State == "draining" && !slices.Contains(asked, id) {
				asked = append(asked, id)
			}
		}
	}
	var out struct {
		Descriptions []elbTargetHealth `xml:"TargetHealthDescriptions>member"`
	}
	for _, id := range asked {
		d := shapeTargetHealth(rec, id, healths, inUse)
		if r.Compute != nil {
			// Targets get traffic on their launch template's port.
			if inst, err := r.Compute.Instance(ctx, id); err == nil && inst.Port > 0 {
				d.Target.Port = inst.Port
				if rec.HealthCheck.Port == 0 {
					d.HealthCheckPort = strconv.Itoa(inst.Port)
				}
			}
		}
		out.Descriptions = append(out.Descriptions, d)
	}
	return out, nil
}

func shapeTargetHealth(rec elb.LoadBalancer, id string, healths map[string]elb.Target, inUse bool) elbTargetHealth {
	var d elbTargetHealth
	d.Target.Id, d.Target.Port = id, targetPort(rec)
	d.HealthCheckPort = strconv.Itoa(targetPort(rec))
	if rec.HealthCheck.Port > 0 {
		d.HealthCheckPort = strconv.Itoa(rec.HealthCheck.Port)
	}
	t, ok := healths[id]
	h := &d.TargetHealth
	switch {
	case !ok || !slices.Contains(rec.Targets, id) && t.State != "draining":
		h.State, h.Reason, h.Description = "unused", "Target.NotRegistered", "Target is not registered to the target group"
	case !inUse && t.State != "draining":
		h.State, h.Reason, h.Description = "unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"
	default:
		h.State, h.Reason, h.Description = t.State, t.Reason, t.Description
	}
	return d
}
