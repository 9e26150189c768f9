package lb

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFirstHealthCheckRunsAtOnce(t *testing.T) {
	// With an hour between checks, only a check made at registration can
	// make the target healthy.
	hc := testCheck
	hc.Interval, hc.Timeout, hc.HealthyThreshold = time.Hour, time.Second, 1
	g := newGroup(t, TargetGroupConfig{HealthCheck: hc})
	b := newBackend(t, "i-a")
	register(t, g, b)
	waitState(t, g, StateHealthy, "i-a")
}

func TestNewTargetIsInitialUntilThresholdPasses(t *testing.T) {
	hc := testCheck
	hc.Interval, hc.Timeout, hc.HealthyThreshold = time.Hour, time.Second, 2
	g := newGroup(t, TargetGroupConfig{HealthCheck: hc})
	b := newBackend(t, "i-a")
	register(t, g, b)
	eventually(t, "initial health checking", func() bool {
		return healthOf(g, "i-a").Reason == ReasonInitialHealthChecking
	})
	// One check passed, the next is an hour away: still initial.
	time.Sleep(100 * time.Millisecond)
	if h := healthOf(g, "i-a"); h.State != StateInitial {
		t.Fatalf("after one passed check of two: state %s, want initial", h.State)
	}
}

// recordStates polls a target's state and keeps each change, until stop.
func recordStates(g *TargetGroup, id string) (stop func() []TargetState) {
	var (
		mu   sync.Mutex
		seen []TargetState
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		s := stateOf(g, id)
		mu.Lock()
		if s != "" && (len(seen) == 0 || seen[len(seen)-1] != s) {
			seen = append(seen, s)
		}
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			sample()
			select {
			case <-done:
				// A last look: on a loaded machine this goroutine may not
				// have run since the test saw the final state.
				sample()
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() []TargetState {
		close(done)
		wg.Wait()
		return seen
	}
}

func TestUnhealthyTargetLeavesRotationAndComesBack(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	a, b := newBackend(t, "i-a"), newBackend(t, "i-b")
	stop := recordStates(g, "i-a")
	register(t, g, a, b)
	waitState(t, g, StateHealthy, "i-a", "i-b")
	l := startLB(t, Config{}, Forward{Group: g})
	c := newClient()

	a.healthStatus.Store(http.StatusInternalServerError)
	waitState(t, g, StateUnhealthy, "i-a")
	h := healthOf(g, "i-a")
	if h.Reason != ReasonResponseCodeMismatch || !strings.Contains(h.Description, "500") {
		t.Errorf("unhealthy reason %q %q, want %s naming code 500", h.Reason, h.Description, ReasonResponseCodeMismatch)
	}
	for range 20 {
		if r := get(t, c, l, "/"); r.target != "i-b" || r.status != 200 {
			t.Fatalf("while i-a is unhealthy: %d from %q, want 200 from i-b", r.status, r.target)
		}
	}

	a.healthStatus.Store(http.StatusOK)
	waitState(t, g, StateHealthy, "i-a")
	served := map[string]int{}
	for range 20 {
		served[get(t, c, l, "/").target]++
	}
	if served["i-a"] != 10 || served["i-b"] != 10 {
		t.Errorf("after recovery: served %v, want 10 each", served)
	}
	got := stop()
	want := []TargetState{StateInitial, StateHealthy, StateUnhealthy, StateHealthy}
	if strings.Join(statesToStrings(got), ",") != strings.Join(statesToStrings(want), ",") {
		t.Errorf("state sequence %v, want %v", got, want)
	}
}

func statesToStrings(ss []TargetState) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

func TestUnhealthyNeedsThresholdFailures(t *testing.T) {
	// Fail UnhealthyThreshold-1 checks in a row, then pass: the target must
	// never leave healthy.
	hc := testCheck
	hc.UnhealthyThreshold = 3
	g := newGroup(t, TargetGroupConfig{HealthCheck: hc})
	var mu sync.Mutex
	failNext, passed := 0, 0
	register := serverTarget(t, "i-a", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if failNext > 0 {
			failNext--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		passed++
	})
	if err := g.Register(register); err != nil {
		t.Fatal(err)
	}
	waitState(t, g, StateHealthy, "i-a")
	stop := recordStates(g, "i-a")
	mu.Lock()
	failNext, passed = 2, 0
	mu.Unlock()
	eventually(t, "two failed checks, then two passed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failNext == 0 && passed >= 2
	})
	if got := stop(); len(got) != 1 || got[0] != StateHealthy {
		t.Fatalf("states %v after 2 failures with threshold 3, want only healthy", got)
	}
}

func TestHealthReasons(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		g := newGroup(t, TargetGroupConfig{})
		slow := serverTarget(t, "i-slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		})
		if err := g.Register(slow); err != nil {
			t.Fatal(err)
		}
		waitState(t, g, StateUnhealthy, "i-slow")
		if h := healthOf(g, "i-slow"); h.Reason != ReasonTimeout {
			t.Errorf("reason %q, want %s", h.Reason, ReasonTimeout)
		}
	})
	t.Run("refused", func(t *testing.T) {
		g := newGroup(t, TargetGroupConfig{})
		if err := g.Register(Target{ID: "i-gone", Address: closedPort(t)}); err != nil {
			t.Fatal(err)
		}
		waitState(t, g, StateUnhealthy, "i-gone")
		if h := healthOf(g, "i-gone"); h.Reason != ReasonFailedHealthChecks || !strings.Contains(h.Description, "refused") {
			t.Errorf("reason %q %q, want %s saying refused", h.Reason, h.Description, ReasonFailedHealthChecks)
		}
	})
}

