package awsapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// Auto Scaling's result shapes, with AWS's element names, and the mapping
// of its parameters onto package autoscaling's.

type asgLaunchTemplate struct {
	LaunchTemplateId   string //nolint:revive // AWS's spelling
	LaunchTemplateName string
	Version            string
}

type asgInstance struct {
	InstanceId           string //nolint:revive // AWS's spelling
	AutoScalingGroupName string `xml:",omitempty"`
	InstanceType         string
	AvailabilityZone     string
	LifecycleState       string
	HealthStatus         string
	LaunchTemplate       *asgLaunchTemplate
	ProtectedFromScaleIn bool
}

type asgTag struct {
	ResourceId        string //nolint:revive // AWS's spelling
	ResourceType      string
	Key               string
	Value             string
	PropagateAtLaunch bool
}

type asgMaintenance struct {
	MinHealthyPercentage int
	MaxHealthyPercentage int
}

type asgGroup struct {
	AutoScalingGroupName             string
	AutoScalingGroupARN              string
	LaunchTemplate                   *asgLaunchTemplate
	MinSize                          int
	MaxSize                          int
	DesiredCapacity                  int
	DefaultCooldown                  int
	AvailabilityZones                []string `xml:"AvailabilityZones>member"`
	LoadBalancerNames                []string `xml:"LoadBalancerNames>member"`
	TargetGroupARNs                  []string `xml:"TargetGroupARNs>member"`
	HealthCheckType                  string
	HealthCheckGracePeriod           int
	Instances                        []asgInstance `xml:"Instances>member"`
	CreatedTime                      string
	VPCZoneIdentifier                string
	Tags                             []asgTag `xml:"Tags>member"`
	TerminationPolicies              []string `xml:"TerminationPolicies>member"`
	NewInstancesProtectedFromScaleIn bool
	ServiceLinkedRoleARN             string
	DefaultInstanceWarmup            *int `xml:",omitempty"`
	InstanceMaintenancePolicy        *asgMaintenance
	Status                           string `xml:",omitempty"`
}

// asgClock is the sandbox's clock (see elbClock); AWS's own without load
// balancers.
func asgClock(r *Request) elbClock {
	if r.LB == nil {
		return 1
	}
	return clockOf(r)
}

func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (b *Backend) groupARN(g autoscaling.Group) string {
	sum := sha256.Sum256([]byte("cattle/" + b.Sandbox + "/asg/" + g.Name + "/" + g.CreatedAt.String()))
	h := hex.EncodeToString(sum[:16])
	uuid := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
	return "arn:aws:autoscaling:" + Region + ":" + Account + ":autoScalingGroup:" + uuid + ":autoScalingGroupName/" + g.Name
}

// templateIDs are the ids of the launch templates, by name.
func templateIDs(ctx context.Context, r *Request) (map[string]string, error) {
	ts, err := r.Compute.Templates(ctx)
	ids := map[string]string{}
	for _, t := range ts {
		ids[t.Name] = t.ID
	}
	return ids, err
}

func instanceTemplate(inst compute.Instance) *asgLaunchTemplate {
	return &asgLaunchTemplate{LaunchTemplateId: inst.TemplateID, LaunchTemplateName: inst.Template,
		Version: strconv.Itoa(inst.TemplateVersion)}
}

func shapeGroup(ctx context.Context, r *Request, d autoscaling.GroupDetail, ids map[string]string) asgGroup {
	c, g := asgClock(r), d.Group
	out := asgGroup{AutoScalingGroupName: g.Name, AutoScalingGroupARN: r.groupARN(g),
		LaunchTemplate: &asgLaunchTemplate{LaunchTemplateId: ids[g.Template], LaunchTemplateName: g.Template, Version: g.TemplateVersion},
		MinSize:        g.Min, MaxSize: g.Max, DesiredCapacity: g.Desired, DefaultCooldown: 300,
		HealthCheckType: g.HealthCheckType, HealthCheckGracePeriod: c.seconds(g.HealthCheckGracePeriod),
		CreatedTime: awsTime(g.CreatedAt), TerminationPolicies: []string{"Default"}, Status: g.Status,
		ServiceLinkedRoleARN: "arn:aws:iam::" + Account + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"}
	if g.MaxHealthyPercentage > 100 {
		out.InstanceMaintenancePolicy = &asgMaintenance{MinHealthyPercentage: 100, MaxHealthyPercentage: g.MaxHealthyPercentage}
	}
	var subnets []string
	for _, z := range g.Zones {
		out.AvailabilityZones = append(out.AvailabilityZones, AZName(z))
		subnets = append(subnets, r.SubnetID(z))
	}
	out.VPCZoneIdentifier = strings.Join(subnets, ",")
	if g.DefaultInstanceWarmup != nil {
		w := c.seconds(*g.DefaultInstanceWarmup)
		out.DefaultInstanceWarmup = &w
	}
	if g.LoadBalancer != "" && r.LB != nil {
		if rec, err := r.LB.Get(ctx, g.LoadBalancer); err == nil && rec.HasTargetGroup() {
			out.TargetGroupARNs = []string{tgARN(rec)}
		}
	}
	keys := make([]string, 0, len(g.Tags))
	for k := range g.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Tags = append(out.Tags, asgTag{ResourceId: g.Name, ResourceType: "auto-scaling-group", Key: k, Value: g.Tags[k]})
	}
	states := r.Groups.MemberStates(d)
	for _, inst := range d.Instances {
		st := states[inst.ID]
		out.Instances = append(out.Instances, asgInstance{InstanceId: inst.ID, InstanceType: inst.InstanceType,
			AvailabilityZone: AZName(inst.Zone), LifecycleState: st.Lifecycle, HealthStatus: st.Health,
			LaunchTemplate: instanceTemplate(inst)})
	}
	return out
}

