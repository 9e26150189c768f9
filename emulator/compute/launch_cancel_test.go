package compute

import (
	"context"
	"testing"

	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
)

// impatientEngine is the fake engine, with the caller giving up while the
// container is being created; like the real engine client, it fails a
// call whose context has ended.
type impatientEngine struct {
	*sandboxtest.Fake
	giveUp context.CancelFunc
}

func (e impatientEngine) Create(ctx context.Context, spec sandbox.ContainerSpec) (string, error) {
	e.giveUp()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return e.Fake.Create(ctx, spec)
}

func (e impatientEngine) Start(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.Fake.Start(ctx, id)
}

func TestRunInstancesLaunchesWhenTheCallerGivesUp(t *testing.T) {
	s, rt := newTestService(t)
	if _, _, err := s.CreateTemplate(context.Background(), "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.rt = impatientEngine{Fake: rt, giveUp: cancel}
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range insts {
		got, err := s.Instance(context.Background(), i.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != StateRunning || got.ContainerID == "" {
			t.Errorf("instance %s is %s (%s) after its caller gave up: want running", got.ID, got.State, got.StateReason)
		}
	}
}
