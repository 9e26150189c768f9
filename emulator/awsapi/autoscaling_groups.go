package awsapi

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// refuseUnmodelled answers the parameters of a group cattle does not
// model with a ValidationError naming them.
func refuseUnmodelled(p Params) error {
	for _, name := range []string{"LaunchConfigurationName", "InstanceId", "LoadBalancerNames", "MixedInstancesPolicy", "PlacementGroup", "WarmPool"} {
		if p.Has(name) || len(p.Structs(name)) > 0 || p.Has(name+".LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName") {
			return Errorf("ValidationError", "%s is not modelled by cattle: give a LaunchTemplate and at most one TargetGroupARNs (docs/aws.md)", name)
		}
	}
	return nil
}

func groupTags(p Params) (map[string]string, error) {
	tags, err := p.Tags("Tags")
	if err != nil || len(tags) == 0 {
		return nil, err
	}
	out := map[string]string{}
	for _, t := range tags {
		out[t.Key] = t.Value
	}
	return out, nil
}

// targetGroupOf reads TargetGroupARNs: at most one, a target group of the
// sandbox, whose name is what the group registers with.
func targetGroupOf(ctx context.Context, r *Request) (string, error) {
	arns := r.Params.List("TargetGroupARNs")
	switch len(arns) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", Errorf("ValidationError", "cattle's groups register with one target group, not %d (parameter TargetGroupARNs)", len(arns))
	}
	if r.LB == nil {
		return "", Errorf("ValidationError", "this daemon has no load balancers (parameter TargetGroupARNs)")
	}
	rec, err := elbRecord(ctx, r, "TargetGroupARNs", arns[0], "target group")
	var e *Error
	if errors.As(err, &e) && e.Code == "TargetGroupNotFound" {
		return "", Errorf("ValidationError", "Provided Target Groups may not be valid. Please ensure they exist and try again: %s", arns[0])
	}
	return rec.Name, err
}

func createAutoScalingGroup(ctx context.Context, r *Request) (any, error) {
	p := r.Params
	name, err := p.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	if err := refuseUnmodelled(p); err != nil {
		return nil, err
	}
	if !p.Has("LaunchTemplate.LaunchTemplateId") && !p.Has("LaunchTemplate.LaunchTemplateName") {
		return nil, Errorf("ValidationError", "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
	}
	spec := autoscaling.GroupSpec{Name: name, HealthCheckType: p.String("HealthCheckType")}
	if spec.Template, spec.TemplateVersion, err = launchTemplateOf(ctx, r, p.Sub("LaunchTemplate"), "LaunchTemplate"); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"MinSize", &spec.Min}, {"MaxSize", &spec.Max}} {
		s, err := p.Required(f.name)
		if err != nil {
			return nil, err
		}
		if *f.dst, err = strconv.Atoi(s); err != nil {
			return nil, p.Invalid(f.name, s, "an integer")
		}
	}
	if spec.Desired, err = optInt(p, "DesiredCapacity"); err != nil {
		return nil, err
	}
	if spec.HealthCheckGracePeriod, err = optSeconds(r, p, "HealthCheckGracePeriod"); err != nil {
		return nil, err
	}
	if spec.DefaultInstanceWarmup, err = optSeconds(r, p, "DefaultInstanceWarmup"); err != nil {
		return nil, err
	}
	if spec.MaxHealthyPercentage, err = p.Sub("InstanceMaintenancePolicy").Int("MaxHealthyPercentage", 0); err != nil {
		return nil, err
	}
	if spec.Zones, err = zonesOf(r); err != nil {
		return nil, err
	}
	if spec.Tags, err = groupTags(p); err != nil {
		return nil, err
	}
	if spec.LoadBalancer, err = targetGroupOf(ctx, r); err != nil {
		return nil, err
	}
	if _, err := r.Groups.CreateGroup(ctx, spec); errors.Is(err, errdefs.ErrConflict) {
		return nil, Errorf("AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name %s already exists", name)
	} else if err != nil {
		return nil, err
	}
	return nil, nil
}

