package elb

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

func fastCheck() HealthCheck {
	return HealthCheck{Path: "/", Interval: Duration(100 * time.Millisecond), Timeout: Duration(50 * time.Millisecond)}
}

// backend is a target answering 200 to everything, as a running instance.
func backend(t *testing.T, id string) compute.Instance {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	return compute.Instance{ID: id, State: compute.StateRunning, Address: strings.TrimPrefix(srv.URL, "http://")}
}

func waitHealthy(t *testing.T, s *Service, tg, id string) {
	t.Helper()
	waitFor(t, id+" healthy in "+tg, func() bool { return s.TargetStates(tg)[id] == "healthy" })
}

// A target group made alone checks its targets with no port open; a load
// balancer made alone opens none until its listener forwards to the group.
func TestTargetGroupAndLoadBalancerStandAlone(t *testing.T) {
	s, _ := newService(t, timing.Fast(), nil)
	ctx := context.Background()
	tg, err := s.CreateTargetGroup(ctx, CreateRequest{Name: "web-tg", HealthCheck: fastCheck(), DeregistrationDelay: new(Duration)})
	if err != nil || !tg.TargetGroupOnly || tg.Listening() || tg.Address != "" || tg.TargetGroupID == "" {
		t.Fatalf("target group alone: %+v, %v", tg, err)
	}
	alb, err := s.CreateLoadBalancer(ctx, "web-alb", []string{"zone-a"})
	if err != nil || !alb.NoTargetGroup || alb.Listening() || alb.LoadBalancerID == "" {
		t.Fatalf("load balancer alone: %+v, %v", alb, err)
	}
	if _, err := s.Stats(ctx, "web-alb"); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("stats of a load balancer with no listener: %v, want a conflict", err)
	}
	if err := s.RegisterInstances(ctx, "web-alb", backend(t, "i-0000000000000000a")); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("registering with a load balancer that has no target group: %v, want not found", err)
	}
	inst := backend(t, "i-0000000000000000b")
	if err := s.RegisterInstances(ctx, "web-tg", inst); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, s, "web-tg", inst.ID)
	alb, err = s.CreateListener(ctx, "web-alb", 0, []Forward{{TargetGroup: "web-tg", Weight: 1}})
	if err != nil || alb.Port == 0 || alb.ListenerID == "" {
		t.Fatalf("listener: %+v, %v", alb, err)
	}
	if target := getTarget(t, alb.Address); target != inst.ID {
		t.Errorf("request through the listener went to %q, want %s", target, inst.ID)
	}
	if _, err := s.CreateListener(ctx, "web-alb", 0, []Forward{{TargetGroup: "web-tg", Weight: 1}}); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("a second listener: %v, want a conflict", err)
	}
	if err := s.DeleteTargetGroup(ctx, "web-tg"); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("deleting a target group a listener forwards to: %v, want a conflict", err)
	}
	if err := s.DeleteLoadBalancer(ctx, "web-alb"); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", alb.Address); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after its load balancer was deleted", alb.Address)
	}
	if got := s.TargetStates("web-tg")[inst.ID]; got != "healthy" {
		t.Errorf("target of the remaining target group is %q, want healthy", got)
	}
	if err := s.DeleteTargetGroup(ctx, "web-tg"); err != nil {
		t.Fatal(err)
	}
	if all, _ := s.List(ctx); len(all) != 0 {
		t.Errorf("records left: %+v", all)
	}
}

func getTarget(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET through %s: %s", addr, resp.Status)
	}
	return resp.Header.Get("X-Cattle-Target")
}

// A load balancer and a target group of the same name share a record; each
// goes on its own, and the CLI's create refuses a name in use.
func TestSameNamedLoadBalancerAndTargetGroup(t *testing.T) {
	s, _ := newService(t, timing.Fast(), nil)
	ctx := context.Background()
	if _, err := s.CreateLoadBalancer(ctx, "web", nil); err != nil {
		t.Fatal(err)
	}
	rec, err := s.CreateTargetGroup(ctx, CreateRequest{Name: "web", HealthCheck: fastCheck()})
	if err != nil || !rec.HasLoadBalancer() || !rec.HasTargetGroup() || rec.Listening() {
		t.Fatalf("target group added to load balancer web: %+v, %v", rec, err)
	}
	if _, err := s.CreateTargetGroup(ctx, CreateRequest{Name: "web"}); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("a second target group web: %v, want a conflict", err)
	}
	if _, err := s.Create(ctx, CreateRequest{Name: "web"}); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("lb create of a name in use: %v, want a conflict", err)
	}
	if err := s.DeleteLoadBalancer(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	rec, err = s.Get(ctx, "web")
	if err != nil || !rec.TargetGroupOnly || rec.LoadBalancerID != "" {
		t.Fatalf("after deleting load balancer web: %+v, %v", rec, err)
	}
	if err := s.DeleteLoadBalancer(ctx, "web"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("deleting load balancer web twice: %v, want not found", err)
	}
}

// A record written before target groups stood alone (no part flags) is a
// load balancer with its listener and its same-named target group.
func TestRecordOfOlderCattleServesAsBefore(t *testing.T) {
	s, db := newService(t, timing.Fast(), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	old := `{"name":"web","address":"` + addr + `","port":1,"algorithm":"round_robin",
		"health_check":{"path":"/","matcher":"200","interval":"100ms","timeout":"50ms","healthy_threshold":2,"unhealthy_threshold":2},
		"deregistration_delay":"0s","forwards":[{"target_group":"web","weight":1}],"targets":[],"created_at":"2026-01-01T00:00:00Z"}`
	err = db.Update(func(tx *store.Tx) error {
		_, err := tx.Put(kindLoadBalancer, "web", json.RawMessage(old))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec, err := s.Get(context.Background(), "web")
	if err != nil || !rec.Listening() || !rec.HasTargetGroup() {
		t.Fatalf("old record: %+v, %v", rec, err)
	}
	inst := backend(t, "i-0000000000000000c")
	if err := s.RegisterInstances(context.Background(), "web", inst); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, s, "web", inst.ID)
	if target := getTarget(t, addr); target != inst.ID {
		t.Errorf("request through the old record's port went to %q", target)
	}
}

// Target group settings change on the running group; settings out of
// range are refused and change nothing.
func TestUpdateTargetGroupChecksSettings(t *testing.T) {
	s, _ := newService(t, timing.Fast(), nil)
	ctx := context.Background()
	if _, err := s.CreateTargetGroup(ctx, CreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.UpdateTargetGroup(ctx, "web", func(r *LoadBalancer) { r.HealthCheck.Interval = Duration(time.Minute) })
	if err == nil || !strings.Contains(err.Error(), "interval 1m0s is out of range") {
		t.Errorf("interval out of range: %v", err)
	}
	rec, err := s.UpdateTargetGroup(ctx, "web", func(r *LoadBalancer) {
		r.HealthCheck.Path, r.Algorithm, r.DeregistrationDelay = "/healthz", "least_outstanding_requests", Duration(5*time.Second)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get(ctx, "web")
	if got.HealthCheck.Path != "/healthz" || got.Algorithm != "least_outstanding_requests" || got.PathFromTemplate ||
		got.HealthCheck.Interval != rec.HealthCheck.Interval || got.DeregistrationDelay.Std() != 5*time.Second {
		t.Errorf("after the change: %+v", got)
	}
}
