package elb

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

func newService(t *testing.T, p timing.Profile, beforeDelete func(context.Context, string) error) (*Service, *store.DB) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{DB: db, Profile: p, BeforeDelete: beforeDelete})
	t.Cleanup(func() {
		s.Close(context.Background())
		db.Close()
	})
	return s, db
}

// A load balancer made on the aws profile has AWS's defaults.
func TestAWSProfileLoadBalancerDefaults(t *testing.T) {
	s, _ := newService(t, timing.AWS(), nil)
	rec, err := s.withDefaults(CreateRequest{Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	hc := rec.HealthCheck
	if hc.Path != "/" || hc.Matcher != "200" || hc.Interval.Std() != 30*time.Second || hc.Timeout.Std() != 5*time.Second ||
		hc.HealthyThreshold != 5 || hc.UnhealthyThreshold != 2 {
		t.Errorf("health check %+v, want /, 200, 30s, 5s, 5, 2", hc)
	}
	if rec.DeregistrationDelay.Std() != 300*time.Second || rec.Algorithm != "round_robin" || rec.SlowStart != 0 {
		t.Errorf("deregistration delay %s, algorithm %s, slow start %s; want 300s, round_robin, off", rec.DeregistrationDelay, rec.Algorithm, rec.SlowStart)
	}
}

func TestHealthCheckRangesByProfile(t *testing.T) {
	d := func(x time.Duration) Duration { return Duration(x) }
	dp := func(x time.Duration) *Duration { v := Duration(x); return &v }
	for _, c := range []struct {
		profile timing.Profile
		req     CreateRequest
		want    string // "" accepted
	}{
		{timing.AWS(), CreateRequest{HealthCheck: HealthCheck{Interval: d(5 * time.Second), Timeout: d(2 * time.Second), HealthyThreshold: 2, UnhealthyThreshold: 10}}, ""},
		{timing.AWS(), CreateRequest{HealthCheck: HealthCheck{Interval: d(4 * time.Second), Timeout: d(2 * time.Second)}}, "interval 4s is out of range: use 5s-5m0s"},
		{timing.AWS(), CreateRequest{HealthCheck: HealthCheck{Interval: d(301 * time.Second)}}, "interval 5m1s is out of range"},
		{timing.AWS(), CreateRequest{HealthCheck: HealthCheck{Timeout: d(time.Second)}}, "timeout 1s is out of range: use 2s-2m0s"},
		{timing.AWS(), CreateRequest{HealthCheck: HealthCheck{Interval: d(10 * time.Second), Timeout: d(10 * time.Second)}}, "shorter than the interval"},
		{timing.AWS(), CreateRequest{HealthCheck: HealthCheck{HealthyThreshold: 1}}, "use 2-10"},
		{timing.AWS(), CreateRequest{HealthCheck: HealthCheck{UnhealthyThreshold: 11}}, "use 2-10"},
		{timing.AWS(), CreateRequest{SlowStart: d(10 * time.Second)}, "slow start 10s is out of range: use 0s (off) or 30s-15m0s"},
		{timing.AWS(), CreateRequest{SlowStart: d(30 * time.Second)}, ""},
		{timing.AWS(), CreateRequest{SlowStart: d(901 * time.Second)}, "slow start 15m1s"},
		{timing.AWS(), CreateRequest{DeregistrationDelay: dp(3601 * time.Second)}, "deregistration delay 1h0m1s is out of range: use 0s-3600s"},
		{timing.AWS(), CreateRequest{DeregistrationDelay: dp(3600 * time.Second)}, ""},
		{timing.Fast(), CreateRequest{HealthCheck: HealthCheck{Interval: d(100 * time.Millisecond), Timeout: d(50 * time.Millisecond)}}, ""},
		{timing.Fast(), CreateRequest{HealthCheck: HealthCheck{Interval: d(50 * time.Millisecond), Timeout: d(20 * time.Millisecond)}}, "interval 50ms is out of range: use 100ms-10s"},
		{timing.Fast(), CreateRequest{HealthCheck: HealthCheck{Interval: d(11 * time.Second)}}, "interval 11s is out of range"},
		{timing.Fast(), CreateRequest{HealthCheck: HealthCheck{Timeout: d(20 * time.Millisecond)}}, "timeout 20ms is out of range: use 50ms-4s"},
		{timing.Fast(), CreateRequest{HealthCheck: HealthCheck{HealthyThreshold: 1}}, "use 2-10"},
		{timing.Fast(), CreateRequest{SlowStart: d(500 * time.Millisecond)}, "slow start 500ms"},
	} {
		s, _ := newService(t, c.profile, nil)
		c.req.Name = "web"
		_, err := s.withDefaults(c.req)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %+v refused: %v", c.profile.Name, c.req, err)
		case c.want != "" && (!errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s %+v: %v, want invalid saying %q", c.profile.Name, c.req, err, c.want)
		}
	}
}

// "interval": "0s" is refused, never silently replaced by the default;
// no interval takes the default.
func TestExplicitZeroHealthSettingsAreRefused(t *testing.T) {
	s, _ := newService(t, timing.Fast(), nil)
	for body, want := range map[string]string{
		`{"name":"web","health_check":{"interval":"0s"}}`:       "interval 0s is out of range",
		`{"name":"web","health_check":{"timeout":0}}`:           "timeout 0s is out of range",
		`{"name":"web","health_check":{"healthy_threshold":0}}`: "healthy 0",
		`{"name":"web","health_check":{"path":"/healthz"}}`:     "",
	} {
		var req CreateRequest
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatal(err)
		}
		rec, err := s.withDefaults(req)
		if want == "" {
			if err != nil || rec.HealthCheck.Interval.Std() != time.Second {
				t.Errorf("%s: %+v, %v; want the profile's interval", body, rec.HealthCheck, err)
			}
		} else if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", body, err, want)
		}
	}
}