func updateAutoScalingGroup(ctx context.Context, r *Request) (any, error) {
	p := r.Params
	name, err := p.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	if err := refuseUnmodelled(p); err != nil {
		return nil, err
	}
	if len(p.List("TargetGroupARNs")) > 0 {
		return nil, Errorf("ValidationError", "UpdateAutoScalingGroup does not take TargetGroupARNs (AttachLoadBalancerTargetGroups is not modelled by cattle)")
	}
	spec := autoscaling.UpdateSpec{HealthCheckType: p.String("HealthCheckType")}
	if lt := p.Sub("LaunchTemplate"); lt.Has("LaunchTemplateId") || lt.Has("LaunchTemplateName") {
		if spec.Template, spec.TemplateVersion, err = launchTemplateOf(ctx, r, lt, "LaunchTemplate"); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		name string
		dst  **int
	}{{"MinSize", &spec.Min}, {"MaxSize", &spec.Max}, {"DesiredCapacity", &spec.Desired}} {
		if *f.dst, err = optInt(p, f.name); err != nil {
			return nil, err
		}
	}
	if spec.MaxHealthyPercentage, err = optInt(p.Sub("InstanceMaintenancePolicy"), "MaxHealthyPercentage"); err != nil {
		return nil, err
	}
	if spec.HealthCheckGracePeriod, err = optSeconds(r, p, "HealthCheckGracePeriod"); err != nil {
		return nil, err
	}
	if spec.DefaultInstanceWarmup, err = optSeconds(r, p, "DefaultInstanceWarmup"); err != nil {
		return nil, err
	}
	if spec.Zones, err = zonesOf(r); err != nil {
		return nil, err
	}
	_, err = r.Groups.UpdateGroup(ctx, name, spec)
	return nil, asgError(err, "ResourceInUse")
}

func deleteAutoScalingGroup(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	force, err := r.Params.Bool("ForceDelete", false)
	if err != nil {
		return nil, err
	}
	d, err := r.Groups.Group(ctx, name)
	if err != nil {
		return nil, err
	}
	if !force && len(d.Instances) > 0 {
		return nil, Errorf("ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.")
	}
	if !force && d.Refresh != nil {
		return nil, Errorf("ScalingActivityInProgress", "group %s has instance refresh %s %s: pass ForceDelete, or wait for it", name, d.Refresh.ID, d.Refresh.Status)
	}
	// AWS answers at once while the group goes: the deletion carries on
	// in the background once the group is marked.
	bg, cancel := context.WithCancel(ctx)
	cancel()
	if err := r.Groups.DeleteGroup(bg, name, force); err != nil && !errors.Is(err, context.Canceled) {
		return nil, asgError(err, "ResourceInUse")
	}
	return nil, nil
}

func describeAutoScalingGroups(ctx context.Context, r *Request) (any, error) {
	p := r.Params
	limit, err := maxRecords(p)
	if err != nil {
		return nil, err
	}
	names := r.Params.List("AutoScalingGroupNames")
	all, err := r.Groups.Groups(ctx)
	if err != nil {
		return nil, err
	}
	match, err := groupFilter(p)
	if err != nil {
		return nil, err
	}
	ids, err := templateIDs(ctx, r)
	if err != nil {
		return nil, err
	}
	var out struct {
		AutoScalingGroups []asgGroup `xml:"AutoScalingGroups>member"`
		NextToken         string     `xml:",omitempty"`
	}
	out.AutoScalingGroups = []asgGroup{}
	after := p.String("NextToken")
	for _, d := range all {
		if !oneOf(d.Name, names) || !match(d.Group) || after != "" && d.Name <= after {
			continue
		}
		if len(out.AutoScalingGroups) == limit {
			out.NextToken = out.AutoScalingGroups[limit-1].AutoScalingGroupName
			break
		}
		out.AutoScalingGroups = append(out.AutoScalingGroups, shapeGroup(ctx, r, d, ids))
	}
	return out, nil
}

// maxRecords is MaxRecords: 50 when absent, at most 100, as AWS.
func maxRecords(p Params) (int, error) {
	n, err := p.Int("MaxRecords", 50)
	if err == nil && (n < 1 || n > 100) {
		err = p.Invalid("MaxRecords", strconv.Itoa(n), "1 to 100")
	}
	return n, err
}

// groupFilter reads Filters: tag-key, tag-value and tag:KEY.
func groupFilter(p Params) (func(autoscaling.Group) bool, error) {
	type filter struct {
		name   string
		values []string
	}
	var fs []filter
	for _, f := range p.Structs("Filters") {
		n, err := f.Required("Name")
		if err != nil {
			return nil, err
		}
		if n != "tag-key" && n != "tag-value" && !strings.HasPrefix(n, "tag:") {
			return nil, f.Invalid("Name", n, "tag-key, tag-value or tag:KEY (the filters cattle models)")
		}
		fs = append(fs, filter{n, f.List("Values")})
	}
	return func(g autoscaling.Group) bool {
		for _, f := range fs {
			ok := false
			for k, v := range g.Tags {
				ok = ok || f.name == "tag-key" && oneOf(k, f.values) || f.name == "tag-value" && oneOf(v, f.values) ||
					f.name == "tag:"+k && oneOf(v, f.values)
			}
			if !ok {
				return false
			}
		}
		return true
	}, nil
}

