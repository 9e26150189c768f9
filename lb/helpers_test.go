package lb

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testCheck is a health check on a test's clock: 50ms interval.
var testCheck = HealthCheck{
	Path: "/healthz", Interval: 50 * time.Millisecond, Timeout: 25 * time.Millisecond,
	HealthyThreshold: 2, UnhealthyThreshold: 2,
}

// backend is an httptest server on 127.0.0.1 standing in for an instance:
// GET /healthz answers with healthStatus, anything else 200 with its id.
// A request with header X-Hold waits until release is closed.
type backend struct {
	id           string
	srv          *httptest.Server
	healthStatus atomic.Int64
	requests     atomic.Int64  // non-health requests
	held         chan struct{} // gets a value when a held request arrives
	release      chan struct{}
	releaseOnce  sync.Once
}

func newBackend(t *testing.T, id string) *backend {
	t.Helper()
	b := &backend{id: id, held: make(chan struct{}, 16), release: make(chan struct{})}
	b.healthStatus.Store(http.StatusOK)
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(func() {
		b.releaseAll()
		b.srv.Close()
	})
	return b
}

func (b *backend) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" {
		w.WriteHeader(int(b.healthStatus.Load()))
		return
	}
	b.requests.Add(1)
	if r.Header.Get("X-Hold") != "" {
		b.held <- struct{}{}
		select {
		case <-b.release:
		case <-r.Context().Done():
			return
		}
	}
	_, _ = io.Copy(io.Discard, r.Body)
	fmt.Fprintf(w, "hello from %s\n", b.id)
}

// serverTarget serves h on 127.0.0.1 as a target with the given id.
func serverTarget(t *testing.T, id string, h http.HandlerFunc) Target {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return Target{ID: id, Address: srv.Listener.Addr().String()}
}

func (b *backend) releaseAll() { b.releaseOnce.Do(func() { close(b.release) }) }

func (b *backend) target() Target {
	return Target{ID: b.id, Address: b.srv.Listener.Addr().String()}
}

func newGroup(t *testing.T, cfg TargetGroupConfig) *TargetGroup {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "tg"
	}
	if cfg.HealthCheck == (HealthCheck{}) {
		cfg.HealthCheck = testCheck
	}
	g, err := NewTargetGroup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return g
}

func register(t *testing.T, g *TargetGroup, bs ...*backend) {
	t.Helper()
	for _, b := range bs {
		if err := g.Register(b.target()); err != nil {
			t.Fatal(err)
		}
	}
}

func startLB(t *testing.T, cfg Config, fs ...Forward) *LoadBalancer {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "web"
	}
	l, err := New(cfg, fs...)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.Close(ctx); err != nil {
			t.Errorf("closing load balancer: %v", err)
		}
	})
	return l
}

// eventually polls cond until it holds or a generous deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func stateOf(g *TargetGroup, id string) TargetState {
	for _, h := range g.Health() {
		if h.ID == id {
			return h.State
		}
	}
	return ""
}

func healthOf(g *TargetGroup, id string) TargetHealth {
	for _, h := range g.Health() {
		if h.ID == id {
			return h
		}
	}
	return TargetHealth{}
}

func waitState(t *testing.T, g *TargetGroup, want TargetState, ids ...string) {
	t.Helper()
	for _, id := range ids {
		eventually(t, fmt.Sprintf("%s to be %s", id, want), func() bool { return stateOf(g, id) == want })
	}
}

// newClient keeps connections alive, as a load generator would.
func newClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64},
		Timeout:   30 * time.Second,
	}
}

type reply struct {
	status int
	target string
	body   string
}

func get(t *testing.T, c *http.Client, l *LoadBalancer, path string) reply {
	t.Helper()
	r, err := tryGet(context.Background(), c, l, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func tryGet(ctx context.Context, c *http.Client, l *LoadBalancer, path string, header http.Header) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+l.Addr()+path, nil)
	if err != nil {
		return reply{}, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, target: resp.Header.Get(TargetHeader), body: string(body)}, err
}

// closedPort returns a 127.0.0.1 address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// settledStats waits until no request is outstanding on any target (the
// counts are then complete: a request is counted before it is released)
// and returns the stats.
func settledStats(t *testing.T, l *LoadBalancer) Stats {
	t.Helper()
	var s Stats
	eventually(t, "requests in flight to finish", func() bool {
		s = l.Stats()
		for _, ts := range s.Targets {
			if ts.Active != 0 {
				return false
			}
		}
		return true
	})
	return s
}
