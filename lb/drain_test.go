package lb

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// holdOne sends a held request and returns which backend holds it and a
// channel with its reply.
func holdOne(t *testing.T, l *LoadBalancer, bs ...*backend) (*backend, <-chan reply) {
	t.Helper()
	done := make(chan reply, 1)
	go func() {
		r, err := tryGet(context.Background(), newClient(), l, "/", http.Header{"X-Hold": {"1"}})
		if err != nil {
			r.body = err.Error()
		}
		done <- r
	}()
	deadline := time.After(20 * time.Second)
	for {
		for _, b := range bs {
			select {
			case <-b.held:
				return b, done
			default:
			}
		}
		select {
		case <-deadline:
			t.Fatal("held request reached no backend")
		case <-time.After(time.Millisecond):
		}
	}
}

func TestInFlightRequestSurvivesDeregistration(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{DeregistrationDelay: time.Minute})
	a, b := newBackend(t, "i-a"), newBackend(t, "i-b")
	register(t, g, a, b)
	waitState(t, g, StateHealthy, "i-a", "i-b")
	l := startLB(t, Config{}, Forward{Group: g})

	busy, heldReply := holdOne(t, l, a, b)
	other := a
	if busy == a {
		other = b
	}
	drained := g.Deregister(busy.id)
	if again := g.Deregister(busy.id); again != drained {
		t.Error("deregistering a draining target again returned another channel")
	}
	if s := stateOf(g, busy.id); s != StateDraining {
		t.Fatalf("state after Deregister %s, want draining", s)
	}
	before := busy.requests.Load()
	c := newClient()
	for range 20 {
		if r := get(t, c, l, "/"); r.target != other.id {
			t.Fatalf("new request went to %q after deregistering %s", r.target, busy.id)
		}
	}
	if n := busy.requests.Load() - before; n != 0 {
		t.Fatalf("draining target got %d new requests", n)
	}
	if isClosed(drained) {
		t.Fatal("drain finished with a request still in flight")
	}
	if got := l.Stats().Targets[busy.id].Active; got != 1 {
		t.Errorf("draining target has %d outstanding requests, want 1", got)
	}

	busy.releaseAll()
	if r := <-heldReply; r.status != http.StatusOK || r.target != busy.id {
		t.Fatalf("in-flight request: %d from %q (%s), want 200 from %s", r.status, r.target, r.body, busy.id)
	}
	select {
	case <-drained:
	case <-time.After(20 * time.Second):
		t.Fatal("drain did not finish after the in-flight request ended")
	}
	if s := stateOf(g, busy.id); s != StateUnused {
		t.Errorf("state after drain %s, want unused", s)
	}
}

func TestDrainEndsAtDeregistrationDelay(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{DeregistrationDelay: 100 * time.Millisecond})
	a := newBackend(t, "i-a")
	register(t, g, a)
	waitState(t, g, StateHealthy, "i-a")
	l := startLB(t, Config{}, Forward{Group: g})

	_, heldReply := holdOne(t, l, a)
	drained := g.Deregister("i-a")
	select {
	case <-drained:
	case <-time.After(20 * time.Second):
		t.Fatal("drain did not end at the deregistration delay")
	}
	if s := stateOf(g, "i-a"); s != StateUnused {
		t.Errorf("state after the delay %s, want unused", s)
	}
	// The load balancer does not cut the request: it still completes.
	a.releaseAll()
	if r := <-heldReply; r.status != http.StatusOK {
		t.Fatalf("request in flight past the delay: %d %s, want 200", r.status, r.body)
	}
}

// steadyLoad sends rate requests per second for d (at most rate*d requests)
// and counts outcomes; stop waits for the last ones.
type loadResult struct {
	ok, bad atomic.Int64
	mu      sync.Mutex
	samples []string
}

func steadyLoad(t *testing.T, l *LoadBalancer, rate int, d time.Duration) *loadResult {
	t.Helper()
	res := &loadResult{}
	c := newClient()
	total := int(float64(rate) * d.Seconds())
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for range total {
		<-tick.C
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r, err := tryGet(context.Background(), c, l, "/", nil)
			if err == nil && r.status == http.StatusOK {
				res.ok.Add(1)
				return
			}
			res.bad.Add(1)
			res.mu.Lock()
			res.samples = append(res.samples, fmt.Sprintf("%d %q %v", r.status, r.body, err))
			res.mu.Unlock()
		}()
	}
	wg.Wait()
	return res
}

