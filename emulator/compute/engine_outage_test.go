package compute

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
)

// awayEngine is the fake engine, going away when told: the container is
// created, then the line drops before it starts.
type awayEngine struct {
	*sandboxtest.Fake
	away, cut *atomic.Bool
}

func errAway() error { return errdefs.Unavailable("cannot reach the Docker engine: start Docker") }

func (e awayEngine) Start(ctx context.Context, id string) error {
	if e.cut.CompareAndSwap(false, true) {
		e.away.Store(true)
		return errAway() // the first start is cut short
	}
	if e.away.Load() {
		return errAway()
	}
	return e.Fake.Start(ctx, id)
}

func (e awayEngine) Info(ctx context.Context) (sandbox.Info, error) {
	if e.away.Load() {
		return sandbox.Info{}, errAway()
	}
	return e.Fake.Info(ctx)
}

func TestLaunchWaitsForTheEngineAndLeavesNothingBehind(t *testing.T) {
	s, rt := newTestService(t)
	ctx := context.Background()
	if _, _, err := s.CreateTemplate(ctx, "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}
	away := new(atomic.Bool)
	s.rt = awayEngine{Fake: rt, away: away, cut: new(atomic.Bool)}
	done := make(chan []Instance)
	go func() {
		insts, err := s.RunInstances(ctx, RunRequest{Template: "web"})
		if err != nil {
			t.Error(err)
		}
		done <- insts
	}()
	// While the launch waits, the engine is known away: a new run answers
	// unavailable at once, and records nothing.
	for s.EngineAvailable() {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := s.RunInstances(ctx, RunRequest{Template: "web"}); !errors.Is(err, errdefs.ErrUnavailable) {
		t.Fatalf("run while the engine is away: %v, want unavailable", err)
	}
	away.Store(false)
	insts := <-done
	if len(insts) != 1 || insts[0].State != StateRunning {
		t.Fatalf("the launch across the outage: %+v, want one running instance", insts)
	}
	all, _ := s.Instances(ctx)
	if len(all) != 1 {
		t.Fatalf("%d instances recorded, want 1", len(all))
	}
	cs, _ := rt.List(ctx, map[string]string{sandbox.LabelInstance: insts[0].ID})
	if len(cs) != 1 || cs[0].ID != insts[0].ContainerID || cs[0].State != sandbox.StateRunning {
		t.Fatalf("containers of %s: %+v, want its one running container", insts[0].ID, cs)
	}
	if s.EngineOutage(time.Time{}) <= 0 {
		t.Fatal("the outage is not recorded")
	}
}
