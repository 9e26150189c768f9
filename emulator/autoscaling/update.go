package autoscaling

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

// UpdateSpec changes a group's settings, as AWS's UpdateAutoScalingGroup
// does; fields left nil (or empty) keep their value. Instances already
// running keep their configuration: only later launches use the new one.
type UpdateSpec struct {
	Template               string // a template name; "" keeps the group's
	TemplateVersion        string // a number, $Latest or $Default; "" keeps (or, with Template, pins its default)
	Min, Max, Desired      *int
	Zones                  []string
	HealthCheckType        string
	HealthCheckGracePeriod *Duration
	MaxHealthyPercentage   *int
	DefaultInstanceWarmup  *Duration
}

// UpdateGroup applies spec to a group. A change of launch template is
// refused while an instance refresh is in progress, as AWS refuses it.
func (s *Service) UpdateGroup(ctx context.Context, name string, spec UpdateSpec) (GroupDetail, error) {
	if spec.Template != "" || spec.TemplateVersion != "" {
		if _, _, err := s.compute.Template(ctx, spec.Template); spec.Template != "" && err != nil {
			return GroupDetail{}, err
		}
	}
	err := s.db.Update(func(tx *store.Tx) error {
		g, rev, err := getGroup(tx, name)
		if err != nil {
			return err
		}
		if g.Status == StatusDeleting {
			return errdefs.Conflict("group %s is being deleted", name)
		}
		before := g
		if err := s.applyUpdate(tx, &g, spec); err != nil {
			return err
		}
		if _, err := tx.PutIf(kindGroup, name, g, rev); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent(EventGroupConfig, name, fmt.Sprintf(
			"group %s updated: %s:%s, min %d, desired %d -> %d, max %d, zones %s, health check %s (grace %s)",
			name, g.Template, g.TemplateVersion, g.Min, before.Desired, g.Desired, g.Max, strings.Join(g.Zones, ","),
			g.HealthCheckType, g.HealthCheckGracePeriod), map[string]string{"desired": strconv.Itoa(g.Desired)}))
		return err
	})
	if err != nil {
		return GroupDetail{}, err
	}
	s.Notify()
	return s.Group(ctx, name)
}

func (s *Service) applyUpdate(tx *store.Tx, g *Group, spec UpdateSpec) error {
	if spec.Template != "" || spec.TemplateVersion != "" {
		if r, ok, err := activeRefresh(tx, g.Name); err != nil || ok {
			if err != nil {
				return err
			}
			return errdefs.Invalid("group %s has instance refresh %s %s: its launch template cannot change until the refresh ends", g.Name, r.ID, r.Status)
		}
		name, version := g.Template, spec.TemplateVersion
		if spec.Template != "" {
			name = spec.Template
		}
		if version == "" && spec.Template != "" {
			version = compute.VersionDefault
		}
		v, err := s.compute.ResolveVersionIn(tx, name, version)
		if err != nil {
			return err
		}
		if !isRole(version) {
			version = strconv.Itoa(v.Version)
		}
		g.Template, g.TemplateVersion = name, version
	}
	setInt(&g.Min, spec.Min)
	setInt(&g.Max, spec.Max)
	setInt(&g.Desired, spec.Desired)
	if spec.Desired == nil { // as AWS: a new min or max pulls desired along
		g.Desired = min(max(g.Desired, g.Min), g.Max)
	}
	if err := validateCapacity(g.Min, g.Desired, g.Max); err != nil {
		return err
	}
	if len(spec.Zones) > 0 {
		zones, err := normalizeZones(spec.Zones)
		if err != nil {
			return err
		}
		g.Zones = zones
	}
	if spec.HealthCheckType != "" {
		hc, err := normalizeHealthCheckType(spec.HealthCheckType, g.LoadBalancer)
		if err != nil {
			return err
		}
		g.HealthCheckType = hc
	}
	if p := spec.HealthCheckGracePeriod; p != nil {
		if *p < 0 {
			return errdefs.Invalid("health check grace period %s is negative", *p)
		}
		g.HealthCheckGracePeriod = *p
	}
	if p := spec.MaxHealthyPercentage; p != nil {
		if err := validateMaxHealthy(*p); err != nil {
			return err
		}
		g.MaxHealthyPercentage = *p
	}
	if p := spec.DefaultInstanceWarmup; p != nil {
		if *p < 0 {
			return errdefs.Invalid("default instance warmup %s is negative", *p)
		}
		g.DefaultInstanceWarmup = p
	}
	return nil
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

// ErrActivityInProgress is returned by TerminateMember while the group has
// an activity in flight (AWS's ScalingActivityInProgress).
var ErrActivityInProgress = errdefs.Conflict("ScalingActivityInProgress: the group has a scaling activity in progress: try again when it ends")

// TerminateMember terminates one of a group's instances, as AWS's
// TerminateInstanceInAutoScalingGroup: with decrement the group's desired
// capacity drops by one (not below min), else the group launches a
// replacement. The group takes no other step meanwhile.
func (s *Service) TerminateMember(ctx context.Context, id string, decrement bool) (compute.Instance, error) {
	inst, err := s.compute.Instance(ctx, id)
	if err != nil {
		return inst, err
	}
	if inst.Group == "" || !inst.Live() {
		return inst, errdefs.Invalid("instance %s is not part of an auto scaling group", id)
	}
	group := inst.Group
	s.mu.Lock()
	if s.busy[group] {
		s.mu.Unlock()
		return inst, ErrActivityInProgress
	}
	s.busy[group] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.busy, group)
		s.mu.Unlock()
		s.Notify()
	}()
	if decrement {
		if err := s.decrement(group, id); err != nil {
			return inst, err
		}
	}
	out, err := s.compute.Terminate(ctx, []string{id}, "Client.UserInitiatedShutdown: terminated in auto scaling group "+group)
	if err != nil {
		return inst, err
	}
	return out[0], nil
}

