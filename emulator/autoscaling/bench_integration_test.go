package autoscaling_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/internal/testutil"
)

// The benchmarks of issue 4. They run only with CATTLE_BENCH=1 (make
// bench), print what they measure and assert no timing.

func benchSandbox(t *testing.T) *emulatortest.Sandbox {
	t.Helper()
	if os.Getenv("CATTLE_BENCH") != "1" {
		t.Skip("benchmark: run with CATTLE_BENCH=1 (make bench)")
	}
	return emulatortest.Start(t)
}

// poll calls cond every 5 ms until it holds (a benchmark measures when it
// starts to); it gives up only near the test binary's deadline.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline, limited := t.Deadline()
	for !cond() {
		if limited && time.Until(deadline) < 30*time.Second {
			t.Fatalf("%s: still not so as the test's deadline nears", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func webTemplates(t *testing.T, c *api.Client) compute.TemplateVersion {
	t.Helper()
	ctx := context.Background()
	d, err := c.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "web", TemplateData: compute.TemplateData{
		Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"}, Env: map[string]string{"DEMO_VERSION": "v1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateVersion(ctx, "web", api.CreateVersionRequest{TemplateData: compute.TemplateData{
		Env: map[string]string{"DEMO_VERSION": "v2"}}}); err != nil {
		t.Fatal(err)
	}
	return d.Versions[0]
}

// refreshParts measures, on this engine, what one batch of a refresh
// cannot go faster than: launching the batch until its instances run,
// the load balancer's health checks until it calls them all healthy, and
// terminating them (deregistration drain, then stop).
func refreshParts(t *testing.T, c *api.Client, batch int) (launch, healthy, drain time.Duration) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "probe"}); err != nil {
		t.Fatal(err)
	}
	var ls, hs, ds []time.Duration
	for range 3 {
		start := time.Now()
		insts, err := c.RunInstances(ctx, api.RunInstancesRequest{Template: "web", Version: "2", Count: batch})
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, time.Since(start))
		ids := make([]string, len(insts))
		for i, inst := range insts {
			if inst.State != compute.StateRunning {
				t.Fatalf("launch: %s is %s: %s", inst.ID, inst.State, inst.StateReason)
			}
			ids[i] = inst.ID
		}

		start = time.Now()
		if err := c.RegisterTargets(ctx, "probe", ids...); err != nil {
			all, _ := c.Instances(ctx)
			for _, i := range all {
				t.Logf("%s %s %s", i.ID, i.State, i.StateReason)
			}
			t.Fatal(err)
		}
		poll(t, "targets healthy", func() bool {
			ts, err := c.Targets(ctx, "probe")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, tg := range ts {
				if tg.State == autoscaling.TargetHealthy && slices.Contains(ids, tg.ID) {
					n++
				}
			}
			return n == len(ids)
		})
		hs = append(hs, time.Since(start))

		start = time.Now()
		if _, err := c.Terminate(ctx, ids...); err != nil {
			t.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	return median(ls), median(hs), median(ds)
}

// TestIntegrationBenchRefresh refreshes a group of 10 at min healthy 50%
// (2 batches of 5) with no warmup, and compares the time it takes with the
// least those settings allow on this engine: batches x (launch + healthy
// + drain), each part measured in the same run.
func TestIntegrationBenchRefresh(t *testing.T) {
	s := benchSandbox(t)
	ctx := context.Background()
	c := s.Client
	webTemplates(t, c)
	const size, minHealthy = 10, 50
	batch := size - (size*minHealthy+99)/100
	batches := (size + batch - 1) / batch

	launch, healthy, drain := refreshParts(t, c, batch)
	least := time.Duration(batches) * (launch + healthy + drain)

	if _, err := c.CreateLoadBalancer(ctx, elb.CreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	n := size
	if _, err := c.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web:1", Min: 0, Max: size, Desired: &n,
		LoadBalancer: "web", HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	poll(t, "10 healthy", func() bool {
		g, err := c.Group(ctx, "web")
		return err == nil && g.Healthy == size && len(g.Instances) == size
	})

	after := lastSeq(t, c)
	start := time.Now()
	r, err := c.StartRefresh(ctx, "web", autoscaling.RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intPtr(minHealthy),
		InstanceWarmup: autoscaling.D(0)})
	if err != nil {
		t.Fatal(err)
	}
	poll(t, "refresh done", func() bool {
		rs, err := c.Refreshes(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		r = rs[0]
		return autoscaling.Done(r.Status)
	})
	took := time.Since(start)
	if r.Status != autoscaling.RefreshSuccessful || testing.Verbose() {
		timeline(t, c, after, start)
	}
	if r.Status != autoscaling.RefreshSuccessful {
		t.Fatalf("refresh %s: %s", r.Status, r.StatusReason)
	}
	t.Logf("parts, median of 3 with %d at once: launch until running %s, health checks until healthy %s, terminate (drain + stop) %s",
		batch, ms(launch), ms(healthy), ms(drain))
	t.Logf("refresh of %d at min healthy %d%% (%d batches of %d, warmup 0): %s; least those settings allow %s; ratio %.2fx (target <= 1.25x)",
		size, minHealthy, batches, batch, ms(took), ms(least), float64(took)/float64(least))
	testutil.RecordBench(t, testutil.BenchSeconds(fmt.Sprintf("refresh-%d", size), "its parts", took, least, 1.25))
}

// TestIntegrationBenchScaleOut scales a group behind a load balancer
// from 0 to 50 until 50 targets are healthy, against 50 `docker run -d`
// of the same image (8 at a time) until each answers, in the same run.
func TestIntegrationBenchScaleOut(t *testing.T) {
	s := benchSandbox(t)
	nanoTemplates(t, s.Client)
	scaleOutServing(t, s, 50)
}

func lastSeq(t *testing.T, c *api.Client) uint64 {
	t.Helper()
	evs, err := c.Events(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Seq
}

// timeline logs the group's events since seq, timed from start: where the
// time went.
func timeline(t *testing.T, c *api.Client, seq uint64, start time.Time) {
	t.Helper()
	evs, err := c.Events(context.Background(), seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range evs {
		if strings.HasPrefix(e.Kind, "group.") || strings.HasPrefix(e.Kind, "refresh.") || strings.HasPrefix(e.Kind, "lb.") ||
			strings.HasPrefix(e.Kind, "instance.") {
			fmt.Fprintf(&b, "  %+8.3fs %-18s %s\n", e.Time.Sub(start).Seconds(), e.Kind, e.Message)
		}
	}
	t.Logf("timeline:\n%s", b.String())
}

func ms(d time.Duration) string { return d.Round(time.Millisecond).String() }