func describeAutoScalingInstances(ctx context.Context, r *Request) (any, error) {
	limit, err := maxRecords(r.Params)
	if err != nil {
		return nil, err
	}
	ids, after := r.Params.List("InstanceIds"), r.Params.String("NextToken")
	groups, err := r.Groups.Groups(ctx)
	if err != nil {
		return nil, err
	}
	var all []asgInstance
	for _, d := range groups {
		states := r.Groups.MemberStates(d)
		for _, inst := range d.Instances {
			st := states[inst.ID]
			all = append(all, asgInstance{InstanceId: inst.ID, AutoScalingGroupName: d.Name, InstanceType: inst.InstanceType,
				AvailabilityZone: AZName(inst.Zone), LifecycleState: st.Lifecycle, HealthStatus: strings.ToUpper(st.Health),
				LaunchTemplate: instanceTemplate(inst)})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].InstanceId < all[j].InstanceId })
	var out struct {
		AutoScalingInstances []asgInstance `xml:"AutoScalingInstances>member"`
		NextToken            string        `xml:",omitempty"`
	}
	out.AutoScalingInstances = []asgInstance{}
	for _, in := range all {
		if !oneOf(in.InstanceId, ids) || after != "" && in.InstanceId <= after {
			continue
		}
		if len(out.AutoScalingInstances) == limit {
			out.NextToken = out.AutoScalingInstances[limit-1].InstanceId
			break
		}
		out.AutoScalingInstances = append(out.AutoScalingInstances, in)
	}
	return out, nil
}

func setDesiredCapacity(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	if _, err := r.Params.Required("DesiredCapacity"); err != nil {
		return nil, err
	}
	n, err := r.Params.Int("DesiredCapacity", 0)
	if err != nil {
		return nil, err
	}
	if _, err := r.Params.Bool("HonorCooldown", false); err != nil {
		return nil, err
	}
	d, err := r.Groups.Group(ctx, name)
	if err != nil {
		return nil, err
	}
	if n > d.Max || n < d.Min {
		return nil, Errorf("ValidationError", "New SetDesiredCapacity value %d is outside the min %d and max %d of the AutoScalingGroup.", n, d.Min, d.Max)
	}
	_, err = r.Groups.ScaleGroup(ctx, name, autoscaling.ScaleSpec{Desired: &n})
	return nil, asgError(err, "ScalingActivityInProgress")
}

type asgActivity struct {
	ActivityId           string //nolint:revive // AWS's spelling
	AutoScalingGroupName string
	Description          string
	Cause                string
	StartTime            string
	EndTime              string `xml:",omitempty"`
	StatusCode           string
	StatusMessage        string `xml:",omitempty"`
	Progress             int
	Details              string
}

func terminateInstanceInAutoScalingGroup(ctx context.Context, r *Request) (any, error) {
	id, err := r.Params.Required("InstanceId")
	if err != nil {
		return nil, err
	}
	if _, err := r.Params.Required("ShouldDecrementDesiredCapacity"); err != nil {
		return nil, err
	}
	decrement, err := r.Params.Bool("ShouldDecrementDesiredCapacity", false)
	if err != nil {
		return nil, err
	}
	inst, err := r.Groups.TerminateMember(ctx, id, decrement)
	if errors.Is(err, errdefs.ErrNotFound) || err != nil && (inst.Group == "" || !inst.Live()) {
		return nil, Errorf("ValidationError", "Instance Id not found - No managed instance found for instance ID: %s", id)
	} else if err != nil {
		return nil, asgError(err, "ScalingActivityInProgress")
	}
	cause := "an instance was taken out of service in response to a user request"
	if decrement {
		cause += ", shrinking the capacity from the group's desired capacity by one"
	}
	var out struct{ Activity asgActivity }
	out.Activity = asgActivity{ActivityId: newRequestID(), AutoScalingGroupName: inst.Group,
		Description: "Terminating EC2 instance: " + id, Cause: "At " + awsTime(inst.StateChangedAt) + " " + cause + ".",
		StartTime: awsTime(inst.StateChangedAt), StatusCode: "InProgress", Progress: 0, Details: "{}"}
	if inst.State == compute.StateTerminated {
		out.Activity.StatusCode, out.Activity.Progress = "Successful", 100
	}
	return out, nil
}
