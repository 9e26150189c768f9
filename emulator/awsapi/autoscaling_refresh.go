package awsapi

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/store"
)

// refreshSpec reads StartInstanceRefresh's Strategy, DesiredConfiguration
// and Preferences into cattle's refresh request.
func refreshSpec(ctx context.Context, r *Request) (autoscaling.RefreshSpec, error) {
	p := r.Params
	var spec autoscaling.RefreshSpec
	if s := p.String("Strategy"); s != "" && s != "Rolling" {
		return spec, p.Invalid("Strategy", s, "Rolling (the one strategy cattle models)")
	}
	dc := p.Sub("DesiredConfiguration")
	if dc.Has("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName") ||
		dc.Has("MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId") {
		return spec, Errorf("ValidationError", "DesiredConfiguration.MixedInstancesPolicy is not modelled by cattle: give DesiredConfiguration.LaunchTemplate")
	}
	if lt := dc.Sub("LaunchTemplate"); lt.Has("LaunchTemplateId") || lt.Has("LaunchTemplateName") {
		name, version, err := launchTemplateOf(ctx, r, lt, "DesiredConfiguration.LaunchTemplate")
		if err != nil {
			return spec, err
		}
		spec.TemplateVersion = name + ":" + version
	}
	pr := p.Sub("Preferences")
	if pr.Has("AlarmSpecification.Alarms.member.1") {
		return spec, Errorf("ValidationError", "Preferences.AlarmSpecification is not modelled by cattle, which has no CloudWatch alarms: use AutoRollback")
	}
	for name, ok := range map[string][]string{"ScaleInProtectedInstances": {"Refresh", "Ignore", "Wait"}, "StandbyInstances": {"Terminate", "Ignore", "Wait"}} {
		if v := pr.String(name); v != "" && !oneOf(v, ok) {
			return spec, pr.Invalid(name, v, strings.Join(ok, ", ")+" (cattle has no such instances, so each behaves the same)")
		}
	}
	var err error
	for _, f := range []struct {
		name string
		dst  **int
	}{{"MinHealthyPercentage", &spec.MinHealthyPercentage}, {"MaxHealthyPercentage", &spec.MaxHealthyPercentage}} {
		if *f.dst, err = optInt(pr, f.name); err != nil {
			return spec, err
		}
	}
	for _, f := range []struct {
		name string
		dst  **autoscaling.Duration
	}{{"InstanceWarmup", &spec.InstanceWarmup}, {"CheckpointDelay", &spec.CheckpointDelay}, {"BakeTime", &spec.BakeTime}} {
		if *f.dst, err = optSeconds(r, pr, f.name); err != nil {
			return spec, err
		}
	}
	for _, s := range pr.List("CheckpointPercentages") {
		n, err := strconv.Atoi(s)
		if err != nil {
			return spec, pr.Invalid("CheckpointPercentages", s, "integers")
		}
		spec.CheckpointPercentages = append(spec.CheckpointPercentages, n)
	}
	if spec.SkipMatching, err = pr.Bool("SkipMatching", false); err != nil {
		return spec, err
	}
	spec.AutoRollback, err = pr.Bool("AutoRollback", false)
	return spec, err
}

func startInstanceRefresh(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	spec, err := refreshSpec(ctx, r)
	if err != nil {
		return nil, err
	}
	if spec.AutoRollback && spec.TemplateVersion == "" {
		return nil, Errorf("ValidationError", "AutoRollback requires a DesiredConfiguration: name the launch template version to roll out")
	}
	ref, err := r.Groups.StartRefresh(ctx, name, spec)
	if err != nil {
		return nil, asgError(err, "InstanceRefreshInProgress")
	}
	return struct{ InstanceRefreshId string }{ref.ID}, nil //nolint:revive // AWS's spelling
}

type asgRefreshPreferences struct {
	MinHealthyPercentage      int
	MaxHealthyPercentage      int
	InstanceWarmup            int
	CheckpointPercentages     []int `xml:"CheckpointPercentages>member"`
	CheckpointDelay           int
	SkipMatching              bool
	AutoRollback              bool
	ScaleInProtectedInstances string
	StandbyInstances          string
	BakeTime                  int
}

type asgProgress struct {
	LivePoolProgress struct {
		PercentageComplete int
		InstancesToUpdate  int
	}
}

type asgRollbackDetails struct {
	RollbackReason               string
	RollbackStartTime            string
	PercentageCompleteOnRollback int
	InstancesToUpdateOnRollback  int
	ProgressDetailsOnRollback    asgProgress
}

type asgRefresh struct {
	InstanceRefreshId    string //nolint:revive // AWS's spelling
	AutoScalingGroupName string
	Status               string
	StatusReason         string `xml:",omitempty"`
	StartTime            string
	EndTime              string `xml:",omitempty"`
	PercentageComplete   int
	InstancesToUpdate    int
	ProgressDetails      asgProgress
	Preferences          asgRefreshPreferences
	DesiredConfiguration *struct{ LaunchTemplate asgLaunchTemplate }
	RollbackDetails      *asgRollbackDetails
	Strategy             string
}

