package autoscaling

import (
	"fmt"
	"math"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/store"
)

// trackPass applies the group's target tracking policy, as AWS does:
//   - the metric averages over warm instances only (in service, and past
//     the policy's warmup since launch);
//   - the capacity that brings it to the target is ceil(warm * metric /
//     target), kept within min (at least 1: with none there is nothing to
//     measure) and max;
//   - a higher capacity is set at once: instances still warming up are
//     part of the desired capacity already, so they are not launched twice;
//   - a lower one waits until no instance warms up and the scale-in
//     cooldown since the policy's last scaling has passed.
//
// It returns the group as the capacity pass should see it.
func (s *Service) trackPass(v groupView, now time.Time) (Group, passResult, error) {
	g := v.group
	var res passResult
	pol := g.Policy
	if pol == nil || s.metrics == nil {
		return g, res, nil
	}
	warmup := pol.InstanceWarmup.Std()
	var warm []string
	warming := 0
	for _, m := range v.members {
		switch {
		case inService(g, m, warmup, now):
			warm = append(warm, m.ID)
		case warmingUp(g, m, warmup, now):
			warming++
			if ready := readyAt(m, warmup); now.Before(ready) {
				res.wakeAt(ready)
			}
			res.watch = true
		}
	}
	r, ok := s.reading(g, warm, now)
	if !ok {
		return g, res, nil
	}
	lo, hi := max(g.Min, 1), g.Max
	want := trackedCapacity(r.Instances, r.Value, pol.TargetValue)
	bound := ""
	switch {
	case hi < lo:
		return g, res, nil
	case want > hi:
		want, bound = hi, fmt.Sprintf(" (max %d)", hi)
	case want < lo:
		want, bound = lo, fmt.Sprintf(" (min %d)", lo)
	}
	direction := "out"
	switch {
	case want == g.Desired:
		return g, res, nil
	case want < g.Desired:
		direction = "in"
		if pol.DisableScaleIn || warming > 0 {
			return g, res, nil
		}
		if pol.LastScaledAt != nil {
			if until := pol.LastScaledAt.Add(pol.ScaleInCooldown.Std()); now.Before(until) {
				res.wakeAt(until)
				return g, res, nil
			}
		}
	}
	reason := fmt.Sprintf("scaling %s from %d to %d%s: %s, target %s", direction, g.Desired, want, bound,
		pol.DescribeValue(r.Value), formatNumber(pol.TargetValue))
	err := s.db.Update(func(tx *store.Tx) error {
		cur, rev, err := getGroup(tx, g.Name)
		if err != nil {
			return err
		}
		if cur.Desired != g.Desired || cur.Policy == nil || cur.Policy.Metric != pol.Metric || cur.Status != "" {
			return errStale
		}
		at := now.UTC()
		cur.Desired = want
		cur.Policy.LastScaledAt = &at
		if _, err := tx.PutIf(kindGroup, g.Name, cur, rev); err != nil {
			return err
		}
		g = cur
		_, err = tx.Append(s.groupEvent(EventGroupScale, g.Name, "group "+g.Name+" "+reason, map[string]string{
			"desired": itoa(want), "reason": reason, "metric": pol.Metric,
			"value": formatNumber(roundForHumans(r.Value)), "target": formatNumber(pol.TargetValue),
		}))
		return err
	})
	if err != nil {
		return v.group, passResult{}, err
	}
	res.acted = true
	return g, res, nil
}

// trackedCapacity is AWS's target tracking arithmetic: the capacity that
// brings the metric back to the target were the load to stay as it is.
func trackedCapacity(current int, value, target float64) int {
	// The epsilon keeps 2 * 150 / 100 at 3, not 3.0000000001 -> 4.
	return int(math.Ceil(float64(current)*value/target - 1e-9))
}

// warmingUp reports whether m is on its way into service: pending, or
// running but not yet past its warmup or judged by the load balancer.
func warmingUp(g Group, m member, warmup time.Duration, now time.Time) bool {
	switch m.State {
	case compute.StatePending:
		return true
	case compute.StateRunning:
		if now.Before(readyAt(m, warmup)) {
			return true
		}
		return g.LoadBalancer != "" && (m.target == "" || m.target == TargetInitial)
	}
	return false
}
