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
	g := newGroup(t, TargetGroupConfig{})
	live := newBackend(t, "live")
	register(t, g, live)
	waitState(t, g, StateHealthy, "live")
	dead := addHealthy(g, "dead")
	dead.address = hangUpPort(t)
	l := startLB(t, Config{}, Forward{Group: g, Weight: 1})
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