func shapeRefresh(r *Request, ref autoscaling.Refresh, ids map[string]string, events []store.Event) asgRefresh {
	c, p := asgClock(r), ref.Preferences
	out := asgRefresh{InstanceRefreshId: ref.ID, AutoScalingGroupName: ref.Group, Status: ref.Status, StatusReason: ref.StatusReason,
		StartTime: awsTime(ref.StartTime), PercentageComplete: ref.PercentComplete, InstancesToUpdate: ref.InstancesToUpdate,
		Strategy: "Rolling", Preferences: asgRefreshPreferences{MinHealthyPercentage: p.MinHealthyPercentage,
			MaxHealthyPercentage: p.MaxHealthyPercentage, InstanceWarmup: c.seconds(p.InstanceWarmup),
			CheckpointPercentages: p.CheckpointPercentages, CheckpointDelay: c.seconds(p.CheckpointDelay), SkipMatching: p.SkipMatching,
			AutoRollback: p.AutoRollback, ScaleInProtectedInstances: "Ignore", StandbyInstances: "Ignore", BakeTime: c.seconds(p.BakeTime)}}
	out.ProgressDetails.LivePoolProgress.PercentageComplete = ref.PercentComplete
	out.ProgressDetails.LivePoolProgress.InstancesToUpdate = ref.InstancesToUpdate
	if ref.EndTime != nil {
		out.EndTime = awsTime(*ref.EndTime)
	}
	if d := ref.DesiredConfiguration; d != nil {
		out.DesiredConfiguration = &struct{ LaunchTemplate asgLaunchTemplate }{asgLaunchTemplate{
			LaunchTemplateId: ids[d.Template], LaunchTemplateName: d.Template, Version: d.Version}}
	}
	for _, e := range events {
		if e.Fields["refresh"] != ref.ID || e.Fields["status"] != autoscaling.RefreshRollbackInProgress {
			continue
		}
		_, reason, _ := strings.Cut(e.Message, autoscaling.RefreshRollbackInProgress+": ")
		rb := &asgRollbackDetails{RollbackReason: reason, RollbackStartTime: awsTime(e.Time)}
		if strings.HasPrefix(ref.Status, "Rollback") {
			rb.PercentageCompleteOnRollback, rb.InstancesToUpdateOnRollback = ref.PercentComplete, ref.InstancesToUpdate
			rb.ProgressDetailsOnRollback = out.ProgressDetails
		}
		out.RollbackDetails = rb
		break
	}
	return out
}

func describeInstanceRefreshes(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	limit, err := maxRecords(r.Params)
	if err != nil {
		return nil, err
	}
	refs, err := r.Groups.Refreshes(ctx, name)
	if err != nil {
		return nil, err
	}
	events, err := r.Groups.Events(ctx, name)
	if err != nil {
		return nil, err
	}
	ids, err := templateIDs(ctx, r)
	if err != nil {
		return nil, err
	}
	var out struct {
		InstanceRefreshes []asgRefresh `xml:"InstanceRefreshes>member"`
		NextToken         string       `xml:",omitempty"`
	}
	out.InstanceRefreshes = []asgRefresh{}
	want, token := r.Params.List("InstanceRefreshIds"), r.Params.String("NextToken")
	skipping := token != ""
	for _, ref := range refs { // newest first, as AWS
		if skipping {
			skipping = ref.ID != token
			continue
		}
		if !oneOf(ref.ID, want) {
			continue
		}
		if len(out.InstanceRefreshes) == limit {
			out.NextToken = out.InstanceRefreshes[limit-1].InstanceRefreshId
			break
		}
		out.InstanceRefreshes = append(out.InstanceRefreshes, shapeRefresh(r, ref, ids, events))
	}
	return out, nil
}

func cancelInstanceRefresh(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	ref, err := r.Groups.CancelRefresh(ctx, name)
	if err != nil {
		return nil, asgError(err, "ActiveInstanceRefreshNotFound")
	}
	return struct{ InstanceRefreshId string }{ref.ID}, nil //nolint:revive // AWS's spelling
}

// irreversible is cattle's message for a refresh rollback cannot undo (its
// configurations name no fixed version).
var irreversible = regexp.MustCompile(`^refresh \S+ cannot be rolled back: `)

func rollbackInstanceRefresh(ctx context.Context, r *Request) (any, error) {
	name, err := r.Params.Required("AutoScalingGroupName")
	if err != nil {
		return nil, err
	}
	ref, err := r.Groups.Rollback(ctx, name)
	if err != nil {
		code := "ActiveInstanceRefreshNotFound"
		if irreversible.MatchString(err.Error()) {
			code = "IrreversibleInstanceRefresh"
		}
		return nil, asgError(err, code)
	}
	return struct{ InstanceRefreshId string }{ref.ID}, nil //nolint:revive // AWS's spelling
}
