package compute

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox/sandboxtest"
	"github.com/cattle-dev/cattle/store"
)

// clockService is a Service on a clock the test moves.
type clockService struct {
	*Service
	db *store.DB
	mu sync.Mutex
	at time.Time
}

func (c *clockService) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clockService) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
}

func newClockService(t *testing.T) *clockService {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	rt := sandboxtest.New()
	rt.AddImage("builtin/demo", nil)
	c := &clockService{db: db, at: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.Service = New(Config{DB: db, Runtime: rt, Sandbox: "unit", Network: "cattle-unit", Images: fakeImages{rt}, Profile: timing.Fast(), Now: c.now})
	if _, _, err := c.CreateTemplate(context.Background(), "web", TemplateData{Image: "builtin/demo", Port: 8080}); err != nil {
		t.Fatal(err)
	}
	return c
}

// The events of an instance's life name each state with its EC2 code.
func TestInstanceStateEventsCarryEC2Codes(t *testing.T) {
	s := newClockService(t)
	ctx := context.Background()
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Terminate(ctx, []string{insts[0].ID}, ""); err != nil {
		t.Fatal(err)
	}
	evs, err := s.db.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got, codes []string
	for _, e := range evs {
		if e.Kind == "instance.state" {
			got = append(got, strings.TrimPrefix(e.Message, insts[0].ID+" "))
			codes = append(codes, e.Fields["code"])
		}
	}
	want := []string{"pending (0)", "pending (0) -> running (16)", "running (16) -> shutting-down (32)", "shutting-down (32) -> terminated (48) (Client.UserInitiatedShutdown: user initiated shutdown)"}
	if !slices.Equal(got, want) || !slices.Equal(codes, []string{"0", "16", "32", "48"}) {
		t.Fatalf("state events %q (codes %v), want %q", got, codes, want)
	}
}

// A terminated instance stays listed for the profile's visible period,
// then leaves the listing.
func TestTerminatedInstanceLeavesTheListingAfterItsVisiblePeriod(t *testing.T) {
	s := newClockService(t)
	ctx := context.Background()
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	id := insts[0].ID
	if _, err := s.Terminate(ctx, []string{id}, ""); err != nil {
		t.Fatal(err)
	}
	listed := func() bool {
		if err := s.Reconcile(ctx, false); err != nil {
			t.Fatal(err)
		}
		all, err := s.Instances(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(all, func(i Instance) bool { return i.ID == id && i.State == StateTerminated })
	}
	s.advance(s.profile.TerminatedVisible - time.Second)
	if !listed() {
		t.Fatalf("terminated %s left the listing before %s", id, s.profile.TerminatedVisible)
	}
	s.advance(2 * time.Second)
	if listed() {
		t.Fatalf("terminated %s still listed after %s", id, s.profile.TerminatedVisible)
	}
}

// Instance ids are EC2's: i- and 17 lowercase hex digits.
func TestInstanceIDsAreEC2Shaped(t *testing.T) {
	s := newClockService(t)
	insts, err := s.RunInstances(context.Background(), RunRequest{Template: "web", Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	ec2ID := regexp.MustCompile(`^i-[0-9a-f]{17}$`)
	for _, i := range insts {
		if !ec2ID.MatchString(i.ID) {
			t.Errorf("instance id %q is not i- and 17 lowercase hex digits", i.ID)
		}
	}
}

// A stop takes an instance through stopping (64) to stopped (80) with
// EC2's reason, keeping its container; a start brings the same instance
// back through pending to running. A terminated one can do neither, and a
// refused call changes no instance.
func TestStopAndStartFollowEC2States(t *testing.T) {
	s := newClockService(t)
	ctx := context.Background()
	insts, err := s.RunInstances(ctx, RunRequest{Template: "web", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	id, other := insts[0].ID, insts[1].ID
	stopped, err := s.Stop(ctx, []string{id})
	if err != nil || stopped[0].State != StateStopped || stopped[0].StateReason != ReasonUserStop || stopped[0].Address != "" {
		t.Fatalf("stop: %v %+v", err, stopped)
	}
	started, err := s.Start(ctx, []string{id})
	if err != nil || started[0].State != StateRunning || started[0].Address == "" || started[0].ContainerID != insts[0].ContainerID {
		t.Fatalf("start: %v %+v, want running in container %s", err, started, insts[0].ContainerID)
	}
	evs, err := s.db.Events(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if e.Kind == "instance.state" && e.Resource == "instance/"+id {
			got = append(got, strings.TrimPrefix(e.Message, id+" "))
		}
	}
	want := []string{"pending (0)", "pending (0) -> running (16)", "running (16) -> stopping (64)",
		"stopping (64) -> stopped (80) (" + ReasonUserStop + ")", "stopped (80) -> pending (0)", "pending (0) -> running (16)"}
	if !slices.Equal(got, want) {
		t.Fatalf("state events %q, want %q", got, want)
	}
	if _, err := s.Terminate(ctx, []string{id}, ""); err != nil {
		t.Fatal(err)
	}
	for _, change := range []func(context.Context, []string) ([]Instance, error){s.Stop, s.Start} {
		if _, err := change(ctx, []string{other, id}); !errors.Is(err, errdefs.ErrConflict) {
			t.Fatalf("changing a terminated instance: %v, want a conflict", err)
		}
	}
	if inst, _ := s.Instance(ctx, other); inst.State != StateRunning {
		t.Fatalf("a refused stop changed %s to %s", other, inst.State)
	}
}
