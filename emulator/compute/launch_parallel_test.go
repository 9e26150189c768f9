package compute

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
)

// countingEngine is the fake engine, counting the containers being
// started at once.
type countingEngine struct {
	*sandboxtest.Fake
	now, most atomic.Int32
}

func (e *countingEngine) Start(ctx context.Context, id string) error {
	n := e.now.Add(1)
	defer e.now.Add(-1)
	for m := e.most.Load(); n > m && !e.most.CompareAndSwap(m, n); m = e.most.Load() {
	}
	time.Sleep(20 * time.Millisecond) // long enough for the others to pile up
	return e.Fake.Start(ctx, id)
}

func TestLaunchesGoAtMostLaunchParallelAtOnce(t *testing.T) {
	s, rt := newTestService(t)
	if _, _, err := s.CreateTemplate(context.Background(), "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}
	e := &countingEngine{Fake: rt}
	s.rt, s.launchSlots = e, make(chan struct{}, 2)
	insts, err := s.RunInstances(context.Background(), RunRequest{Template: "web", Count: 6})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts {
		if i.State != StateRunning {
			t.Errorf("instance %s is %s (%s), want running", i.ID, i.State, i.StateReason)
		}
	}
	if got := e.most.Load(); got != 2 {
		t.Errorf("at most %d containers were being started at once, want 2 (the launch slots)", got)
	}
}