func TestDrainUnderLoadHasNoErrors(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{DeregistrationDelay: 30 * time.Second})
	a, b, c := newBackend(t, "i-a"), newBackend(t, "i-b"), newBackend(t, "i-c")
	register(t, g, a, b, c)
	waitState(t, g, StateHealthy, "i-a", "i-b", "i-c")
	l := startLB(t, Config{}, Forward{Group: g})

	drainedAndGone := make(chan struct{})
	var afterDrain atomic.Int64
	go func() {
		defer close(drainedAndGone)
		time.Sleep(time.Second)
		<-g.Deregister("i-b")
		// Drained: terminate the instance, as the control plane would.
		// Any request routed to it from now on would fail.
		afterDrain.Store(b.requests.Load())
		b.srv.Close()
	}()
	res := steadyLoad(t, l, 200, 3*time.Second)
	select {
	case <-drainedAndGone:
	case <-time.After(20 * time.Second):
		t.Fatal("the deregistered target never finished draining")
	}
	if res.bad.Load() != 0 {
		t.Fatalf("%d of %d requests failed during the drain, e.g. %v", res.bad.Load(), res.ok.Load()+res.bad.Load(), res.samples[:min(3, len(res.samples))])
	}
	if n := b.requests.Load() - afterDrain.Load(); n != 0 {
		t.Errorf("the drained target got %d requests after draining", n)
	}
	if b.requests.Load() == 0 || res.ok.Load() != 600 {
		t.Errorf("i-b served %d before its drain; %d requests ok, want 600", b.requests.Load(), res.ok.Load())
	}
}

func TestNoRequestReachesTargetAfterDrain(t *testing.T) {
	// Register and deregister a target again and again under a hammering
	// load; a request reaching it after its drain finished is the race
	// Deregister must not have.
	g := newGroup(t, TargetGroupConfig{DeregistrationDelay: time.Minute})
	stay := newBackend(t, "i-stay")
	register(t, g, stay)
	waitState(t, g, StateHealthy, "i-stay")
	l := startLB(t, Config{}, Forward{Group: g})

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient()
			for i := 0; i < 20000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if r, err := tryGet(context.Background(), c, l, "/", nil); err != nil || r.status != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	for round := range 5 {
		var late atomic.Int64
		var gone atomic.Bool
		id := fmt.Sprintf("i-churn-%d", round)
		tgt := serverTarget(t, id, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" && gone.Load() {
				late.Add(1)
			}
		})
		if err := g.Register(tgt); err != nil {
			t.Fatal(err)
		}
		waitState(t, g, StateHealthy, id)
		time.Sleep(50 * time.Millisecond) // let it take traffic
		<-g.Deregister(id)
		gone.Store(true)
		time.Sleep(50 * time.Millisecond)
		if n := late.Load(); n != 0 {
			t.Errorf("round %d: %d requests reached %s after its drain finished", round, n, id)
		}
		if got := l.Stats().Targets[id].Requests; got == 0 {
			t.Errorf("round %d: %s took no traffic, so the test proved nothing", round, id)
		}
	}
	close(stop)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d requests failed", n)
	}
}

// addHealthy puts a healthy target in g without health checks, so a test
// can churn targets faster than checks would allow.
func addHealthy(g *TargetGroup, id string) *target {
	g.mu.Lock()
	defer g.mu.Unlock()
	t := newTarget(Target{ID: id, Address: "127.0.0.1:1"})
	t.stopChecks = func() {}
	t.setHealth(StateHealthy, "", "")
	g.active[id] = t
	g.rebuildLocked()
	return t
}

func TestAcquireNeverReturnsDrainedTarget(t *testing.T) {
	// The request path against Deregister, without HTTP in between so the
	// race window is as wide as it gets: thousands of deregistrations while
	// pickers spin. A picker holding a target whose drain already finished
	// is the bug.
	g := newGroup(t, TargetGroupConfig{DeregistrationDelay: time.Minute})
	addHealthy(g, "i-stay")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var violations, picks atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				tg := g.acquire(RoundRobin)
				if tg == nil {
					continue
				}
				picks.Add(1)
				if isClosed(tg.drained) {
					violations.Add(1)
				}
				tg.release()
			}
		}()
	}
	for i := range 3000 {
		addHealthy(g, fmt.Sprintf("i-%d", i))
		<-g.Deregister(fmt.Sprintf("i-%d", i))
	}
	close(stop)
	wg.Wait()
	if n := violations.Load(); n != 0 {
		t.Fatalf("%d of %d picks got a target whose drain had finished", n, picks.Load())
	}
}
