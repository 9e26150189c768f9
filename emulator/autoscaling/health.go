package autoscaling

import (
	"fmt"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
)

// member is one instance of a group as a reconcile pass sees it.
type member struct {
	compute.Instance
	target string // its target state in the group's load balancer ("" without one)
}

// groupView is what a pass knows about one group: its members (instances
// not terminated and not shutting down) and those on their way out.
type groupView struct {
	group   Group
	members []member
	leaving []compute.Instance // shutting down: they count for nothing
	live    int                // instances not terminated, leaving ones included
}

// viewOf sorts the instances of g out of all instances.
func (s *Service) viewOf(g Group, all []compute.Instance) groupView {
	v := groupView{group: g}
	for _, inst := range all {
		if inst.Group != g.Name || !inst.Live() {
			continue
		}
		v.live++
		if inst.State == compute.StateShuttingDown {
			v.leaving = append(v.leaving, inst)
			continue
		}
		m := member{Instance: inst}
		if g.LoadBalancer != "" && s.lb != nil {
			m.target = s.lb.TargetState(g.LoadBalancer, inst.ID)
		}
		v.members = append(v.members, m)
	}
	return v
}

// unhealthy says why the group's health check finds m unhealthy, or "".
// EC2: any state but pending and running. ELB: also a target the load
// balancer finds unhealthy, once the grace period since launch is over.
func unhealthy(g Group, m member, now time.Time) string {
	switch m.State {
	case compute.StatePending, compute.StateRunning:
	default:
		reason := m.StateReason
		if reason == "" {
			reason = "no reason recorded"
		}
		return fmt.Sprintf("%s is %s (%s)", m.ID, m.State, reason)
	}
	if g.HealthCheckType == HealthCheckELB && g.LoadBalancer != "" && m.target == TargetUnhealthy &&
		!now.Before(m.LaunchedAt.Add(g.HealthCheckGracePeriod.Std())) {
		return fmt.Sprintf("%s fails the health checks of load balancer %s", m.ID, g.LoadBalancer)
	}
	return ""
}

// inService reports whether m serves: running, healthy in the load balancer
// when the group has one, and past warmup since its launch.
func inService(g Group, m member, warmup time.Duration, now time.Time) bool {
	if m.State != compute.StateRunning {
		return false
	}
	if g.LoadBalancer != "" && m.target != TargetHealthy {
		return false
	}
	return !now.Before(runningSince(m).Add(warmup))
}

// readyAt is when m's warmup ends (the earliest it can count as in service).
func readyAt(m member, warmup time.Duration) time.Time { return runningSince(m).Add(warmup) }

// runningSince is when an instance's warmup and health check clocks start:
// when it started running. Starting a container can take seconds on a busy
// engine; that time is the launch's, not the workload's.
func runningSince(m member) time.Time {
	if m.State == compute.StateRunning && m.StateChangedAt.After(m.LaunchedAt) {
		return m.StateChangedAt
	}
	return m.LaunchedAt
}

// onConfig reports whether an instance runs configuration c.
func onConfig(inst compute.Instance, c Configuration) bool {
	return inst.Template == c.Template && inst.TemplateVersion == c.ResolvedVersion
}
