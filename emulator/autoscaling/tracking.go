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
//   - once a metric period, the metric is a datapoint for AWS's two
//     alarms: above the target for 3 consecutive periods sets off the high
//     one, below it for 15 the low one;
//   - while an alarm is set off, the capacity that brings the metric to
//     the target is ceil(warm * metric / target), kept within min (at
//     least 1: with none there is nothing to measure) and max;
//   - a higher capacity is set at once: instances still warming up are
//     part of the desired capacity already, so they are not launched twice;
//   - a lower one waits until no instance warms up, and never happens with
//     scale in disabled.
//
// It returns the group as the capacity pass should see it.
func (s *Service) trackPass(v groupView, now time.Time) (Group, passResult, error) {
	g := v.group
	pol := g.Policy
	if pol == nil || s.metrics == nil {
		return g, passResult{}, nil
	}
	warm, warming, res := warmth(v, pol.InstanceWarmup.Std(), now)
	r, ok := s.reading(g, warm, now)
	if !ok {
		return g, res, nil
	}
	al, due := s.datapoint(g.Name, r.Value, pol.TargetValue, now)
	res.wakeAt(al.next)
	if !due {
		return g, res, nil
	}
	want, bound, ok := boundedCapacity(g, r, pol.TargetValue)
	if !ok || want == g.Desired {
		return g, res, nil
	}
	direction := "out"
	if want > g.Desired && al.high < alarmHighDatapoints {
		return g, res, nil
	}
	if want < g.Desired {
		direction = "in"
		if pol.DisableScaleIn || warming > 0 || al.low < alarmLowDatapoints {
			return g, res, nil
		}
	}
	reason := fmt.Sprintf("scaling %s from %d to %d%s: %s, target %s", direction, g.Desired, want, bound,
		pol.DescribeValue(r.Value), formatNumber(pol.TargetValue))
	g, err := s.setTrackedCapacity(g, want, reason, r, now)
	if err != nil {
		return v.group, passResult{}, err
	}
	res.acted = true
	return g, res, nil
}

// alarms is the state of a policy's two alarms: how many consecutive
// datapoints were above and below the target, and when the next is due.
type alarms struct {
	high, low int
	next      time.Time
}

// datapoint records the metric as a datapoint of the group's alarms when
// one is due, once a metric period; due says whether it did.
func (s *Service) datapoint(group string, value, target float64, now time.Time) (alarms, bool) {
	period := metricPeriod(s.profile)
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.series[group]
	if sr == nil {
		return alarms{next: now.Add(period)}, false
	}
	if !sr.alarm.next.IsZero() && now.Before(sr.alarm.next) {
		return sr.alarm, false
	}
	a := &sr.alarm
	a.next = now.Add(period)
	switch {
	case value > target:
		a.high, a.low = a.high+1, 0
	case value < target:
		a.high, a.low = 0, a.low+1
	default:
		a.high, a.low = 0, 0
	}
	return *a, true
}

// warmth sorts a group's members for its policy: the ids of the warm ones
// (in service past the policy's warmup), and how many are still warming
// up. It wakes the pass when one's warmup ends.
func warmth(v groupView, warmup time.Duration, now time.Time) (warm []string, warming int, res passResult) {
	for _, m := range v.members {
		switch {
		case inService(v.group, m, warmup, now):
			warm = append(warm, m.ID)
		case warmingUp(v.group, m, warmup, now):
			warming++
			if ready := readyAt(m, warmup); now.Before(ready) {
				res.wakeAt(ready)
			}
			res.watch = true
		}
	}
	return warm, warming, res
}

// boundedCapacity is the capacity that brings reading r to target, kept
// within the group's min (at least 1) and max, with a note of the bound
// that held it; not ok when the group's bounds leave no room.
func boundedCapacity(g Group, r MetricReading, target float64) (want int, bound string, ok bool) {
	lo, hi := max(g.Min, 1), g.Max
	want = trackedCapacity(r.Instances, r.Value, target)
	switch {
	case hi < lo:
		return 0, "", false
	case want > hi:
		return hi, fmt.Sprintf(" (max %d)", hi), true
	case want < lo:
		return lo, fmt.Sprintf(" (min %d)", lo), true
	}
	return want, "", true
}

// setTrackedCapacity sets the desired capacity the policy asks for, unless
// the group or its policy changed since the pass read it, and returns the
// group as stored.
func (s *Service) setTrackedCapacity(g Group, want int, reason string, r MetricReading, now time.Time) (Group, error) {
	pol := g.Policy
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
	return g, err
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
