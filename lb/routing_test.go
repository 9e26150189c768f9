package lb

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"
)

// spread sends n requests from workers concurrent clients and counts them
// by the target that served them; every one must be a 200.
func spread(t *testing.T, l *LoadBalancer, n, workers int) map[string]int {
	t.Helper()
	c := newClient()
	var mu sync.Mutex
	served := map[string]int{}
	var wg sync.WaitGroup
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				r, err := tryGet(context.Background(), c, l, "/", nil)
				mu.Lock()
				if err != nil || r.status != http.StatusOK {
					served["error"]++
				} else {
					served[r.target]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return served
}

func TestRoundRobinSpreadsEvenly(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	bs := []*backend{newBackend(t, "i-a"), newBackend(t, "i-b"), newBackend(t, "i-c")}
	register(t, g, bs...)
	waitState(t, g, StateHealthy, "i-a", "i-b", "i-c")
	l := startLB(t, Config{}, Forward{Group: g})

	served := spread(t, l, 3000, 8)
	for _, b := range bs {
		if n := served[b.id]; n < 900 || n > 1100 {
			t.Errorf("%s served %d of 3000, want 1000 ± 10%% (all: %v)", b.id, n, served)
		}
	}
	if served["error"] > 0 {
		t.Errorf("%d requests failed", served["error"])
	}
}

func TestLeastOutstandingPrefersIdleTarget(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{Algorithm: LeastOutstandingRequests})
	a, b := newBackend(t, "i-a"), newBackend(t, "i-b")
	register(t, g, a, b)
	waitState(t, g, StateHealthy, "i-a", "i-b")
	l := startLB(t, Config{}, Forward{Group: g})
	c := newClient()

	// One request held on whichever target gets it: that target is busy.
	heldDone := make(chan reply, 1)
	go func() {
		r, _ := tryGet(context.Background(), c, l, "/", http.Header{"X-Hold": {"1"}})
		heldDone <- r
	}()
	var busy, idle *backend
	select {
	case <-a.held:
		busy, idle = a, b
	case <-b.held:
		busy, idle = b, a
	case <-time.After(20 * time.Second):
		t.Fatal("held request reached no backend")
	}
	for i := range 10 {
		if r := get(t, c, l, "/"); r.target != idle.id {
			t.Fatalf("request %d went to %q, want the idle %s (%s has one outstanding)", i, r.target, idle.id, busy.id)
		}
	}
	busy.releaseAll()
	if r := <-heldDone; r.status != http.StatusOK || r.target != busy.id {
		t.Errorf("held request: %d from %q, want 200 from %s", r.status, r.target, busy.id)
	}
}

func TestLoadBalancerAlgorithmIsGroupDefault(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{}) // no algorithm: takes the load balancer's
	a, b := newBackend(t, "i-a"), newBackend(t, "i-b")
	register(t, g, a, b)
	waitState(t, g, StateHealthy, "i-a", "i-b")
	l := startLB(t, Config{Algorithm: LeastOutstandingRequests}, Forward{Group: g})
	c := newClient()
	go func() { _, _ = tryGet(context.Background(), c, l, "/", http.Header{"X-Hold": {"1"}}) }()
	idle := b
	select {
	case <-a.held:
	case <-b.held:
		idle = a
	}
	for range 4 {
		if r := get(t, c, l, "/"); r.target != idle.id {
			t.Fatalf("request went to %q, want idle %s under least outstanding requests", r.target, idle.id)
		}
	}
	a.releaseAll()
	b.releaseAll()
}

func TestWeightedForwarding(t *testing.T) {
	blueG := newGroup(t, TargetGroupConfig{Name: "blue"})
	greenG := newGroup(t, TargetGroupConfig{Name: "green"})
	register(t, blueG, newBackend(t, "i-blue"))
	register(t, greenG, newBackend(t, "i-green"))
	waitState(t, blueG, StateHealthy, "i-blue")
	waitState(t, greenG, StateHealthy, "i-green")
	l := startLB(t, Config{}, Forward{Group: blueG, Weight: 0}, Forward{Group: greenG, Weight: 100})

	if served := spread(t, l, 500, 4); served["i-green"] != 500 {
		t.Errorf("weights 0/100: served %v, want all 500 by i-green", served)
	}

	l.SetForwards(Forward{Group: blueG, Weight: 10}, Forward{Group: greenG, Weight: 90})
	served := spread(t, l, 3000, 8)
	// Expect 300 for blue; ±75 is more than 4 standard deviations.
	if n := served["i-blue"]; n < 225 || n > 375 {
		t.Errorf("weights 10/90: blue served %d of 3000, want about 300 (all: %v)", n, served)
	}
	if served["i-blue"]+served["i-green"] != 3000 {
		t.Errorf("weights 10/90: %v, want 3000 served", served)
	}
}

