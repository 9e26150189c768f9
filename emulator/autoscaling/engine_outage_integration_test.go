package autoscaling_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// engineOutage is how long the line to the engine stays cut.
const engineOutage = 20 * time.Second

// TestIntegrationRefreshSurvivesTheEngineGoingAway cuts the daemon's line
// to the engine in the middle of a refresh under load: the API keeps
// answering (503 EngineUnavailable for what needs the engine), nothing is
// failed or marked unhealthy for the engine's absence, and once the line
// is back the refresh finishes, with no request lost and nothing leaked.
func TestIntegrationRefreshSurvivesTheEngineGoingAway(t *testing.T) {
	proxy := testutil.StartEngineProxy(t)
	s := addWebTemplates(t, emulatortest.StartOn(t, proxy.Host()))
	t.Cleanup(func() { _ = proxy.Restore() }) // before the sandbox's teardown
	c := s.Client
	ctx := context.Background()
	// Version 4 serves as v3, made from the healthy version 2 (version 3
	// fails its health check).
	if _, err := c.CreateVersion(ctx, "web", api.CreateVersionRequest{From: "2", TemplateData: compute.TemplateData{Env: map[string]string{"DEMO_VERSION": "v3"}}}); err != nil {
		t.Fatal(err)
	}
	lbRec, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	three := 3
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web", Min: 1, Max: 6, Desired: &three,
		LoadBalancer: "web", HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "3 healthy", 2*time.Minute, func() bool { g := webGroup(t, c); return g.Healthy == 3 && len(g.Instances) == 3 })
	traffic := startLoadAt(t, lbRec.Address, 50)

	start := time.Now()
	if r := refreshTo(t, c, autoscaling.RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intPtr(50)}); r.Status != autoscaling.RefreshSuccessful {
		t.Fatalf("refresh to v2 without a cut: %s %s", r.Status, r.StatusReason)
	}
	t.Logf("refresh of 3 without a cut: %s", time.Since(start).Round(100*time.Millisecond))

	start = time.Now()
	r, err := c.StartRefresh(ctx, "web", autoscaling.RefreshSpec{TemplateVersion: "4", MinHealthyPercentage: intPtr(50)})
	if err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "a v4 instance launched", 2*time.Minute, func() bool { return versions(webGroup(t, c))[4] >= 1 })
	proxy.Cut()
	cutAt := time.Now()
	checkDuringOutage(t, c, r.ID, cutAt)
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	t.Logf("engine cut for %s", time.Since(cutAt).Round(100*time.Millisecond))

	r = waitRefreshDone(t, c, r.ID)
	if r.Status != autoscaling.RefreshSuccessful {
		t.Fatalf("refresh to v4 across the cut: %s %s", r.Status, r.StatusReason)
	}
	t.Logf("refresh of 3 with a %s cut: %s", engineOutage, time.Since(start).Round(100*time.Millisecond))
	testutil.WaitFor(t, "3 healthy on v4", 2*time.Minute, func() bool { g := webGroup(t, c); return g.Healthy == 3 && versions(g)[4] == 3 })
	traffic.Stop()
	recs := traffic.Records()
	n, first := failures(recs)
	t.Logf("%d requests through the load balancer, %d failed", len(recs), n)
	if n > 0 {
		t.Errorf("%d of %d requests failed; the first: %s", n, len(recs), first)
	}
	testutil.WaitFor(t, "one container for each live instance and none more", 2*time.Minute, func() bool {
		return containersMatchInstances(t, s) == ""
	})
}

// checkDuringOutage holds the cut for engineOutage, checking that the API
// answers from its state, answers 503 at once for what needs the engine,
// and that neither the refresh nor any instance pays for the outage.
func checkDuringOutage(t *testing.T, c *api.Client, refreshID string, cutAt time.Time) {
	t.Helper()
	ctx := context.Background()
	g := webGroup(t, c)
	asked := time.Now()
	_, err := c.Logs(ctx, g.Instances[0].ID, 10)
	took := time.Since(asked)
	if !errors.Is(err, errdefs.ErrUnavailable) {
		t.Errorf("instance logs during the cut: %v, want EngineUnavailable", err)
	}
	t.Logf("instance logs answered %v in %s", err, took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("instance logs took %s to say the engine is unavailable", took)
	}
	asked = time.Now()
	_, err = c.RunInstances(ctx, api.RunInstancesRequest{Template: "web"})
	took = time.Since(asked)
	if !errors.Is(err, errdefs.ErrUnavailable) {
		t.Errorf("instances run during the cut: %v, want EngineUnavailable", err)
	}
	t.Logf("instances run answered %v in %s", err, took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("instances run took %s to say the engine is unavailable", took)
	}
	for time.Since(cutAt) < engineOutage {
		if _, err := c.Status(ctx); err != nil {
			t.Errorf("status during the cut: %v", err)
		}
		rs, err := c.Refreshes(ctx, "web")
		if err != nil {
			t.Fatalf("refreshes during the cut: %v", err)
		}
		if rs[0].ID != refreshID || autoscaling.Done(rs[0].Status) {
			t.Fatalf("refresh %s during the cut: %s %s", rs[0].ID, rs[0].Status, rs[0].StatusReason)
		}
		insts, err := c.Instances(ctx)
		if err != nil {
			t.Fatalf("instances during the cut: %v", err)
		}
		for _, i := range insts {
			if i.TerminatedAt != nil && i.TerminatedAt.After(cutAt) && !strings.Contains(i.StateReason, "refresh") {
				t.Fatalf("instance %s terminated during the cut: %s", i.ID, i.StateReason)
			}
		}
		time.Sleep(time.Second)
	}
}

// containersMatchInstances tells what is wrong between the engine's
// instance containers and the live instances, or "".
func containersMatchInstances(t *testing.T, s *emulatortest.Sandbox) string {
	t.Helper()
	ctx := context.Background()
	cs, err := s.Runtime.List(ctx, map[string]string{sandbox.LabelSandbox: s.Name, sandbox.LabelRole: compute.RoleInstance})
	if err != nil {
		t.Fatal(err)
	}
	insts, err := s.Client.Instances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owned := map[string]int{}
	for _, ct := range cs {
		owned[ct.Labels[sandbox.LabelInstance]]++
	}
	live := map[string]bool{}
	for _, i := range insts {
		if !i.Live() {
			continue
		}
		live[i.ID] = true
		if owned[i.ID] != 1 {
			return i.ID + " has " + strconv.Itoa(owned[i.ID]) + " containers"
		}
	}
	for id := range owned {
		if !live[id] {
			return "a container of " + id + ", which is not live"
		}
	}
	return ""
}

// startLoadAt sends rate requests a second through the load balancer.
func startLoadAt(t *testing.T, addr string, rate int) *loadgen.Load {
	t.Helper()
	l, err := loadgen.Start(context.Background(), loadgen.Config{Name: "outage", URL: "http://" + addr + "/", Freq: rate, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Stop)
	return l
}

func waitRefreshDone(t *testing.T, c *api.Client, id string) autoscaling.Refresh {
	t.Helper()
	var r autoscaling.Refresh
	testutil.WaitFor(t, "refresh "+id, 5*time.Minute, func() bool {
		rs, err := c.Refreshes(context.Background(), "web")
		if err != nil {
			t.Fatal(err)
		}
		r = rs[0]
		return autoscaling.Done(r.Status)
	})
	return r
}