func TestHealthCheckPortAndMatcher(t *testing.T) {
	traffic := newBackend(t, "i-a")
	traffic.healthStatus.Store(http.StatusNotFound) // the traffic port fails checks
	admin := newBackend(t, "admin")
	admin.healthStatus.Store(http.StatusNoContent)
	_, port, _ := strings.Cut(admin.srv.Listener.Addr().String(), "127.0.0.1:")
	hc := testCheck
	hc.Matcher = "200,204"
	hc.Port, _ = strconv.Atoi(port)
	g := newGroup(t, TargetGroupConfig{HealthCheck: hc})
	register(t, g, traffic)
	waitState(t, g, StateHealthy, "i-a")

	// Changing the matcher takes effect on the running checks.
	hc.Matcher = "200"
	if err := g.Update(TargetGroupConfig{HealthCheck: hc}); err != nil {
		t.Fatal(err)
	}
	waitState(t, g, StateUnhealthy, "i-a")
}

func TestRegisterIsIdempotent(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	b := newBackend(t, "i-a")
	register(t, g, b)
	waitState(t, g, StateHealthy, "i-a")
	since := healthOf(g, "i-a").Since
	register(t, g, b)
	if hs := g.Health(); len(hs) != 1 || hs[0].State != StateHealthy || !hs[0].Since.Equal(since) {
		t.Fatalf("after registering again: %+v, want the one healthy target unchanged", hs)
	}
}

func TestDeregisterUnknownTargetReturnsClosedChannel(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	select {
	case <-g.Deregister("i-nope"):
	default:
		t.Fatal("channel for an unknown target is not closed")
	}
}

func TestDeregisteredTargetIsDrainingThenUnused(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{DeregistrationDelay: time.Minute})
	b := newBackend(t, "i-a")
	register(t, g, b)
	waitState(t, g, StateHealthy, "i-a")
	done := g.Deregister("i-a")
	<-done // nothing in flight: finishes long before the delay
	h := healthOf(g, "i-a")
	if h.State != StateUnused || h.Reason != ReasonNotRegistered {
		t.Fatalf("after draining: %s %s, want unused %s", h.State, h.Reason, ReasonNotRegistered)
	}
	select {
	case <-g.Deregister("i-a"):
	default:
		t.Fatal("deregistering an unused target again does not return a closed channel")
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []TargetGroupConfig{
		{Name: ""},
		{Name: "x", SlowStart: time.Second, Algorithm: LeastOutstandingRequests},
		{Name: "x", HealthCheck: HealthCheck{Interval: time.Second, Timeout: 2 * time.Second}},
		{Name: "x", HealthCheck: HealthCheck{Matcher: "200-199"}},
		{Name: "x", HealthCheck: HealthCheck{Matcher: "ok"}},
		{Name: "x", HealthCheck: HealthCheck{Matcher: "600"}},
		{Name: "x", HealthCheck: HealthCheck{Path: "healthz"}},
		{Name: "x", Algorithm: "random"},
		{Name: "x", DeregistrationDelay: -time.Second},
	}
	for _, cfg := range bad {
		if _, err := NewTargetGroup(cfg); err == nil {
			t.Errorf("NewTargetGroup(%+v) accepted a bad config", cfg)
		}
	}
	g := newGroup(t, TargetGroupConfig{})
	for _, addr := range []string{"172.17.0.2:8080", "10.0.0.1:80", "127.0.0.1", "127.0.0.1:0"} {
		if err := g.Register(Target{ID: "i-x", Address: addr}); err == nil {
			t.Errorf("Register accepted address %q", addr)
		}
	}
}

func TestMatcher(t *testing.T) {
	cases := []struct {
		matcher string
		pass    []int
		fail    []int
	}{
		{"200", []int{200}, []int{201, 204, 500}},
		{"200-299", []int{200, 204, 299}, []int{199, 300, 404}},
		{"200,204", []int{200, 204}, []int{201, 203}},
		{"200, 301-302", []int{200, 301, 302}, []int{303}},
	}
	for _, c := range cases {
		m, err := parseMatcher(c.matcher)
		if err != nil {
			t.Fatalf("%q: %v", c.matcher, err)
		}
		for _, code := range c.pass {
			if !m.match(code) {
				t.Errorf("%q does not match %d", c.matcher, code)
			}
		}
		for _, code := range c.fail {
			if m.match(code) {
				t.Errorf("%q matches %d", c.matcher, code)
			}
		}
	}
}
