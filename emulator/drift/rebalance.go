package drift

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/store"
)

// How a restore balances groups back over their zones: one instance at
// a time, each step once the group has settled, within rebalanceLimit.
const (
	rebalanceEvery = 500 * time.Millisecond
	rebalanceLimit = 5 * time.Minute
)

// rebalance moves instances back into zones a restore brought back, as
// AWS's AZRebalance does: while a group has a zone with two instances
// more than another, the newest instance of its fullest zone is
// terminated through draining, and the group launches its replacement in
// the emptiest zone.
func (s *Service) rebalance(ctx context.Context) {
	if s.cfg.Groups == nil {
		return
	}
	deadline := time.Now().Add(rebalanceLimit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		groups, err := s.cfg.Groups(ctx)
		if err != nil {
			return
		}
		moving, balanced := false, true
		for _, g := range groups {
			victim, settled, even := unbalanced(g)
			balanced = balanced && even
			if !settled || victim == nil {
				continue
			}
			moving = true
			s.appendEvent(store.Event{Kind: "drift.rebalance", Resource: "group/" + g.Name,
				Message: fmt.Sprintf("group %s rebalancing after a zone restore: %s leaves %s", g.Name, victim.ID, victim.Zone),
				Fields:  map[string]string{"group": g.Name, "instance": victim.ID, "zone": victim.Zone}})
			if _, err := s.cfg.Compute.Terminate(ctx, []string{victim.ID}, "Drift.Rebalance: group "+g.Name+" balances its zones after a restore"); err != nil {
				slog.Warn("drift: rebalancing", "group", g.Name, "err", err)
			}
		}
		if balanced && !moving {
			return
		}
		select {
		case <-ctx.Done():
		case <-time.After(rebalanceEvery):
		}
	}
}

// unbalanced picks the instance to move out of g's fullest zone: none when
// its zones are within one of each other (even), or while it is not
// settled (an instance launching or leaving, or fewer than desired).
func unbalanced(g autoscaling.GroupDetail) (victim *compute.Instance, settled, even bool) {
	count := map[string]int{}
	newest := map[string]*compute.Instance{}
	running := 0
	for i := range g.Instances {
		inst := &g.Instances[i]
		if inst.State != compute.StateRunning {
			return nil, false, false
		}
		running++
		count[inst.Zone]++
		if n := newest[inst.Zone]; n == nil || inst.LaunchedAt.After(n.LaunchedAt) {
			newest[inst.Zone] = inst
		}
	}
	if running < g.Desired || g.Healthy < g.Desired || len(g.Zones) == 0 {
		return nil, false, false
	}
	most, least := g.Zones[0], g.Zones[0]
	for _, z := range g.Zones {
		if count[z] > count[most] {
			most = z
		}
		if count[z] < count[least] {
			least = z
		}
	}
	if count[most]-count[least] <= 1 {
		return nil, true, true
	}
	return newest[most], true, false
}
