package autoscaling_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/scenarios/loadgen"
)

// startWeb starts a sandbox, as the daemon runs, with template web: v1,
// v2, and a v3 whose health check fails.
func startWeb(t *testing.T) *emulatortest.Sandbox {
	t.Helper()
	return addWebTemplates(t, emulatortest.Start(t))
}

func addWebTemplates(t *testing.T, s *emulatortest.Sandbox) *emulatortest.Sandbox {
	t.Helper()
	ctx := context.Background()
	for i, env := range []map[string]string{
		{"DEMO_VERSION": "v1"}, {"DEMO_VERSION": "v2"}, {"DEMO_VERSION": "v3", "DEMO_FAIL_HEALTH": "1"},
	} {
		data := compute.TemplateData{Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"}, Env: env}
		var err error
		if i == 0 {
			_, err = s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: data})
		} else {
			_, err = s.Client.CreateVersion(ctx, "web", api.CreateVersionRequest{TemplateData: data})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// startLoad sends requests through the load balancer at a fixed rate
// until stopped.
func startLoad(t *testing.T, addr string) *loadgen.Load {
	t.Helper()
	l, err := loadgen.Start(context.Background(), loadgen.Config{Name: "refresh", URL: "http://" + addr + "/", Freq: 400, Per: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// failures counts the requests that got no 200 OK, and tells the first.
func failures(recs []loadgen.Record) (n int, first string) {
	for _, r := range recs {
		if r.Status == http.StatusOK {
			continue
		}
		if n == 0 {
			first = r.Outcome() + " " + r.Error
		}
		n++
	}
	return n, first
}

func webGroup(t *testing.T, c *api.Client) autoscaling.GroupDetail {
	t.Helper()
	g, err := c.Group(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func refreshTo(t *testing.T, c *api.Client, spec autoscaling.RefreshSpec) autoscaling.Refresh {
	t.Helper()
	ctx := context.Background()
	r, err := c.StartRefresh(ctx, "web", spec)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "refresh "+r.ID, 3*time.Minute, func() bool {
		rs, err := c.Refreshes(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		r = rs[0]
		return autoscaling.Done(r.Status)
	})
	return r
}

func versions(g autoscaling.GroupDetail) map[int]int {
	out := map[int]int{}
	for _, i := range g.Instances {
		out[i.TemplateVersion]++
	}
	return out
}

// TestIntegrationRefreshRollbackAndSelfHealingUnderLoad is the judged
// path: a group of 4 behind a real load balancer, under constant traffic,
// refreshed to v2 at min healthy 50; then to a v3 whose health check
// fails, with auto rollback; then a container removed behind its back.
func TestIntegrationRefreshRollbackAndSelfHealingUnderLoad(t *testing.T) {
	s := startWeb(t)
	c := s.Client
	ctx := context.Background()
	lbRec, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	four := 4
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web", Min: 2, Max: 8, Desired: &four,
		LoadBalancer: "web", HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "4 healthy", time.Minute, func() bool { g := webGroup(t, c); return g.Healthy == 4 && len(g.Instances) == 4 })

	traffic := startLoad(t, lbRec.Address)
	start := time.Now()
	r := refreshTo(t, c, autoscaling.RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intPtr(50)})
	took := time.Since(start)
	if r.Status != autoscaling.RefreshSuccessful {
		t.Fatalf("refresh to v2: %s %s", r.Status, r.StatusReason)
	}
	if v := versions(webGroup(t, c)); v[2] != 4 {
		t.Fatalf("after the refresh to v2: versions %v", v)
	}
	t.Logf("refresh of 4 at min healthy 50%%: %s", took.Round(100*time.Millisecond))
	if testing.Verbose() {
		evs, _ := c.Events(ctx, 0, 0)
		for _, e := range evs {
			if e.Time.After(start.Add(-time.Second)) {
				t.Logf("%s %-18s %s", e.Time.Local().Format("15:04:05.000"), e.Kind, e.Message)
			}
		}
	}

	r = refreshTo(t, c, autoscaling.RefreshSpec{TemplateVersion: "3", MinHealthyPercentage: intPtr(50), AutoRollback: true})
	if r.Status != autoscaling.RefreshRollbackSuccessful {
		t.Fatalf("refresh to the failing v3: %s %s", r.Status, r.StatusReason)
	}
	testutil.WaitFor(t, "4 healthy on v2", time.Minute, func() bool { g := webGroup(t, c); return g.Healthy == 4 && versions(g)[2] == 4 })
	traffic.Stop()
	recs := traffic.Records()
	n, first := failures(recs)
	if n > 0 {
		t.Errorf("%d of %d requests failed during the refresh and the rollback; the first: %s", n, len(recs), first)
	}
	t.Logf("%d requests, %d failed", len(recs), n)

	// docker rm -f of an instance: the group replaces it.
	victim := webGroup(t, c).Instances[0]
	if err := s.Runtime.Remove(ctx, victim.ContainerID, true); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, "the removed instance replaced", time.Minute, func() bool {
		g := webGroup(t, c)
		for _, i := range g.Instances {
			if i.ID == victim.ID {
				return false
			}
		}
		return g.Healthy == 4 && len(g.Instances) == 4
	})
}

func intPtr(n int) *int { return &n }