func TestFailOpenWhenNoTargetIsHealthy(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	a, b := newBackend(t, "i-a"), newBackend(t, "i-b")
	a.healthStatus.Store(http.StatusInternalServerError)
	b.healthStatus.Store(http.StatusInternalServerError)
	register(t, g, a, b)
	waitState(t, g, StateUnhealthy, "i-a", "i-b")
	l := startLB(t, Config{}, Forward{Group: g})

	served := spread(t, l, 100, 2)
	if served["i-a"] != 50 || served["i-b"] != 50 {
		t.Fatalf("failing open: served %v, want 50 each", served)
	}
	// One target recovers: it alone gets the traffic.
	a.healthStatus.Store(http.StatusOK)
	waitState(t, g, StateHealthy, "i-a")
	if served := spread(t, l, 50, 2); served["i-a"] != 50 {
		t.Fatalf("one healthy target: served %v, want all by i-a", served)
	}
}

func TestInitialTargetsGetNoTraffic(t *testing.T) {
	hc := testCheck
	hc.HealthyThreshold = 1000 // stays initial
	g := newGroup(t, TargetGroupConfig{HealthCheck: hc})
	b := newBackend(t, "i-a")
	register(t, g, b)
	l := startLB(t, Config{}, Forward{Group: g})
	eventually(t, "health checks under way", func() bool {
		return healthOf(g, "i-a").Reason == ReasonInitialHealthChecking
	})
	if r := get(t, newClient(), l, "/"); r.status != http.StatusServiceUnavailable {
		t.Fatalf("only an initial target: status %d, want 503", r.status)
	}
	if n := b.requests.Load(); n != 0 {
		t.Fatalf("initial target got %d requests, want none", n)
	}
}

func TestSlowStartRampsShareLinearly(t *testing.T) {
	a, b := newTarget(Target{ID: "i-old"}), newTarget(Target{ID: "i-new"})
	start := time.Now()
	r := &routing{
		targets:   []*target{a, b},
		slowEnds:  []time.Time{{}, start.Add(100 * time.Second)},
		slowUntil: start.Add(100 * time.Second),
		slowStart: 100 * time.Second,
	}
	share := func(at time.Duration) float64 {
		n := 0
		for range 20000 {
			if r.slowStartPick(start.Add(at)) == b {
				n++
			}
		}
		return float64(n) / 20000
	}
	// At 25% of the ramp the new target weighs 0.25 against 1: 20% share.
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{{0, 0}, {25 * time.Second, 0.2}, {50 * time.Second, 1.0 / 3}, {100 * time.Second, 0.5}} {
		if got := share(c.at); got < c.want-0.03 || got > c.want+0.03 {
			t.Errorf("share at %s into a 100s slow start: %.3f, want %.3f", c.at, got, c.want)
		}
	}
}

func TestSlowStartAppliesToNewTargetOnly(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{SlowStart: time.Hour})
	old, fresh := newBackend(t, "i-old"), newBackend(t, "i-new")
	register(t, g, old)
	waitState(t, g, StateHealthy, "i-old")
	l := startLB(t, Config{}, Forward{Group: g})
	// The only healthy target takes everything: no slow start for it.
	if served := spread(t, l, 20, 1); served["i-old"] != 20 {
		t.Fatalf("single target: %v", served)
	}
	register(t, g, fresh)
	waitState(t, g, StateHealthy, "i-new")
	// An hour-long ramp has barely begun: the new target gets almost nothing.
	if served := spread(t, l, 400, 4); served["i-new"] > 20 {
		t.Fatalf("new target in a 1h slow start served %d of 400 (%v)", served["i-new"], served)
	}
}
