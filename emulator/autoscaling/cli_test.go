package autoscaling_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

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

func (i fakeCatalog) Resolve(ctx context.Context, ref string) (string, error) {
	img, err := i.rt.InspectImage(ctx, ref)
	return img.ID, err
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
	srv := &http.Server{Handler: api.NewHandler(api.Backend{Compute: comp, Groups: groups, DB: db})}
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

func TestCLIGroupsRefreshAndRollback(t *testing.T) {
	dir := startDaemon(t)

	out := mustCattle(t, dir, "groups", "create", "web", "--template", "web", "--min", "1", "--max", "4", "--desired", "2",
		"--lb", "web", "--health-check-type", "ELB", "--wait")
	if !strings.Contains(out, "group web created: web:1") || !strings.Contains(out, "2 of 2 in service") {
		t.Errorf("create --wait said:\n%s", out)
	}

	var g map[string]any
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "groups", "inspect", "web", "-o", "json")), &g); err != nil {
		t.Fatal(err)
	}
	insts, _ := g["instances"].([]any)
	if g["name"] != "web" || g["min"] != 1.0 || g["max"] != 4.0 || g["desired"] != 2.0 || g["load_balancer"] != "web" || len(insts) != 2 {
		t.Fatalf("groups inspect -o json: %v", g)
	}
	if inst, _ := insts[0].(map[string]any); inst["state"] != "running" || !strings.HasPrefix(inst["id"].(string), "i-") {
		t.Fatalf("instances should be as in 'instances ls': %v", insts[0])
	}
	if out := mustCattle(t, dir, "groups", "ls"); !strings.Contains(out, "web:1") || !strings.Contains(out, "HEALTHY") {
		t.Errorf("groups ls:\n%s", out)
	}

	out = mustCattle(t, dir, "groups", "refresh", "web", "--template-version", "2", "--min-healthy", "50", "--wait")
	if !strings.Contains(out, "started on group web") || !strings.HasSuffix(out, "ended Successful\n") {
		t.Errorf("refresh --wait said:\n%s", out)
	}

	code, out, _ := cattle(t, dir, "groups", "refresh", "web", "--template-version", "3", "--min-healthy", "50", "--auto-rollback", "--wait")
	if code != 1 || !strings.Contains(out, "ended RollbackSuccessful: rolled back to web:2") {
		t.Errorf("a refresh that rolls back exits 1 (got %d):\n%s", code, out)
	}

	var rs []map[string]any
	if err := json.Unmarshal([]byte(mustCattle(t, dir, "groups", "refreshes", "web", "-o", "json")), &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0]["status"] != "RollbackSuccessful" || rs[1]["status"] != "Successful" ||
		rs[1]["percent_complete"] != 100.0 || !strings.HasPrefix(rs[0]["id"].(string), "rf-") {
		t.Errorf("groups refreshes -o json: %v", rs)
	}

	code, _, errOut := cattle(t, dir, "groups", "rollback", "web")
	if code != 1 || !strings.Contains(errOut, "only a refresh in progress can be rolled back") {
		t.Errorf("rollback of a finished refresh: exit %d, %s", code, errOut)
	}
	code, _, errOut = cattle(t, dir, "groups", "cancel-refresh", "web")
	if code != 1 || !strings.Contains(errOut, "no instance refresh in progress") {
		t.Errorf("cancel with nothing in progress: exit %d, %s", code, errOut)
	}
	if code, _, errOut := cattle(t, dir, "groups", "create", "web"); code != 2 || !strings.Contains(errOut, "--template") {
		t.Errorf("bad usage: exit %d, %s", code, errOut)
	}
	if code, _, errOut := cattle(t, dir, "groups", "scale", "web", "--desired", "9"); code != 2 || !strings.Contains(errOut, "outside min 1 and max 4") {
		t.Errorf("scale above max: exit %d, %s", code, errOut)
	}
	mustCattle(t, dir, "groups", "scale", "web", "--desired", "3")
	if out := mustCattle(t, dir, "groups", "rm", "web"); !strings.Contains(out, "deleted") {
		t.Errorf("rm said %s", out)
	}
	if code, _, errOut := cattle(t, dir, "groups", "inspect", "web"); code != 1 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("inspect after rm: exit %d, %s", code, errOut)
	}
}

func TestAPIWithoutGroupsAnswersUnavailable(t *testing.T) {
	h := api.NewHandler(api.Backend{})
	dir := t.TempDir()
	ln, err := net.Listen("unix", emulator.PathsIn(dir).Socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	_, err = api.NewClient(emulator.PathsIn(dir).Socket).Groups(context.Background())
	if !errors.Is(err, errdefs.ErrUnavailable) {
		t.Fatalf("groups without a service: %v", err)
	}
}
