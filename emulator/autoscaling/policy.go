package autoscaling

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// PolicyTargetTracking is the one policy type: AWS's TargetTrackingScaling.
const PolicyTargetTracking = "TargetTrackingScaling"

// notModelledPolicies are AWS's other policy types, which cattle does not
// model; naming one is refused with a pointer to the rule index.
var notModelledPolicies = map[string]string{
	"SimpleScaling":     "simple scaling (an alarm and a cooldown)",
	"StepScaling":       "step scaling (an alarm and step adjustments)",
	"PredictiveScaling": "predictive scaling (a forecast of the load)",
}

// The alarms AWS creates for a target tracking policy: the high one goes
// off after 3 consecutive metric periods above the target, the low one
// after 15 below it.
const (
	alarmHighDatapoints = 3
	alarmLowDatapoints  = 15
)

// PolicySpec asks for a target tracking scaling policy on a group. It
// names exactly one target.
type PolicySpec struct {
	// PolicyType is TargetTrackingScaling (the default), the one type
	// cattle models.
	PolicyType string `json:"policy_type,omitempty"`
	// TargetRequestsPerTarget is the requests per target per minute to
	// keep the group's load balancer at (ALBRequestCountPerTarget).
	TargetRequestsPerTarget float64 `json:"target_requests_per_target,omitempty"`
	// TargetCPU is the average CPU utilization, in percent, to keep the
	// group's instances at (ASGAverageCPUUtilization).
	TargetCPU float64 `json:"target_cpu,omitempty"`
	// InstanceWarmup keeps a new instance out of the metric until it is
	// warm; default: the group's health check grace period.
	InstanceWarmup *Duration `json:"instance_warmup,omitempty"`
	// DisableScaleIn makes the policy only ever add capacity.
	DisableScaleIn bool `json:"disable_scale_in,omitempty"`
	// Name is the policy's name (AWS's PolicyName), if given.
	Name string `json:"name,omitempty"`
}

// Policy is a group's target tracking scaling policy, as stored. It
// keeps the metric near the target as AWS's two alarms do: it scales out
// after the metric is above the target for 3 consecutive metric periods,
// and in after it is below for 15, when no instance is warming up. There
// is no cooldown: instance warmup takes its place. It waits while a
// refresh runs.
type Policy struct {
	Type           string   `json:"type"`
	Metric         string   `json:"metric"`
	TargetValue    float64  `json:"target_value"`
	InstanceWarmup Duration `json:"instance_warmup"`
	DisableScaleIn bool     `json:"disable_scale_in,omitempty"`
	Name           string   `json:"name,omitempty"` // AWS's PolicyName, if given
	// LastScaledAt is when the policy last changed the desired capacity.
	LastScaledAt *time.Time `json:"last_scaled_at,omitempty"`
}

// PutPolicy sets a group's scaling policy, replacing the one it had.
func (s *Service) PutPolicy(ctx context.Context, group string, spec PolicySpec) (GroupDetail, error) {
	if s.metrics == nil {
		return GroupDetail{}, fmt.Errorf("%w: this daemon reads no metrics, so groups cannot have scaling policies", errdefs.ErrUnavailable)
	}
	err := s.db.Update(func(tx *store.Tx) error {
		g, rev, err := getGroup(tx, group)
		if err != nil {
			return err
		}
		if g.Status == StatusDeleting {
			return errdefs.Conflict("group %s is being deleted", group)
		}
		p, err := s.newPolicy(g, spec)
		if err != nil {
			return err
		}
		g.Policy = &p
		if _, err := tx.PutIf(kindGroup, group, g, rev); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent(EventGroupPolicy, group, "group "+group+" "+p.String(),
			map[string]string{"metric": p.Metric, "target": formatNumber(p.TargetValue)}))
		return err
	})
	if err != nil {
		return GroupDetail{}, err
	}
	s.Notify()
	return s.Group(ctx, group)
}