// A load balancer a group uses is not deleted (AWS's ResourceInUse).
func TestDeleteAsksWhetherTheLoadBalancerIsInUse(t *testing.T) {
	inUse := true
	s, _ := newService(t, timing.Fast(), func(ctx context.Context, name string) error {
		if inUse {
			return errdefs.Conflict("ResourceInUse: load balancer %s is used by auto scaling group web", name)
		}
		return nil
	})
	ctx := context.Background()
	if _, err := s.Create(ctx, CreateRequest{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "web"); !errors.Is(err, errdefs.ErrConflict) || !strings.Contains(err.Error(), "ResourceInUse") {
		t.Fatalf("delete of a load balancer in use: %v", err)
	}
	if _, err := s.Get(ctx, "web"); err != nil {
		t.Fatalf("a refused delete removed the load balancer: %v", err)
	}
	inUse = false
	if err := s.Delete(ctx, "web"); err != nil {
		t.Fatal(err)
	}
}

// Every change of a target's health is an event, with its reason.
func TestEveryTargetHealthChangeIsAnEvent(t *testing.T) {
	s, db := newService(t, timing.Fast(), nil)
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	_, err := s.Create(ctx, CreateRequest{Name: "web", HealthCheck: HealthCheck{Path: "/healthz",
		Interval: Duration(100 * time.Millisecond), Timeout: Duration(50 * time.Millisecond)}, DeregistrationDelay: new(Duration)})
	if err != nil {
		t.Fatal(err)
	}
	inst := compute.Instance{ID: "i-0123456789abcdef0", State: compute.StateRunning, Address: strings.TrimPrefix(srv.URL, "http://")}
	if err := s.RegisterInstances(ctx, "web", inst); err != nil {
		t.Fatal(err)
	}
	targetEvents := func() []string {
		evs, err := db.Events(0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range evs {
			if e.Kind == "lb.target" {
				out = append(out, e.Fields["state"]+" "+e.Fields["reason"])
			}
		}
		return out
	}
	waitFor(t, "healthy", func() bool { return slices.Contains(targetEvents(), "healthy ") })
	if err := s.Deregister(ctx, "web", []string{inst.ID}, true); err != nil {
		t.Fatal(err)
	}
	want := []string{"initial Elb.RegistrationInProgress", "initial Elb.InitialHealthChecking", "healthy ",
		"draining Target.DeregistrationInProgress", "unused Target.NotRegistered"}
	waitFor(t, "every change recorded", func() bool { return slices.Equal(targetEvents(), want) })
}

// waitFor polls cond; the guard is against a hang, not a measure.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for guard := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(guard) {
			t.Fatalf("%s: not reached", what)
		}
	}
}
