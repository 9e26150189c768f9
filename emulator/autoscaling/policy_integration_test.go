package autoscaling_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// untilDeadline polls cond; it gives up, with a clear failure, only when
// the test binary's own deadline (go test -timeout) comes near.
func untilDeadline(t *testing.T, what string, cond func() bool, dump func() string) {
	t.Helper()
	deadline, limited := t.Deadline()
	for !cond() {
		if limited && time.Until(deadline) < 30*time.Second {
			t.Fatalf("%s: still not so as the test's deadline nears\n%s", what, dump())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestIntegrationTargetTrackingScalesOutAndIn: a group of 1 behind a real
// load balancer with a policy of 120 requests per target per minute gets
// a constant 300 a minute, scales out to its max of 3, and once the load
// stops scales back in to 1.
func TestIntegrationTargetTrackingScalesOutAndIn(t *testing.T) {
	s := emulatortest.Start(t)
	ctx := context.Background()
	c := s.Client
	addr := trackedGroup(t, ctx, c)
	group := func() autoscaling.GroupDetail { return groupWeb(t, ctx, c) }
	dump := func() string { return scalingDump(t, ctx, c) }
	untilDeadline(t, "1 healthy", func() bool { g := group(); return g.Healthy == 1 && len(g.Instances) == 1 }, dump)

	// 5 a second is 300 a minute on one target: ceil(1 * 300 / 120) = 3.
	// Bounded: 5 minutes' worth at most, the wait below ends with it. The
	// load starts first, so that every sample the policy takes has it.
	start := time.Now()
	traffic, err := loadgen.Start(ctx, loadgen.Config{Name: "policy", URL: "http://" + addr + "/", Freq: 5, Per: time.Second, Requests: 1500})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.PutPolicy(ctx, "web", autoscaling.PolicySpec{TargetRequestsPerTarget: 120})
	if err != nil {
		t.Fatal(err)
	}
	if g.Policy == nil || g.Policy.Metric != autoscaling.MetricRequestCountPerTarget {
		t.Fatalf("policy: %+v", g.Policy)
	}
	untilDeadline(t, "scaled out under load", func() bool {
		if !traffic.Running() {
			t.Fatalf("%d requests sent and the group never scaled out\n%s", len(traffic.Records()), dump())
		}
		return group().Desired == 3
	}, dump)
	t.Logf("scaled out to 3 %s after the load started", time.Since(start).Round(100*time.Millisecond))
	untilDeadline(t, "3 healthy under load", func() bool { g := group(); return g.Healthy == 3 && len(g.Instances) == 3 }, dump)
	traffic.Stop()
	if n, first := failures(traffic.Records()); n > 0 {
		t.Errorf("%d of %d requests failed while the group scaled out; the first: %s", n, len(traffic.Records()), first)
	}

	stopped := time.Now()
	untilDeadline(t, "scaled in with no load", func() bool { g := group(); return g.Desired == 1 && len(g.Instances) == 1 }, dump)
	t.Logf("scaled in to 1 %s after the load stopped (%d requests sent)", time.Since(stopped).Round(100*time.Millisecond), len(traffic.Records()))

	out, in := scalingEvents(t, ctx, c)
	t.Logf("%s\n%s", out, in)
	if !strings.Contains(out, "scaling out from 1 to ") || !strings.Contains(out, "requests per target per minute, target 120") {
		t.Errorf("scale-out event: %q", out)
	}
	if !strings.Contains(in, "scaling in from 3 to 1 (min 1): 0 requests per target per minute, target 120") {
		t.Errorf("scale-in event: %q", in)
	}
}

// trackedGroup makes group web of 1 to 3 instances of the demo behind
// load balancer web, with ELB health checks, and returns the load
// balancer's address.
func trackedGroup(t *testing.T, ctx context.Context, c *api.Client) string {
	t.Helper()
	lbRec, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{
		Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"}}}); err != nil {
		t.Fatal(err)
	}
	one := 1
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web", Min: 1, Max: 3, Desired: &one,
		LoadBalancer: "web", HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	return lbRec.Address
}

func groupWeb(t *testing.T, ctx context.Context, c *api.Client) autoscaling.GroupDetail {
	t.Helper()
	g, err := c.Group(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// scalingDump tells group web's capacity and its events, for a failure.
func scalingDump(t *testing.T, ctx context.Context, c *api.Client) string {
	t.Helper()
	var b strings.Builder
	g := groupWeb(t, ctx, c)
	fmt.Fprintf(&b, "group: desired %d, %d instances, %d healthy, metric %+v\n", g.Desired, len(g.Instances), g.Healthy, g.Metric)
	evs, _ := c.Events(ctx, 0, 0)
	for _, e := range evs {
		if strings.HasPrefix(e.Kind, "group.") {
			fmt.Fprintf(&b, "  %s %-14s %s\n", e.Time.Local().Format("15:04:05.000"), e.Kind, e.Message)
		}
	}
	return b.String()
}

// scalingEvents are the messages of the policy's first scale-out and last
// scale-in.
func scalingEvents(t *testing.T, ctx context.Context, c *api.Client) (out, in string) {
	t.Helper()
	evs, err := c.Events(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Kind == autoscaling.EventGroupScale && e.Fields["reason"] != "" {
			if strings.Contains(e.Message, "scaling out") && out == "" {
				out = e.Message
			}
			if strings.Contains(e.Message, "scaling in") {
				in = e.Message
			}
		}
	}
	return out, in
}
