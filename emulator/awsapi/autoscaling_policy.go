package awsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/store"
)

func (b *Backend) policyARN(group, name string) string {
	sum := sha256.Sum256([]byte("cattle/" + b.Sandbox + "/policy/" + group + "/" + name))
	h := hex.EncodeToString(sum[:16])
	return "arn:aws:autoscaling:" + Region + ":" + Account + ":scalingPolicy:" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" +
		h[16:20] + "-" + h[20:32] + ":autoScalingGroupName/" + group + ":policyName/" + name
}

// policySpec reads PutScalingPolicy's target tracking configuration. As
// AWS, a request without PolicyType asks for SimpleScaling, which cattle
// refuses as not modelled.
func policySpec(r *Request, name string) (autoscaling.PolicySpec, error) {
	p := r.Params
	spec := autoscaling.PolicySpec{Name: name, PolicyType: p.String("PolicyType")}
	if spec.PolicyType == "" {
		spec.PolicyType = "SimpleScaling"
	}
	tt := p.Sub("TargetTrackingConfiguration")
	if tt.Has("CustomizedMetricSpecification.MetricName") || tt.Has("CustomizedMetricSpecification.Metrics.member.1.Id") {
		return spec, Errorf("ValidationError", "CustomizedMetricSpecification is not modelled by cattle: use PredefinedMetricSpecification ALBRequestCountPerTarget or ASGAverageCPUUtilization (docs/fidelity.md)")
	}
	metric := tt.Sub("PredefinedMetricSpecification").String("PredefinedMetricType")
	target := tt.String("TargetValue")
	if spec.PolicyType == autoscaling.PolicyTargetTracking {
		v, err := strconv.ParseFloat(target, 64)
		if err != nil || v <= 0 {
			return spec, tt.Invalid("TargetValue", target, "a number above 0")
		}
		switch metric {
		case autoscaling.MetricRequestCountPerTarget:
			spec.TargetRequestsPerTarget = v
		case autoscaling.MetricAverageCPU:
			spec.TargetCPU = v
		default:
			return spec, tt.Sub("PredefinedMetricSpecification").Invalid("PredefinedMetricType", metric,
				"ALBRequestCountPerTarget or ASGAverageCPUUtilization (the metrics cattle models; docs/fidelity.md)")
		}
	}
	var err error
	if spec.DisableScaleIn, err = tt.Bool("DisableScaleIn", false); err != nil {
		return spec, err
	}
	spec.InstanceWarmup, err = optSeconds(r, p, "EstimatedInstanceWarmup")
	return spec, err
}

func putScalingPolicy(ctx context.Context, r *Request) (any, error) {
	group, err := r.Params.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	name, err := r.Params.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	spec, err := policySpec(r, name)
	if err != nil {
		return nil, err
	}
	d, err := r.Groups.Group(ctx, group)
	if err != nil {
		return nil, err
	}
	if pol := d.Policy; pol != nil && pol.Name != name && spec.PolicyType == autoscaling.PolicyTargetTracking {
		return nil, Errorf("LimitExceeded", "group %s has scaling policy %s, and cattle models one policy per group: delete it first (DeletePolicy)",
			group, quoteOr(pol.Name, "(unnamed)"))
	}
	if _, err := r.Groups.PutPolicy(ctx, group, spec); err != nil {
		return nil, asgError(err, "ScalingActivityInProgress")
	}
	return struct {
		PolicyARN string
		Alarms    []struct{} `xml:"Alarms>member"`
	}{PolicyARN: r.policyARN(group, name)}, nil
}

type asgPolicy struct {
	AutoScalingGroupName        string
	PolicyName                  string
	PolicyARN                   string
	PolicyType                  string
	EstimatedInstanceWarmup     int
	TargetTrackingConfiguration struct {
		PredefinedMetricSpecification struct{ PredefinedMetricType string }
		TargetValue                   float64
		DisableScaleIn                bool
	}
	Enabled bool
}

func describePolicies(ctx context.Context, r *Request) (any, error) {
	p := r.Params
	limit, err := maxRecords(p)
	if err != nil {
		return nil, err
	}
	groups, err := r.Groups.Groups(ctx)
	if err != nil {
		return nil, err
	}
	group, names, types := p.String("AutoScalingGroupName"), p.List("PolicyNames"), p.List("PolicyTypes")
	var all []asgPolicy
	for _, d := range groups {
		pol := d.Policy
		if pol == nil || group != "" && d.Name != group || !oneOf(pol.Name, names) || !oneOf(pol.Type, types) {
			continue
		}
		a := asgPolicy{AutoScalingGroupName: d.Name, PolicyName: pol.Name, PolicyARN: r.policyARN(d.Name, pol.Name),
			PolicyType: pol.Type, EstimatedInstanceWarmup: asgClock(r).seconds(pol.InstanceWarmup), Enabled: true}
		a.TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType = pol.Metric
		a.TargetTrackingConfiguration.TargetValue = pol.TargetValue
		a.TargetTrackingConfiguration.DisableScaleIn = pol.DisableScaleIn
		all = append(all, a)
	}
	var out struct {
		ScalingPolicies []asgPolicy `xml:"ScalingPolicies>member"`
		NextToken       string      `xml:",omitempty"`
	}
	out.ScalingPolicies = []asgPolicy{}
	after := p.String("NextToken")
	for _, a := range all {
		if after != "" && a.AutoScalingGroupName <= after {
			continue
		}
		if len(out.ScalingPolicies) == limit {
			out.NextToken = out.ScalingPolicies[limit-1].AutoScalingGroupName
			break
		}
		out.ScalingPolicies = append(out.ScalingPolicies, a)
	}
	return out, nil
}

