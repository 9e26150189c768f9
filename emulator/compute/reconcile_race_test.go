package compute

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

// slowListRuntime is an engine whose ListStates is slow: the list it returns
// was taken while a launch was between Create and Start, and arrives
// after the launch finished (on a busy engine, listing 50 containers
// takes seconds).
type slowListRuntime struct {
	*sandboxtest.Fake
	startReached chan struct{} // a launch is about to start its container
	listed       chan struct{} // the list is taken
	launched     chan struct{} // the launch is done: the list may return
}

func (r *slowListRuntime) Start(ctx context.Context, id string) error {
	close(r.startReached)
	<-r.listed
	return r.Fake.Start(ctx, id)
}

func (r *slowListRuntime) ListStates(ctx context.Context, labels map[string]string) ([]sandbox.Container, error) {
	cs, err := r.Fake.ListStates(ctx, labels)
	close(r.listed)
	<-r.launched
	return cs, err
}

// TestReconcileIgnoresAListOlderThanTheInstance: a reconcile whose view
// of the engine predates an instance's launch must not take the container
// it saw "created" for one that exited, nor stop the instance.
func TestReconcileIgnoresAListOlderThanTheInstance(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fake := sandboxtest.New()
	fake.AddImage("builtin/demo", nil)
	rt := &slowListRuntime{Fake: fake, startReached: make(chan struct{}), listed: make(chan struct{}), launched: make(chan struct{})}
	s := New(Config{DB: db, Runtime: rt, Sandbox: "unit", Network: "cattle-unit", Images: fakeImages{fake}, Profile: timing.Fast()})
	ctx := context.Background()
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}

	ran := make(chan []Instance, 1)
	go func() {
		insts, err := s.RunInstances(ctx, RunRequest{Template: "web"})
		if err != nil {
			t.Error(err)
		}
		ran <- insts
	}()
	<-rt.startReached
	reconciled := make(chan error, 1)
	go func() { reconciled <- s.Reconcile(ctx, false) }()
	insts := <-ran
	close(rt.launched)
	if err := <-reconciled; err != nil {
		t.Fatal(err)
	}
	if i, _ := s.Instance(ctx, insts[0].ID); i.State != StateRunning {
		t.Fatalf("instance %s after a reconcile with a stale list: %s (%s), want running", i.ID, i.State, i.StateReason)
	}
}

// TestReconcileNeverTakesALaunchForInterrupted: reconciles running all the
// while instances launch must not find one pending and not being launched.
func TestReconcileNeverTakesALaunchForInterrupted(t *testing.T) {
	s, _ := newTestService(t)
	ctx := context.Background()
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.Reconcile(ctx, false); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 100 {
		if _, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 2}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	<-done
	all, _ := s.Instances(ctx)
	for _, i := range all {
		if i.State != StateRunning {
			t.Errorf("%s is %s (%s): a reconcile took its launch for an interrupted one", i.ID, i.State, i.StateReason)
		}
	}
}