func (s *Service) decrement(group, id string) error {
	return s.db.Update(func(tx *store.Tx) error {
		g, rev, err := getGroup(tx, group)
		if err != nil {
			return err
		}
		if g.Desired-1 < g.Min {
			return errdefs.Invalid("terminating %s with decrement would take group %s's desired capacity %d below its min %d", id, group, g.Desired, g.Min)
		}
		g.Desired--
		if _, err := tx.PutIf(kindGroup, group, g, rev); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent(EventGroupScale, group, fmt.Sprintf("group %s desired capacity %d -> %d: instance %s terminated with decrement",
			group, g.Desired+1, g.Desired, id), map[string]string{"desired": strconv.Itoa(g.Desired)}))
		return err
	})
}

// Events are the events of a group, oldest first: its scaling
// activities as AWS's DescribeScalingActivities shows them.
func (s *Service) Events(ctx context.Context, group string) ([]store.Event, error) {
	if err := s.db.View(func(tx *store.Tx) error { _, _, err := getGroup(tx, group); return err }); err != nil {
		return nil, err
	}
	all, err := s.db.Events(0, 0)
	if err != nil {
		return nil, err
	}
	var out []store.Event
	for _, e := range all {
		if e.Resource == "group/"+group {
			out = append(out, e)
		}
	}
	return out, ctx.Err()
}

// MemberState is an instance's place in its group as AWS shows it.
type MemberState struct {
	Lifecycle string // Pending, InService or Terminating
	Health    string // Healthy or Unhealthy
}

// MemberStates are the lifecycle and health of d's instances, by id: an
// instance is InService once it runs and, with a load balancer, its target
// is healthy; Terminating while it shuts down; Pending before.
func (s *Service) MemberStates(d GroupDetail) map[string]MemberState {
	v := s.viewOf(d.Group, d.Instances)
	now := s.clock.Now()
	out := map[string]MemberState{}
	for _, inst := range d.Instances {
		if inst.State == compute.StateShuttingDown {
			out[inst.ID] = MemberState{Lifecycle: "Terminating", Health: "Healthy"}
		}
	}
	for _, m := range v.members {
		st := MemberState{Lifecycle: "Pending", Health: "Healthy"}
		switch {
		case inService(d.Group, m, 0, now):
			st.Lifecycle = "InService"
		case m.State == compute.StateStopping || m.State == compute.StateStopped:
			st = MemberState{Lifecycle: "InService", Health: "Unhealthy"}
		case m.target == TargetUnhealthy:
			st.Health = "Unhealthy"
		}
		out[m.ID] = st
	}
	return out
}
