package lb

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPortInUseSaysChooseAnother(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, port, _ := net.SplitHostPort(taken.Addr().String())
	l, err := New(Config{Name: "web", Addr: port})
	if err != nil {
		t.Fatal(err)
	}
	err = l.Start()
	if err == nil {
		t.Fatal("Start on a port in use succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "port "+port+" is already in use") || !strings.Contains(msg, "--port") {
		t.Errorf("error %q should name port %s and say to choose another with --port", msg, port)
	}
}

func TestListenAddresses(t *testing.T) {
	for _, addr := range []string{"", "0", ":0", "127.0.0.1:0"} {
		l, err := New(Config{Name: "web", Addr: addr})
		if err != nil {
			t.Fatalf("New with %q: %v", addr, err)
		}
		if err := l.Start(); err != nil {
			t.Fatalf("Start with %q: %v", addr, err)
		}
		if got := l.Addr(); !strings.HasPrefix(got, "127.0.0.1:") || strings.HasSuffix(got, ":0") {
			t.Errorf("Addr with %q = %q, want 127.0.0.1 and a real port", addr, got)
		}
		if err := l.Start(); err == nil {
			t.Error("a second Start succeeded")
		}
		if err := l.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}
	for _, addr := range []string{"0.0.0.0:0", "192.168.1.10:80", "web"} {
		if _, err := New(Config{Name: "web", Addr: addr}); err == nil {
			t.Errorf("New accepted listen address %q", addr)
		}
	}
}

func TestCloseLetsRequestsInFlightFinish(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	a := newBackend(t, "i-a")
	register(t, g, a)
	waitState(t, g, StateHealthy, "i-a")
	l, err := New(Config{Name: "web"}, Forward{Group: g})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	_, heldReply := holdOne(t, l, a)
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		closed <- l.Close(ctx)
	}()
	// The listener goes away at once; the request in flight still ends well.
	eventually(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", l.Addr())
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	a.releaseAll()
	if r := <-heldReply; r.status != http.StatusOK {
		t.Fatalf("request in flight during Close: %d %s", r.status, r.body)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

func TestCloseGivesUpOnHungRequestsAtDeadline(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	a := newBackend(t, "i-a")
	register(t, g, a)
	waitState(t, g, StateHealthy, "i-a")
	l := startLB(t, Config{}, Forward{Group: g})
	_, heldReply := holdOne(t, l, a) // never released before Close
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- l.Close(ctx) }()
	select {
	case err := <-closed:
		if err == nil || !strings.Contains(err.Error(), "still busy") {
			t.Errorf("Close with a hung request: %v, want an error saying connections were busy", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return after its deadline")
	}
	if r := <-heldReply; r.status == http.StatusOK {
		t.Errorf("the cut request still got 200")
	}
}
