package autoscaling

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

func (h *harness) putPolicy(spec PolicySpec) GroupDetail {
	h.t.Helper()
	d, err := h.svc.PutPolicy(ctx, "web", spec)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// scaleEvents are the messages of the policy's scaling events.
func (h *harness) scaleEvents() []string {
	var out []string
	for _, e := range h.events(EventGroupScale) {
		if e.Fields["reason"] != "" {
			out = append(out, e.Message)
		}
	}
	return out
}

func (h *harness) desired() int { return h.group().Desired }

// lastScaledAt is when the policy last scaled group web.
func (h *harness) lastScaledAt() time.Time {
	h.t.Helper()
	p := h.group().Policy
	if p == nil || p.LastScaledAt == nil {
		h.t.Fatal("the policy never scaled")
	}
	return *p.LastScaledAt
}

func TestPolicyScalesOutUnderLoadAndHoldsAtTarget(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	h.putPolicy(PolicySpec{TargetRequestsPerTarget: 100})
	h.metrics.setLoad(360) // 180 per target per minute on 2

	h.runUntil("scaled out", func() bool { return h.desired() == 4 })
	evs := h.scaleEvents()
	if len(evs) != 1 || !strings.Contains(evs[0], "scaling out from 2 to 4: 180 requests per target per minute, target 100") {
		t.Fatalf("scale events: %q", evs)
	}
	h.waitHealthy(4)
	// 90 per target on 4: ceil(4 * 90 / 100) = 4, the group stays.
	h.advance(30 * time.Second)
	if d := h.group(); d.Desired != 4 || len(h.scaleEvents()) != 1 {
		t.Fatalf("desired %d after the load settled on 4; events %q", d.Desired, h.scaleEvents())
	}
	// Whole requests over a few seconds: 90 give or take one request.
	if m := h.group().Metric; m == nil || m.Instances != 4 || m.Value < 75 || m.Value > 100 {
		t.Errorf("metric %+v, want about 90 over 4 instances", m)
	}
}

// As AWS's high alarm: the group scales out after the metric is above the
// target for 3 consecutive metric periods, not at the first reading.
func TestPolicyScalesOutAfterThreePeriodsAbove(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	period := h.profile.MetricPeriod
	start := h.clock.Now()
	h.putPolicy(PolicySpec{TargetRequestsPerTarget: 100, InstanceWarmup: D(0)})
	h.metrics.setLoad(360) // 180 per target per minute on 2
	h.runUntil("scaled out", func() bool { return h.desired() == 4 })
	if took := h.lastScaledAt().Sub(start); took < 2*period || took >= 4*period {
		t.Fatalf("scaled out %s after the load came, want after 3 datapoints a period (%s) apart", took, period)
	}
}

// As AWS's low alarm: the group scales in after the metric is below the
// target for 15 consecutive metric periods; there is no cooldown.
func TestPolicyScalesInAfterFifteenPeriodsBelow(t *testing.T) {
	h := newHarness(t)
	h.webGroup(4)
	period := h.profile.MetricPeriod
	start := h.clock.Now()
	h.putPolicy(PolicySpec{TargetRequestsPerTarget: 100, InstanceWarmup: D(0)})
	for h.clock.Now().Before(start.Add(14 * period)) {
		h.advance(step)
		if d := h.desired(); d != 4 {
			t.Fatalf("scaled in to %d after %s: the low alarm needs 15 datapoints, a period (%s) apart", d, h.clock.Now().Sub(start), period)
		}
	}
	h.runUntil("scaled in", func() bool { return h.desired() == 1 })
	if took := h.lastScaledAt().Sub(start); took >= 17*period {
		t.Fatalf("scaled in %s after the metric fell, want after 15 datapoints", took)
	}
	evs := h.scaleEvents()
	if last := evs[len(evs)-1]; !strings.Contains(last, "scaling in from 4 to 1 (min 1): 0 requests per target per minute, target 100") {
		t.Errorf("scale-in event: %q", last)
	}
	h.waitHealthy(1)
}

// There is no cooldown between scalings (AWS's is simple scaling's): on
// the aws profile, whose cooldown is 300 s, a load that grows again right
// after a scale-out scales out again within a few metric periods.
func TestPolicyHasNoCooldown(t *testing.T) {
	h := newHarness(t)
	h.profile = timing.AWS()
	h.crash() // the same state on a control plane with AWS's clock
	h.webGroup(2, func(s *GroupSpec) { s.Max = 20 })
	h.putPolicy(PolicySpec{TargetRequestsPerTarget: 100, InstanceWarmup: D(0)})
	h.metrics.setLoad(600) // 300 per target: 6 instances
	h.runUntil("scaled out", func() bool { return h.desired() == 6 })
	first := h.lastScaledAt()
	h.waitHealthy(6)
	h.metrics.setLoad(1800) // 300 per target again: 18 instances
	h.runUntil("scaled out again", func() bool { return h.desired() == 18 })
	if gap := h.lastScaledAt().Sub(first); gap >= h.profile.Cooldown {
		t.Fatalf("scaled out again %s after the first scale-out: a cooldown (%s) held it", gap, h.profile.Cooldown)
	}
}

func TestPolicyClampsToMinAndMax(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2, func(s *GroupSpec) { s.Min, s.Max = 2, 5 })
	h.putPolicy(PolicySpec{TargetRequestsPerTarget: 10, InstanceWarmup: D(0)})
	h.metrics.setLoad(6000) // wants 600 instances
	h.runUntil("at max", func() bool { return h.desired() == 5 })
	if evs := h.scaleEvents(); !strings.Contains(evs[0], "scaling out from 2 to 5 (max 5)") {
		t.Errorf("scale-out event: %q", evs)
	}
	h.waitHealthy(5)
	h.advance(10 * time.Second)
	if d := h.desired(); d != 5 {
		t.Fatalf("desired %d, above max", d)
	}

	h.metrics.setLoad(0)
	h.runUntil("at min", func() bool { return h.desired() == 2 })
	h.advance(20 * time.Second)
	if d := h.desired(); d != 2 {
		t.Fatalf("desired %d, below min", d)
	}
}