func deletePolicy(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	group := r.Params.String("AutoScalingGroupName")
	if rest, ok := strings.CutPrefix(name, "arn:aws:autoscaling:"); ok {
		_, after, _ := strings.Cut(rest, ":autoScalingGroupName/")
		group, name, _ = strings.Cut(after, ":policyName/")
	}
	if group == "" {
		return nil, Errorf("ValidationError", "the request must contain the parameter AutoScalingGroupName (or a PolicyName that is the policy's ARN)")
	}
	d, err := r.Groups.Group(ctx, group)
	if err != nil {
		return nil, err
	}
	if d.Policy == nil || d.Policy.Name != name {
		return nil, Errorf("ValidationError", "Policy %s does not exist on group %s: DescribePolicies lists the group's policy", name, group)
	}
	_, err = r.Groups.DeletePolicy(ctx, group)
	return nil, asgError(err, "ScalingActivityInProgress")
}

// activityKinds are the group events that are AWS scaling activities.
var activityKinds = map[string]string{
	autoscaling.EventLaunch: "Launching a new EC2 instance", autoscaling.EventLaunchFailed: "Launching a new EC2 instance",
	autoscaling.EventTerminate: "Terminating EC2 instance", autoscaling.EventReplace: "Terminating EC2 instance",
	autoscaling.EventRefreshLaunch: "Launching a new EC2 instance", autoscaling.EventRefreshTerminate: "Terminating EC2 instance",
	autoscaling.EventGroupScale: "Changing the desired capacity", autoscaling.EventGroupDeleting: "Deleting the group",
}

// shapeActivities are the activities of one event: one per instance it
// launched or terminated, as AWS has them.
func shapeActivities(group string, e store.Event) []asgActivity {
	ids := []string{e.Fields["instance"]}
	if list := e.Fields["instances"]; list != "" {
		ids = strings.Split(list, ",")
	}
	var out []asgActivity
	for i, id := range ids {
		what := activityKinds[e.Kind]
		if id != "" {
			what += ": " + id
		}
		a := asgActivity{ActivityId: fmt.Sprintf("00000000-0000-4000-8000-%010d%02d", e.Seq, i), AutoScalingGroupName: group,
			Description: what, Cause: "At " + awsTime(e.Time) + " " + e.Message + ".", StartTime: awsTime(e.Time),
			EndTime: awsTime(e.Time), StatusCode: "Successful", Progress: 100, Details: "{}"}
		if e.Kind == autoscaling.EventLaunchFailed {
			a.StatusCode, a.StatusMessage = "Failed", e.Message
		}
		out = append(out, a)
	}
	return out
}

func describeScalingActivities(ctx context.Context, r *Request) (any, error) {
	p := r.Params
	limit, err := p.Int("MaxRecords", 100)
	if err != nil || limit < 1 || limit > 100 {
		return nil, p.Invalid("MaxRecords", p.String("MaxRecords"), "1 to 100")
	}
	names := []string{p.String("AutoScalingGroupName")}
	if names[0] == "" {
		groups, err := r.Groups.Groups(ctx)
		if err != nil {
			return nil, err
		}
		names = names[:0]
		for _, d := range groups {
			names = append(names, d.Name)
		}
	}
	var all []asgActivity
	for _, g := range names {
		evs, err := r.Groups.Events(ctx, g)
		if err != nil {
			return nil, err
		}
		for _, e := range evs {
			if _, ok := activityKinds[e.Kind]; ok {
				all = append(all, shapeActivities(g, e)...)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].ActivityId > all[j].ActivityId }) // newest first
	var out struct {
		Activities []asgActivity `xml:"Activities>member"`
		NextToken  string        `xml:",omitempty"`
	}
	out.Activities = []asgActivity{}
	ids, after := p.List("ActivityIds"), p.String("NextToken")
	for _, a := range all {
		if !oneOf(a.ActivityId, ids) || after != "" && a.ActivityId >= after {
			continue
		}
		if len(out.Activities) == limit {
			out.NextToken = out.Activities[limit-1].ActivityId
			break
		}
		out.Activities = append(out.Activities, a)
	}
	return out, nil
}