// asgError gives the errors of package autoscaling AWS's codes: a
// conflict whose message starts with an AWS code ("ResourceInUse: ...")
// gets that code, other conflicts conflictCode.
func asgError(err error, conflictCode string) error {
	if err == nil || !errors.Is(err, errdefs.ErrConflict) {
		return err
	}
	msg := err.Error()
	for _, code := range []string{"ActiveInstanceRefreshNotFound", "ScalingActivityInProgress", "ResourceInUse",
		"InstanceRefreshInProgress", "AlreadyExists", "IrreversibleInstanceRefresh"} {
		if rest, ok := strings.CutPrefix(msg, code+": "); ok {
			return Errorf(code, "%s", rest)
		}
	}
	return Errorf(conflictCode, "%s", msg)
}

// launchTemplateOf reads a LaunchTemplate structure (LaunchTemplateId or
// LaunchTemplateName, and Version, $Default when absent, as AWS) into a
// template name and version.
func launchTemplateOf(ctx context.Context, r *Request, p Params, param string) (string, string, error) {
	id, name := p.String("LaunchTemplateId"), p.String("LaunchTemplateName")
	switch {
	case id != "" && name != "":
		return "", "", Errorf("ValidationError", "%s: give LaunchTemplateId or LaunchTemplateName, not both", param)
	case id == "" && name == "":
		return "", "", Errorf("ValidationError", "%s must contain LaunchTemplateId or LaunchTemplateName", param)
	case id != "":
		ids, err := templateIDs(ctx, r)
		if err != nil {
			return "", "", err
		}
		for n, tid := range ids {
			if tid == id {
				name = n
			}
		}
		if name == "" {
			return "", "", Errorf("ValidationError", "You must use a valid fully-formed launch template. The launch template ID %s does not exist", id)
		}
	}
	version := p.String("Version")
	if version == "" {
		version = compute.VersionDefault
	}
	if _, err := r.Compute.ResolveVersion(ctx, name, version); err != nil {
		if errors.Is(err, errdefs.ErrNotFound) || errors.Is(err, errdefs.ErrInvalid) {
			return "", "", Errorf("ValidationError", "You must use a valid fully-formed launch template. %s", err.Error())
		}
		return "", "", err
	}
	return name, version, nil
}

// zonesOf reads the zones a group asks for: VPCZoneIdentifier's subnets
// (comma-separated ids) or else AvailabilityZones; nil when neither.
func zonesOf(r *Request) ([]string, error) {
	var zones []string
	if v := strings.TrimSpace(r.Params.String("VPCZoneIdentifier")); v != "" {
		for _, id := range strings.Split(v, ",") {
			z, ok := r.ZoneOfSubnet(strings.TrimSpace(id))
			if !ok {
				return nil, Errorf("ValidationError", "The subnet ID '%s' does not exist (parameter VPCZoneIdentifier): DescribeSubnets lists the sandbox's subnets", strings.TrimSpace(id))
			}
			if !slices.Contains(zones, z) {
				zones = append(zones, z)
			}
		}
		return zones, nil
	}
	for _, az := range r.Params.List("AvailabilityZones") {
		z, ok := ZoneOfAZ(az)
		if !ok {
			return nil, Errorf("ValidationError", "The availability zone '%s' is not legal (parameter AvailabilityZones): use one of %s", az, strings.Join(azNames(), ", "))
		}
		zones = append(zones, z)
	}
	return zones, nil
}

func azNames() []string {
	var out []string
	for _, z := range compute.Zones {
		out = append(out, AZName(z))
	}
	return out
}

// optSeconds reads an optional count of seconds onto the sandbox's clock.
func optSeconds(r *Request, p Params, name string) (*autoscaling.Duration, error) {
	if !p.Has(name) {
		return nil, nil
	}
	n, err := p.Int(name, 0)
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, p.Invalid(name, strconv.Itoa(n), "0 or more seconds")
	}
	d := asgClock(r).duration(n)
	return &d, nil
}

// optInt reads an optional integer.
func optInt(p Params, name string) (*int, error) {
	if !p.Has(name) {
		return nil, nil
	}
	n, err := p.Int(name, 0)
	return &n, err
}
