package api_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/images/imagestest"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

// controlPlane is the API's handler over the daemon's services, wired as
// the daemon wires them, on real bbolt and the fake engine.
type controlPlane struct {
	handler   http.Handler
	runtime   *sandboxtest.Fake
	registry  string       // the registry's 127.0.0.1:PORT
	shutdowns atomic.Int32 // times the API asked the daemon to stop
}

// newControlPlane starts the services; they stop when the test ends.
func newControlPlane(t testing.TB) *controlPlane {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	rt := sandboxtest.New()
	ctx, cancel := context.WithCancel(context.Background())
	cat, reg := imagestest.NewCatalog(t, db, rt, "apitest")
	p := timing.Fast()
	comp := compute.New(compute.Config{DB: db, Runtime: rt, Sandbox: "apitest", Network: "cattle-apitest", Images: cat, Profile: p})
	cat.SetInUse(comp.ImageUsers)
	lbs := elb.New(elb.Config{DB: db, Compute: comp, Profile: p})
	groups := autoscaling.New(autoscaling.Config{DB: db, Compute: comp, LB: lbs, Metrics: metrics{lbs, comp}, Profile: p})
	comp.SetHooks(compute.Hooks{
		BeforeStop:           lbs.BeforeStop,
		BeforeDeleteTemplate: groups.CheckTemplateUnused,
		StateChanged: func(inst compute.Instance) {
			lbs.InstanceChanged(inst)
			groups.Notify()
		},
	})
	if err := lbs.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cp := &controlPlane{runtime: rt, registry: reg.Addr()}
	done := make(chan struct{}, 2)
	go func() { comp.Run(ctx, 100*time.Millisecond); done <- struct{}{} }()
	go func() { groups.Run(ctx); done <- struct{}{} }()
	cp.handler = api.NewHandler(api.Backend{
		Drift:   drift.New(drift.Config{DB: db, Compute: comp, Runtime: rt, Sandbox: "apitest", Network: "cattle-apitest", Profile: p}),
		Compute: comp, Groups: groups, LB: lbs, Images: cat, Repositories: reg.Repositories(), DB: db,
		Baker:    &bake.Baker{Runtime: rt, Sandbox: "apitest", RegistryAddr: "127.0.0.1:1", Registry: reg, Catalog: cat, DB: db},
		Sessions: api.NewSessions(),
		Status:   func(ctx context.Context) (api.Status, error) { return api.Status{Sandbox: "apitest"}, nil },
		Shutdown: func(purge bool) { cp.shutdowns.Add(1) },
	})
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		lbs.Close(context.Background())
		db.Close()
	})
	return cp
}

// metrics is what the daemon's scaling policies read, on the fake engine.
type metrics struct {
	lbs     *elb.Service
	compute *compute.Service
}

func (m metrics) TargetRequests(ctx context.Context, lb string) (map[string]int64, error) {
	return m.lbs.TargetRequests(ctx, lb)
}

func (m metrics) InstanceCPU(ctx context.Context, inst compute.Instance) (float64, error) {
	return m.compute.CPUUtilization(ctx, inst)
}

var _ sandbox.Runtime = (*sandboxtest.Fake)(nil)
