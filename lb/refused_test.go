package lb

import (
	"net/http"
	"testing"
)

// A target whose process died refuses connections before its health checks
// notice; requests it refuses go to another target instead of failing.
func TestRefusedRequestGoesToAnotherTarget(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	live := newBackend(t, "live")
	register(t, g, live)
	waitState(t, g, StateHealthy, "live")
	dead := addHealthy(g, "dead")
	dead.address = closedPort(t)
	l := startLB(t, Config{}, Forward{Group: g, Weight: 1})
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
