package lb

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNoTargetsIs503(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	l := startLB(t, Config{}, Forward{Group: g})
	r := get(t, newClient(), l, "/")
	if r.status != http.StatusServiceUnavailable || r.target != "" {
		t.Fatalf("no targets: %d from %q, want 503 from no target", r.status, r.target)
	}
	if s := l.Stats(); s.Errors[CauseNoTargets] != 1 || s.Responses["5xx"] != 1 {
		t.Errorf("stats errors %v responses %v, want one no_targets 5xx", s.Errors, s.Responses)
	}
	// No forwards at all is the same.
	l.SetForwards()
	if r := get(t, newClient(), l, "/"); r.status != http.StatusServiceUnavailable {
		t.Fatalf("no forwards: %d, want 503", r.status)
	}
}

func TestRefusedConnectionIs502(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	if err := g.Register(Target{ID: "i-gone", Address: closedPort(t)}); err != nil {
		t.Fatal(err)
	}
	waitState(t, g, StateUnhealthy, "i-gone") // then the group fails open to it
	l := startLB(t, Config{}, Forward{Group: g})
	r := get(t, newClient(), l, "/")
	if r.status != http.StatusBadGateway || r.target != "i-gone" || !strings.Contains(r.body, "refused") {
		t.Fatalf("refused target: %d from %q %q, want 502 from i-gone saying refused", r.status, r.target, r.body)
	}
	s := settledStats(t, l)
	if s.Errors[CauseConnect] != 1 || s.Targets["i-gone"].Errors[CauseConnect] != 1 {
		t.Errorf("stats errors %v, target %+v, want one connect error", s.Errors, s.Targets["i-gone"])
	}
}

func TestHangingTargetIs504(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	hang := make(chan struct{})
	defer close(hang)
	tgt := serverTarget(t, "i-hang", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			return
		}
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})
	if err := g.Register(tgt); err != nil {
		t.Fatal(err)
	}
	waitState(t, g, StateHealthy, "i-hang")
	l := startLB(t, Config{TargetTimeout: 200 * time.Millisecond}, Forward{Group: g})
	r := get(t, newClient(), l, "/")
	if r.status != http.StatusGatewayTimeout || r.target != "i-hang" {
		t.Fatalf("hanging target: %d from %q, want 504 from i-hang", r.status, r.target)
	}
	if s := settledStats(t, l); s.Errors[CauseTimeout] != 1 {
		t.Errorf("stats errors %v, want one timeout", s.Errors)
	}
}

func TestClientCancelReachesTarget(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	started, cancelled := make(chan struct{}, 1), make(chan struct{}, 1)
	tgt := serverTarget(t, "i-a", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			return
		}
		started <- struct{}{}
		select {
		case <-r.Context().Done():
			cancelled <- struct{}{}
		case <-time.After(20 * time.Second):
		}
	})
	if err := g.Register(tgt); err != nil {
		t.Fatal(err)
	}
	waitState(t, g, StateHealthy, "i-a")
	l := startLB(t, Config{}, Forward{Group: g})

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := tryGet(ctx, newClient(), l, "/", nil)
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("client error %v, want context.Canceled", err)
	}
	select {
	case <-cancelled:
	case <-time.After(20 * time.Second):
		t.Fatal("the target never saw its request cancelled")
	}
	eventually(t, "the cancel to be counted", func() bool { return l.Stats().Errors[CauseClientCancel] == 1 })
	s := l.Stats()
	if s.Responses["5xx"] != 0 || s.Requests != 1 || s.Targets["i-a"].Errors[CauseClientCancel] != 1 {
		t.Errorf("stats after a cancel: requests %d responses %v target %+v, want 1 request, no 5xx, a client_cancel", s.Requests, s.Responses, s.Targets["i-a"])
	}
}

func TestProxyPassesRequestThrough(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	type seen struct{ host, xff, path, method, body string }
	got := make(chan seen, 1)
	tgt := serverTarget(t, "i-a", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			return
		}
		body, _ := io.ReadAll(r.Body)
		got <- seen{r.Host, r.Header.Get("X-Forwarded-For"), r.URL.RequestURI(), r.Method, string(body)}
		w.Header().Set("X-App", "demo")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("made"))
	})
	if err := g.Register(tgt); err != nil {
		t.Fatal(err)
	}
	waitState(t, g, StateHealthy, "i-a")
	l := startLB(t, Config{}, Forward{Group: g})

	req, _ := http.NewRequest(http.MethodPost, "http://"+l.Addr()+"/things?x=1", strings.NewReader("payload"))
	req.Host = "shop.example"
	resp, err := newClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	s := <-got
	if s.host != "shop.example" || s.xff != "127.0.0.1" || s.path != "/things?x=1" || s.method != "POST" || s.body != "payload" {
		t.Errorf("target saw %+v", s)
	}
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("X-App") != "demo" || resp.Header.Get(TargetHeader) != "i-a" {
		t.Errorf("client got %d headers %v", resp.StatusCode, resp.Header)
	}
}

func TestStatsCountRequests(t *testing.T) {
	g := newGroup(t, TargetGroupConfig{})
	ok := serverTarget(t, "i-a", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
		}
	})
	if err := g.Register(ok); err != nil {
		t.Fatal(err)
	}
	l := startLB(t, Config{}, Forward{Group: g})
	c := newClient()
	get(t, c, l, "/") // 503: the target is still initial
	waitState(t, g, StateHealthy, "i-a")
	for range 7 {
		get(t, c, l, "/")
	}
	for range 3 {
		get(t, c, l, "/missing")
	}
	s := settledStats(t, l)
	if s.Requests != 11 || s.Responses["2xx"] != 7 || s.Responses["4xx"] != 3 || s.Responses["5xx"] != 1 || s.Errors[CauseNoTargets] != 1 {
		t.Errorf("requests %d responses %v errors %v, want 11 = 7 2xx + 3 4xx + 1 no_targets 5xx", s.Requests, s.Responses, s.Errors)
	}
	ts := s.Targets["i-a"]
	if ts.Requests != 10 || ts.Responses["2xx"] != 7 || ts.Responses["4xx"] != 3 || ts.Active != 0 {
		t.Errorf("target stats %+v, want 10 = 7 2xx + 3 4xx, none active", ts)
	}
	if s.Latency.Count != 11 || s.Latency.P99() <= 0 || s.Latency.P50() > s.Latency.P99() {
		t.Errorf("latency count %d p50 %s p99 %s", s.Latency.Count, s.Latency.P50(), s.Latency.P99())
	}
	if s.ActiveConnections < 1 {
		t.Errorf("active connections %d, want the client's kept-alive connection", s.ActiveConnections)
	}
}