func TestPolicyKeepsOneInstanceWhenMinIsZero(t *testing.T) {
	h := newHarness(t)
	h.webGroup(3) // min 0
	h.putPolicy(PolicySpec{TargetRequestsPerTarget: 100, InstanceWarmup: D(0)})
	h.runUntil("scaled in", func() bool { return h.desired() == 1 })
	h.advance(20 * time.Second)
	if d := h.desired(); d != 1 {
		t.Fatalf("desired %d: with none left there is nothing to measure", d)
	}
}

// Instances warming up count neither in the metric nor as the capacity it
// is multiplied by: a burst of CPU while one starts scales nothing.
func TestPolicyLeavesWarmingInstancesOutOfTheMetric(t *testing.T) {
	h := newHarness(t)
	h.webGroup(2)
	for _, inst := range h.members() {
		h.setCPU(inst, 90)
	}
	warmup := 30 * time.Second
	h.putPolicy(PolicySpec{TargetCPU: 50, InstanceWarmup: D(warmup)})
	h.runUntil("scaled out", func() bool { return h.desired() == 4 })
	if evs := h.scaleEvents(); !strings.Contains(evs[0], "scaling out from 2 to 4: average CPU 90%, target 50") {
		t.Fatalf("scale events: %q", evs)
	}
	h.waitHealthy(4)
	old := map[string]bool{}
	for _, inst := range h.everInstances()[:2] {
		old[inst.ID] = true
	}
	for _, inst := range h.members() {
		if !old[inst.ID] {
			h.setCPU(inst, 100) // starting up
		}
	}
	newest := h.members()[3].LaunchedAt
	for h.clock.Now().Before(newest.Add(warmup - time.Second)) {
		h.advance(step)
		if d := h.desired(); d != 4 {
			t.Fatalf("desired %d while the new instances warm up: they counted", d)
		}
	}
	if m := h.group().Metric; m == nil || m.Instances != 2 || m.Value != 90 {
		t.Fatalf("metric %+v during warmup, want 90 over the 2 warm instances", m)
	}
	// Warm, they count: 4 at 95% on average wants ceil(4 * 95 / 50) = 8.
	h.runUntil("scaled out again", func() bool { return h.desired() == 8 })
}

