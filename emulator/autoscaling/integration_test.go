package autoscaling_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
	"github.com/cattle-dev/cattle/store"
)

// realPlane is compute, the load balancers and the groups on the real
// engine, wired as the daemon wires them.
type realPlane struct {
	rt     *docker.Runtime
	comp   *compute.Service
	lbs    *elb.Service
	groups *autoscaling.Service
	db     *store.DB
}

func startRealPlane(t *testing.T) *realPlane {
	t.Helper()
	testutil.SkipIfShort(t)
	ctx := context.Background()
	rt, err := docker.New()
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("it-asg-%d", time.Now().UnixNano()%1_000_000_000)
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	network := "cattle-" + name
	if err := rt.EnsureNetwork(ctx, network, map[string]string{sandbox.LabelSandbox: name}); err != nil {
		t.Fatal(err)
	}
	catalog := images.NewCatalog(db, rt, name, testutil.CattleBinary(t))
	if err := catalog.EnsureBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	p := timing.Fast()
	p.DeregistrationDelay = time.Second
	comp := compute.New(compute.Config{DB: db, Runtime: rt, Sandbox: name, Network: network, Images: catalog, Profile: p})
	lbs := elb.New(elb.Config{DB: db, Compute: comp, Profile: p})
	groups := autoscaling.New(autoscaling.Config{DB: db, Compute: comp, LB: lbs, Profile: p})
	comp.SetHooks(compute.Hooks{
		BeforeStop: lbs.BeforeStop,
		StateChanged: func(inst compute.Instance) {
			lbs.InstanceChanged(inst)
			groups.Notify()
		},
	})
	if err := lbs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	bg, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); comp.Run(bg, time.Second) }()
	go func() { defer wg.Done(); groups.Run(bg) }()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		lbs.Close(ctx)
		if err := emulator.Teardown(ctx, rt, name, true); err != nil {
			t.Errorf("teardown: %v", err)
		}
		db.Close()
		rt.Close()
	})
	for i, env := range []map[string]string{
		{"DEMO_VERSION": "v1"}, {"DEMO_VERSION": "v2"}, {"DEMO_VERSION": "v3", "DEMO_FAIL_HEALTH": "1"},
	} {
		data := compute.TemplateData{Image: "builtin/demo", Port: 8080, Health: compute.HealthCheck{Path: "/healthz"}, Env: env}
		if i == 0 {
			_, _, err = comp.CreateTemplate(ctx, "web", data)
		} else {
			_, err = comp.CreateVersion(ctx, "web", "", data, false)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return &realPlane{rt: rt, comp: comp, lbs: lbs, groups: groups, db: db}
}

// load sends requests through the load balancer until stopped, counting
// the failed ones.
type load struct {
	ok, failed atomic.Int64
	mu         sync.Mutex
	firstErr   string
	stop       chan struct{}
	wg         sync.WaitGroup
}

func startLoad(addr string, workers int) *load {
	l := &load{stop: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				resp, err := client.Get("http://" + addr + "/")
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %s", resp.Status)
					}
				}
				if err != nil {
					l.failed.Add(1)
					l.mu.Lock()
					if l.firstErr == "" {
						l.firstErr = err.Error()
					}
					l.mu.Unlock()
					continue
				}
				l.ok.Add(1)
			}
		}()
	}
	return l
}

func (l *load) end() { close(l.stop); l.wg.Wait() }

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *realPlane) group(t *testing.T) autoscaling.GroupDetail {
	t.Helper()
	g, err := p.groups.Group(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func (p *realPlane) refreshTo(t *testing.T, spec autoscaling.RefreshSpec) autoscaling.Refresh {
	t.Helper()
	ctx := context.Background()
	r, err := p.groups.StartRefresh(ctx, "web", spec)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "refresh "+r.ID, 3*time.Minute, func() bool {
		rs, err := p.groups.Refreshes(ctx, "web")
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
	p := startRealPlane(t)
	ctx := context.Background()
	lbRec, err := p.lbs.Create(ctx, elb.CreateRequest{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	four := 4
	if _, err := p.groups.CreateGroup(ctx, autoscaling.GroupSpec{Name: "web", Template: "web", Min: 2, Max: 8, Desired: &four,
		LoadBalancer: "web", HealthCheckType: autoscaling.HealthCheckELB}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "4 healthy", time.Minute, func() bool { g := p.group(t); return g.Healthy == 4 && len(g.Instances) == 4 })

	traffic := startLoad(lbRec.Address, 8)
	start := time.Now()
	r := p.refreshTo(t, autoscaling.RefreshSpec{TemplateVersion: "2", MinHealthyPercentage: intPtr(50)})
	took := time.Since(start)
	if r.Status != autoscaling.RefreshSuccessful {
		t.Fatalf("refresh to v2: %s %s", r.Status, r.StatusReason)
	}
	if v := versions(p.group(t)); v[2] != 4 {
		t.Fatalf("after the refresh to v2: versions %v", v)
	}
	t.Logf("refresh of 4 at min healthy 50%%: %s", took.Round(100*time.Millisecond))
	if testing.Verbose() {
		evs, _ := p.db.Events(0, 0)
		for _, e := range evs {
			if e.Time.After(start.Add(-time.Second)) {
				t.Logf("%s %-18s %s", e.Time.Local().Format("15:04:05.000"), e.Kind, e.Message)
			}
		}
	}

	r = p.refreshTo(t, autoscaling.RefreshSpec{TemplateVersion: "3", MinHealthyPercentage: intPtr(50), AutoRollback: true})
	if r.Status != autoscaling.RefreshRollbackSuccessful {
		t.Fatalf("refresh to the failing v3: %s %s", r.Status, r.StatusReason)
	}
	waitFor(t, "4 healthy on v2", time.Minute, func() bool { g := p.group(t); return g.Healthy == 4 && versions(g)[2] == 4 })
	traffic.end()
	if n := traffic.failed.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during the refresh and the rollback; the first: %s", n, n+traffic.ok.Load(), traffic.firstErr)
	}
	t.Logf("%d requests, %d failed", traffic.ok.Load()+traffic.failed.Load(), traffic.failed.Load())

	// docker rm -f of an instance: the group replaces it.
	victim := p.group(t).Instances[0]
	if err := p.rt.Remove(ctx, victim.ContainerID, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the removed instance replaced", time.Minute, func() bool {
		g := p.group(t)
		for _, i := range g.Instances {
			if i.ID == victim.ID {
				return false
			}
		}
		return g.Healthy == 4 && len(g.Instances) == 4
	})
}

func intPtr(n int) *int { return &n }
