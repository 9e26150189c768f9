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
// not terminated and not shutting down) and how many are on their way out.
type groupView struct {
	group   Group
	members []member
	leaving int // instances shutting down: they count for nothing
}

// viewOf sorts the instances of g out of all instances.
func (s *Service) viewOf(g Group, all []compute.Instance) groupView {
	v := groupView{group: g}
	var targets map[string]string // nil (every state "") without a load balancer
	if g.LoadBalancer != "" && s.lb != nil {
		targets = s.lb.TargetStates(g.LoadBalancer)
	}
	for _, inst := range all {
		if inst.Group != g.Name || !inst.Live() {
			continue
		}
		if inst.State == compute.StateShuttingDown {
			v.leaving++
			continue
		}
		v.members = append(v.members, member{Instance: inst, target: targets[inst.ID]})
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

// healthCheck runs the group's health check over ms: the unhealthy ones,
// with why each is. It wakes res when the grace period of a target the
// load balancer fails ends, since that makes it unhealthy.
func healthCheck(g Group, ms []member, now time.Time, res *passResult) (why map[string]string, bad []member) {
	why = map[string]string{}
	for _, m := range ms {
		if w := unhealthy(g, m, now); w != "" {
			why[m.ID] = w
			bad = append(bad, m)
		} else if g.HealthCheckType == HealthCheckELB && m.target == TargetUnhealthy {
			res.wakeAt(m.LaunchedAt.Add(g.HealthCheckGracePeriod.Std()))
		}
	}
	return why, bad
}

// registrable reports whether inst can be a target of g's load balancer:
// the group has one, and inst runs with an address.
func registrable(g Group, inst compute.Instance) bool {
	return g.LoadBalancer != "" && inst.State == compute.StateRunning && inst.Address != ""
}

// needsRegistering reports whether m can be a target of g's load balancer
// and is not one yet.
func needsRegistering(g Group, m member) bool { return m.target == "" && registrable(g, m.Instance) }

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