func TestPolicyScaleInCanBeDisabled(t *testing.T) {
	h := newHarness(t)
	h.webGroup(3)
	h.putPolicy(PolicySpec{TargetRequestsPerTarget: 100, InstanceWarmup: D(0), DisableScaleIn: true})
	h.advance(20 * h.profile.MetricPeriod) // the low alarm goes off after 15

	if d := h.desired(); d != 3 {
		t.Fatalf("desired %d with scale in disabled", d)
	}
}

func TestPolicyValidationAndLifecycle(t *testing.T) {
	h := newHarness(t)
	h.webGroup(1)
	if _, err := h.svc.CreateGroup(ctx, GroupSpec{Name: "nolb", Template: "web", Min: 0, Max: 2}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		group string
		spec  PolicySpec
		want  string
	}{
		{"web", PolicySpec{}, "needs a target"},
		{"web", PolicySpec{TargetRequestsPerTarget: 100, TargetCPU: 50}, "not both"},
		{"web", PolicySpec{TargetCPU: 150}, "out of range"},
		{"web", PolicySpec{TargetRequestsPerTarget: -1}, "above 0"},
		{"web", PolicySpec{TargetCPU: 50, InstanceWarmup: D(-time.Second)}, "negative"},
		{"nolb", PolicySpec{TargetRequestsPerTarget: 100}, "no load balancer"},
		{"web", PolicySpec{PolicyType: "StepScaling", TargetCPU: 50}, "not modelled"},
		{"web", PolicySpec{PolicyType: "SimpleScaling", TargetCPU: 50}, "docs/fidelity.md"},
		{"web", PolicySpec{PolicyType: "Fancy", TargetCPU: 50}, "use TargetTrackingScaling"},
	} {
		_, err := h.svc.PutPolicy(ctx, c.group, c.spec)
		if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PutPolicy(%s, %+v) = %v, want an invalid-argument error saying %q", c.group, c.spec, err, c.want)
		}
	}
	if _, err := h.svc.PutPolicy(ctx, "nope", PolicySpec{TargetCPU: 50}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("policy on a missing group: %v", err)
	}

	d := h.putPolicy(PolicySpec{TargetRequestsPerTarget: 120, InstanceWarmup: D(3 * time.Second)})
	p := d.Policy
	if p == nil || p.Type != PolicyTargetTracking || p.Metric != MetricRequestCountPerTarget || p.TargetValue != 120 ||
		p.InstanceWarmup != Duration(3*time.Second) {
		t.Fatalf("policy %+v", p)
	}
	evs := h.events(EventGroupPolicy)
	if len(evs) != 1 || !strings.Contains(evs[0].Message, "tracks ALBRequestCountPerTarget at 120 requests per target per minute (warmup 3s)") {
		t.Fatalf("policy events: %v", evs)
	}

	// It survives a restart, with when it last scaled.
	h.metrics.setLoad(500)
	h.runUntil("scaled out", func() bool { return h.desired() == 5 })
	scaled := h.lastScaledAt()
	h.crash()
	if got := h.lastScaledAt(); !got.Equal(scaled) || h.group().Policy.TargetValue != 120 {
		t.Fatalf("after a restart: policy %+v", h.group().Policy)
	}

	if d, err := h.svc.DeletePolicy(ctx, "web"); err != nil || d.Policy != nil {
		t.Fatalf("DeletePolicy: %+v, %v", d.Policy, err)
	}
	if _, err := h.svc.DeletePolicy(ctx, "web"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("deleting it twice: %v", err)
	}
	h.metrics.setLoad(0)
	h.advance(20 * time.Second)
	if d := h.desired(); d != 5 {
		t.Errorf("desired %d after the policy went: it should stay", d)
	}
}

func TestTrackedCapacity(t *testing.T) {
	for _, c := range []struct {
		current       int
		value, target float64
		want          int
	}{
		{2, 180, 100, 4},
		{2, 150, 100, 3}, // exactly 3, not 3.0000001 -> 4
		{4, 90, 100, 4},
		{4, 0, 100, 0},
		{3, 40, 50, 3},
		{10, 51, 50, 11},
	} {
		if got := trackedCapacity(c.current, c.value, c.target); got != c.want {
			t.Errorf("trackedCapacity(%d, %g, %g) = %d, want %d", c.current, c.value, c.target, got, c.want)
		}
	}
}
