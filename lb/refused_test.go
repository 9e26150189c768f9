package lb

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// A target whose process died refuses connections before its health checks
// notice; requests it refuses go to another target instead of failing.
func TestRefusedRequestGoesToAnotherTarget(t *testing.T) {
	l := liveAndDead(t, closedPort(t))
	c := newClient()
	for range 20 {
		r := get(t, c, l, "/")
		if r.status != http.StatusOK || r.target != "live" {
			t.Fatalf("got %d from %q, want 200 from the live target", r.status, r.target)
		}
	}
	st := settledStats(t, l)
	if st.Targets["dead"].Errors[CauseConnect] == 0 {
		t.Fatalf("the dead target was never tried: %+v", st.Targets["dead"])
	}
	if st.Responses["5xx"] != 0 {
		t.Fatalf("clients got 5xx: %+v", st.Responses)
	}
}

// liveAndDead starts a load balancer forwarding to a group of two healthy
// targets: "live", which answers, and "dead", at deadAddr.
func liveAndDead(t *testing.T, deadAddr string) *LoadBalancer {
	t.Helper()
	g := newGroup(t, TargetGroupConfig{})
	live := newBackend(t, "live")
	register(t, g, live)
	waitState(t, g, StateHealthy, "live")
	dead := addHealthy(g, "dead")
	dead.address = deadAddr
	return startLB(t, Config{}, Forward{Group: g, Weight: 1})
}

// With two dead targets, a request one of them did not take goes to the
// live one, never back to a dead one already tried, whichever algorithm.
func TestTwoDeadTargetsAreBothSkipped(t *testing.T) {
	for _, algo := range []Algorithm{RoundRobin, LeastOutstandingRequests} {
		t.Run(string(algo), func(t *testing.T) {
			g := newGroup(t, TargetGroupConfig{})
			live := newBackend(t, "live")
			register(t, g, live)
			waitState(t, g, StateHealthy, "live")
			addHealthy(g, "refusing").address = closedPort(t)
			addHealthy(g, "hanging-up").address = hangUpPort(t)
			l := startLB(t, Config{Algorithm: algo}, Forward{Group: g, Weight: 1})
			c := newClient()
			for range 30 {
				if r := get(t, c, l, "/"); r.status != http.StatusOK || r.target != "live" {
					t.Fatalf("got %d from %q, want 200 from the live target", r.status, r.target)
				}
			}
			st := settledStats(t, l)
			if st.Targets["refusing"].Errors[CauseConnect] == 0 || st.Targets["hanging-up"].Errors[CauseTargetError] == 0 {
				t.Fatalf("a dead target was never tried: %+v", st.Targets)
			}
			if st.Responses["5xx"] != 0 {
				t.Fatalf("clients got 5xx: %+v", st.Responses)
			}
		})
	}
}

// acquireOther never hands back a target already tried, even when the
// algorithm keeps picking one: least outstanding prefers idle dead targets
// to a busy live one.
func TestAcquireOtherSkipsEveryTriedTarget(t *testing.T) {
	for _, algo := range []Algorithm{RoundRobin, LeastOutstandingRequests} {
		g := newGroup(t, TargetGroupConfig{})
		a, b, c := addHealthy(g, "a"), addHealthy(g, "b"), addHealthy(g, "c")
		c.inflight.Add(1)
		for range 20 {
			got := g.acquireOther(algo, []*target{a, b})
			if got != c {
				t.Fatalf("%s: acquired %s after a and b were tried, want c", algo, got.id)
			}
			got.release()
		}
		if got := g.acquireOther(algo, []*target{a, b, c}); got != nil {
			t.Fatalf("%s: acquired %s with every target tried", algo, got.id)
		}
		c.release()
	}
}

// With no other target to go to, a refused request still gets 502.
func TestRefusedWithNoOtherTargetIs502(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	dead := addHealthy(g, "dead")
	dead.address = closedPort(t)
	l := startLB(t, Config{}, Forward{Group: g, Weight: 1})
	if r := get(t, newClient(), l, "/"); r.status != http.StatusBadGateway {
		t.Fatalf("got %d, want 502", r.status)
	}
}

// hangUpPort accepts connections and closes them without answering, as the
// engine's port proxy does once the container behind it is gone.
func hangUpPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 512)
			_, _ = c.Read(buf)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestUnansweredIdempotentRequestGoesToAnotherTarget(t *testing.T) {
	l := liveAndDead(t, hangUpPort(t))
	c := newClient()
	for range 20 {
		if r := get(t, c, l, "/"); r.status != http.StatusOK || r.target != "live" {
			t.Fatalf("got %d from %q, want 200 from the live target", r.status, r.target)
		}
	}
	// A POST may have been acted on: it is not sent twice.
	saw502 := false
	for range 20 {
		resp, err := c.Post("http://"+l.Addr()+"/", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusBadGateway {
			saw502 = true
		}
	}
	if !saw502 {
		t.Fatalf("a POST the dead target hung up on was sent again elsewhere")
	}
}
