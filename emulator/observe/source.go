// Package observe shows a sandbox to people and to their tools: Prometheus
// metrics at /metrics, and a live, read-only dashboard page fed by a
// server-sent event stream. Both read the control plane's current state
// when asked and never hold it up: a scrape or a browser reads what the
// services already keep, and a browser too slow to keep up is dropped.
package observe

import (
	"context"
	"strconv"
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/lb"
	"github.com/cattle-dev/cattle/store"
)

// Source is the control plane that metrics and the dashboard read.
type Source struct {
	Compute *compute.Service
	LB      *elb.Service
	Groups  *autoscaling.Service
	DB      *store.DB
}

// state is one reading of the sandbox.
type state struct {
	time      time.Time
	groups    []autoscaling.GroupDetail
	refreshes map[string]autoscaling.Refresh // each group's latest, by group
	lbs       []lbState
	instances map[string]compute.Instance
}

type lbState struct {
	elb.LoadBalancer
	targets []elb.Target
	stats   lb.Stats
	running bool
}

func (s Source) read(ctx context.Context) (state, error) {
	st := state{time: time.Now(), instances: map[string]compute.Instance{}, refreshes: map[string]autoscaling.Refresh{}}
	insts, err := s.Compute.Instances(ctx)
	if err != nil {
		return st, err
	}
	for _, i := range insts {
		st.instances[i.ID] = i
	}
	if s.Groups != nil {
		if st.groups, err = s.Groups.Groups(ctx); err != nil {
			return st, err
		}
	}
	for _, g := range st.groups {
		if g.Refresh != nil {
			st.refreshes[g.Name] = *g.Refresh
		} else if rs, err := s.Groups.Refreshes(ctx, g.Name); err == nil && len(rs) > 0 {
			st.refreshes[g.Name] = rs[0]
		}
	}
	lbs, err := s.LB.List(ctx)
	if err != nil {
		return st, err
	}
	for _, rec := range lbs {
		l := lbState{LoadBalancer: rec}
		l.stats, l.running = s.LB.LiveStats(rec.Name)
		if l.targets, err = s.LB.Targets(ctx, rec.Name); err != nil {
			continue // removed meanwhile
		}
		st.lbs = append(st.lbs, l)
	}
	return st, nil
}

// versionOf names an instance's launch template version, "web:2"; "" for
// an id that is no instance of the sandbox.
func (st state) versionOf(id string) string {
	i, ok := st.instances[id]
	if !ok {
		return ""
	}
	return i.Template + ":" + strconv.Itoa(i.TemplateVersion)
}

// pending counts a group's members launched but not yet in service.
func pending(g autoscaling.GroupDetail) int {
	n := 0
	for _, i := range g.Instances {
		switch i.State {
		case compute.StatePending, compute.StateRunning:
			n++
		}
	}
	return max(n-g.Healthy, 0)
}

// errors5xx is how many requests a target or load balancer answered 5xx.
func errors5xx(responses map[string]int64) int64 { return responses["5xx"] }
