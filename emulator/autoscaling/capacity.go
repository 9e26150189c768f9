package autoscaling

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/store"
)

// groupConfig resolves what the group launches now.
func (s *Service) groupConfig(ctx context.Context, g Group) (Configuration, error) {
	c := Configuration{Template: g.Template, Version: g.TemplateVersion}
	v, err := s.compute.ResolveVersion(ctx, g.Template, g.TemplateVersion)
	if err == nil {
		c.ResolvedVersion = v.Version
	}
	return c, err
}

// capacityPass keeps a group with no refresh in progress at its desired
// capacity: it replaces unhealthy instances (terminate first, or launch
// first under a maintenance policy above 100%), launches what is missing
// into the emptiest zones, and scales in by AWS's termination order.
func (s *Service) capacityPass(ctx context.Context, v groupView, now time.Time) (plan, passResult, error) {
	g := v.group
	p := plan{group: g}
	var res passResult
	cfg, _ := s.groupConfig(ctx, g) // a version gone makes the launch fail, and say so
	grace := g.HealthCheckGracePeriod.Std()

	why, bad := healthCheck(g, v.members, now, &res)

	launchFirst := g.MaxHealthyPercentage > 100
	lim := replacementLimits(g.Desired, 100, g.MaxHealthyPercentage)
	replaceNow := len(bad) > 0 && !launchFirst
	if len(bad) > 0 && launchFirst {
		// Terminate the unhealthy ones once their replacements serve; or
		// at once when no replacement is on its way and there is no room
		// to launch one.
		ready, coming := 0, 0
		for _, m := range v.members {
			if why[m.ID] != "" {
				continue
			}
			switch giveUp := runningSince(m).Add(grace + HealthAllowance(s.profile)); {
			case inService(g, m, grace, now):
				ready++
			case now.Before(giveUp):
				coming++
				res.wakeAt(giveUp)
				res.wakeAt(readyAt(m, grace))
			}
		}
		replaceNow = ready >= g.Desired || coming == 0 && len(v.members) >= lim.maxTotal
		res.watch = res.watch || !replaceNow
	}

	kept := v.members
	if replaceNow {
		for _, m := range bad {
			p.terminate = append(p.terminate, victim{inst: m.Instance, kind: EventReplace,
				reason: "Server.AutoScaling: group " + g.Name + " found it unhealthy: " + why[m.ID],
				msg:    why[m.ID] + ": terminating it, group " + g.Name + " launches a replacement"})
		}
		kept = slices.DeleteFunc(slices.Clone(kept), func(m member) bool { return why[m.ID] != "" })
	}

	target := g.Desired
	if launchFirst && !replaceNow {
		target += min(len(bad), lim.surge(g.Desired))
	}
	switch {
	case len(kept) < target:
		if until := s.launchBlockedUntil(g.Name); now.Before(until) {
			res.wakeAt(until)
			break
		}
		n := min(target-len(kept), compute.MaxRunCount)
		because := fmt.Sprintf("capacity %d -> %d of desired %d", len(kept), len(kept)+n, g.Desired)
		if target > g.Desired {
			because = fmt.Sprintf("replacing %d unhealthy instance(s) before terminating them", n)
		}
		p.launch = &launchPlan{config: cfg, version: g.TemplateVersion, zones: zonePlan(s.compute.ZonesUp(g.Zones), kept, n),
			kind: EventLaunch, why: because}
	case len(kept) > target:
		p.terminate = append(p.terminate, s.scaleIn(g, cfg, kept, bad, len(kept)-target, target)...)
	}

	for _, m := range kept {
		if needsRegistering(g, m) && !isVictim(p, m.ID) {
			p.register = append(p.register, m.Instance)
		}
	}
	return p, res, nil
}

// scaleIn picks n instances to terminate: unhealthy ones first, then in
// AWS's default termination order.
func (s *Service) scaleIn(g Group, cfg Configuration, kept, bad []member, n, to int) []victim {
	var picks []member
	for _, m := range kept {
		if len(picks) < n && slices.ContainsFunc(bad, func(b member) bool { return b.ID == m.ID }) {
			picks = append(picks, m)
		}
	}
	rest := slices.DeleteFunc(slices.Clone(kept), func(m member) bool {
		return slices.ContainsFunc(picks, func(p member) bool { return p.ID == m.ID })
	})
	picks = append(picks, scaleInOrder(g.Zones, cfg, rest, n-len(picks))...)
	out := make([]victim, len(picks))
	for i, m := range picks {
		out[i] = victim{inst: m.Instance, kind: EventTerminate,
			reason: fmt.Sprintf("Server.AutoScaling: group %s scaled in to %d", g.Name, to),
			msg: fmt.Sprintf("terminating %s in %s (%s:%d, launched %s): scale in from %d to %d",
				m.ID, m.Zone, m.Template, m.TemplateVersion, m.LaunchedAt.UTC().Format(time.RFC3339), len(kept), to)}
	}
	return out
}

func isVictim(p plan, id string) bool {
	return slices.ContainsFunc(p.terminate, func(v victim) bool { return v.inst.ID == id })
}

// deletePass drains and terminates a deleted group's instances, then
// removes the group and its refresh history.
func (s *Service) deletePass(v groupView) (plan, passResult, error) {
	g := v.group
	p := plan{group: g}
	if len(v.members) > 0 {
		for _, m := range v.members {
			p.terminate = append(p.terminate, victim{inst: m.Instance, kind: EventTerminate,
				reason: "Server.AutoScaling: group " + g.Name + " was deleted",
				msg:    "terminating " + m.ID + ": group " + g.Name + " is being deleted"})
		}
		return p, passResult{}, nil
	}
	if v.leaving > 0 {
		return p, passResult{watch: true}, nil // the last ones are still shutting down
	}
	err := s.db.Update(func(tx *store.Tx) error {
		rs, err := listRefreshes(tx)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Group == g.Name {
				if err := tx.Delete(kindRefresh, r.ID); err != nil {
					return err
				}
			}
		}
		if err := tx.Delete(kindGroup, g.Name); err != nil {
			return err
		}
		_, err = tx.Append(s.groupEvent(EventGroupDeleted, g.Name, "group "+g.Name+" deleted: its instances are terminated", nil))
		return err
	})
	return p, passResult{acted: true}, err
}