// DeletePolicy removes a group's scaling policy; its capacity stays.
func (s *Service) DeletePolicy(ctx context.Context, group string) (GroupDetail, error) {
	err := s.db.Update(func(tx *store.Tx) error {
		g, rev, err := getGroup(tx, group)
		if err != nil {
			return err
		}
		if g.Policy == nil {
			return errdefs.NotFound("group %s has no scaling policy: set one with 'cattle groups policy %s --target-requests-per-target N'", group, group)
		}
		g.Policy = nil
		if _, err := tx.PutIf(kindGroup, group, g, rev); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent(EventGroupPolicy, group,
			fmt.Sprintf("group %s scaling policy removed: desired capacity stays %d", group, g.Desired), nil))
		return err
	})
	if err != nil {
		return GroupDetail{}, err
	}
	s.Notify()
	return s.Group(ctx, group)
}

// newPolicy validates a spec for group g and fills in its defaults.
func (s *Service) newPolicy(g Group, spec PolicySpec) (Policy, error) {
	p := Policy{Type: PolicyTargetTracking, InstanceWarmup: g.HealthCheckGracePeriod, DisableScaleIn: spec.DisableScaleIn, Name: spec.Name}
	if what, ok := notModelledPolicies[spec.PolicyType]; ok {
		return p, errdefs.Invalid("policy type %s is not modelled: cattle models %s only, not %s (see docs/fidelity.md)", spec.PolicyType, PolicyTargetTracking, what)
	}
	switch {
	case spec.PolicyType != "" && spec.PolicyType != PolicyTargetTracking:
		return p, errdefs.Invalid("policy type %q is not valid: use %s", spec.PolicyType, PolicyTargetTracking)
	case spec.TargetRequestsPerTarget < 0 || spec.TargetCPU < 0:
		return p, errdefs.Invalid("a scaling policy's target must be above 0: pass a positive --target-requests-per-target or --target-cpu")
	case spec.TargetRequestsPerTarget > 0 && spec.TargetCPU > 0:
		return p, errdefs.Invalid("a group has one scaling policy here: pass either --target-requests-per-target or --target-cpu, not both")
	case spec.TargetRequestsPerTarget > 0:
		if g.LoadBalancer == "" {
			return p, errdefs.Invalid("group %s has no load balancer to count requests: use --target-cpu, or create the group with --lb NAME", g.Name)
		}
		p.Metric, p.TargetValue = MetricRequestCountPerTarget, spec.TargetRequestsPerTarget
	case spec.TargetCPU > 0:
		if spec.TargetCPU > 100 {
			return p, errdefs.Invalid("target CPU %s%% is out of range: use a percentage above 0 and at most 100", formatNumber(spec.TargetCPU))
		}
		p.Metric, p.TargetValue = MetricAverageCPU, spec.TargetCPU
	default:
		return p, errdefs.Invalid("a scaling policy needs a target: pass --target-requests-per-target N or --target-cpu P")
	}
	if spec.InstanceWarmup != nil {
		p.InstanceWarmup = *spec.InstanceWarmup
	}
	if p.InstanceWarmup < 0 {
		return p, errdefs.Invalid("instance warmup %s must not be negative: pass 0s or more", p.InstanceWarmup)
	}
	return p, nil
}

// String describes the policy in one line.
func (p Policy) String() string {
	s := fmt.Sprintf("tracks %s at %s (warmup %s", p.Metric, p.describeTarget(), p.InstanceWarmup)
	if p.DisableScaleIn {
		s += ", scale in disabled"
	}
	return s + ")"
}

// describeTarget is the target with its unit.
func (p Policy) describeTarget() string {
	if p.Metric == MetricRequestCountPerTarget {
		return formatNumber(p.TargetValue) + " requests per target per minute"
	}
	return formatNumber(p.TargetValue) + "% average CPU"
}

// DescribeValue is a value of the policy's metric with its unit, rounded.
func (p Policy) DescribeValue(v float64) string {
	if p.Metric == MetricRequestCountPerTarget {
		return formatNumber(roundForHumans(v)) + " requests per target per minute"
	}
	return "average CPU " + formatNumber(roundForHumans(v)) + "%"
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// roundForHumans keeps one decimal below 10 and none above.
func roundForHumans(v float64) float64 {
	if v < 10 {
		return float64(int(v*10+0.5)) / 10
	}
	return float64(int(v + 0.5))
}

// errStale drops a pass's decision when the group changed meanwhile.
var errStale = fmt.Errorf("the group changed meanwhile: %w", store.ErrConflict)
