package app_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/cmd/cattle/app"
	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

// The CLI against a real API server and control plane over a unix socket,
// on a fake engine and a short clock.

// instantLB is a load balancer whose targets are healthy as soon as they
// are registered, but those of template version 3, which fail.
type instantLB struct {
	mu      sync.Mutex
	targets map[string]compute.Instance
}

func (l *instantLB) Check(ctx context.Context, name string) error {
	if name != "web" {
		return errdefs.NotFound("load balancer %q does not exist", name)
	}
	return nil
}

func (l *instantLB) Register(ctx context.Context, name string, inst compute.Instance) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.targets[inst.ID] = inst
	return nil
}

func (l *instantLB) TargetState(name, id string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	inst, ok := l.targets[id]
	switch {
	case !ok:
		return ""
	case inst.TemplateVersion == 3:
		return autoscaling.TargetUnhealthy
	}
	return autoscaling.TargetHealthy
}

func (l *instantLB) TargetStates(name string) map[string]string {
	l.mu.Lock()
	var ids []string
	for id := range l.targets {
		ids = append(ids, id)
	}
	l.mu.Unlock()
	out := map[string]string{}
	for _, id := range ids {
		if st := l.TargetState(name, id); st != "" {
			out[id] = st
		}
	}
	return out
}

func (l *instantLB) deregister(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.targets, id)
}

type fakeCatalog struct{ rt *sandboxtest.Fake }

func (i fakeCatalog) Resolve(ctx context.Context, ref string) (images.Resolved, error) {
	img, err := i.rt.InspectImage(ctx, ref)
	return images.Resolved{Digest: img.ID}, err
}

func (i fakeCatalog) LaunchRef(ctx context.Context, r images.Resolved) (string, error) {
	return r.Digest, nil
}

// startDaemon serves the API of a control plane on a fake runtime, on a
// short clock, at the socket the CLI looks for in dir.
func startDaemon(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	paths := emulator.PathsIn(dir)
	db, err := store.Open(paths.DB)
	if err != nil {
		t.Fatal(err)
	}
	rt := sandboxtest.New()
	rt.AddImage("builtin/demo", nil)
	p := timing.Fast()
	p.HealthInterval, p.HealthTimeout, p.GracePeriod = 10*time.Millisecond, 5*time.Millisecond, 20*time.Millisecond
	comp := compute.New(compute.Config{DB: db, Runtime: rt, Sandbox: "cli", Network: "cattle-cli", Images: fakeCatalog{rt}, Profile: p})
	lb := &instantLB{targets: map[string]compute.Instance{}}
	groups := autoscaling.New(autoscaling.Config{DB: db, Compute: comp, LB: lb, Metrics: idleMetrics{comp}, Profile: p})
	comp.SetHooks(compute.Hooks{
		BeforeStop:   func(ctx context.Context, inst compute.Instance) { lb.deregister(inst.ID) },
		StateChanged: func(compute.Instance) { groups.Notify() },
	})
	ctx, cancel := context.WithCancel(context.Background())
	for i := 1; i <= 3; i++ {
		data := compute.TemplateData{Image: "builtin/demo", Port: 8080, Env: map[string]string{"V": string(rune('0' + i))}}
		if i == 1 {
			_, _, err = comp.CreateTemplate(ctx, "web", data)
		} else {
			_, err = comp.CreateVersion(ctx, "web", "", data, false)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("unix", paths.Socket)
	if err != nil {
		t.Fatal(err)
	}
	cat, reg := newCatalog(t, dir, db, rt, comp)
	dr := drift.New(drift.Config{DB: db, Compute: comp, Runtime: rt, Sandbox: "cli", Network: "cattle-cli", Profile: p,
		GroupMode: func(ctx context.Context, name string) (string, error) {
			g, err := groups.Group(ctx, name)
			return g.DriftMode(), err
		}})
	srv := &http.Server{Handler: api.NewHandler(api.Backend{Compute: comp, Groups: groups, Drift: dr, DB: db, Images: cat, Repositories: reg.Repositories(),
		Sessions: api.NewSessions(), Status: func(context.Context) (api.Status, error) {
			return api.Status{Sandbox: "cli", API: "127.0.0.1:4000", StateDir: dir}, nil
		}})}
	go func() { _ = srv.Serve(ln) }()
	done := make(chan struct{})
	go func() { groups.Run(ctx); close(done) }()
	t.Cleanup(func() {
		_ = srv.Close()
		cancel()
		<-done
		db.Close()
	})
	return dir
}

// cattle runs the CLI and returns its exit code and output.
func cattle(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := app.Main(append(args, "--state-dir", dir), app.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// mustCattle runs the CLI, fails the test if it exits non-zero, and
// returns its output.
func mustCattle(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, out, errOut := cattle(t, dir, args...)
	if code != 0 {
		t.Fatalf("cattle %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// idleMetrics is a sandbox nobody sends requests to; CPU comes from the
// fake engine (idle too).
type idleMetrics struct{ comp *compute.Service }

func (idleMetrics) TargetRequests(ctx context.Context, lb string) (map[string]int64, error) {
	return map[string]int64{}, nil
}

func (m idleMetrics) InstanceCPU(ctx context.Context, inst compute.Instance) (float64, error) {
	return m.comp.CPUUtilization(ctx, inst)
}
